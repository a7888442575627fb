/**
 * Flash sale: many users reserve one seat each, through the gateway and then straight at the
 * booking subgraph (with the service secret), so the gateway's share is visible. For each target:
 *
 * - "selling": a fresh zone of `seats` until it is sold out (or `duration` ends); one operation
 *   is one successful hold;
 * - "sold-out": the same zone, now sold out, hammered for `duration`; one operation is one
 *   rejection (the fast path every late buyer takes).
 *
 * Reports attempts/s, holds/s, rejections/s, latency percentiles, the oversell check (holds ≤
 * seats, holds + the zone's live `available` = seats), and per phase the CPU ms and SQL
 * statements per operation of every process (bench/sampler.ts).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { signUserToken } from "../lib/core/auth";
import { DEMO_IDS } from "../lib/core/demo";
import { costColumns, costNotes, createSampler, fmt, printProcessTable, type PhaseCost } from "./sampler";

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
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

export interface FlashSaleOptions {
  users: number;
  seats: number;
  concurrency: number;
  durationMs: number;
  maxPerUser: number;
  warmupMs: number;
  settleMs: number;
  mode?: BenchMode;
  /**
   * Tracing variants, each on a platform of its own, compared side by side: "off" (no OTLP
   * endpoint), "on" (every trace sampled, exported to an OTLP/HTTP sink in this process).
   */
  tracing?: ("off" | "on")[];
}

type Target = "gateway" | "booking subgraph";
const RESERVE = "mutation($i: ReserveSeatsInput!) { reserveSeats(input: $i) { id } }";

async function gatewayCall(platform: BenchPlatform, token: string, query: string, variables: object) {
  const agent = new http.Agent({ keepAlive: false });
  try {
    const result = await post(agent, platform.gatewayPort, JSON.stringify({ query, variables }), {
      authorization: `Bearer ${token}`,
    });
    if (!result.body?.data) throw new Error(`setup failed: ${JSON.stringify(result.body)}`);
    return result.body.data;
  } finally {
    agent.destroy();
  }
}

async function createZone(platform: BenchPlatform, seats: number, maxPerUser: number): Promise<string> {
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const slot = await gatewayCall(
    platform,
    platform.tokens.organizer,
    `mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }`,
    {
      i: {
        venueId: DEMO_IDS.theatre,
        title: `Bench ${randomUUID().slice(0, 8)}`,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 7_200_000),
        maxPerUser,
      },
    },
  );
  const zone = await gatewayCall(
    platform,
    platform.tokens.organizer,
    `mutation($i: CreateZoneInput!) { createZone(input: $i) { id } }`,
    { i: { slotId: slot.createSlot.id, name: "Floor", capacity: seats, priceMinor: 5_000, currency: "EUR" } },
  );
  return zone.createZone.id;
}

async function available(platform: BenchPlatform, zoneId: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: false });
  const check = await post(
    agent,
    platform.gatewayPort,
    JSON.stringify({ query: `query($id: ID!) { zone(id: $id) { available } }`, variables: { id: zoneId } }),
  );
  agent.destroy();
  return check.body?.data?.zone?.available as number;
}

/** Reservations of one seat by rotating users until `durationMs` ends (or, `untilSoldOut`, the zone sells out). */
async function drive(
  platform: BenchPlatform,
  target: Target,
  zoneId: string,
  tokens: string[],
  options: FlashSaleOptions,
  durationMs: number,
  untilSoldOut: boolean,
) {
  const port = target === "gateway" ? platform.gatewayPort : platform.bookingPort;
  const extra: Record<string, string> =
    target === "gateway" ? {} : { "x-service-secret": platform.secrets.SERVICE_SECRET };
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  let next = 0;
  let held = 0;
  let soldOut = false;
  let lastHeldAt = 0;
  const end = Date.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (Date.now() < end && !(untilSoldOut && soldOut)) {
        const token = tokens[next++ % tokens.length];
        const body = JSON.stringify({
          query: RESERVE,
          variables: { i: { zoneId, quantity: 1, idempotencyKey: `bench-${randomUUID()}` } },
        });
        const result = await post(agent, port, body, { ...extra, authorization: `Bearer ${token}` });
        latencies.push(result.ms);
        const outcome = result.body?.data?.reserveSeats
          ? "HELD"
          : (result.body?.errors?.[0]?.extensions?.code ?? `HTTP_${result.status}`);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (outcome === "HELD") {
          held++;
          lastHeldAt = performance.now();
          if (held >= options.seats) soldOut = true;
        } else if (outcome === "INSUFFICIENT_STOCK") soldOut = true;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    attempts: latencies.length,
    seconds,
    held,
    rejections: latencies.length - held,
    soldOut,
    lastHeldSeconds: held ? (lastHeldAt - started) / 1000 : null,
    outcomes: Object.fromEntries(outcomes),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
  };
}

