import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_POOL_MAX } from "../../lib/storage/db";
import { OUTBOX_TOPICS } from "../../lib/messaging/relay-runner";
import { backends } from "../support/backends";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { codeOf, newZone, reserve } from "../support/scenario";

/**
 * One process uses one pool (DATABASE_POOL_MAX) plus a session per outbox relay, so complete
 * platforms fit side by side on one PostgreSQL server with the default max_connections (100).
 */
describe.runIf(!!backends.databaseUrl)("the connection budget", () => {
  const platforms: TestPlatform[] = [];
  afterAll(async () => {
    for (const t of platforms) await t.close();
  });

  it("two platforms started at once on one server both serve a burst, each within its budget", async () => {
    platforms.push(...(await Promise.all([startTestPlatform(), startTestPlatform()])));
    const bursts = await Promise.all(
      platforms.map(async (t) => {
        const { zoneId } = await newZone(t, 1_000);
        const answers = await Promise.all(
          Array.from({ length: 60 }, async () => reserve(t, await t.tokenFor(randomUUID(), "GUEST"), zoneId, 1)),
        );
        return answers.map(codeOf);
      }),
    );
    for (const codes of bursts) expect(codes.filter((c) => c !== undefined)).toEqual([]);
    const budget = DEFAULT_POOL_MAX + Object.keys(OUTBOX_TOPICS).length;
    for (const t of platforms) {
      const [row] = await t.sql<{ connections: number }>(
        "booking",
        sql`select count(*)::int as connections from pg_stat_activity
            where datname = current_database()`,
      );
      expect(row.connections).toBeGreaterThan(0);
      expect(row.connections).toBeLessThanOrEqual(budget);
    }
  }, 120_000);
});
