import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { Logger } from "../observability/logger";

/** Every `extensions.code` a client may see (README: When things go wrong). */
export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "BAD_USER_INPUT",
  "INVALID_STATUS",
  "CONFLICT",
  "INSUFFICIENT_STOCK",
  "MAX_PER_USER_EXCEEDED",
  "WAITING_ROOM_REQUIRED",
  "RESERVATION_EXPIRED",
  "PAYMENT_FAILED",
  "RATE_LIMITED",
  "IDEMPOTENCY_KEY_REUSED",
  "SERVICE_UNAVAILABLE",
  "INTERNAL_SERVER_ERROR",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes graphql-js and Apollo Server produce for malformed requests; safe to show as they are. */
export const REQUEST_ERROR_CODES_LIST = [
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "PERSISTED_QUERY_NOT_LISTED",
  "OPERATION_RESOLUTION_FAILURE",
  /** The operation is deeper, wider or costlier than the gateway's limits (gateway/operation-limits.ts). */
  "OPERATION_TOO_COMPLEX",
] as const;
type RequestErrorCode = (typeof REQUEST_ERROR_CODES_LIST)[number];
const REQUEST_ERROR_CODES = new Set<string>(REQUEST_ERROR_CODES_LIST);
/** Internal errors are never passed through: their message may name hosts or SQL. */
const PUBLIC_CODES = new Set<string>(
  [...ERROR_CODES, ...REQUEST_ERROR_CODES].filter((code) => code !== "INTERNAL_SERVER_ERROR"),
);

/**
 * A DomainError is an expected outcome (sold out, not found…), not a bug: its stack is never
 * wanted, and building one is costly: graphql-js reads `stack` of every original error, and with
 * source maps on (tsx) V8 maps each frame. In a booking-subgraph profile of a sold-out burst,
 * formatting these stacks was ~4 % of the CPU. So none is captured: `Error.stackTraceLimit` is
 * 0 while `super` runs.
 */
let savedStackTraceLimit = Error.stackTraceLimit;
function withoutStack(message: string): string {
  savedStackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return message;
}

/**
 * An expected failure. Services throw it without knowing about GraphQL; the servers turn it
 * into `{ message, extensions: { code, ...details } }`.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(withoutStack(message));
    Error.stackTraceLimit = savedStackTraceLimit;
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);
export const forbidden = (message = "You are not allowed to do this") => new DomainError("FORBIDDEN", message);
export const unauthenticated = (message = "Authentication required") => new DomainError("UNAUTHENTICATED", message);
export const badInput = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError("BAD_USER_INPUT", message, details);

/** A GraphQLError thrown before execution (context creation), with an HTTP status. */
export function httpError(
  code: ErrorCode | RequestErrorCode,
  message: string,
  status: number,
  details: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { ...details, code, http: { status } } });
}

/**
 * The error a resolver threw. graphql-js wraps it in a GraphQLError, and wraps it twice when
 * two copies of graphql are loaded (ESM and CJS under some loaders), so unwrap the chain.
 */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    const next = current instanceof Error ? (current as { originalError?: unknown }).originalError : undefined;
    if (!next) break;
    current = next;
  }
  return current;
}

/**
 * PostgreSQL error classes that mean "the database cannot be reached or is going away" rather
 * than "this statement is wrong": 08 connection exception, 53 insufficient resources (too many
 * connections), 57P01–57P03 shutdown / cannot connect now.
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[123])/;
const UNAVAILABLE_SYSCALL = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND"]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended|connection is closed/i;

/**
 * True when `error` (or anything in its `cause` chain: drizzle wraps driver errors) says a
 * backend (PostgreSQL, or a socket to another service) was unreachable. Such failures are retryable for the caller (SERVICE_UNAVAILABLE),
 * never counted against an event's attempts, and never a bug to report as internal.
 */
export function isBackendUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === "string" && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_SYSCALL.has(e.code))) {
      return true;
    }
    if (typeof e.message === "string" && UNAVAILABLE_MESSAGE.test(e.message)) return true;
    current = e.cause;
  }
  return false;
}

const INTERNAL: GraphQLFormattedError = {
  message: "Internal server error",
  extensions: { code: "INTERNAL_SERVER_ERROR" },
};

const UNAVAILABLE: GraphQLFormattedError = {
  message: "A backing service is unavailable, please retry shortly",
  extensions: { code: "SERVICE_UNAVAILABLE" },
};

/**
 * Apollo `formatError`: domain errors become their code; errors graphql-js raises for bad
 * requests pass through; anything else is logged with context and masked, so SQL, stack
 * traces and hostnames never reach a client.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = rootCause(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { ...original.details, code: original.code },
      };
    }
    let code = formatted.extensions?.code;
    // Apollo Server's own request errors that carry a 4xx status but no code (an APQ hash that
    // does not match its query) are the client's: say so instead of masking them as internal.
    const status = (error as { extensions?: { http?: { status?: number } } })?.extensions?.http?.status;
    if ((code === undefined || code === "INTERNAL_SERVER_ERROR") && status && status >= 400 && status < 500) {
      code = "BAD_REQUEST";
      formatted = { ...formatted, extensions: { ...formatted.extensions, code } };
    }
    if (typeof code === "string" && PUBLIC_CODES.has(code)) {
      const {
        stacktrace: _stack,
        exception: _exception,
        serviceName: _service,
        ...extensions
      } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    if (isBackendUnavailable(original)) {
      logger.warn("backend unavailable", { error: original, path: formatted.path });
      return { ...UNAVAILABLE, path: formatted.path };
    }
    logger.error("unexpected error", { error: original, path: formatted.path, message: formatted.message });
    return { ...INTERNAL, path: formatted.path };
  };
}
