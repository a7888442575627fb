import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/core/config";
import { createLogger } from "../lib/observability/logger";
import { loadTrustedDocuments, parseManifest, type TrustedDocumentsMode } from "./trusted-documents";

const VENUES = "query Venues { venues { name } }";
const SLOT = 'query Slot { slot(id: "x") { title } }';
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const apolloManifest = (operations: object[]) =>
  JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations });

describe("parseManifest", () => {
  it("reads Apollo's persisted query manifest", () => {
    const documents = parseManifest(
      apolloManifest([{ id: sha256(VENUES), name: "Venues", type: "query", body: VENUES }]),
      "pqm.json",
    );
    expect([...documents]).toEqual([[sha256(VENUES), VENUES]]);
  });

  it("reads graphql-codegen's persisted-documents.json", () => {
    const documents = parseManifest(JSON.stringify({ [sha256(VENUES)]: VENUES, abc123: SLOT }), "docs.json");
    expect(documents.get("abc123")).toBe(SLOT);
    expect(documents.size).toBe(2);
  });

  it.each([
    ["not JSON", "{ nope", /docs\.json is not valid JSON/],
    ["an array", "[]", /must be a JSON object/],
    [
      "an unknown format",
      JSON.stringify({ format: "other", version: 1, operations: [] }),
      /expected "apollo-persisted-query-manifest" version 1/,
    ],
    [
      "an operation without a body",
      apolloManifest([{ id: "a", name: "A", type: "query" }]),
      /operations\[0\] needs a non-empty string id and body/,
    ],
    ["a non-string document", JSON.stringify({ a: 42 }), /entry "a" must map to a GraphQL document string/],
    ["a document that does not parse", JSON.stringify({ a: "query {" }), /entry "a" is not a GraphQL document/],
    ["no operations", "{}", /lists no operations/],
  ])("refuses %s with a message naming the file and the entry", (_what, text, message) => {
    expect(() => parseManifest(text, "docs.json")).toThrow(ConfigError);
    expect(() => parseManifest(text, "docs.json")).toThrow(message);
  });
});

describe("resolving a request against the manifest", () => {
  async function load(mode: TrustedDocumentsMode, options: { allowIntrospection?: boolean; extra?: string[] } = {}) {
    const dir = await mkdtemp(path.join(tmpdir(), "trusted-"));
    const manifestPath = path.join(dir, "persisted-documents.json");
    await writeFile(manifestPath, JSON.stringify({ [sha256(VENUES)]: VENUES, custom: SLOT }));
    return loadTrustedDocuments({
      manifestPath,
      mode,
      allowIntrospection: options.allowIntrospection ?? false,
      extraDocuments: options.extra,
      logger: createLogger("silent"),
    });
  }

  it("runs a listed document by text, documentId (bare or sha256:-prefixed) and persisted-query hash", async () => {
    const trusted = await load("enforce");
    expect(trusted.resolve({ query: VENUES })).toEqual({ query: VENUES, listed: true });
    expect(trusted.resolve({ documentId: sha256(VENUES) })).toEqual({ query: VENUES, listed: true });
    expect(trusted.resolve({ documentId: `sha256:${sha256(VENUES)}` })).toEqual({ query: VENUES, listed: true });
    expect(trusted.resolve({ documentId: "custom" })).toEqual({ query: SLOT, listed: true });
    const apq = { persistedQuery: { version: 1, sha256Hash: sha256(VENUES) } };
    expect(trusted.resolve({ extensions: apq })).toEqual({ query: VENUES, listed: true });
  });

  it("refuses unlisted text and unknown ids in enforce mode, even with a matching hash", async () => {
    const trusted = await load("enforce");
    const other = "{ venues { id } }";
    expect(trusted.resolve({ query: other })).toHaveProperty("refused");
    expect(trusted.resolve({ documentId: sha256(other) })).toHaveProperty("refused");
    // An APQ registration (hash + text) cannot add a document.
    const apq = { persistedQuery: { version: 1, sha256Hash: sha256(other) } };
    expect(trusted.resolve({ query: other, extensions: apq })).toHaveProperty("refused");
    // A whitespace change is another document.
    expect(trusted.resolve({ query: `${VENUES} ` })).toHaveProperty("refused");
  });

  it("passes unlisted documents through in log mode", async () => {
    const trusted = await load("log");
    expect(trusted.resolve({ query: "{ venues { id } }" })).toEqual({ query: "{ venues { id } }", listed: false });
    expect(trusted.resolve({ documentId: "unknown" })).toEqual({ listed: false });
  });

  it("trusts the extra documents (the explorer's examples) and introspection only when allowed", async () => {
    const introspection = "query IntrospectionQuery { __schema { queryType { name } } }";
    const extra = "query Extra { __typename }";
    const strict = await load("enforce", { extra: [extra] });
    expect(strict.resolve({ query: extra })).toEqual({ query: extra, listed: true });
    expect(strict.resolve({ query: introspection })).toHaveProperty("refused");
    const open = await load("enforce", { allowIntrospection: true });
    expect(open.resolve({ query: introspection })).toEqual({ query: introspection, listed: false });
    // An introspection field next to a real one is not introspection only.
    expect(open.resolve({ query: "{ __schema { queryType { name } } venues { id } }" })).toHaveProperty("refused");
  });

  it("fails start-up on a missing manifest, naming the file", async () => {
    await expect(
      loadTrustedDocuments({
        manifestPath: "/nonexistent/persisted-documents.json",
        mode: "enforce",
        allowIntrospection: false,
        logger: createLogger("silent"),
      }),
    ).rejects.toThrow(/TRUSTED_DOCUMENTS: cannot read \/nonexistent\/persisted-documents\.json/);
  });
});
