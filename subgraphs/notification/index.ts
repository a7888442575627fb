import "reflect-metadata";
import type { SubgraphDefinition } from "../../lib/service";
import { buildSubgraph } from "../../lib/subgraph";
import { BookingNotificationsResolver } from "./booking/booking.resolver";
import { seedNotificationDemoData } from "./notification.demo";
import { createNotificationRepository } from "./notification/notification.repository";

export const notificationSubgraph: SubgraphDefinition = {
  name: "notification",
  async buildSchema(db) {
    return buildSubgraph({ resolvers: [new BookingNotificationsResolver(createNotificationRepository(db))] });
  },
  seedDemoData: seedNotificationDemoData,
};
