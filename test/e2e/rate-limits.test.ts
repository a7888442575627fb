import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports";
import { startProcess, waitReady, type ServiceProcess } from "../support/processes";
import { backends } from "../support/backends";
import { startTestPlatform, type GraphQLResponse, type TestPlatform } from "../support/platform";
import { wsClient } from "../support/live";
import { available, newZone, RESERVE } from "../support/scenario";

/** What the client sees of one answer: status, Retry-After and the GraphQL body. */
interface Answer extends GraphQLResponse {
  retryAfter: string | null;
}

async function post(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; forwardedFor?: string; accept?: string } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.accept ? { accept: options.accept } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.forwardedFor ? { "x-forwarded-for": options.forwardedFor } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const body = response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : {};
  return { status: response.status, retryAfter: response.headers.get("retry-after"), ...body };
}

const limited = (a: Answer) => a.errors?.[0]?.extensions?.code === "RATE_LIMITED";
const PING = `{ venues(first: 1) { id } }`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A distinct public-looking address per index (TEST-NET and benchmarking ranges). */
const address = (i: number) => `198.18.${(i >> 8) & 255}.${i & 255}`;

async function subgraphRequests(t: TestPlatform, subgraph: string): Promise<number> {
  const text = await t.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`gateway_subgraph_requests_total{subgraph="${subgraph}"`));
  return line ? Number(line.split(" ").pop()) : 0;
}

