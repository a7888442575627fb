import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  authEnv,
  ConfigError,
  holdTtlSeconds,
  host,
  httpUrl,
  kafkaBrokers,
  kafkaPrefix,
  logLevel,
  parseEnv,
  postgresUrl,
  redisPrefix,
  redisUrl,
  secretCommand,
  smtpUrl,
  type AuthConfig,
  type Env,
} from "./config";
import { DEFAULT_POOL_MAX } from "../storage/db";
import type { LogLevel } from "../observability/logger";
import { inventoryInternalUrl, portsEnv, portsFrom, type SubgraphName } from "./services";

/** Configuration shared by the four subgraphs; each listens on its own port variable (lib/core/services.ts). */
export interface SubgraphConfig {
  host: string;
  port: number;
  databaseUrl?: string;
  /** Connections this process's PostgreSQL pool may open (one pool per process and database). */
  databasePoolMax: number;
  redisUrl?: string;
  /** Namespace of every Redis key this deployment writes (several environments can share a Redis). */
  redisPrefix: string;
  kafkaBrokers?: string[];
  /** Prefix of Kafka topics and consumer groups. */
  kafkaPrefix: string;
  auth: AuthConfig;
  logLevel: LogLevel;
  reservations: ReservationConfig;
  notifications: NotificationConfig;
  payments: PaymentConfig;
}

/** The payment subgraph's provider and webhook. */
export interface PaymentConfig {
  /** HMAC-SHA256 secret shared with the provider; webhooks signed otherwise are refused. */
  webhookSecret: string;
  /** How old a webhook's signed timestamp may be. */
  webhookToleranceSeconds: number;
  /** The built-in simulated card processor is the only provider so far. */
  provider: "simulated";
  /** How long the simulated provider takes before it calls the webhook. */
  simulatorDelayMs: number;
  /** Where the simulated provider sends webhooks; default: this service's own `/webhooks/payments`. */
  webhookUrl?: string;
}

/** How the notification subgraph delivers messages. */
export interface NotificationConfig {
  /** `log` writes each message to the log; `smtp` e-mails it through `smtpUrl`. */
  sender: "log" | "smtp";
  smtpUrl?: string;
  /** The From header of e-mails. */
  smtpFrom: string;
}

/** Reservation settings shared by booking (expiry) and inventory (lapsed holds). */
export interface ReservationConfig {
  /** How long an unpaid hold lasts. */
  holdTtlSeconds: number;
  /** How often sweepers look for expired bookings and lapsed holds. */
  sweepIntervalMs: number;
  /** Inventory releases a lapsed hold itself only this long after it lapsed (booking goes first). */
  holdGraceSeconds: number;
  /** How often inventory rebuilds its counters from the ledger and reports drift. */
  reconcileIntervalMs: number;
  /** Inventory's base URL for internal operations (booking → inventory). */
  inventoryUrl: string;
  /** Deadline of one booking → inventory call; past it the call is aborted and its hold given back. */
  inventoryTimeoutMs: number;
  /** Tax added to the base price, in basis points (2300 = 23 %). */
  taxRateBps: number;
  /** How long seats offered to a waitlist entry stay held for it before the offer passes on. */
  waitlistOfferTtlSeconds: number;
}

export { DEFAULT_PORTS } from "./services";

export interface LoadOptions {
  /**
   * A service started on its own must be given its secrets and its database; the all-in-one
   * launcher generates secrets and may use the embedded database instead.
   */
  standalone: boolean;
}

/**
 * Every variable a subgraph reads, all ports included (so each process agrees on where the
 * others are). The launcher parses these once for the four subgraphs.
 */
