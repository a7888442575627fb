import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_SECRET_HEADER } from "../../lib/core/auth";
import { sqlStatements, type SubgraphName } from "../../lib/storage/db";
import { DEMO_IDS, DEMO_USERS } from "../../lib/core/demo";
import { startTestPlatform, type GraphQLResponse, type TestPlatform } from "../support/platform";
import { newZone, reserve } from "../support/scenario";

const VENUES = `{ venues { id slots { id zones { id available } } } }`;

interface VenueRow {
  id: string;
  slots: { id: string; zones: { id: string; available: number }[] }[];
}

/**
 * Reads are batched per request: each level of a nested list, and each `_entities` call, costs
 * one SQL statement however many rows it has, and live availability is one hold-store round trip.
 * Background work (sweepers, retries, consumers) shares the process-wide statement counter, so a
 * cost is measured once the process is quiet, as the least of a few runs: background statements
 * can only add to it.
 */
describe("batched reads", () => {
  let t: TestPlatform;
  let organizer: string;
  const created = { venues: [] as string[], zones: [] as string[], unloadedZone: "" };

  /** Waits (up to 10 s) until no statement has run for 300 ms: the work a test just caused has settled. */
  async function quiet(): Promise<void> {
    const deadline = Date.now() + 10_000;
    let last = sqlStatements.count;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (sqlStatements.count === last) return;
      last = sqlStatements.count;
    }
  }

  async function statementsOf<T>(run: () => Promise<T>, runs = 5): Promise<{ result: T; statements: number }> {
    let least = Number.POSITIVE_INFINITY;
    let result!: T;
    // Under a parallel test run the bookings a test just made are still being paid and confirmed.
    await quiet();
    for (let i = 0; i < runs; i++) {
      const before = sqlStatements.count;
      result = await run();
      least = Math.min(least, sqlStatements.count - before);
    }
    return { result, statements: least };
  }

  /** A subgraph called directly, as the gateway calls it (service secret, forwarded user token). */
  async function subgraphQuery<T = Record<string, any>>(
    subgraph: SubgraphName,
    query: string,
    variables: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(`${t.platform.subgraphs[subgraph].url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [SERVICE_SECRET_HEADER]: t.platform.env.SERVICE_SECRET!,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  }

  const entities = (subgraph: SubgraphName, typename: string, ids: string[], selection: string, token?: string) =>
    subgraphQuery(
      subgraph,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { ${selection} } } }`,
      { r: ids.map((id) => ({ __typename: typename, id })) },
      token,
    );

  beforeAll(async () => {
    t = await startTestPlatform({ SWEEP_INTERVAL_MS: "600000" });
    organizer = t.platform.demoTokens.organizer!;
    // More venues, slots and zones than the demo has, so one statement per row would show.
    for (let v = 0; v < 3; v++) {
      const venue = await t.query(
        `mutation($name: String!) { createVenue(input: { name: $name, kind: THEATRE, city: "Braga" }) { id } }`,
        { name: `Batch Hall ${v} ${randomUUID().slice(0, 8)}` },
        organizer,
      );
      expect(venue.errors).toBeUndefined();
      const venueId = venue.data!.createVenue.id as string;
      created.venues.push(venueId);
      for (let s = 0; s < 2; s++) {
        const { zoneId, slotId } = await newZone(t, 10 + s, { venueId });
        created.zones.push(zoneId);
        for (const name of ["Balcony", "Box"]) {
          const zone = await t.query(
            `mutation($input: CreateZoneInput!) { createZone(input: $input) { id } }`,
            { input: { slotId, name, capacity: 5, priceMinor: 1_500, currency: "EUR" } },
            organizer,
          );
          expect(zone.errors).toBeUndefined();
          created.zones.push(zone.data!.createZone.id);
        }
      }
    }
    // A slot written straight to the database: its counters are not in the hold store yet.
    const slotId = randomUUID();
    created.unloadedZone = randomUUID();
    const startsAt = new Date(Date.now() + 9 * 86_400_000);
    await t.sql(
      "inventory",
      sql`insert into inventory.slots (id, venue_id, title, starts_at, ends_at)
          values (${slotId}, ${created.venues[0]}, 'Unloaded', ${startsAt.toISOString()}, ${new Date(startsAt.getTime() + 3_600_000).toISOString()})`,
    );
    await t.sql(
      "inventory",
      sql`insert into inventory.zones (id, slot_id, name, capacity, price_minor, currency)
          values (${created.unloadedZone}, ${slotId}, 'Cold', 7, 900, 'EUR')`,
    );
    const guest = await t.tokenFor(randomUUID(), "GUEST");
    expect((await reserve(t, guest, created.zones[0], 3)).errors).toBeUndefined();
  }, 120_000);
  afterAll(() => t?.close());

  it("loads a slot the hold store does not know yet while answering a batched list", async () => {
    const response = await t.query<{ venues: VenueRow[] }>(VENUES);
    expect(response.errors).toBeUndefined();
    const zones = response.data!.venues.flatMap((v) => v.slots.flatMap((s) => s.zones));
    expect(zones.find((z) => z.id === created.unloadedZone)?.available).toBe(7);
    expect(zones.find((z) => z.id === created.zones[0])?.available).toBe(7);
  });

  it("answers the public venues → slots → zones → available query with at most 3 SQL statements", async () => {
    const { result, statements } = await statementsOf(() => t.query<{ venues: VenueRow[] }>(VENUES));
    expect(result.errors).toBeUndefined();
    const venues = result.data!.venues;
    const zones = venues.flatMap((v) => v.slots.flatMap((s) => s.zones));
    expect(venues.length).toBeGreaterThanOrEqual(6);
    expect(venues.flatMap((v) => v.slots).length).toBeGreaterThanOrEqual(11);
    expect(zones.length).toBeGreaterThanOrEqual(24);
    console.info(
      `venues query: ${statements} SQL statements for ${venues.length} venues, ${venues.flatMap((v) => v.slots).length} slots, ${zones.length} zones`,
    );
    expect(statements).toBeLessThanOrEqual(3);

    // Each zone's availability is what the zone reports on its own.
    for (const zone of zones) {
      const single = await t.query(`query($id: ID!) { zone(id: $id) { available } }`, { id: zone.id });
      expect(single.data!.zone.available, `zone ${zone.id}`).toBe(zone.available);
    }
  });

  it("resolves an _entities batch of many zones with one SQL statement", async () => {
    const ids = [...created.zones, DEMO_IDS.stalls, DEMO_IDS.balcony, DEMO_IDS.terrace];
    const { result, statements } = await statementsOf(() =>
      entities("inventory", "Zone", [...ids, randomUUID(), "not-a-uuid"], "id name capacity available slot { id }"),
    );
    expect(result.errors).toBeUndefined();
    const found = result.data!._entities as ({ id: string; available: number; slot: { id: string } } | null)[];
    expect(found.slice(0, ids.length).map((z) => z!.id)).toEqual(ids);
    expect(found.slice(ids.length)).toEqual([null, null]);
    expect(found[0]!.available).toBe(7);
    expect(statements).toBe(2); // the zones, then their slots
    const { statements: zonesOnly } = await statementsOf(() =>
      entities("inventory", "Zone", ids, "id name capacity price { amount } available"),
    );
    expect(zonesOnly).toBe(1);
  });

  it("answers each mutation of a request with what it changed, not what an earlier one loaded", async () => {
    const zoneId = created.zones[5];
    const response = await t.query(
      `mutation($id: ID!) {
        first: updateZone(id: $id, input: { capacity: 12 }) { slot { zones { id capacity available } } }
        second: updateZone(id: $id, input: { capacity: 14 }) { slot { zones { id capacity available } } }
      }`,
      { id: zoneId },
      organizer,
    );
    expect(response.errors).toBeUndefined();
    const zoneIn = (answer: { slot: { zones: { id: string; capacity: number; available: number }[] } }) =>
      answer.slot.zones.find((z) => z.id === zoneId);
    expect(zoneIn(response.data!.first)).toMatchObject({ capacity: 12, available: 12 });
    expect(zoneIn(response.data!.second)).toMatchObject({ capacity: 14, available: 14 });
  });

  it("keeps an owner-only field hidden from other users in batched lists and entity batches", async () => {
    const mine = [DEMO_IDS.theatre, DEMO_IDS.bistro, ...created.venues];
    const stranger = await t.tokenFor(randomUUID(), "ORGANIZER", "someone@example.com");
    const ownVenueId = (
      await t.query(
        `mutation { createVenue(input: { name: "Zzz Own Hall", kind: HOTEL, city: "Faro" }) { id } }`,
        {},
        stranger,
      )
    ).data!.createVenue.id as string;
    const emailsAs = async (token?: string) => {
      const response = await t.query<{ venues: { id: string; contactEmail: string | null }[] }>(
        `{ venues { id contactEmail } }`,
        {},
        token,
      );
      expect(response.errors).toBeUndefined();
      return new Map(response.data!.venues.map((v) => [v.id, v.contactEmail]));
    };
    const byOwner = await emailsAs(organizer);
    for (const id of [DEMO_IDS.theatre, DEMO_IDS.bistro]) expect(byOwner.get(id)).toBe(DEMO_USERS.organizer.email);
    expect(byOwner.get(ownVenueId)).toBeNull();
    const byStranger = await emailsAs(stranger);
    for (const id of mine) expect(byStranger.get(id)).toBeNull();
    expect(byStranger.get(ownVenueId)).toBe("someone@example.com");
    expect([...(await emailsAs()).values()].every((email) => email === null)).toBe(true);

    const viaEntities = await entities("inventory", "Venue", [ownVenueId, ...mine], "id contactEmail", stranger);
    expect(viaEntities.errors).toBeUndefined();
    expect(viaEntities.data!._entities.map((v: { contactEmail: string | null }) => v.contactEmail)).toEqual([
      "someone@example.com",
      ...mine.map(() => null),
    ]);
  });

  it("shows each user only their own bookings in a batched _entities call, with one statement", async () => {
    const alice = await t.tokenFor(randomUUID(), "GUEST");
    const bob = await t.tokenFor(randomUUID(), "GUEST");
    const book = async (token: string, zoneId: string) => {
      const response = await reserve(t, token, zoneId, 1);
      expect(response.errors).toBeUndefined();
      return response.data!.reserveSeats.id as string;
    };
    const alices = [await book(alice, created.zones[1]), await book(alice, created.zones[2])];
    const bobs = await book(bob, created.zones[4]);
    const ids = [alices[0], bobs, alices[1]];
    const { result, statements } = await statementsOf(() => entities("booking", "Booking", ids, "id quantity", alice));
    expect(statements).toBe(1);
    expect(result.data!._entities.map((b: { id: string } | null) => b?.id ?? null)).toEqual([
      alices[0],
      null,
      alices[1],
    ]);
    expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[["_entities", 1], "FORBIDDEN"]]);

    const statusHistory = await statementsOf(() =>
      entities("booking", "Booking", alices, "id statusHistory { toStatus }", alice),
    );
    expect(statusHistory.result.errors).toBeUndefined();
    expect(statusHistory.statements).toBe(2); // the bookings, then their histories

    // Booking's extensions in payment and notification: one statement per batch too.
    const payments = await statementsOf(() =>
      entities("payment", "Booking", [...alices, bobs], "id payment { status }"),
    );
    expect(payments.result.errors).toBeUndefined();
    expect(payments.statements).toBe(1);
    const notifications = await statementsOf(() =>
      entities("notification", "Booking", [...alices, bobs], "id notifications { subject }", alice),
    );
    expect(notifications.result.errors).toBeUndefined();
    expect(notifications.statements).toBe(1);
  });

  it("shows each user only the notifications sent to them when bookings are batched", async () => {
    // The organizer was told about the guest's booking too: the guest must not see that message.
    await t.sql(
      "notification",
      sql`insert into notification.notifications (booking_id, recipient_id, channel, subject, body, status, attempts, sent_at)
          values (${DEMO_IDS.confirmedBooking}, ${DEMO_USERS.organizer.userId}, 'EMAIL', 'For the organizer', 'A booking', 'SENT', 1, now())`,
    );
    const ids = [DEMO_IDS.confirmedBooking, DEMO_IDS.pendingBooking];
    const subjects = async (token: string) => {
      const response = await entities("notification", "Booking", ids, "id notifications { subject }", token);
      expect(response.errors).toBeUndefined();
      return response.data!._entities.flatMap((b: { notifications: { subject: string }[] }) =>
        b.notifications.map((n) => n.subject),
      ) as string[];
    };
    const guestSees = await subjects(t.platform.demoTokens.guest!);
    expect(guestSees).toContain("Your booking BR-20261101-DEMQK5 is confirmed");
    expect(guestSees).not.toContain("For the organizer");
    expect(await subjects(organizer)).toEqual(["For the organizer"]);
    expect(await subjects(t.platform.demoTokens.admin!)).toEqual(
      expect.arrayContaining([...guestSees, "For the organizer"]),
    );
    expect(await subjects(await t.tokenFor(randomUUID(), "GUEST"))).toEqual([]);
  });
});