/** Classes of seed 003 §6.1 (the defaults): reservations 20/min burst 10, general 100/min burst 20. */
describe("rate limits with the default classes, behind a trusted proxy", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({
      RATE_LIMIT_ENABLED: "true",
      TRUSTED_PROXIES: "loopback",
      SWEEP_INTERVAL_MS: "600000",
    });
  });
  afterAll(() => t?.close());

  /** Each request from its own (forwarded) address: only the user's buckets can stop them. */
  it("lets one user's 2,000 rapid reserveSeats through only as far as the reservation bucket allows", async () => {
    const { zoneId } = await newZone(t, 500, { maxPerUser: 50 });
    const token = await t.tokenFor(`rapid-${randomUUID()}`, "GUEST");
    const bookingBefore = await subgraphRequests(t, "booking");
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        post(
          t.platform.gatewayUrl,
          RESERVE,
          { input: { zoneId, quantity: 1, idempotencyKey: randomUUID() } },
          {
            token,
            forwardedFor: address(i),
          },
        ),
      ),
    );
    const elapsedMinutes = (Date.now() - started) / 60_000;
    const through = answers.filter((a) => !limited(a));
    const refused = answers.filter(limited);
    // Burst 10, plus what 20/min refilled while the requests arrived.
    console.log(`one user: ${through.length} of 2,000 through in ${(elapsedMinutes * 60).toFixed(1)} s`);
    expect(through.length).toBeGreaterThanOrEqual(10);
    expect(through.length).toBeLessThanOrEqual(10 + Math.ceil(20 * elapsedMinutes) + 1);
    expect(through.every((a) => a.data?.reserveSeats?.status === "PENDING")).toBe(true);
    for (const a of refused) {
      expect(a.status).toBe(429);
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(a.errors![0].extensions).toMatchObject({ code: "RATE_LIMITED", limit: "reservation", scope: "user" });
      expect(a.errors![0].extensions!.retryAfterSeconds).toBe(Number(a.retryAfter));
    }
    // Refused at the edge: the booking subgraph saw only the requests that got through.
    expect((await subgraphRequests(t, "booking")) - bookingBefore).toBe(through.length);
  }, 120_000);

  it("lets 2,000 users from one address through only as far as that address's bucket allows", async () => {
    const { zoneId } = await newZone(t, 500);
    const tokens = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => t.tokenFor(`crowd-${i}-${randomUUID()}`, "GUEST")),
    );
    const ip = "203.0.113.50";
    const started = Date.now();
    const answers = await Promise.all(
      tokens.map((token) =>
        post(
          t.platform.gatewayUrl,
          RESERVE,
          { input: { zoneId, quantity: 1, idempotencyKey: randomUUID() } },
          {
            token,
            forwardedFor: ip,
          },
        ),
      ),
    );
    const elapsedMinutes = (Date.now() - started) / 60_000;
    const through = answers.filter((a) => !limited(a));
    console.log(`one address: ${through.length} of 2,000 users through in ${(elapsedMinutes * 60).toFixed(1)} s`);
    const tally: Record<string, number> = {};
    for (const a of answers) {
      const k = `${a.status} ${a.errors?.[0]?.extensions?.limit ?? a.errors?.[0]?.extensions?.code ?? a.data?.reserveSeats?.status}`;
      tally[k] = (tally[k] ?? 0) + 1;
    }
    console.log(JSON.stringify(tally));
    expect(through.length).toBeGreaterThanOrEqual(10);
    expect(through.length).toBeLessThanOrEqual(10 + Math.ceil(20 * elapsedMinutes) + 1);
    expect(answers.filter(limited).every((a) => a.status === 429 && a.errors![0].extensions!.scope === "ip")).toBe(
      true,
    );
  }, 120_000);

  it("caps the seats one address holds unpaid, atomically, and frees them on cancel", async () => {
    const { zoneId } = await newZone(t, 200);
    const ip = "203.0.113.77";
    const users = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.tokenFor(`holder-${i}-${randomUUID()}`, "GUEST")),
    );
    // 8 concurrent requests for 4 seats each; the cap is 20: exactly five get seats.
    const answers = await Promise.all(
      users.map((token) =>
        post(
          t.platform.gatewayUrl,
          RESERVE,
          { input: { zoneId, quantity: 4, idempotencyKey: randomUUID() } },
          {
            token,
            forwardedFor: ip,
          },
        ),
      ),
    );
    const held = answers.filter((a) => a.data?.reserveSeats?.status === "PENDING");
    const refused = answers.filter(limited);
    expect(held).toHaveLength(5);
    expect(refused).toHaveLength(3);
    for (const a of refused) {
      expect(a.status).toBe(429);
      expect(a.errors![0].message).toMatch(/holds 20 unpaid seat/);
      expect(a.errors![0].extensions).toMatchObject({ limit: "heldSeats", heldSeats: 20, maxHeldSeats: 20 });
      // Until the earliest hold expires (10 minutes).
      expect(Number(a.retryAfter)).toBeGreaterThan(500);
    }
    // Another address is not affected.
    const elsewhere = await post(
      t.platform.gatewayUrl,
      RESERVE,
      { input: { zoneId, quantity: 4, idempotencyKey: randomUUID() } },
      {
        token: users[answers.indexOf(refused[0])],
        forwardedFor: "203.0.113.78",
      },
    );
    expect(elsewhere.data?.reserveSeats?.status).toBe("PENDING");

    // A cancel through the gateway frees that booking's seats for the address.
    const owner = users[answers.indexOf(held[0])];
    const cancel = await post(
      t.platform.gatewayUrl,
      `mutation($input: CancelBookingInput!) { cancelBooking(input: $input) { id status } }`,
      { input: { bookingId: held[0].data!.reserveSeats.id, reason: "CHANGE_OF_PLANS" } },
      { token: owner, forwardedFor: ip },
    );
    expect(cancel.errors).toBeUndefined();
    const again = await post(
      t.platform.gatewayUrl,
      RESERVE,
      { input: { zoneId, quantity: 4, idempotencyKey: randomUUID() } },
      {
        token: users[answers.indexOf(refused[1])],
        forwardedFor: ip,
      },
    );
    expect(again.errors).toBeUndefined();
    expect(again.data?.reserveSeats?.status).toBe("PENDING");
    const full = await post(
      t.platform.gatewayUrl,
      RESERVE,
      { input: { zoneId, quantity: 1, idempotencyKey: randomUUID() } },
      {
        token: users[answers.indexOf(refused[2])],
        forwardedFor: ip,
      },
    );
    expect(full.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", limit: "heldSeats" });
  }, 60_000);

  it("counts seats whatever the answer's aliases say, and counts a booking grown by updateBooking", async () => {
    const { zoneId } = await newZone(t, 200, { maxPerUser: 10 });
    const ip = "203.0.113.90";
    const tokens = await Promise.all(
      Array.from({ length: 6 }, (_, i) => t.tokenFor(`alias-${i}-${randomUUID()}`, "GUEST")),
    );
    // `expiresAt` aliased to the creation time and `id` to the reference: the cap must not believe them.
    const SLY = `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { status version id: reference expiresAt: createdAt } }`;
    const sly = [];
    for (const token of tokens.slice(0, 5)) {
      sly.push(
        await post(
          t.platform.gatewayUrl,
          SLY,
          { input: { zoneId, quantity: 4, idempotencyKey: randomUUID() } },
          { token, forwardedFor: ip },
        ),
      );
    }
    expect(sly.filter((a) => a.data?.reserveSeats?.status === "PENDING")).toHaveLength(5);
    const sixth = await post(
      t.platform.gatewayUrl,
      SLY,
      { input: { zoneId, quantity: 1, idempotencyKey: randomUUID() } },
      { token: tokens[5], forwardedFor: ip },
    );
    expect(sixth.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", limit: "heldSeats", heldSeats: 20 });

    // From another address: 16 held in four bookings; growing one from 4 to 10 would make 22.
    const other = "203.0.113.91";
    const fromOther = [];
    for (const token of [tokens[5], tokens[4], tokens[3], tokens[2]]) {
      fromOther.push(
        await post(
          t.platform.gatewayUrl,
          RESERVE,
          { input: { zoneId, quantity: 4, idempotencyKey: randomUUID() } },
          { token, forwardedFor: other },
        ),
      );
    }
    expect(fromOther.every((a) => a.data?.reserveSeats?.status === "PENDING")).toBe(true);
    const booking = fromOther[0].data!.reserveSeats;
    const grow = await post(
      t.platform.gatewayUrl,
      `mutation($input: UpdateBookingInput!) { updateBooking(input: $input) { id quantity } }`,
      { input: { bookingId: booking.id, quantity: 10, expectedVersion: booking.version } },
      { token: tokens[5], forwardedFor: other },
    );
    expect(grow.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", limit: "heldSeats" });
    expect(await available(t, zoneId)).toBe(200 - 20 - 16);
  }, 60_000);

  it("honours X-Forwarded-For from a trusted proxy", async () => {
    // 30 anonymous requests from 30 forwarded addresses: none is limited (burst 20 per address).
    const spread = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(t.platform.gatewayUrl, PING, {}, { forwardedFor: `192.0.2.${i + 1}` })),
    );
    expect(spread.filter(limited)).toHaveLength(0);
    // The same 30 from one forwarded address: the general burst (20) and no more.
    const same = await Promise.all(
      Array.from({ length: 30 }, () => post(t.platform.gatewayUrl, PING, {}, { forwardedFor: "192.0.2.200" })),
    );
    expect(same.filter((a) => !limited(a)).length).toBeGreaterThanOrEqual(20);
    expect(same.filter((a) => !limited(a)).length).toBeLessThanOrEqual(21);
    expect(same.filter(limited).every((a) => a.errors![0].extensions!.limit === "general")).toBe(true);
  });
});

