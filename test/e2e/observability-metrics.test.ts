import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { baseMetricName, metricNamesIn, seriesNamesIn } from "../support/promql";
import { newZone } from "../support/scenario";

const root = path.resolve(import.meta.dirname, "../..");

const VENUES = `query ObsVenues { venues(first: 5) { id name } }`;
const RESERVE = `mutation ObsReserve($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id status } }`;
const PAY = `mutation ObsPay($input: PayBookingInput!) { payBooking(input: $input) { id status } }`;
const STATUS = `query ObsBooking($id: ID!) { booking(id: $id) { status } }`;

/** The value of the sample of `name` whose labels include `labels` (undefined: no such sample). */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** Every PromQL expression of a dashboard's panels (rows' nested panels included). */
function dashboardExpressions(dashboard: { panels?: unknown[] }): string[] {
  const exprs: string[] = [];
  const visit = (panels: any[] = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) exprs.push(target.expr);
      visit(panel.panels);
    }
  };
  visit(dashboard.panels as any[]);
  return exprs;
}

/**
 * Issue 18, metrics: seed 003 §8.2 names on every service, the gateway's per-operation metrics,
 * and the committed Grafana dashboard querying only metrics the services serve.
 */
describe("metrics and the flash-sale dashboard after a journey", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ PAYMENT_SIMULATOR_DELAY_MS: "50" });
  });
  afterAll(() => t?.close());

  const open = async (url: string) => (await fetch(`${url}/metrics`)).text();
  /** Every service's /metrics: the gateway (with its token), the subgraphs and the relay. */
  const everyService = async () => ({
    gateway: await t.metrics(),
    booking: await open(t.platform.subgraphs.booking.url),
    inventory: await open(t.platform.subgraphs.inventory.url),
    payment: await open(t.platform.subgraphs.payment.url),
    notification: await open(t.platform.subgraphs.notification.url),
    relay: await open(t.platform.relay.url),
  });

  it("counts operations, requests and reservations; the dashboard's every metric is served", async () => {
    // The journey: a named query, a reservation, one refused, a payment confirmed by the saga.
    const venues = await t.query(VENUES);
    expect(venues.errors).toBeUndefined();
    const { zoneId } = await newZone(t, 10, { maxPerUser: 2 });
    const guest = await t.tokenFor(`observed-${randomUUID()}`, "GUEST");
    const reserve = (quantity: number) =>
      t.query(RESERVE, { input: { zoneId, quantity, idempotencyKey: `obs-${randomUUID()}` } }, guest);
    const booking = (await reserve(1)).data!.reserveSeats;
    expect(booking.status).toBe("PENDING");
    const refused = await reserve(3);
    expect(refused.errors?.[0].extensions?.code).toBe("MAX_PER_USER_EXCEEDED");
    const held = await open(t.platform.subgraphs.booking.url);
    expect(sample(held, "active_reservations")).toBeGreaterThanOrEqual(1);
    expect(sample(held, "active_reserved_seats")).toBeGreaterThanOrEqual(1);
    const paid = await t.query(
      PAY,
      { input: { bookingId: booking.id, paymentMethodToken: "tok_success", idempotencyKey: `obs-${randomUUID()}` } },
      guest,
    );
    expect(paid.errors).toBeUndefined();
    const confirmed = await eventually(
      () => t.query(STATUS, { id: booking.id }, guest),
      (r) => r.data?.booking?.status === "CONFIRMED",
    );
    expect(confirmed.data!.booking.status).toBe("CONFIRMED");
    const probe = `no-such-page-${randomUUID()}`;
    expect((await fetch(`${t.platform.gateway.url}/${probe}?secret=1`)).status).toBe(404);

    // Gateway: per-operation counters with name, type and outcome; HTTP requests by route.
    const gateway = await t.metrics();
    const op = (name: string, type: string, outcome: string) =>
      sample(gateway, "graphql_operations_total", { operation_name: name, operation_type: type, outcome });
    expect(op("ObsVenues", "query", "ok")).toBe(1);
    expect(op("ObsReserve", "mutation", "ok")).toBe(1);
    expect(op("ObsReserve", "mutation", "MAX_PER_USER_EXCEEDED")).toBe(1);
    expect(op("ObsPay", "mutation", "ok")).toBe(1);
    expect(op("ObsBooking", "query", "ok")).toBeGreaterThanOrEqual(1);
    expect(op("anonymous", "mutation", "ok")).toBeGreaterThanOrEqual(2); // newZone's createSlot, createZone
    expect(
      sample(gateway, "graphql_operation_duration_seconds_count", {
        operation_name: "ObsReserve",
        operation_type: "mutation",
      }),
    ).toBe(2);
    expect(
      sample(gateway, "http_requests_total", { method: "POST", route: "/graphql", status_code: "200" }),
    ).toBeGreaterThanOrEqual(7);
    expect(sample(gateway, "http_requests_total", { method: "GET", route: "other", status_code: "404" })).toBe(1);
    expect(gateway).not.toContain(probe);
    expect(
      sample(gateway, "http_request_duration_seconds_count", { method: "POST", route: "/graphql", status_code: "200" }),
    ).toBeGreaterThanOrEqual(7);

    // Booking: the reservation counters (the refusal by its code) and its own HTTP requests.
    const bookingText = await open(t.platform.subgraphs.booking.url);
    expect(sample(bookingText, "booking_reservations_total", { outcome: "success", service: "booking" })).toBe(1);
    expect(sample(bookingText, "booking_reservations_total", { outcome: "rejected" })).toBe(1);
    expect(sample(bookingText, "booking_reservation_failures", { code: "MAX_PER_USER_EXCEEDED" })).toBe(1);
    expect(sample(bookingText, "http_requests_total", { method: "POST", route: "/graphql" })).toBeGreaterThanOrEqual(3);
    expect(sample(bookingText, "http_requests_total", { method: "GET", route: "/metrics" })).toBeGreaterThanOrEqual(1); // the scrape before

    // The dashboard: valid JSON on a templated Prometheus data source, querying only metrics some
    // service serves (the consumer lag gauge is measured every 5 s: wait for it).
    const dashboard = JSON.parse(readFileSync(path.join(root, "deploy/grafana/dashboards/flash-sale.json"), "utf8"));
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "datasource", type: "datasource", query: "prometheus" }),
    );
    const exprs = dashboardExpressions(dashboard);
    expect(exprs.length).toBeGreaterThanOrEqual(20);
    const queried = new Set(exprs.flatMap(metricNamesIn));
    for (const name of [
      "booking_reservations_total",
      "booking_reservation_failures",
      "graphql_operation_duration_seconds_bucket",
      "http_request_duration_seconds_bucket",
      "active_reserved_seats",
      "booking_outbox_processing_lag_seconds",
      "kafka_consumer_lag",
      "booking_outbox_dlq_size",
      "gateway_subscriptions_active",
    ]) {
      expect(queried, name).toContain(name);
    }
    const missing = async () => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const served = new Set(Object.values(await everyService()).flatMap((text) => [...seriesNamesIn(text)]));
      return [...queried].filter((name) => !served.has(name));
    };
    expect(await eventually(missing, (names) => names.length === 0, 20_000)).toEqual([]);

    // Every service counts its HTTP requests (/metrics itself, at least, was asked for above).
    const all = await everyService();
    for (const [service, text] of Object.entries(all)) {
      expect(sample(text, "http_requests_total", { route: "/metrics", service }), service).toBeGreaterThanOrEqual(1);
    }
    // Seed 003's consumer lag name, set with the one existing rules read (every 5 s per consumer).
    const lagLabels = { consumer: "notification-booking-events", topic: "booking.events", service: "notification" };
    const notification = await eventually(
      () => open(t.platform.subgraphs.notification.url),
      (text) => sample(text, "kafka_consumer_lag", lagLabels) !== undefined,
      15_000,
    );
    expect(sample(notification, "kafka_consumer_lag", lagLabels)).toBe(
      sample(notification, "booking_consumer_lag_messages", lagLabels),
    );
    // Histogram names the dashboard reads are histograms the services declare (`_bucket` series).
    for (const name of queried) {
      if (name.endsWith("_bucket"))
        expect(Object.values(all).join("\n")).toContain(`# TYPE ${baseMetricName(name)} histogram`);
    }
  }, 60_000);
});
