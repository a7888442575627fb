"use client";

import { useLazyQuery, useMutation, useSuspenseQuery } from "@apollo/client/react";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import type { VenuesQuery as VenuesData } from "../../gql/graphql";
import { describeError } from "../../lib/errors";
import { dateTime } from "../../lib/format";
import { BookingByReferenceQuery, CheckInMutation, CreateSlotMutation, VenuesQuery } from "../../lib/operations";

/** Venues the signed-in organizer owns: the API shows a venue's contact e-mail only to its organizer (and admins). */
export function Organizer() {
  const { data } = useSuspenseQuery(VenuesQuery, { fetchPolicy: "cache-and-network" });
  const mine = data.venues.filter((v) => v.contactEmail != null);
  return (
    <section>
      <h1>Organizer</h1>
      <CheckIn />
      <h2>My venues</h2>
      {mine.length === 0 && <p>You organize no venue yet.</p>}
      <div className="grid">
        {mine.map((venue) => (
          <article key={venue.id} className="card" aria-labelledby={`ov-${venue.id}`}>
            <h3 id={`ov-${venue.id}`}>{venue.name}</h3>
            <ul className="slots">
              {[...venue.slots]
                .sort((a, b) => a.startsAt.localeCompare(b.startsAt))
                .map((slot) => (
                  <li key={slot.id}>
                    <Link href={`/organizer/slots/${slot.id}`}>{slot.title}</Link>{" "}
                    <span className="muted">
                      {dateTime(slot.startsAt)} · {slot.available} seats left
                    </span>
                  </li>
                ))}
            </ul>
            <CreateSlot venue={venue} />
          </article>
        ))}
      </div>
    </section>
  );
}

function toIso(local: string): string {
  // <input type="datetime-local"> is the browser's local time.
  return new Date(local).toISOString();
}

function CreateSlot({ venue }: { venue: OwnedVenue }) {
  const [title, setTitle] = useState("");
  const [startsAt, setStartsAt] = useState("");
  const [hours, setHours] = useState(2);
  const [maxPerUser, setMaxPerUser] = useState(4);
  const [error, setError] = useState<string | null>(null);
  const [create, { loading, data }] = useMutation(CreateSlotMutation, { refetchQueries: [VenuesQuery] });
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const start = toIso(startsAt);
      await create({
        variables: {
          input: {
            venueId: venue.id,
            title,
            startsAt: start,
            endsAt: new Date(new Date(start).getTime() + hours * 3_600_000).toISOString(),
            maxPerUser,
          },
        },
      });
      setTitle("");
    } catch (e) {
      setError(describeError(e));
    }
  }
  return (
    <details>
      <summary>New slot at {venue.name}</summary>
      <form onSubmit={submit} className="stack">
        <label>
          Title
          <input required value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Starts
          <input required type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
        </label>
        <label>
          Duration (hours)
          <input type="number" min={1} max={72} value={hours} onChange={(e) => setHours(Number(e.target.value) || 1)} />
        </label>
        <label>
          Seats per person
          <input
            type="number"
            min={1}
            max={50}
            value={maxPerUser}
            onChange={(e) => setMaxPerUser(Number(e.target.value) || 1)}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={loading}>
          Create slot
        </button>
        {data && (
          <p role="status">
            Created. <Link href={`/organizer/slots/${data.createSlot.id}`}>Add its zones</Link>.
          </p>
        )}
      </form>
    </details>
  );
}

type OwnedVenue = VenuesData["venues"][number];

function CheckIn() {
  const [reference, setReference] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [find, found] = useLazyQuery(BookingByReferenceQuery, { fetchPolicy: "network-only" });
  const [checkIn, checked] = useMutation(CheckInMutation);
  async function lookUp(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await find({ variables: { reference: reference.trim().toUpperCase() } });
    } catch (e) {
      setError(describeError(e));
    }
  }
  const booking = found.data?.bookingByReference;
  async function admit() {
    if (!booking) return;
    setError(null);
    try {
      await checkIn({ variables: { input: { bookingId: booking.id, expectedVersion: booking.version } } });
    } catch (e) {
      setError(describeError(e));
    }
  }
  const status = checked.data?.checkInBooking.status ?? booking?.status;
  return (
    <div className="card stack" aria-labelledby="checkin-heading">
      <h2 id="checkin-heading">Check a guest in</h2>
      <form onSubmit={lookUp} className="row">
        <label>
          Booking reference
          <input required value={reference} onChange={(e) => setReference(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit">Find booking</button>
      </form>
      {booking && (
        <div role="status" aria-live="polite">
          <p>
            <span className="mono">{booking.reference}</span>: {booking.quantity} seat(s), {booking.zone.slot.title},{" "}
            {booking.zone.name} — <strong data-testid="checkin-status">{status}</strong>
          </p>
          {status === "CONFIRMED" && (
            <button type="button" onClick={admit} disabled={checked.loading}>
              Check in
            </button>
          )}
          {status === "CHECKED_IN" && <p>Checked in. Enjoy the show!</p>}
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
