import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { newZone, RESERVE } from "../support/scenario";
import { eventually } from "../support/eventually";
import { subscribeWs, wsClient } from "../support/live";

/** A span as an OTLP/HTTP JSON export carries it, with its resource's service name. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: { traceId: string; spanId: string }[];
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP (JSON) trace receiver: what the test's collector would get. */
async function startReceiver() {
  const spans: ReceivedSpan[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests++;
      if (req.url === "/v1/traces" && String(req.headers["content-type"]).includes("json")) {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        for (const resourceSpans of body.resourceSpans ?? []) {
          const service = resourceSpans.resource.attributes.find((a: { key: string }) => a.key === "service.name")
            ?.value.stringValue;
          for (const scope of resourceSpans.scopeSpans ?? [])
            for (const span of scope.spans ?? []) spans.push({ service, ...span });
        }
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("tracing: one reservation is one trace from the gateway to the consumers", () => {
  let t: TestPlatform;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let traceId = "";
  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestPlatform({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "100" });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it("links the gateway, booking, inventory, the relay and the payment and notification consumers", async () => {
    const { zoneId, slotId } = await newZone(t, 10);
    // A live subscriber: its push must link to the reservation that caused it.
    const client = wsClient(t.platform.gatewayUrl);
    const live = subscribeWs(
      client,
      `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { available } }`,
      {
        slotId,
      },
    );
    await eventually(
      () => t.metrics(),
      (text) => /^gateway_subscriptions_active\{[^}]*\} 1$/m.test(text),
    );
    const token = await t.tokenFor(`traced-${randomUUID()}`, "GUEST", "traced@example.test");
    // The caller's own trace: every span of the reservation must continue it.
    traceId = randomBytes(16).toString("hex");
    const callerSpanId = randomBytes(8).toString("hex");
    const response = await fetch(t.platform.gatewayUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({
        query: RESERVE,
        variables: { input: { zoneId, quantity: 2, idempotencyKey: `key-${randomUUID()}` } },
      }),
    });
    const reserved = (await response.json()) as { data?: { reserveSeats: { id: string } }; errors?: unknown };
    expect(reserved.errors).toBeUndefined();

    const ofTrace = () => receiver.spans.filter((span) => span.traceId === traceId);
    const has = (spans: ReceivedSpan[], service: string, name: string | RegExp) =>
      spans.some((s) => s.service === service && (typeof name === "string" ? s.name === name : name.test(s.name)));
    // booking.reserved reaches the payment consumer (the payment intent), inventory and notification.
    const spans = await eventually(
      ofTrace,
      (list) =>
        has(list, "gateway", "POST /graphql") &&
        has(list, "payment", "process booking.reserved") &&
        has(list, "notification", "process booking.reserved") &&
        has(list, "inventory", "process booking.reserved"),
      30_000,
    );
    const names = spans.map((s) => `${s.service}: ${s.name}`);

    // Every service of the journey took part, in the caller's trace.
    expect(names).toEqual(
      expect.arrayContaining([
        "gateway: POST /graphql",
        "gateway: gateway.request",
        "gateway: gateway.plan",
        "gateway: gateway.fetch",
        "booking: POST /graphql",
        "inventory: POST /internal/holds",
        "relay: publish booking.reserved",
        "payment: process booking.reserved",
      ]),
    );
    // SQL statements are spans: the reservation is one `with … insert` statement.
    expect(has(spans, "booking", "WITH")).toBe(true);
    expect(has(spans, "booking", "POST /internal/holds")).toBe(true); // the outgoing internal call

    // Correct parent links: one root (the gateway's server span, under the caller's span), and
    // every other span's parent is a span of the same trace.
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const roots = spans.filter((s) => !s.parentSpanId || !byId.has(s.parentSpanId));
    expect(roots.map((s) => `${s.service}: ${s.name}`)).toEqual(["gateway: POST /graphql"]);
    expect(roots[0].parentSpanId).toBe(callerSpanId);
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId!)!;
    const one = (service: string, name: string) => spans.find((s) => s.service === service && s.name === name)!;

    // The booking subgraph continues the gateway's fetch; inventory continues booking's call.
    const bookingServer = spans.find(
      (s) => s.service === "booking" && s.name === "POST /graphql" && parentOf(s).name === "gateway.fetch",
    );
    expect(bookingServer).toBeDefined();
    const holdServer = one("inventory", "POST /internal/holds");
    expect(parentOf(holdServer)).toMatchObject({ service: "booking", name: "POST /internal/holds" });
    // The relay continues the operation that wrote the outbox row; the consumer continues the relay.
    const publish = one("relay", "publish booking.reserved");
    expect(["booking"]).toContain(parentOf(publish).service);
    // Each consumer continues the relay's span: reserve → booking.reserved → payment intent, seats
    // ledger, notification; their SQL statements are spans below them.
    for (const service of ["payment", "inventory", "notification"]) {
      expect(parentOf(one(service, "process booking.reserved"))).toBe(publish);
    }
    for (const service of ["payment", "notification"]) {
      const process = one(service, "process booking.reserved");
      expect(spans.some((s) => s.service === service && s.name === "INSERT" && isBelow(s, process, byId))).toBe(true);
    }

    // The availability push is a gateway span of its own, linked to the reservation's trace.
    await live.next((p) => p.availabilityChanged.available === 8, 5_000);
    const push = await eventually(
      () => receiver.spans.find((s) => s.service === "gateway" && s.name === "live availability"),
      (span) => span !== undefined,
    );
    live.close();
    await client.dispose();
    expect(push!.traceId).not.toBe(traceId);
    expect(push!.links?.map((link) => link.traceId)).toContain(traceId);
  }, 60_000);

  it("exports nothing for probes, and a request without traceparent starts its own trace", async () => {
    await fetch(t.platform.gatewayUrl.replace(/\/graphql$/, "/healthz"));
    const response = await t.query(`{ __typename }`);
    expect(response.status).toBe(200);
    const spans = await eventually(
      () => receiver.spans.filter((s) => s.traceId !== traceId),
      (list) => list.some((s) => s.service === "gateway" && s.name === "POST /graphql"),
    );
    expect(spans.some((s) => s.name.includes("/healthz"))).toBe(false);
    const server = spans.find((s) => s.service === "gateway" && s.name === "POST /graphql")!;
    expect(server.parentSpanId ?? "").toBe("");
  });
});

function isBelow(span: ReceivedSpan, ancestor: ReceivedSpan, byId: Map<string, ReceivedSpan>): boolean {
  for (let at: ReceivedSpan | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) {
    if (at.parentSpanId === ancestor.spanId) return true;
  }
  return false;
}
