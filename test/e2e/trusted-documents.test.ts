import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS } from "../../lib/core/demo";
import { createLogger } from "../../lib/observability/logger";
import { loadGatewayConfig } from "../../gateway/config";
import { EXAMPLE_OPERATIONS } from "../../gateway/explorer";
import { startGateway } from "../../gateway";
import { subscribeSse, subscribeWs, wsClient } from "../support/live";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { codeOf } from "../support/scenario";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const VENUES = "query TrustedVenues { venues { id name } }";
const WATCH = "subscription TrustedWatch($slotId: ID!) { availabilityChanged(slotId: $slotId) { available } }";
const UNLISTED = "query Unlisted { venues { id city } }";
const NOT_LISTED = "PERSISTED_QUERY_NOT_LISTED";
const RESERVE_EXAMPLE = EXAMPLE_OPERATIONS.find((e) => e.title === "Reserve seats")!.query;

async function writeManifest(name: string, contents: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "trusted-documents-"));
  const file = path.join(dir, name);
  await writeFile(file, typeof contents === "string" ? contents : JSON.stringify(contents));
  return file;
}

/** A raw POST to the gateway (the test platform's helper sends only query and variables). */
async function post(url: string, body: object, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, ...(JSON.parse(text) as { data?: any; errors?: any[] }) };
}

