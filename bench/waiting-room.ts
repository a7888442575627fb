/**
 * The waiting room (issue 15; README: Waiting room): `users` distinct users join one slot's room
 * within a few seconds through the gateway, then it admits at a fixed `rate` per minute for
 * `admitWindowMs` while `subscribers` of them watch their place over `waitingRoomUpdates`.
 *
 * 1. join: every user sends `joinWaitingRoom` once (`concurrency` at a time, the room PAUSED so
 *    nobody is admitted meanwhile, or OPEN with `openBeforeJoin`). Join latency, joins/s, and the
 *    numbers (and, paused, the positions) must be 1..N, each once.
 * 2. subscribe: a sample of the joiners subscribes (WebSocket, a worker thread:
 *    bench/waiting-room-worker.ts): half the first ones in line (some are admitted during the
 *    run), half spread over the rest of the line.
 * 3. steady: the organizer opens the room at `rate`; for `admitWindowMs` the ticker admits and
 *    every waiting subscriber is pushed its new position at each admission.
 *    - delivery latency: a push's arrival minus its cursor's milliseconds (when the room's change
 *      was appended to the slot's live channel) and, with Redis, minus the tick that admitted
 *      (the room's `batchAt`, read from the channel's pub/sub here);
 *    - accuracy: admitted per minute between the first and the last admission tick of the
 *      window (and from the organizer's `waitingRoom` at its start and end) / the rate; FIFO:
 *      each subscriber is admitted by the batch that reaches its number, admission times rise
 *      with the numbers, and the tickets around the last admitted number say so.
 *
 * For each phase: the CPU ms and SQL statements per operation of every process (bench/sampler.ts:
 * per join, per subscription, per admitted user and per second), and the Redis commands (INFO
 * commandstats, every call including those inside Lua scripts) per operation, net of the
 * server's background rate measured with the room idle (Redis may be shared: `ownRedis` starts
 * a redis-server of the run's own for exact counts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { createServer } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import { Redis } from "ioredis";
import { signUserToken } from "../lib/core/auth";
import { DEMO_IDS } from "../lib/core/demo";
import { costNotes, createSampler, fmt, printProcessTable, snapshot, type PhaseCost, type Snapshot } from "./sampler";
import {
  describePlatform,
  percentile,
  post,
  printTable,
  startBenchPlatform,
  writeResult,
  type BenchMode,
  type BenchPlatform,
} from "./support";
import {
  STATUSES,
  type Pushes,
  type SubscriberSpec,
  type WaitingRoomWorkerReply,
  type WaitingRoomWorkerRequest,
} from "./waiting-room-worker";

export interface WaitingRoomBenchOptions {
  users: number;
  subscribers: number;
  /** admitPerMinute. */
  rate: number;
  /** How long the room admits while measured (the accuracy window). */
  admitWindowMs: number;
  /** Joins in flight at once. */
  concurrency: number;
  /** Joins on a room of their own before the measured ones (JIT, pools; not measured). */
  warmupJoins: number;
  /** The room is OPEN (admitting) while people join, instead of PAUSED. */
  openBeforeJoin: boolean;
  /** A redis-server of the run's own instead of REDIS_URL (exact command counts on a shared server). */
  ownRedis: boolean;
  settleMs: number;
  mode: BenchMode;
}

const JOIN = `mutation($slotId: ID!) { joinWaitingRoom(slotId: $slotId) { number position status estimatedWaitSeconds } }`;
const TICKET = `query($slotId: ID!) { waitingRoomTicket(slotId: $slotId) { number position status admittedUntil } }`;
const ROOM = `query($slotId: ID!) { waitingRoom(slotId: $slotId) { status admitPerMinute joined admitted waiting soldOut } }`;
const UPDATES = `subscription($slotId: ID!) { waitingRoomUpdates(slotId: $slotId) { position status estimatedWaitSeconds admittedUntil } }`;

