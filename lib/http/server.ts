import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo, Socket } from "node:net";
import { HeaderMap, type ApolloServer, type BaseContext } from "@apollo/server";
import { withLogFields, type Logger } from "../observability/logger";
import { contextFrom, SpanKind, tracingEnabled, withServiceSpan } from "../observability/tracing";

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
export type Routes = Record<string, Handler>;

/** A dependency check for `/readyz`: resolves when the dependency answers. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  /**
   * Stops accepting connections, lets requests in flight finish (up to `graceMs`, default
   * SHUTDOWN_GRACE_MS), then closes every connection that is left.
   */
  close(graceMs?: number): Promise<void>;
}

/** How long a stopping server waits for requests in flight. */
const SHUTDOWN_GRACE_MS = 10_000;
/** How long a stopping server under traffic keeps accepting while it tells clients to reconnect. */
const DRAIN_MS = 2_000;

const MAX_BODY_BYTES = 1024 * 1024;

/** Probes and scrapes: never traced. */
const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = "BAD_REQUEST",
    /** More extensions for the client (e.g. the `field` a BAD_USER_INPUT names). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * A transport-level refusal in the shape GraphQL clients read (GraphQL over HTTP): `errors[]`
 * with a message and a code, whatever route it came from.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  code = "BAD_REQUEST",
  details: Record<string, unknown> = {},
): void {
  // A body refused half-way (413) is still arriving: close the connection rather than leave the
  // rest of it to be parsed as the next request.
  if (status === 413) res.setHeader("connection", "close");
  sendJson(res, status, { errors: [{ message, extensions: { ...details, code } }] });
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "Request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function requestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}

/** `/healthz` says the process is alive; `/readyz` runs every check and lists the failures by name. */
export function healthRoutes(checks: ReadinessChecks, logger: Logger): Routes {
  return {
    "GET /healthz": async (_req, res) => sendJson(res, 200, { status: "ok" }),
    "GET /readyz": async (_req, res) => {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await withTimeout(check(), 2_000);
            return [name, "ok"] as const;
          } catch (error) {
            logger.warn("readiness check failed", { check: name, error });
            return [name, "unavailable"] as const;
          }
        }),
      );
      const ready = results.every(([, state]) => state === "ok");
      sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", checks: Object.fromEntries(results) });
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Runs Apollo Server on a plain node:http request (the documented way to write an
 * integration: `executeHTTPGraphQLRequest`), so services need no web framework.
 */
