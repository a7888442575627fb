import { and, asc, desc, eq, getTableColumns, inArray, isNull, lte, sql, type SQL } from "drizzle-orm";
import type { DomainEvent } from "../../../lib/contracts";
import { insertReturningAll, queryRows, type AppDatabase } from "../../../lib/storage/db";
import { outboxInsertFrom, outboxRow } from "../../../lib/messaging/outbox";
import { bookingOutbox, bookings, bookingStatusChanges, statusList } from "../booking.tables";
import type { IdempotencyScope } from "../idempotency/idempotency.repository";
import type { Booking, BookingCursor, BookingStatus } from "./booking.model";
import { CHANGEABLE_STATUSES, HOLD_EXPIRED, SEATS_FREED_STATUSES, TOP_UP_STATUSES } from "./booking.state";

type Row = typeof bookings.$inferSelect;

/** A booking plus its cursor position (the raw, microsecond creation timestamp). */
export interface BookingWithCursor {
  booking: Booking;
  cursor: BookingCursor;
}

/** The one mapper of the table: a row (as drizzle returns it) to the booking. */
const toBooking = (row: Row): Booking => ({
  id: row.id,
  reference: row.reference,
  userId: row.userId,
  zoneId: row.zoneId,
  slotId: row.slotId,
  venueId: row.venueId,
  quantity: row.quantity,
  status: row.status as BookingStatus,
  version: row.version,
  price: {
    base: row.baseMinor,
    tax: row.taxMinor,
    discount: row.discountMinor,
    total: row.totalMinor,
    currency: row.currency,
  },
  specialRequests: row.specialRequests,
  expiresAt: row.expiresAt,
  organizerId: row.organizerId,
  guestEmail: row.guestEmail,
  organizerEmail: row.organizerEmail,
  slotStartsAt: row.slotStartsAt,
  cancellationDeadlineHours: row.cancellationDeadlineHours,
  cancellationPolicy: row.cancellationPolicy ?? null,
  cancelledAt: row.cancelledAt,
  cancellationReason: row.cancellationReason as Booking["cancellationReason"],
  cancellationNotes: row.cancellationNotes,
  cancelledBy: row.cancelledBy,
  cancellationRefundPercent: row.cancellationRefundPercent,
  cancellationRefundMinor: row.cancellationRefundMinor,
  cancellationFeeMinor: row.cancellationFeeMinor,
  cancellationFeeWaived: row.cancellationFeeWaived,
  pendingSeats: row.pendingSeats,
  topUpExpiresAt: row.topUpExpiresAt,
  createdAt: new Date(row.createdAt),
  updatedAt: row.updatedAt,
});

const COLUMNS = Object.entries(getTableColumns(bookings));

/**
 * A row of a raw statement (`returning *`: column names, driver values) as drizzle returns it,
 * decoded by the table's own columns, so the raw statements share `toBooking`. `created_at` is
 * selected as text for its microseconds (the cursor compares it exactly).
 */
function decodeRow(raw: Record<string, unknown>): Row {
  const row: Record<string, unknown> = {};
  for (const [key, column] of COLUMNS) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as Row;
}

/** The booking a raw statement's `select *, created_at::text as created_at` returned. */
const fromRawRow = (raw: Record<string, unknown>): Booking => toBooking(decodeRow(raw));

/** The outcome of a cancellation, written with it. */
export type CancellationOutcome = Pick<
  Booking,
  "cancellationRefundPercent" | "cancellationRefundMinor" | "cancellationFeeMinor" | "cancellationFeeWaived"
>;

export const NO_CANCELLATION = {
  cancelledAt: null,
  cancellationReason: null,
  cancellationNotes: null,
  cancelledBy: null,
  cancellationRefundPercent: null,
  cancellationRefundMinor: null,
  cancellationFeeMinor: null,
  cancellationFeeWaived: null,
} satisfies Partial<Booking>;

export type NewBooking = Omit<
  Booking,
  "createdAt" | "updatedAt" | "cancellationPolicy" | "pendingSeats" | "topUpExpiresAt" | keyof typeof NO_CANCELLATION
> & { cancellationPolicy?: Booking["cancellationPolicy"] };

