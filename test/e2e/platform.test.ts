import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_SECRET_HEADER } from "../../lib/core/auth";
import { DEMO_IDS, DEMO_USERS } from "../../lib/core/demo";
import { startTestPlatform, type TestPlatform } from "../support/platform";

const FOUR_SUBGRAPHS = /* GraphQL */ `
  query Booking($id: ID!) {
    booking(id: $id) {
      reference
      status
      quantity
      version
      price {
        base
        tax
        discount
        total
        currency
      }
      zone {
        name
        capacity
        available
        price {
          amount
          currency
        }
        slot {
          title
          startsAt
          venue {
            name
            kind
            city
          }
        }
      }
      payment {
        status
        amount
        currency
      }
      notifications {
        channel
        subject
        status
      }
    }
  }
`;

describe("the platform through the gateway", () => {
  let t: TestPlatform;
  let guest: string;
  beforeAll(async () => {
    t = await startTestPlatform();
    guest = t.platform.demoTokens.guest!;
  });
  afterAll(() => t?.close());

  it("answers one query that spans booking, inventory, payment and notification", async () => {
    const response = await t.query(FOUR_SUBGRAPHS, { id: DEMO_IDS.confirmedBooking }, guest);
    expect(response.errors).toBeUndefined();
    expect(response.data!.booking).toMatchObject({
      reference: "BR-20261101-DEMQK5",
      status: "CONFIRMED",
      quantity: 2,
      price: { base: 9000, tax: 2070, discount: 0, total: 11070, currency: "EUR" },
      zone: {
        name: "Stalls",
        capacity: 120,
        available: 118,
        price: { amount: 4500, currency: "EUR" },
        slot: { title: "Hamlet — evening", venue: { name: "Grand Theatre", kind: "THEATRE", city: "Lisbon" } },
      },
      payment: { status: "SUCCEEDED", amount: 11070, currency: "EUR" },
      notifications: [{ channel: "EMAIL", subject: "Your booking BR-20261101-DEMQK5 is confirmed", status: "SENT" }],
    });
  });

  it("serves the public catalog without a token", async () => {
    const response = await t.query(`{ venues { name slots { title zones { name available } } } }`);
    expect(response.errors).toBeUndefined();
    expect(response.data!.venues.map((v: { name: string }) => v.name)).toEqual([
      "Grand Theatre",
      "Harbour Bistro",
      "Seaside Hotel",
    ]);
    expect(response.data!.venues[0].slots[0].zones).toContainEqual({ name: "Stalls", available: 118 });
  });

  it("pages through my bookings with cursors and filters by status", async () => {
    const query = `query($after: String, $status: [BookingStatus!]) {
      myBookings(first: 1, after: $after, status: $status) { edges { node { reference } } pageInfo { hasNextPage endCursor } } }`;
    const first = await t.query(query, {}, guest);
    expect(first.data!.myBookings.edges).toEqual([{ node: { reference: "BR-20261102-PEND42" } }]);
    expect(first.data!.myBookings.pageInfo.hasNextPage).toBe(true);
    const second = await t.query(query, { after: first.data!.myBookings.pageInfo.endCursor }, guest);
    expect(second.data!.myBookings).toEqual({
      edges: [{ node: { reference: "BR-20261101-DEMQK5" } }],
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
    });
    const pending = await t.query(query, { status: ["PENDING"] }, guest);
    expect(pending.data!.myBookings.edges).toEqual([{ node: { reference: "BR-20261102-PEND42" } }]);
  });

  it("finds a booking by its reference, case-insensitively", async () => {
    const response = await t.query(`{ bookingByReference(reference: "br-20261101-demqk5") { id } }`, {}, guest);
    expect(response.data!.bookingByReference).toEqual({ id: DEMO_IDS.confirmedBooking });
  });

  describe("authentication and ownership", () => {
    it("asks for a token where one is needed", async () => {
      const response = await t.query(`{ myBookings { edges { cursor } } }`);
      expect(response.errors![0].extensions!.code).toBe("UNAUTHENTICATED");
      expect(response.data).toBeNull();
    });

    it("refuses an invalid token with 401 before running anything", async () => {
      const response = await t.query(`{ venues { name } }`, {}, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged");
      expect(response.status).toBe(401);
      expect(response.errors![0].extensions!.code).toBe("UNAUTHENTICATED");
    });

    it("forbids another user's booking, and lets an admin see it", async () => {
      const stranger = await t.tokenFor("someone-else", "GUEST");
      const denied = await t.query(FOUR_SUBGRAPHS, { id: DEMO_IDS.confirmedBooking }, stranger);
      expect(denied.errors![0].extensions!.code).toBe("FORBIDDEN");
      expect(denied.data).toBeNull();
      const asAdmin = await t.query(
        `query($id: ID!) { booking(id: $id) { reference } }`,
        { id: DEMO_IDS.confirmedBooking },
        t.platform.demoTokens.admin,
      );
      expect(asAdmin.data!.booking).toEqual({ reference: "BR-20261101-DEMQK5" });
    });

    it("answers NOT_FOUND for unknown and malformed ids alike", async () => {
      for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
        const response = await t.query(`query($id: ID!) { booking(id: $id) { id } }`, { id }, guest);
        expect(response.errors![0].extensions!.code).toBe("NOT_FOUND");
      }
    });

    it("shows each person only the notifications sent to them", async () => {
      const admin = await t.query(FOUR_SUBGRAPHS, { id: DEMO_IDS.confirmedBooking }, t.platform.demoTokens.admin);
      expect(admin.data!.booking.notifications).toHaveLength(1);
      const ownerOfOtherNotifications = await t.tokenFor(DEMO_USERS.admin.userId, "GUEST");
      const response = await t.query(FOUR_SUBGRAPHS, { id: DEMO_IDS.confirmedBooking }, ownerOfOtherNotifications);
      expect(response.errors![0].extensions!.code).toBe("FORBIDDEN");
    });
  });

  describe("subgraphs", () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${t.platform.subgraphs.booking.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query: "{ myBookings { edges { cursor } } }" }),
      });

    it("answer 401 without the service secret, and serve the gateway's calls with it", async () => {
      const anonymous = await call({ authorization: `Bearer ${guest}` });
      expect(anonymous.status).toBe(401);
      const wrong = await call({ authorization: `Bearer ${guest}`, [SERVICE_SECRET_HEADER]: "x".repeat(64) });
      expect(wrong.status).toBe(401);
      const right = await call({
        authorization: `Bearer ${guest}`,
        [SERVICE_SECRET_HEADER]: t.platform.env.SERVICE_SECRET!,
      });
      expect(right.status).toBe(200);
      expect(
        ((await right.json()) as { data: { myBookings: { edges: unknown[] } } }).data.myBookings.edges,
      ).toHaveLength(2);
    });

    it("verify the forwarded token again instead of trusting it", async () => {
      const response = await call({
        authorization: "Bearer forged.token.value",
        [SERVICE_SECRET_HEADER]: t.platform.env.SERVICE_SECRET!,
      });
      expect(response.status).toBe(401);
    });

    it("bind to loopback by default", () => {
      for (const server of Object.values(t.platform.subgraphs)) expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(t.platform.gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    });
  });

  describe("input and errors", () => {
    it("rejects bad paging input with BAD_USER_INPUT", async () => {
      for (const args of ["first: 0", "first: 500", 'after: "garbage"']) {
        const response = await t.query(`{ myBookings(${args}) { edges { cursor } } }`, {}, guest);
        expect(response.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
      }
    });

    it("explains an invalid query without internals", async () => {
      const response = await t.query(`{ venues { secretColumn } }`);
      expect(response.status).toBe(400);
      expect(response.errors![0].extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED" });
    });
  });

  describe("health", () => {
    it("every service is live and ready, and says which dependency it checked", async () => {
      for (const server of [...Object.values(t.platform.subgraphs), t.platform.gateway]) {
        const live = await fetch(`${server.url}/healthz`);
        expect(live.status).toBe(200);
        const ready = await fetch(`${server.url}/readyz`);
        expect(ready.status).toBe(200);
        const body = (await ready.json()) as { status: string; checks: Record<string, string> };
        expect(body.status).toBe("ready");
        expect(Object.values(body.checks).every((state) => state === "ok")).toBe(true);
      }
      const booking = (await (await fetch(`${t.platform.subgraphs.booking.url}/readyz`)).json()) as {
        checks: Record<string, string>;
      };
      expect(Object.keys(booking.checks)).toContain("database");
      if (process.env.REDIS_URL) expect(Object.keys(booking.checks)).toContain("redis");
    });

    // Last in this file: it stops a subgraph.
    it("a subgraph that goes down makes the gateway not ready and its fields SERVICE_UNAVAILABLE, without hostnames", async () => {
      await t.platform.subgraphs.notification.close();
      const ready = await fetch(`${t.platform.gateway.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks["subgraph:notification"]).toBe(
        "unavailable",
      );
      const response = await t.query(FOUR_SUBGRAPHS, { id: DEMO_IDS.confirmedBooking }, guest);
      expect(response.data!.booking.reference).toBe("BR-20261101-DEMQK5");
      const error = response.errors!.find((e) => e.extensions?.code === "SERVICE_UNAVAILABLE");
      expect(error).toBeDefined();
      expect(JSON.stringify(response.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|localhost/);
    });
  });
});
