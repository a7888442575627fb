import "reflect-metadata";
import type { SubgraphDefinition } from "../../lib/service";
import { buildSubgraph } from "../../lib/subgraph";
import { BookingReference } from "./booking/booking.type";
import { BookingNotificationsResolver } from "./booking/booking.resolver";
import { seedNotificationDemoData } from "./notification.demo";
import { createNotificationRepository } from "./notification/notification.repository";

export const notificationSubgraph: SubgraphDefinition = {
  name: "notification",
  async create({ database }) {
    const db = database.db;
    const schema = await buildSubgraph({
      // Booking is only extended here, so no query reaches it: it must be named.
      orphanedTypes: [BookingReference],
      resolvers: [new BookingNotificationsResolver(createNotificationRepository(db))],
    });
    return { schema };
  },
  seedDemoData: seedNotificationDemoData,
};
