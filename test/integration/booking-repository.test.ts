import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { generateBookingReference, type BookingStatus } from "../../subgraphs/booking/booking/booking.model";
import { createBookingRepository, type BookingRepository } from "../../subgraphs/booking/booking/booking.repository";
import { createBookingQueries } from "../../subgraphs/booking/booking/booking.service";
import { createTestDatabase, type TestDatabase } from "../support/database";

describe("my bookings, paginated", () => {
  let test: TestDatabase;
  let repo: BookingRepository;
  const user = `user-${randomUUID()}`;
  const ids: string[] = [];

  beforeAll(async () => {
    test = await createTestDatabase();
    repo = createBookingRepository(test.database.db);
    const statuses: BookingStatus[] = ["PENDING", "CONFIRMED", "CANCELLED"];
    // 25 bookings, several sharing one timestamp, so ordering must break ties by id.
    for (let i = 0; i < 25; i++) {
      const id = randomUUID();
      ids.push(id);
      await repo.insert({
        id,
        reference: generateBookingReference(),
        userId: user,
        zoneId: randomUUID(),
        slotId: randomUUID(),
        venueId: randomUUID(),
        quantity: 1,
        status: statuses[i % 3],
        version: 1,
        price: { base: 1000, tax: 230, discount: 0, total: 1230, currency: "EUR" },
        specialRequests: null,
        expiresAt: null,
        organizerId: null,
        guestEmail: null,
        organizerEmail: null,
        slotStartsAt: null,
        cancellationDeadlineHours: null,
      });
    }
    await test.database.db.execute(
      sql`update booking.bookings set created_at = '2026-01-01 10:00:00.123456+00' where id in (${sql.join(
        ids.slice(5, 10).map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`,
    );
    await repo.insert({
      id: randomUUID(),
      reference: generateBookingReference(),
      userId: "someone-else",
      zoneId: randomUUID(),
      slotId: randomUUID(),
      venueId: randomUUID(),
      quantity: 1,
      status: "PENDING",
      version: 1,
      price: { base: 1000, tax: 230, discount: 0, total: 1230, currency: "EUR" },
      specialRequests: null,
      expiresAt: null,
      organizerId: null,
      guestEmail: null,
      organizerEmail: null,
      slotStartsAt: null,
      cancellationDeadlineHours: null,
    });
  });
  afterAll(() => test.drop());

  const principal = () => ({ userId: user, role: "GUEST" as const });

  it("walks every booking exactly once, newest first, with no gaps at equal timestamps", async () => {
    const queries = createBookingQueries(repo);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await queries.mine(principal(), { first: 4, after });
      seen.push(...page.edges.map((e) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 20);
    expect(pages).toBe(7);
    expect(new Set(seen).size).toBe(25);
    expect([...seen].sort()).toEqual([...ids].sort());
    const created = await Promise.all(seen.map((id) => repo.findById(id)));
    const times = created.map((b) => b!.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("filters by status and never shows another user's bookings", async () => {
    const queries = createBookingQueries(repo);
    const page = await queries.mine(principal(), { first: 100, statuses: ["CANCELLED"] });
    expect(page.edges).toHaveLength(8);
    expect(page.edges.every((e) => e.node.status === "CANCELLED" && e.node.userId === user)).toBe(true);
  });

  it("rejects page sizes outside 1..100 and bad cursors", async () => {
    const queries = createBookingQueries(repo);
    for (const first of [0, 101]) {
      await expect(queries.mine(principal(), { first })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    }
    await expect(queries.mine(principal(), { first: 5, after: "bm9wZQ" })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
  });
});
