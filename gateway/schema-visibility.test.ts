import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "./config";
import { withoutSuggestions } from "./schema-visibility";

const secrets = { JWT_SECRET: randomBytes(32).toString("hex"), SERVICE_SECRET: randomBytes(32).toString("hex") };

describe("introspection and suggestions settings", () => {
  it("are on in the embedded mode and off otherwise (a standalone gateway, real backends)", () => {
    expect(loadGatewayConfig(secrets, { embedded: true })).toMatchObject({ introspection: true, suggestions: true });
    expect(loadGatewayConfig(secrets, { embedded: false })).toMatchObject({ introspection: false, suggestions: false });
    expect(loadGatewayConfig(secrets)).toMatchObject({ introspection: false, suggestions: false });
  });

  it("follow INTROSPECTION and GRAPHQL_SUGGESTIONS when set", () => {
    const on = loadGatewayConfig({ ...secrets, INTROSPECTION: "true", GRAPHQL_SUGGESTIONS: "true" });
    expect(on).toMatchObject({ introspection: true, suggestions: true });
    const off = loadGatewayConfig(
      { ...secrets, INTROSPECTION: "false", GRAPHQL_SUGGESTIONS: "false" },
      { embedded: true },
    );
    expect(off).toMatchObject({ introspection: false, suggestions: false });
    expect(() => loadGatewayConfig({ ...secrets, INTROSPECTION: "maybe" })).toThrow(/INTROSPECTION/);
  });

  it("read TRUSTED_DOCUMENTS and its mode (enforce unless told otherwise)", () => {
    expect(loadGatewayConfig(secrets).trustedDocuments).toBeNull();
    const config = loadGatewayConfig({ ...secrets, TRUSTED_DOCUMENTS: "/srv/persisted-documents.json" });
    expect(config.trustedDocuments).toEqual({ manifestPath: "/srv/persisted-documents.json", mode: "enforce" });
    expect(() => loadGatewayConfig({ ...secrets, TRUSTED_DOCUMENTS_MODE: "off" })).toThrow(/TRUSTED_DOCUMENTS_MODE/);
  });
});

describe("withoutSuggestions", () => {
  it.each([
    [
      'Cannot query field "venuez" on type "Query". Did you mean "venue" or "venues"?',
      'Cannot query field "venuez" on type "Query".',
    ],
    [
      'Variable "$r" got invalid value "X"; Value "X" does not exist in "CancellationReason" enum. Did you mean the enum value "CHANGE_OF_PLANS"?',
      'Variable "$r" got invalid value "X"; Value "X" does not exist in "CancellationReason" enum.',
    ],
    [
      'Unknown argument "frist" on field "Query.venues". Did you mean "first"?',
      'Unknown argument "frist" on field "Query.venues".',
    ],
    ["Syntax Error: Expected Name, found <EOF>.", "Syntax Error: Expected Name, found <EOF>."],
  ])("%s", (message, expected) => {
    expect(withoutSuggestions(message)).toBe(expected);
  });
});
