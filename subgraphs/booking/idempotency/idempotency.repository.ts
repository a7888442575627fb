import { and, eq, lt, or, sql } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/db";
import { idempotencyKeys } from "../booking.tables";

export interface IdempotencyScope {
  userId: string;
  operation: string;
  key: string;
}

export interface IdempotencyRecord {
  requestHash: string;
  bookingId: string;
  completed: boolean;
  lockedUntil: Date;
}

export function createIdempotencyRepository(db: AppDatabase) {
  const where = (scope: IdempotencyScope) =>
    and(
      eq(idempotencyKeys.userId, scope.userId),
      eq(idempotencyKeys.operation, scope.operation),
      eq(idempotencyKeys.key, scope.key),
    );

  return {
    /**
     * Claims a key for `bookingId`. A key that expired, or whose claimant crashed (lock past),
     * may be claimed again. Returns null when claimed, otherwise the record that holds the key.
     */
    async claim(
      scope: IdempotencyScope,
      claim: { requestHash: string; bookingId: string; lockMs: number; ttlMs: number },
    ): Promise<IdempotencyRecord | null> {
      const values = {
        ...scope,
        requestHash: claim.requestHash,
        bookingId: claim.bookingId,
        completed: false,
        lockedUntil: sql`now() + ${`${claim.lockMs} milliseconds`}::interval`,
        expiresAt: sql`now() + ${`${claim.ttlMs} milliseconds`}::interval`,
      };
      const [claimed] = await db
        .insert(idempotencyKeys)
        .values(values)
        .onConflictDoUpdate({
          target: [idempotencyKeys.userId, idempotencyKeys.operation, idempotencyKeys.key],
          set: values,
          setWhere: or(
            lt(idempotencyKeys.expiresAt, sql`now()`),
            and(eq(idempotencyKeys.completed, false), lt(idempotencyKeys.lockedUntil, sql`now()`)),
          ),
        })
        .returning({ bookingId: idempotencyKeys.bookingId });
      if (claimed?.bookingId === claim.bookingId) return null;
      return (
        (await this.find(scope)) ?? {
          requestHash: claim.requestHash,
          bookingId: "",
          completed: false,
          lockedUntil: new Date(0),
        }
      );
    },

    async find(scope: IdempotencyScope): Promise<IdempotencyRecord | null> {
      const [row] = await db
        .select({
          requestHash: idempotencyKeys.requestHash,
          bookingId: idempotencyKeys.bookingId,
          completed: idempotencyKeys.completed,
          lockedUntil: idempotencyKeys.lockedUntil,
        })
        .from(idempotencyKeys)
        .where(where(scope));
      return row ?? null;
    },

    /** Gives up an unfinished claim (the request failed), so a retry can try again. */
    async forget(scope: IdempotencyScope, bookingId: string): Promise<void> {
      await db
        .delete(idempotencyKeys)
        .where(and(where(scope), eq(idempotencyKeys.bookingId, bookingId), eq(idempotencyKeys.completed, false)));
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
