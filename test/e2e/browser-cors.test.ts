import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCI } from "../support/backends";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { newZone, reserve } from "../support/scenario";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (isCI && !hasChromium) throw new Error(`CI must have Chromium at ${CHROMIUM} (.ci/run installs it)`);

const AVAILABILITY = `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { available } }`;

/** A web app of its own: a node:http server on another port that serves one HTML page. */
async function webApp(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html><head><title>web app</title></head><body>web app</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const activeSubscriptions = (text: string) =>
  Number(/^gateway_subscriptions_active\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);

/**
 * The API from a page on another origin in a real Chromium, as the README's Next.js client uses
 * it: an origin on CORS_ORIGINS can query, mutate with a token and subscribe over SSE and
 * WebSocket; an origin not on it is refused on every transport.
 */
describe.runIf(hasChromium)("the gateway from a browser page on another origin", () => {
  let t: TestPlatform;
  let browser: Browser;
  let allowed: Awaited<ReturnType<typeof webApp>>;
  let foreign: Awaited<ReturnType<typeof webApp>>;
  const pages: Page[] = [];
  beforeAll(async () => {
    allowed = await webApp();
    foreign = await webApp();
    t = await startTestPlatform({ CORS_ORIGINS: `http://localhost:3000,${allowed.origin}` });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await allowed?.close();
    await foreign?.close();
  });
  const gateway = () => t.platform.gatewayUrl;
  async function open(origin: string): Promise<Page> {
    const page = await browser.newPage();
    pages.push(page);
    await page.goto(`${origin}/`);
    expect(await page.evaluate(() => (globalThis as any).location.origin as string)).toBe(origin);
    return page;
  }
  /** Runs `fetch` in the page; answers `{ status, body }` or `{ error }` when the browser refused it. */
  const pageFetch = (
    page: Page,
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string },
  ) =>
    page.evaluate(
      async ({ url, init }) => {
        try {
          const response = await fetch(url, init);
          return { status: response.status, body: (await response.json()) as any, error: null };
        } catch (error) {
          return { status: 0, body: null as any, error: String(error) };
        }
      },
      { url, init },
    );
  const graphql = (page: Page, query: string, variables?: object, token?: string) =>
    pageFetch(page, gateway(), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        // What Apollo Client sends: name and version of the app, the operation's name.
        "apollographql-client-name": "web",
        "apollographql-client-version": "1.0.0",
        "x-apollo-operation-name": "Op",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });

  it("an allowed origin runs a query and a mutation with a token", async () => {
    const page = await open(allowed.origin);
    const venues = await graphql(
      page,
      `
        query Op {
          venues {
            name
          }
        }
      `,
    );
    expect(venues.error).toBeNull();
    expect(venues.status).toBe(200);
    expect(venues.body.data.venues.map((v: { name: string }) => v.name)).toContain("Grand Theatre");

    const { zoneId } = await newZone(t, 10);
    const token = await t.tokenFor(`browser-${randomUUID()}`, "GUEST");
    const reserved = await graphql(
      page,
      `
        mutation Op($input: ReserveSeatsInput!) {
          reserveSeats(input: $input) {
            status
            quantity
          }
        }
      `,
      { input: { zoneId, quantity: 2, idempotencyKey: `browser-${randomUUID()}` } },
      token,
    );
    expect(reserved.error).toBeNull();
    expect(reserved.body.errors).toBeUndefined();
    expect(reserved.body.data.reserveSeats).toEqual({ status: "PENDING", quantity: 2 });

    // The documented GET: a query with the apollo-require-preflight header.
    const get = await pageFetch(page, `${gateway()}?query=${encodeURIComponent("{ venues { city } }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(get.error).toBeNull();
    expect(get.body.data.venues.length).toBeGreaterThan(0);
  }, 60_000);

  it("an allowed origin subscribes over SSE (fetch with Accept: text/event-stream)", async () => {
    const page = await open(allowed.origin);
    const { zoneId, slotId } = await newZone(t, 10);
    const before = activeSubscriptions(await t.metrics());
    const token = await t.tokenFor(`browser-sse-${randomUUID()}`, "GUEST");
    await page.evaluate(
      ({ url, query, variables, token }) => {
        const state = ((globalThis as any).sse = { events: [] as string[], error: null as string | null });
        void (async () => {
          try {
            const response = await fetch(url, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                accept: "text/event-stream",
                authorization: `Bearer ${token}`,
              },
              body: JSON.stringify({ query, variables }),
            });
            const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              state.events.push(value);
            }
          } catch (error) {
            state.error = String(error);
          }
        })();
      },
      { url: gateway(), query: AVAILABILITY, variables: { slotId }, token },
    );
    await expect.poll(async () => activeSubscriptions(await t.metrics()), { timeout: 15_000 }).toBeGreaterThan(before);
    await reserve(t, await t.tokenFor(`other-${randomUUID()}`, "GUEST"), zoneId, 3);
    await expect
      .poll(() => page.evaluate(() => (globalThis as any).sse.events.join("")), { timeout: 15_000 })
      .toMatch(
        /event: next\s+data: \{"data":\{"availabilityChanged":\{"available":7\}\},"extensions":\{"cursor":"\d+-\d+"/,
      );
    expect(await page.evaluate(() => (globalThis as any).sse.error)).toBeNull();
  }, 60_000);

  it("an allowed origin subscribes over WebSocket (graphql-transport-ws)", async () => {
    const page = await open(allowed.origin);
    const { zoneId, slotId } = await newZone(t, 10);
    const token = await t.tokenFor(`browser-ws-${randomUUID()}`, "GUEST");
    await page.evaluate(
      ({ url, query, variables, token }) => {
        const state = ((globalThis as any).ws = { messages: [] as any[], closed: null as number | null });
        const socket = new WebSocket(url, "graphql-transport-ws");
        socket.onopen = () =>
          socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
        socket.onmessage = (event) => {
          const message = JSON.parse(event.data);
          state.messages.push(message);
          if (message.type === "connection_ack")
            socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
          if (message.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
        };
        socket.onclose = (event) => (state.closed = event.code);
      },
      { url: gateway().replace(/^http/, "ws"), query: AVAILABILITY, variables: { slotId }, token },
    );
    await expect
      .poll(() => page.evaluate(() => (globalThis as any).ws.messages.map((m: any) => m.type)), { timeout: 10_000 })
      .toContain("connection_ack");
    // The subscription is attached once the hub counts it; then a reservation elsewhere.
    await expect.poll(async () => activeSubscriptions(await t.metrics()), { timeout: 15_000 }).toBeGreaterThan(0);
    await reserve(t, await t.tokenFor(`other-${randomUUID()}`, "GUEST"), zoneId, 4);
    await expect
      .poll(
        () =>
          page.evaluate(() =>
            (globalThis as any).ws.messages
              .filter((m: any) => m.type === "next")
              .map((m: any) => m.payload.data.availabilityChanged.available),
          ),
        { timeout: 15_000 },
      )
      .toContain(6);
    expect(await page.evaluate(() => (globalThis as any).ws.closed)).toBeNull();
  }, 60_000);

  it("a page from an origin not on the list is refused: fetch, SSE and WebSocket", async () => {
    const page = await open(foreign.origin);
    // A query (preflighted: JSON), a plain GET (no preflight: the answer carries no
    // Access-Control-Allow-Origin) and an SSE request all fail as CORS errors in the page.
    const query = await graphql(
      page,
      `
        query Op {
          venues {
            name
          }
        }
      `,
    );
    expect(query.error).toMatch(/Failed to fetch/);
    const get = await pageFetch(page, `${gateway()}?query=${encodeURIComponent("{ venues { name } }")}`, {});
    expect(get.error).toMatch(/Failed to fetch/);
    const sse = await pageFetch(page, gateway(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: `{ venues { name } }` }),
    });
    expect(sse.error).toMatch(/Failed to fetch/);

    // A POST sent without a preflight (text/plain) reaches the gateway, is refused (403) and unread.
    const simple = await pageFetch(page, gateway(), {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: `{ venues { name } }` }),
    });
    expect(simple.error).toMatch(/Failed to fetch/);

    const ws = await page.evaluate(
      (url) =>
        new Promise<{ opened: boolean; code: number }>((resolve) => {
          let opened = false;
          const socket = new WebSocket(url, "graphql-transport-ws");
          socket.onopen = () => (opened = true);
          socket.onclose = (event) => resolve({ opened, code: event.code });
        }),
      gateway().replace(/^http/, "ws"),
    );
    expect(ws).toEqual({ opened: false, code: 1006 });
  }, 60_000);
});
