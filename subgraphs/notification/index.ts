import "reflect-metadata";
import { createMetricsRegistry, metricsRoutes } from "../../lib/metrics";
import type { SubgraphDefinition } from "../../lib/service";
import { buildSubgraph } from "../../lib/subgraph";
import { BookingReference } from "./booking/booking.type";
import { MeResolver } from "./me/me.resolver";
import { BookingNotificationsResolver } from "./booking/booking.resolver";
import { seedNotificationDemoData } from "./notification.demo";
import { createNotificationConsumer } from "./notification/notification.consumer";
import { createNotificationRepository } from "./notification/notification.repository";
import { createLogSender } from "./notification/notification.sender";

export const notificationSubgraph: SubgraphDefinition = {
  name: "notification",
  async create({ database, logger, events }) {
    const db = database.db;
    const registry = createMetricsRegistry("notification");
    const consumer = createNotificationConsumer(db, createLogSender(logger), logger, registry);
    let subscription: { stop(): Promise<void> } | null = null;
    let replays: NodeJS.Timeout | undefined;
    const schema = await buildSubgraph({
      // Booking is only extended here, so no query reaches it: it must be named.
      orphanedTypes: [BookingReference],
      resolvers: [
        new BookingNotificationsResolver(createNotificationRepository(db)),
        new MeResolver(createNotificationRepository(db)),
      ],
    });
    return {
      schema,
      routes: metricsRoutes(registry),
      async start() {
        subscription =
          (await events?.subscribe("booking.events", "notification-booking-events", consumer.handle)) ?? null;
        // Dead letters an operator asked to replay (`npm run outbox -- consumer-dlq replay`).
        replays = setInterval(() => void consumer.replayRequested().catch(() => {}), 2_000);
        replays.unref();
      },
      async stop() {
        clearInterval(replays);
        await subscription?.stop();
      },
    };
  },
  seedDemoData: seedNotificationDemoData,
};