export const subgraphEnv = {
  HOST: host,
  ...portsEnv,
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(DEFAULT_POOL_MAX),
  REDIS_URL: redisUrl.optional(),
  REDIS_PREFIX: redisPrefix,
  KAFKA_BROKERS: kafkaBrokers.optional(),
  KAFKA_PREFIX: kafkaPrefix,
  LOG_LEVEL: logLevel,
  HOLD_TTL_SECONDS: holdTtlSeconds,
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(1_000),
  HOLD_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
  /** Default: inventory on this machine's INVENTORY_PORT (lib/core/services.ts). */
  INVENTORY_INTERNAL_URL: httpUrl.optional(),
  INVENTORY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  TAX_RATE_BPS: z.coerce.number().int().min(0).max(10_000).default(0),
  WAITLIST_OFFER_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  NOTIFICATION_SENDER: z.enum(["log", "smtp"]).default("log"),
  SMTP_URL: smtpUrl.optional(),
  SMTP_FROM: z.string().min(3).max(200).default("Booking Platform <no-reply@localhost>"),
  PAYMENT_WEBHOOK_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  PAYMENT_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3_600).default(300),
  PAYMENT_PROVIDER: z.enum(["simulated"]).default("simulated"),
  PAYMENT_SIMULATOR_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(100),
  PAYMENT_WEBHOOK_URL: httpUrl.optional(),
  ...authEnv,
};

export type SubgraphEnv = z.infer<z.ZodObject<typeof subgraphEnv>>;

const subgraphSchema = z.object(subgraphEnv);

export function loadSubgraphConfig(name: SubgraphName, env: Env, options: LoadOptions): SubgraphConfig {
  return subgraphConfigFrom(name, parseEnv(subgraphSchema, env), options);
}

/** What a subgraph still needs once its variables parsed (secrets, its database), in the operator's words. */
export function subgraphProblems(name: SubgraphName, parsed: SubgraphEnv, options: LoadOptions): string[] {
  const missing = missingSecrets(parsed);
  if (name === "payment" && !parsed.PAYMENT_WEBHOOK_SECRET) {
    missing.push(
      `PAYMENT_WEBHOOK_SECRET: required by the payment subgraph (≥ 32 characters; signs the payment provider's webhooks); create one with: ${secretCommand("PAYMENT_WEBHOOK_SECRET")}`,
    );
  }
  if (parsed.NOTIFICATION_SENDER === "smtp" && !parsed.SMTP_URL) {
    missing.push("SMTP_URL: required when NOTIFICATION_SENDER=smtp (smtp://user:pass@host:587)");
  }
  if (options.standalone && !parsed.DATABASE_URL) {
    missing.push(
      "DATABASE_URL: required when the service runs on its own (postgres://user@host:5432/db, migrated with npm run db:migrate); `npm start` runs every service in one process on an embedded database instead",
    );
  }
  return missing;
}

/** One subgraph's configuration from the variables parsed with `subgraphEnv`. */
export function subgraphConfigFrom(name: SubgraphName, parsed: SubgraphEnv, options: LoadOptions): SubgraphConfig {
  const missing = subgraphProblems(name, parsed, options);
  if (missing.length) throw new ConfigError(missing, secretsHint(missing));
  const ports = portsFrom(parsed);
  return {
    host: parsed.HOST,
    port: ports[name],
    databaseUrl: parsed.DATABASE_URL,
    databasePoolMax: parsed.DATABASE_POOL_MAX,
    redisUrl: parsed.REDIS_URL,
    redisPrefix: parsed.REDIS_PREFIX,
    kafkaBrokers: parsed.KAFKA_BROKERS,
    kafkaPrefix: parsed.KAFKA_PREFIX,
    logLevel: parsed.LOG_LEVEL,
    auth: authConfigFrom(parsed),
    reservations: {
      holdTtlSeconds: parsed.HOLD_TTL_SECONDS,
      sweepIntervalMs: parsed.SWEEP_INTERVAL_MS,
      holdGraceSeconds: parsed.HOLD_GRACE_SECONDS,
      reconcileIntervalMs: parsed.RECONCILE_INTERVAL_MS,
      inventoryUrl: inventoryInternalUrl(parsed.INVENTORY_INTERNAL_URL, parsed.HOST, ports),
      inventoryTimeoutMs: parsed.INVENTORY_TIMEOUT_MS,
      taxRateBps: parsed.TAX_RATE_BPS,
      waitlistOfferTtlSeconds: parsed.WAITLIST_OFFER_TTL_SECONDS,
    },
    payments: {
      // Only the payment subgraph needs it (checked above); the others never read it.
      webhookSecret: parsed.PAYMENT_WEBHOOK_SECRET ?? "",
      webhookToleranceSeconds: parsed.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
      provider: parsed.PAYMENT_PROVIDER,
      simulatorDelayMs: parsed.PAYMENT_SIMULATOR_DELAY_MS,
      webhookUrl: parsed.PAYMENT_WEBHOOK_URL,
    },
    notifications: {
      sender: parsed.NOTIFICATION_SENDER,
      smtpUrl: parsed.SMTP_URL,
      smtpFrom: parsed.SMTP_FROM,
    },
  };
}

