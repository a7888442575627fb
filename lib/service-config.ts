import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  authEnv,
  ConfigError,
  httpUrl,
  kafkaBrokers,
  logLevel,
  parseEnv,
  port,
  postgresUrl,
  redisUrl,
  smtpUrl,
  type AuthConfig,
  type Env,
} from "./config";
import { DEFAULT_POOL_MAX } from "./db";
import type { LogLevel } from "./logger";

/** Configuration shared by the four subgraphs; each reads its own port variable. */
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
}

export const DEFAULT_PORTS = {
  gateway: 4000,
  booking: 4001,
  inventory: 4002,
  payment: 4003,
  notification: 4004,
} as const;

export interface LoadOptions {
  /**
   * A service started on its own must be given its secrets and its database; the all-in-one
   * launcher generates secrets and may use the embedded database instead.
   */
  standalone: boolean;
}

const backendEnv = {
  HOST: z.string().default("127.0.0.1"),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(DEFAULT_POOL_MAX),
  REDIS_URL: redisUrl.optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,40}$/, "must be 1–40 letters, digits, '.', '_' or '-'")
    .default("bp"),
  KAFKA_BROKERS: kafkaBrokers.optional(),
  KAFKA_PREFIX: z
    .string()
    .regex(/^[\w.-]{0,60}$/, "must be letters, digits, '.', '_' or '-'")
    .default(""),
  LOG_LEVEL: logLevel,
  HOLD_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(1_000),
  HOLD_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
  INVENTORY_INTERNAL_URL: httpUrl.default(`http://127.0.0.1:${DEFAULT_PORTS.inventory}`),
  INVENTORY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  TAX_RATE_BPS: z.coerce.number().int().min(0).max(10_000).default(0),
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

export function loadSubgraphConfig(name: keyof typeof DEFAULT_PORTS, env: Env, options: LoadOptions): SubgraphConfig {
  const portVar = `${name.toUpperCase()}_PORT`;
  const parsed = parseEnv(z.object({ ...backendEnv, [portVar]: port(DEFAULT_PORTS[name]) }), env) as z.infer<
    z.ZodObject<typeof backendEnv>
  > &
    Record<string, number>;
  const missing = missingSecrets(parsed);
  if (name === "payment" && !parsed.PAYMENT_WEBHOOK_SECRET) {
    missing.push(
      "PAYMENT_WEBHOOK_SECRET: required by the payment subgraph (≥ 32 characters, shared with the provider)",
    );
  }
  if (parsed.NOTIFICATION_SENDER === "smtp" && !parsed.SMTP_URL) {
    missing.push("SMTP_URL: required when NOTIFICATION_SENDER=smtp (smtp://user:pass@host:587)");
  }
  if (options.standalone && !parsed.DATABASE_URL) {
    missing.push("DATABASE_URL: required when the service runs on its own");
  }
  if (missing.length) throw new ConfigError(missing);
  return {
    host: parsed.HOST,
    port: parsed[portVar],
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
      inventoryUrl: parsed.INVENTORY_INTERNAL_URL.replace(/\/$/, ""),
      inventoryTimeoutMs: parsed.INVENTORY_TIMEOUT_MS,
      taxRateBps: parsed.TAX_RATE_BPS,
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
  if (!parsed.SERVICE_SECRET) missing.push("SERVICE_SECRET: required (shared by the gateway and every subgraph)");
  if (!parsed.JWT_SECRET && !parsed.JWKS_URL) missing.push("JWT_SECRET: required unless JWKS_URL is set");
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