interface PhaseRow {
  target: Target;
  phase: "selling" | "sold-out";
  zoneId: string;
  attempts: number;
  seconds: number;
  attemptsPerSecond: number;
  held: number;
  heldPerSecond: number;
  rejections: number;
  rejectionsPerSecond: number;
  soldOutAfterSeconds: number | null;
  oversold: number;
  countersConsistent: boolean;
  available: number;
  outcomes: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  cost: PhaseCost;
}

async function runTarget(
  platform: BenchPlatform,
  sampler: ReturnType<typeof createSampler>,
  target: Target,
  tokens: string[],
  options: FlashSaleOptions,
): Promise<PhaseRow[]> {
  if (options.warmupMs > 0) {
    // JIT, connection pools and caches warm on a zone of its own (not measured).
    const warm = await createZone(platform, options.seats, options.maxPerUser);
    await drive(platform, target, warm, tokens, options, options.warmupMs, false);
  }
  const zoneId = await createZone(platform, options.seats, options.maxPerUser);
  const selling = await sampler.measure(
    "successful hold",
    () => drive(platform, target, zoneId, tokens, options, options.durationMs, true),
    (r) => r.held,
  );
  const s = selling.result;
  const availableAfterSelling = await available(platform, zoneId);
  const sellingRow: PhaseRow = {
    target,
    phase: "selling",
    zoneId,
    attempts: s.attempts,
    seconds: s.seconds,
    attemptsPerSecond: s.attempts / s.seconds,
    held: s.held,
    // Holds per second until the last seat went (or the phase ended while seats were left).
    heldPerSecond: s.held / (s.soldOut && s.lastHeldSeconds ? s.lastHeldSeconds : s.seconds),
    rejections: s.rejections,
    rejectionsPerSecond: s.rejections / s.seconds,
    soldOutAfterSeconds: s.soldOut ? s.lastHeldSeconds : null,
    oversold: Math.max(0, s.held - options.seats),
    countersConsistent: s.held + availableAfterSelling === options.seats,
    available: availableAfterSelling,
    outcomes: s.outcomes,
    p50: s.p50,
    p95: s.p95,
    p99: s.p99,
    max: s.max,
    cost: selling.cost,
  };

  // The sold-out phase hammers the zone the selling phase emptied; if it did not sell out in
  // time, a one-seat zone whose seat is taken first.
  let soldOutZone = zoneId;
  let seats = options.seats;
  let heldBefore = s.held;
  if (availableAfterSelling !== 0) {
    soldOutZone = await createZone(platform, 1, options.maxPerUser);
    await gatewayCall(platform, tokens[0], RESERVE, {
      i: { zoneId: soldOutZone, quantity: 1, idempotencyKey: `bench-${randomUUID()}` },
    });
    seats = 1;
    heldBefore = 1;
  }
  const hammer = await sampler.measure(
    "rejection",
    () => drive(platform, target, soldOutZone, tokens, options, options.durationMs, false),
    (r) => r.rejections,
  );
  const h = hammer.result;
  const availableAfter = await available(platform, soldOutZone);
  return [
    sellingRow,
    {
      target,
      phase: "sold-out",
      zoneId: soldOutZone,
      attempts: h.attempts,
      seconds: h.seconds,
      attemptsPerSecond: h.attempts / h.seconds,
      held: h.held,
      heldPerSecond: h.held / h.seconds,
      rejections: h.rejections,
      rejectionsPerSecond: h.rejections / h.seconds,
      soldOutAfterSeconds: null,
      // Every seat was taken before this phase: any hold in it is one seat too many.
      oversold: h.held,
      countersConsistent: availableAfter === 0 && heldBefore + h.held + availableAfter === seats,
      available: availableAfter,
      outcomes: h.outcomes,
      p50: h.p50,
      p95: h.p95,
      p99: h.p99,
      max: h.max,
      cost: hammer.cost,
    },
  ];
}

export async function flashSale(options: FlashSaleOptions): Promise<void> {
  const variants = options.tracing ?? ["off"];
  const results: { variant: string; phases: PhaseRow[]; spans: number }[] = [];
  for (const variant of variants) {
    const sink = variant === "on" ? await startOtlpSink() : null;
    try {
      const env: Record<string, string> = { SWEEP_INTERVAL_MS: "5000" };
      if (sink) Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: "always_on" });
      if (variants.length > 1) console.log(`\n=== tracing ${variant} ===`);
      const phases = await runFlashSale(options, env, variant);
      results.push({ variant, phases, spans: sink?.spans() ?? 0 });
    } finally {
      await sink?.close();
    }
  }
  if (results.length < 2) return;
  console.log(`\ntracing off vs on (same load; one platform each, one after the other)`);
  printTable(
    results.flatMap((r) =>
      r.phases.map((p) => ({
        tracing: r.variant,
        target: p.target,
        phase: p.phase,
        "held/s": p.heldPerSecond,
        "rejections/s": p.rejectionsPerSecond,
        "p99 ms": p.p99,
        ...costColumns(p.cost),
        "spans/op (run)":
          r.variant === "on" ? fmt(r.spans / Math.max(1, sum(r.phases.map((x) => x.cost.operations)))) : "-",
      })),
    ),
  );
  printProcessTable(
    results.flatMap((r) =>
      r.phases
        .filter((p) => p.phase === "selling")
        .map((p) => ({ label: `${r.variant} ${p.target === "gateway" ? "gw" : "direct"}`, cost: p.cost })),
    ),
  );
  const file = await writeResult("flash-sale-tracing", {
    scenario: "flash-sale",
    options,
    variants: results.map((r) => ({ tracing: r.variant, spansExported: r.spans, phases: r.phases })),
  });
  console.log(`\nwrote ${file}`);
}

