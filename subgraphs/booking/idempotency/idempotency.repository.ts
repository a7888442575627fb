import { and, eq, lt, sql } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/storage/db";
import { idempotencyKeys } from "../booking.tables";

export interface IdempotencyScope {
  userId: string;
  operation: string;
  key: string;
}

/**
 * A reservation's idempotency key, written in the booking's own statement (so it exists exactly
 * when the booking does). While a request is in flight the inventory hold store owns the key
 * (see booking.reservation.ts); rejected attempts write nothing here.
 */
export interface IdempotencyRecord {
  requestHash: string;
  bookingId: string;
  expiresAt: Date;
}

export function createIdempotencyRepository(db: AppDatabase) {
  const where = (scope: IdempotencyScope) =>
    and(
      eq(idempotencyKeys.userId, scope.userId),
      eq(idempotencyKeys.operation, scope.operation),
      eq(idempotencyKeys.key, scope.key),
    );

  return {
    async find(scope: IdempotencyScope): Promise<IdempotencyRecord | null> {
      const [row] = await db
        .select({
          requestHash: idempotencyKeys.requestHash,
          bookingId: idempotencyKeys.bookingId,
          expiresAt: idempotencyKeys.expiresAt,
        })
        .from(idempotencyKeys)
        .where(where(scope));
      return row ?? null;
    },

    /** Deletes the scope's key if it has expired (its purge has not run yet); true if it did. */
    async deleteExpired(scope: IdempotencyScope): Promise<boolean> {
      const rows = await db
        .delete(idempotencyKeys)
        .where(and(where(scope), lt(idempotencyKeys.expiresAt, sql`now()`)))
        .returning({ key: idempotencyKeys.key });
      return rows.length > 0;
    },

    /** Deletes expired keys; returns how many. */
    async purgeExpired(): Promise<number> {
      const rows = await db
        .delete(idempotencyKeys)
        .where(lt(idempotencyKeys.expiresAt, sql`now()`))
        .returning({ key: idempotencyKeys.key });
      return rows.length;
    },
  };
}
export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
