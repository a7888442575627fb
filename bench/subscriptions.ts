/**
 * Subscriptions at scale: N WebSocket subscribers (one connection each, graphql-transport-ws, in
 * a worker thread: bench/subscriber-worker.ts) watch `availabilityChanged` of one slot on one
 * gateway; reservations through the gateway, sent open loop at `rate` per second, produce the
 * events. Reports delivery latency (from the moment the reservation was sent, so an upper bound
 * of commit → delivery; also split into "until the first subscriber has it" and "first to last"),
 * messages/s, memory per connection, CPU per event and per message delivered, and the load
 * generator's own CPU. With several `fanout` variants (SUBSCRIPTION_FANOUT), one platform each,
 * every count runs on each in turn. A count of 0 measures the reservations alone.
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import { signUserToken } from "../lib/core/auth";
import { DEMO_IDS } from "../lib/core/demo";
import {
  percentile,
  post,
  printTable,
  startBenchPlatform,
  writeResult,
  type BenchMode,
  type BenchPlatform,
} from "./support";
import type { WorkerReply, WorkerRequest } from "./subscriber-worker";
import { resumeCost } from "./resume";

/** The gateway serves /metrics only with its METRICS_TOKEN. */
const METRICS_TOKEN = randomBytes(24).toString("hex");

const QUERY = `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { zone { id } available } }`;

/** The process and its descendants (tsx runs the platform in a child node process). */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

function usage(root: number): { rssBytes: number; cpuSeconds: number } {
  let rssBytes = 0;
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      rssBytes += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        .slice(readFileSync(`/proc/${pid}/stat`, "utf8").lastIndexOf(")") + 2)
        .split(" ");
      ticks += Number(stat[11]) + Number(stat[12]);
    } catch {
      // gone meanwhile
    }
  }
  return { rssBytes, cpuSeconds: ticks / 100 };
}

async function gql(platform: BenchPlatform, agent: http.Agent, token: string, query: string, variables: object) {
  return post(agent, platform.gatewayPort, JSON.stringify({ query, variables }), { authorization: `Bearer ${token}` });
}

/** The same clock as the subscriber threads' (bench/subscriber-worker.ts). */
const hrNow = () => Number(process.hrtime.bigint()) / 1e6;

const WORKER_URL = new URL("./subscriber-worker.ts", import.meta.url).href;

/** The subscribers, spread over `threads` worker threads (bench/subscriber-worker.ts). */
function subscriberThreads(threads: number) {
  const workers = Array.from({ length: threads }, () => {
    // A worker does not inherit the loader the bench runs under: tsx's API loads the TypeScript.
    const worker = new Worker(
      `import("tsx/esm/api").then(({ tsImport }) => tsImport(${JSON.stringify(WORKER_URL)}, ${JSON.stringify(import.meta.url)}))`,
      { eval: true },
    );
    worker.unref();
    let waiting: ((reply: WorkerReply) => void) | null = null;
    worker.on("message", (reply: WorkerReply) => waiting?.(reply));
    const ask = (request: WorkerRequest) =>
      new Promise<WorkerReply>((resolve, reject) => {
        waiting = (reply) => {
          waiting = null;
          if (reply.type === "failed") reject(new Error(`subscriber thread: ${reply.message}`));
          else resolve(reply);
        };
        worker.postMessage(request);
      });
    return { worker, ask };
  });
  const all = (request: (i: number) => WorkerRequest) => Promise.all(workers.map((w, i) => w.ask(request(i))));
  return {
    async connect(port: number, slotId: string, count: number) {
      const share = (i: number) => Math.floor(count / threads) + (i < count % threads ? 1 : 0);
      await all((i) => ({ type: "connect", port, slotId, query: QUERY, count: share(i) }));
    },
    async counts() {
      const replies = (await all(() => ({ type: "count" }))) as Extract<WorkerReply, { type: "count" }>[];
      return {
        delivered: replies.reduce((n, r) => n + r.delivered, 0),
        closed: replies.reduce((n, r) => n + r.closed, 0),
      };
    },
    async collect(sentAt: Map<number, number>) {
      const replies = (await all(() => ({ type: "collect", sentAt: [...sentAt] }))) as Extract<
        WorkerReply,
        { type: "collected" }
      >[];
      const latencies = new Float64Array(replies.reduce((n, r) => n + r.latencies.length, 0));
      let offset = 0;
      for (const r of replies) {
        latencies.set(r.latencies, offset);
        offset += r.latencies.length;
      }
      const perEvent = new Map<number, { n: number; first: number; last: number }>();
      for (const r of replies)
        for (const [event, seen] of r.perEvent) {
          const all = perEvent.get(event);
          if (!all) perEvent.set(event, { ...seen });
          else {
            all.n += seen.n;
            all.first = Math.min(all.first, seen.first);
            all.last = Math.max(all.last, seen.last);
          }
        }
      return {
        latencies: latencies.sort(),
        perEvent,
        delivered: replies.reduce((n, r) => n + r.delivered, 0),
        unexpected: replies.reduce((n, r) => n + r.unexpected, 0),
        lastAt: Math.max(0, ...replies.map((r) => r.lastAt)),
      };
    },
    close: () => all(() => ({ type: "close" })),
    terminate: () => Promise.all(workers.map((w) => w.worker.terminate())),
  };
}
type Subscribers = ReturnType<typeof subscriberThreads>;

