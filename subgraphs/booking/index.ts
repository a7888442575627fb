import "reflect-metadata";
import type { SubgraphDefinition } from "../../lib/service";
import { buildSubgraph } from "../../lib/subgraph";
import { seedBookingDemoData } from "./booking.demo";
import { createBookingRepository } from "./booking/booking.repository";
import { BookingResolver, resolveBookingReference } from "./booking/booking.resolver";
import { createBookingQueries } from "./booking/booking.service";

export const bookingSubgraph: SubgraphDefinition = {
  name: "booking",
  async create({ database }) {
    const db = database.db;
    const queries = createBookingQueries(createBookingRepository(db));
    const schema = await buildSubgraph({
      resolvers: [new BookingResolver(queries)],
      references: { Booking: { __resolveReference: resolveBookingReference(queries) } },
    });
    return { schema };
  },
  seedDemoData: seedBookingDemoData,
};
