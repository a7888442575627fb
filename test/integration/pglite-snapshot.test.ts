import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS_ROOT, queryRows, SUBGRAPHS, type PgliteDatabase } from "../../lib/storage/db";
import { openMigratedPglite, snapshotDigest, snapshotFile } from "../../lib/storage/pglite-snapshot";

/** How many migrations each subgraph's journal lists, and how many a database has applied. */
async function migrationCounts(database: PgliteDatabase) {
  const counts: Record<string, [journal: number, applied: number]> = {};
  for (const subgraph of SUBGRAPHS) {
    const journal = JSON.parse(await readFile(path.join(MIGRATIONS_ROOT, subgraph, "meta/_journal.json"), "utf8"));
    const [row] = await queryRows<{ n: number }>(
      database.db,
      sql.raw(`select count(*)::int as n from drizzle.${subgraph}_migrations`),
    );
    counts[subgraph] = [journal.entries.length, row.n];
  }
  return counts;
}

/** The embedded database's snapshot (lib/storage/pglite-snapshot.ts): `npm start` skips initdb with it. */
describe("the embedded database's snapshot", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("is made on first open, then opened from: fully migrated, empty, and the same database", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "pglite-snapshot-"));
    dirs.push(dir);
    const made = await openMigratedPglite(SUBGRAPHS, undefined, dir);
    expect(made.fromSnapshot).toBe(false);
    const file = snapshotFile(await snapshotDigest(SUBGRAPHS), dir);
    expect(await readdir(dir)).toEqual([path.basename(file)]);
    const expected = await migrationCounts(made.database);
    for (const [journal, applied] of Object.values(expected)) expect(applied).toBe(journal);
    await made.database.db.execute(
      sql`insert into inventory.venues (name, kind, city, owner_id) values ('Only here', 'OTHER', 'Braga', 'o1')`,
    );
    await made.database.close();

    const loaded = await openMigratedPglite(SUBGRAPHS, undefined, dir);
    try {
      expect(loaded.fromSnapshot).toBe(true);
      expect(await migrationCounts(loaded.database)).toEqual(expected);
      // The snapshot was taken before any data: what the first database stored is not in the next.
      expect(await queryRows(loaded.database.db, sql`select name from inventory.venues`)).toEqual([]);
      await loaded.database.db.execute(
        sql`insert into inventory.venues (name, kind, city, owner_id) values ('Kept', 'OTHER', 'Porto', 'o2')`,
      );
      expect(await queryRows(loaded.database.db, sql`select name, city from inventory.venues`)).toEqual([
        { name: "Kept", city: "Porto" },
      ]);
    } finally {
      await loaded.database.close();
    }
  }, 60_000);

  it.each([
    ["not gzip", () => Promise.resolve(Buffer.from("not a tarball"))],
    // Cut in half (a damaged disk): PGlite's own gunzip would throw this outside any promise.
    [
      "truncated",
      async () => {
        const whole = await readFile(snapshotFile(await snapshotDigest(SUBGRAPHS), dirs[0]));
        return whole.subarray(0, whole.length / 2);
      },
    ],
  ])(
    "is made again when it does not load (%s), and an old migrations' snapshot is removed",
    async (_, damaged) => {
      const dir = await mkdtemp(path.join(tmpdir(), "pglite-snapshot-"));
      dirs.push(dir);
      const file = snapshotFile(await snapshotDigest(SUBGRAPHS), dir);
      const stale = snapshotFile("0123456789abcdef", dir);
      await writeFile(file, await damaged());
      await writeFile(stale, "from older migrations");
      const notes: string[] = [];
      const reopened = await openMigratedPglite(SUBGRAPHS, (message) => notes.push(message), dir);
      try {
        expect(reopened.fromSnapshot).toBe(false);
        expect(notes).toEqual(["the embedded database's snapshot did not load; making a new one"]);
        for (const [journal, applied] of Object.values(await migrationCounts(reopened.database)))
          expect(applied).toBe(journal);
      } finally {
        await reopened.database.close();
      }
      expect(await readdir(dir)).toEqual([path.basename(file)]);
      expect((await readFile(file)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
      const again = await openMigratedPglite(SUBGRAPHS, undefined, dir);
      await again.database.close();
      expect(again.fromSnapshot).toBe(true);
    },
    60_000,
  );
});