const toRow = (booking: NewBooking) => ({
  id: booking.id,
  reference: booking.reference,
  userId: booking.userId,
  zoneId: booking.zoneId,
  slotId: booking.slotId,
  venueId: booking.venueId,
  quantity: booking.quantity,
  status: booking.status,
  version: booking.version,
  baseMinor: booking.price.base,
  taxMinor: booking.price.tax,
  discountMinor: booking.price.discount,
  totalMinor: booking.price.total,
  currency: booking.price.currency,
  specialRequests: booking.specialRequests,
  expiresAt: booking.expiresAt,
  organizerId: booking.organizerId,
  guestEmail: booking.guestEmail,
  organizerEmail: booking.organizerEmail,
  slotStartsAt: booking.slotStartsAt,
  cancellationDeadlineHours: booking.cancellationDeadlineHours,
  cancellationPolicy: booking.cancellationPolicy ?? null,
});

/** A status transition as `transitionWithOutbox` takes it. */
export interface BookingTransition {
  bookingId: string;
  expectedVersion: number;
  from: BookingStatus;
  to: BookingStatus;
  actor: string;
  reason: string | null;
  cancellation?: { reason: string; notes: string | null; by: string } & CancellationOutcome;
  event: (booking: Booking) => DomainEvent;
  current: Booking;
}

/** A change of quantity, price and special requests as `updateWithOutbox` takes it. */
export interface BookingUpdate {
  current: Booking;
  expectedVersion: number;
  quantity: number;
  price: Booking["price"];
  specialRequests: string | null;
  /** Unpaid seats of a paid booking and when they lapse (default: as they are). */
  pendingSeats?: number;
  topUpExpiresAt?: Date | null;
  event: (booking: Booking) => DomainEvent;
}

/**
 * What each write makes of the booking (the event is built from it, and the in-memory port of
 * the unit tests stores it): a new booking, a transition, an update.
 */
export const bookingAfter = {
  created: (booking: NewBooking, now: Date): Booking => ({
    ...booking,
    cancellationPolicy: booking.cancellationPolicy ?? null,
    ...NO_CANCELLATION,
    pendingSeats: 0,
    topUpExpiresAt: null,
    createdAt: now,
    updatedAt: now,
  }),
  transition: (change: BookingTransition, now: Date): Booking => ({
    ...change.current,
    status: change.to,
    version: change.expectedVersion + 1,
    updatedAt: now,
    ...(change.cancellation && {
      cancelledAt: now,
      cancellationReason: change.cancellation.reason as Booking["cancellationReason"],
      cancellationNotes: change.cancellation.notes,
      cancelledBy: change.cancellation.by,
      cancellationRefundPercent: change.cancellation.cancellationRefundPercent,
      cancellationRefundMinor: change.cancellation.cancellationRefundMinor,
      cancellationFeeMinor: change.cancellation.cancellationFeeMinor,
      cancellationFeeWaived: change.cancellation.cancellationFeeWaived,
    }),
  }),
  update: (change: BookingUpdate, now: Date): Booking => {
    const pendingSeats = change.pendingSeats ?? change.current.pendingSeats;
    return {
      ...change.current,
      quantity: change.quantity,
      price: change.price,
      specialRequests: change.specialRequests,
      pendingSeats,
      topUpExpiresAt: pendingSeats === 0 ? null : (change.topUpExpiresAt ?? change.current.topUpExpiresAt),
      version: change.expectedVersion + 1,
      updatedAt: now,
    };
  },
};

