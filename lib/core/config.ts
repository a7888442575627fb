import { z } from "zod";

/**
 * A problem the operator fixes (a missing variable, a busy port): entry points print its message
 * as it is, without a stack trace, and exit 1 (lib/process/main.ts).
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/** Thrown when the environment does not describe a runnable service; lists every problem at once. */
export class ConfigError extends StartupError {
  constructor(
    readonly problems: string[],
    /** A line printed under the list (what the problems have in common). */
    hint?: string,
  ) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}${hint ? `\n${hint}` : ""}`);
    this.name = "ConfigError";
  }
}

/** How to make a shared secret, in the words of the README (every process must get the same value). */
export const secretCommand = (name: string) => `export ${name}=$(openssl rand -hex 32)`;

export type Env = Record<string, string | undefined>;

/**
 * Parses `env` with a zod object whose keys are the environment variable names, so every
 * error message names the variable to fix. Empty strings count as unset.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`),
  );
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const booleanFlag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

const urlWithProtocols = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}` },
  );

export const postgresUrl = urlWithProtocols(["postgres:", "postgresql:"]);
export const redisUrl = urlWithProtocols(["redis:", "rediss:"]);
export const httpUrl = urlWithProtocols(["http:", "https:"]);
export const smtpUrl = urlWithProtocols(["smtp:", "smtps:"]);

/** `host:port[,host:port...]` */
export const kafkaBrokers = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0 && list.every((b) => /^[\w.-]+:\d{1,5}$/.test(b)), {
    message: "must be a comma-separated list of host:port",
  });

export const host = z.string().default("127.0.0.1");

/** Namespace of every Redis key and channel a deployment uses (several environments can share a Redis). */
export const redisPrefix = z
  .string()
  .regex(/^[\w.-]{1,40}$/, "must be 1–40 letters, digits, '.', '_' or '-'")
  .default("bp");

/**
 * Prefix of Kafka topics and consumer groups. A separator is added when it does not end with one:
 * `KAFKA_PREFIX=staging` gives `staging.booking.events` (`staging-` and `staging_` are kept as they are).
 */
export const kafkaPrefix = z
  .string()
  .regex(/^[\w.-]{0,60}$/, "must be letters, digits, '.', '_' or '-'")
  .default("")
  .transform((value) => (value === "" || /[._-]$/.test(value) ? value : `${value}.`));

/** How long an unpaid hold lasts (booking) and how long an IP's held seats count (gateway). */
export const holdTtlSeconds = z.coerce.number().int().min(10).max(86_400).default(600);

export const logLevel = z.enum(["debug", "info", "warn", "error", "silent"]).default("info");

/**
 * Auth settings every service shares. Either an HS256 secret or a JWKS URL verifies user
 * tokens; the service secret authenticates the gateway (and services) to subgraphs.
 */
export const authEnv = {
  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  JWKS_URL: httpUrl.optional(),
  JWT_ISSUER: z.string().default("booking-platform"),
  JWT_AUDIENCE: z.string().default("booking-api"),
  SERVICE_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** Longest lifetime (exp − iat, or exp − now without iat) a user token may have. */
  JWT_MAX_LIFETIME_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
};

export interface AuthConfig {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  serviceSecret: string;
  /** Tokens must carry `exp`, at most this many seconds after they were issued. */
  maxLifetimeSeconds: number;
}

/**
 * What an operator command needs from the environment, said before anything runs, e.g.
 * `npm run db:migrate needs DATABASE_URL (...)`, with a note on what to do without it.
 */
export function requireVariables(command: string, env: Env, needs: Record<string, string>, note?: string): void {
  const missing = Object.entries(needs).filter(([name]) => !env[name]);
  if (!missing.length) return;
  throw new StartupError(
    [
      `${command} needs ${missing.map(([name]) => name).join(" and ")}:`,
      ...missing.map(([name, what]) => `  ${name}: ${what}`),
      ...(note ? [note] : []),
    ].join("\n"),
  );
}
