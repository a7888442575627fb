import pg from "pg";
import { migratePostgres, SUBGRAPHS } from "../../lib/storage/db";
import { backends, isCI, redact } from "./backends";

const TEMPLATE_DATABASE = `booking_test_template_${process.pid}`;

/**
 * Prints the backends in use; under CI refuses to run on embedded fallbacks; migrates the
 * template database that test files clone (CREATE DATABASE ... TEMPLATE is much faster than
 * migrating a database per file). Vitest runs global setup once per project, in one process,
 * so the work is shared through a promise on globalThis.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const shared = globalThis as { __testBackendsReady?: Promise<void> };
  shared.__testBackendsReady ??= prepare();
  await shared.__testBackendsReady;
  return async () => {
    if (!backends.databaseUrl || !shared.__testBackendsReady) return;
    shared.__testBackendsReady = undefined;
    await adminQuery(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
  };
}

async function prepare(): Promise<void> {
  const missing = Object.entries({
    DATABASE_URL: backends.databaseUrl,
    REDIS_URL: backends.redisUrl,
    KAFKA_BROKERS: backends.kafkaBrokers,
  })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (isCI && missing.length) {
    throw new Error(`CI=true but ${missing.join(", ")} not set: refusing to fall back to embedded backends`);
  }
  console.log(
    [
      "Test backends:",
      `  postgres: ${backends.databaseUrl ? redact(backends.databaseUrl) : "embedded PGlite"}`,
      `  redis:    ${backends.redisUrl ? redact(backends.redisUrl) : "none (in-process)"}`,
      `  kafka:    ${backends.kafkaBrokers ?? "none (in-process)"}`,
    ].join("\n"),
  );
  if (!backends.databaseUrl) return;
  // Test workers are forked after global setup and inherit this.
  process.env.TEST_TEMPLATE_DATABASE = TEMPLATE_DATABASE;
  await adminQuery(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
  await adminQuery(`create database ${TEMPLATE_DATABASE}`);
  const templateUrl = new URL(backends.databaseUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  for (const subgraph of SUBGRAPHS) await migratePostgres(templateUrl.toString(), subgraph);
}

export async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: backends.databaseUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
