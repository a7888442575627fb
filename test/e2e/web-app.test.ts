import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, isCI } from "../support/backends";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { freePort } from "../support/ports";
import { startProcess, waitReady, type ServiceProcess } from "../support/processes";
import { newZone } from "../support/scenario";

const CHROMIUM = "/usr/bin/chromium";
const WEB = path.resolve(import.meta.dirname, "../../web");
const OUTPUT = path.resolve(import.meta.dirname, "../../test-output");
const NEXT = path.join(WEB, "node_modules/next/dist/bin/next");
const hasChromium = existsSync(CHROMIUM);
const hasWeb = existsSync(NEXT);
const MANIFEST = path.join(WEB, "persisted-query-manifest.json");
/** With real backends the app gets a gateway that enforces its manifest (live updates need shared backends). */
const trusted = !!backends.databaseUrl && !!backends.redisUrl;
if (isCI && !hasChromium) throw new Error(`CI must have Chromium at ${CHROMIUM} (.ci/run installs it)`);
if (isCI && !hasWeb) throw new Error("CI must have web/node_modules (.ci/run runs npm ci in web/)");

/** The newest modification time of the app's sources (what a build depends on). */
function newestSource(): number {
  let newest = 0;
  const visit = (file: string) => {
    const stat = statSync(file);
    if (stat.isDirectory()) for (const entry of readdirSync(file)) visit(path.join(file, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const entry of [
    "app",
    "lib",
    "gql",
    "next.config.mjs",
    "package-lock.json",
    "persisted-query-manifest.json",
    "tsconfig.json",
  ]) {
    if (existsSync(path.join(WEB, entry))) visit(path.join(WEB, entry));
  }
  return newest;
}

/** `next build` when web/.next is missing or older than the sources (about 2 min on two cores). */
async function buildIfStale() {
  const buildId = path.join(WEB, ".next/BUILD_ID");
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= newestSource()) return;
  const build = spawn(process.execPath, [NEXT, "build"], {
    cwd: WEB,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  build.stdout!.on("data", (chunk) => (output += chunk));
  build.stderr!.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => build.on("exit", resolve));
  if (code !== 0) throw new Error(`next build failed:\n${output}`);
}

/**
 * The Next.js app (web/), production build, in a real Chromium against the platform on its real
 * backends: browse → reserve → pay → CONFIRMED live → cancel → refund; a second browser taking the
 * last seats updates the first one's availability live (then the waitlist's offer); the waiting
 * room; the per-person limit; a declined card; an organizer's sales, check-in, slot and zone.
 */
describe.runIf(hasChromium && hasWeb)("the web app in a browser", () => {
  let t: TestPlatform;
  let app: ChildProcess;
  let appUrl: string;
  let browser: Browser;
  let trustedGateway: ServiceProcess | null = null;
  let appGateway: string;
  const problems: string[] = [];

  beforeAll(async () => {
    await buildIfStale();
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    // The demo tokens reach the app's server from the explorer page, as with embedded `npm start`.
    t = await startTestPlatform({ EXPLORER_DEMO_TOKENS: "true", CORS_ORIGINS: appUrl });
    let gatewayUrl = t.platform.gatewayUrl;
    const appEnv: Record<string, string> = {};
    if (trusted) {
      // The app talks to a gateway of its own that runs only the operations in the app's
      // persisted-query manifest (web/persisted-query-manifest.json): every journey below then
      // shows the manifest lists everything the app sends. The test's own setup uses the open one.
      const env = t.platform.env;
      const gatewayPort = await freePort();
      trustedGateway = startProcess("scripts/start-service.ts", ["gateway"], {
        JWT_SECRET: env.JWT_SECRET!,
        SERVICE_SECRET: env.SERVICE_SECRET!,
        DATABASE_URL: env.DATABASE_URL!,
        REDIS_URL: backends.redisUrl!,
        REDIS_PREFIX: env.REDIS_PREFIX!,
        KAFKA_BROKERS: env.KAFKA_BROKERS ?? "",
        KAFKA_PREFIX: env.KAFKA_PREFIX ?? "",
        GATEWAY_PORT: String(gatewayPort),
        BOOKING_URL: `${t.platform.subgraphs.booking.url}/graphql`,
        INVENTORY_URL: `${t.platform.subgraphs.inventory.url}/graphql`,
        PAYMENT_URL: `${t.platform.subgraphs.payment.url}/graphql`,
        NOTIFICATION_URL: `${t.platform.subgraphs.notification.url}/graphql`,
        CORS_ORIGINS: appUrl,
        TRUSTED_DOCUMENTS: MANIFEST,
        TRUSTED_DOCUMENTS_MODE: "enforce",
        RATE_LIMIT_ENABLED: "false",
        LOG_LEVEL: "error",
      });
      await waitReady(`http://127.0.0.1:${gatewayPort}/readyz`, trustedGateway);
      gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
      // This gateway serves no explorer tokens: the app's server signs its own (server-only secret).
      appEnv.DEV_JWT_SECRET = env.JWT_SECRET!;
    }
    app = spawn(process.execPath, [NEXT, "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: WEB,
      env: {
        ...process.env,
        ...appEnv,
        NEXT_TELEMETRY_DISABLED: "1",
        NODE_ENV: "production",
        GRAPHQL_URL: gatewayUrl,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    appGateway = gatewayUrl;
    let output = "";
    app.stdout!.on("data", (chunk) => (output += chunk));
    app.stderr!.on("data", (chunk) => (output += chunk));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${appUrl}/signin`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || app.exitCode !== null) throw new Error(`next start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    await mkdir(OUTPUT, { recursive: true });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    app?.kill("SIGTERM");
    await trustedGateway?.stop();
    await t?.close();
  });

  async function signedIn(user: "guest" | "organizer"): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`${page.url()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
    await page.goto(`${appUrl}/signin`);
    await page.getByLabel(new RegExp(user === "guest" ? "Grace Guest" : "Oscar Organizer")).check();
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${appUrl}/`);
    await expect.poll(() => page.locator("header").innerText()).toContain("Signed in as");
    return { context, page };
  }

  const status = (page: Page) => page.getByTestId("booking-status").innerText();

  async function reserve(page: Page, slotId: string, quantity: number) {
    await page.goto(`${appUrl}/slots/${slotId}`);
    await page.getByLabel(/Seats \(at most/).fill(String(quantity));
    await page.getByRole("button", { name: "Reserve" }).click();
    await page.waitForURL(/\/bookings\/[0-9a-f-]+$/, { timeout: 15_000 });
    await expect.poll(() => status(page), { timeout: 15_000 }).toBe("PENDING");
  }

  async function pay(page: Page, card: RegExp) {
    await page.getByLabel(card).check();
    await page.getByRole("button", { name: "Pay", exact: true }).click();
  }

  it("browse → reserve → pay → CONFIRMED live → cancel → refund", async () => {
    const { slotId } = await newZone(t, 10);
    const { context, page } = await signedIn("guest");
    // Browse: the demo venues, their slots and zones with prices and seats left.
    await expect.poll(() => page.locator("main").innerText(), { timeout: 15_000 }).toContain("Grand Theatre");
    expect(await page.locator("main").innerText()).toMatch(/of \d+ left/);
    await page.screenshot({ path: path.join(OUTPUT, "web-browse.png"), fullPage: true });
    // Responsive: a phone-sized viewport scrolls vertically only.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(OUTPUT, "web-browse-mobile.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.goto(`${appUrl}/slots/${slotId}`);
    await expect.poll(() => page.getByTestId("available-Floor").innerText()).toBe("10 of 10");
    await page.screenshot({ path: path.join(OUTPUT, "web-slot.png"), fullPage: true });
    await reserve(page, slotId, 2);
    await expect.poll(() => page.getByTestId("countdown").innerText()).toMatch(/Seats held for: \d+:\d\d/);
    await page.screenshot({ path: path.join(OUTPUT, "web-reserve.png"), fullPage: true });
    // Change the number of seats while the hold runs.
    await page.getByLabel(/^Seats \(1–/).fill("3");
    await page.getByRole("button", { name: "Update seats" }).click();
    await expect.poll(() => page.getByTestId("booking-quantity").innerText(), { timeout: 10_000 }).toBe("3");

    // tok_delayed: the page shows CONFIRMED when the webhook lands, through the subscription alone.
    await pay(page, /Slow card/);
    await expect.poll(() => status(page), { timeout: 20_000 }).toBe("CONFIRMED");
    await page.screenshot({ path: path.join(OUTPUT, "web-confirmed.png"), fullPage: true });

    await page.getByRole("button", { name: "Cancel booking…" }).click();
    await expect
      .poll(() => page.getByTestId("refund-quote").innerText(), { timeout: 10_000 })
      .toContain("You would get back €60.00 (100 %)");
    await page.getByLabel("Reason").selectOption("FOUND_ALTERNATIVE");
    await page.getByLabel("Notes (optional)").fill("Going to the matinee instead");
    await page.screenshot({ path: path.join(OUTPUT, "web-cancel.png"), fullPage: true });
    await page.getByRole("button", { name: "Confirm cancellation" }).click();
    await expect.poll(() => status(page), { timeout: 15_000 }).toBe("CANCELLED");
    await expect
      .poll(() => page.getByTestId("refunds").innerText(), { timeout: 30_000 })
      .toMatch(/Refund of €60\.00: succeeded/);
    expect(await page.locator("main").innerText()).toContain("Going to the matinee instead");
    await page.screenshot({ path: path.join(OUTPUT, "web-refund.png"), fullPage: true });

    await page.goto(`${appUrl}/bookings`);
    await expect.poll(() => page.locator("main").innerText(), { timeout: 15_000 }).toContain("CANCELLED");
    await page.screenshot({ path: path.join(OUTPUT, "web-my-bookings.png"), fullPage: true });
    await context.close();
  }, 120_000);

  it("another browser taking the last seats updates the first one's availability live", async () => {
    const { slotId } = await newZone(t, 3);
    const watcher = await signedIn("guest");
    await watcher.page.goto(`${appUrl}/slots/${slotId}`);
    await expect.poll(() => watcher.page.getByTestId("available-Floor").innerText()).toBe("3 of 3");
    await expect
      .poll(() => watcher.page.locator("html").getAttribute("data-live"), { timeout: 15_000 })
      .toBe("connected");
    await watcher.page.waitForTimeout(1_000);

    const buyer = await signedIn("guest");
    await reserve(buyer.page, slotId, 3);
    await expect
      .poll(() => watcher.page.getByTestId("available-Floor").innerText(), { timeout: 15_000 })
      .toBe("Sold out");
    await watcher.page.screenshot({ path: path.join(OUTPUT, "web-sold-out-live.png"), fullPage: true });

    // Trying anyway: the error says so in words.
    await watcher.page.getByRole("button", { name: "Reserve" }).click();
    await expect
      .poll(() => watcher.page.locator(`main [role="alert"]`).innerText(), { timeout: 10_000 })
      .toContain("Sold out: there are no seats left in this zone.");
    await watcher.page.screenshot({ path: path.join(OUTPUT, "web-sold-out-error.png"), fullPage: true });

    // The sold-out zone's waitlist: joined from the slot page, listed on the waitlist page.
    await watcher.page.getByRole("button", { name: "Join the waitlist" }).click();
    await expect
      .poll(() => watcher.page.locator(`main [role="status"]`).innerText(), { timeout: 10_000 })
      .toMatch(/You are number 1 on the waitlist/);
    await watcher.page.goto(`${appUrl}/waitlist`);
    await expect
      .poll(() => watcher.page.locator("main").innerText(), { timeout: 15_000 })
      .toContain("number 1 in line");
    await expect
      .poll(() => watcher.page.locator("html").getAttribute("data-live"), { timeout: 15_000 })
      .toBe("connected");
    await watcher.page.waitForTimeout(1_000);
    // Seats come back: the waitlist offers them, and the waitlist page shows the offer live.
    const bookingId = buyer.page.url().split("/").pop()!;
    const cancelled = await t.query(
      `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: CHANGE_OF_PLANS }) { status } }`,
      { id: bookingId },
      t.platform.demoTokens.guest!,
    );
    expect(cancelled.data?.cancelBooking.status).toBe("CANCELLED");
    await expect
      .poll(() => watcher.page.locator("main").innerText(), { timeout: 20_000 })
      .toContain("1 seat(s) are held for you");
    await watcher.page.screenshot({ path: path.join(OUTPUT, "web-waitlist.png"), fullPage: true });
    await watcher.context.close();
    await buyer.context.close();
  }, 90_000);

  it("a waiting room admits the guest, who then reserves", async () => {
    const { slotId } = await newZone(t, 10);
    const opened = await t.query(
      `mutation($slotId: ID!) { openWaitingRoom(slotId: $slotId, admitPerMinute: 60, admissionSeconds: 600) { status } }`,
      { slotId },
      t.platform.demoTokens.organizer!,
    );
    expect(opened.errors).toBeUndefined();
    const { context, page } = await signedIn("guest");
    await page.goto(`${appUrl}/slots/${slotId}`);
    // Live before anything changes: the page tells the connection, not the first push.
    await expect
      .poll(() => page.locator("main").innerText(), { timeout: 15_000 })
      .toContain("Live: seats update as people book.");
    await page.getByRole("button", { name: "Join the line" }).click();
    await expect.poll(() => page.locator("main").innerText(), { timeout: 20_000 }).toContain("You are in!");
    await expect.poll(() => page.getByTestId("countdown").innerText()).toMatch(/Your admission ends in: \d+:\d\d/);
    await page.screenshot({ path: path.join(OUTPUT, "web-waiting-room.png"), fullPage: true });
    await page.getByRole("button", { name: "Reserve" }).click();
    await page.waitForURL(/\/bookings\/[0-9a-f-]+$/, { timeout: 15_000 });
    await expect.poll(() => status(page), { timeout: 15_000 }).toBe("PENDING");
    await context.close();
  }, 60_000);

  it("says so when the per-person limit is reached", async () => {
    const { zoneId, slotId } = await newZone(t, 10, { maxPerUser: 4 });
    const held = await t.query(
      `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id } }`,
      { input: { zoneId, quantity: 4, idempotencyKey: `web-${randomUUID()}` } },
      t.platform.demoTokens.guest!,
    );
    expect(held.errors).toBeUndefined();
    const { context, page } = await signedIn("guest");
    await page.goto(`${appUrl}/slots/${slotId}`);
    await page.getByRole("button", { name: "Reserve" }).click();
    await expect
      .poll(() => page.locator(`main [role="alert"]`).innerText(), { timeout: 10_000 })
      .toMatch(/^Limit reached: At most 4 seats per person/);
    await page.screenshot({ path: path.join(OUTPUT, "web-limit-reached.png"), fullPage: true });
    await context.close();
  }, 60_000);

  it("a declined card fails the booking and says so", async () => {
    const { slotId } = await newZone(t, 10);
    const { context, page } = await signedIn("guest");
    await reserve(page, slotId, 1);
    await pay(page, /declined/);
    await expect.poll(() => status(page), { timeout: 20_000 }).toBe("FAILED");
    await expect
      .poll(() => page.locator(`main [role="alert"]`).innerText(), { timeout: 10_000 })
      .toContain("Payment declined");
    await page.screenshot({ path: path.join(OUTPUT, "web-declined.png"), fullPage: true });
    await context.close();
  }, 60_000);

  it("an organizer sees live sales, checks a guest in by reference, creates a slot and a zone", async () => {
    const { zoneId, slotId } = await newZone(t, 10);
    const guest = t.platform.demoTokens.guest!;
    const reserved = await t.query(
      `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id reference } }`,
      { input: { zoneId, quantity: 2, idempotencyKey: `web-${randomUUID()}` } },
      guest,
    );
    const { id, reference } = reserved.data!.reserveSeats;
    await t.query(
      `mutation($input: PayBookingInput!) { payBooking(input: $input) { status } }`,
      { input: { bookingId: id, paymentMethodToken: "tok_success", idempotencyKey: `pay-${randomUUID()}` } },
      guest,
    );
    const confirmed = async () =>
      (await t.query(`query($id: ID!) { booking(id: $id) { status } }`, { id }, guest)).data?.booking.status;
    await expect.poll(confirmed, { timeout: 20_000 }).toBe("CONFIRMED");

    const { context, page } = await signedIn("organizer");
    await page.goto(`${appUrl}/organizer`);
    await expect.poll(() => page.locator("main").innerText(), { timeout: 15_000 }).toContain("My venues");
    await page.screenshot({ path: path.join(OUTPUT, "web-organizer.png"), fullPage: true });

    await page.goto(`${appUrl}/organizer/slots/${slotId}`);
    await expect.poll(() => page.getByTestId("sales-summary").innerText()).toContain("2 of 10 seats sold or held");
    await page.screenshot({ path: path.join(OUTPUT, "web-sales.png"), fullPage: true });

    await page.goto(`${appUrl}/organizer`);
    await page.getByLabel("Booking reference").fill(reference);
    await page.getByRole("button", { name: "Find booking" }).click();
    await expect.poll(() => page.getByTestId("checkin-status").innerText(), { timeout: 10_000 }).toBe("CONFIRMED");
    await page.getByRole("button", { name: "Check in" }).click();
    await expect.poll(() => page.getByTestId("checkin-status").innerText(), { timeout: 10_000 }).toBe("CHECKED_IN");
    await page.screenshot({ path: path.join(OUTPUT, "web-check-in.png"), fullPage: true });
    expect(await confirmed()).toBe("CHECKED_IN");

    // A new slot at one of the organizer's venues, then a zone in it.
    const title = `Jazz night ${randomUUID().slice(0, 6)}`;
    await page.getByText("New slot at Harbour Bistro").click();
    const form = page.locator("details", { hasText: "New slot at Harbour Bistro" });
    await form.getByLabel("Title").fill(title);
    await form.getByLabel("Starts").fill("2030-01-15T19:30");
    await form.getByRole("button", { name: "Create slot" }).click();
    await form.getByRole("link", { name: "Add its zones" }).click();
    await expect.poll(() => page.locator("h1").innerText(), { timeout: 15_000 }).toBe(`Sales: ${title}`);
    await page.getByLabel("Name").fill("Front row");
    await page.getByLabel("Capacity").fill("5");
    await page.getByLabel("Price per seat").fill("12.50");
    await page.getByRole("button", { name: "Add zone" }).click();
    await expect.poll(() => page.locator("table").innerText(), { timeout: 10_000 }).toContain("Front row");
    expect(await page.locator("table").innerText()).toContain("€12.50");
    await expect.poll(() => page.getByTestId("sales-summary").innerText()).toContain("0 of 5 seats sold or held");
    await page.screenshot({ path: path.join(OUTPUT, "web-organizer-new-slot.png"), fullPage: true });
    await context.close();
  }, 60_000);

  it("its committed manifest is what the app's operations generate (cd web && npm run manifest)", async () => {
    const generator = (await import(
      path.join(WEB, "node_modules/@apollo/generate-persisted-query-manifest/dist/index.js")
    )) as { generatePersistedQueryManifest(config: object, file: string): Promise<object> };
    const config = path.join(WEB, "persisted-query-manifest.config.json");
    const generated = await generator.generatePersistedQueryManifest(
      { ...JSON.parse(readFileSync(config, "utf8")), documents: [path.join(WEB, "lib/operations.ts")] },
      config,
    );
    expect(generated).toEqual(JSON.parse(readFileSync(MANIFEST, "utf8")));
  });

  it.runIf(trusted)("its gateway runs only the app's listed operations", async () => {
    const post = (body: object) =>
      fetch(appGateway, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const refused = await post({ query: "{ venues { id name } }" });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_LISTED");
    // A listed operation, by the id the app sends.
    const venues = (
      JSON.parse(readFileSync(MANIFEST, "utf8")) as { operations: { id: string; name: string }[] }
    ).operations.find((o) => o.name === "Venues")!;
    const listed = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: venues.id } } });
    expect(listed.status).toBe(200);
    expect(listed.body.data.venues.length).toBeGreaterThan(0);
  });

  it("logged no console error on any page", () => {
    expect(problems).toEqual([]);
  });
});
