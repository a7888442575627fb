/**
 * Cancellation under load (the cancellation design's goal: 1,000 concurrent cancellations): `bookings` PENDING bookings are made first,
 * then `concurrency` clients cancel them through the gateway at once, each its own booking.
 * Reports throughput, errors, latency percentiles, the CPU ms and SQL statements per
 * cancellation of every process (bench/sampler.ts), and checks every seat came back.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { signUserToken } from "../lib/core/auth";
import { DEMO_IDS } from "../lib/core/demo";
import { costColumns, costNotes, createSampler, printProcessTable } from "./sampler";
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

async function gql(platform: BenchPlatform, agent: http.Agent, token: string, query: string, variables: object) {
  return post(agent, platform.gatewayPort, JSON.stringify({ query, variables }), { authorization: `Bearer ${token}` });
}

const CANCEL = `mutation($i: CancelBookingInput!) { cancelBooking(input: $i) { status } }`;

/** A fresh zone of `capacity` seats and that many PENDING bookings in it, one seat each, by distinct guests. */
async function prepareBookings(platform: BenchPlatform, agent: http.Agent, capacity: number) {
  const organizer = platform.tokens.organizer;
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const slot = await gql(
    platform,
    agent,
    organizer,
    `mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }`,
    {
      i: {
        venueId: DEMO_IDS.bistro,
        title: `Cancel bench ${randomUUID().slice(0, 8)}`,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 7_200_000),
      },
    },
  );
  if (!slot.body?.data) throw new Error(`createSlot failed: ${JSON.stringify(slot.body)}`);
  const zone = await gql(
    platform,
    agent,
    organizer,
    `mutation($i: CreateZoneInput!) { createZone(input: $i) { id } }`,
    {
      i: { slotId: slot.body.data.createSlot.id, name: "Floor", capacity, priceMinor: 3_000, currency: "EUR" },
    },
  );
  if (!zone.body?.data) throw new Error(`createZone failed: ${JSON.stringify(zone.body)}`);
  const zoneId = zone.body.data.createZone.id as string;
  const auth = { jwtSecret: platform.secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
  const made: { token: string; id: string }[] = [];
  for (let i = 0; i < capacity; i += 100) {
    const chunk = await Promise.all(
      Array.from({ length: Math.min(100, capacity - i) }, async () => {
        const token = await signUserToken(auth, { userId: `cancel-bench-${randomUUID()}`, role: "GUEST" }, "1h");
        const result = await gql(
          platform,
          agent,
          token,
          `mutation($i: ReserveSeatsInput!) { reserveSeats(input: $i) { id } }`,
          { i: { zoneId, quantity: 1, idempotencyKey: `bench-${randomUUID()}` } },
        );
        if (!result.body?.data) throw new Error(`reserveSeats failed: ${JSON.stringify(result.body)}`);
        return { token, id: result.body.data.reserveSeats.id as string };
      }),
    );
    made.push(...chunk);
  }
  return { zoneId, made };
}

/**
 * Cancels every booking: `concurrency` at a time (closed loop: all at once when it is the number
 * of bookings), or, with `arrivalRate`, each user on their own at `arrivalRate` per second (open
 * loop: N users cancelling within N / rate seconds, however slow the answers are).
 */
async function cancelAll(
  platform: BenchPlatform,
  made: { token: string; id: string }[],
  concurrency: number,
  arrivalRate?: number,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: arrivalRate ? Infinity : concurrency });
  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  const cancel = async (booking: { token: string; id: string }) => {
    const result = await gql(platform, agent, booking.token, CANCEL, {
      i: { bookingId: booking.id, reason: "CHANGE_OF_PLANS", expectedVersion: 1 },
    });
    latencies.push(result.ms);
    const outcome =
      result.body?.data?.cancelBooking?.status ?? result.body?.errors?.[0]?.extensions?.code ?? `HTTP_${result.status}`;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  };
  let next = 0;
  const started = performance.now();
  if (arrivalRate) {
    await Promise.all(
      made.map(async (booking, i) => {
        const at = started + (i * 1000) / arrivalRate;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
        await cancel(booking);
      }),
    );
  } else {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, made.length) }, async () => {
        while (next < made.length) await cancel(made[next++]);
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { latencies, outcomes, seconds, cancelled: outcomes.get("CANCELLED") ?? 0 };
}

export async function cancelBenchmark(options: {
  bookings: number;
  concurrency: number;
  warmupBookings: number;
  settleMs: number;
  mode?: BenchMode;
  /** Open loop: cancellations arrive at this rate per second instead of all at once. */
  arrivalRate?: number;
}): Promise<void> {
  const platform = await startBenchPlatform({ mode: options.mode, env: { SWEEP_INTERVAL_MS: "600000" } });
  try {
    const sampler = createSampler(platform.processes, { settleMs: options.settleMs });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    const idle = await sampler.idle();
    if (options.warmupBookings > 0) {
      // The cancellation path warmed on bookings of its own (not measured).
      const warm = await prepareBookings(platform, agent, options.warmupBookings);
      await cancelAll(platform, warm.made, Math.min(options.concurrency, warm.made.length));
    }
    const { zoneId, made } = await prepareBookings(platform, agent, options.bookings);
    const { result: run, cost } = await sampler.measure(
      "cancellation",
      () => cancelAll(platform, made, options.concurrency, options.arrivalRate),
      (r) => r.cancelled,
    );
    const check = await post(
      agent,
      platform.gatewayPort,
      JSON.stringify({ query: `query($id: ID!) { zone(id: $id) { available } }`, variables: { id: zoneId } }),
    );
    agent.destroy();
    const { latencies, outcomes } = run;
    const result = {
      cancellations: latencies.length,
      errors: latencies.length - run.cancelled,
      perSecond: latencies.length / run.seconds,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
      available: check.body?.data?.zone?.available as number,
      seatsBack: check.body?.data?.zone?.available === options.bookings,
      outcomes: Object.fromEntries(outcomes),
      cost,
    };
    console.log(
      `\ncancel: ${describePlatform(platform)}; ${options.bookings} bookings, ${
        options.arrivalRate
          ? `each user on their own, arriving at ${options.arrivalRate}/s (open loop)`
          : `${options.concurrency} concurrent clients`
      }, ` + `through the gateway (warm-up: ${options.warmupBookings} cancellations)`,
    );
    console.log(`op = a cancellation`);
    printTable([
      {
        cancellations: result.cancellations,
        errors: result.errors,
        "per s": result.perSecond,
        "p50 ms": result.p50,
        "p95 ms": result.p95,
        "p99 ms": result.p99,
        "max ms": result.max,
        "seats back": result.seatsBack ? "yes" : `NO (${result.available}/${options.bookings})`,
        ...costColumns(cost),
      },
    ]);
    console.log(`\nper process (CPU ms and SQL statements per cancellation; idle: background per second with no load)`);
    printProcessTable([{ label: "cancel", cost }], idle);
    for (const line of costNotes([{ label: "cancel", cost }])) console.log(line);
    console.log(`outcomes: ${JSON.stringify(result.outcomes)}`);
    const file = await writeResult("cancel", {
      scenario: "cancel",
      layout: platform.layout,
      backends: platform.backends,
      processes: platform.processes.map((p) => ({ name: p.name, pid: p.pid })),
      options,
      idle,
      result,
    });
    console.log(`\nwrote ${file}`);
    if (result.errors > 0 || !result.seatsBack) process.exitCode = 1;
  } finally {
    await platform.stop();
  }
}
