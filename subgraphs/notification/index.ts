import "reflect-metadata";
import { runConsumer } from "../../lib/event-consumer";
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
    let running: { stop(): Promise<void> } | null = null;
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
        running = await runConsumer(events, "booking.events", consumer);
      },
      async stop() {
        await running?.stop();
      },
    };
  },
  seedDemoData: seedNotificationDemoData,
};
