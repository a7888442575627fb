import http from "node:http";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { newZone } from "../support/scenario";

const APP = "http://localhost:3000"; // the development default of CORS_ORIGINS
const FOREIGN = "http://evil.example";
const CLIENT_HEADERS = [
  "authorization",
  "content-type",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "apollographql-client-name",
  "apollographql-client-version",
  "x-request-id",
  "last-event-id",
];

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http, so the test decides every header (Origin included). */
function request(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const SECURITY_HEADERS = {
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "x-xss-protection": "0",
  "referrer-policy": "no-referrer",
};

/** CORS, security headers, /metrics access and GET semantics of the gateway (README "The public edge"). */
describe("the gateway's public edge", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => {
    await t?.close();
  });
  const graphqlUrl = () => t.platform.gatewayUrl;
  const origin = () => new URL(t.platform.gatewayUrl).origin;
  const post = (headers: Record<string, string>, query: string, variables?: object) =>
    request(
      graphqlUrl(),
      "POST",
      { "content-type": "application/json", ...headers },
      JSON.stringify({ query, variables }),
    );

  describe("CORS", () => {
    it("answers the preflight of an allowed origin for every header clients send", async () => {
      const answer = await request(graphqlUrl(), "OPTIONS", {
        origin: APP,
        "access-control-request-method": "POST",
        "access-control-request-headers": CLIENT_HEADERS.join(","),
      });
      expect(answer.status).toBe(204);
      expect(answer.headers["access-control-allow-origin"]).toBe(APP);
      expect(answer.headers["access-control-allow-methods"]?.split(",")).toEqual(
        expect.arrayContaining(["GET", "POST"]),
      );
      const allowed = answer.headers["access-control-allow-headers"]!.toLowerCase().split(",");
      for (const header of CLIENT_HEADERS) expect(allowed).toContain(header);
      expect(answer.headers["access-control-max-age"]).toBe("600");
      expect(answer.headers.vary).toMatch(/\bOrigin\b/);
      expect(answer.headers["access-control-allow-credentials"]).toBeUndefined();
      // 127.0.0.1:3000 is in the default too.
      const other = await request(graphqlUrl(), "OPTIONS", {
        origin: "http://127.0.0.1:3000",
        "access-control-request-method": "POST",
      });
      expect(other.headers["access-control-allow-origin"]).toBe("http://127.0.0.1:3000");
    });

    it("gives a foreign origin's preflight no Access-Control-Allow-Origin", async () => {
      const answer = await request(graphqlUrl(), "OPTIONS", {
        origin: FOREIGN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
      });
      expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
      expect(answer.headers.vary).toMatch(/\bOrigin\b/);
    });

    it("an allowed origin and the gateway's own origin get the answer, with the exposed headers", async () => {
      for (const from of [APP, origin()]) {
        const answer = await post({ origin: from }, `{ venues { name } }`);
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body).data.venues.length).toBeGreaterThan(0);
        expect(answer.headers["access-control-allow-origin"]).toBe(from);
        expect(answer.headers["access-control-expose-headers"]?.toLowerCase().split(",")).toEqual(
          expect.arrayContaining(["retry-after", "x-request-id"]),
        );
        expect(answer.headers.vary).toMatch(/\bOrigin\b/);
        // The exposed request id is sent: a new one, or the client's own.
        expect(answer.headers["x-request-id"]).toMatch(/^[\w.-]{8,}$/);
      }
      const quoted = await post({ origin: APP, "x-request-id": "trace-abc123" }, `{ venues { name } }`);
      expect(quoted.headers["x-request-id"]).toBe("trace-abc123");
    });

    it("refuses a state-changing request from a foreign origin with 403 FORBIDDEN, before it runs", async () => {
      const { zoneId } = await newZone(t, 10);
      const token = await t.tokenFor(`edge-${randomUUID()}`, "GUEST");
      const answer = await post(
        { origin: FOREIGN, authorization: `Bearer ${token}` },
        `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id } }`,
        { input: { zoneId, quantity: 2, idempotencyKey: `edge-${randomUUID()}` } },
      );
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toEqual({
        errors: [{ message: `Origin ${FOREIGN} is not allowed`, extensions: { code: "FORBIDDEN" } }],
      });
      expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
      const zone = await t.query(`query($id: ID!) { zone(id: $id) { available } }`, { id: zoneId });
      expect(zone.data!.zone.available).toBe(10);
      // The same request from a server (no Origin) goes through.
      const server = await post(
        { authorization: `Bearer ${token}` },
        `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { status } }`,
        { input: { zoneId, quantity: 2, idempotencyKey: `edge-${randomUUID()}` } },
      );
      expect(JSON.parse(server.body).data.reserveSeats.status).toBe("PENDING");
    });

    it("refuses a WebSocket upgrade from a foreign origin (403) and accepts allowed origins and servers", async () => {
      const wsUrl = graphqlUrl().replace(/^http/, "ws");
      const outcome = (headers: Record<string, string>) =>
        new Promise<number | "open">((resolve, reject) => {
          const socket = new WebSocket(wsUrl, "graphql-transport-ws", { headers });
          socket.on("open", () => {
            socket.close();
            resolve("open");
          });
          socket.on("unexpected-response", (_req, res) => {
            resolve(res.statusCode!);
            res.resume();
            socket.terminate();
          });
          socket.on("error", (error) => reject(error));
        });
      expect(await outcome({ origin: FOREIGN })).toBe(403);
      expect(await outcome({ origin: "null" })).toBe(403);
      expect(await outcome({ origin: APP })).toBe("open");
      expect(await outcome({ origin: origin() })).toBe("open");
      expect(await outcome({})).toBe("open");
    });
  });

  describe("security headers", () => {
    it("are on every answer: GraphQL, preflight, health, 404 and the explorer's assets", async () => {
      const answers = [
        await post({}, `{ venues { name } }`),
        await request(graphqlUrl(), "OPTIONS", { origin: APP, "access-control-request-method": "POST" }),
        await request(`${origin()}/healthz`, "GET"),
        await request(`${origin()}/no-such-route`, "GET"),
        await request(`${origin()}/explorer/assets/start.js`, "GET"),
      ];
      for (const answer of answers) {
        expect(answer.headers).toMatchObject(SECURITY_HEADERS);
        expect(answer.headers["content-security-policy"]).toMatch(/^default-src 'self';.*frame-ancestors 'none'/);
        expect(answer.headers["x-powered-by"]).toBeUndefined();
      }
    });

    it("give the explorer page a policy without inline scripts", async () => {
      const page = await request(`${origin()}/`, "GET", { accept: "text/html" });
      expect(page.status).toBe(200);
      expect(page.headers).toMatchObject(SECURITY_HEADERS);
      const csp = page.headers["content-security-policy"] as string;
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1];
      expect(scriptSrc).toBe("'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      // Every script of the page is a file of the gateway: no inline script element.
      const scripts = [...page.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
      for (const attributes of scripts)
        expect(attributes).toMatch(/src="\/explorer\/assets\/|type="application\/json"/);
    });
  });

  describe("/metrics", () => {
    it("is refused without the METRICS_TOKEN and served with it", async () => {
      const url = `${origin()}/metrics`;
      const anonymous = await request(url, "GET");
      expect(anonymous.status).toBe(401);
      expect(JSON.parse(anonymous.body).errors[0].extensions.code).toBe("UNAUTHENTICATED");
      expect(anonymous.body).not.toContain("gateway_");
      expect((await request(url, "GET", { authorization: "Bearer wrong-token-of-some-length" })).status).toBe(401);
      const userToken = await t.tokenFor(`edge-${randomUUID()}`, "ADMIN");
      expect((await request(url, "GET", { authorization: `Bearer ${userToken}` })).status).toBe(401);
      const scraper = await request(url, "GET", { authorization: `Bearer ${t.platform.env.METRICS_TOKEN}` });
      expect(scraper.status).toBe(200);
      expect(scraper.body).toContain("gateway_subscriptions_active");
    });
  });

  describe("GET /graphql (README: GET semantics)", () => {
    const get = (query: string, headers: Record<string, string> = {}) =>
      request(`${graphqlUrl()}?query=${encodeURIComponent(query)}`, "GET", headers);

    it("runs a query with the apollo-require-preflight header", async () => {
      const answer = await get(`{ venues { name } }`, { "apollo-require-preflight": "true" });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).data.venues.length).toBeGreaterThan(0);
    });

    it("runs a query with a non-simple content-type (application/json)", async () => {
      const answer = await get(`{ venues { name } }`, { "content-type": "application/json" });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).data.venues.length).toBeGreaterThan(0);
    });

    it("refuses a plain GET without either (CSRF prevention) and a mutation over GET", async () => {
      const plain = await get(`{ venues { name } }`);
      expect(plain.status).toBe(400);
      expect(plain.body).toMatch(/apollo-require-preflight/);
      const mutation = await get(
        `mutation { cancelBooking(input: { bookingId: "x", reason: CHANGE_OF_PLANS }) { id } }`,
        {
          "apollo-require-preflight": "true",
        },
      );
      expect(mutation.status).toBe(405);
    });
  });
});
