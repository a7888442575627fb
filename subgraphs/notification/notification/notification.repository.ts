import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/db";
import { notifications } from "../notification.tables";

export const NOTIFICATION_CHANNELS = ["EMAIL", "SMS", "PUSH"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export const NOTIFICATION_STATUSES = ["PENDING", "SENT", "FAILED"] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface Notification {
  id: string;
  bookingId: string | null;
  recipientId: string;
  channel: NotificationChannel;
  subject: string;
  body: string;
  status: NotificationStatus;
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
}

const toNotification = (row: typeof notifications.$inferSelect): Notification => ({
  ...row,
  channel: row.channel as NotificationChannel,
  status: row.status as NotificationStatus,
});

export function createNotificationRepository(db: AppDatabase) {
  return {
    /** Notifications of a booking, oldest first; only those sent to `recipientId` unless it is omitted. */
    async listByBooking(bookingId: string, recipientId?: string): Promise<Notification[]> {
      const conditions = [eq(notifications.bookingId, bookingId)];
      if (recipientId !== undefined) conditions.push(eq(notifications.recipientId, recipientId));
      const rows = await db
        .select()
        .from(notifications)
        .where(and(...conditions))
        .orderBy(asc(notifications.createdAt), asc(notifications.id));
      return rows.map(toNotification);
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
    async markSent(id: string): Promise<void> {
      await db
        .update(notifications)
        .set({ status: "SENT", sentAt: sql`now()`, attempts: sql`${notifications.attempts} + 1` })
        .where(eq(notifications.id, id));
    },
    async markFailedAttempt(id: string): Promise<void> {
      await db
        .update(notifications)
        .set({ attempts: sql`${notifications.attempts} + 1` })
        .where(eq(notifications.id, id));
    },
    async insert(notification: Omit<Notification, "createdAt">): Promise<void> {
      await db.insert(notifications).values(notification).onConflictDoNothing();
    },
  };
}
export type NotificationRepository = ReturnType<typeof createNotificationRepository>;
