/**
 * Flash sale: many users reserve one seat each in a zone of `seats` for `duration` seconds,
 * first through the gateway, then straight at the booking subgraph (with the service secret)
 * on a fresh zone, so the gateway's share of the latency is visible. Reports attempts/s,
 * successful holds/s, the error breakdown, latency percentiles, and the oversell check:
 * successes + the zone's live `available` must equal the seats, and successes ≤ seats.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { signUserToken } from "../lib/auth";
import { DEMO_IDS } from "../lib/demo";
import { percentile, post, printTable, startBenchPlatform, writeResult, type BenchPlatform } from "./support";

export interface FlashSaleOptions {
  users: number;
  seats: number;
  concurrency: number;
  durationMs: number;
  maxPerUser: number;
}

async function createZone(platform: BenchPlatform, seats: number, maxPerUser: number): Promise<string> {
  const agent = new http.Agent({ keepAlive: true });
  const call = async (query: string, variables: object) => {
    const result = await post(agent, platform.gatewayPort, JSON.stringify({ query, variables }), {
      authorization: `Bearer ${platform.tokens.organizer}`,
    });
    if (!result.body?.data) throw new Error(`setup failed: ${JSON.stringify(result.body)}`);
    return result.body.data;
  };
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const slot = await call(`mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }`, {
    i: {
      venueId: DEMO_IDS.theatre,
      title: `Bench ${randomUUID().slice(0, 8)}`,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 7_200_000),
      maxPerUser,
    },
  });
  const zone = await call(`mutation($i: CreateZoneInput!) { createZone(input: $i) { id } }`, {
    i: { slotId: slot.createSlot.id, name: "Floor", capacity: seats, priceMinor: 5_000, currency: "EUR" },
  });
  agent.destroy();
  return zone.createZone.id;
}

async function runPhase(
  platform: BenchPlatform,
  target: "gateway" | "booking subgraph",
  tokens: string[],
  options: FlashSaleOptions,
) {
  const zoneId = await createZone(platform, options.seats, options.maxPerUser);
  const port = target === "gateway" ? platform.gatewayPort : platform.bookingPort;
  const extra: Record<string, string> =
    target === "gateway" ? {} : { "x-service-secret": platform.secrets.SERVICE_SECRET };
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const query = "mutation($i: ReserveSeatsInput!) { reserveSeats(input: $i) { id } }";
  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  let next = 0;
  let lastHeldAt = 0;
  const end = Date.now() + options.durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (Date.now() < end) {
        const token = tokens[next++ % tokens.length];
        const body = JSON.stringify({
          query,
          variables: { i: { zoneId, quantity: 1, idempotencyKey: `bench-${randomUUID()}` } },
        });
        const result = await post(agent, port, body, { ...extra, authorization: `Bearer ${token}` });
        latencies.push(result.ms);
        const outcome = result.body?.data?.reserveSeats
          ? "HELD"
          : (result.body?.errors?.[0]?.extensions?.code ?? `HTTP_${result.status}`);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (outcome === "HELD") lastHeldAt = performance.now();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const check = await post(
    agent,
    platform.gatewayPort,
    JSON.stringify({ query: `query($id: ID!) { zone(id: $id) { available } }`, variables: { id: zoneId } }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const held = outcomes.get("HELD") ?? 0;
  const available = check.body?.data?.zone?.available as number;
  return {
    target,
    attempts: latencies.length,
    attemptsPerSecond: latencies.length / seconds,
    held,
    // Holds per second until the last seat went (or the phase ended while seats were left).
    heldPerSecond: held / (held >= options.seats ? (lastHeldAt - started) / 1000 : seconds),
    soldOutAfterSeconds: held >= options.seats ? (lastHeldAt - started) / 1000 : null,
    oversold: Math.max(0, held - options.seats),
    countersConsistent: held + available === options.seats,
    available,
    outcomes: Object.fromEntries(outcomes),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
  };
}

export async function flashSale(options: FlashSaleOptions): Promise<void> {
  const platform = await startBenchPlatform({ SWEEP_INTERVAL_MS: "5000" });
  try {
    const auth = { jwtSecret: platform.secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
    const tokens = await Promise.all(
      Array.from({ length: options.users }, (_, i) =>
        signUserToken(auth, { userId: `bench-user-${i}`, role: "GUEST" }, "1h"),
      ),
    );
    const phases = [];
    for (const target of ["gateway", "booking subgraph"] as const)
      phases.push(await runPhase(platform, target, tokens, options));

    console.log(
      `\nflash-sale: ${platform.mode} backends, ${options.users} users, ${options.seats} seats per phase, concurrency ${options.concurrency}, ${options.durationMs / 1000} s per phase`,
    );
    printTable(
      phases.map((p) => ({
        target: p.target,
        attempts: p.attempts,
        "attempts/s": p.attemptsPerSecond,
        held: p.held,
        "held/s": p.heldPerSecond,
        "sold out s": p.soldOutAfterSeconds ?? "no",
        oversold: p.oversold,
        consistent: p.countersConsistent ? "yes" : "NO",
        "p50 ms": p.p50,
        "p95 ms": p.p95,
        "p99 ms": p.p99,
      })),
    );
    for (const p of phases) console.log(`${p.target} outcomes: ${JSON.stringify(p.outcomes)}`);
    const file = await writeResult("flash-sale", { scenario: "flash-sale", mode: platform.mode, options, phases });
    console.log(`\nwrote ${file}`);
    if (phases.some((p) => p.oversold > 0 || !p.countersConsistent)) {
      console.error("OVERSOLD or inconsistent counters");
      process.exitCode = 1;
    }
  } finally {
    platform.stop();
  }
}
