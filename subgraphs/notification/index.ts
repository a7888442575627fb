import "reflect-metadata";
import { EVENT_TOPICS } from "../../lib/contracts";
import { runConsumer } from "../../lib/messaging/event-consumer";
import { createMetricsRegistry } from "../../lib/observability/metrics";
import type { SubgraphDefinition } from "../../lib/graphql/service";
import { buildSubgraph } from "../../lib/graphql/subgraph";
import { BookingReference } from "./booking/booking.type";
import { MeResolver } from "./me/me.resolver";
import { BookingNotificationsResolver } from "./booking/booking.resolver";
import { seedNotificationDemoData } from "./notification.demo";
import { createNotificationLoaders } from "./notification.loaders";
import { createDelivery, createNotificationConsumer } from "./notification/notification.consumer";
import { createNotificationRepository } from "./notification/notification.repository";
import { createSender } from "./notification/notification.sender";

export const notificationSubgraph: SubgraphDefinition = {
  name: "notification",
  async create({ config, database, logger, events }) {
    const db = database.db;
    const registry = createMetricsRegistry("notification");
    const sender = createSender(config.notifications, logger);
    const delivery = createDelivery(db, sender, logger);
    const consumers = [
      { topic: EVENT_TOPICS.booking, name: "notification-booking-events" },
      { topic: EVENT_TOPICS.payment, name: "notification-payment-events" },
      // Waitlist offers (inventory.waitlist_offered); inventory's other events notify nobody.
      { topic: EVENT_TOPICS.inventory, name: "notification-inventory-events" },
    ].map(({ topic, name }) => ({
      topic,
      // Stored notifications reach subscribers through notification's outbox and the relay.
      consumer: createNotificationConsumer({ name, db, delivery, logger, registry }),
    }));
    let running: { stop(): Promise<void> }[] = [];
    let retries: NodeJS.Timeout | undefined;
    const notifications = createNotificationRepository(db);
    const schema = await buildSubgraph({
      // Booking is only extended here, so no query reaches it: it must be named.
      orphanedTypes: [BookingReference],
      resolvers: [new BookingNotificationsResolver(), new MeResolver(notifications)],
    });
    return {
      schema,
      createLoaders: () => createNotificationLoaders(notifications),
      registry,
      async start() {
        running = await Promise.all(consumers.map(({ topic, consumer }) => runConsumer(events, topic, consumer)));
        // Sends what failed before (with backoff) or was stored but never sent (a crash after the commit).
        retries = setInterval(
          () => void delivery.retryDue().catch((error) => logger.warn("notification retry failed", { error })),
          5_000,
        );
        retries.unref();
      },
      async stop() {
        clearInterval(retries);
        await Promise.all(running.map((r) => r.stop()));
        await sender.close?.();
      },
    };
  },
  seedDemoData: seedNotificationDemoData,
};