describe("trusted documents enforced (Apollo persisted query manifest)", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    const manifest = await writeManifest("persisted-query-manifest.json", {
      format: "apollo-persisted-query-manifest",
      version: 1,
      operations: [
        { id: sha256(VENUES), name: "TrustedVenues", type: "query", body: VENUES },
        { id: sha256(WATCH), name: "TrustedWatch", type: "subscription", body: WATCH },
      ],
    });
    t = await startTestPlatform({
      TRUSTED_DOCUMENTS: manifest,
      TRUSTED_DOCUMENTS_MODE: "enforce",
      INTROSPECTION: "true",
    });
  }, 60_000);
  afterAll(() => t?.close());

  it("refuses an unlisted document with PERSISTED_QUERY_NOT_LISTED and HTTP 400, running nothing", async () => {
    const response = await t.query(UNLISTED);
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe(NOT_LISTED);
    expect(response.data ?? null).toBeNull();
    // A syntax error or an unknown field is refused the same way: unlisted text is never parsed.
    expect(codeOf(await t.query("{ nope"))).toBe(NOT_LISTED);
    expect(codeOf(await t.query("{ venuez { id } }"))).toBe(NOT_LISTED);
  });

  it("runs a listed document by its full text", async () => {
    const response = await t.query(VENUES);
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data!.venues.map((v: { name: string }) => v.name)).toContain("Grand Theatre");
  });

  it("runs a listed document by Apollo's persisted-query hash, documentId, and documentId over GET", async () => {
    const byHash = await post(t.platform.gatewayUrl, {
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(VENUES) } },
    });
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data.venues.length).toBeGreaterThan(0);
    const byId = await post(t.platform.gatewayUrl, { documentId: `sha256:${sha256(VENUES)}` });
    expect(byId.errors).toBeUndefined();
    expect(byId.data.venues.length).toBeGreaterThan(0);
    const get = await fetch(`${t.platform.gatewayUrl}?documentId=${sha256(VENUES)}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as { data: any }).data.venues.length).toBeGreaterThan(0);
  });

  it("cannot be talked into registering a document through automatic persisted queries", async () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(UNLISTED) } };
    const unknownHash = await post(t.platform.gatewayUrl, { extensions });
    expect(unknownHash.status).toBe(400);
    expect(codeOf(unknownHash as never)).toBe(NOT_LISTED);
    const register = await post(t.platform.gatewayUrl, { query: UNLISTED, extensions });
    expect(codeOf(register as never)).toBe(NOT_LISTED);
    const again = await post(t.platform.gatewayUrl, { extensions });
    expect(codeOf(again as never)).toBe(NOT_LISTED);
    expect(again.data ?? null).toBeNull();
  });

  it("keeps the explorer usable: its example operations and introspection (when on) run", async () => {
    const token = await t.tokenFor(randomUUID(), "GUEST");
    const reserved = await t.query(
      RESERVE_EXAMPLE,
      { zoneId: DEMO_IDS.stalls, key: `trusted-${randomBytes(8).toString("hex")}` },
      token,
    );
    expect(reserved.errors).toBeUndefined();
    expect(reserved.data!.reserveSeats.status).toBe("PENDING");
    const schema = await t.query("{ __schema { queryType { name } } }");
    expect(schema.data).toEqual({ __schema: { queryType: { name: "Query" } } });
  });

  it("refuses an unlisted subscription over WebSocket and serves a listed one", async () => {
    const client = wsClient(t.platform.gatewayUrl);
    try {
      const unlisted = subscribeWs(
        client,
        "subscription Other($slotId: ID!) { availabilityChanged(slotId: $slotId) { capacity } }",
        { slotId: DEMO_IDS.hamletShow },
      );
      await expect(unlisted.next()).rejects.toThrow(NOT_LISTED);
      const listedQuery = subscribeWs(client, VENUES);
      expect((await listedQuery.next()).venues.length).toBeGreaterThan(0);
      const unlistedQuery = subscribeWs(client, UNLISTED);
      await expect(unlistedQuery.next()).rejects.toThrow(NOT_LISTED);

      const watch = subscribeWs<{ availabilityChanged: { available: number } }>(client, WATCH, {
        slotId: DEMO_IDS.hamletShow,
      });
      // A reservation through the explorer's (trusted) example moves the count the watcher sees.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const token = await t.tokenFor(randomUUID(), "GUEST");
      const reserved = await t.query(
        RESERVE_EXAMPLE,
        { zoneId: DEMO_IDS.balcony, key: `trusted-${randomBytes(8).toString("hex")}` },
        token,
      );
      expect(reserved.errors).toBeUndefined();
      const event = await watch.next(() => true, 10_000);
      expect(event.availabilityChanged.available).toBeGreaterThanOrEqual(0);
      watch.close();
    } finally {
      await client.dispose();
    }
  }, 30_000);

  it("refuses an unlisted document over SSE with HTTP 400 and runs a listed one", async () => {
    const refused = await post(t.platform.gatewayUrl, { query: UNLISTED }, { accept: "text/event-stream" });
    expect(refused.status).toBe(400);
    expect(codeOf(refused as never)).toBe(NOT_LISTED);
    // A GET stream (graphql-sse's other way in) is held to the same rule.
    const get = await fetch(`${t.platform.gatewayUrl}?query=${encodeURIComponent(UNLISTED)}`, {
      headers: { accept: "text/event-stream" },
    });
    expect(get.status).toBe(400);
    expect(await get.text()).toContain(NOT_LISTED);
    const listed = subscribeSse(t.platform.gatewayUrl, VENUES);
    expect((await listed.next()).venues.length).toBeGreaterThan(0);
    listed.close();
  });
});

describe("trusted documents in log mode (graphql-codegen persisted-documents.json)", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    const manifest = await writeManifest("persisted-documents.json", { [sha256(VENUES)]: VENUES, "venues-v2": VENUES });
    t = await startTestPlatform({ TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_MODE: "log" });
  }, 60_000);
  afterAll(() => t?.close());

  it("runs listed documents by codegen's documentId, and unlisted ones too (logged)", async () => {
    const byId = await post(t.platform.gatewayUrl, { documentId: "venues-v2" });
    expect(byId.errors).toBeUndefined();
    expect(byId.data.venues.length).toBeGreaterThan(0);
    const unlisted = await t.query(UNLISTED);
    expect(unlisted.errors).toBeUndefined();
    expect(unlisted.data!.venues.length).toBeGreaterThan(0);
  });
});

describe("a malformed manifest", () => {
  it.each([
    ["invalid JSON", "{ not json", /is not valid JSON/],
    ["a document that does not parse", JSON.stringify({ a: "query {" }), /entry "a" is not a GraphQL document/],
  ])("with %s fails the gateway's start-up with a clear message", async (_what, contents, message) => {
    const manifest = await writeManifest("persisted-documents.json", contents);
    const config = loadGatewayConfig({
      JWT_SECRET: randomBytes(32).toString("hex"),
      SERVICE_SECRET: randomBytes(32).toString("hex"),
      GATEWAY_PORT: "0",
      TRUSTED_DOCUMENTS: manifest,
    });
    const started = startGateway(config, createLogger("silent"));
    await expect(started).rejects.toThrow(/Invalid configuration/);
    await expect(started).rejects.toThrow(new RegExp(`TRUSTED_DOCUMENTS: ${manifest}`));
    await expect(started).rejects.toThrow(message);
  });
});
