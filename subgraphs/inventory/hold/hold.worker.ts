import type { Logger } from "../../../lib/observability/logger";
import type { ReservationConfig } from "../../../lib/core/service-config";
import type { HoldService } from "./hold.service";

/**
 * Inventory's background work: load the counters from the ledger at start-up, release holds
 * whose bookings' own expiry never came (crashes, lost calls), and reconcile periodically.
 * Safe with several instances: the ledger hands each lapsed hold to one of them.
 */
export function createHoldWorker(holds: HoldService, config: ReservationConfig, logger: Logger) {
  const timers: NodeJS.Timeout[] = [];
  let running = false;
  const guard = (name: string, task: () => Promise<unknown>) => async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } catch (error) {
      logger.warn(`${name} failed`, { error });
    } finally {
      running = false;
    }
  };
  const reconcile = async () => {
    const drift = await holds.reconcile();
    if (drift.length) logger.warn("hold counters repaired from the ledger", { drift });
  };
  return {
    start() {
      void guard("initial load", reconcile)();
      timers.push(
        setInterval(
          guard("lapsed hold release", () => holds.releaseLapsedHolds(config.holdGraceSeconds * 1000)),
          config.sweepIntervalMs,
        ),
        setInterval(guard("reconcile", reconcile), config.reconcileIntervalMs),
      );
      for (const timer of timers) timer.unref();
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