describe("rate limits with a small, fast bucket and no trusted proxy", () => {
  let t: TestPlatform;
  const second: ServiceProcess[] = [];
  beforeAll(async () => {
    t = await startTestPlatform({
      RATE_LIMIT_ENABLED: "true",
      // 60/min = one token a second; a burst of 5.
      RATE_LIMIT_GENERAL_PER_MINUTE: "60",
      RATE_LIMIT_GENERAL_BURST: "5",
    });
  });
  afterAll(async () => {
    for (const g of second) await g.stop();
    await t?.close();
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy, and refills the bucket", async () => {
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await post(t.platform.gatewayUrl, PING, {}, { forwardedFor: address(i) }));
    // Every request counted against 127.0.0.1 whatever it claimed.
    expect(answers.filter((a) => !limited(a)).length).toBeLessThanOrEqual(6);
    expect(answers.filter(limited).length).toBeGreaterThanOrEqual(2);
    const last = answers.at(-1)!;
    expect(last.status).toBe(429);
    expect(last.retryAfter).toBe("1");
    expect(last.errors![0].extensions).toMatchObject({ code: "RATE_LIMITED", scope: "ip", retryAfterSeconds: 1 });
    await sleep(1_100);
    expect(limited(await post(t.platform.gatewayUrl, PING))).toBe(false);
    expect(limited(await post(t.platform.gatewayUrl, PING))).toBe(true);
    await sleep(2_100);
    const refilled = [await post(t.platform.gatewayUrl, PING), await post(t.platform.gatewayUrl, PING)];
    expect(refilled.filter(limited)).toHaveLength(0);
  });

  it("counts a subscription over SSE (429 with Retry-After when the bucket is empty)", async () => {
    await sleep(5_100); // full again
    for (let i = 0; i < 5; i++) await post(t.platform.gatewayUrl, PING);
    const sse = await post(
      t.platform.gatewayUrl,
      `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { available } }`,
      { slotId: randomUUID() },
      { accept: "text/event-stream" },
    );
    expect(sse.status).toBe(429);
    expect(sse.retryAfter).toBe("1");
    expect(sse.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  });

  it("counts queries and subscriptions over WebSocket", async () => {
    await sleep(5_100); // full again
    const client = wsClient(t.platform.gatewayUrl);
    const run = (query: string, variables: Record<string, unknown> = {}) =>
      new Promise<unknown>((resolve) => {
        const seen: unknown[] = [];
        client.subscribe(
          { query, variables },
          {
            next: (value) => void seen.push(value),
            error: (error) => resolve({ error }),
            complete: () => resolve(seen[0]),
          },
        );
      });
    try {
      const queries = [];
      for (let i = 0; i < 6; i++) queries.push(JSON.stringify(await run(PING)));
      expect(queries.slice(0, 5).every((q) => !q.includes("RATE_LIMITED"))).toBe(true);
      expect(queries[5]).toContain("RATE_LIMITED");
      expect(queries[5]).toContain('"retryAfterSeconds":1');
      const subscription = JSON.stringify(
        await run(`subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { available } }`, {
          slotId: randomUUID(),
        }),
      );
      expect(subscription).toContain("RATE_LIMITED");
      expect(subscription).not.toContain('"http"');
    } finally {
      await client.dispose();
    }
  });

  it.runIf(!!backends.redisUrl)(
    "shares the buckets between two gateway processes (Redis)",
    async () => {
      // A second gateway as its own OS process, in front of the same subgraphs and Redis.
      const port = await freePort();
      const other = startProcess("scripts/start-service.ts", ["gateway"], {
        ...(Object.fromEntries(Object.entries(t.platform.env).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >),
        GATEWAY_PORT: String(port),
        BOOKING_URL: `${t.platform.subgraphs.booking.url}/graphql`,
        INVENTORY_URL: `${t.platform.subgraphs.inventory.url}/graphql`,
        PAYMENT_URL: `${t.platform.subgraphs.payment.url}/graphql`,
        NOTIFICATION_URL: `${t.platform.subgraphs.notification.url}/graphql`,
      });
      second.push(other);
      await waitReady(`http://127.0.0.1:${port}/readyz`, other);
      await sleep(5_100); // full again
      const urls = [t.platform.gatewayUrl, `http://127.0.0.1:${port}/graphql`];
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push(await post(urls[i % 2], PING));
      // One bucket of 5 for both gateways, not 5 each.
      const through = answers.filter((a) => !limited(a)).length;
      expect(through).toBeGreaterThanOrEqual(5);
      expect(through).toBeLessThanOrEqual(6);
      expect(answers.filter((a, i) => i % 2 === 1 && limited(a)).length).toBeGreaterThan(0);
      expect(answers.filter((a, i) => i % 2 === 0 && limited(a)).length).toBeGreaterThan(0);
    },
    90_000,
  );
});

describe("RATE_LIMIT_ENABLED=false", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({
      RATE_LIMIT_ENABLED: "false",
      RATE_LIMIT_GENERAL_BURST: "2",
      RATE_LIMIT_RESERVATION_BURST: "1",
      RATE_LIMIT_IP_MAX_HELD_SEATS: "4",
      SWEEP_INTERVAL_MS: "600000",
    });
  });
  afterAll(() => t?.close());

  it("turns every limit and the held-seat cap off", async () => {
    const pings = await Promise.all(Array.from({ length: 50 }, () => post(t.platform.gatewayUrl, PING)));
    expect(pings.filter(limited)).toHaveLength(0);
    const { zoneId } = await newZone(t, 100);
    const tokens = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.tokenFor(`free-${i}-${randomUUID()}`, "GUEST")),
    );
    const answers = await Promise.all(
      tokens.map((token) =>
        post(
          t.platform.gatewayUrl,
          RESERVE,
          { input: { zoneId, quantity: 4, idempotencyKey: randomUUID() } },
          { token },
        ),
      ),
    );
    expect(answers.filter((a) => a.data?.reserveSeats?.status === "PENDING")).toHaveLength(10);
  });
});
