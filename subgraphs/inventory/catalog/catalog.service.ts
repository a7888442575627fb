import { randomUUID } from "node:crypto";
import type { Principal } from "../../../lib/core/auth";
import { badInput, forbidden, notFound, unauthenticated } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import type { HoldService } from "../hold/hold.service";
import type { Slot, SlotRepository } from "../slot/slot.repository";
import type { RefundTier, Venue, VenueKind, VenueRepository } from "../venue/venue.repository";
import { VENUE_KINDS } from "../venue/venue.repository";
import type { Zone, ZoneRepository } from "../zone/zone.repository";

const text = (field: string, value: string, max: number) => {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) throw badInput(`${field} must be 1–${max} characters`, { field });
  return trimmed;
};
const integer = (field: string, value: number, min: number, max: number) => {
  if (!Number.isInteger(value) || value < min || value > max)
    throw badInput(`${field} must be a whole number from ${min} to ${max}`, { field });
  return value;
};
const timezone = (value: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return value;
  } catch {
    throw badInput("timezone must be an IANA time zone such as Europe/Lisbon", { field: "timezone" });
  }
};
/** ISO 4217 codes are upper case; `eur` is taken to mean EUR. */
const currency = (value: string) => {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw badInput("currency must be an ISO 4217 code such as EUR", { field: "currency" });
  return code;
};
/** The shape of the user ids tokens carry (`sub`): UUIDs, or provider ids such as `auth0|abc123`. */
const userId = (field: string, value: string) => {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9._:@|-]{1,200}$/.test(trimmed)) throw badInput(`${field} must be a user id`, { field });
  return trimmed;
};
/**
 * A slot's times: it ends after it starts, a new start is not in the past, and its sale opens
 * before it starts. `changedStart`: the start is being set (creating, or moving the slot).
 */
const schedule = (slot: { startsAt: Date; endsAt: Date; saleStartsAt: Date | null }, changedStart: boolean) => {
  if (changedStart && slot.startsAt.getTime() <= Date.now())
    throw badInput("startsAt must be in the future", { field: "startsAt" });
  if (!(slot.endsAt > slot.startsAt)) throw badInput("endsAt must be after startsAt", { field: "endsAt" });
  if (slot.saleStartsAt && !(slot.saleStartsAt < slot.startsAt))
    throw badInput("saleStartsAt must be before the slot starts", { field: "saleStartsAt" });
};
const deadline = (value: number | null | undefined) =>
  value === null || value === undefined ? null : integer("cancellationDeadlineHours", value, 0, 8_760);
const MAX_TIERS = 10;
/**
 * A venue's refund tiers: whole percentages 0–100 at whole hours 0–8760, at most 10, no two at
 * the same hours; stored largest hoursBefore first (the order they are matched in).
 */
const refundPolicy = (value: readonly RefundTier[]): RefundTier[] => {
  const field = "cancellationPolicy";
  if (value.length > MAX_TIERS) throw badInput(`${field} may have at most ${MAX_TIERS} tiers`, { field });
  const tiers = value.map((tier, i) => ({
    hoursBefore: integer(`${field}[${i}].hoursBefore`, tier.hoursBefore, 0, 8_760),
    refundPercent: integer(`${field}[${i}].refundPercent`, tier.refundPercent, 0, 100),
  }));
  if (new Set(tiers.map((t) => t.hoursBefore)).size !== tiers.length)
    throw badInput(`${field} has two tiers with the same hoursBefore`, { field });
  return tiers.sort((a, b) => b.hoursBefore - a.hoursBefore);
};
/** A plausible e-mail address (the mail server has the last word), or null. */
const emailAddress = (value: string | null) => {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed.length > 254 || !/^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/.test(trimmed))
    throw badInput("contactEmail must be an e-mail address such as box-office@example.com", { field: "contactEmail" });
  return trimmed;
};
/** Keeps only the fields a client actually sent. */
const defined = <T extends object>(patch: T) =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined && v !== null)) as {
    [K in keyof T]?: NonNullable<T[K]>;
  };

