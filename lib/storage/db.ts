import path from "node:path";
import { SpanKind, tracingEnabled, withChildSpan } from "../observability/tracing";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PgDatabase, PgQueryResultHKT, PgTable } from "drizzle-orm/pg-core";
import { getTableColumns, sql, type SQL } from "drizzle-orm";

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
  /** False once the connection died; its locks and LISTENs are gone with it: open a new session. */
  readonly alive: boolean;
  tryAdvisoryLock(key1: number, key2: number): Promise<boolean>;
  listen(channel: string, onNotify: () => void): Promise<void>;
  close(): Promise<void>;
}

// The subgraph names are defined once, in the registry of services.
import type { SubgraphName } from "../core/services";
export { SUBGRAPHS, type SubgraphName } from "../core/services";

export const MIGRATIONS_ROOT = path.resolve(import.meta.dirname, "..", "..", "drizzle");

/**
 * SQL statements this process has sent (every round trip a client makes: queries, BEGIN and
 * COMMIT included), for `db_client_statements_total` and the benchmarks' statements per operation.
 */
export const sqlStatements = { count: 0 };

/**
 * A span for one SQL statement inside a traced operation: its text with placeholders (the
 * parameters, which hold user data, are not recorded), named after its first keyword.
 */
function traceStatement(statement: unknown, run: () => unknown): Promise<unknown> {
  const text = typeof statement === "string" ? statement : String((statement as { text?: unknown } | null)?.text ?? "");
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "SQL";
  return withChildSpan(
    operation,
    SpanKind.CLIENT,
    { "db.system.name": "postgresql", "db.operation.name": operation, "db.query.text": text.slice(0, 2_000) },
    async () => run(),
  );
}

/** Default size of a process's pool; DATABASE_POOL_MAX overrides it. */
export const DEFAULT_POOL_MAX = 10;

export function connectPostgres(
  url: string,
  options: { maxConnections?: number; applicationName?: string; onConnectionError?: (error: Error) => void } = {},
): Database {
  const onConnectionError = options.onConnectionError ?? (() => {});
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? DEFAULT_POOL_MAX,
    application_name: options.applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
  });
  // A pooled client whose socket dies emits 'error': on the pool while it is idle, on the client
  // itself while it is checked out (in a query or a transaction). Without a listener on both,
  // Node treats it as unhandled and the process dies. The query that used it fails on its own
  // (and is answered SERVICE_UNAVAILABLE); the pool discards the broken client on release.
  pool.on("error", onConnectionError);
  pool.on("connect", (client) => {
    client.on("error", onConnectionError);
    const query = client.query;
    client.query = function (this: pg.PoolClient, ...args: unknown[]) {
      sqlStatements.count++;
      const run = () => (query as (...a: unknown[]) => unknown).apply(this, args);
      // The callback form (pg-pool's own `pool.query`) is not traced; drizzle uses promises.
      return tracingEnabled() && typeof args[args.length - 1] !== "function" ? traceStatement(args[0], run) : run();
    } as typeof client.query;
  });
  // Statements outside a transaction go through `pool.query`, which runs the client's callback
  // form (not traced above): its promise form is traced here instead.
  const poolQuery = pool.query;
  pool.query = function (this: pg.Pool, ...args: unknown[]) {
    const run = () => (poolQuery as (...a: unknown[]) => unknown).apply(this, args);
    return tracingEnabled() && typeof args[args.length - 1] !== "function" ? traceStatement(args[0], run) : run();
  } as typeof pool.query;
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
        keepAlive: true,
      });
      let alive = true;
      const lost = (error?: Error) => {
        alive = false;
        if (error) onConnectionError(error);
      };
      client.on("error", lost);
      client.on("end", () => lost());
      await client.connect();
      return {
        get alive() {
          return alive;
        },
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
/** The embedded database, with its PGlite client (for dumps and LISTEN). */
export type PgliteDatabase = Database & { client: PGlite };

/** Opens PGlite in `dataDir` (in memory without), starting from the dump `loadDataDir` if given. */
export async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<PgliteDatabase> {
  const client = await PGlite.create({ ...(dataDir ? { dataDir } : {}), ...(loadDataDir ? { loadDataDir } : {}) });
  for (const method of ["query", "exec"] as const) {
    const original = client[method].bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      sqlStatements.count++;
      return tracingEnabled() ? traceStatement(args[0], () => original(...args)) : original(...args);
    };
  }
  const transaction = client.transaction.bind(client);
  client.transaction = ((callback: (tx: { query: (...a: unknown[]) => Promise<unknown> }) => Promise<unknown>) =>
    transaction((tx) => {
      const query = tx.query.bind(tx) as (...a: unknown[]) => Promise<unknown>;
      (tx as unknown as { query: typeof query }).query = (...args) => {
        sqlStatements.count++;
        return tracingEnabled() ? traceStatement(args[0], () => query(...args)) : query(...args);
      };
      return callback(tx as never);
    })) as typeof client.transaction;
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
        alive: true,
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

export async function migratePgliteDatabase(database: PgliteDatabase, subgraph: SubgraphName): Promise<void> {
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

/**
 * `insert into <table> (<row's columns>) values (<row's values>) returning *`, each value encoded
 * by its column as drizzle's builder would (undefined: the column's default). Written directly for
 * the reservation's hot statement: drizzle's `db.insert(…).values(…).returning()` costs 0.32–0.56 ms
 * of CPU per call to build (22 columns, measured with a loop of 2,000–20,000 builds).
 */
export function insertReturningAll(table: PgTable, row: Record<string, unknown>): SQL {
  const columns = getTableColumns(table);
  const keys = Object.keys(row).filter((key) => row[key] !== undefined);
  return sql`insert into ${table} (${sql.join(
    keys.map((key) => sql.identifier(columns[key].name)),
    sql`, `,
  )}) values (${sql.join(
    keys.map((key) => sql.param(row[key], columns[key])),
    sql`, `,
  )}) returning *`;
}
