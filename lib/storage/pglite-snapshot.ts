import { createHash, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { MIGRATIONS_ROOT, migratePgliteDatabase, openPglite, type PgliteDatabase, type SubgraphName } from "./db";

const gunzipAsync = promisify(gunzip);

/**
 * The embedded database's starting point, kept on disk. An in-memory PGlite runs initdb on every
 * start: 4.7–5.8 s of wall time and 8 s of CPU on this machine, most of `npm start`. Loading the
 * dump of one made before (initdb done, migrations applied, no data) takes 0.7–0.8 s. The file's
 * name is a digest of the migrations and PGlite's version, so a changed migration makes a new one.
 * `npm ci` makes it (the postinstall script); `npm start` makes it when it is missing.
 */
export const SNAPSHOT_DIR = path.resolve(MIGRATIONS_ROOT, "..", "node_modules", ".cache", "booking-platform");

/** What the snapshot depends on: every migration file and the PGlite release. */
export async function snapshotDigest(subgraphs: readonly SubgraphName[]): Promise<string> {
  const hash = createHash("sha256");
  // The package's exports do not include its package.json: read it where npm installed it.
  const pglite = path.dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite")));
  hash.update(await readFile(path.join(pglite, "..", "package.json")));
  for (const subgraph of [...subgraphs].sort()) {
    const folder = path.join(MIGRATIONS_ROOT, subgraph);
    const files = (await readdir(folder, { recursive: true })).filter((f) => /\.(sql|json)$/.test(f)).sort();
    for (const file of files) hash.update(`${subgraph}/${file}\n`).update(await readFile(path.join(folder, file)));
  }
  return hash.digest("hex").slice(0, 16);
}

export const snapshotFile = (digest: string, dir = SNAPSHOT_DIR) => path.join(dir, `pglite-${digest}.tar.gz`);

/**
 * An in-memory embedded database with `subgraphs`' migrations applied: from the snapshot when
 * there is one (migrating it again then checks the journals and applies nothing), otherwise made
 * and migrated here, and the snapshot written for the next start. A snapshot that cannot be read
 * or written only costs the time.
 */
export async function openMigratedPglite(
  subgraphs: readonly SubgraphName[],
  note: (message: string, error?: unknown) => void = () => {},
  dir = SNAPSHOT_DIR,
): Promise<{ database: PgliteDatabase; fromSnapshot: boolean }> {
  const file = snapshotFile(await snapshotDigest(subgraphs), dir);
  const snapshot = await readFile(file).catch(() => null);
  if (snapshot) {
    let database: PgliteDatabase | undefined;
    try {
      // Unzipped here, not by PGlite: its decompression stream throws a damaged file's error
      // outside any promise (an uncaught exception that would end the process). 0.1–0.2 s.
      database = await openPglite(undefined, new Blob([await gunzipAsync(snapshot)]));
      for (const subgraph of subgraphs) await migratePgliteDatabase(database, subgraph);
      return { database, fromSnapshot: true };
    } catch (error) {
      await database?.close().catch(() => {});
      note("the embedded database's snapshot did not load; making a new one", error);
      await rm(file, { force: true });
    }
  }
  const database = await openPglite();
  for (const subgraph of subgraphs) await migratePgliteDatabase(database, subgraph);
  await saveSnapshot(database, file).catch((error) => note("the embedded database's snapshot was not kept", error));
  return { database, fromSnapshot: false };
}

/** Written beside and renamed into place: a reader never sees half a file, whoever writes at once. */
async function saveSnapshot(database: PgliteDatabase, file: string) {
  const dump = await database.client.dumpDataDir("gzip");
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${randomUUID()}.partial`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, file);
  // Snapshots of earlier migrations are of no use any more.
  const dir = path.dirname(file);
  for (const other of await readdir(dir))
    if (/^pglite-[0-9a-f]+\.tar\.gz$/.test(other) && other !== path.basename(file))
      await rm(path.join(dir, other), { force: true });
}
