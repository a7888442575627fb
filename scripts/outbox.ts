/**
 * `npm run outbox -- status`                backlog, retries, lag and dead letters per outbox
 * `npm run outbox -- dlq list`              dead-lettered events
 * `npm run outbox -- dlq replay <id|--all>` put them back for the relay
 * `npm run outbox -- consumer-dlq list`     events consumers gave up on
 * `npm run outbox -- consumer-dlq replay <id|--all>`  ask the consumers to try them again
 * Needs DATABASE_URL (the embedded database of `npm start` lives inside that process).
 */
import { z } from "zod";
import { ConfigError, parseEnv, postgresUrl, requireVariables, StartupError } from "../lib/core/config";
import { DEFAULT_PORTS } from "../lib/core/services";
import { connectPostgres } from "../lib/storage/db";
import { processEnv } from "../lib/core/env";
import { OUTBOX_TOPICS } from "../lib/messaging/relay-runner";
import {
  CONSUMER_SCHEMAS,
  listConsumerDeadLetters,
  listDeadLetters,
  outboxStatus,
  replayDeadLetters,
  requestConsumerReplay,
} from "../lib/messaging/outbox-admin";

const OUTBOXES = Object.keys(OUTBOX_TOPICS);
const [command, sub, target] = process.argv.slice(2);
const USAGE =
  "usage: npm run outbox -- status | dlq list | dlq replay <id|--all> | consumer-dlq list | consumer-dlq replay <id|--all>";
const known =
  command === "status" ||
  ((command === "dlq" || command === "consumer-dlq") && (sub === "list" || (sub === "replay" && !!target)));

if (!known) {
  console.error(USAGE);
  process.exit(2);
}

try {
  const env = processEnv();
  requireVariables(
    "npm run outbox",
    env,
    { DATABASE_URL: "the PostgreSQL database the services write their outboxes to (postgres://user@host:5432/db)" },
    `With the embedded database (\`npm start\` without DATABASE_URL) the outboxes live inside that process: its relay's metrics (http://127.0.0.1:${DEFAULT_PORTS.relay}/metrics, or RELAY_PORT) show each outbox's backlog, retries, lag and dead letters.`,
  );
  const { DATABASE_URL } = parseEnv(z.object({ DATABASE_URL: postgresUrl }), env);
  const database = connectPostgres(DATABASE_URL, { applicationName: "outbox-cli", maxConnections: 2 });
  try {
    if (command === "status") {
      console.table(await Promise.all(OUTBOXES.map((schema) => outboxStatus(database.db, schema))));
    } else if (command === "dlq" && sub === "list") {
      for (const schema of OUTBOXES) {
        const rows = await listDeadLetters(database.db, schema);
        console.log(`${schema}: ${rows.length} dead letter(s)`);
        if (rows.length) console.table(rows);
      }
    } else if (command === "dlq" && sub === "replay" && target) {
      const which = target === "--all" ? "all" : Number(target);
      if (which !== "all" && !Number.isInteger(which))
        throw new ConfigError([`replay: expected a dead-letter id or --all, got ${target}`]);
      for (const schema of OUTBOXES)
        console.log(`${schema}: replayed ${await replayDeadLetters(database.db, schema, which)}`);
    } else if (command === "consumer-dlq" && sub === "list") {
      for (const schema of CONSUMER_SCHEMAS) {
        const rows = await listConsumerDeadLetters(database.db, schema);
        console.log(`${schema}: ${rows.length} dead letter(s)`);
        if (rows.length) console.table(rows);
      }
    } else if (command === "consumer-dlq" && sub === "replay" && target) {
      const which = target === "--all" ? "all" : Number(target);
      if (which !== "all" && !Number.isInteger(which))
        throw new ConfigError([`replay: expected a dead-letter id or --all, got ${target}`]);
      for (const schema of CONSUMER_SCHEMAS)
        console.log(`${schema}: replay requested for ${await requestConsumerReplay(database.db, schema, which)}`);
    } else {
      console.error(USAGE);
      process.exitCode = 2;
    }
  } finally {
    await database.close();
  }
} catch (error) {
  if (!(error instanceof StartupError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
