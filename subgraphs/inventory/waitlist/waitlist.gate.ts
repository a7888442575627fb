import type { AdmissionSnapshot, WaitlistRepository } from "./waitlist.repository";

/** How a reservation may take seats in a zone, as far as its waitlist is concerned. */
export type Admission =
  /** Nobody is waiting: an ordinary hold. */
  | { kind: "open" }
  /** The user has a live offer here: the reservation takes it over (`HoldStore.claim`). */
  | { kind: "offer"; offer: { holdId: string; quantity: number; expiresAt: Date } }
  /** Others are waiting and the user has no offer: freed seats belong to the queue. */
  | { kind: "queued" };

/** The port the hold service asks before it holds seats (hold.service.ts). */
export interface WaitlistGate {
  admission(zoneId: string, userId: string): Promise<Admission>;
  /** Forgets what is cached for a zone (this process changed its waitlist). */
  forget(zoneId: string): void;
}

/**
 * Fairness for sold-out zones: while anyone is WAITING, freed seats go to the waitlist, not to
 * whoever calls `reserveSeats` first.
 *
 * Why a cache: `reserveSeats` is the flash-sale hot path, and a sold-out zone with a waitlist is
 * exactly where thousands of attempts a second arrive. A zone's snapshot (its live offers, and
 * whether anyone waits) is read in one statement and kept for `ttlMs` (1 s), so an attempt costs
 * at most one read per zone per second per instance, with or without a waitlist. Changes this
 * process makes (joins, offers, leaves, acceptances) clear the zone at once. Another instance
 * sees them up to `ttlMs` late: a zone's first join (a seat freed in that second may still go to
 * an ordinary reservation), or a fresh offer (its user is told INSUFFICIENT_STOCK for that second
 * and may retry; the notification takes about as long to arrive).
 */
export function createWaitlistGate(
  waitlist: Pick<WaitlistRepository, "admissionSnapshot">,
  options: { ttlMs?: number; now?: () => number } = {},
): WaitlistGate {
  const ttlMs = options.ttlMs ?? 1_000;
  const now = options.now ?? Date.now;
  // The read in flight is shared: the 64 attempts that find the entry expired at once make one
  // statement, not 64. A failed read is not kept.
  const snapshots = new Map<string, { snapshot: Promise<AdmissionSnapshot>; until: number }>();
  function snapshotOf(zoneId: string): Promise<AdmissionSnapshot> {
    const cached = snapshots.get(zoneId);
    if (cached && cached.until > now()) return cached.snapshot;
    if (snapshots.size > 10_000) snapshots.clear();
    const entry = { snapshot: waitlist.admissionSnapshot(zoneId), until: Number.POSITIVE_INFINITY };
    snapshots.set(zoneId, entry);
    entry.snapshot.then(
      () => (entry.until = now() + ttlMs),
      () => snapshots.get(zoneId) === entry && snapshots.delete(zoneId),
    );
    return entry.snapshot;
  }
  return {
    async admission(zoneId, userId) {
      const { waiting, offers } = await snapshotOf(zoneId);
      const offer = offers.get(userId);
      if (offer) return { kind: "offer", offer };
      return waiting ? { kind: "queued" } : { kind: "open" };
    },
    forget(zoneId) {
      snapshots.delete(zoneId);
    },
  };
}