async function activeSubscriptions(port: number): Promise<number> {
  const text = await new Promise<string>((resolve, reject) =>
    http
      .get(
        { host: "127.0.0.1", port, path: "/metrics", headers: { authorization: `Bearer ${METRICS_TOKEN}` } },
        (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve(body));
        },
      )
      .on("error", reject),
  );
  return Number(/^gateway_subscriptions_active\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
}

export type FanoutVariant = "batched" | "inline";

export async function subscriptionsBenchmark(options: {
  counts: number[];
  rate: number;
  durationMs: number;
  /** One platform per variant (SUBSCRIPTION_FANOUT), each count run on each, one after the other. */
  fanout: FanoutVariant[];
  /** Worker threads the subscribers are spread over. */
  clientThreads: number;
  /** one-process: CPU and memory are the whole platform's; distributed: the gateway process's. */
  mode: BenchMode;
  /** The resume cost (bench/resume.ts) on the first variant's platform; absent: not measured. */
  resume?: { clients: number; missed: number; zones: number };
}) {
  let resumeRow: Record<string, number> | null = null;
  const platforms = new Map<FanoutVariant, BenchPlatform>();
  const rows: Record<string, string | number>[] = [];
  const subscribers = subscriberThreads(options.clientThreads);
  let backends = "";
  try {
    for (const variant of options.fanout) {
      const platform = await startBenchPlatform({
        mode: options.mode,
        env: {
          SWEEP_INTERVAL_MS: "600000",
          METRICS_TOKEN,
          SUBSCRIPTION_FANOUT: variant,
          // Two platforms may run side by side on a shared server (max_connections).
          DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? "5",
        },
      });
      platforms.set(variant, platform);
      backends = platform.backends;
    }
    // Each count on every variant in turn, so the machine's neighbours weigh on both alike.
    for (const count of options.counts) {
      for (const [variant, platform] of platforms) {
        const row = await runOnce(platform, subscribers, count, options);
        rows.push({ fanout: variant, ...row });
        console.error(JSON.stringify(rows.at(-1)));
      }
    }
    const [platform] = platforms.values();
    if (options.resume && platform) {
      resumeRow = await resumeCost(platform, {
        ...options.resume,
        metricsToken: METRICS_TOKEN,
        cpuSeconds: () => usage(platform.child.pid!).cpuSeconds,
      });
      console.error(JSON.stringify(resumeRow));
    }
  } finally {
    await subscribers.terminate();
    for (const platform of platforms.values()) await platform.stop();
  }
  console.log(
    `\nsubscriptions: ${backends} backends, ${options.mode}, availabilityChanged of one slot, ${options.rate} events/s for ${options.durationMs / 1000} s, subscribers in ${options.clientThreads} thread(s)`,
  );
  console.log(
    `latency: reservation sent → payload read by the subscriber (1st: by the first subscriber; spread: first to last); CPU and RSS: ${options.mode === "distributed" ? "the gateway process" : "the platform process (gateway and subgraphs)"}, per event and per message delivered`,
  );
  printTable(rows);
  if (resumeRow) {
    console.log(
      `\nresume: ${resumeRow.clients} clients of availabilityChanged disconnect, miss ${resumeRow["missed events"]} reservations over ${resumeRow.zones} zones, and come back at once with their cursor (each gets every changed zone once, as it is now); CPU: ${options.mode === "distributed" ? "the gateway process" : "the platform process"}`,
    );
    printTable([resumeRow]);
  }
  console.log(`\nwrote ${await writeResult("subscriptions", { backends, ...options, rows, resume: resumeRow })}`);
}

