import "reflect-metadata";
import { runConsumer } from "../../lib/messaging/event-consumer";
import { EVENT_TOPICS } from "../../lib/contracts";
import { createMetricsRegistry } from "../../lib/observability/metrics";
import type { SubgraphDefinition } from "../../lib/graphql/service";
import { buildSubgraph } from "../../lib/graphql/subgraph";
import { BookingReference } from "./booking/booking.type";
import { BookingPaymentResolver } from "./booking/booking.resolver";
import { seedPaymentDemoData } from "./payment.demo";
import { createPaymentLoaders } from "./payment.loaders";
import { createBookingEventsConsumer } from "./payment/payment.consumer";
import { createSimulatedProvider } from "./payment/payment.provider";
import { createPaymentRepository, createPaymentStore } from "./payment/payment.repository";
import { PaymentResolver } from "./payment/payment.resolver";
import { createPaymentService } from "./payment/payment.service";
import { paymentWebhookRoutes } from "./payment/payment.webhook";

export const paymentSubgraph: SubgraphDefinition = {
  name: "payment",
  async create({ config, database, logger, events }) {
    const db = database.db;
    const settings = config.payments;
    let ownUrl = "";
    const provider = createSimulatedProvider({
      webhookSecret: settings.webhookSecret,
      delayMs: settings.simulatorDelayMs,
      webhookUrl: () => settings.webhookUrl ?? `${ownUrl}/webhooks/payments`,
      logger,
    });
    const payments = createPaymentService({
      store: createPaymentStore(db),
      provider,
      logger,
    });
    const repo = createPaymentRepository(db);
    const registry = createMetricsRegistry("payment");
    const consumer = createBookingEventsConsumer(payments, db, logger, registry);
    let running: { stop(): Promise<void> } | null = null;
    let refundRetries: NodeJS.Timeout | undefined;
    const schema = await buildSubgraph({
      // Booking is only extended here, so no query reaches it: it must be named.
      orphanedTypes: [BookingReference],
      resolvers: [new BookingPaymentResolver(), new PaymentResolver(payments)],
    });
    return {
      schema,
      createLoaders: () => createPaymentLoaders(repo),
      routes: paymentWebhookRoutes({
        payments,
        secret: settings.webhookSecret,
        toleranceSeconds: settings.webhookToleranceSeconds,
        logger,
      }),
      registry,
      async start(server) {
        ownUrl = server.url.replace(/\/graphql$/, "").replace(/\/$/, "");
        running = await runConsumer(events, EVENT_TOPICS.booking, consumer);
        refundRetries = setInterval(
          () => void payments.retryRefunds().catch((error) => logger.warn("refund retry failed", { error })),
          2_000,
        );
        refundRetries.unref();
      },
      async stop() {
        clearInterval(refundRetries);
        provider.close();
        await running?.stop();
      },
    };
  },
  seedDemoData: seedPaymentDemoData,
};
