import { sql } from "drizzle-orm";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { queryRows, type AppDatabase } from "../../../lib/storage/db";
import { DomainError, isBackendUnavailable, type ErrorCode } from "../../../lib/core/errors";
import { statusList } from "../booking.tables";
import type { ReservationService } from "./booking.reservation";
import { AWAITING_PAYMENT } from "./booking.state";

/** The cancellation metrics (README: Booking lifecycle). */
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

/** Bookings held PENDING right now (one count query at scrape time, at most this long). */
const ACTIVE_QUERY_TIMEOUT_MS = 1_000;

/**
 * Seed 003 §8.2 reservation metrics:
 * - `booking_reservations_total{outcome}`: reserveSeats calls by outcome: `success` (a PENDING
 *   booking, a retried key's booking included), `rejected` (an expected refusal: sold out, over
 *   the per-user limit, bad input…), `error` (SERVICE_UNAVAILABLE or an unexpected failure).
 * - `booking_reservation_failures{code}`: the failed calls by error code (lib/core/errors.ts
 *   ERROR_CODES, a bounded set; an error without a code counts as SERVICE_UNAVAILABLE when a
 *   backend was unreachable, else INTERNAL_SERVER_ERROR).
 * - `active_reservations` / `active_reserved_seats`: bookings (and their seats) currently held
 *   PENDING, i.e. reserved and neither paid nor expired/cancelled yet; read from PostgreSQL at
 *   scrape time (one query over the PENDING bookings, which a partial index covers). Every booking instance
 *   reports the same database-wide figure: aggregate with max(), not sum().
 */
export function createReservationMetrics(registry: Registry, db?: AppDatabase) {
  let counting: Promise<void> | null = null;
  /** One query for both gauges per scrape; a slow or failed query keeps the last values. */
  const countActive = (): Promise<void> => {
    if (!db) return Promise.resolve();
    counting ??= (async () => {
      try {
        const query = queryRows<{ bookings: number; seats: number }>(
          db,
          sql`select count(*)::int as bookings, coalesce(sum(quantity), 0)::int as seats from booking.bookings
              where status = ${statusList([AWAITING_PAYMENT])}`,
        );
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), ACTIVE_QUERY_TIMEOUT_MS);
        });
        const rows = await Promise.race([query, timeout]).finally(() => clearTimeout(timer));
        if (rows?.[0]) {
          active.set(rows[0].bookings);
          activeSeats.set(rows[0].seats);
        }
      } catch {
        // The database is away: the scrape still answers, with the last values.
      } finally {
        counting = null;
      }
    })();
    return counting;
  };
  const active = new Gauge({
    name: "active_reservations",
    help: "Bookings currently held PENDING (reserved, not yet paid, expired or cancelled), database-wide",
    registers: [registry],
    collect: countActive,
  });
  const activeSeats = new Gauge({
    name: "active_reserved_seats",
    help: "Seats of the bookings currently held PENDING, database-wide",
    registers: [registry],
    collect: countActive,
  });
  return {
    reservations: new Counter({
      name: "booking_reservations_total",
      help: "reserveSeats calls by outcome: success, rejected (expected refusal: sold out, limit, bad input…), error",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    failures: new Counter({
      name: "booking_reservation_failures",
      help: "Failed reserveSeats calls by error code (INSUFFICIENT_STOCK, MAX_PER_USER_EXCEEDED, BAD_USER_INPUT…)",
      labelNames: ["code"],
      registers: [registry],
    }),
    active,
    activeSeats,
  };
}
export type ReservationMetrics = ReturnType<typeof createReservationMetrics>;

/** The error code a failed reservation is counted under (bounded: lib/core/errors.ts ERROR_CODES). */
export function reservationFailureCode(error: unknown): ErrorCode {
  if (error instanceof DomainError) return error.code;
  return isBackendUnavailable(error) ? "SERVICE_UNAVAILABLE" : "INTERNAL_SERVER_ERROR";
}

/** Counts every reserveSeats call of `service` in `metrics` (outcome, and the code of failures). */
export function withReservationMetrics(service: ReservationService, metrics: ReservationMetrics): ReservationService {
  return {
    async reserveSeats(principal, input) {
      try {
        const booking = await service.reserveSeats(principal, input);
        metrics.reservations.inc({ outcome: "success" });
        return booking;
      } catch (error) {
        const code = reservationFailureCode(error);
        const expected = code !== "SERVICE_UNAVAILABLE" && code !== "INTERNAL_SERVER_ERROR";
        metrics.reservations.inc({ outcome: expected ? "rejected" : "error" });
        metrics.failures.inc({ code });
        throw error;
      }
    },
  };
}