async function runOnce(
  platform: BenchPlatform,
  subscribers: Subscribers,
  count: number,
  options: { rate: number; durationMs: number },
): Promise<Record<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const auth = { jwtSecret: platform.secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const slot = await gql(
    platform,
    agent,
    platform.tokens.organizer,
    `mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }`,
    {
      i: {
        venueId: DEMO_IDS.bistro,
        title: `Subscriptions bench ${randomUUID().slice(0, 8)}`,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 7_200_000),
      },
    },
  );
  const slotId = slot.body!.data!.createSlot.id as string;
  const capacity = 100_000;
  const zone = await gql(
    platform,
    agent,
    platform.tokens.organizer,
    `mutation($i: CreateZoneInput!) { createZone(input: $i) { id } }`,
    { i: { slotId, name: "Floor", capacity, priceMinor: 1_000, currency: "EUR" } },
  );
  const zoneId = zone.body!.data!.createZone.id as string;

  const before = usage(platform.child.pid!);
  const connectStarted = performance.now();
  await subscribers.connect(platform.gatewayPort, slotId, count);
  while ((await activeSubscriptions(platform.gatewayPort)) < count) await new Promise((r) => setTimeout(r, 100));
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  await new Promise((r) => setTimeout(r, 1_000));
  const connected = usage(platform.child.pid!);
  // The platform's own background with the subscribers connected and no events (timers, polls, pings).
  const idleStarted = performance.now();
  await new Promise((r) => setTimeout(r, 2_000));
  const idleCpu = usage(platform.child.pid!).cpuSeconds - connected.cpuSeconds;
  const idleSeconds = (performance.now() - idleStarted) / 1000;

  // Events: one reservation (one seat, a new guest) every 1/rate s, one after the other.
  const tokens = await Promise.all(
    Array.from({ length: Math.ceil((options.rate * options.durationMs) / 1000) }, () =>
      signUserToken(auth, { userId: `sub-bench-${randomUUID()}`, role: "GUEST" }, "1h"),
    ),
  );
  // Open loop: each reservation is sent when due, whether or not the previous one was answered
  // (waiting for it would lower the rate exactly when the platform falls behind). The k-th
  // reservation sent leaves `capacity - k` seats; its payload's latency counts from its sending.
  // Reservations that overlap may commit in another order: a sample is then off by the overlap.
  const reservationMs: number[] = [];
  const sends: { at: number; ok: boolean }[] = [];
  const eventsStarted = performance.now();
  const eventsStartedHr = hrNow();
  const cpuStart = usage(platform.child.pid!).cpuSeconds;
  const clientCpuStart = process.cpuUsage();
  const answered: Promise<void>[] = [];
  for (const [i, token] of tokens.entries()) {
    const due = eventsStarted + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const send = { at: hrNow(), ok: false };
    sends.push(send);
    answered.push(
      gql(platform, agent, token, `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id } }`, {
        input: { zoneId, quantity: 1, idempotencyKey: `sub-bench-${randomUUID()}` },
      }).then((result) => {
        reservationMs.push(result.ms);
        send.ok = Boolean(result.body?.data?.reserveSeats);
      }),
    );
  }
  await Promise.all(answered);
  const sentAt = new Map<number, number>();
  for (const send of sends) if (send.ok) sentAt.set(capacity - (sentAt.size + 1), send.at);
  const reserved = sentAt.size;
  // Until every payload arrived, or none for 2 s (superseded events are never sent), at most 30 s.
  // CPU is taken at the last progress, so the wait adds no idle time to it.
  const expected = reserved * count;
  const deadline = performance.now() + 30_000;
  let counts = await subscribers.counts();
  let progress = { delivered: counts.delivered, at: performance.now(), cpu: usage(platform.child.pid!).cpuSeconds };
  let clientCpu = process.cpuUsage(clientCpuStart);
  while (
    counts.delivered < expected &&
    counts.closed === 0 &&
    performance.now() < Math.min(deadline, progress.at + 2_000)
  ) {
    await new Promise((r) => setTimeout(r, 50));
    counts = await subscribers.counts();
    if (counts.delivered !== progress.delivered) {
      progress = { delivered: counts.delivered, at: performance.now(), cpu: usage(platform.child.pid!).cpuSeconds };
      clientCpu = process.cpuUsage(clientCpuStart);
    }
  }
  if (counts.delivered >= expected) {
    progress.cpu = usage(platform.child.pid!).cpuSeconds;
    clientCpu = process.cpuUsage(clientCpuStart);
  }
  const cpu = progress.cpu - cpuStart;
  const elapsed = (progress.at - eventsStarted) / 1000;
  const received = await subscribers.collect(sentAt);
  const { latencies } = received;
  const deliverySeconds = Math.max(received.lastAt - eventsStartedHr, 1) / 1000;
  // An event no subscriber saw was superseded: its payload was resolved after the next
  // reservation had committed, so it showed the later count (the fan-out coalesces, and two
  // pushes may show one count). Only the events that were delivered count towards lost messages.
  const deliveredEvents = [...sentAt.keys()].filter((event) => received.perEvent.has(event));
  // Two events whose payloads show the same count (the second resolved before the first was
  // sent) are matched to one of them: what is above `count` there is not a duplicate of one change.
  const lost = deliveredEvents.reduce((n, event) => n + Math.max(0, count - received.perEvent.get(event)!.n), 0);
  // Where an event's latency goes: until its first subscriber has it (the reservation, the
  // event's way to the gateway, its resolution), then until the last one has it (the fan-out).
  const firsts = deliveredEvents.map((e) => received.perEvent.get(e)!.first - sentAt.get(e)!).sort((a, b) => a - b);
  const spreads = deliveredEvents
    .map((e) => received.perEvent.get(e)!.last - received.perEvent.get(e)!.first)
    .sort((a, b) => a - b);
  reservationMs.sort((a, b) => a - b);
  await subscribers.close();
  while ((await activeSubscriptions(platform.gatewayPort)) > 0) await new Promise((r) => setTimeout(r, 100));
  agent.destroy();
  return {
    subscribers: count,
    connect_s: connectSeconds,
    events: reserved,
    // The rate the reservations were sent at (the event loop of this thread keeping up).
    "sent/s": (sends.length - 1) / Math.max((sends.at(-1)!.at - sends[0].at) / 1000, 0.001),
    superseded: count ? reserved - deliveredEvents.length : 0,
    delivered: received.delivered,
    lost,
    "closed by gw": counts.closed,
    "msgs/s": received.delivered / deliverySeconds,
    "p50 ms": percentile(latencies, 50),
    "p99 ms": percentile(latencies, 99),
    "max ms": latencies.at(-1) ?? 0,
    "reserve p50 ms": percentile(reservationMs, 50),
    "1st p50 ms": percentile(firsts, 50),
    "spread p50 ms": percentile(spreads, 50),
    "spread p99 ms": percentile(spreads, 99),
    "RSS KB/conn": count ? (connected.rssBytes - before.rssBytes) / 1024 / count : 0,
    "idle CPU %": (idleCpu / idleSeconds) * 100,
    "CPU %": (cpu / elapsed) * 100,
    "CPU ms/event": reserved ? (cpu * 1000) / reserved : 0,
    "CPU µs/msg": received.delivered ? (cpu * 1e6) / received.delivered : 0,
    "clients CPU %": ((clientCpu.user + clientCpu.system) / 1e6 / elapsed) * 100,
  };
}
