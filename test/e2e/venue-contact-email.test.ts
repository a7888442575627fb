import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS, DEMO_USERS } from "../../lib/core/demo";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { subscribeWs, wsClient } from "../support/live";
import { newZone, reserve } from "../support/scenario";

const VENUE = `query($id: ID!) { venue(id: $id) { name contactEmail } }`;
const VENUES = `{ venues { id contactEmail } }`;
const THEATRE_EMAIL = DEMO_USERS.organizer.email;

/** `Venue.contactEmail` is the organizer's personal address: the owner and admins only. */
describe("Venue.contactEmail visibility", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  }, 60_000);
  afterAll(() => t?.close());

  const contactAs = async (token?: string) => {
    const response = await t.query(VENUE, { id: DEMO_IDS.theatre }, token);
    expect(response.errors).toBeUndefined();
    expect(response.data!.venue.name).toBe("Grand Theatre");
    return response.data!.venue.contactEmail as string | null;
  };

  it("is null, without an error, for anonymous callers, guests and other organizers", async () => {
    expect(await contactAs()).toBeNull();
    expect(await contactAs(await t.tokenFor(randomUUID(), "GUEST"))).toBeNull();
    expect(await contactAs(await t.tokenFor(randomUUID(), "ORGANIZER"))).toBeNull();
    // A list stays usable: every venue is there, no address is.
    const list = await t.query(VENUES);
    expect(list.errors).toBeUndefined();
    expect(list.data!.venues.length).toBeGreaterThanOrEqual(3);
    expect(list.data!.venues.every((v: { contactEmail: string | null }) => v.contactEmail === null)).toBe(true);
  });

  it("is visible to the venue's organizer and to admins", async () => {
    const owner = await t.tokenFor(DEMO_USERS.organizer.userId, "ORGANIZER", DEMO_USERS.organizer.email);
    expect(await contactAs(owner)).toBe(THEATRE_EMAIL);
    expect(await contactAs(await t.tokenFor(randomUUID(), "ADMIN"))).toBe(THEATRE_EMAIL);
  });

  it("is not passed to other subscribers of a public subscription the owner started first", async () => {
    const { slotId, zoneId } = await newZone(t, 10);
    const owner = await t.tokenFor(DEMO_USERS.organizer.userId, "ORGANIZER", DEMO_USERS.organizer.email);
    const venueOf = await t.query(
      `query($id: ID!) { slot(id: $id) { venue { contactEmail } } }`,
      { id: slotId },
      owner,
    );
    expect(venueOf.data!.slot.venue.contactEmail).toBeTruthy(); // the owner does see it over HTTP
    const WATCH = `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { available zone { slot { venue { contactEmail } } } } }`;
    const ownerClient = wsClient(t.platform.gatewayUrl, owner);
    const anonymousClient = wsClient(t.platform.gatewayUrl);
    try {
      const first = subscribeWs(ownerClient, WATCH, { slotId });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const second = subscribeWs(anonymousClient, WATCH, { slotId });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await reserve(t, await t.tokenFor(randomUUID(), "GUEST"), zoneId, 2);
      const seen = await second.next((p) => p.availabilityChanged?.available === 8);
      expect(seen.availabilityChanged.zone.slot.venue.contactEmail).toBeNull();
      expect(second.errors).toEqual([]);
      await first.next((p) => p.availabilityChanged?.available === 8);
    } finally {
      await ownerClient.dispose();
      await anonymousClient.dispose();
    }
  });

  it("is visible to an organizer for the venue they create, and only to them", async () => {
    const organizerId = randomUUID();
    const organizer = await t.tokenFor(organizerId, "ORGANIZER", "box-office@example.com");
    const created = await t.query(
      `mutation { createVenue(input: { name: "Contact Hall ${organizerId.slice(0, 8)}", kind: THEATRE, city: "Leeds", timezone: "Europe/London" }) { id contactEmail } }`,
      {},
      organizer,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createVenue.contactEmail).toBe("box-office@example.com");
    const id = created.data!.createVenue.id;
    const seenBy = async (token?: string) => (await t.query(VENUE, { id }, token)).data!.venue.contactEmail;
    expect(await seenBy(organizer)).toBe("box-office@example.com");
    expect(await seenBy()).toBeNull();
    const owner = await t.tokenFor(DEMO_USERS.organizer.userId, "ORGANIZER", DEMO_USERS.organizer.email);
    expect(await seenBy(owner)).toBeNull();
  });
});
