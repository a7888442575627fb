import type { Logger } from "../../../lib/logger";
import type { Notification } from "./notification.repository";

/** Delivers a notification (the port; SMTP or a provider would be another adapter). */
export interface NotificationSender {
  send(notification: Notification): Promise<void>;
}

/** The default sender: writes the message to the log. */
export function createLogSender(logger: Logger): NotificationSender {
  return {
    async send(notification) {
      logger.info("notification sent", {
        notificationId: notification.id,
        recipientId: notification.recipientId,
        channel: notification.channel,
        subject: notification.subject,
      });
    },
  };
}
