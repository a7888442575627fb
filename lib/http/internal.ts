import type { z } from "zod";
import { isServiceSecret, SERVICE_SECRET_HEADER } from "../core/auth";
import { Agent, request } from "undici";
import { DomainError, ERROR_CODES, isBackendUnavailable, type ErrorCode } from "../core/errors";
import type { InternalOperation } from "../contracts/holds";
import { HttpError, readBody, sendJson, type Handler, type Routes } from "./server";
import type { Logger } from "../observability/logger";
import { injectTraceHeaders, SpanKind, withChildSpan } from "../observability/tracing";

/**
 * Service-to-service operations that are not part of the public API (README: Architecture in brief):
 * plain JSON over HTTP on the owning service, callable only with the service secret.
 */
const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INSUFFICIENT_STOCK: 409,
  MAX_PER_USER_EXCEEDED: 409,
  SERVICE_UNAVAILABLE: 503,
};

export interface InternalError {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function internalRoute<T>(options: {
  serviceSecret: string;
  input: z.ZodType<T>;
  logger: Logger;
  handle(input: T): Promise<unknown>;
}): Handler {
  return async (req, res) => {
    const secret = req.headers[SERVICE_SECRET_HEADER];
    if (!isServiceSecret(typeof secret === "string" ? secret : undefined, options.serviceSecret)) {
      sendJson(res, 401, { error: { code: "UNAUTHENTICATED", message: "Missing or invalid service credentials" } });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, 64 * 1024)).toString("utf8"));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, "Request body is not valid JSON");
    }
    const parsed = options.input.safeParse(body);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      sendJson(res, 400, { error: { code: "BAD_USER_INPUT", message } } satisfies InternalError);
      return;
    }
    try {
      sendJson(res, 200, await options.handle(parsed.data));
    } catch (error) {
      if (!(error instanceof DomainError) && isBackendUnavailable(error)) {
        options.logger.warn("internal operation failed: backend unavailable", { error });
        sendJson(res, 503, {
          error: { code: "SERVICE_UNAVAILABLE", message: "A backing service is unavailable, please retry shortly" },
        } satisfies InternalError);
        return;
      }
      if (!(error instanceof DomainError)) throw error;
      sendJson(res, STATUS[error.code] ?? 422, {
        error: { code: error.code, message: error.message, details: error.details },
      } satisfies InternalError);
    }
  };
}

/** The route of a contract's operation (lib/contracts): its request validated, its answer typed. */
export function operationRoute<I extends z.ZodType, O>(
  operation: InternalOperation<I, O>,
  options: { serviceSecret: string; logger: Logger; handle(input: z.output<I>): Promise<O> },
): Routes {
  return { [`POST ${operation.path}`]: internalRoute({ ...options, input: operation.input }) };
}

/**
 * One keep-alive connection pool per process for internal calls. undici's `request`, not
 * `fetch`: a loopback JSON call costs ~0.06 ms of CPU with `request` and ~0.21 ms with `fetch`
 * (client and server together; `npm run bench -- internal-call`), and every reservation,
 * payment and cancellation makes at least one.
 */
const dispatcher = new Agent({ connections: 64 });

/** Calls an internal operation; its domain errors come back as the same DomainError. */
export function callInternal<T>(url: string, serviceSecret: string, body: unknown, timeoutMs = 5_000): Promise<T> {
  return withChildSpan(`POST ${new URL(url).pathname}`, SpanKind.CLIENT, { "url.full": url }, () =>
    send<T>(url, serviceSecret, body, timeoutMs),
  );
}

/** Calls a contract's operation on the service at `baseUrl` (see `callInternal`). */
export function callOperation<I extends z.ZodType, O>(
  baseUrl: string,
  operation: InternalOperation<I, O>,
  serviceSecret: string,
  body: z.input<I>,
  timeoutMs?: number,
): Promise<O> {
  return callInternal<O>(`${baseUrl}${operation.path}`, serviceSecret, body, timeoutMs);
}

async function send<T>(url: string, serviceSecret: string, body: unknown, timeoutMs: number): Promise<T> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    [SERVICE_SECRET_HEADER]: serviceSecret,
  };
  injectTraceHeaders((name, value) => (headers[name] = value));
  let status: number;
  let payload: (T & Partial<InternalError>) | null;
  // A deadline cleared when the call is done, not AbortSignal.timeout(): that one's timer fires
  // after every call, answered or not, and builds a DOMException with a stack each time
  // (`npm run bench -- internal-call` shows the difference).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    const response = await request(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      dispatcher,
      signal: deadline.signal,
    });
    status = response.statusCode;
    payload = (await response.body.json().catch(() => null)) as typeof payload;
  } catch {
    throw new DomainError("SERVICE_UNAVAILABLE", "A backing service is unavailable, please retry shortly");
  } finally {
    clearTimeout(timer);
  }
  if (status >= 200 && status < 300 && payload) return payload;
  const error = payload?.error;
  if (error && (ERROR_CODES as readonly string[]).includes(error.code) && error.code !== "UNAUTHENTICATED") {
    throw new DomainError(error.code, error.message, error.details ?? {});
  }
  // A rejected service secret or an unexpected answer is our fault, not the caller's.
  throw new Error(`internal call to ${url} failed with status ${status}`);
}
