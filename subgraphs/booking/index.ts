import "reflect-metadata";
import { createMetricsRegistry } from "../../lib/observability/metrics";
import type { SubgraphDefinition } from "../../lib/graphql/service";
import { createLifecycleService } from "./booking/booking.lifecycle";
import { createCancellationMetrics, createReservationMetrics, withReservationMetrics } from "./booking/booking.metrics";
import { buildSubgraph } from "../../lib/graphql/subgraph";
import { seedBookingDemoData } from "./booking.demo";
import { createBookingLoaders, type BookingContext } from "./booking.loaders";
import { createExpirySweeper } from "./booking/booking.expiry";
import { createBookingRepository } from "./booking/booking.repository";
import { createReservationService } from "./booking/booking.reservation";
import { BookingResolver, resolveBookingReference } from "./booking/booking.resolver";
import { createBookingQueries } from "./booking/booking.service";
import { createIdempotencyRepository } from "./idempotency/idempotency.repository";
import { createInventoryClient } from "./inventory/inventory.client";
import { createHoldReleaser } from "./inventory/hold.releaser";
import { createPaymentSaga } from "./booking/booking.saga";
import { createTopUps } from "./booking/booking.topup";
import { EVENT_TOPICS } from "../../lib/contracts";
import { runConsumer } from "../../lib/messaging/event-consumer";

export const bookingSubgraph: SubgraphDefinition = {
  name: "booking",
  async create({ config, database, logger, events }) {
    const { reservations: settings } = config;
    const bookings = createBookingRepository(database.db);
    const idempotency = createIdempotencyRepository(database.db);
    const inventory = createInventoryClient(
      settings.inventoryUrl,
      config.auth.serviceSecret,
      settings.inventoryTimeoutMs,
    );
    const releaser = createHoldReleaser({
      inventory,
      bookingExists: async (id) => (await bookings.findById(id)) !== null,
      logger,
    });
    const queries = createBookingQueries(bookings);
    const registry = createMetricsRegistry("booking");
    const reservations = withReservationMetrics(
      createReservationService({
        bookings,
        idempotency,
        inventory,
        releaser,
        holdTtlSeconds: settings.holdTtlSeconds,
        taxRateBps: settings.taxRateBps,
      }),
      createReservationMetrics(registry, database.db),
    );
    const sweeper = createExpirySweeper({ bookings, inventory, logger });
    const topUps = createTopUps({ bookings, inventory, logger });
    const lifecycle = createLifecycleService({
      bookings,
      inventory,
      metrics: createCancellationMetrics(registry),
      logger,
      topUpSeconds: settings.holdTtlSeconds,
    });
    const saga = createPaymentSaga({ db: database.db, bookings, inventory, logger, registry });
    let sagaRunning: { stop(): Promise<void> } | null = null;
    const schema = await buildSubgraph<BookingContext>({
      resolvers: [new BookingResolver(queries, reservations, lifecycle, bookings)],
      references: { Booking: { __resolveReference: resolveBookingReference(queries) } },
    });

    const timers: NodeJS.Timeout[] = [];
    let sweeping = false;
    const sweep = async () => {
      if (sweeping) return;
      sweeping = true;
      try {
        await sweeper.expireDue();
        await topUps.expireDue();
        await lifecycle.releasePendingSeats();
        await idempotency.purgeExpired();
      } catch (error) {
        logger.warn("expiry sweep failed", { error });
      } finally {
        sweeping = false;
      }
    };
    return {
      schema,
      registry,
      createLoaders: () => createBookingLoaders(bookings),
      async start() {
        timers.push(setInterval(sweep, settings.sweepIntervalMs));
        timers[0].unref();
        sagaRunning = await runConsumer(events, EVENT_TOPICS.payment, saga);
      },
      async stop() {
        for (const timer of timers) clearInterval(timer);
        await sagaRunning?.stop();
        await releaser.flush();
      },
    };
  },
  seedDemoData: seedBookingDemoData,
};
