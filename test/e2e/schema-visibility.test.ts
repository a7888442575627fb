import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscribeSse, subscribeWs, wsClient } from "../support/live";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { codeOf } from "../support/scenario";

const INTROSPECTION = "{ __schema { queryType { name } } }";
const TYPE_LOOKUP = '{ __type(name: "Venue") { fields { name } } }';
/** graphql-js would answer: Did you mean "venue" or "venues"? */
const FIELD_TYPO = "{ venuez { id } }";
/** Did you mean the enum value "CHANGE_OF_PLANS"? (validation of a literal) */
const ENUM_LITERAL_TYPO = 'mutation { cancelBooking(input: { bookingId: "x", reason: CHANGE_OF_PLAN }) { id } }';
/** The same hint from variable coercion, which is not validation. */
const ENUM_VARIABLE =
  'mutation($reason: CancellationReason!) { cancelBooking(input: { bookingId: "x", reason: $reason }) { id } }';

const messages = (response: { errors?: { message: string }[] }) =>
  (response.errors ?? []).map((e) => e.message).join("\n");

describe("introspection and suggestions off (the default with real backends)", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ INTROSPECTION: "false", GRAPHQL_SUGGESTIONS: "false" });
  }, 60_000);
  afterAll(() => t?.close());

  it("refuses __schema and __type over HTTP, before anything runs", async () => {
    for (const query of [INTROSPECTION, TYPE_LOOKUP]) {
      const response = await t.query(query);
      expect(response.status).toBe(400);
      expect(codeOf(response)).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(messages(response)).toMatch(/introspection/i);
      expect(messages(response)).toMatch(/INTROSPECTION=true/); // the setting, not "pass introspection: true"
      expect(response.data ?? null).toBeNull();
    }
    // __typename is not introspection: clients (Apollo Client's cache) rely on it.
    expect((await t.query("{ __typename }")).data).toEqual({ __typename: "Query" });
  });

  it("refuses introspection over WebSocket and SSE too", async () => {
    const client = wsClient(t.platform.gatewayUrl);
    try {
      await expect(subscribeWs(client, INTROSPECTION).next()).rejects.toThrow(/introspection/i);
    } finally {
      await client.dispose();
    }
    await expect(subscribeSse(t.platform.gatewayUrl, INTROSPECTION).next()).rejects.toThrow(/introspection/i);
  });

  it("names no schema element in errors: no 'Did you mean' in validation or variable errors", async () => {
    const field = await t.query(FIELD_TYPO);
    expect(messages(field)).toContain('Cannot query field "venuez" on type "Query".');
    const literal = await t.query(ENUM_LITERAL_TYPO);
    expect(messages(literal)).toContain('Value "CHANGE_OF_PLAN" does not exist in "CancellationReason" enum.');
    const variable = await t.query(ENUM_VARIABLE, { reason: "CHANGE_OF_PLAN" });
    expect(messages(variable)).toContain('Value "CHANGE_OF_PLAN" does not exist in "CancellationReason" enum.');
    for (const response of [field, literal, variable]) {
      expect(response.status).toBe(400);
      expect(messages(response)).not.toMatch(/Did you mean|venues|CHANGE_OF_PLANS/);
    }
    const client = wsClient(t.platform.gatewayUrl);
    try {
      const error = await subscribeWs(client, 'subscription { availabilityChangd(slotId: "x") { available } }')
        .next()
        .catch((e: Error) => e.message);
      expect(error).toContain("availabilityChangd");
      expect(error).not.toMatch(/Did you mean|availabilityChanged/);
    } finally {
      await client.dispose();
    }
  });
});

describe("introspection and suggestions on (the embedded default)", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ INTROSPECTION: "true", GRAPHQL_SUGGESTIONS: "true" });
  }, 60_000);
  afterAll(() => t?.close());

  it("answers introspection over HTTP and WebSocket", async () => {
    expect((await t.query(INTROSPECTION)).data).toEqual({ __schema: { queryType: { name: "Query" } } });
    const fields = (await t.query(TYPE_LOOKUP)).data!.__type.fields.map((f: { name: string }) => f.name);
    expect(fields).toContain("contactEmail");
    const client = wsClient(t.platform.gatewayUrl);
    try {
      expect(await subscribeWs(client, INTROSPECTION).next()).toEqual({ __schema: { queryType: { name: "Query" } } });
    } finally {
      await client.dispose();
    }
  });

  it("suggests the names a client probably meant", async () => {
    expect(messages(await t.query(FIELD_TYPO))).toMatch(/Did you mean "venue" or "venues"\?/);
    expect(messages(await t.query(ENUM_VARIABLE, { reason: "CHANGE_OF_PLAN" }))).toMatch(
      /Did you mean the enum value "CHANGE_OF_PLANS"\?/,
    );
  });
});
