/**
 * Run by `npm ci` / `npm install` (postinstall): makes the embedded database's snapshot
 * (lib/storage/pglite-snapshot.ts) so that the first `npm start` skips PGlite's initdb (about 5 s).
 * It never fails the install: without the snapshot, `npm start` makes it itself.
 */
import { existsSync } from "node:fs";

try {
  const { SUBGRAPHS } = await import("../lib/storage/db");
  const { openMigratedPglite, snapshotDigest, snapshotFile } = await import("../lib/storage/pglite-snapshot");
  if (!existsSync(snapshotFile(await snapshotDigest(SUBGRAPHS)))) {
    const began = Date.now();
    const { database } = await openMigratedPglite(SUBGRAPHS, (message, error) =>
      console.warn(`${message}: ${error instanceof Error ? error.message : String(error)}`),
    );
    await database.close();
    console.log(`embedded database snapshot made in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
} catch (error) {
  console.warn(`embedded database snapshot not made (npm start will make it): ${String(error)}`);
}
process.exit(0);
