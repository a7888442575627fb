import "reflect-metadata";
import type { SubgraphDefinition } from "../../lib/service";
import { buildSubgraph } from "../../lib/subgraph";
import { BookingPaymentResolver } from "./booking/booking.resolver";
import { seedPaymentDemoData } from "./payment.demo";
import { createPaymentRepository } from "./payment/payment.repository";

export const paymentSubgraph: SubgraphDefinition = {
  name: "payment",
  async buildSchema(db) {
    return buildSubgraph({ resolvers: [new BookingPaymentResolver(createPaymentRepository(db))] });
  },
  seedDemoData: seedPaymentDemoData,
};
