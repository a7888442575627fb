import type { Fetcher, FetcherRequestInit, FetcherResponse } from "@apollo/utils.fetcher";
import { getOperationAST, parse, type OperationTypeNode } from "graphql";
import { Headers, Response } from "node-fetch";

/**
 * In-flight deduplication of subgraph requests (what Apollo Router calls
 * `traffic_shaping.deduplicate_query` and Hive Gateway `deduplicateInflightRequests`): while a
 * subgraph request is on its way, an identical one waits for its answer instead of being sent.
 *
 * Shared: `query` operations only, without any user credential, whose wire request is identical
 * — same URL, same body (query, variables, operationName, extensions) and the same headers
 * except the per-request ones below (the request id). So only public data is ever shared.
 * Never shared: mutations and subscriptions (each must run), and any request that carries a
 * user credential (Authorization, Cookie): two users' answers can differ, and one user's answer
 * must never reach another, even if the query looks public.
 *
 * Every caller gets a Response of its own, rebuilt from the shared body, so each one parses its
 * own objects (the gateway merges entities into what it receives, so nothing may be shared). A
 * failure (network error, timeout) reaches every waiter, as its own copy of the error.
 */

/** Headers that carry who is asking: a request with one of them is never shared. */
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);
/** Headers that differ on every request and do not change the answer: left out of the key. */
const PER_REQUEST_HEADERS = new Set(["x-request-id", "traceparent", "tracestate"]);

export interface DeduplicationHooks {
  /** A request answered by an identical one already in flight (not sent). */
  onShared?: () => void;
}

interface Buffered {
  url: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

/**
 * A fetcher that sends each distinct in-flight public query once. `send` is the real fetcher
 * (keep-alive pool, deadline); the deadline of the request actually sent is every waiter's.
 */
export function deduplicatingFetcher(send: Fetcher, hooks: DeduplicationHooks = {}): Fetcher {
  const inFlight = new Map<string, Promise<Buffered>>();
  return async (url, init) => {
    const key = deduplicationKey(url, init);
    if (key === null) return send(url, init);
    const existing = inFlight.get(key);
    if (existing) {
      hooks.onShared?.();
      try {
        return replay(await existing);
      } catch (error) {
        throw copyError(error);
      }
    }
    const flight = (async (): Promise<Buffered> => {
      const response = await send(url, init);
      // The body is read once, here; every caller parses its own copy of it.
      const body = await response.text();
      return {
        url: response.url,
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
        body,
      };
    })();
    inFlight.set(key, flight);
    const done = () => {
      if (inFlight.get(key) === flight) inFlight.delete(key);
    };
    flight.then(done, done);
    return replay(await flight);
  };
}

/** A fresh Response per caller: its own headers, its own body stream, nothing shared. */
function replay(buffered: Buffered): FetcherResponse {
  return new Response(buffered.body, {
    url: buffered.url,
    status: buffered.status,
    statusText: buffered.statusText,
    headers: new Headers(buffered.headers),
  }) as unknown as FetcherResponse;
}

/**
 * The key of a request that may be shared, or null when it must be sent on its own: not a
 * POST with a JSON body, a user credential among its headers, or not a `query` operation.
 */
export function deduplicationKey(url: string, init: FetcherRequestInit | undefined): string | null {
  if (!init || typeof init.body !== "string" || (init.method ?? "GET").toUpperCase() !== "POST") return null;
  const headers = Object.entries(init.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const);
  if (headers.some(([name]) => CREDENTIAL_HEADERS.has(name))) return null;
  if (operationKindOfBody(init.body) !== "query") return null;
  const kept = headers
    .filter(([name]) => !PER_REQUEST_HEADERS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([url, kept, init.body]);
}

/** Operation kind by (operationName, query): the gateway sends few distinct subgraph operations. */
const kinds = new Map<string, OperationTypeNode | null>();
const MAX_KINDS = 1_000;

/** The kind of the operation a GraphQL request body runs; null if it cannot be told. */
export function operationKindOfBody(body: string): OperationTypeNode | null {
  let request: { query?: unknown; operationName?: unknown };
  try {
    request = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof request?.query !== "string") return null;
  const operationName = typeof request.operationName === "string" ? request.operationName : null;
  const cacheKey = `${operationName ?? ""}\u0000${request.query}`;
  let kind = kinds.get(cacheKey);
  if (kind === undefined) {
    try {
      kind = getOperationAST(parse(request.query), operationName)?.operation ?? null;
    } catch {
      kind = null;
    }
    if (kinds.size >= MAX_KINDS) kinds.delete(kinds.keys().next().value!);
    kinds.set(cacheKey, kind);
  }
  return kind;
}

/**
 * A copy of an error for one waiter: same class and fields, its own `extensions` and other
 * plain-object fields, so that what one request's error handling does to it stays its own.
 */
export function copyError<E>(error: E): E {
  if (!(error instanceof Error)) return error;
  const copy = Object.create(Object.getPrototypeOf(error)) as Error;
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
    if ("value" in descriptor && isPlainObject(descriptor.value)) {
      try {
        descriptor.value = structuredClone(descriptor.value);
      } catch {
        descriptor.value = { ...descriptor.value };
      }
    }
    Object.defineProperty(copy, key, descriptor);
  }
  return copy as E;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
