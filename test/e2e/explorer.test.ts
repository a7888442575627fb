import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCI } from "../support/backends";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { newZone, reserve } from "../support/scenario";

const CHROMIUM = "/usr/bin/chromium";
const OUTPUT = path.resolve(import.meta.dirname, "../../test-output");
const hasChromium = existsSync(CHROMIUM);
if (isCI && !hasChromium) throw new Error(`CI must have Chromium at ${CHROMIUM} (.ci/run installs it)`);

/** The explorer page in a real headless Chromium, against the running platform. */
describe.runIf(hasChromium)("the GraphQL explorer in a browser", () => {
  let t: TestPlatform;
  let browser: Browser;
  const requested: string[] = [];
  /** What the browser refused under the page's Content-Security-Policy (`securitypolicyviolation` events). */
  const violations: string[] = [];
  beforeAll(async () => {
    t = await startTestPlatform({ EXPLORER_DEMO_TOKENS: "true" });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    await mkdir(OUTPUT, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
  const origin = () => new URL(t.platform.gatewayUrl).origin;

  async function open(query: string, variables?: object, headers?: object): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("request", (request) => requested.push(request.url()));
    page.on("console", (message) => {
      if (message.text().startsWith("CSP violation")) violations.push(message.text());
    });
    await page.addInitScript(() =>
      (globalThis as any).document.addEventListener("securitypolicyviolation", (e: any) =>
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
      ),
    );
    const params = new URLSearchParams({ query });
    if (variables) params.set("variables", JSON.stringify(variables));
    if (headers) params.set("headers", JSON.stringify(headers));
    await page.goto(`${origin()}/?${params}`);
    await page.waitForSelector(".graphiql-execute-button", { timeout: 30_000 });
    return page;
  }
  const run = (page: Page) => page.click(".graphiql-execute-button");
  const resultText = (page: Page) => page.locator(".result-window").innerText();

  it("opens with the example operations, one tab each", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("request", (request) => requested.push(request.url()));
    page.on("console", (message) => {
      if (message.text().startsWith("CSP violation")) violations.push(message.text());
    });
    await page.addInitScript(() =>
      (globalThis as any).document.addEventListener("securitypolicyviolation", (e: any) =>
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
      ),
    );
    await page.goto(`${origin()}/`);
    await page.waitForSelector(".graphiql-execute-button", { timeout: 30_000 });
    const tabs = await page.locator(".graphiql-tab").allInnerTexts();
    expect(tabs.map((tab) => tab.trim())).toEqual([
      "Venues",
      "Reserve",
      "Pay",
      "Cancel",
      "WatchAvailability",
      "WatchBooking",
      "OpenWaitingRoom",
      "JoinWaitingRoom",
      "WatchWaitingRoom",
      "JoinWaitlist",
      "MyWaitlist",
    ]);
    expect(await page.locator(".graphiql-editor-tool").first().isVisible()).toBe(true);
    await page.screenshot({ path: path.join(OUTPUT, "explorer-start.png") });
    await page.close();
  }, 60_000);

  it("loads with no request outside the gateway, runs a query and shows the result", async () => {
    const page = await open(`{ venues { name city } }`);
    await run(page);
    await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain("Grand Theatre");
    // The demo tokens are offered in the bar.
    expect(await page.locator("[data-token]").count()).toBe(3);
    await page.screenshot({ path: path.join(OUTPUT, "explorer-query.png") });
    const outside = requested.filter((url) => !url.startsWith(origin()) && !url.startsWith("data:"));
    expect(outside).toEqual([]);
    await page.close();
  }, 60_000);

  it("runs reserveSeats with a demo token", async () => {
    const { zoneId } = await newZone(t, 10);
    const page = await open(
      `mutation($zoneId: ID!, $key: String!) { reserveSeats(input: { zoneId: $zoneId, quantity: 2, idempotencyKey: $key }) { reference status quantity } }`,
      { zoneId, key: `explorer-${randomUUID()}` },
      { Authorization: `Bearer ${t.platform.demoTokens.guest}` },
    );
    await run(page);
    await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain("PENDING");
    expect(await resultText(page)).toContain('"quantity": 2');
    await page.screenshot({ path: path.join(OUTPUT, "explorer-reserve.png") });
    await page.close();
  }, 60_000);

  it("shows a live availabilityChanged event after another client reserves", async () => {
    const { zoneId, slotId } = await newZone(t, 10);
    const page = await open(
      `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { zone { name } available } }`,
      { slotId },
    );
    const before = await t.metrics();
    const active = (text: string) => Number(/^gateway_subscriptions_active\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
    await run(page);
    await expect.poll(async () => active(await t.metrics()), { timeout: 15_000 }).toBeGreaterThan(active(before));
    const other = await t.tokenFor(`explorer-other-${randomUUID()}`, "GUEST");
    await reserve(t, other, zoneId, 3);
    await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain('"available": 7');
    await page.screenshot({ path: path.join(OUTPUT, "explorer-subscription.png") });
    await page.close();
    const outside = requested.filter((url) => !url.startsWith(origin()) && !url.startsWith("ws://127.0.0.1"));
    expect(outside).toEqual([]);
  }, 60_000);

  it("runs under its Content-Security-Policy without a violation (no inline script)", async () => {
    const page = await open(`{ venues { name } }`);
    await run(page);
    await expect.poll(() => resultText(page), { timeout: 15_000 }).toContain("Grand Theatre");
    // The docs panel, the history and the settings dialog (GraphiQL's popovers and dialogs).
    await page.click('[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector(".graphiql-doc-explorer", { timeout: 10_000 });
    await page.click('[aria-label="Show History"]');
    await page.click('[aria-label="Open settings dialog"]');
    await page.waitForSelector(".graphiql-dialog", { timeout: 10_000 });
    await page.keyboard.press("Escape");
    await page.close();
    expect(violations).toEqual([]);
  }, 60_000);
});

describe("the explorer switch", () => {
  it("answers 404 at / when EXPLORER_ENABLED=false, and the API still works", async () => {
    const t = await startTestPlatform({ EXPLORER_ENABLED: "false" });
    try {
      const origin = new URL(t.platform.gatewayUrl).origin;
      expect((await fetch(`${origin}/`)).status).toBe(404);
      expect((await fetch(`${origin}/explorer/assets/graphiql.js`)).status).toBe(404);
      const browserGet = await fetch(`${origin}/graphql`, { headers: { accept: "text/html" } });
      expect(browserGet.headers.get("content-type") ?? "").not.toContain("text/html");
      expect((await t.query(`{ venues { name } }`)).data!.venues.length).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  }, 60_000);

  it("serves the page and its assets itself when enabled (the default)", async () => {
    const t = await startTestPlatform();
    try {
      const origin = new URL(t.platform.gatewayUrl).origin;
      const page = await fetch(`${origin}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("/explorer/assets/graphiql.js");
      expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
      expect(
        (await fetch(`${origin}/graphql`, { headers: { accept: "text/html" } })).headers.get("content-type"),
      ).toContain("text/html");
      const script = await fetch(`${origin}/explorer/assets/graphiql.js`);
      expect(script.status).toBe(200);
      expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
      // Real backends (as in CI and tests with DATABASE_URL): no demo tokens on the page unless asked.
      if (t.platform.mode === "real") expect(html).not.toContain(t.platform.demoTokens.guest!);
      else expect(html).toContain(t.platform.demoTokens.guest!); // the embedded default offers them
    } finally {
      await t.close();
    }
  }, 60_000);
});
