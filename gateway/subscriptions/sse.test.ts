import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import type { ExecutionResult } from "graphql";
import { TOKEN_HEADER_KEY } from "graphql-sse";
import { afterEach, describe, expect, it } from "vitest";
import type { Principal, TokenVerifier } from "../../lib/core/auth";
import { DomainError } from "../../lib/core/errors";
import { graphqlCjs } from "../../lib/graphql/graphql-cjs";
import { HttpError, sendError } from "../../lib/http/server";
import { eventually } from "../../test/support/eventually";
import { sseSingleConnectionClient, subscribeOn } from "../../test/support/live";
import { createOperationLimiter } from "../operation-limits";
import type { RateLimiter } from "../rate-limit/limiter";
import type { SubscriptionHub } from "./hub";
import { createSseHandler } from "./sse";

// graphql-sse and the limiter load graphql's CommonJS build, as the gateway's schema does.
const schema = graphqlCjs.buildSchema(`
  type Query { hello: String }
  type Subscription { ticks: String }
`);

/** A verifier that counts how often it is asked (the real one caches, but is still asked). */
function countingVerifier() {
  const calls: string[] = [];
  const verifier: TokenVerifier = {
    async verify(token) {
      calls.push(token);
      return { userId: "u1", role: "GUEST", expiresAt: Math.floor(Date.now() / 1000) + 3600 } satisfies Principal;
    },
  };
  return { verifier, calls };
}

