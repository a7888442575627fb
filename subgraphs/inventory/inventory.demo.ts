import type { AppDatabase } from "../../lib/storage/db";
import { daysFromNow, demoHoldExpiry, DEMO_IDS as ids, DEMO_USERS } from "../../lib/core/demo";
import { createHoldRepository } from "./hold/hold.repository";
import { createSlotRepository } from "./slot/slot.repository";
import { createVenueRepository } from "./venue/venue.repository";
import { createZoneRepository } from "./zone/zone.repository";

export async function seedInventoryDemoData(db: AppDatabase): Promise<void> {
  const venues = createVenueRepository(db);
  const slots = createSlotRepository(db);
  const zones = createZoneRepository(db);
  const ownerId = DEMO_USERS.organizer.userId;

  await venues.insert({
    id: ids.theatre,
    name: "Grand Theatre",
    kind: "THEATRE",
    city: "Lisbon",
    timezone: "Europe/Lisbon",
    ownerId,
    contactEmail: DEMO_USERS.organizer.email,
    cancellationDeadlineHours: 24,
    cancellationPolicy: [],
  });
  await venues.insert({
    id: ids.bistro,
    name: "Harbour Bistro",
    kind: "RESTAURANT",
    city: "Porto",
    timezone: "Europe/Lisbon",
    ownerId,
    contactEmail: DEMO_USERS.organizer.email,
    cancellationDeadlineHours: null,
    cancellationPolicy: [],
  });
  await venues.insert({
    id: ids.hotel,
    name: "Seaside Hotel",
    kind: "HOTEL",
    city: "Faro",
    timezone: "Europe/Lisbon",
    ownerId,
    contactEmail: DEMO_USERS.organizer.email,
    cancellationDeadlineHours: null,
    cancellationPolicy: [],
  });

  const slot = (id: string, venueId: string, title: string, startsAt: Date, hours: number, maxPerUser = 4) =>
    slots.insert({
      id,
      venueId,
      title,
      startsAt,
      endsAt: new Date(startsAt.getTime() + hours * 3_600_000),
      maxPerUser,
      saleStartsAt: null,
    });
  await slot(ids.hamletShow, ids.theatre, "Hamlet — evening", daysFromNow(7, 19), 3);
  await slot(ids.hamletMatinee, ids.theatre, "Hamlet — matinee", daysFromNow(8, 14), 3);
  await slot(ids.dinnerSitting, ids.bistro, "Dinner, first sitting", daysFromNow(3, 18), 2, 8);
  await slot(ids.hotelNight, ids.hotel, "Night of the festival", daysFromNow(14, 15), 20, 2);

  const zone = (id: string, slotId: string, name: string, capacity: number, priceMinor: number) =>
    zones.insert({ id, slotId, name, capacity, priceMinor, currency: "EUR" });
  await zone(ids.stalls, ids.hamletShow, "Stalls", 120, 4_500);
  await zone(ids.balcony, ids.hamletShow, "Balcony", 60, 2_500);
  await zone(ids.matineeStalls, ids.hamletMatinee, "Stalls", 120, 3_500);
  await zone(ids.terrace, ids.dinnerSitting, "Terrace tables", 12, 1_000);
  await zone(ids.doubleRooms, ids.hotelNight, "Double rooms", 20, 14_900);

  // The ledger side of the demo guest's bookings (seeded by the booking subgraph).
  const ledger = createHoldRepository(db);
  const guest = DEMO_USERS.guest.userId;
  await ledger.insert({
    id: ids.confirmedBooking,
    zoneId: ids.stalls,
    slotId: ids.hamletShow,
    userId: guest,
    quantity: 2,
    expiresAt: null,
  });
  await ledger.markSold(ids.confirmedBooking);
  await ledger.insert({
    id: ids.pendingBooking,
    zoneId: ids.balcony,
    slotId: ids.hamletShow,
    userId: guest,
    quantity: 1,
    expiresAt: demoHoldExpiry(),
  });
}
