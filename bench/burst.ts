/**
 * A burst: `users` people press "reserve" at the same instant for a zone of `seats` (the
 * opening second of a sale), one attempt each, all through the gateway. Reports the latency
 * every one of them saw (p50/p95/p99/max), how many got a seat, the oversell check, and the CPU
 * and SQL statements per attempt of every process. `npm start` (embedded) is the case the
 * target names: `npm run bench -- burst` without DATABASE_URL.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { signUserToken } from "../lib/core/auth";
import { DEMO_IDS } from "../lib/core/demo";
import { costColumns, createSampler, printProcessTable } from "./sampler";
import {
  describePlatform,
  percentile,
  post,
  printTable,
  startBenchPlatform,
  writeResult,
  type BenchMode,
} from "./support";

export async function burstBenchmark(options: {
  users: number;
  seats: number;
  rounds: number;
  mode: BenchMode;
  settleMs: number;
}) {
  const platform = await startBenchPlatform({ mode: options.mode, env: { SWEEP_INTERVAL_MS: "5000" } });
  try {
    const sampler = createSampler(platform.processes, { settleMs: options.settleMs });
    const setup = new http.Agent({ keepAlive: true });
    const call = async (query: string, variables: object) => {
      const result = await post(setup, platform.gatewayPort, JSON.stringify({ query, variables }), {
        authorization: `Bearer ${platform.tokens.organizer}`,
      });
      if (!result.body?.data) throw new Error(`setup failed: ${JSON.stringify(result.body)}`);
      return result.body.data;
    };
    const auth = { jwtSecret: platform.secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
    const rows = [];
    const costs = [];
    // Round 1 warms the platform up (JIT, connection pools); every round is reported.
    for (let round = 1; round <= options.rounds; round++) {
      const startsAt = new Date(Date.now() + 7 * 86_400_000);
      const slot = await call(`mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }`, {
        i: {
          venueId: DEMO_IDS.theatre,
          title: `Burst ${randomUUID().slice(0, 8)}`,
          startsAt,
          endsAt: new Date(startsAt.getTime() + 7_200_000),
        },
      });
      const zone = await call(`mutation($i: CreateZoneInput!) { createZone(input: $i) { id } }`, {
        i: { slotId: slot.createSlot.id, name: "Floor", capacity: options.seats, priceMinor: 5_000, currency: "EUR" },
      });
      const zoneId = zone.createZone.id as string;
      const tokens = await Promise.all(
        Array.from({ length: options.users }, (_, i) =>
          signUserToken(auth, { userId: `burst-${round}-${i}-${randomUUID()}`, role: "GUEST" }, "1h"),
        ),
      );
      // One connection per person, as a crowd of browsers would open.
      const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
      const query = "mutation($i: ReserveSeatsInput!) { reserveSeats(input: $i) { id } }";
      await sampler.waitQuiet();
      const { result, cost } = await sampler.measure(
        "attempt",
        () =>
          Promise.all(
            tokens.map((token) =>
              post(
                agent,
                platform.gatewayPort,
                JSON.stringify({
                  query,
                  variables: { i: { zoneId, quantity: 1, idempotencyKey: `burst-${randomUUID()}` } },
                }),
                { authorization: `Bearer ${token}` },
              ),
            ),
          ),
        (results) => results.length,
      );
      agent.destroy();
      const outcomes: Record<string, number> = {};
      for (const r of result) {
        const outcome = r.body?.data?.reserveSeats
          ? "HELD"
          : (r.body?.errors?.[0]?.extensions?.code ?? `HTTP_${r.status}`);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      const latencies = result.map((r) => r.ms).sort((a, b) => a - b);
      const check = await post(
        setup,
        platform.gatewayPort,
        JSON.stringify({ query: `query($id: ID!) { zone(id: $id) { available } }`, variables: { id: zoneId } }),
      );
      const available = check.body?.data?.zone?.available as number;
      const held = outcomes.HELD ?? 0;
      rows.push({
        round,
        users: options.users,
        seats: options.seats,
        held,
        oversold: Math.max(0, held - options.seats),
        consistent: held + available === options.seats ? "yes" : "NO",
        "p50 ms": percentile(latencies, 50),
        "p95 ms": percentile(latencies, 95),
        "p99 ms": percentile(latencies, 99),
        "max ms": latencies.at(-1) ?? 0,
        ...costColumns(cost),
        outcomes: JSON.stringify(outcomes),
      });
      costs.push({ label: `round ${round}`, cost });
    }
    setup.destroy();
    console.log(
      `\nburst: ${describePlatform(platform)}; ${options.users} users at once on ${options.seats} seats, one attempt each, through the gateway`,
    );
    console.log("op = an attempt");
    printTable(rows);
    console.log(`\nper process (CPU ms and SQL statements per attempt)`);
    printProcessTable(costs);
    console.log(`\nwrote ${await writeResult("burst", { scenario: "burst", layout: platform.layout, options, rows })}`);
    if (rows.some((r) => r.oversold > 0 || r.consistent !== "yes")) {
      console.error("OVERSOLD or inconsistent counters");
      process.exitCode = 1;
    }
  } finally {
    await platform.stop();
  }
}
