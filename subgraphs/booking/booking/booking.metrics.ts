import { Counter, Histogram, type Registry } from "prom-client";

/** ADR-023 §6.1 cancellation metrics. */
export function createCancellationMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: "booking_cancellation_requests_total",
      help: "Cancellation requests by outcome (success, already_cancelled, error)",
      labelNames: ["status"],
      registers: [registry],
    }),
    duration: new Histogram({
      name: "booking_cancellation_duration_seconds",
      help: "Time to handle a cancellation request",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    errors: new Counter({
      name: "booking_cancellation_errors_total",
      help: "Failed cancellation requests by error code",
      labelNames: ["error_type"],
      registers: [registry],
    }),
  };
}
export type CancellationMetrics = ReturnType<typeof createCancellationMetrics>;
