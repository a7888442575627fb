"use client";

import { useSubscription, useSuspenseQuery } from "@apollo/client/react";
import Link from "next/link";
import { dateTime, money } from "../../lib/format";
import { MyBookingsQuery, MyBookingUpdatesSubscription } from "../../lib/operations";

export function MyBookings() {
  const { data } = useSuspenseQuery(MyBookingsQuery, { fetchPolicy: "cache-and-network" });
  // Live status of every booking of mine: pushes update the cached bookings by id.
  useSubscription(MyBookingUpdatesSubscription);
  const bookings = data.myBookings.edges.map((e) => e.node);
  return (
    <section>
      <h1>My bookings</h1>
      {bookings.length === 0 && (
        <p>
          No bookings yet. <Link href="/">Browse venues</Link>.
        </p>
      )}
      <ul className="list">
        {bookings.map((b) => (
          <li key={b.id} className="card">
            <Link href={`/bookings/${b.id}`}>
              <span className="mono">{b.reference}</span> — {b.zone.slot.title}, {b.zone.name}
            </Link>
            <p className="muted">
              {b.zone.slot.venue.name} · {dateTime(b.zone.slot.startsAt)} · {b.quantity} seat(s) ·{" "}
              {money(b.price.total, b.price.currency)}
            </p>
            <p>
              <span className={`badge status-${b.status.toLowerCase()}`}>{b.status}</span>
              {b.payment && <span className="muted"> payment {b.payment.status.replace(/_/g, " ").toLowerCase()}</span>}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
