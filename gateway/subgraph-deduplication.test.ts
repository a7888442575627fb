import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { GraphQLError } from "graphql";
import { Headers } from "node-fetch";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../lib/core/errors";
import { loadGatewayConfig } from "./config";
import type { GatewayContext } from "./context";
import { keepAliveFetcher, SubgraphDataSource } from "./subgraph-data-source";
import { copyError, deduplicationKey } from "./subgraph-deduplication";

/**
 * A real HTTP server standing in for a subgraph: it records every request, can hold its answers
 * until released (so concurrent callers are provably in flight together), and answers with the
 * caller's variables and Authorization header, so each caller can tell whose answer it got.
 */
function fakeSubgraph() {
  const received: { headers: IncomingHttpHeaders; body: Record<string, any> }[] = [];
  let mode: "answer" | "http-500" | "drop" = "answer";
  let gate: Promise<void> | null = null;
  let open = () => {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      received.push({ headers: req.headers, body });
      await gate;
      if (mode === "drop") return req.socket.destroy();
      if (mode === "http-500") {
        res.writeHead(500, { "content-type": "application/json" });
        return res.end(JSON.stringify({ errors: [{ message: "database is down" }] }));
      }
      res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=5, public" });
      res.end(
        JSON.stringify({
          data: {
            echo: {
              variables: body.variables ?? null,
              user: req.headers.authorization ?? null,
              items: [{ id: "v1", tags: ["public"] }],
            },
          },
        }),
      );
    });
  });
  return {
    received,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    listen: () => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    setMode: (next: typeof mode) => void (mode = next),
    /** Answers wait until `release()`. */
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release() {
      open();
      gate = null;
    },
    /** Resolves once `n` requests arrived, then leaves a moment for any more to (wrongly) arrive. */
    async arrived(n: number) {
      const deadline = Date.now() + 5_000;
      while (received.length < n && Date.now() < deadline) await sleep(5);
      await sleep(100);
    },
    reset() {
      received.length = 0;
      mode = "answer";
      this.release();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const VENUE = "query Venue__inventory__0($id:ID!){venue(id:$id){id name}}";
const CREATE = 'mutation Create__inventory__0{createVenue(input:{name:"Hall"}){id}}';

describe("SubgraphDataSource: identical in-flight anonymous queries", () => {
  const subgraph = fakeSubgraph();
  const counts = { sent: 0, shared: 0 };
  let source: SubgraphDataSource;
  let plain: SubgraphDataSource;

  beforeAll(async () => {
    await subgraph.listen();
    const fetcher = keepAliveFetcher(64, 5_000);
    source = new SubgraphDataSource(subgraph.url(), {
      serviceSecret: "service-secret",
      fetcher,
      deduplicate: true,
      onRequest: () => counts.sent++,
      onDeduplicated: () => counts.shared++,
    });
    plain = new SubgraphDataSource(subgraph.url(), { serviceSecret: "service-secret", fetcher, deduplicate: false });
  });
  afterEach(() => {
    subgraph.reset();
    counts.sent = 0;
    counts.shared = 0;
  });
  afterAll(() => subgraph.close());

  /** What the gateway's executor does for one fetch of one client request. */
  const send = (
    dataSource: SubgraphDataSource,
    query: string,
    variables: Record<string, unknown> = {},
    options: { token?: string; headers?: Record<string, string> } = {},
  ) =>
    dataSource.process({
      kind: "incoming operation",
      request: {
        query,
        variables,
        operationName: /(?:query|mutation) (\w+)/.exec(query)?.[1],
        ...(options.headers ? { http: { method: "POST", url: "", headers: new Headers(options.headers) } } : {}),
      },
      incomingRequestContext: {},
      context: { principal: null, token: options.token ?? null, requestId: randomUUID() },
    } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>);

  /** Starts `calls` together, holds the subgraph until they are all in flight, then answers. */
  async function together<T>(calls: (() => Promise<T>)[], expectedAtSubgraph: number) {
    subgraph.hold();
    const running = calls.map((call) => call());
    const settled = Promise.allSettled(running);
    await subgraph.arrived(expectedAtSubgraph);
    subgraph.release();
    return settled;
  }

  it("sends N concurrent identical anonymous queries once; every caller gets the data", async () => {
    const results = await together(
      Array.from({ length: 20 }, () => () => send(source, VENUE, { id: "v1" })),
      1,
    );
    expect(subgraph.received).toHaveLength(1);
    expect(counts).toEqual({ sent: 1, shared: 19 });
    for (const result of results) {
      expect(result.status).toBe("fulfilled");
      const response = (result as PromiseFulfilledResult<any>).value;
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({
        echo: { variables: { id: "v1" }, user: null, items: [{ id: "v1", tags: ["public"] }] },
      });
    }
    // The request sent carried the service secret and no user credential.
    expect(subgraph.received[0].headers["x-service-secret"]).toBe("service-secret");
    expect(subgraph.received[0].headers.authorization).toBeUndefined();
  });

  it("gives every caller its own copy: changing one answer changes no other", async () => {
    const results = (await together(
      Array.from({ length: 3 }, () => () => send(source, VENUE, { id: "v1" })),
      1,
    )) as PromiseFulfilledResult<any>[];
    expect(subgraph.received).toHaveLength(1);
    const [a, b, c] = results.map((r) => r.value);
    expect(a.data).not.toBe(b.data);
    expect(a.data.echo.items).not.toBe(b.data.echo.items);
    expect(a.http).not.toBe(b.http);
    expect(a.http.headers).not.toBe(b.http.headers);
    // What the gateway does to entities it receives (adds __typename, merges fields) stays local.
    a.data.echo.items[0].tags.push("mutated");
    a.data.echo.items[0].__typename = "Venue";
    b.data.echo.variables.id = "changed";
    expect(c.data.echo).toEqual({ variables: { id: "v1" }, user: null, items: [{ id: "v1", tags: ["public"] }] });
    expect(b.data.echo.items[0]).toEqual({ id: "v1", tags: ["public"] });
    expect(c.http.headers.get("cache-control")).toBe("max-age=5, public");
  });

  it("never shares across credentials: two users (and a repeated token) each get their own request and answer", async () => {
    const results = (await together(
      [
        () => send(source, VENUE, { id: "v1" }, { token: "token-of-alice" }),
        () => send(source, VENUE, { id: "v1" }, { token: "token-of-bob" }),
        () => send(source, VENUE, { id: "v1" }, { token: "token-of-bob" }),
        () => send(source, VENUE, { id: "v1" }),
        () => send(source, VENUE, { id: "v1" }),
      ],
      4,
    )) as PromiseFulfilledResult<any>[];
    // Alice, Bob twice (a credential is never shared, even with itself), and one for both anonymous callers.
    expect(subgraph.received).toHaveLength(4);
    expect(subgraph.received.map((r) => r.headers.authorization ?? null).sort()).toEqual([
      "Bearer token-of-alice",
      "Bearer token-of-bob",
      "Bearer token-of-bob",
      null,
    ]);
    expect(results.map((r) => r.value.data.echo.user)).toEqual([
      "Bearer token-of-alice",
      "Bearer token-of-bob",
      "Bearer token-of-bob",
      null,
      null,
    ]);
    expect(counts.shared).toBe(1);
  });

  it("never deduplicates a mutation, even an anonymous one", async () => {
    const results = await together(
      Array.from({ length: 5 }, () => () => send(source, CREATE)),
      5,
    );
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(subgraph.received).toHaveLength(5);
    expect(counts).toEqual({ sent: 5, shared: 0 });
  });

  it("shares only identical requests: other variables, or a header that changes the answer, are sent apart", async () => {
    const results = (await together(
      [
        () => send(source, VENUE, { id: "v1" }),
        () => send(source, VENUE, { id: "v2" }),
        () => send(source, VENUE, { id: "v1" }, { headers: { "apollo-federation-include-trace": "ftv1" } }),
      ],
      3,
    )) as PromiseFulfilledResult<any>[];
    expect(subgraph.received).toHaveLength(3);
    expect(results.map((r) => r.value.data.echo.variables.id)).toEqual(["v1", "v2", "v1"]);
  });

  it("caches nothing: requests that do not overlap in time are each sent", async () => {
    await send(source, VENUE, { id: "v1" });
    await send(source, VENUE, { id: "v1" });
    expect(subgraph.received).toHaveLength(2);
  });

  it("gives every waiter the error when the subgraph answers 500, each its own copy", async () => {
    subgraph.setMode("http-500");
    const results = await together(
      Array.from({ length: 5 }, () => () => send(source, VENUE, { id: "v1" })),
      1,
    );
    expect(subgraph.received).toHaveLength(1);
    const errors = results.map((r) => {
      expect(r.status).toBe("rejected");
      return (r as PromiseRejectedResult).reason as GraphQLError;
    });
    for (const error of errors) {
      // (@apollo/gateway loads graphql's CommonJS build: a GraphQLError by name, not by class)
      expect(error.name).toBe("GraphQLError");
      expect(error.message).toBe("500: Internal Server Error");
      expect((error.extensions.response as { status: number }).status).toBe(500);
    }
    expect(new Set(errors).size).toBe(5);
    expect(errors[0].extensions).not.toBe(errors[1].extensions);
  });

  it("gives every waiter SERVICE_UNAVAILABLE when the connection drops", async () => {
    subgraph.setMode("drop");
    const results = await together(
      Array.from({ length: 5 }, () => () => send(source, VENUE, { id: "v1" })),
      1,
    );
    expect(subgraph.received).toHaveLength(1);
    for (const result of results) {
      expect(result.status).toBe("rejected");
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(DomainError);
      expect(error.code).toBe("SERVICE_UNAVAILABLE");
    }
  });

  it("is off with deduplicate: false", async () => {
    await together(
      Array.from({ length: 5 }, () => () => send(plain, VENUE, { id: "v1" })),
      5,
    );
    expect(subgraph.received).toHaveLength(5);
  });
});

describe("deduplicationKey", () => {
  const body = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
    JSON.stringify({ query, variables, operationName });
  const init = (query: string, headers: Record<string, string> = {}, variables: Record<string, unknown> = {}) => ({
    method: "POST",
    headers: { "content-type": "application/json", "x-service-secret": "s", ...headers },
    body: body(query, variables),
  });
  const URL = "http://127.0.0.1:4002/graphql";

  it("keys anonymous queries on URL, body and headers, without the request id", () => {
    const a = deduplicationKey(URL, init("{venues{id}}", { "x-request-id": "one" }));
    const b = deduplicationKey(URL, init("{venues{id}}", { "x-request-id": "two" }));
    expect(a).not.toBeNull();
    expect(a).toBe(b);
    expect(deduplicationKey("http://127.0.0.1:4003/graphql", init("{venues{id}}"))).not.toBe(a);
    expect(deduplicationKey(URL, init("{venues{id}}", {}, { first: 2 }))).not.toBe(a);
    expect(deduplicationKey(URL, init("{venues{id}}", { "apollo-federation-include-trace": "ftv1" }))).not.toBe(a);
  });

  it("is null for anything carrying a user credential", () => {
    const credentials: Record<string, string>[] = [
      { authorization: "Bearer x" },
      { Authorization: "Bearer x" },
      { cookie: "session=1" },
    ];
    for (const headers of credentials) {
      expect(deduplicationKey(URL, init("{venues{id}}", headers))).toBeNull();
    }
  });

  it("is null for mutations, subscriptions and what cannot be read", () => {
    expect(deduplicationKey(URL, init("mutation{createVenue{id}}"))).toBeNull();
    expect(deduplicationKey(URL, init("subscription{availabilityChanged(slotId:1){available}}"))).toBeNull();
    // The operation that runs decides, not the first one in the document.
    const twoOps = "query A{venues{id}} mutation B{createVenue{id}}";
    expect(deduplicationKey(URL, { ...init(""), body: body(twoOps, {}, "B") })).toBeNull();
    expect(deduplicationKey(URL, { ...init(""), body: body(twoOps, {}, "A") })).not.toBeNull();
    expect(deduplicationKey(URL, { ...init(""), body: body(twoOps) })).toBeNull();
    expect(deduplicationKey(URL, { ...init(""), body: "not json" })).toBeNull();
    expect(deduplicationKey(URL, { ...init(""), body: body("{ broken") })).toBeNull();
    expect(deduplicationKey(URL, { ...init("{venues{id}}"), method: "GET" })).toBeNull();
  });
});

describe("copyError", () => {
  it("keeps the class and fields and copies extensions", () => {
    const original = new GraphQLError("boom", { extensions: { code: "X", response: { status: 500 } } });
    const copy = copyError(original);
    expect(copy).toBeInstanceOf(GraphQLError);
    expect(copy).not.toBe(original);
    expect(copy.message).toBe("boom");
    expect(copy.extensions).toEqual(original.extensions);
    expect(copy.extensions).not.toBe(original.extensions);
    const domain = copyError(new DomainError("SERVICE_UNAVAILABLE", "later"));
    expect(domain).toBeInstanceOf(DomainError);
    expect(domain.code).toBe("SERVICE_UNAVAILABLE");
  });
});

describe("GATEWAY_DEDUPLICATE", () => {
  const secrets = { JWT_SECRET: "j".repeat(32), SERVICE_SECRET: "s".repeat(32) };
  it("is on by default and turned off with false", () => {
    expect(loadGatewayConfig(secrets).deduplicateSubgraphRequests).toBe(true);
    expect(loadGatewayConfig({ ...secrets, GATEWAY_DEDUPLICATE: "false" }).deduplicateSubgraphRequests).toBe(false);
    expect(loadGatewayConfig({ ...secrets, GATEWAY_DEDUPLICATE: "0" }).deduplicateSubgraphRequests).toBe(false);
    expect(() => loadGatewayConfig({ ...secrets, GATEWAY_DEDUPLICATE: "maybe" })).toThrow(/GATEWAY_DEDUPLICATE/);
  });
});