describe("SSE: the caller's token is verified once per request", () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function start(options: { rateLimiter?: RateLimiter } = {}) {
    const { verifier, calls } = countingVerifier();
    const handler = createSseHandler({
      limiter: createOperationLimiter(),
      schema: () => schema,
      // A subscription is refused by the hub here: the test is about what happens before it.
      hub: {
        prepare: async () => ({ refusal: { errors: [] } }),
      } as unknown as SubscriptionHub,
      execute: async () => ({ data: { hello: "world" } }),
      verifier,
      ...options,
    });
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/graphql`;
    const post = async (query: string) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", authorization: "Bearer t0k3n" },
        body: JSON.stringify({ query }),
      });
      return { status: response.status, text: await response.text() };
    };
    return { post, calls };
  }

  it("for a query (onConnect and the context share one verification)", async () => {
    const { post, calls } = await start();
    const answer = await post("{ hello }");
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("world");
    expect(calls).toEqual(["t0k3n"]);
  });

  it("for a subscription that is rate-limited (admission, onConnect and context)", async () => {
    const admitted: (string | null)[] = [];
    const rateLimiter = {
      clientIp: () => "192.0.2.1",
      admit: async (principal: Principal | null) => {
        admitted.push(principal?.userId ?? null);
        return null;
      },
    } as unknown as RateLimiter;
    const { post, calls } = await start({ rateLimiter });
    const answer = await post("subscription { ticks }");
    expect(answer.status).toBe(200);
    expect(admitted).toEqual(["u1"]);
    expect(calls).toEqual(["t0k3n"]);
  });
});

/** Token → user for the single-connection tests; any other token is invalid. */
const USERS: Record<string, string> = { alice: "u-alice", bob: "u-bob" };
const namedVerifier: TokenVerifier = {
  async verify(token) {
    const userId = USERS[token];
    if (!userId) throw new DomainError("UNAUTHENTICATED", "Invalid or expired token");
    return { userId, role: "GUEST", expiresAt: Math.floor(Date.now() / 1000) + 3600 };
  },
};

/** A hub whose subscriptions are fed by the test: `publish` pushes to every open one. */
function feedingHub() {
  const open = new Set<{ push(value: unknown): void }>();
  const hub = {
    prepare: async () => ({ plan: {} }),
    async subscribe(): Promise<AsyncIterableIterator<ExecutionResult>> {
      const queue: unknown[] = [];
      let wake: (() => void) | null = null;
      let ended = false;
      const feed = {
        push(value: unknown) {
          queue.push(value);
          wake?.();
        },
      };
      open.add(feed);
      const end = () => {
        ended = true;
        open.delete(feed);
        wake?.();
      };
      const iterator: AsyncIterableIterator<ExecutionResult> = {
        async next() {
          while (!queue.length && !ended) await new Promise<void>((resolve) => (wake = resolve));
          if (ended) return { value: undefined, done: true };
          return { value: { data: { ticks: queue.shift()! } }, done: false };
        },
        async return() {
          end();
          return { value: undefined, done: true };
        },
        async throw(error: unknown) {
          end();
          throw error;
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
  };
  return {
    hub: hub as unknown as SubscriptionHub,
    open,
    publish: (value: unknown) => open.forEach((f) => f.push(value)),
  };
}

describe("SSE single connection mode", () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function start(streams?: { maxPerClient?: number; reservationTtlMs?: number }) {
    const feeding = feedingHub();
    const handler = createSseHandler({
      limiter: createOperationLimiter(),
      schema: () => schema,
      hub: feeding.hub,
      execute: async () => ({ data: { hello: "world" } }),
      verifier: namedVerifier,
      streams,
    });
    // What the gateway's HTTP server does with a refusal (lib/http/server.ts).
    server = createServer(
      (req, res) =>
        void handler(req, res).catch((error: unknown) => {
          if (error instanceof HttpError) sendError(res, error.status, error.message, error.code);
          else res.destroy(error as Error);
        }),
    );
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/graphql`;
    const as = (user?: string): Record<string, string> => (user ? { authorization: `Bearer ${user}` } : {});
    const reserve = async (user?: string) => {
      const response = await fetch(url, { method: "PUT", headers: as(user) });
      return { status: response.status, text: await response.text() };
    };
    const operation = (token: string, user?: string, operationId = randomUUID()) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", [TOKEN_HEADER_KEY]: token, ...as(user) },
        body: JSON.stringify({ query: "subscription { ticks }", extensions: { operationId } }),
      });
    return { ...feeding, url, as, reserve, operation };
  }

  it("carries two subscriptions on one stream, and stops only the one the client ends (DELETE)", async () => {
    const { url, open, publish } = await start();
    const { client, requests } = sseSingleConnectionClient(url, "alice");
    const first = subscribeOn<{ ticks: string }>(client, "subscription { ticks }");
    const second = subscribeOn<{ ticks: string }>(client, "subscription { ticks }");
    await eventually(
      () => open.size,
      (n) => n === 2,
      5_000,
    );
    publish("1");
    await Promise.all([first.next(), second.next()]);
    first.close();
    await eventually(
      () => open.size === 1 && requests.includes("DELETE 200"),
      (stopped) => stopped,
      5_000,
    );
    publish("2");
    await second.next((p) => p.ticks === "2");
    expect(second.received).toEqual([{ ticks: "1" }, { ticks: "2" }]);
    expect(first.received).toEqual([{ ticks: "1" }]);
    expect(requests.sort()).toEqual(["DELETE 200", "GET 200", "POST 202", "POST 202", "PUT 201"]);
    client.dispose();
  });

  it("belongs to the user who reserved it: anyone else's requests naming it are refused", async () => {
    const { url, as, reserve, operation } = await start();
    const reserved = await reserve("alice");
    expect(reserved.status).toBe(201);
    const token = reserved.text;
    const codeOf = async (response: Response) => {
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      return [response.status, body.errors[0].extensions.code];
    };
    expect(await codeOf(await operation(token, "bob"))).toEqual([403, "FORBIDDEN"]);
    expect(await codeOf(await operation(token))).toEqual([403, "FORBIDDEN"]);
    expect(await codeOf(await operation(token, "forged"))).toEqual([401, "UNAUTHENTICATED"]);
    expect(await codeOf(await operation(randomUUID(), "alice"))).toEqual([404, "NOT_FOUND"]);
    const stream = (user: string) =>
      fetch(url, { headers: { accept: "text/event-stream", [TOKEN_HEADER_KEY]: token, ...as(user) } });
    expect(await codeOf(await stream("bob"))).toEqual([403, "FORBIDDEN"]);
    const stop = await fetch(`${url}?operationId=x`, {
      method: "DELETE",
      headers: { [TOKEN_HEADER_KEY]: token, ...as("bob") },
    });
    expect(await codeOf(stop)).toEqual([403, "FORBIDDEN"]);
    expect((await operation(token, "alice")).status).toBe(202);
    // The gateway picks the token: one a client proposes is not taken.
    const proposed = await fetch(url, { method: "PUT", headers: { [TOKEN_HEADER_KEY]: token, ...as("bob") } });
    expect(await proposed.text()).not.toBe(token);
  });

  it("bounds reservations per user and per address, and drops one nobody connects to", async () => {
    const { url, as, reserve, operation, open } = await start({ maxPerClient: 2, reservationTtlMs: 300 });
    const first = await reserve("alice");
    expect((await reserve("alice")).status).toBe(201);
    const over = await reserve("alice");
    expect(over.status).toBe(429);
    expect(JSON.parse(over.text).errors[0].extensions.code).toBe("RATE_LIMITED");
    expect((await reserve("bob")).status).toBe(201);
    expect((await reserve()).status).toBe(201);
    expect((await reserve()).status).toBe(201);
    expect((await reserve()).status).toBe(429);

    // A subscription waiting on a reservation that is never connected ends with it.
    expect((await operation(first.text, "alice")).status).toBe(202);
    expect(open.size).toBe(1);
    await eventually(
      () => open.size,
      (n) => n === 0,
      5_000,
    );
    const late = await fetch(url, {
      headers: { accept: "text/event-stream", [TOKEN_HEADER_KEY]: first.text, ...as("alice") },
    });
    expect(late.status).toBe(404);
    expect((await reserve("alice")).status).toBe(201);
  });

  it("cuts off a reader that stops reading, ending its subscriptions", async () => {
    const { url, open, publish } = await start();
    const { hostname, port } = new URL(url);
    const body = JSON.stringify({ query: "subscription { ticks }" });
    // A client that sends its request and never reads the answer.
    const socket = connect(Number(port), hostname);
    socket.pause();
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await eventually(
      () => open.size,
      (n) => n === 1,
      5_000,
    );
    // 64 MiB at most: far more than the 1 MiB bound plus what the kernel's socket buffers hold.
    const big = "x".repeat(64 * 1024);
    for (let pushed = 0; open.size > 0 && pushed < 1_000; pushed++) {
      publish(big);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(open.size).toBe(0);
    socket.destroy();
  });
});
