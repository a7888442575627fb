import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  connectPostgres,
  migratePgliteDatabase,
  migratePostgres,
  openPglite,
  queryRows,
  SUBGRAPHS,
} from "../../lib/storage/db";
import { createEmptyPostgresDatabase, createTestDatabase, type TestDatabase } from "../support/database";

describe("migrations", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(() => test.drop());

  it("give every subgraph its own Postgres schema and tables", async () => {
    const rows = await queryRows<{ table_schema: string; table_name: string }>(
      test.database.db,
      sql`select table_schema, table_name from information_schema.tables
          where table_schema in ('booking','inventory','payment','notification') order by 1, 2`,
    );
    expect(rows.map((r) => `${r.table_schema}.${r.table_name}`)).toEqual([
      "booking.booking_status_changes",
      "booking.bookings",
      "booking.consumer_dead_letters",
      "booking.idempotency_keys",
      "booking.inbox",
      "booking.outbox",
      "booking.outbox_dead_letters",
      "inventory.consumer_dead_letters",
      "inventory.holds",
      "inventory.inbox",
      "inventory.outbox",
      "inventory.outbox_dead_letters",
      "inventory.slots",
      "inventory.venues",
      "inventory.waitlist_entries",
      "inventory.zones",
      "notification.consumer_dead_letters",
      "notification.inbox",
      "notification.notifications",
      "notification.outbox",
      "notification.outbox_dead_letters",
      "payment.charges",
      "payment.consumer_dead_letters",
      "payment.inbox",
      "payment.outbox",
      "payment.outbox_dead_letters",
      "payment.payments",
      "payment.refunds",
      "payment.webhook_events",
    ]);
  });

  it("record what was applied per subgraph", async () => {
    for (const subgraph of SUBGRAPHS) {
      const [row] = await queryRows<{ n: number }>(
        test.database.db,
        sql.raw(`select count(*)::int as n from drizzle.${subgraph}_migrations`),
      );
      expect(row.n).toBeGreaterThan(0);
    }
  });

  it.runIf(!!process.env.DATABASE_URL)(
    "apply once when several processes migrate an empty database at the same time",
    async () => {
      const empty = await createEmptyPostgresDatabase();
      const database = connectPostgres(empty.url);
      try {
        await Promise.all(Array.from({ length: 4 }, () => migratePostgres(empty.url, "booking")));
        const count = sql`select count(*)::int as n from drizzle.booking_migrations`;
        const [fresh] = await queryRows<{ n: number }>(database.db, count);
        const [template] = await queryRows<{ n: number }>(test.database.db, count);
        expect(fresh.n).toBe(template.n);
      } finally {
        await database.close();
        await empty.drop();
      }
    },
  );

  it("enforce the domain's invariants in the database too", async () => {
    const insert = (status: string, total: number) =>
      test.database.db.execute(sql`insert into booking.bookings
        (reference, user_id, zone_id, slot_id, venue_id, quantity, status, base_minor, tax_minor, total_minor, currency)
        values ('BR-20260101-AAAAAA', 'u', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 1, ${status}, 100, 10, ${total}, 'EUR')`);
    await expect(insert("LOST", 110)).rejects.toThrow();
    await expect(insert("PENDING", 999)).rejects.toThrow();
  });
});

describe("the embedded database with a data directory", () => {
  it("keeps its data across restarts and migrates idempotently", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "pglite-"));
    try {
      const first = await openPglite(dir);
      for (const subgraph of SUBGRAPHS) await migratePgliteDatabase(first, subgraph);
      await first.db.execute(
        sql`insert into inventory.venues (name, kind, city, owner_id) values ('Kept', 'OTHER', 'Braga', 'o1')`,
      );
      await first.close();

      const second = await openPglite(dir);
      for (const subgraph of SUBGRAPHS) await migratePgliteDatabase(second, subgraph);
      const rows = await queryRows<{ name: string }>(second.db, sql`select name from inventory.venues`);
      await second.close();
      expect(rows).toEqual([{ name: "Kept" }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
