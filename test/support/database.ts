import { randomBytes } from "node:crypto";
import { connectPostgres, SUBGRAPHS, type Database } from "../../lib/storage/db";
import { openMigratedPglite } from "../../lib/storage/pglite-snapshot";
import { backends } from "./backends";
import { adminQuery } from "./global-setup";

export interface TestDatabase {
  database: Database;
  /** Connection URL of the fresh database (real PostgreSQL only). */
  url?: string;
  drop(): Promise<void>;
}

/**
 * A fresh, fully migrated database for one test file: a clone of the template on the real
 * server when DATABASE_URL is set, an in-memory PGlite otherwise.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!backends.databaseUrl) {
    const { database: embedded } = await openMigratedPglite(SUBGRAPHS);
    return { database: embedded, drop: () => embedded.close() };
  }
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!template) throw new Error("The template database was not prepared by test/support/global-setup.ts");
  const name = `booking_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create database ${name} template ${template}`);
  const url = new URL(backends.databaseUrl);
  url.pathname = `/${name}`;
  const database = connectPostgres(url.toString(), { maxConnections: 10 });
  return {
    database,
    url: url.toString(),
    drop: async () => {
      await database.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

/** An empty database on the real server (no migrations), for tests of migrating itself. */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `booking_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(backends.databaseUrl!);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}
