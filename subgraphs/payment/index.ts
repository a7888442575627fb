import "reflect-metadata";
import type { SubgraphDefinition } from "../../lib/service";
import { buildSubgraph } from "../../lib/subgraph";
import { BookingReference } from "./booking/booking.type";
import { BookingPaymentResolver } from "./booking/booking.resolver";
import { seedPaymentDemoData } from "./payment.demo";
import { createPaymentRepository } from "./payment/payment.repository";

export const paymentSubgraph: SubgraphDefinition = {
  name: "payment",
  async create({ database }) {
    const db = database.db;
    const schema = await buildSubgraph({
      // Booking is only extended here, so no query reaches it: it must be named.
      orphanedTypes: [BookingReference],
      resolvers: [new BookingPaymentResolver(createPaymentRepository(db))],
    });
    return { schema };
  },
  seedDemoData: seedPaymentDemoData,
};
