import type { Logger } from "../../../lib/observability/logger";
import type { WaitlistedZones } from "./waitlist.consumer";
import type { OfferMaker } from "./waitlist.offers";

/**
 * Lapses waitlist offers when their time is up (no grace: no booking stands behind an offer), so
 * the seats pass on promptly, and refreshes which zones have a waitlist (waitlist.consumer.ts).
 * Safe with several instances: the ledger hands each offer to one.
 */
export function createWaitlistWorker(offers: OfferMaker, zones: WaitlistedZones, intervalMs: number, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      await offers.lapseOffers();
      await zones.refresh();
    } catch (error) {
      logger.warn("waitlist offer lapse failed", { error });
    } finally {
      running = false;
    }
  };
  return {
    /** Knows the zones with a waitlist before the consumer starts. */
    async start() {
      await zones.refresh().catch((error) => logger.warn("waitlisted zones not loaded yet", { error }));
      timer = setInterval(() => void sweep(), intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
    },
  };
}
