import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS } from "../../lib/core/demo";
import { startTestPlatform, type TestPlatform } from "../support/platform";

/**
 * The client mistakes that used to come back as INTERNAL_SERVER_ERROR or HTTP 500: each is now a
 * 4xx with the code GraphQL clients expect, and changes nothing.
 */
describe("client mistakes get a clear 4xx", () => {
  let t: TestPlatform;
  let organizer: string;
  beforeAll(async () => {
    t = await startTestPlatform();
    organizer = t.platform.demoTokens.organizer!;
  });
  afterAll(() => t.close());

  const post = async (body: unknown) => {
    const response = await fetch(t.platform.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${organizer}` },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { errors?: { message: string; extensions: Record<string, unknown> }[] };
    return { status: response.status, error: json.errors?.[0] };
  };
  const CREATE_SLOT = `mutation($input: CreateSlotInput!) { createSlot(input: $input) { id currency: title } }`;
  const CREATE_VENUE = `mutation($input: CreateVenueInput!) { createVenue(input: $input) { id } }`;
  const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
  const slot = (patch: Record<string, unknown>) => ({
    venueId: DEMO_IDS.bistro,
    title: "Mistakes",
    startsAt: future(10),
    endsAt: future(11),
    ...patch,
  });

  it.each([["2026-13-45T00:00:00Z"], ["not-a-date"]])(
    "an invalid DateTimeISO variable (%s) is BAD_USER_INPUT naming the field",
    async (value) => {
      const { status, error } = await post({ query: CREATE_SLOT, variables: { input: slot({ startsAt: value }) } });
      expect(status).toBe(400);
      expect(error).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "$input.startsAt" } });
    },
  );

  it.each([['"not-a-date"'], ["[[[null]]]"], ["{ a: 1 }"], ["12"]])(
    "an invalid inline date (%s) is BAD_USER_INPUT naming the field",
    async (literal) => {
      const query = `mutation { createSlot(input: { venueId: "${DEMO_IDS.bistro}", title: "x", startsAt: ${literal}, endsAt: "${future(2)}" }) { id } }`;
      const { status, error } = await post({ query });
      expect(status).toBe(400);
      expect(error).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "input.startsAt" } });
    },
  );

  it("a date variable of the wrong JSON type is BAD_USER_INPUT naming the field", async () => {
    const { status, error } = await post({
      query: CREATE_SLOT,
      variables: { input: slot({ endsAt: { year: 2030 } }) },
    });
    expect(status).toBe(400);
    expect(error).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "$input.endsAt" } });
  });

  it.each([
    ["NUL", "Bar\u0000"],
    ["an unpaired surrogate", "Bar\ud800"],
  ])("a string with %s is refused and nothing is stored", async (_what, name) => {
    const { status, error } = await post({
      query: CREATE_VENUE,
      variables: { input: { name, city: "Porto", kind: "RESTAURANT" } },
    });
    expect(status).toBe(400);
    expect(error).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "$input.name" } });
    const venues = await t.query(`{ venues(first: 100) { name } }`);
    expect(venues.data!.venues.map((v: { name: string }) => v.name)).not.toContain(name);
  });

  it("huge lists and strings are refused before any subgraph is called", async () => {
    const list = await post({
      query: `query($s: [BookingStatus!]) { myBookings(status: $s) { edges { node { id } } } }`,
      variables: { s: Array.from({ length: 100_000 }, () => "PENDING") },
    });
    expect(list).toMatchObject({ status: 400, error: { extensions: { code: "BAD_USER_INPUT", field: "$s" } } });
    const text = await post({
      query: CREATE_VENUE,
      variables: { input: { name: "x".repeat(20_000), city: "P", kind: "OTHER" } },
    });
    expect(text).toMatchObject({ status: 400, error: { extensions: { code: "BAD_USER_INPUT" } } });
  });

  it("a variable object with a thousand unknown fields gets one short error, not one per field", async () => {
    const input = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`f${i}`, "x".repeat(20)]));
    const response = await fetch(t.platform.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${organizer}` },
      body: JSON.stringify({ query: CREATE_VENUE, variables: { input } }),
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text.length).toBeLessThan(2_000);
    expect(JSON.parse(text).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "$input.f0" });
  });

  it("several operations without operationName, or an unknown one, is OPERATION_RESOLUTION_FAILURE", async () => {
    const two = await post({ query: "query A { venues { id } } query B { venues { name } }" });
    expect(two).toMatchObject({ status: 400, error: { extensions: { code: "OPERATION_RESOLUTION_FAILURE" } } });
    expect(two.error!.message).toMatch(/operationName/);
    const unknown = await post({ query: "query A { venues { id } }", operationName: "Z" });
    expect(unknown).toMatchObject({ status: 400, error: { extensions: { code: "OPERATION_RESOLUTION_FAILURE" } } });
  });

  it("a subscription sent as a plain POST says to use WebSocket or SSE", async () => {
    const { status, error } = await post({
      query: `subscription { availabilityChanged(slotId: "${DEMO_IDS.hamletShow}") { available } }`,
    });
    expect(status).toBe(400);
    expect(error!.extensions.code).toBe("BAD_REQUEST");
    expect(error!.message).toMatch(/WebSocket/);
  });

  it("a persisted query whose hash does not match is BAD_REQUEST; an unknown hash is PERSISTED_QUERY_NOT_FOUND", async () => {
    const mismatch = await post({
      query: "{ venues { id } }",
      extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } },
    });
    expect(mismatch).toMatchObject({ status: 400, error: { extensions: { code: "BAD_REQUEST" } } });
    const unknown = await post({
      extensions: { persistedQuery: { version: 1, sha256Hash: createHash("sha256").update("nope").digest("hex") } },
    });
    expect(unknown.error!.extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  it("catalog rules: no slot in the past, none ending before it starts, no sale opening after the start", async () => {
    for (const [patch, field] of [
      [{ startsAt: new Date(Date.now() - 3_600_000).toISOString() }, "startsAt"],
      [{ endsAt: future(9) }, "endsAt"],
      [{ saleStartsAt: future(10.5) }, "saleStartsAt"],
    ] as const) {
      const { error } = await post({ query: CREATE_SLOT, variables: { input: slot(patch) } });
      expect(error).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field } });
    }
  });

  it("currency codes are upper-cased; an ownerId must be a user id", async () => {
    const created = await t.query(
      `mutation($input: CreateSlotInput!) { createSlot(input: $input) { id } }`,
      { input: slot({}) },
      organizer,
    );
    const zone = await t.query(
      `mutation($input: CreateZoneInput!) { createZone(input: $input) { price { currency } } }`,
      { input: { slotId: created.data!.createSlot.id, name: "A", capacity: 5, priceMinor: 100, currency: "eur" } },
      organizer,
    );
    expect(zone.data!.createZone.price.currency).toBe("EUR");
    const admin = t.platform.demoTokens.admin!;
    const venue = await t.query(
      CREATE_VENUE,
      { input: { name: "Owned", city: "Porto", kind: "OTHER", ownerId: "not a user id; drop table" } },
      admin,
    );
    expect(venue.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "ownerId" });
  });
});