/** An OTLP/HTTP receiver that counts the spans it is sent (the collector's cost is not ours). */
async function startOtlpSink() {
  let spans = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      spans += Buffer.concat(chunks).toString("latin1").split('"spanId"').length - 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function runFlashSale(options: FlashSaleOptions, env: Record<string, string>, variant: string) {
  const platform = await startBenchPlatform({ mode: options.mode, env });
  try {
    const sampler = createSampler(platform.processes, { settleMs: options.settleMs });
    const auth = { jwtSecret: platform.secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
    const tokens = await Promise.all(
      Array.from({ length: options.users }, (_, i) =>
        signUserToken(auth, { userId: `bench-user-${i}`, role: "GUEST" }, "1h"),
      ),
    );
    const idle = await sampler.idle();
    const phases: PhaseRow[] = [];
    for (const target of ["gateway", "booking subgraph"] as const)
      phases.push(...(await runTarget(platform, sampler, target, tokens, options)));

    console.log(
      `\nflash-sale: ${describePlatform(platform)}; ${options.users} users, ${options.seats} seats per zone, ` +
        `concurrency ${options.concurrency}, sold-out phase ${options.durationMs / 1000} s, warm-up ${options.warmupMs / 1000} s per target`,
    );
    console.log(`op = a successful hold (selling), a rejection (sold-out)`);
    printTable(
      phases.map((p) => ({
        target: p.target,
        phase: p.phase,
        attempts: p.attempts,
        "load s": p.seconds,
        "attempts/s": p.attemptsPerSecond,
        held: p.held,
        "held/s": p.heldPerSecond,
        "rejections/s": p.rejectionsPerSecond,
        "p50 ms": p.p50,
        "p95 ms": p.p95,
        "p99 ms": p.p99,
        oversold: p.oversold,
        consistent: p.countersConsistent ? "yes" : "NO",
        ...costColumns(p.cost),
      })),
    );
    const label = (p: PhaseRow) => `${p.target === "gateway" ? "gw" : "direct"} ${p.phase}`;
    console.log(`\nper process (CPU ms and SQL statements per op; idle: background per second with no load)`);
    printProcessTable(
      phases.map((p) => ({ label: label(p), cost: p.cost })),
      idle,
    );
    for (const line of costNotes(phases.map((p) => ({ label: label(p), cost: p.cost })))) console.log(line);
    const find = (target: Target, phase: PhaseRow["phase"]) =>
      phases.find((p) => p.target === target && p.phase === phase)!;
    const ratios = {
      sellingHeldPerSecond:
        find("gateway", "selling").heldPerSecond / find("booking subgraph", "selling").heldPerSecond,
      sellingAttemptsPerSecond:
        find("gateway", "selling").attemptsPerSecond / find("booking subgraph", "selling").attemptsPerSecond,
      soldOutRejectionsPerSecond:
        find("gateway", "sold-out").rejectionsPerSecond / find("booking subgraph", "sold-out").rejectionsPerSecond,
    };
    console.log(
      `\ngateway / direct throughput: selling held/s ${fmt(ratios.sellingHeldPerSecond)}, ` +
        `selling attempts/s ${fmt(ratios.sellingAttemptsPerSecond)}, sold-out rejections/s ${fmt(ratios.soldOutRejectionsPerSecond)}`,
    );
    for (const p of phases) console.log(`${p.target} ${p.phase} outcomes: ${JSON.stringify(p.outcomes)}`);
    const file = await writeResult("flash-sale", {
      scenario: "flash-sale",
      tracing: variant,
      layout: platform.layout,
      backends: platform.backends,
      processes: platform.processes.map((p) => ({ name: p.name, pid: p.pid })),
      options,
      idle,
      phases,
      ratios,
    });
    console.log(`\nwrote ${file}`);
    if (phases.some((p) => p.oversold > 0 || !p.countersConsistent)) {
      console.error("OVERSOLD or inconsistent counters");
      process.exitCode = 1;
    }
    return phases;
  } finally {
    await platform.stop();
  }
}