export function graphqlHandler<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  buildContext: (req: IncomingMessage) => Promise<TContext>,
  /** Looks at the request before Apollo parses and validates it; throw HttpError to refuse it. */
  inspect?: (request: { method: string; search: URLSearchParams; body: unknown }) => void,
): Handler {
  return async (req, res) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    let body: unknown = undefined;
    if (req.method === "POST") {
      const raw = await readBody(req);
      const type = headers.get("content-type") ?? "";
      if (type.includes("application/json")) {
        try {
          body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
        } catch {
          throw new HttpError(400, "Request body is not valid JSON");
        }
      } else {
        body = raw.toString("utf8");
      }
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    inspect?.({ method: req.method ?? "GET", search: url.searchParams, body });
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
      context: () => buildContext(req),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/** Starts an HTTP server that dispatches on `METHOD /path`; unknown routes get 404. */
export async function startHttpServer(options: {
  host: string;
  port: number;
  routes: Routes;
  logger: Logger;
  /** Sets headers every answer of this server carries (security headers), 404 and 405 included. */
  headers?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The service this server belongs to: with tracing on, each request is a span of it. */
  service?: string;
}): Promise<RunningServer> {
  const { routes, logger } = options;
  let inFlight = 0;
  let drained: (() => void) | null = null;
  let shuttingDown = false;
  /** Open connections, and whether each has told its client it closes (`Connection: close`). */
  const connections = new Map<Socket, boolean>();
  let settled: (() => void) | null = null;
  const server = http.createServer((req, res) => {
    inFlight++;
    options.headers?.(req, res);
    if (shuttingDown) {
      res.setHeader("connection", "close");
      connections.set(req.socket, true);
      if ([...connections.values()].every(Boolean)) settled?.();
    }
    res.once("close", () => {
      if (--inFlight === 0) drained?.();
    });
    const path = (req.url ?? "/").split("?")[0];
    const handler = routes[`${req.method} ${path}`];
    if (!handler) {
      const allowed = Object.keys(routes).some((key) => key.endsWith(` ${path}`));
      if (allowed) sendError(res, 405, "Method not allowed");
      else sendError(res, 404, "Not found", "NOT_FOUND");
      return;
    }
    // The request's id: the caller's, or a new one, which the handlers read back from the header.
    // With tracing on, every line logged while the request is handled carries it (a log scope).
    // Off, there is no scope: an AsyncLocalStorage in use makes every `await` of the process about
    // 3x dearer on Node 20 (0.12 → 0.38 µs, /tmp micro-benchmark of 1M awaits), which tracing off
    // must not cost; handlers then log the id themselves (`requestId` of their context's logger).
    const id = requestId(req);
    req.headers["x-request-id"] = id;
    const scoped = tracingEnabled() ? withLogFields : <T>(_fields: unknown, fn: () => T) => fn();
    const handled = scoped({ requestId: id }, () =>
      options.service && tracingEnabled() && !UNTRACED_PATHS.has(path)
        ? withServiceSpan(
            options.service,
            `${req.method} ${path}`,
            {
              parent: contextFrom(req.headers),
              kind: SpanKind.SERVER,
              attributes: { "http.request.method": req.method ?? "GET", "url.path": path, "http.route": path },
            },
            async (span) => {
              try {
                await handler(req, res);
              } finally {
                span?.setAttribute("http.response.status_code", res.statusCode);
              }
            },
          )
        : handler(req, res),
    );
    handled.catch((error: unknown) => {
      if (error instanceof HttpError) {
        if (!res.headersSent) sendError(res, error.status, error.message, error.code, error.details);
        return;
      }
      logger.error("request failed", { error, path, requestId: id });
      if (!res.headersSent) sendError(res, 500, "Internal server error", "INTERNAL_SERVER_ERROR");
      else res.end();
    });
  });
  server.on("connection", (socket) => {
    connections.set(socket, false);
    socket.once("close", () => {
      connections.delete(socket);
      if (shuttingDown && [...connections.values()].every(Boolean)) settled?.();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE" && error.code !== "EACCES") return reject(error);
      // A clear message with the port; launchers name the variable that sets it (lib/core/services.ts).
      const problem = error.code === "EADDRINUSE" ? "is in use" : "is not allowed for this user";
      reject(
        Object.assign(new Error(`port ${options.port} on ${options.host} ${problem}`, { cause: error }), {
          code: error.code,
          port: options.port,
          host: options.host,
        }),
      );
    });
    // A flash sale opens thousands of connections at once; Node's default accept queue (511)
    // overflows and the kernel resets connections. The kernel caps this at net.core.somaxconn.
    server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: async (graceMs = SHUTDOWN_GRACE_MS) => {
      shuttingDown = true;
      // Under traffic, first tell clients: every response from now on says `Connection: close`,
      // and listening goes on until each open connection has carried one (at most DRAIN_MS).
      // Closing a keep-alive socket a busy client is just writing its next request to would fail
      // that request; a client told to close opens a new connection instead.
      if (inFlight > 0 && ![...connections.values()].every(Boolean)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, DRAIN_MS);
          settled = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (inFlight > 0) logger.warn("closing with requests still in flight", { inFlight });
      }
      // Keep-alive connections between requests (and upgraded sockets) end here.
      server.closeAllConnections();
      await closed;
    },
  };
}
