import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ApolloServerPlugin, BaseContext, GraphQLRequest } from "@apollo/server";
import { parse } from "graphql";
import { ConfigError } from "../lib/core/config";
import { httpError } from "../lib/core/errors";
import type { Logger } from "../lib/observability/logger";

export type TrustedDocumentsMode = "enforce" | "log";

/** The operations a gateway in trusted-documents mode runs, by id and by text. */
export interface TrustedDocuments {
  mode: TrustedDocumentsMode;
  /** Listed documents (the explorer's examples included when they are trusted). */
  size: number;
  /**
   * The document to run for a request's parameters (`query`, `documentId`,
   * `extensions.persistedQuery.sha256Hash`): the listed text for an id, the text itself when
   * listed. Unlisted: `refused` in `enforce` mode; logged and passed through in `log` mode.
   */
  resolve(params: OperationParams): Resolution;
}

/** What a client sends to name its operation, on any transport. */
export interface OperationParams {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
  operationName?: unknown;
}

export type Resolution = { query?: string; listed: boolean } | { refused: string };

export const NOT_LISTED_CODE = "PERSISTED_QUERY_NOT_LISTED" as const;
const NOT_LISTED_MESSAGE =
  "This gateway runs trusted documents only, and this operation is not in its manifest: " +
  "build the client's persisted-documents manifest and deploy it with the gateway";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** `sha256:<hex>` (GraphQL over HTTP's prefixed document id) and a bare hash name the same document. */
const withoutPrefix = (id: string) => (id.startsWith("sha256:") ? id.slice("sha256:".length) : id);

/**
 * Reads a manifest in either format clients' build tools write:
 * - Apollo's persisted query manifest (`@apollo/generate-persisted-query-manifest`):
 *   `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ id, name, type, body }] }`;
 * - graphql-codegen's client preset with `persistedDocuments` (`persisted-documents.json`):
 *   `{ "<hash>": "<document>" }`.
 * Every body must parse; any problem fails start-up naming the file and the entry.
 */
export function parseManifest(text: string, source: string): Map<string, string> {
  const fail = (problem: string): never => {
    throw new ConfigError([`TRUSTED_DOCUMENTS: ${source} ${problem}`]);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`is not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail("must be a JSON object: an Apollo persisted query manifest or a { id: document } map");
  }
  const documents = new Map<string, string>();
  const record = json as Record<string, unknown>;
  if ("format" in record || "operations" in record) {
    if (record.format !== "apollo-persisted-query-manifest" || record.version !== 1) {
      fail(
        `has format ${JSON.stringify(record.format)} version ${JSON.stringify(record.version)}; expected "apollo-persisted-query-manifest" version 1`,
      );
    }
    if (!Array.isArray(record.operations)) fail("has no operations array");
    (record.operations as unknown[]).forEach((operation, i) => {
      const { id, body } = (operation ?? {}) as Record<string, unknown>;
      if (typeof id !== "string" || !id || typeof body !== "string" || !body) {
        fail(`operations[${i}] needs a non-empty string id and body`);
      }
      documents.set(id as string, body as string);
    });
  } else {
    for (const [id, body] of Object.entries(record)) {
      if (typeof body !== "string" || !body) fail(`entry ${JSON.stringify(id)} must map to a GraphQL document string`);
      documents.set(id, body as string);
    }
  }
  if (documents.size === 0) fail("lists no operations (every request would be refused)");
  for (const [id, body] of documents) {
    try {
      parse(body);
    } catch (error) {
      fail(`entry ${JSON.stringify(id)} is not a GraphQL document (${(error as Error).message})`);
    }
  }
  return documents;
}

/** An operation that only reads the schema (`__schema`, `__type`, `__typename` at its root). */
function isIntrospectionOnly(query: string): boolean {
  try {
    // A bounded parse: this runs on text no manifest vouches for.
    const document = parse(query, { maxTokens: 2_000, noLocation: true });
    return document.definitions.every(
      (d) =>
        d.kind === "FragmentDefinition" ||
        (d.kind === "OperationDefinition" &&
          d.operation === "query" &&
          d.selectionSet.selections.every((s) => s.kind === "Field" && s.name.value.startsWith("__"))),
    );
  } catch {
    return false;
  }
}

/**
 * Loads the manifest and builds the lookup.
 *
 * The explorer stays usable in `enforce` mode by design, without opening the gateway to
 * arbitrary documents: its example operations (`extraDocuments`, shipped with the gateway and
 * offered to every visitor anyway) are trusted like listed ones, and operations that only
 * introspect pass when introspection is on (it has its own switch, INTROSPECTION; refusing it
 * here too would only break GraphiQL's docs with a less helpful error). Free-form editing in
 * the explorer needs `TRUSTED_DOCUMENTS_MODE=log`, the development setting.
 */
export async function loadTrustedDocuments(options: {
  manifestPath: string;
  mode: TrustedDocumentsMode;
  extraDocuments?: string[];
  allowIntrospection: boolean;
  logger: Logger;
}): Promise<TrustedDocuments> {
  let text: string;
  try {
    text = await readFile(options.manifestPath, "utf8");
  } catch (error) {
    throw new ConfigError([`TRUSTED_DOCUMENTS: cannot read ${options.manifestPath} (${(error as Error).message})`]);
  }
  const byId = parseManifest(text, options.manifestPath);
  const listedHashes = new Set([...byId.values(), ...(options.extraDocuments ?? [])].map(sha256));
  const { mode, logger } = options;
  /** Each unlisted document is logged once per process (bounded), so log mode cannot flood the logs. */
  const logged = new Set<string>();
  const noteUnlisted = (hash: string, operationName: unknown) => {
    if (logged.has(hash) || logged.size >= 10_000) return;
    logged.add(hash);
    logger.warn("operation not in the trusted documents manifest", {
      sha256: hash,
      operationName: typeof operationName === "string" ? operationName.slice(0, 100) : null,
      mode,
    });
  };
  const judge = (hash: string, operationName: unknown): Resolution | null => {
    if (mode === "log") noteUnlisted(hash, operationName);
    return mode === "enforce" ? { refused: NOT_LISTED_MESSAGE } : null;
  };
  logger.info("trusted documents loaded", { manifest: options.manifestPath, operations: byId.size, mode });
  return {
    mode,
    size: listedHashes.size,
    resolve(params) {
      const query = typeof params.query === "string" && params.query !== "" ? params.query : undefined;
      if (query !== undefined) {
        if (listedHashes.has(sha256(query))) return { query, listed: true };
        if (options.allowIntrospection && isIntrospectionOnly(query)) return { query, listed: false };
        // The log names the operation even when the client sent no operationName.
        const named = params.operationName ?? /\b(?:query|mutation|subscription)\s+([_A-Za-z]\w*)/.exec(query)?.[1];
        return judge(sha256(query), named) ?? { query, listed: false };
      }
      const id = documentIdOf(params);
      if (id === undefined) return { listed: false };
      const listed = byId.get(id) ?? byId.get(withoutPrefix(id));
      if (listed !== undefined) return { query: listed, listed: true };
      return judge(withoutPrefix(id).slice(0, 128), params.operationName) ?? { listed: false };
    },
  };
}

/** `documentId` (GraphQL over HTTP, graphql-codegen) or Apollo's `extensions.persistedQuery.sha256Hash`. */
function documentIdOf(params: OperationParams): string | undefined {
  if (typeof params.documentId === "string" && params.documentId) return params.documentId;
  const persisted = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  const hash = typeof persisted === "object" && persisted ? persisted.sha256Hash : undefined;
  return typeof hash === "string" && hash ? hash : undefined;
}

/** Stands in for a refused request's document so Apollo never parses the refused text. */
const REFUSED_PLACEHOLDER = "query PersistedQueryNotListed { __typename }";

function withoutPersistedQuery(extensions: GraphQLRequest["extensions"]) {
  if (!extensions || !("persistedQuery" in extensions)) return extensions;
  const { persistedQuery: _, ...rest } = extensions;
  return rest;
}

/**
 * The HTTP side, as an Apollo Server plugin: resolves `documentId` and persisted-query hashes
 * to their listed text before Apollo looks at the request, and refuses unlisted documents with
 * PERSISTED_QUERY_NOT_LISTED (HTTP 400) in `enforce` mode.
 *
 * Apollo's hooks that run before parsing cannot answer a request with an error (a throw there
 * is a 500), so a refused request continues with a fixed one-field placeholder instead of its
 * own text (nothing unlisted is parsed or validated) and is refused once its operation
 * resolves. The persisted-query extension of a resolved request is removed, so Apollo's
 * automatic persisted queries (APQ) never see it; in `enforce` mode the gateway also turns
 * APQ off, so no client can register a document.
 *
 * Requests without HTTP details come from `executeOperation`: the gateway's WebSocket and SSE
 * transports, which checked the client's document themselves and run it re-printed.
 */
export function trustedDocumentsPlugin<T extends BaseContext>(documents: TrustedDocuments): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      if (!request.http) return;
      const documentId =
        request.http.method === "GET"
          ? (new URLSearchParams(request.http.search).get("documentId") ?? undefined)
          : (request.http.body as { documentId?: unknown } | undefined)?.documentId;
      const resolution = documents.resolve({ ...request, documentId });
      if ("refused" in resolution) {
        request.query = REFUSED_PLACEHOLDER;
        request.operationName = undefined;
        request.variables = {};
        request.extensions = withoutPersistedQuery(request.extensions);
        const refusal = httpError(NOT_LISTED_CODE, resolution.refused, 400);
        return {
          async didResolveOperation() {
            throw refusal;
          },
        };
      }
      if (resolution.listed) {
        request.query = resolution.query;
        request.extensions = withoutPersistedQuery(request.extensions);
      }
    },
  };
}

/**
 * The WebSocket and SSE side: the text to run for a `subscribe` payload or an SSE body, or a
 * refusal (`refused` message, code PERSISTED_QUERY_NOT_LISTED). `null` documents: no check.
 */
export function trustedQueryOf(
  documents: TrustedDocuments | null,
  params: OperationParams,
): { query: unknown } | { refused: string } {
  if (!documents) return { query: params.query };
  const resolution = documents.resolve(params);
  if ("refused" in resolution) return resolution;
  return { query: resolution.query ?? params.query };
}
