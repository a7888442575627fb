import { collectDefaultMetrics, Registry } from "prom-client";
import type { Routes } from "./http";

/** One Prometheus registry per service, served at `GET /metrics`. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function metricsRoutes(registry: Registry): Routes {
  return {
    "GET /metrics": async (_req, res) => {
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(body);
    },
  };
}
