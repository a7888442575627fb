import { and, asc, desc, eq, getTableColumns, inArray, lte, sql, type SQL } from "drizzle-orm";
import { notificationDomainEvent } from "../../../lib/contracts";
import { outboxRow } from "../../../lib/messaging/outbox";
import type { AppDatabase } from "../../../lib/storage/db";
import { notificationOutbox, notifications } from "../notification.tables";

export const NOTIFICATION_CHANNELS = ["EMAIL", "SMS", "PUSH"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export const NOTIFICATION_STATUSES = ["PENDING", "SENT", "FAILED"] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface Notification {
  id: string;
  bookingId: string | null;
  recipientId: string;
  /** The e-mail address, copied from the event; null: none known. */
  recipientAddress: string | null;
  channel: NotificationChannel;
  subject: string;
  body: string;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

const toNotification = ({ nextAttemptAt: _, ...row }: typeof notifications.$inferSelect): Notification => ({
  ...row,
  channel: row.channel as NotificationChannel,
  status: row.status as NotificationStatus,
});

/** Sending stops after this many attempts; the notification stays FAILED (still listed). */
export const MAX_DELIVERY_ATTEMPTS = 5;

/** The `notification.added` event of a notification, as a row of notification's outbox. */
const addedEvent = (notification: Pick<Notification, "id" | "recipientId">) =>
  outboxRow(
    notificationDomainEvent("notification.added", { id: notification.id, version: 1 }, "system", {
      notificationId: notification.id,
      recipientId: notification.recipientId,
    }),
  );
type OutboxEvent = ReturnType<typeof addedEvent>;

const outboxColumns = getTableColumns(notificationOutbox);
const EVENT_FIELDS = Object.keys(addedEvent({ id: "", recipientId: "" })) as (keyof OutboxEvent)[];
/** The record type `jsonb_to_recordset` reads the events as: each field with its column's type. */
const EVENT_RECORD = sql.raw(EVENT_FIELDS.map((field) => `"${field}" ${outboxColumns[field].getSQLType()}`).join(", "));

/**
 * The step of a data-modifying CTE that writes the events of the notifications the `source` step
 * returned (their `id`): the ones a duplicate left out get none.
 */
function addedEventsFor(source: string, events: OutboxEvent[]): SQL {
  return sql`insert into ${notificationOutbox} (${sql.join(
    EVENT_FIELDS.map((field) => sql.identifier(outboxColumns[field].name)),
    sql`, `,
  )})
    select ${sql.join(
      EVENT_FIELDS.map((field) => sql`e.${sql.identifier(field)}`),
      sql`, `,
    )}
    from jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as e(${EVENT_RECORD})
    join ${sql.identifier(source)} as stored on stored.id = e."aggregateId"::uuid`;
}

export function createNotificationRepository(db: AppDatabase) {
  /**
   * Stores notifications in one statement, each with its `notification.added` event (the
   * relay pushes it to the recipient's subscriptions) in the same statement; a notification whose
   * id is stored already is left as it is, and gets no event. See `insert`.
   */
  async function insertMany(rows: Omit<Notification, "createdAt">[], firstAttemptAfterSeconds = 30): Promise<void> {
    if (!rows.length) return;
    const nextAttemptAt = sql`now() + ${firstAttemptAfterSeconds} * interval '1 second'`;
    const stored = db
      .insert(notifications)
      .values(rows.map((row) => ({ ...row, nextAttemptAt })))
      .onConflictDoNothing()
      .returning({ id: notifications.id });
    await db.execute(
      sql`with stored as (${stored.getSQL()}), event as (${addedEventsFor("stored", rows.map(addedEvent))}) select 1`,
    );
  }
  return {
    /** Notifications of several bookings, each booking's oldest first; only `recipientId`'s unless it is omitted. */
    async listByBookings(bookingIds: string[], recipientId?: string): Promise<Notification[]> {
      const conditions = [inArray(notifications.bookingId, bookingIds)];
      if (recipientId !== undefined) conditions.push(eq(notifications.recipientId, recipientId));
      const rows = await db
        .select()
        .from(notifications)
        .where(and(...conditions))
        .orderBy(asc(notifications.createdAt), asc(notifications.id));
      return rows.map(toNotification);
    },
    async findById(id: string): Promise<Notification | null> {
      const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
      return row ? toNotification(row) : null;
    },
    /** A person's notifications, newest first. */
    async listByRecipient(recipientId: string, limit: number): Promise<Notification[]> {
      const rows = await db
        .select()
        .from(notifications)
        .where(eq(notifications.recipientId, recipientId))
        .orderBy(desc(notifications.createdAt), desc(notifications.id))
        .limit(limit);
      return rows.map(toNotification);
    },
    /** Marks the notifications sent, in one statement (those still PENDING). */
    async markSent(ids: string[]): Promise<void> {
      if (!ids.length) return;
      await db
        .update(notifications)
        .set({ status: "SENT", sentAt: sql`now()`, attempts: sql`${notifications.attempts} + 1`, lastError: null })
        .where(and(inArray(notifications.id, ids), eq(notifications.status, "PENDING")));
    },
    /**
     * Counts a failed attempt: the retry loop tries again after 30 s, 1 min, 2 min… and the
     * notification is FAILED after MAX_DELIVERY_ATTEMPTS, or at once when `permanent`.
     */
    async markFailedAttempt(id: string, error: string, permanent = false): Promise<void> {
      await db
        .update(notifications)
        .set({
          attempts: sql`${notifications.attempts} + 1`,
          lastError: error.slice(0, 500),
          status: permanent
            ? "FAILED"
            : sql`case when ${notifications.attempts} + 1 >= ${MAX_DELIVERY_ATTEMPTS} then 'FAILED' else 'PENDING' end`,
          nextAttemptAt: sql`now() + interval '30 seconds' * power(2, ${notifications.attempts})`,
        })
        .where(and(eq(notifications.id, id), eq(notifications.status, "PENDING")));
    },
    /**
     * Claims up to `limit` PENDING notifications whose next attempt is due (an earlier send
     * failed, or the process stopped between storing and sending) and pushes their next attempt
     * `leaseSeconds` away, so two instances never send the same one at the same time.
     */
    async claimDue(limit: number, leaseSeconds = 60): Promise<Notification[]> {
      const due = db
        .select({ id: notifications.id })
        .from(notifications)
        .where(and(eq(notifications.status, "PENDING"), lte(notifications.nextAttemptAt, sql`now()`)))
        .orderBy(asc(notifications.nextAttemptAt))
        .limit(limit)
        .for("update", { skipLocked: true });
      const rows = await db
        .update(notifications)
        .set({ nextAttemptAt: sql`now() + ${leaseSeconds} * interval '1 second'` })
        .where(inArray(notifications.id, due))
        .returning();
      return rows.map(toNotification);
    },
    /** Stores a notification; its first send is due `firstAttemptAfterSeconds` later if nobody sends it sooner. */
    insert: (notification: Omit<Notification, "createdAt">, firstAttemptAfterSeconds = 30) =>
      insertMany([notification], firstAttemptAfterSeconds),
    insertMany,
  };
}
export type NotificationRepository = ReturnType<typeof createNotificationRepository>;
