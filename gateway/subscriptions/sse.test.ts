import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Principal, TokenVerifier } from "../../lib/core/auth";
import { graphqlCjs } from "../../lib/graphql/graphql-cjs";
import { createOperationLimiter } from "../operation-limits";
import type { RateLimiter } from "../rate-limit/limiter";
import type { SubscriptionHub } from "./hub";
import { createSseHandler } from "./sse";

// graphql-sse and the limiter load graphql's CommonJS build, as the gateway's schema does.
const schema = graphqlCjs.buildSchema(`
  type Query { hello: String }
  type Subscription { ticks: Int }
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
