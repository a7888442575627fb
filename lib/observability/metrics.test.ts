import { request } from "node:http";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpServer, type RunningServer } from "../http/server";
import { createLogger } from "./logger";
import { createMetricsRegistry, metricsRoutes, observeHttpServer } from "./metrics";

describe("HTTP server metrics (http_requests_total, http_request_duration_seconds)", () => {
  const registry = new Registry();
  let server: RunningServer;
  let releaseHung = () => {};
  let hungArrived = () => {};
  beforeAll(async () => {
    server = await startHttpServer({
      host: "127.0.0.1",
      port: 0,
      logger: createLogger("silent"),
      routes: {
        "GET /things": async (_req, res) => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          res.end("ok");
        },
        "GET /boom": async () => {
          throw new Error("boom");
        },
        "GET /stream": async (_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write("data: 1\n\n");
          setTimeout(() => res.end(), 50);
        },
        "GET /hung": async () => {
          hungArrived();
          await new Promise<void>((resolve) => (releaseHung = resolve));
        },
      },
    });
    observeHttpServer(server.server, registry);
  });
  afterAll(() => server?.close(100));

  const samples = async (name: string) =>
    (await registry.getSingleMetric(name)!.get()).values.map((v) => ({
      labels: v.labels,
      value: v.value,
      metricName: (v as { metricName?: string }).metricName,
    }));

  it("counts each request by method, route and status, never by the raw URL", async () => {
    await fetch(`${server.url}/things`);
    await fetch(`${server.url}/things?token=secret-value`);
    await fetch(`${server.url}/things`, { method: "POST" }); // 405: a known route
    await fetch(`${server.url}/boom`);
    for (let i = 0; i < 5; i++) await fetch(`${server.url}/user/${i}/secret-${i}`);
    await fetch(`${server.url}/things`, { method: "PROPFIND" });
    const counts = Object.fromEntries(
      (await samples("http_requests_total")).map((s) => [
        `${s.labels.method} ${s.labels.route} ${s.labels.status_code}`,
        s.value,
      ]),
    );
    expect(counts).toEqual({
      "GET /things 200": 2,
      "POST /things 405": 1,
      "GET /boom 500": 1,
      "GET other 404": 5,
      "other /things 405": 1,
    });
    const text = await registry.metrics();
    expect(text).not.toContain("secret");
    // Timed from arrival: the 30 ms handler is not in the 25 ms bucket.
    const buckets = (await samples("http_request_duration_seconds")).filter(
      (s) => s.labels.route === "/things" && s.labels.method === "GET" && s.metricName?.endsWith("_bucket"),
    );
    expect(buckets.find((s) => s.labels.le === 0.025)!.value).toBe(0);
    expect(buckets.find((s) => s.labels.le === "+Inf")!.value).toBe(2);
  });

  it("counts event streams without timing them, and aborted requests as 'aborted'", async () => {
    const stream = await fetch(`${server.url}/stream`, { headers: { accept: "text/event-stream" } });
    await stream.text();
    // A client that gives up while the server is still working on its request.
    const arrived = new Promise<void>((resolve) => (hungArrived = resolve));
    const req = request(`${server.url}/hung`, () => {});
    req.on("error", () => {});
    req.end();
    await arrived;
    req.destroy();
    await expect
      .poll(async () =>
        (await samples("http_requests_total")).find(
          (s) => s.labels.route === "/hung" && s.labels.status_code === "aborted",
        ),
      )
      .toMatchObject({ value: 1 });
    releaseHung();
    expect((await samples("http_requests_total")).find((s) => s.labels.route === "/stream")).toMatchObject({
      labels: { method: "GET", status_code: "200" },
      value: 1,
    });
    expect((await samples("http_request_duration_seconds")).some((s) => s.labels.route === "/stream")).toBe(false);
  });
});
