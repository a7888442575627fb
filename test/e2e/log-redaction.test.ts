import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUserToken } from "../../lib/core/auth";
import { DEMO_USERS } from "../../lib/core/demo";
import { createLogger } from "../../lib/observability/logger";
import { SIGNATURE_HEADER } from "../../subgraphs/payment/payment/webhook-signature";
import { eventually } from "../support/eventually";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { newZone, reserve } from "../support/scenario";

/**
 * Issue 18: after a whole journey logged at debug level, the output holds no token, secret,
 * payment method token or e-mail address. The SMTP server refuses the venue owner's address with
 * a reply that quotes it (as real servers do), so an address reaches a logged error message.
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

/** An SMTP server that takes the guest's mail and refuses every other recipient, naming them. */
async function startRefusingSmtp(accept: (address: string) => boolean) {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (accept(address.address)) return callback();
      const error = Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected`), {
        responseCode: 550,
      });
      callback(error);
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on("end", () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("logs after a full journey (issue 18)", () => {
  const lines: string[] = [];
  const secrets = {
    JWT_SECRET: randomBytes(32).toString("hex"),
    SERVICE_SECRET: randomBytes(32).toString("hex"),
    METRICS_TOKEN: randomBytes(24).toString("hex"),
    PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString("hex"),
  };
  const guestEmail = `guest-${randomUUID().slice(0, 8)}@example.test`;
  const paymentMethodToken = "tok_visa";
  let smtp: Awaited<ReturnType<typeof startRefusingSmtp>>;
  let t: TestPlatform;
  beforeAll(async () => {
    smtp = await startRefusingSmtp((address) => address === guestEmail);
    t = await startTestPlatform(
      {
        ...secrets,
        PAYMENT_SIMULATOR_DELAY_MS: "50",
        NOTIFICATION_SENDER: "smtp",
        SMTP_URL: smtp.url,
        SMTP_FROM: "Tickets <tickets@example.test>",
      },
      { logger: createLogger("debug", {}, (line) => lines.push(line)) },
    );
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it("holds debug and info lines from every service, and no token, secret or e-mail address", async () => {
    const organizer = t.platform.demoTokens.organizer!;
    const guest = await t.tokenFor(`guest-${randomUUID()}`, "GUEST", guestEmail);
    const { zoneId } = await newZone(t, 10);

    // reserve → pay → CONFIRMED → cancel → refunded
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    const paid = await t.query(
      `mutation($input: PayBookingInput!) { payBooking(input: $input) { status } }`,
      { input: { bookingId: booking.id, paymentMethodToken, idempotencyKey: `pay-${randomUUID()}` } },
      guest,
    );
    expect(paid.data?.payBooking.status).toBe("PROCESSING");
    const STATUS = `query($id: ID!) { booking(id: $id) { status payment { status } } }`;
    const confirmed = await eventually(
      () => t.query(STATUS, { id: booking.id }, guest),
      (r) => r.data?.booking.status === "CONFIRMED",
    );
    expect(confirmed.data!.booking.status).toBe("CONFIRMED");
    const cancelled = await t.query(
      `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: CHANGE_OF_PLANS }) { status } }`,
      { id: booking.id },
      guest,
    );
    expect(cancelled.data!.cancelBooking.status).toBe("CANCELLED");

    // A token signed with another secret, and a malformed one: refused at the edge.
    const forged = await signUserToken(
      { jwtSecret: randomBytes(32).toString("hex"), issuer: "booking-platform", audience: "booking-api" },
      { userId: "intruder", role: "ADMIN", email: "intruder@example.test" },
    );
    for (const token of [forged, `${guest.slice(0, -4)}AAAA`]) {
      const refused = await t.query(`query { me { id } }`, {}, token);
      expect(refused.status).toBe(401);
    }
    // A forged provider webhook (quoting the guest's address and token) is refused and logged.
    const requestId = `log-redaction-${randomUUID()}`;
    const webhook = await fetch(`${t.platform.subgraphs.payment.url}/webhooks/payments`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId, [SIGNATURE_HEADER]: "t=1,v1=00" },
      body: JSON.stringify({ type: "payment.succeeded", email: guestEmail, token: guest }),
    });
    expect(webhook.status).toBe(400);
    expect(await t.metrics()).toContain("# HELP");

    // The consumers: the guest's four mails delivered, the owner's three refused (550, not retried).
    const NOTIFICATIONS = sql`select status from notification.notifications where booking_id = ${booking.id}`;
    const settled = await eventually(
      () => t.sql<{ status: string }>("notification", NOTIFICATIONS),
      (rows) => rows.length === 7 && rows.every((row) => row.status !== "PENDING"),
      30_000,
    );
    expect(settled.map((row) => row.status).sort()).toEqual([
      "FAILED",
      "FAILED",
      "FAILED",
      "SENT",
      "SENT",
      "SENT",
      "SENT",
    ]);
    expect(smtp.received).toEqual([guestEmail, guestEmail, guestEmail, guestEmail]);

    const output = lines.join("\n");
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.length).toBeGreaterThan(5);
    const services = new Set(
      parsed.filter((l) => l.level === "info" || l.level === "debug").map((l) => l.service as string),
    );
    expect([...services]).toEqual(expect.arrayContaining(["gateway", "booking", "inventory", "payment"]));
    // The refusals were logged (with the reply, minus the address), and a request's line has its id.
    expect(parsed.filter((l) => l.msg === "notification not delivered").length).toBeGreaterThanOrEqual(3);
    expect(output).toContain("Recipient address rejected");
    expect(parsed.find((l) => l.msg === "webhook refused")).toMatchObject({ service: "payment", requestId });

    const secretsUsed = [...Object.values(secrets), t.platform.env.PAYMENT_WEBHOOK_SECRET!];
    const tokensUsed = [guest, organizer, forged, ...Object.values(t.platform.demoTokens)].filter(Boolean) as string[];
    const emailsUsed = [guestEmail, "intruder@example.test", ...Object.values(DEMO_USERS).map((u) => u.email)];
    for (const leak of [...secretsUsed, ...tokensUsed, ...emailsUsed, paymentMethodToken])
      expect(output, `leaked ${leak.slice(0, 12)}…`).not.toContain(leak);
    expect(output).not.toMatch(EMAIL);
    expect(output).not.toMatch(JWT);
  });
});
