import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS, DEMO_USERS } from "../../lib/core/demo";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { codeOf, newZone, reserve } from "../support/scenario";
import { startSmtpSink } from "../support/smtp";
import { eventually } from "../support/eventually";

describe("notifications by e-mail (NOTIFICATION_SENDER=smtp, a real SMTP server)", () => {
  let t: TestPlatform;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startTestPlatform({
      NOTIFICATION_SENDER: "smtp",
      SMTP_URL: smtp.url,
      SMTP_FROM: "Tickets <tickets@example.test>",
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it("e-mails the guest at the token's address and the venue at its contact address", async () => {
    const { zoneId } = await newZone(t, 10);
    const email = `guest-${randomUUID().slice(0, 8)}@example.test`;
    const guest = await t.tokenFor(`mailed-${randomUUID()}`, "GUEST", email);
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    const cancelled = await t.query(
      `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: DOUBLE_BOOKING }) { status } }`,
      { id: booking.id },
      guest,
    );
    expect(cancelled.data!.cancelBooking.status).toBe("CANCELLED");

    const mails = await eventually(
      () => smtp.received.filter((m) => m.subject.includes(booking.reference)),
      (found) => found.length === 4,
    );
    expect(mails.map((m) => [m.to, m.subject]).sort()).toEqual(
      [
        [[email], `Booking ${booking.reference} is reserved`],
        [[DEMO_USERS.organizer.email], `New booking ${booking.reference}`],
        [[email], `Booking ${booking.reference} is cancelled`],
        [[DEMO_USERS.organizer.email], `Booking ${booking.reference} was cancelled`],
      ].sort(),
    );
    expect(mails.every((m) => m.from === "tickets@example.test")).toBe(true);
    const listed = await eventually(
      () => t.query(`query($id: ID!) { booking(id: $id) { notifications { status } } }`, { id: booking.id }, guest),
      (r) => r.data?.booking.notifications.every((n: { status: string }) => n.status === "SENT"),
    );
    expect(listed.data!.booking.notifications).toEqual([{ status: "SENT" }, { status: "SENT" }]);
  });

  it("lets the organizer change the venue's contact address, and refuses one that is not an address", async () => {
    const organizer = t.platform.demoTokens.organizer!;
    const UPDATE = `mutation($id: ID!, $input: UpdateVenueInput!) { updateVenue(id: $id, input: $input) { contactEmail } }`;
    const bad = await t.query(UPDATE, { id: DEMO_IDS.hotel, input: { contactEmail: "not an address" } }, organizer);
    expect(codeOf(bad)).toBe("BAD_USER_INPUT");
    // Only the venue's organizer (and admins) read the address.
    const venue = await t.query(
      `query($id: ID!) { venue(id: $id) { contactEmail } }`,
      { id: DEMO_IDS.hotel },
      organizer,
    );
    expect(venue.data!.venue.contactEmail).toBe(DEMO_USERS.organizer.email);
    const good = await t.query(
      UPDATE,
      { id: DEMO_IDS.hotel, input: { contactEmail: "front-desk@example.test" } },
      organizer,
    );
    expect(good.data!.updateVenue.contactEmail).toBe("front-desk@example.test");
    const created = await t.query(
      `mutation { createVenue(input: { name: "No mail", kind: OTHER, city: "Braga" }) { contactEmail } }`,
      {},
      await t.tokenFor(`organizer-${randomUUID()}`, "ORGANIZER", "owner@example.test"),
    );
    expect(created.data!.createVenue.contactEmail).toBe("owner@example.test");
  });
});
