"use client";

import { useLazyQuery, useMutation, useSubscription, useSuspenseQuery } from "@apollo/client/react";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import type { BookingFieldsFragment, CancellationReason } from "../../../gql/graphql";
import { describeError } from "../../../lib/errors";
import { dateTime, money } from "../../../lib/format";
import {
  BookingQuery,
  BookingStatusSubscription,
  CancellationQuoteQuery,
  CancelMutation,
  PayMutation,
  UpdateBookingMutation,
} from "../../../lib/operations";
import { Countdown } from "../../countdown";

const CARDS = [
  { token: "tok_success", label: "Visa ending 4242 (succeeds)" },
  { token: "tok_decline", label: "Card that is declined" },
  { token: "tok_delayed_3000", label: "Slow card (succeeds after 3 s)" },
];

const REASONS: { value: CancellationReason; label: string }[] = [
  { value: "CHANGE_OF_PLANS", label: "Change of plans" },
  { value: "DOUBLE_BOOKING", label: "Booked twice" },
  { value: "FOUND_ALTERNATIVE", label: "Found an alternative" },
  { value: "NO_LONGER_NEEDED", label: "No longer needed" },
  { value: "OTHER", label: "Other" },
];

export function BookingView({ id }: { id: string }) {
  const { data } = useSuspenseQuery(BookingQuery, { variables: { id }, fetchPolicy: "cache-and-network" });
  // Live: each push is the booking as it is now; the cache replaces it in place.
  useSubscription(BookingStatusSubscription, { variables: { bookingId: id } });
  const booking = data.booking;
  return (
    <section>
      <p>
        <Link href="/bookings">← My bookings</Link>
      </p>
      <h1>
        Booking <span className="mono">{booking.reference}</span>
      </h1>
      <p className="status-line" aria-live="polite">
        Status: <strong data-testid="booking-status">{booking.status}</strong>
      </p>
      <dl className="facts">
        <dt>What</dt>
        <dd>
          {booking.zone.slot.title} at {booking.zone.slot.venue.name}, {booking.zone.name}
        </dd>
        <dt>When</dt>
        <dd>{dateTime(booking.zone.slot.startsAt)}</dd>
        <dt>Seats</dt>
        <dd data-testid="booking-quantity">{booking.quantity}</dd>
        <dt>Total</dt>
        <dd>{money(booking.price.total, booking.price.currency)}</dd>
      </dl>
      {booking.status === "PENDING" && booking.expiresAt && (
        <Countdown until={booking.expiresAt} label="Seats held for" />
      )}
      <PaymentPanel booking={booking} />
      {booking.status === "PENDING" && !booking.payment?.status?.match(/PROCESSING|SUCCEEDED/) && (
        <PayForm booking={booking} />
      )}
      {(booking.status === "PENDING" || booking.status === "CONFIRMED") && <UpdateForm booking={booking} />}
      {(booking.status === "PENDING" || booking.status === "CONFIRMED") && <CancelForm booking={booking} />}
      {booking.status === "CANCELLED" && (
        <div className="card">
          <h2>Cancelled</h2>
          <p>
            Reason: {REASONS.find((r) => r.value === booking.cancellationReason)?.label ?? booking.cancellationReason}
            {booking.cancellationNotes ? ` — “${booking.cancellationNotes}”` : ""}
          </p>
          {booking.cancellationRefundMinor != null && (
            <p>
              Refund: {money(booking.cancellationRefundMinor, booking.price.currency)} (
              {booking.cancellationRefundPercent}
              %)
            </p>
          )}
        </div>
      )}
      <details>
        <summary>History</summary>
        <ol>
          {booking.statusHistory.map((h, i) => (
            <li key={i}>
              {dateTime(h.at)}: {h.fromStatus ? `${h.fromStatus} → ` : ""}
              {h.toStatus}
              {h.reason ? ` (${h.reason})` : ""}
            </li>
          ))}
        </ol>
      </details>
    </section>
  );
}

