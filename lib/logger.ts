import { pino, stdSerializers, type Logger as PinoLogger } from "pino";

/**
 * Structured JSON logs (pino), one object per line, so operators can ship them without parsing.
 * Errors are logged with their whole `cause` chain and the driver's fields (a PostgreSQL error's
 * `code`, `detail`, `constraint`…), which never reach clients. Secrets, tokens and e-mail
 * addresses are redacted, and so are query parameters of failed SQL statements.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const REDACTED_KEYS = [
  "authorization",
  "token",
  "password",
  "secret",
  "email",
  "guestEmail",
  "organizerEmail",
  "contactEmail",
  "paymentMethodToken",
];
const REDACT_PATHS = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`]);

/** A stack trace per distinct error at most once in this window; repeats log without it. */
const STACK_WINDOW_MS = 10_000;
const MAX_CAUSE_DEPTH = 5;

export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  const stackPrintedAt = new Map<string, number>();
  const serializeError = (error: Error, depth = 0): Record<string, unknown> => {
    const out = { ...stdSerializers.errWithCause(error) } as Record<string, unknown>;
    delete out.params; // drizzle's failed-query parameters: user data
    delete out.raw;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(cause, depth + 1);
    else delete out.cause;
    if (depth === 0 && typeof out.stack === "string") {
      const fingerprint = `${error.name}:${error.message}:${out.stack.split("\n", 2)[1] ?? ""}`;
      const last = stackPrintedAt.get(fingerprint) ?? 0;
      if (Date.now() - last < STACK_WINDOW_MS) {
        delete out.stack;
        out.stackSuppressed = true;
      } else {
        if (stackPrintedAt.size > 1_000) stackPrintedAt.clear();
        stackPrintedAt.set(fingerprint, Date.now());
      }
    } else if (depth > 0) {
      delete out.stack;
    }
    return out;
  };
  const root = pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    write ? { write: (line: string) => write(line.trimEnd()) } : pino.destination({ sync: true }),
  ).child(base);
  return wrap(root, serializeError);
}

function wrap(logger: PinoLogger, serializeError: (error: Error) => Record<string, unknown>): Logger {
  const fieldsOf = (fields: Record<string, unknown> = {}) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields))
      out[key] = value instanceof Error ? serializeError(value) : value;
    return out;
  };
  return {
    debug: (msg, fields) => logger.debug(fieldsOf(fields), msg),
    info: (msg, fields) => logger.info(fieldsOf(fields), msg),
    warn: (msg, fields) => logger.warn(fieldsOf(fields), msg),
    error: (msg, fields) => logger.error(fieldsOf(fields), msg),
    child: (fields) => wrap(logger.child(fieldsOf(fields)), serializeError),
  };
}