interface Ticket {
  number: number;
  position: number;
  status: string;
  estimatedWaitSeconds: number | null;
}
interface RoomView {
  status: string;
  admitPerMinute: number;
  joined: number;
  admitted: number;
  waiting: number;
  soldOut: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (values: ArrayLike<number>) => Float64Array.from(values).sort();

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function gql(platform: BenchPlatform, agent: http.Agent, token: string | null, query: string, variables: object) {
  return post(
    agent,
    platform.gatewayPort,
    JSON.stringify({ query, variables }),
    token ? { authorization: `Bearer ${token}` } : {},
  );
}

/** A call that must succeed (setup, organizer): its `data`. */
async function must(platform: BenchPlatform, agent: http.Agent, token: string, query: string, variables: object) {
  const result = await gql(platform, agent, token, query, variables);
  if (!result.body?.data || result.body.errors?.length)
    throw new Error(`${query.slice(0, 60)}… failed: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body.data;
}

async function createSlot(platform: BenchPlatform, agent: http.Agent, seats: number): Promise<string> {
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const slot = await must(
    platform,
    agent,
    platform.tokens.organizer,
    `mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }`,
    {
      i: {
        venueId: DEMO_IDS.bistro,
        title: `Waiting room bench ${randomUUID().slice(0, 8)}`,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 7_200_000),
      },
    },
  );
  const slotId = slot.createSlot.id as string;
  await must(
    platform,
    agent,
    platform.tokens.organizer,
    `mutation($i: CreateZoneInput!) { createZone(input: $i) { id } }`,
    { i: { slotId, name: "Floor", capacity: seats, priceMinor: 2_000, currency: "EUR" } },
  );
  return slotId;
}

const organizerCall = {
  pause: `mutation($s: ID!) { pauseWaitingRoom(slotId: $s) { status } }`,
  open: `mutation($s: ID!, $r: Int!) { openWaitingRoom(slotId: $s, admitPerMinute: $r) { status admitPerMinute } }`,
  close: `mutation($s: ID!) { closeWaitingRoom(slotId: $s) { status } }`,
};

async function room(platform: BenchPlatform, agent: http.Agent, slotId: string): Promise<RoomView & { at: number }> {
  const at = Date.now();
  const data = await must(platform, agent, platform.tokens.organizer, ROOM, { slotId });
  return { ...(data.waitingRoom as RoomView), at };
}

/** Every token joins once, `concurrency` at a time. */
async function joinAll(platform: BenchPlatform, slotId: string, tokens: string[], concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = JSON.stringify({ query: JOIN, variables: { slotId } });
  const latencies = new Float64Array(tokens.length);
  const tickets: (Ticket | null)[] = new Array(tokens.length).fill(null);
  const outcomes = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tokens.length) }, async () => {
      while (next < tokens.length) {
        const i = next++;
        const result = await post(agent, platform.gatewayPort, body, { authorization: `Bearer ${tokens[i]}` });
        latencies[i] = result.ms;
        const ticket = result.body?.data?.joinWaitingRoom as Ticket | undefined;
        const outcome = ticket
          ? ticket.status
          : (result.body?.errors?.[0]?.extensions?.code ?? `HTTP_${result.status}`);
        if (ticket) tickets[i] = ticket;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { latencies: latencies.sort(), tickets, outcomes: Object.fromEntries(outcomes), seconds };
}

/** Whether `values` holds 1..n, each once. */
function isPermutation(values: (number | null | undefined)[], n: number): boolean {
  if (values.length !== n) return false;
  const seen = new Uint8Array(n + 1);
  for (const v of values) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > n || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Redis: INFO commandstats

type CommandCounts = Map<string, number>;

async function commandStats(redis: Redis): Promise<CommandCounts> {
  const counts: CommandCounts = new Map();
  for (const match of (await redis.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    counts.set(match[1], Number(match[2]));
  // The bench's own snapshots are not the platform's.
  counts.delete("info");
  return counts;
}

interface RedisWindow {
  before: CommandCounts;
  after: CommandCounts;
  seconds: number;
}
const totalOf = (counts: CommandCounts) => [...counts.values()].reduce((a, b) => a + b, 0);
function deltaOf(w: RedisWindow): CommandCounts {
  const delta: CommandCounts = new Map();
  for (const [name, calls] of w.after) {
    const d = calls - (w.before.get(name) ?? 0);
    if (d > 0) delta.set(name, d);
  }
  return delta;
}

/** A phase's Redis commands, raw and net of the background rate (per command). */
function redisFigures(w: RedisWindow | null, background: RedisWindow | null) {
  if (!w) return null;
  const raw = deltaOf(w);
  const rates = background ? deltaOf(background) : new Map<string, number>();
  const net: CommandCounts = new Map();
  for (const [name, calls] of raw) {
    const expected = background ? ((rates.get(name) ?? 0) * w.seconds) / background.seconds : 0;
    net.set(name, Math.max(0, calls - expected));
  }
  const top = [...net].sort((a, b) => b[1] - a[1]).filter(([, n]) => n >= 0.5);
  return {
    seconds: w.seconds,
    raw: totalOf(raw),
    background: background ? (totalOf(rates) * w.seconds) / background.seconds : 0,
    net: totalOf(net),
    byCommand: Object.fromEntries(top.map(([name, n]) => [name, Math.round(n)])),
  };
}
type RedisFigures = NonNullable<ReturnType<typeof redisFigures>>;

/** A private redis-server (no persistence) for the run. */
async function startOwnRedis(): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  process.once("exit", () => child.exitCode === null && child.kill());
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => {});
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error("redis-server exited at start");
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      if (attempt > 50) throw new Error("redis-server did not start");
      probe.disconnect();
      await sleep(100);
    }
  }
  probe.disconnect();
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Process costs of a phase that never goes quiet (the steady admission): two of bench/sampler.ts's
// snapshots.

const perOp = (value: number | null, operations: number) =>
  value === null || operations <= 0 ? null : value / operations;
const sumOrNull = (values: (number | null)[]) =>
  values.some((v) => v === null) ? null : values.reduce((s, v) => s! + v!, 0);

function costBetween(operation: string, operations: number, before: Snapshot, after: Snapshot): PhaseCost {
  const rows = before.processes.map((p, i) => {
    const a = after.processes[i];
    const cpuMs = p.cpuMs === null || a.cpuMs === null ? null : a.cpuMs - p.cpuMs;
    const statements = p.statements === null || a.statements === null ? null : a.statements - p.statements;
    return { process: p.name, cpuMs, statements, cpuMsPerOp: null, statementsPerOp: null };
  });
  const seconds = (after.at - before.at) / 1000;
  const cost: PhaseCost = {
    operation,
    operations,
    loadSeconds: seconds,
    settleSeconds: 0,
    windowSeconds: seconds,
    processes: rows,
    total: { process: "total", cpuMs: null, statements: null, cpuMsPerOp: null, statementsPerOp: null },
    client: { cpuMs: after.clientCpuMs - before.clientCpuMs, cpuMsPerOp: null },
    late: { cpuMs: 0, statements: 0, seconds: 0, excessCpuMs: 0, excessStatements: 0, quiet: true },
  };
  return rescale(cost, operation, operations);
}

/** The same phase divided by another count (per admitted user → per second). */
function rescale(cost: PhaseCost, operation: string, operations: number): PhaseCost {
  const processes = cost.processes.map((r) => ({
    ...r,
    cpuMsPerOp: perOp(r.cpuMs, operations),
    statementsPerOp: perOp(r.statements, operations),
  }));
  const cpuMs = sumOrNull(processes.map((r) => r.cpuMs));
  const statements = sumOrNull(processes.map((r) => r.statements));
  return {
    ...cost,
    operation,
    operations,
    processes,
    total: {
      process: "total",
      cpuMs,
      statements,
      cpuMsPerOp: perOp(cpuMs, operations),
      statementsPerOp: perOp(statements, operations),
    },
    client: { cpuMs: cost.client.cpuMs, cpuMsPerOp: perOp(cost.client.cpuMs, operations) },
  };
}

// ---------------------------------------------------------------------------------------------
// The subscribers' thread (bench/waiting-room-worker.ts)

const WORKER_URL = new URL("./waiting-room-worker.ts", import.meta.url).href;

function subscriberThread() {
  // A worker does not inherit the loader the bench runs under: tsx's API loads the TypeScript.
  const worker = new Worker(
    `import("tsx/esm/api").then(({ tsImport }) => tsImport(${JSON.stringify(WORKER_URL)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true },
  );
  worker.unref();
  let waiting: ((reply: WaitingRoomWorkerReply) => void) | null = null;
  worker.on("message", (reply: WaitingRoomWorkerReply) => waiting?.(reply));
  const ask = <T extends WaitingRoomWorkerReply["type"]>(request: WaitingRoomWorkerRequest) =>
    new Promise<Extract<WaitingRoomWorkerReply, { type: T }>>((resolve, reject) => {
      waiting = (reply) => {
        waiting = null;
        if (reply.type === "failed") reject(new Error(`subscriber thread: ${reply.message}`));
        else resolve(reply as Extract<WaitingRoomWorkerReply, { type: T }>);
      };
      worker.postMessage(request);
    });
  return {
    connect: (port: number, slotId: string, subscribers: SubscriberSpec[]) =>
      ask<"connected">({ type: "connect", port, slotId, query: UPDATES, subscribers }),
    count: () => ask<"count">({ type: "count" }),
    collect: () => ask<"collected">({ type: "collect" }),
    close: () => ask<"closed">({ type: "close" }),
    terminate: () => worker.terminate(),
  };
}

async function gatewayMetric(platform: BenchPlatform, token: string, name: string): Promise<number | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${platform.gatewayPort}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5_000),
    });
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`, "m").exec(await response.text());
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The room's changes, as published on its live channel

interface RoomEntry {
  cursor: string;
  cursorMs: number;
  seq: number;
  /** The room's admitted count after this change. */
  admitted: number;
  /** The tick that admitted (ms), when known and this change admitted. */
  tickAt: number | null;
  status: string | null;
  /** When the bench's own pub/sub connection had it. */
  seenAt: number | null;
}

const byCursor = (a: { cursorMs: number; seq: number }, b: { cursorMs: number; seq: number }) =>
  a.cursorMs - b.cursorMs || a.seq - b.seq;

/** The channel's entries from its pub/sub messages (Redis). */
function entriesFromPubSub(messages: { at: number; raw: string }[]): RoomEntry[] {
  const entries: RoomEntry[] = [];
  for (const { at, raw } of messages) {
    try {
      const parsed = JSON.parse(raw) as {
        cursor: string;
        message: { admitted: number; batchFrom: number; batchAt: number; status: string };
      };
      const [ms, seq] = parsed.cursor.split("-").map(Number);
      const room = parsed.message;
      entries.push({
        cursor: parsed.cursor,
        cursorMs: ms,
        seq,
        admitted: room.admitted,
        tickAt: room.batchAt > 0 ? room.batchAt : null,
        status: room.status,
        seenAt: at,
      });
    } catch {
      // not ours
    }
  }
  return entries.sort(byCursor);
}

/**
 * The channel's entries as the subscribers saw them (no Redis to listen to): a waiting
 * subscriber's number minus its position is the room's admitted count.
 */
function entriesFromPushes(pushes: Pushes, numberOf: (user: number) => number): RoomEntry[] {
  const found = new Map<string, { cursorMs: number; seq: number; admitted: Map<number, number> }>();
  for (let i = 0; i < pushes.user.length; i++) {
    const key = `${pushes.cursorMs[i]}-${pushes.cursorSeq[i]}`;
    let entry = found.get(key);
    if (!entry)
      found.set(key, (entry = { cursorMs: pushes.cursorMs[i], seq: pushes.cursorSeq[i], admitted: new Map() }));
    if (STATUSES[pushes.status[i]] === "WAITING" && pushes.position[i] > 0) {
      const admitted = numberOf(pushes.user[i]) - pushes.position[i];
      entry.admitted.set(admitted, (entry.admitted.get(admitted) ?? 0) + 1);
    }
  }
  const entries: RoomEntry[] = [];
  for (const [cursor, e] of found) {
    // The most common reading (all agree unless something is wrong, counted separately).
    const admitted = [...e.admitted].sort((a, b) => b[1] - a[1])[0]?.[0];
    if (admitted === undefined) continue;
    entries.push({ cursor, cursorMs: e.cursorMs, seq: e.seq, admitted, tickAt: null, status: null, seenAt: null });
  }
  return entries.sort(byCursor);
}

// ---------------------------------------------------------------------------------------------

export async function waitingRoomBenchmark(options: WaitingRoomBenchOptions): Promise<void> {
  const benchStarted = performance.now();
  /** Progress on stderr, with the seconds since the bench started. */
  const progress = (fields: object) =>
    console.error(JSON.stringify({ t: Math.round((performance.now() - benchStarted) / 1000), ...fields }));
  const ownRedis = options.ownRedis ? await startOwnRedis() : null;
  const redisUrl = ownRedis?.url ?? (process.env.REDIS_URL || undefined);
  const redisPrefix = `bench-wr-${randomBytes(4).toString("hex")}`;
  const metricsToken = randomBytes(24).toString("hex");
  let platform: BenchPlatform | null = null;
  const subscribers = subscriberThread();
  let redis: Redis | null = null;
  let listener: Redis | null = null;
  try {
    platform = await startBenchPlatform({
      mode: options.mode,
      env: {
        SWEEP_INTERVAL_MS: "600000",
        METRICS_TOKEN: metricsToken,
        REDIS_PREFIX: redisPrefix,
        ...(ownRedis ? { REDIS_URL: ownRedis.url } : {}),
      },
    });
    const p = platform;
    progress({ phase: "started" });
    if (redisUrl) {
      redis = new Redis(redisUrl, { connectionName: "bench-waiting-room" });
      listener = new Redis(redisUrl, { connectionName: "bench-waiting-room-listener" });
    }
    const sampler = createSampler(p.processes, { settleMs: options.settleMs });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const organizer = p.tokens.organizer;
    const auth = { jwtSecret: p.secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
    const runTag = randomBytes(3).toString("hex");
    const tokens = await Promise.all(
      Array.from({ length: options.users }, (_, i) =>
        signUserToken(auth, { userId: `wr-bench-${runTag}-${i}`, role: "GUEST" }, "1h"),
      ),
    );

    if (options.warmupJoins > 0) {
      // The join path warmed on a room of its own (not measured), then that room is closed.
      const warmSlot = await createSlot(p, agent, 10);
      await must(p, agent, organizer, organizerCall.pause, { s: warmSlot });
      const warmTokens = await Promise.all(
        Array.from({ length: options.warmupJoins }, (_, i) =>
          signUserToken(auth, { userId: `wr-warm-${runTag}-${i}`, role: "GUEST" }, "1h"),
        ),
      );
      await joinAll(p, warmSlot, warmTokens, options.concurrency);
      await must(p, agent, organizer, organizerCall.close, { s: warmSlot });
    }

    // The measured room: enough seats that it never sells out (nobody reserves here anyway).
    const slotId = await createSlot(p, agent, Math.max(1, options.users));
    if (options.openBeforeJoin) await must(p, agent, organizer, organizerCall.open, { s: slotId, r: options.rate });
    else await must(p, agent, organizer, organizerCall.pause, { s: slotId });

    // Background: the platform idle (the room exists), and the Redis server's rate meanwhile.
    const redisIdleBefore = redis ? await commandStats(redis) : null;
    const idleStarted = performance.now();
    const idle = await sampler.idle(2_000);
    const redisIdle: RedisWindow | null = redis
      ? {
          before: redisIdleBefore!,
          after: await commandStats(redis),
          seconds: (performance.now() - idleStarted) / 1000,
        }
      : null;

    // 1. Joins.
    const windows: { join?: RedisWindow; subscribe?: RedisWindow } = {};
    const join = await sampler.measure(
      "join",
      async () => {
        const before = redis ? await commandStats(redis) : null;
        const started = performance.now();
        const result = await joinAll(p, slotId, tokens, options.concurrency);
        if (redis)
          windows.join = {
            before: before!,
            after: await commandStats(redis),
            seconds: (performance.now() - started) / 1000,
          };
        return result;
      },
      (r) => r.tickets.filter(Boolean).length,
    );
    const joined = join.result;
    const joinedCount = joined.tickets.filter(Boolean).length;
    const numbersOk = isPermutation(
      joined.tickets.map((t) => t?.number),
      options.users,
    );
    const positionsOk = options.openBeforeJoin
      ? joined.tickets.every((t) => t !== null && t.position >= 1 && t.position <= t.number)
      : isPermutation(
          joined.tickets.map((t) => t?.position),
          options.users,
        );
    const numberOfUser = Int32Array.from(joined.tickets, (t) => t?.number ?? 0);
    const userOfNumber = new Int32Array(options.users + 1).fill(-1);
    numberOfUser.forEach((n, user) => n > 0 && n <= options.users && (userOfNumber[n] = user));
    progress({
      phase: "join",
      joins: joinedCount,
      seconds: +joined.seconds.toFixed(2),
      p99: +percentile(joined.latencies, 99).toFixed(1),
    });

    // 2. Subscribers: half the first ones still waiting, half spread over the rest of the line.
    const before = await room(p, agent, slotId);
    const line: number[] = [];
    for (let n = before.admitted + 1; n <= options.users; n++) if (userOfNumber[n] >= 0) line.push(userOfNumber[n]);
    const wanted = Math.min(options.subscribers, line.length);
    const headCount = Math.ceil(wanted / 2);
    const rest = line.slice(headCount);
    const tailCount = wanted - headCount;
    const chosen = [
      ...line.slice(0, headCount),
      ...Array.from({ length: tailCount }, (_, k) => rest[Math.floor(((k + 1) * rest.length) / tailCount) - 1]),
    ];
    const subscribe = await sampler.measure(
      "subscription",
      async () => {
        const before = redis ? await commandStats(redis) : null;
        const started = performance.now();
        const connected = await subscribers.connect(
          p.gatewayPort,
          slotId,
          chosen.map((user) => ({ user, token: tokens[user] })),
        );
        // Until the gateway counts them all as open (or the refused ones are known), at most 30 s.
        const deadline = Date.now() + 30_000;
        let active = 0;
        for (;;) {
          active = (await gatewayMetric(p, metricsToken, "gateway_subscriptions_active")) ?? 0;
          const { errors } = await subscribers.count();
          if (active >= connected.connected - errors || Date.now() > deadline) break;
          // Not too often: each scrape of /metrics costs the gateway CPU of its own.
          await sleep(250);
        }
        if (redis)
          windows.subscribe = {
            before: before!,
            after: await commandStats(redis),
            seconds: (performance.now() - started) / 1000,
          };
        return { ...connected, active, seconds: (performance.now() - started) / 1000 };
      },
      (r) => r.active,
    );
    progress({ phase: "subscribe", ...subscribe.result });

    // 3. Steady admission: the organizer opens the room (at the rate) and the window runs.
    const published: { at: number; raw: string }[] = [];
    if (listener) {
      listener.on("message", (_channel: string, raw: string) => published.push({ at: Date.now(), raw }));
      await listener.subscribe(`${redisPrefix}:live:waiting-room:${slotId}`);
    }
    await sampler.waitQuiet();
    const { pushes: pushesBefore } = await subscribers.count();
    const costBefore = await snapshot(p.processes, false);
    const redisSteadyBefore = redis ? await commandStats(redis) : null;
    const steadyStarted = performance.now();
    const openedAt = Date.now();
    const opened = await gql(p, agent, organizer, organizerCall.open, { s: slotId, r: options.rate });
    if (!opened.body?.data) throw new Error(`openWaitingRoom failed: ${JSON.stringify(opened.body)}`);
    const atStart = await room(p, agent, slotId);
    const windowEnd = openedAt + options.admitWindowMs;
    while (Date.now() < windowEnd) {
      await sleep(Math.min(10_000, windowEnd - Date.now()));
      const counts = await subscribers.count();
      progress({
        phase: "steady",
        seconds: Math.round((Date.now() - openedAt) / 1000),
        pushes: counts.pushes - pushesBefore,
        errors: counts.errors,
      });
    }
    const costAfter = await snapshot(p.processes, true);
    const redisSteady: RedisWindow | null = redis
      ? {
          before: redisSteadyBefore!,
          after: await commandStats(redis),
          seconds: (performance.now() - steadyStarted) / 1000,
        }
      : null;
    const atEnd = await room(p, agent, slotId);
    const steadySeconds = (performance.now() - steadyStarted) / 1000;

    // Frozen for the checks: paused, the pushes in flight arrive, then everything is collected.
    const pausedAt = Date.now();
    await must(p, agent, organizer, organizerCall.pause, { s: slotId });
    const final = await room(p, agent, slotId);
    await sleep(1_500);
    const collected = await subscribers.collect();
    const pushes = collected.pushes;
    const activeAtEnd = (await gatewayMetric(p, metricsToken, "gateway_subscriptions_active")) ?? 0;

    // The room's changes: from the channel itself (Redis), else as the subscribers saw them.
    const numberOf = (user: number) => numberOfUser[user];
    const allEntries = listener ? entriesFromPubSub(published) : entriesFromPushes(pushes, numberOf);
    // The window's entries: from the opening (its cursor follows openedAt) until the pause.
    const entries = allEntries.filter((e) => e.cursorMs >= openedAt - 5 && e.cursorMs < pausedAt);
    const entryIndex = new Map(entries.map((e, i) => [e.cursor, i]));
    // Admitted when the window began (the room may have admitted since the subscribers were chosen).
    const admittedAtOpen = allEntries.filter((e) => e.cursorMs < openedAt - 5).at(-1)?.admitted ?? before.admitted;
    const admittedBefore = (i: number) => (i > 0 ? entries[i - 1].admitted : admittedAtOpen);

    // Admission: the ticks that admitted (in the window, before the pause).
    const ticks = entries.filter((e, i) => e.admitted > admittedBefore(i));
    const tickTime = (e: RoomEntry) => e.tickAt ?? e.cursorMs;
    const first = ticks[0];
    const last = ticks.at(-1);
    const perMinuteTicks =
      first && last && last !== first
        ? ((last.admitted - first.admitted) * 60_000) / (tickTime(last) - tickTime(first))
        : null;
    const perMinutePolls = ((atEnd.admitted - atStart.admitted) * 60_000) / Math.max(1, atEnd.at - atStart.at);
    const intervals = sorted(ticks.slice(1).map((e, i) => tickTime(e) - tickTime(ticks[i])));
    const batchSizes = ticks.map((e) => e.admitted - admittedBefore(entries.indexOf(e)));

    // Pushes in the window, per subscriber, against the room's changes.
    const subscribed = new Set(chosen);
    const latencyFromAppend: number[] = [];
    const latencyFromTick: number[] = [];
    const perEntry = new Map<string, { first: number; last: number; n: number }>();
    const receivedBy = new Map<number, { cursor: string; index: number }[]>();
    let beforeWindow = 0;
    let afterWindow = 0;
    let unknownCursor = 0;
    for (let i = 0; i < pushes.user.length; i++) {
      const cursor = `${pushes.cursorMs[i]}-${pushes.cursorSeq[i]}`;
      const index = entryIndex.get(cursor);
      if (index === undefined) {
        if (pushes.cursorMs[i] >= openedAt && pushes.cursorMs[i] < pausedAt) unknownCursor++;
        else if (pushes.cursorMs[i] < openedAt) beforeWindow++;
        else afterWindow++;
        continue;
      }
      latencyFromAppend.push(pushes.receivedAt[i] - pushes.cursorMs[i]);
      const entry = entries[index];
      if (entry.tickAt !== null && entry.admitted > admittedBefore(index))
        latencyFromTick.push(pushes.receivedAt[i] - entry.tickAt);
      const seen = perEntry.get(cursor);
      if (!seen) perEntry.set(cursor, { first: pushes.receivedAt[i], last: pushes.receivedAt[i], n: 1 });
      else {
        seen.first = Math.min(seen.first, pushes.receivedAt[i]);
        seen.last = Math.max(seen.last, pushes.receivedAt[i]);
        seen.n++;
      }
      let list = receivedBy.get(pushes.user[i]);
      if (!list) receivedBy.set(pushes.user[i], (list = []));
      list.push({ cursor, index: i });
    }
    const windowPushes = latencyFromAppend.length;
    const appendLatency = sorted(latencyFromAppend);
    const tickLatency = sorted(latencyFromTick);
    const tickToAppend = sorted(
      entries.filter((e, i) => e.tickAt !== null && e.admitted > admittedBefore(i)).map((e) => e.cursorMs - e.tickAt!),
    );
    const spreads = sorted([...perEntry.values()].map((s) => s.last - s.first));

    // Expected: every change of the room while the subscriber waited (each moves its position),
    // the one that admits it included; nothing after that (its ticket no longer changes).
    let expected = 0;
    let missing = 0;
    let duplicates = 0;
    let unexpected = 0;
    let notDecreasing = 0;
    let inconsistent = 0;
    let admittedWrongBatch = 0;
    let admittedMissing = 0;
    let admittedTooEarly = 0;
    const finalInWindow = entries.at(-1)?.admitted ?? admittedAtOpen;
    const admittedSubscribers: { number: number; until: number }[] = [];
    for (const user of subscribed) {
      const n = numberOf(user);
      const got = receivedBy.get(user) ?? [];
      const cursors = new Set(got.map((g) => g.cursor));
      duplicates += got.length - cursors.size;
      for (let i = 0; i < entries.length; i++) {
        if (admittedBefore(i) >= n) break;
        expected++;
        if (!cursors.has(entries[i].cursor)) missing++;
      }
      let lastPosition = Infinity;
      let admission: number | null = null;
      for (const g of got.sort((a, b) => entryIndex.get(a.cursor)! - entryIndex.get(b.cursor)!)) {
        const i = entryIndex.get(g.cursor)!;
        if (admittedBefore(i) >= n) unexpected++;
        const status = STATUSES[pushes.status[g.index]];
        const position = pushes.position[g.index];
        if (status === "WAITING") {
          if (position >= lastPosition) notDecreasing++;
          lastPosition = position;
          if (n - position !== entries[i].admitted) inconsistent++;
        } else if (status === "ADMITTED" || status === "EXPIRED") {
          // FIFO: admitted by the batch that reached its number, not before, not later.
          if (!(admittedBefore(i) < n && n <= entries[i].admitted)) admittedWrongBatch++;
          admission ??= pushes.admittedUntil[g.index];
        }
      }
      // (Admitted before the window, with the room open while they joined: not checked here.)
      if (n > admittedAtOpen && n <= finalInWindow && admission === null) admittedMissing++;
      if (n > finalInWindow && admission !== null) admittedTooEarly++;
      if (admission !== null) admittedSubscribers.push({ number: n, until: admission });
    }
    // Admission times rise with the numbers.
    admittedSubscribers.sort((a, b) => a.number - b.number);
    const outOfOrder = admittedSubscribers.filter((s, i) => i > 0 && s.until < admittedSubscribers[i - 1].until).length;

    // The tickets around the last admitted number (paused: the state is fixed).
    const k = final.admitted;
    const boundary: { number: number; ok: boolean; ticket: unknown }[] = [];
    for (let n = Math.max(1, k - 20); n <= Math.min(options.users, k + 20); n++) {
      const user = userOfNumber[n];
      if (user < 0) continue;
      const result = await gql(p, agent, tokens[user], TICKET, { slotId });
      const ticket = result.body?.data?.waitingRoomTicket as
        { number: number; position: number; status: string } | undefined;
      const ok =
        !!ticket &&
        ticket.number === n &&
        (n <= k
          ? ticket.position === 0 && (ticket.status === "ADMITTED" || ticket.status === "EXPIRED")
          : ticket.position === n - k && ticket.status === "WAITING");
      boundary.push({ number: n, ok, ticket: ticket ?? result.body });
    }
    const boundaryBad = boundary.filter((b) => !b.ok);
    const fifo =
      admittedWrongBatch === 0 &&
      admittedMissing === 0 &&
      admittedTooEarly === 0 &&
      outOfOrder === 0 &&
      boundaryBad.length === 0 &&
      final.joined === options.users;

    // Costs.
    const admittedInWindow = atEnd.admitted - admittedAtOpen;
    const steadyPerAdmitted = costBetween("admitted user", admittedInWindow, costBefore, costAfter);
    const steadyPerSecond = rescale(steadyPerAdmitted, "second", steadySeconds);
    // What one push costs the gateway (distributed only): its steady CPU above its idle rate, per push.
    const gatewayRow = steadyPerAdmitted.processes[0];
    const gatewayIdle = idle.processes[0]?.cpuMsPerSecond ?? null;
    const cpuPerPushUs =
      p.layout !== "distributed" || gatewayRow.cpuMs === null || gatewayIdle === null || windowPushes === 0
        ? null
        : ((gatewayRow.cpuMs - gatewayIdle * steadyPerAdmitted.windowSeconds) * 1000) / windowPushes;
    const redisFigs = {
      idle: redisIdle
        ? { seconds: redisIdle.seconds, perSecond: totalOf(deltaOf(redisIdle)) / redisIdle.seconds }
        : null,
      join: redisFigures(windows.join ?? null, redisIdle),
      subscribe: redisFigures(windows.subscribe ?? null, redisIdle),
      steady: redisFigures(redisSteady, redisIdle),
    };

    progress({ phase: "checked" });
    // Report.
    await subscribers.close();
    const mode = options.openBeforeJoin ? "OPEN (admitting)" : "PAUSED";
    console.log(
      `\nwaiting-room: ${describePlatform(p)}; ${options.users} users join one slot's room (${mode} meanwhile), ` +
        `${options.concurrency} at a time through the gateway (warm-up: ${options.warmupJoins} joins on another room); ` +
        `${chosen.length} of them subscribe to waitingRoomUpdates; then it admits ${options.rate}/min for ${options.admitWindowMs / 1000} s` +
        `${options.ownRedis ? "; Redis: a redis-server of the run's own" : redisUrl ? "; Redis: REDIS_URL (shared: counts are net of its background rate)" : ""}`,
    );
    console.log(`\njoin (op = a join)`);
    printTable([
      {
        joins: joinedCount,
        errors: options.users - joinedCount,
        "load s": joined.seconds,
        "joins/s": joinedCount / joined.seconds,
        "p50 ms": percentile(joined.latencies, 50),
        "p95 ms": percentile(joined.latencies, 95),
        "p99 ms": percentile(joined.latencies, 99),
        "max ms": joined.latencies.at(-1) ?? 0,
        "numbers 1..N": numbersOk ? "yes" : "NO",
        [options.openBeforeJoin ? "positions ok" : "positions 1..N"]: positionsOk ? "yes" : "NO",
        "Redis cmds/op": fmt(redisFigs.join ? redisFigs.join.net / joinedCount : null, 1),
        "CPU ms/op": fmt(join.cost.total.cpuMsPerOp),
        "SQL/op": fmt(join.cost.total.statementsPerOp),
      },
    ]);

    console.log(
      `\nposition updates (${subscribe.result.active} subscribers: ${headCount} first in line, ${tailCount} spread over the rest; ` +
        `latency: arrival − the cursor's ms (the change appended to the channel)${listener ? "; from tick: arrival − the admitting tick's time" : ""})`,
    );
    printTable([
      {
        subscribed: subscribe.result.active,
        "connect s": subscribe.result.seconds,
        pushes: windowPushes,
        "pushes/s": windowPushes / steadySeconds,
        expected,
        missing,
        "dup/unexp": duplicates + unexpected,
        "p50 ms": percentile(appendLatency, 50),
        "p95 ms": percentile(appendLatency, 95),
        "p99 ms": percentile(appendLatency, 99),
        "max ms": appendLatency.at(-1) ?? 0,
        "tick p50 ms": listener ? fmt(percentile(tickLatency, 50), 1) : "n/a",
        "tick p99 ms": listener ? fmt(percentile(tickLatency, 99), 1) : "n/a",
        "tick→append p50": listener ? fmt(percentile(tickToAppend, 50), 1) : "n/a",
        "spread p50 ms": percentile(spreads, 50),
        "spread p99 ms": percentile(spreads, 99),
        "gw CPU µs/push": fmt(cpuPerPushUs, 0),
        errors: collected.errors,
        closed: collected.closed,
      },
    ]);

    console.log(
      `\nadmission (configured ${options.rate}/min; window from the opening to ${options.admitWindowMs / 1000} s)`,
    );
    printTable([
      {
        "admitted/min (ticks)": fmt(perMinuteTicks, 1),
        "ratio (ticks)": fmt(perMinuteTicks === null ? null : perMinuteTicks / options.rate, 3),
        "admitted/min (organizer)": fmt(perMinutePolls, 1),
        "ratio (organizer)": fmt(perMinutePolls / options.rate, 3),
        admitted: admittedInWindow,
        ticks: ticks.length,
        "batch min-max": ticks.length ? `${Math.min(...batchSizes)}-${Math.max(...batchSizes)}` : "-",
        "tick interval p50 ms": percentile(intervals, 50),
        "p99 ms": percentile(intervals, 99),
        "max ms": intervals.at(-1) ?? 0,
        "positions not falling": notDecreasing,
        inconsistent,
        FIFO: fifo ? "yes" : "NO",
      },
    ]);

    if (redisIdle) {
      const r = redisFigs;
      console.log(
        `\nRedis commands (INFO commandstats: every call, those inside Lua scripts included; background: the server's rate while the platform ` +
          `was idle with the room ${options.openBeforeJoin ? "open and empty" : "paused"} (its ticker included${options.ownRedis ? "" : "; on a shared server, others' traffic too"}) × the phase's time; net = raw − background)`,
      );
      const row = (phase: string, f: RedisFigures | null, per: string, ops: number) => ({
        phase,
        seconds: f?.seconds ?? 0,
        raw: f?.raw ?? 0,
        background: f?.background ?? 0,
        net: f?.net ?? 0,
        op: per,
        "net/op": fmt(f ? f.net / ops : null, 2),
        "raw/s": fmt(f ? f.raw / f.seconds : null, 1),
        "net/s": fmt(f ? f.net / f.seconds : null, 1),
      });
      printTable([
        {
          phase: "idle",
          seconds: r.idle!.seconds,
          raw: r.idle!.perSecond * r.idle!.seconds,
          background: "-",
          net: "-",
          op: "-",
          "net/op": "-",
          "raw/s": fmt(r.idle!.perSecond, 1),
          "net/s": "-",
        },
        row("join", r.join, "join", joinedCount),
        row("subscribe", r.subscribe, "subscription", Math.max(1, subscribe.result.active)),
        row("steady", r.steady, "admitted user", Math.max(1, admittedInWindow)),
        row("steady", r.steady, "tick", Math.max(1, ticks.length)),
      ]);
      for (const [phase, f] of [
        ["join", r.join],
        ["subscribe", r.subscribe],
        ["steady", r.steady],
      ] as const)
        if (f)
          console.log(
            `  ${phase} by command (net): ${Object.entries(f.byCommand)
              .slice(0, 10)
              .map(([c, n]) => `${c} ${n}`)
              .join(", ")}`,
          );
    }

    const phases = [
      { label: "join", cost: join.cost },
      { label: "subscribe", cost: subscribe.cost },
      { label: "steady/admitted", cost: steadyPerAdmitted },
      { label: "steady/s", cost: steadyPerSecond },
    ];
    console.log(
      `\nper process (CPU ms and SQL statements per join, per subscription, per admitted user and per second of admission; idle: background per second with no load)`,
    );
    printProcessTable(phases, idle);
    for (const line of costNotes(phases.slice(0, 2))) console.log(line);
    console.log(
      `steady: from just before the opening to the end of the window (${fmt(steadySeconds, 1)} s), no settle; ` +
        `the organizer's opening and first waitingRoom query are in it.`,
    );
    console.log(`join outcomes: ${JSON.stringify(joined.outcomes)}`);
    if (collected.messages.length) console.log(`subscriber errors/closes (first): ${collected.messages.join(" | ")}`);
    if (subscribe.result.failures.length) console.log(`failed to connect: ${subscribe.result.failures.join(" | ")}`);
    if (boundaryBad.length) console.log(`tickets around number ${k}: ${JSON.stringify(boundaryBad.slice(0, 5))}`);
    if (unknownCursor || beforeWindow || afterWindow)
      console.log(
        `pushes not matched to the room's changes: ${unknownCursor} in the window, ${beforeWindow} before it (the room admitting since the join), ${afterWindow} after it (the pause that ends it)`,
      );

    const file = await writeResult("waiting-room", {
      scenario: "waiting-room",
      layout: p.layout,
      backends: p.backends,
      redisServer: options.ownRedis ? "own" : redisUrl ? "REDIS_URL" : "none (in-process store)",
      processes: p.processes.map((x) => ({ name: x.name, pid: x.pid })),
      options,
      idle,
      join: {
        joins: joinedCount,
        seconds: joined.seconds,
        perSecond: joinedCount / joined.seconds,
        p50: percentile(joined.latencies, 50),
        p95: percentile(joined.latencies, 95),
        p99: percentile(joined.latencies, 99),
        max: joined.latencies.at(-1) ?? 0,
        numbersArePermutation: numbersOk,
        positionsOk,
        outcomes: joined.outcomes,
        cost: join.cost,
      },
      subscribe: { ...subscribe.result, head: headCount, tail: tailCount, cost: subscribe.cost },
      updates: {
        pushes: windowPushes,
        perSecond: windowPushes / steadySeconds,
        expected,
        missing,
        duplicates,
        unexpected,
        errors: collected.errors,
        closed: collected.closed,
        activeAtEnd,
        latencyFromAppend: {
          p50: percentile(appendLatency, 50),
          p95: percentile(appendLatency, 95),
          p99: percentile(appendLatency, 99),
          max: appendLatency.at(-1) ?? 0,
        },
        latencyFromTick: listener
          ? {
              p50: percentile(tickLatency, 50),
              p95: percentile(tickLatency, 95),
              p99: percentile(tickLatency, 99),
              max: tickLatency.at(-1) ?? 0,
            }
          : null,
        tickToAppend: listener ? { p50: percentile(tickToAppend, 50), p99: percentile(tickToAppend, 99) } : null,
        spread: { p50: percentile(spreads, 50), p99: percentile(spreads, 99) },
      },
      admission: {
        configuredPerMinute: options.rate,
        perMinuteTicks,
        ratioTicks: perMinuteTicks === null ? null : perMinuteTicks / options.rate,
        perMinuteOrganizer: perMinutePolls,
        ratioOrganizer: perMinutePolls / options.rate,
        atStart,
        atEnd,
        final,
        ticks: ticks.length,
        batchSizes: { min: Math.min(...batchSizes), max: Math.max(...batchSizes) },
        tickIntervalMs: {
          p50: percentile(intervals, 50),
          p99: percentile(intervals, 99),
          max: intervals.at(-1) ?? 0,
        },
        fifo,
        checks: {
          admittedWrongBatch,
          admittedMissing,
          admittedTooEarly,
          outOfOrder,
          positionsNotDecreasing: notDecreasing,
          inconsistentPositions: inconsistent,
          boundaryBad: boundaryBad.slice(0, 10),
        },
      },
      steady: { seconds: steadySeconds, cpuPerPushUs, perAdmitted: steadyPerAdmitted, perSecond: steadyPerSecond },
      redis: redisFigs,
    });
    console.log(`\nwrote ${file}`);
    if (!numbersOk || !positionsOk || !fifo || joinedCount < options.users || missing > 0) process.exitCode = 1;
  } finally {
    await subscribers.terminate();
    redis?.disconnect();
    listener?.disconnect();
    await platform?.stop();
    await ownRedis?.stop();
  }
}
