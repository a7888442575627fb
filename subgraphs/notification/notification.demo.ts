import type { AppDatabase } from "../../lib/storage/db";
import { DEMO_IDS as ids, DEMO_USERS } from "../../lib/core/demo";
import { createNotificationRepository } from "./notification/notification.repository";

export async function seedNotificationDemoData(db: AppDatabase): Promise<void> {
  await createNotificationRepository(db).insert({
    id: ids.confirmationNotification,
    bookingId: ids.confirmedBooking,
    recipientId: DEMO_USERS.guest.userId,
    recipientAddress: DEMO_USERS.guest.email,
    channel: "EMAIL",
    subject: "Your booking BR-20261101-DEMQK5 is confirmed",
    body: "2 seats in the Stalls for Hamlet — evening at the Grand Theatre.",
    status: "SENT",
    attempts: 1,
    lastError: null,
    sentAt: new Date(),
  });
}
