import type { Logger } from "../../../lib/observability/logger";
import type { InventoryClient } from "./inventory.client";

/** A hold the booking subgraph asked for and then gave up on (no booking owns it). */
export interface AbandonedHold {
  holdId: string;
  zoneId: string;
  userId: string;
  quantity: number;
  /** When the hold lapses by itself; retrying past that is pointless. */
  expiresAt: Date;
  /**
   * The booking write failed with an unknown outcome (the connection died around the commit):
   * release only if no booking with the hold's id exists once the database answers again.
   */
  unlessBooked?: boolean;
  /** The idempotency key digest the hold claimed: given up with it, so a retry can try again. */
  keyToken?: string;
}

/**
 * Gives back holds whose booking was never written: the hold call timed out or failed in
 * transit (inventory may have taken the seats), or the booking transaction failed. The first
 * attempt runs at once; while inventory or the database is unreachable it is retried with
 * backoff, so capacity is right again within seconds of their return, not at the hold's expiry.
 * Kept in memory: if this process dies too, the hold lapses at `expiresAt` (README: Reservations).
 */
export function createHoldReleaser(deps: {
  inventory: InventoryClient;
  bookingExists(bookingId: string): Promise<boolean>;
  logger: Logger;
}) {
  const pending = new Map<string, { hold: AbandonedHold; attempts: number; nextAt: number }>();
  let timer: NodeJS.Timeout | null = null;

  async function attempt(hold: AbandonedHold): Promise<boolean> {
    try {
      if (hold.unlessBooked && (await deps.bookingExists(hold.holdId))) return true;
      await deps.inventory.releaseHold(hold.holdId, {
        zoneId: hold.zoneId,
        userId: hold.userId,
        quantity: hold.quantity,
        keyToken: hold.keyToken,
      });
      return true;
    } catch (error) {
      deps.logger.warn("abandoned hold not released yet; retrying", { holdId: hold.holdId, error });
      return false;
    }
  }

  async function retryDue(): Promise<void> {
    const now = Date.now();
    for (const [holdId, entry] of pending) {
      if (entry.hold.expiresAt.getTime() <= now) {
        pending.delete(holdId); // lapsed by itself by now
        continue;
      }
      if (entry.nextAt > now) continue;
      if (await attempt(entry.hold)) {
        pending.delete(holdId);
      } else {
        entry.attempts++;
        entry.nextAt = Date.now() + Math.min(250 * 2 ** entry.attempts, 5_000);
      }
    }
  }

  function schedule() {
    if (timer || pending.size === 0) return;
    timer = setTimeout(() => {
      timer = null;
      void retryDue().finally(schedule);
    }, 250);
    timer.unref();
  }

  return {
    /** Releases `hold` now, or keeps retrying in the background until it is released or lapses. */
    async release(hold: AbandonedHold): Promise<void> {
      if (await attempt(hold)) return;
      pending.set(hold.holdId, { hold, attempts: 1, nextAt: Date.now() + 250 });
      schedule();
    },
    /** One last try for everything pending (graceful shutdown). */
    async flush(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = null;
      for (const entry of pending.values()) entry.nextAt = 0;
      await retryDue();
    },
  };
}
export type HoldReleaser = ReturnType<typeof createHoldReleaser>;
