import { createHash, timingSafeEqual } from "node:crypto";
import type { Server } from "node:http";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { sqlStatements } from "../storage/db";
import { sendError, type Handler, type Routes } from "../http/server";

/** One Prometheus registry per service, served at `GET /metrics`. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  let reported = 0;
  new Counter({
    name: "db_client_statements_total",
    help: "SQL statements this process sent to its database (all services in the process)",
    registers: [registry],
    collect() {
      this.inc(sqlStatements.count - reported);
      reported = sqlStatements.count;
    },
  });
  return registry;
}

/**
 * `GET /metrics`. With `access.token` (the gateway's METRICS_TOKEN, whose port is public) only
 * `Authorization: Bearer <token>` gets the metrics, anything else 401; without it the route is
 * open, which is for services bound to loopback (subgraphs, relay).
 */
export function metricsRoutes(registry: Registry, access: { token?: string } = {}): Routes {
  // Compared as SHA-256 digests: equal lengths for timingSafeEqual, no length leaked.
  const digest = (value: string) => createHash("sha256").update(value).digest();
  const expected = access.token ? digest(`Bearer ${access.token}`) : null;
  const handler: Handler = async (req, res) => {
    if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ""), expected)) {
      res.setHeader("www-authenticate", 'Bearer realm="metrics"');
      return sendError(res, 401, "Metrics need Authorization: Bearer <METRICS_TOKEN>", "UNAUTHENTICATED");
    }
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType });
    res.end(body);
  };
  return { "GET /metrics": handler };
}

/** Seconds buckets of `http_request_duration_seconds` (prom-client's defaults, 5 ms to 10 s). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Most distinct `route` labels one server reports; further paths are counted as "other". */
const MAX_ROUTES = 50;

const httpMetrics = new WeakMap<
  Registry,
  { requests: Counter<"method" | "route" | "status_code">; duration: Histogram<"method" | "route" | "status_code"> }
>();

function httpMetricsFor(registry: Registry) {
  let metrics = httpMetrics.get(registry);
  if (!metrics) {
    metrics = {
      requests: new Counter({
        name: "http_requests_total",
        help: "HTTP requests this server answered, by method, route (the served path; 'other' when it was not found) and status code ('aborted': the connection closed before an answer)",
        labelNames: ["method", "route", "status_code"],
        registers: [registry],
      }),
      duration: new Histogram({
        name: "http_request_duration_seconds",
        help: "Time from a request's arrival to the end of its answer (event streams are counted but not timed)",
        labelNames: ["method", "route", "status_code"],
        buckets: HTTP_BUCKETS,
        registers: [registry],
      }),
    };
    httpMetrics.set(registry, metrics);
  }
  return metrics;
}

/**
 * Seed 003 §8.2 `http_requests_total` and `http_request_duration_seconds` for every request
 * `server` answers (a `lib/http` server: it answers 404 to every path outside its route table,
 * so a path answered otherwise is a known route; 404s are labelled "other", never the raw URL).
 * Event streams (SSE subscriptions) are counted, not timed: they last as long as the subscriber.
 * WebSocket upgrades are not requests and are not counted.
 */
export function observeHttpServer(server: Server, registry: Registry): void {
  const metrics = httpMetricsFor(registry);
  const routes = new Set<string>();
  const routeOf = (url: string | undefined, status: number): string => {
    if (status === 404) return "other";
    const path = (url ?? "/").split("?")[0];
    if (routes.has(path)) return path;
    if (routes.size >= MAX_ROUTES || path.length > 100) return "other";
    routes.add(path);
    return path;
  };
  // First listener: the clock starts before the server's own handler runs.
  server.prependListener("request", (req, res) => {
    const started = process.hrtime.bigint();
    res.once("close", () => {
      const labels = {
        method: HTTP_METHODS.has(req.method ?? "") ? req.method! : "other",
        route: routeOf(req.url, res.statusCode),
        status_code: res.headersSent ? String(res.statusCode) : "aborted",
      };
      metrics.requests.inc(labels);
      // An event stream (what the gateway serves a request accepting one) lasts as long as its subscriber.
      const type = res.getHeader("content-type");
      if (req.headers.accept?.includes("text/event-stream") || String(type).startsWith("text/event-stream")) return;
      metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}
