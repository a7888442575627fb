/** A request to hold seats in one zone of a slot for one user. */
export interface HoldRequest {
  holdId: string;
  slotId: string;
  zoneId: string;
  userId: string;
  quantity: number;
  maxPerUser: number;
  expiresAt: Date;
  /**
   * The requester's idempotency key (a digest), held for `key.ttlMs`: while another hold owns
   * it, this request takes nothing and learns the owner (`key-taken`). `supersede` names an
   * owner the requester gave up on (its lock passed): that owner's claim is replaced.
   */
  key?: { token: string; lockedUntil: number; ttlMs: number; supersede?: string };
  /**
   * The zone's freed seats belong to its waitlist (others are waiting and the requester has no
   * offer): after the idempotency key check (a retry whose first attempt got seats still learns
   * its owner), nothing is taken and the answer is `insufficient`.
   */
  waitlistOnly?: boolean;
}

export type HoldOutcome =
  | { kind: "held"; available: number }
  /** The same hold id was already held: nothing changed (idempotent retry). */
  | { kind: "already-held"; available: number }
  /** Another hold owns the request's idempotency key: nothing was taken. */
  | { kind: "key-taken"; available: number; holdId: string; lockedUntil: number }
  | { kind: "insufficient"; available: number }
  | { kind: "over-limit"; alreadyHeld: number }
  /** The slot's counters are not in the store yet: load them from the ledger and retry. */
  | { kind: "not-loaded" };

/** What claiming a waitlist offer can answer besides a hold's outcomes. */
export type ClaimOutcome =
  | HoldOutcome
  /** The store has no live offer of that user and zone (released, taken, or lapsed). */
  | { kind: "offer-gone"; available: number }
  /** The request asks for more seats than the offer holds: nothing changed. */
  | { kind: "offer-smaller"; offered: number };

/** An active hold as the ledger knows it. `expiresAt: null` means sold (permanent). */
export interface LedgerHold {
  holdId: string;
  zoneId: string;
  userId: string;
  quantity: number;
  expiresAt: Date | null;
}

/** Everything the store needs to rebuild one slot's counters. */
export interface SlotLedger {
  slotId: string;
  zones: { zoneId: string; capacity: number }[];
  holds: LedgerHold[];
  /**
   * Holds the ledger has released that the store may still count (their lapse time has not
   * passed): a release whose ledger write landed but whose store release never ran. Dropped.
   */
  released: string[];
}

export interface ZoneDrift {
  zoneId: string;
  before: number | null;
  after: number;
}

/**
 * The atomic seat counter (the port; Redis in production, in-process when embedded).
 * Every operation on one slot is atomic with respect to every other: a hold can never take a
 * seat that another hold took, and never lets one user pass `maxPerUser` in a slot.
 */
export interface HoldStore {
  hold(request: HoldRequest): Promise<HoldOutcome>;
  /**
   * Gives a hold's seats back; false if the store did not know the hold. Safe to repeat.
   * `forgetKey`: the idempotency key the hold claimed is given up too (if this hold still owns
   * it), for a hold whose booking was never written; a booked hold keeps its key.
   */
  release(
    hold: { holdId: string; slotId: string; zoneId: string; userId: string },
    forgetKey?: string,
  ): Promise<boolean>;
  /**
   * Changes a hold's quantity from `from` to `to` (compare-and-set: `changed` if the hold is
   * not at `from`): more seats only if they are free and the user stays within `maxPerUser`,
   * fewer seats go back. `not-loaded` if the store does not know the hold.
   */
  resize(
    hold: { holdId: string; slotId: string; zoneId: string; userId: string },
    from: number,
    to: number,
    maxPerUser: number,
  ): Promise<HoldOutcome | { kind: "changed"; current: number }>;
  /**
   * Turns a waitlist offer (a hold of the request's user and zone, not lapsed at `now`) into
   * the request's hold in one step: the new hold has `request.quantity` seats (at most the
   * offer's), the rest of the offer is free again, the offer is gone. No other request can take
   * the offered seats in between. The idempotency key is checked and claimed as in `hold`.
   */
  claim(request: HoldRequest, offerHoldId: string, now: Date): Promise<ClaimOutcome>;
  /** Makes a hold permanent (sold): it no longer lapses when the store is rebuilt. */
  markSold(hold: { holdId: string; slotId: string }): Promise<void>;
  /**
   * Seats left per zone of several slots in one round trip (a request's whole list), in the
   * order asked; `null` where a slot is not loaded.
   */
  availableInSlots(slots: { slotId: string; zoneIds: string[] }[]): Promise<(number | null)[][]>;
  /**
   * Rebuilds a slot's counters from the ledger, keeping holds the store has that the ledger
   * has not recorded yet (in flight) unless they have lapsed or the ledger released them.
   * Safe while holds are taken.
   */
  load(ledger: SlotLedger, now: Date): Promise<ZoneDrift[]>;
  /** Adds `delta` seats to a zone; refused (false) if that would take more than is free. */
  adjustCapacity(slotId: string, zoneId: string, delta: number): Promise<{ ok: boolean; available: number }>;
  ping(): Promise<void>;
}
