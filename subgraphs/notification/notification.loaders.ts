import DataLoader from "dataloader";
import { rowsPerKey } from "../../lib/graphql/loaders";
import type { RequestContext } from "../../lib/graphql/subgraph";
import type { Notification, NotificationRepository } from "./notification/notification.repository";

/**
 * One request's batch loaders: the notifications of an `_entities` batch of bookings in one
 * statement. Each loader reads for one recipient only (every recipient's for admins: `undefined`),
 * so a batch never mixes messages sent to different people.
 */
export function createNotificationLoaders(notifications: NotificationRepository) {
  const perRecipient = new Map<string | undefined, DataLoader<string, Notification[]>>();
  return {
    /** The loader of the notifications of bookings sent to `recipientId` (undefined: to anybody). */
    bookingNotificationsFor(recipientId: string | undefined): DataLoader<string, Notification[]> {
      let loader = perRecipient.get(recipientId);
      if (!loader) {
        loader = rowsPerKey(
          (bookingIds) => notifications.listByBookings(bookingIds, recipientId),
          (notification) => notification.bookingId!,
        );
        perRecipient.set(recipientId, loader);
      }
      return loader;
    },
  };
}
export type NotificationLoaders = ReturnType<typeof createNotificationLoaders>;

/** The request context inside the notification subgraph. */
export type NotificationContext = RequestContext<NotificationLoaders>;
