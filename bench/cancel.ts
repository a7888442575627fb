/**
 * Cancellation under load (ADR-023 NFR-015-9): `bookings` PENDING bookings are made first,
 * then `concurrency` clients cancel them through the gateway at once, each its own booking.
 * Reports throughput, errors and latency percentiles; checks every seat came back.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import { signUserToken } from "../lib/auth";
import { DEMO_IDS } from "../lib/demo";
import { percentile, post, printTable, startBenchPlatform, writeResult, type BenchPlatform } from "./support";

async function gql(platform: BenchPlatform, agent: http.Agent, token: string, query: string, variables: object) {
  return post(agent, platform.gatewayPort, JSON.stringify({ query, variables }), { authorization: `Bearer ${token}` });
}

export async function cancelBenchmark(options: { bookings: number; concurrency: number }): Promise<void> {
  const platform = await startBenchPlatform({ SWEEP_INTERVAL_MS: "600000" });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
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
    const zone = await gql(
      platform,
      agent,
      organizer,
      `mutation($i: CreateZoneInput!) { createZone(input: $i) { id } }`,
      {
        i: {
          slotId: slot.body!.data!.createSlot.id,
          name: "Floor",
          capacity: options.bookings,
          priceMinor: 3_000,
          currency: "EUR",
        },
      },
    );
    const zoneId = zone.body!.data!.createZone.id as string;
    const auth = { jwtSecret: platform.secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
    const made: { token: string; id: string }[] = [];
    for (let i = 0; i < options.bookings; i += 100) {
      const chunk = await Promise.all(
        Array.from({ length: Math.min(100, options.bookings - i) }, async () => {
          const token = await signUserToken(auth, { userId: `cancel-bench-${randomUUID()}`, role: "GUEST" }, "1h");
          const result = await gql(
            platform,
            agent,
            token,
            `mutation($i: ReserveSeatsInput!) { reserveSeats(input: $i) { id } }`,
            {
              i: { zoneId, quantity: 1, idempotencyKey: `bench-${randomUUID()}` },
            },
          );
          return { token, id: result.body!.data!.reserveSeats.id as string };
        }),
      );
      made.push(...chunk);
    }

    const latencies: number[] = [];
    const outcomes = new Map<string, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, made.length) }, async () => {
        while (next < made.length) {
          const booking = made[next++];
          const result = await gql(
            platform,
            agent,
            booking.token,
            `mutation($i: CancelBookingInput!) { cancelBooking(input: $i) { status } }`,
            { i: { bookingId: booking.id, reason: "CHANGE_OF_PLANS", expectedVersion: 1 } },
          );
          latencies.push(result.ms);
          const outcome =
            result.body?.data?.cancelBooking?.status ??
            result.body?.errors?.[0]?.extensions?.code ??
            `HTTP_${result.status}`;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
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
    const result = {
      cancellations: latencies.length,
      errors: latencies.length - (outcomes.get("CANCELLED") ?? 0),
      perSecond: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
      seatsBack: check.body?.data?.zone?.available === options.bookings,
      outcomes: Object.fromEntries(outcomes),
    };
    console.log(
      `\ncancel: ${platform.mode} backends, ${options.bookings} bookings, ${options.concurrency} concurrent clients, through the gateway`,
    );
    printTable([
      {
        cancellations: result.cancellations,
        errors: result.errors,
        "per s": result.perSecond,
        "p50 ms": result.p50,
        "p95 ms": result.p95,
        "p99 ms": result.p99,
        "max ms": result.max,
        "seats back": result.seatsBack ? "yes" : "NO",
      },
    ]);
    console.log(`outcomes: ${JSON.stringify(result.outcomes)}`);
    console.log(`\nwrote ${await writeResult("cancel", { scenario: "cancel", mode: platform.mode, options, result })}`);
    if (result.errors > 0 || !result.seatsBack) process.exitCode = 1;
  } finally {
    platform.stop();
  }
}
