import { randomUUID } from "node:crypto";
import { TOKEN_HEADER_KEY } from "graphql-sse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_STREAMS_PER_CLIENT } from "../../gateway/subscriptions/sse-streams";
import { eventually } from "../support/eventually";
import { sseSingleConnectionClient, subscribeOn } from "../support/live";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { newZone, reserve } from "../support/scenario";

const AVAILABILITY = `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { zone { id } available } }`;
const CAPACITY = `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { available capacity } }`;
const MY_BOOKINGS = `subscription { myBookingUpdates { id status } }`;
/** On the default CORS_ORIGINS (a local `next dev`). */
const APP = "http://localhost:3000";

describe("SSE single connection mode (graphql-sse's client with singleConnection: true)", () => {
  let t: TestPlatform;
  const clients: { dispose(): void }[] = [];
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => {
    for (const client of clients) client.dispose();
    await t?.close();
  });
  const url = () => t.platform.gatewayUrl;
  const bearer = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

  /** Open subscriptions as the gateway counts them: each listens on its channel then. */
  const active = async () =>
    Number(/^gateway_subscriptions_active(?:\{[^}]*\})? (\S+)$/m.exec(await t.metrics())?.[1] ?? 0);

  function singleConnection(token?: string) {
    const opened = sseSingleConnectionClient(url(), token);
    clients.push(opened.client);
    return opened;
  }

  it("carries two subscriptions on one stream, each pushed the new availability; stopping one ends only it", async () => {
    const { zoneId, slotId } = await newZone(t, 10);
    const guest = await t.tokenFor(`single-${randomUUID()}`, "GUEST");
    const before = await active();
    const { client, requests } = singleConnection(guest);
    const counts = subscribeOn(client, AVAILABILITY, { slotId });
    const capacities = subscribeOn(client, CAPACITY, { slotId });
    expect(await eventually(active, (n) => n >= before + 2, 10_000)).toBeGreaterThanOrEqual(before + 2);

    await reserve(t, guest, zoneId, 2);
    const pushed = await counts.next((p) => p.availabilityChanged.available === 8, 2_000);
    expect(pushed.availabilityChanged.zone.id).toBe(zoneId);
    await capacities.next((p) => p.availabilityChanged.available === 8 && p.availabilityChanged.capacity === 10, 2_000);

    capacities.close();
    expect(await eventually(active, (n) => n === before + 1, 5_000)).toBe(before + 1);
    await eventually(
      () => requests.includes("DELETE 200"),
      (sent) => sent,
      5_000,
    );
    const seen = capacities.received.length;
    await reserve(t, guest, zoneId, 1);
    await counts.next((p) => p.availabilityChanged.available === 7, 2_000);
    expect(capacities.received).toHaveLength(seen);
    expect(counts.errors).toEqual([]);
    // One reservation and one event stream for both; the stopped one was ended with a DELETE.
    expect(requests.filter((r) => !r.startsWith("POST"))).toEqual(["PUT 201", "GET 200", "DELETE 200"]);
    expect(requests.filter((r) => r.startsWith("POST"))).toEqual(["POST 202", "POST 202"]);
  });

  it("refuses a stream's token with another user's Authorization, anonymous or invalid", async () => {
    const alice = await t.tokenFor(`alice-${randomUUID()}`, "GUEST");
    const bob = await t.tokenFor(`bob-${randomUUID()}`, "GUEST");
    const reserved = await fetch(url(), { method: "PUT", headers: bearer(alice) });
    expect(reserved.status).toBe(201);
    const token = await reserved.text();
    const subscribe = (as?: string) =>
      fetch(url(), {
        method: "POST",
        headers: { "content-type": "application/json", [TOKEN_HEADER_KEY]: token, ...bearer(as) },
        body: JSON.stringify({ query: MY_BOOKINGS, extensions: { operationId: randomUUID() } }),
      });
    const refusal = async (response: Response) => {
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      return [response.status, body.errors[0].extensions.code];
    };
    expect(await refusal(await subscribe(bob))).toEqual([403, "FORBIDDEN"]);
    expect(await refusal(await subscribe())).toEqual([403, "FORBIDDEN"]);
    expect(await refusal(await subscribe("not-a-token"))).toEqual([401, "UNAUTHENTICATED"]);
    const open = await fetch(url(), {
      headers: { accept: "text/event-stream", [TOKEN_HEADER_KEY]: token, ...bearer(bob) },
    });
    expect(await refusal(open)).toEqual([403, "FORBIDDEN"]);
    expect((await subscribe(alice)).status).toBe(202);
  });

  it("refuses a sign-in-only subscription to an anonymous client", async () => {
    const { client } = singleConnection();
    const mine = subscribeOn(client, MY_BOOKINGS);
    await eventually(
      () => mine.errors.length,
      (n) => n > 0,
      5_000,
    );
    expect(JSON.stringify(mine.errors)).toContain("UNAUTHENTICATED");
    expect(mine.received).toEqual([]);
  });

  it("bounds the streams one user may reserve", async () => {
    const guest = await t.tokenFor(`many-${randomUUID()}`, "GUEST");
    const put = () => fetch(url(), { method: "PUT", headers: bearer(guest) });
    for (let i = 0; i < MAX_STREAMS_PER_CLIENT; i++) expect((await put()).status).toBe(201);
    const over = await put();
    expect(over.status).toBe(429);
    expect(((await over.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      "RATE_LIMITED",
    );
  });

  it("lets an allowed browser origin reserve and stop (preflight for PUT, DELETE and the token header); refuses others", async () => {
    const preflight = await fetch(url(), {
      method: "OPTIONS",
      headers: {
        origin: APP,
        "access-control-request-method": "PUT",
        "access-control-request-headers": `authorization,${TOKEN_HEADER_KEY}`,
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP);
    expect(preflight.headers.get("access-control-allow-methods")!.split(",")).toEqual(
      expect.arrayContaining(["PUT", "DELETE"]),
    );
    expect(preflight.headers.get("access-control-allow-headers")!.toLowerCase().split(",")).toContain(TOKEN_HEADER_KEY);
    const reserved = await fetch(url(), { method: "PUT", headers: { origin: APP } });
    expect(reserved.status).toBe(201);
    expect(reserved.headers.get("access-control-allow-origin")).toBe(APP);
    const foreign = await fetch(url(), { method: "PUT", headers: { origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
  });
});