export function createBookingRepository(db: AppDatabase) {
  const statusChanges = (where: SQL) =>
    db
      .select({
        bookingId: bookingStatusChanges.bookingId,
        fromStatus: bookingStatusChanges.fromStatus,
        toStatus: bookingStatusChanges.toStatus,
        actor: bookingStatusChanges.actor,
        reason: bookingStatusChanges.reason,
        at: bookingStatusChanges.createdAt,
      })
      .from(bookingStatusChanges)
      .where(where)
      .orderBy(asc(bookingStatusChanges.id));

  return {
    /**
     * The booking, its first status-history row, the outbox event and the idempotency key, all
     * or nothing. One statement (data-modifying CTEs run in one implicit
     * transaction), so a connection is held for one round trip instead of six.
     */
    async createWithOutbox(
      booking: NewBooking,
      change: { actor: string; reason: string },
      event: (booking: Booking) => DomainEvent,
      /** Written with the booking: a key another booking has fails the whole statement (unique violation). */
      idempotency: IdempotencyScope & { requestHash: string; ttlMs: number },
    ): Promise<Booking> {
      const outbox = outboxRow(event(bookingAfter.created(booking, new Date())));
      const [row] = await queryRows<Record<string, unknown>>(
        db,
        sql`with created as (
              ${insertReturningAll(bookings, toRow(booking))}
            ), history as (
              insert into booking.booking_status_changes (booking_id, from_status, to_status, actor, reason)
              select id, null, status, ${change.actor}, ${change.reason} from created
            ), event as (
              ${outboxInsertFrom(bookingOutbox, "created", outbox)}
            ), claimed as (
              insert into booking.idempotency_keys (user_id, operation, key, request_hash, booking_id, completed, locked_until, expires_at)
              select ${idempotency.userId}, ${idempotency.operation}, ${idempotency.key}, ${idempotency.requestHash}, id, true,
                now(), now() + ${`${idempotency.ttlMs} milliseconds`}::interval
              from created
            )
            select *, created_at::text as created_at from created`,
      );
      return fromRawRow(row);
    },

    /**
     * One status transition, all or nothing, in one statement: the booking row (only if it is
     * still at `expectedVersion` and `from`: optimistic locking), a history row and the outbox
     * event. Returns null when another request changed the booking first.
     */
    async transitionWithOutbox(change: BookingTransition): Promise<Booking | null> {
      const next = bookingAfter.transition(change, new Date());
      const outbox = outboxRow(change.event(next));
      const c = change.cancellation;
      const [row] = await queryRows<Record<string, unknown>>(
        db,
        sql`with changed as (
              update booking.bookings set status = ${change.to}, version = version + 1, updated_at = now(),
                cancelled_at = case when ${c ? 1 : 0}::int = 1 then now() else cancelled_at end,
                cancellation_reason = coalesce(${c?.reason ?? null}::text, cancellation_reason),
                cancellation_notes = case when ${c ? 1 : 0}::int = 1 then ${c?.notes ?? null}::text else cancellation_notes end,
                cancelled_by = coalesce(${c?.by ?? null}::text, cancelled_by),
                cancellation_refund_percent = coalesce(${c?.cancellationRefundPercent ?? null}::int, cancellation_refund_percent),
                cancellation_refund_minor = coalesce(${c?.cancellationRefundMinor ?? null}::int, cancellation_refund_minor),
                cancellation_fee_minor = coalesce(${c?.cancellationFeeMinor ?? null}::int, cancellation_fee_minor),
                cancellation_fee_waived = coalesce(${c?.cancellationFeeWaived ?? null}::boolean, cancellation_fee_waived)
              where id = ${change.bookingId} and version = ${change.expectedVersion} and status = ${change.from}
              returning *
            ), history as (
              insert into booking.booking_status_changes (booking_id, from_status, to_status, actor, reason)
              select id, ${change.from}, ${change.to}, ${change.actor}, ${change.reason} from changed
            ), event as (
              ${outboxInsertFrom(bookingOutbox, "changed", outbox)}
            )
            select *, created_at::text as created_at from changed`,
      );
      return row ? fromRawRow(row) : null;
    },

    /**
     * Changes quantity, price and special requests of a PENDING or CONFIRMED booking at
     * `expectedVersion`, with a `booking.updated` outbox event, in one statement.
     * Returns null when another request changed the booking first.
     */
    async updateWithOutbox(change: BookingUpdate): Promise<Booking | null> {
      const next = bookingAfter.update(change, new Date());
      const { pendingSeats, topUpExpiresAt } = next;
      const outbox = outboxRow(change.event(next));
      const [row] = await queryRows<Record<string, unknown>>(
        db,
        sql`with changed as (
              update booking.bookings set quantity = ${change.quantity}, base_minor = ${change.price.base},
                tax_minor = ${change.price.tax}, discount_minor = ${change.price.discount}, total_minor = ${change.price.total},
                special_requests = ${change.specialRequests}, pending_seats = ${pendingSeats},
                top_up_expires_at = ${topUpExpiresAt?.toISOString() ?? null}::timestamptz, version = version + 1, updated_at = now()
              where id = ${change.current.id} and version = ${change.expectedVersion} and status in (${statusList(CHANGEABLE_STATUSES)})
              returning *
            ), event as (
              ${outboxInsertFrom(bookingOutbox, "changed", outbox)}
            )
            select *, created_at::text as created_at from changed`,
      );
      return row ? fromRawRow(row) : null;
    },

    /** The status changes of several bookings, each booking's oldest first. */
    async statusHistories(bookingIds: string[]) {
      return statusChanges(inArray(bookingStatusChanges.bookingId, bookingIds));
    },

    async statusHistory(bookingId: string) {
      return statusChanges(eq(bookingStatusChanges.bookingId, bookingId));
    },

    /** Finished bookings whose seats inventory has not confirmed back yet. */
    async listUnreleased(limit: number): Promise<string[]> {
      const rows = await db
        .select({ id: bookings.id })
        .from(bookings)
        .where(and(inArray(bookings.status, SEATS_FREED_STATUSES), isNull(bookings.seatsReleasedAt)))
        .orderBy(asc(bookings.updatedAt))
        .limit(limit);
      return rows.map((r) => r.id);
    },

    async markSeatsReleased(bookingId: string): Promise<void> {
      await db
        .update(bookings)
        .set({ seatsReleasedAt: sql`now()` })
        .where(eq(bookings.id, bookingId));
    },

    /**
     * Moves up to `limit` bookings awaiting payment whose hold lapsed to EXPIRED (the state
     * machine's HOLD_EXPIRED), with history and an outbox event each, in one transaction. Rows
     * locked by another sweeper are skipped, so every booking expires exactly once however many
     * sweepers run.
     */
    async expireDueWithOutbox(now: Date, limit: number, event: (booking: Booking) => DomainEvent): Promise<Booking[]> {
      const { from, to } = HOLD_EXPIRED;
      return db.transaction(async (tx) => {
        const due = await tx
          .select({ id: bookings.id })
          .from(bookings)
          .where(and(eq(bookings.status, from), lte(bookings.expiresAt, now)))
          .orderBy(asc(bookings.expiresAt))
          .limit(limit)
          .for("update", { skipLocked: true });
        if (due.length === 0) return [];
        const rows = await tx
          .update(bookings)
          .set({ status: to, version: sql`${bookings.version} + 1`, updatedAt: sql`now()` })
          .where(
            and(
              inArray(
                bookings.id,
                due.map((d) => d.id),
              ),
              eq(bookings.status, from),
            ),
          )
          .returning();
        const expired = rows.map(toBooking);
        if (expired.length === 0) return [];
        await tx.insert(bookingStatusChanges).values(
          expired.map((b) => ({
            bookingId: b.id,
            fromStatus: from,
            toStatus: to,
            actor: "system",
            reason: "hold expired",
          })),
        );
        await tx.insert(bookingOutbox).values(expired.map((b) => outboxRow(event(b))));
        return expired;
      });
    },

    /** Paid bookings whose added seats were not paid in time (the top-up sweeper's work). */
    async listTopUpsDue(now: Date, limit: number): Promise<string[]> {
      const rows = await db
        .select({ id: bookings.id })
        .from(bookings)
        .where(
          and(
            sql`${bookings.pendingSeats} > 0`,
            inArray(bookings.status, TOP_UP_STATUSES),
            lte(bookings.topUpExpiresAt, now),
          ),
        )
        .orderBy(asc(bookings.topUpExpiresAt))
        .limit(limit);
      return rows.map((r) => r.id);
    },

    async findById(id: string): Promise<Booking | null> {
      const [row] = await db.select().from(bookings).where(eq(bookings.id, id));
      return row ? toBooking(row) : null;
    },

    async findByIds(ids: string[]): Promise<Booking[]> {
      const rows = await db.select().from(bookings).where(inArray(bookings.id, ids));
      return rows.map(toBooking);
    },

    async findByReference(reference: string): Promise<Booking | null> {
      const [row] = await db.select().from(bookings).where(eq(bookings.reference, reference));
      return row ? toBooking(row) : null;
    },

    /** A user's bookings, newest first, after `after` (keyset pagination on created_at, id). */
    async listByUser(
      userId: string,
      options: { statuses?: BookingStatus[]; after?: BookingCursor; limit: number },
    ): Promise<BookingWithCursor[]> {
      const conditions = [eq(bookings.userId, userId)];
      if (options.statuses?.length) conditions.push(inArray(bookings.status, options.statuses));
      if (options.after) {
        conditions.push(
          sql`(${bookings.createdAt}, ${bookings.id}) < (${options.after.createdAt}::timestamptz, ${options.after.id}::uuid)`,
        );
      }
      const rows = await db
        .select()
        .from(bookings)
        .where(and(...conditions))
        .orderBy(desc(bookings.createdAt), desc(bookings.id))
        .limit(options.limit);
      return rows.map((row) => ({ booking: toBooking(row), cursor: { createdAt: row.createdAt, id: row.id } }));
    },

    async insert(booking: NewBooking & { createdAt?: Date }): Promise<void> {
      await db
        .insert(bookings)
        .values({ ...toRow(booking), ...(booking.createdAt ? { createdAt: booking.createdAt.toISOString() } : {}) })
        .onConflictDoNothing();
    },
  };
}
export type BookingRepository = ReturnType<typeof createBookingRepository>;
