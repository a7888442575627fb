import "reflect-metadata";
import type { SubgraphDefinition } from "../../lib/service";
import { buildSubgraph } from "../../lib/subgraph";
import { BookingReference } from "./booking/booking.type";
import { BookingPaymentResolver } from "./booking/booking.resolver";
import { seedPaymentDemoData } from "./payment.demo";
import { createPaymentRepository } from "./payment/payment.repository";

export const paymentSubgraph: SubgraphDefinition = {
  name: "payment",
  async buildSchema(db) {
    return buildSubgraph({
      // Booking is only extended here, so no query reaches it: it must be named.
      orphanedTypes: [BookingReference],
      resolvers: [new BookingPaymentResolver(createPaymentRepository(db))],
    });
  },
  seedDemoData: seedPaymentDemoData,
};