function PaymentPanel({ booking }: { booking: BookingFieldsFragment }) {
  const payment = booking.payment;
  if (!payment) return null;
  return (
    <div className="card" aria-labelledby="payment-heading">
      <h2 id="payment-heading">Payment</h2>
      <p>
        Payment: <strong data-testid="payment-status">{payment.status.replace(/_/g, " ").toLowerCase()}</strong> · paid{" "}
        {money(payment.amountPaid, payment.currency)}
        {payment.amountRefunded > 0 && <> · refunded {money(payment.amountRefunded, payment.currency)}</>}
      </p>
      {payment.status === "FAILED" && (
        <p role="alert" className="error">
          Payment declined{payment.failureReason ? `: ${payment.failureReason.replace(/_/g, " ")}` : ""}. The seats were
          released.
        </p>
      )}
      {payment.refunds.length > 0 && (
        <ul aria-label="Refunds" data-testid="refunds">
          {payment.refunds.map((refund) => (
            <li key={refund.id}>
              Refund of {money(refund.amount, refund.currency)}: <strong>{refund.status.toLowerCase()}</strong>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function PayForm({ booking }: { booking: BookingFieldsFragment }) {
  const [card, setCard] = useState(CARDS[0].token);
  const [error, setError] = useState<string | null>(null);
  const [pay, { loading }] = useMutation(PayMutation);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await pay({
        variables: {
          input: { bookingId: booking.id, paymentMethodToken: card, idempotencyKey: `pay-${crypto.randomUUID()}` },
        },
      });
    } catch (e) {
      setError(describeError(e));
    }
  }
  return (
    <form onSubmit={submit} className="card stack" aria-labelledby="pay-heading">
      <h2 id="pay-heading">Pay {money(booking.price.total, booking.price.currency)}</h2>
      <fieldset>
        <legend>Test card</legend>
        {CARDS.map((c) => (
          <label key={c.token} className="choice">
            <input
              type="radio"
              name="card"
              value={c.token}
              checked={card === c.token}
              onChange={() => setCard(c.token)}
            />{" "}
            {c.label}
          </label>
        ))}
      </fieldset>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={loading}>
        {loading ? "Paying…" : "Pay"}
      </button>
    </form>
  );
}

function UpdateForm({ booking }: { booking: BookingFieldsFragment }) {
  const [quantity, setQuantity] = useState(booking.quantity);
  const [error, setError] = useState<string | null>(null);
  const [update, { loading }] = useMutation(UpdateBookingMutation);
  const max = booking.zone.slot.maxPerUser;
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await update({
        variables: {
          input: {
            bookingId: booking.id,
            expectedVersion: booking.version,
            quantity,
            idempotencyKey: `upd-${crypto.randomUUID()}`,
          },
        },
      });
    } catch (e) {
      setError(describeError(e));
    }
  }
  return (
    <form onSubmit={submit} className="card stack" aria-labelledby="update-heading">
      <h2 id="update-heading">Change the number of seats</h2>
      <label>
        Seats (1–{max})
        <input
          type="number"
          min={1}
          max={max}
          value={quantity}
          onChange={(e) => setQuantity(Math.max(1, Math.min(max, Number(e.target.value) || 1)))}
        />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={loading || quantity === booking.quantity}>
        Update seats
      </button>
    </form>
  );
}

function CancelForm({ booking }: { booking: BookingFieldsFragment }) {
  const [reason, setReason] = useState<CancellationReason>("CHANGE_OF_PLANS");
  const [notes, setNotes] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [loadQuote, quote] = useLazyQuery(CancellationQuoteQuery, { fetchPolicy: "network-only" });
  const [cancel, { loading }] = useMutation(CancelMutation);
  async function start() {
    setOpen(true);
    loadQuote({ variables: { bookingId: booking.id } }).catch(() => undefined);
  }
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await cancel({
        variables: {
          input: {
            bookingId: booking.id,
            reason,
            notes: notes || undefined,
            expectedVersion: booking.version,
            idempotencyKey: `cxl-${crypto.randomUUID()}`,
          },
        },
      });
    } catch (e) {
      setError(describeError(e));
    }
  }
  if (!open)
    return (
      <div className="card">
        <button type="button" onClick={start}>
          Cancel booking…
        </button>
      </div>
    );
  const q = quote.data?.cancellationQuote;
  return (
    <form onSubmit={submit} className="card stack" aria-labelledby="cancel-heading">
      <h2 id="cancel-heading">Cancel this booking</h2>
      {q && (
        <p data-testid="refund-quote">
          {q.deadlinePassed
            ? "The cancellation deadline has passed: only the venue can cancel now."
            : `You would get back ${money(q.refundMinor, q.currency)} (${q.refundPercent} %)${q.feeMinor ? `; the venue keeps ${money(q.feeMinor, q.currency)}` : ""}.`}
        </p>
      )}
      <label>
        Reason
        <select value={reason} onChange={(e) => setReason(e.target.value as CancellationReason)}>
          {REASONS.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Notes (optional)
        <textarea value={notes} maxLength={1000} onChange={(e) => setNotes(e.target.value)} rows={3} />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={loading}>
          Confirm cancellation
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Keep booking
        </button>
      </div>
    </form>
  );
}
