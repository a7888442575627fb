import http from "node:http";
import type { AddressInfo } from "node:net";
import { context, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import {
  configureTracing,
  currentTraceparent,
  SpanKind,
  tracesEndpoint,
  tracingEnabled,
  withChildSpan,
  withServiceSpan,
  type TracingHandle,
} from "./tracing";

describe("tracing configuration", () => {
  it("is on only with an OTLP endpoint, and the standard switches turn it off", () => {
    expect(tracesEndpoint({})).toBeNull();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toBe(
      "http://collector:4318/v1/traces",
    );
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://other:4318/custom",
      }),
    ).toBe("http://other:4318/custom");
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" })).toBeNull();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" })).toBeNull();
  });

  it("off: no context, no traceparent, and the helpers run the work as it is", async () => {
    expect(configureTracing({}, "gateway")).toBeNull();
    expect(tracingEnabled()).toBe(false);
    expect(currentTraceparent()).toBeNull();
    const result = await withServiceSpan("booking", "op", {}, async (span) => {
      expect(span).toBeNull();
      return withChildSpan("SELECT", SpanKind.CLIENT, {}, async () => trace.getActiveSpan());
    });
    expect(result).toBeUndefined();
  });
});

describe("tracing on", () => {
  let handle: TracingHandle | null = null;
  let server: http.Server | null = null;
  afterEach(async () => {
    await handle?.shutdown();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("exports the spans of each service under its own service.name, with the sampler's ratio", async () => {
    const bodies: {
      resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] } }[];
    }[] = [];
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        res.end("{}");
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    handle = configureTracing(
      { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test" },
      "gateway",
    );
    expect(handle).not.toBeNull();
    let parent = "";
    await withServiceSpan("booking", "POST /graphql", { kind: SpanKind.SERVER }, async () => {
      parent = currentTraceparent()!;
      await withChildSpan("SELECT", SpanKind.CLIENT, {}, async () => {
        expect(trace.getActiveSpan()).toBeDefined();
      });
    });
    expect(parent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // A child span outside any service span is not made (background work is not traced).
    await withChildSpan("SELECT", SpanKind.CLIENT, {}, async () => {
      expect(trace.getSpan(context.active())).toBeUndefined();
    });
    await handle!.shutdown();
    handle = null;
    const services = bodies.flatMap((b) =>
      b.resourceSpans.map((r) => Object.fromEntries(r.resource.attributes.map((a) => [a.key, a.value.stringValue]))),
    );
    expect(services).toContainEqual(
      expect.objectContaining({ "service.name": "booking", "deployment.environment": "test" }),
    );
    expect(tracingEnabled()).toBe(false);
  });
});