/** The outbox relay run on its own (`npm run start:relay`). */
export interface RelayConfig {
  host: string;
  port: number;
  databaseUrl: string;
  kafkaBrokers: string[];
  kafkaPrefix: string;
  /** Where the live streams of subscriptions are (absent: the relay pushes no live updates). */
  redisUrl?: string;
  redisPrefix: string;
  logLevel: LogLevel;
}

const relaySchema = z.object({
  HOST: host,
  ...portsEnv,
  DATABASE_URL: postgresUrl.optional(),
  KAFKA_BROKERS: kafkaBrokers.optional(),
  KAFKA_PREFIX: kafkaPrefix,
  REDIS_URL: redisUrl.optional(),
  REDIS_PREFIX: redisPrefix,
  LOG_LEVEL: logLevel,
});

export function loadRelayConfig(env: Env): RelayConfig {
  const parsed = parseEnv(relaySchema, env);
  const missing: string[] = [];
  if (!parsed.DATABASE_URL) {
    missing.push("DATABASE_URL: required; the relay publishes the outboxes of this PostgreSQL database");
  }
  if (!parsed.KAFKA_BROKERS) {
    missing.push(
      "KAFKA_BROKERS: required (host:port[,host:port]); services run on their own exchange events only through Kafka (`npm start` alone publishes in-process)",
    );
  }
  if (missing.length) throw new ConfigError(missing);
  return {
    host: parsed.HOST,
    port: portsFrom(parsed).relay,
    databaseUrl: parsed.DATABASE_URL!,
    kafkaBrokers: parsed.KAFKA_BROKERS!,
    kafkaPrefix: parsed.KAFKA_PREFIX,
    redisUrl: parsed.REDIS_URL,
    redisPrefix: parsed.REDIS_PREFIX,
    logLevel: parsed.LOG_LEVEL,
  };
}

/** Printed under missing secrets: they only work when every process has the same values. */
export const secretsHint = (problems: string[]) =>
  problems.some((p) => /^\w+_SECRET:/.test(p))
    ? "Every process of the platform needs the same secrets: export them once in the shell (or the deployment's secret store) that starts them all."
    : undefined;

interface ParsedAuth {
  JWT_SECRET?: string;
  JWKS_URL?: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  SERVICE_SECRET?: string;
  JWT_MAX_LIFETIME_SECONDS: number;
}

/** Secrets are never defaulted: the all-in-one launcher generates them and passes them in. */
export function missingSecrets(parsed: ParsedAuth): string[] {
  const missing: string[] = [];
  if (!parsed.SERVICE_SECRET) {
    missing.push(
      `SERVICE_SECRET: required (≥ 32 characters, shared by the gateway and every subgraph); create one with: ${secretCommand("SERVICE_SECRET")}`,
    );
  }
  if (!parsed.JWT_SECRET && !parsed.JWKS_URL) {
    missing.push(
      `JWT_SECRET: required unless JWKS_URL is set (≥ 32 characters; verifies user tokens, npm run token signs with it); create one with: ${secretCommand("JWT_SECRET")}`,
    );
  }
  return missing;
}

export function authConfigFrom(parsed: ParsedAuth): AuthConfig {
  return {
    jwtSecret: parsed.JWT_SECRET,
    jwksUrl: parsed.JWKS_URL,
    issuer: parsed.JWT_ISSUER,
    audience: parsed.JWT_AUDIENCE,
    serviceSecret: parsed.SERVICE_SECRET!,
    maxLifetimeSeconds: parsed.JWT_MAX_LIFETIME_SECONDS,
  };
}

export const randomSecret = () => randomBytes(32).toString("base64url");
