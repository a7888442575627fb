/**
 * The rate limiter's port (README: The public edge): token buckets and the per-IP ledger of unpaid
 * seats. The Redis adapter is shared by every gateway instance; the in-process one serves the
 * embedded default (one gateway). Both pass test/integration/rate-limit-store.contract.test.ts.
 */

/** One bucket a request draws from. */
export interface Charge {
  /** The bucket's key, e.g. `reservation:user:<sub>` (the store adds its namespace). */
  key: string;
  /** Tokens the bucket holds when full: the burst. */
  capacity: number;
  /** Tokens added per second (the sustained rate). */
  refillPerSecond: number;
  /** Tokens this request takes. */
  cost: number;
}

export type ConsumeOutcome = { allowed: true } | { allowed: false; retryAfterMs: number; key: string };

export type HoldOutcome =
  | { reserved: true; heldSeats: number }
  /** `retryAfterMs`: until the earliest held entry expires (0 when nothing is held: the request alone is too big). */
  | { reserved: false; heldSeats: number; retryAfterMs: number };

export interface HeldBooking {
  id: string;
  seats: number;
  expiresAtMs: number;
}

export interface RateLimitStore {
  /**
   * Takes `cost` tokens from every bucket, or from none: a request refused by one bucket
   * leaves the others untouched. Refused → how long until every bucket could pay.
   */
  consume(charges: Charge[]): Promise<ConsumeOutcome>;
  /**
   * Adds `entryId` (`seats` seats, held until `expiresAtMs`) to the IP's ledger unless the
   * unexpired entries plus these would pass `maxSeats`. Check and add are one atomic step.
   */
  reserveHeld(ip: string, entryId: string, seats: number, maxSeats: number, expiresAtMs: number): Promise<HoldOutcome>;
  /**
   * Replaces the provisional entry `entryId` by the bookings it became (so a cancel or payment
   * can find them), or just drops it when there are none (the reservation failed).
   */
  settleHeld(ip: string, entryId: string, bookings: HeldBooking[]): Promise<void>;
  /** Frees a booking's seats from whichever IP's ledger holds them (cancelled or paid). */
  releaseBooking(bookingId: string): Promise<void>;
  /** Unexpired seats on the IP's ledger. */
  heldSeats(ip: string): Promise<number>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * In-process store: the same arithmetic as the Redis scripts, for one gateway without Redis.
 * Buckets that have refilled completely are forgotten (a full bucket is the default state), so
 * memory stays bounded by the clients active in the last refill period.
 */
export function createMemoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const buckets = new Map<string, Bucket>();
  const ledgers = new Map<string, Map<string, { seats: number; expiresAtMs: number }>>();
  const holders = new Map<string, string>();
  let sweptAt = 0;

  const sweep = (t: number) => {
    if (t - sweptAt < 10_000) return;
    sweptAt = t;
    for (const [key, bucket] of buckets) if (bucket.at < t - 3_600_000) buckets.delete(key);
    for (const [ip, ledger] of ledgers) {
      for (const [id, entry] of ledger) if (entry.expiresAtMs <= t) ledger.delete(id);
      if (!ledger.size) ledgers.delete(ip);
    }
    for (const [booking, ip] of holders) if (!ledgers.get(ip)?.has(booking)) holders.delete(booking);
  };
  const live = (ip: string, t: number) => {
    const ledger = ledgers.get(ip) ?? new Map<string, { seats: number; expiresAtMs: number }>();
    for (const [id, entry] of ledger) if (entry.expiresAtMs <= t) ledger.delete(id);
    ledgers.set(ip, ledger);
    return ledger;
  };

  return {
    async consume(charges) {
      const t = now();
      sweep(t);
      const levels = charges.map((c) => {
        const bucket = buckets.get(c.key);
        const rate = c.refillPerSecond / 1000;
        return bucket ? Math.min(c.capacity, bucket.tokens + Math.max(0, t - bucket.at) * rate) : c.capacity;
      });
      let wait = 0;
      let key = "";
      charges.forEach((c, i) => {
        if (levels[i] >= c.cost) return;
        const ms = Math.ceil((c.cost - levels[i]) / (c.refillPerSecond / 1000));
        if (ms > wait) [wait, key] = [ms, c.key];
      });
      if (wait > 0) return { allowed: false, retryAfterMs: wait, key };
      charges.forEach((c, i) => buckets.set(c.key, { tokens: levels[i] - c.cost, at: t }));
      return { allowed: true };
    },
    async reserveHeld(ip, entryId, seats, maxSeats, expiresAtMs) {
      const t = now();
      sweep(t);
      const ledger = live(ip, t);
      const held = [...ledger.values()].reduce((sum, e) => sum + e.seats, 0);
      if (held + seats > maxSeats) {
        const earliest = Math.min(...[...ledger.values()].map((e) => e.expiresAtMs));
        return { reserved: false, heldSeats: held, retryAfterMs: ledger.size ? Math.max(0, earliest - t) : 0 };
      }
      ledger.set(entryId, { seats, expiresAtMs });
      return { reserved: true, heldSeats: held + seats };
    },
    async settleHeld(ip, entryId, bookings) {
      const ledger = live(ip, now());
      ledger.delete(entryId);
      for (const booking of bookings) {
        ledger.set(booking.id, { seats: booking.seats, expiresAtMs: booking.expiresAtMs });
        holders.set(booking.id, ip);
      }
    },
    async releaseBooking(bookingId) {
      const ip = holders.get(bookingId);
      if (!ip) return;
      holders.delete(bookingId);
      ledgers.get(ip)?.delete(bookingId);
    },
    async heldSeats(ip) {
      return [...live(ip, now()).values()].reduce((sum, e) => sum + e.seats, 0);
    },
  };
}
