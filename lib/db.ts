import path from "node:path";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { SQL } from "drizzle-orm";

/** The drizzle handle repositories use; the same API over node-postgres and PGlite. */
export type AppDatabase = PgDatabase<PgQueryResultHKT, Record<string, never>>;

/** A database connection a service owns: real PostgreSQL or the embedded PGlite. */
export interface Database {
  readonly kind: "postgres" | "pglite";
  readonly db: AppDatabase;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** A dedicated session for session-scoped features: advisory locks and LISTEN. */
  openSession(): Promise<DatabaseSession>;
}

/**
 * One long-lived connection. Advisory locks taken here are held until it closes, so a process
 * that dies gives up its locks with its connection.
 */
export interface DatabaseSession {
  tryAdvisoryLock(key1: number, key2: number): Promise<boolean>;
  listen(channel: string, onNotify: () => void): Promise<void>;
  close(): Promise<void>;
}

export const SUBGRAPHS = ["booking", "inventory", "payment", "notification"] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

const MIGRATIONS_ROOT = path.resolve(import.meta.dirname, "..", "drizzle");

export function connectPostgres(
  url: string,
  options: { maxConnections?: number; applicationName?: string } = {},
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener
  // that would crash the process instead of just dropping the client.
  pool.on("error", () => {});
  const db = drizzlePg({ client: pool }) as unknown as AppDatabase;
  return {
    kind: "postgres",
    db,
    ping: async () => {
      await pool.query("select 1");
    },
    close: () => pool.end(),
    async openSession() {
      const client = new pg.Client({
        connectionString: url,
        application_name: `${options.applicationName ?? "service"}-session`,
      });
      client.on("error", () => {});
      await client.connect();
      return {
        async tryAdvisoryLock(key1, key2) {
          const { rows } = await client.query("select pg_try_advisory_lock($1, $2) as locked", [key1, key2]);
          return rows[0].locked === true;
        },
        async listen(channel, onNotify) {
          client.on("notification", (message) => {
            if (message.channel === channel) onNotify();
          });
          await client.query(`listen "${channel.replace(/"/g, "")}"`);
        },
        close: () => client.end(),
      };
    },
  };
}

/** Embedded PostgreSQL (WASM). In memory unless `dataDir` is given. One connection for all. */
export async function openPglite(dataDir?: string): Promise<Database & { client: PGlite }> {
  const client = await PGlite.create(dataDir ? { dataDir } : {});
  const db = drizzlePglite({ client }) as unknown as AppDatabase;
  return {
    kind: "pglite",
    client,
    db,
    ping: async () => {
      await client.query("select 1");
    },
    close: () => client.close(),
    // One process owns the embedded database: every lock is ours.
    async openSession() {
      const unlisten: (() => Promise<void>)[] = [];
      return {
        tryAdvisoryLock: async () => true,
        async listen(channel, onNotify) {
          unlisten.push(await client.listen(channel, onNotify));
        },
        async close() {
          for (const stop of unlisten) await stop();
        },
      };
    },
  };
}

function migrationOptions(subgraph: SubgraphName) {
  return {
    migrationsFolder: path.join(MIGRATIONS_ROOT, subgraph),
    // The subgraph's own schema is created by its first migration, so the bookkeeping
    // table lives in a shared `drizzle` schema, one table per subgraph.
    migrationsSchema: "drizzle",
    migrationsTable: `${subgraph}_migrations`,
  };
}

/**
 * Applies a subgraph's migrations to PostgreSQL. Runs on one dedicated connection under an
 * advisory lock, so several processes starting at once apply each migration exactly once.
 */
export async function migratePostgres(url: string, subgraph: SubgraphName): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: `migrate-${subgraph}` });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock(hashtext($1))", [`migrate:${subgraph}`]);
    await migratePg(drizzlePg({ client }), migrationOptions(subgraph));
  } finally {
    await client.query("select pg_advisory_unlock(hashtext($1))", [`migrate:${subgraph}`]).catch(() => {});
    await client.end();
  }
}

export async function migratePgliteDatabase(
  database: Database & { client: PGlite },
  subgraph: SubgraphName,
): Promise<void> {
  await migratePglite(drizzlePglite({ client: database.client }), migrationOptions(subgraph));
}

/** Rows of a raw SQL query; node-postgres and PGlite both answer `{ rows }`. */
export async function queryRows<T = Record<string, unknown>>(db: AppDatabase, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** True when `error` (or its cause, as drizzle wraps driver errors) violates `constraint`. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let current = error, depth = 0; current && depth < 3; depth++) {
    const e = current as { code?: string; constraint?: string; cause?: unknown };
    if (e.code === "23505") return constraint === undefined || e.constraint === constraint;
    current = e.cause;
  }
  return false;
}