/**
 * Venues, slots and zones, managed by their organizer (the venue's owner) or an admin.
 * Capacity changes go through the hold store first, so they can never take seats that are
 * held or sold, even while reservations are running.
 */
export function createCatalogService(deps: {
  venues: VenueRepository;
  slots: SlotRepository;
  zones: ZoneRepository;
  holds: HoldService;
}) {
  const { venues, slots, zones, holds } = deps;
  const changed = <T>(value: T): T => {
    holds.forgetZones();
    return value;
  };

  function manager(principal: Principal | null): Principal {
    if (!principal) throw unauthenticated();
    if (principal.role === "GUEST") throw forbidden("Only organizers and admins manage venues");
    return principal;
  }
  async function ownedVenue(principal: Principal, venueId: string): Promise<Venue> {
    const venue = isUuid(venueId) ? await venues.findById(venueId) : null;
    if (!venue) throw notFound("Venue");
    if (principal.role !== "ADMIN" && venue.ownerId !== principal.userId)
      throw forbidden("You do not manage this venue");
    return venue;
  }
  async function ownedSlot(principal: Principal, slotId: string): Promise<Slot> {
    const slot = isUuid(slotId) ? await slots.findById(slotId) : null;
    if (!slot) throw notFound("Slot");
    await ownedVenue(principal, slot.venueId);
    return slot;
  }

  return {
    /** The slot, if `principal` manages its venue (organizer) or is an admin. */
    managedSlot: (principal: Principal | null, slotId: string) => ownedSlot(manager(principal), slotId),

    async createVenue(
      principal: Principal | null,
      input: {
        name: string;
        kind: VenueKind;
        city: string;
        timezone: string;
        ownerId?: string | null;
        cancellationDeadlineHours?: number | null;
        contactEmail?: string | null;
        cancellationPolicy?: readonly RefundTier[] | null;
      },
    ): Promise<Venue> {
      const who = manager(principal);
      if (input.ownerId && who.role !== "ADMIN") throw forbidden("Only admins create venues for someone else");
      if (!VENUE_KINDS.includes(input.kind)) throw badInput("Unknown venue kind", { field: "kind" });
      const venue: Venue = {
        id: randomUUID(),
        name: text("name", input.name, 200),
        kind: input.kind,
        city: text("city", input.city, 100),
        timezone: timezone(input.timezone),
        ownerId: input.ownerId ? userId("ownerId", input.ownerId) : who.userId,
        cancellationDeadlineHours: deadline(input.cancellationDeadlineHours),
        cancellationPolicy: refundPolicy(input.cancellationPolicy ?? []),
        // An admin creating a venue for someone else does not give it the admin's address.
        contactEmail: emailAddress(input.contactEmail ?? (input.ownerId ? null : (who.email ?? null))),
      };
      await venues.insert(venue);
      return venue;
    },

    async updateVenue(
      principal: Principal | null,
      id: string,
      input: {
        name?: string | null;
        city?: string | null;
        timezone?: string | null;
        cancellationDeadlineHours?: number | null;
        contactEmail?: string | null;
        cancellationPolicy?: readonly RefundTier[] | null;
      },
    ) {
      await ownedVenue(manager(principal), id);
      const patch = defined(input);
      // Zone contexts are cached for a second; the next reservation must see the new policy.
      return changed(
        await venues.update(id, {
          ...(patch.name !== undefined && { name: text("name", patch.name, 200) }),
          ...(patch.city !== undefined && { city: text("city", patch.city, 100) }),
          ...(patch.timezone !== undefined && { timezone: timezone(patch.timezone) }),
          ...(patch.cancellationDeadlineHours !== undefined && {
            cancellationDeadlineHours: deadline(patch.cancellationDeadlineHours),
          }),
          ...(patch.contactEmail !== undefined && { contactEmail: emailAddress(patch.contactEmail || null) }),
          ...(patch.cancellationPolicy !== undefined && { cancellationPolicy: refundPolicy(patch.cancellationPolicy) }),
        }),
      )!;
    },

    async createSlot(
      principal: Principal | null,
      input: {
        venueId: string;
        title: string;
        startsAt: Date;
        endsAt: Date;
        maxPerUser: number;
        saleStartsAt?: Date | null;
      },
    ): Promise<Slot> {
      await ownedVenue(manager(principal), input.venueId);
      schedule({ ...input, saleStartsAt: input.saleStartsAt ?? null }, true);
      const slot: Slot = {
        id: randomUUID(),
        venueId: input.venueId,
        title: text("title", input.title, 200),
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        maxPerUser: integer("maxPerUser", input.maxPerUser, 1, 100),
        saleStartsAt: input.saleStartsAt ?? null,
      };
      await slots.insert(slot);
      return slot;
    },

    async updateSlot(
      principal: Principal | null,
      id: string,
      input: {
        title?: string | null;
        startsAt?: Date | null;
        endsAt?: Date | null;
        maxPerUser?: number | null;
        saleStartsAt?: Date | null;
      },
    ): Promise<Slot> {
      const slot = await ownedSlot(manager(principal), id);
      const patch = defined(input);
      schedule(
        {
          startsAt: patch.startsAt ?? slot.startsAt,
          endsAt: patch.endsAt ?? slot.endsAt,
          saleStartsAt: patch.saleStartsAt ?? slot.saleStartsAt,
        },
        patch.startsAt !== undefined && patch.startsAt.getTime() !== slot.startsAt.getTime(),
      );
      return changed(
        await slots.update(id, {
          ...patch,
          ...(patch.title !== undefined && { title: text("title", patch.title, 200) }),
          ...(patch.maxPerUser !== undefined && { maxPerUser: integer("maxPerUser", patch.maxPerUser, 1, 100) }),
        }),
      )!;
    },

    async createZone(
      principal: Principal | null,
      input: { slotId: string; name: string; capacity: number; priceMinor: number; currency: string },
    ): Promise<Zone> {
      await ownedSlot(manager(principal), input.slotId);
      const zone: Zone = {
        id: randomUUID(),
        slotId: input.slotId,
        name: text("name", input.name, 100),
        capacity: integer("capacity", input.capacity, 0, 1_000_000),
        priceMinor: integer("priceMinor", input.priceMinor, 0, 100_000_000),
        currency: currency(input.currency),
      };
      await zones.insert(zone);
      await holds.loadSlot(zone.slotId);
      return zone;
    },

    async updateZone(
      principal: Principal | null,
      id: string,
      input: { name?: string | null; capacity?: number | null; priceMinor?: number | null; currency?: string | null },
    ): Promise<Zone> {
      const who = manager(principal);
      const zone = isUuid(id) ? await zones.findById(id) : null;
      if (!zone) throw notFound("Zone");
      await ownedSlot(who, zone.slotId);
      const patch = defined(input);
      const changes: Partial<Omit<Zone, "id">> = {
        ...(patch.name !== undefined && { name: text("name", patch.name, 100) }),
        ...(patch.priceMinor !== undefined && { priceMinor: integer("priceMinor", patch.priceMinor, 0, 100_000_000) }),
        ...(patch.currency !== undefined && { currency: currency(patch.currency) }),
      };
      if (patch.capacity !== undefined && patch.capacity !== zone.capacity) {
        const capacity = integer("capacity", patch.capacity, 0, 1_000_000);
        return changed(
          await holds.changeCapacity(
            zone,
            capacity,
            async () => (await zones.update(id, { ...changes, capacity }, who.userId))!,
          ),
        );
      }
      return changed((await zones.update(id, changes))!);
    },
  };
}
export type CatalogService = ReturnType<typeof createCatalogService>;
