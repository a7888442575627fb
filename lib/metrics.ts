import { createHash, timingSafeEqual } from "node:crypto";
import { collectDefaultMetrics, Counter, Registry } from "prom-client";
import { sqlStatements } from "./db";
import { sendError, type Routes } from "./http";

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
  return {
    "GET /metrics": async (req, res) => {
      if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ""), expected)) {
        res.setHeader("www-authenticate", 'Bearer realm="metrics"');
        return sendError(res, 401, "Metrics need Authorization: Bearer <METRICS_TOKEN>", "UNAUTHENTICATED");
      }
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(body);
    },
  };
}
