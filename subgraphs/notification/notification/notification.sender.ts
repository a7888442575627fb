import nodemailer from "nodemailer";
import type { Logger } from "../../../lib/observability/logger";
import type { NotificationConfig } from "../../../lib/core/service-config";
import type { Notification } from "./notification.repository";

/** A delivery that failed; `permanent` ones (no address, a mailbox the server refuses) are not retried. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** Delivers a notification (the port; SMTP is one adapter, a provider's API would be another). */
export interface NotificationSender {
  send(notification: Notification): Promise<void>;
  close?(): Promise<void>;
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

/**
 * E-mails notifications through an SMTP server (nodemailer, pooled connections). A message
 * without an address, or one the server refuses with a 5xx reply, fails permanently; a
 * connection failure or a 4xx reply is retried by the retry loop.
 */
export function createSmtpSender(options: { url: string; from: string }): NotificationSender {
  const transport = nodemailer.createTransport({ url: options.url, pool: true, maxConnections: 5 });
  return {
    async send(notification) {
      if (!notification.recipientAddress) throw new DeliveryError("no e-mail address for the recipient", true);
      try {
        await transport.sendMail({
          from: options.from,
          to: notification.recipientAddress,
          subject: notification.subject,
          text: notification.body,
          headers: { "X-Notification-Id": notification.id },
        });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const permanent = typeof code === "number" && code >= 500;
        throw new DeliveryError(
          code ? `SMTP ${code}: ${(error as Error).message}` : `SMTP unreachable: ${(error as Error).message}`,
          permanent,
        );
      }
    },
    async close() {
      transport.close();
    },
  };
}

export function createSender(config: NotificationConfig, logger: Logger): NotificationSender {
  return config.sender === "smtp"
    ? createSmtpSender({ url: config.smtpUrl!, from: config.smtpFrom })
    : createLogSender(logger);
}
