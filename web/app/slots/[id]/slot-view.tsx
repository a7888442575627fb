"use client";

import { useMutation, useSubscription, useSuspenseQuery } from "@apollo/client/react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { describeError } from "../../../lib/errors";
import { dateTime, money } from "../../../lib/format";
import {
  AvailabilitySubscription,
  JoinWaitingRoomMutation,
  JoinWaitlistMutation,
  ReserveMutation,
  SlotQuery,
  WaitingRoomSubscription,
} from "../../../lib/operations";
import { useLiveState } from "../../apollo";
import { Countdown } from "../../countdown";
import type { SlotQuery as SlotData0 } from "../../../gql/graphql";

export function SlotView({ id }: { id: string }) {
  const { data } = useSuspenseQuery(SlotQuery, { variables: { id }, fetchPolicy: "cache-and-network" });
  // Each push carries the zone's id and seats left: Apollo's cache updates the zone in place.
  useSubscription(AvailabilitySubscription, { variables: { slotId: id } });
  const live = useLiveState();
  const slot = data.slot;
  if (!slot) return <p role="alert">This slot does not exist.</p>;
  const soldOut = slot.zones.every((z) => z.available === 0);
  return (
    <section>
      <p>
        <Link href="/">← All venues</Link>
      </p>
      <h1>{slot.title}</h1>
      <p className="muted">
        {slot.venue.name}, {slot.venue.city} · {dateTime(slot.startsAt)}
      </p>
      <p className="muted" aria-live="polite">
        {live === "connected"
          ? "Live: seats update as people book."
          : live === "reconnecting"
            ? "Live updates lost: reconnecting…"
            : "Connecting to live updates…"}
      </p>
      {soldOut && <p className="badge sold">Sold out</p>}
      <table className="zones-table">
        <caption>Zones</caption>
        <thead>
          <tr>
            <th scope="col">Zone</th>
            <th scope="col">Price</th>
            <th scope="col">Seats left</th>
          </tr>
        </thead>
        <tbody>
          {slot.zones.map((zone) => (
            <tr key={zone.id} data-zone={zone.name}>
              <th scope="row">{zone.name}</th>
              <td>{money(zone.price.amount, zone.price.currency)}</td>
              <td data-testid={`available-${zone.name}`}>
                {zone.available === 0 ? (
                  <span className="badge sold">Sold out</span>
                ) : (
                  `${zone.available} of ${zone.capacity}`
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {slot.waitingRoomActive && <WaitingRoom slotId={slot.id} />}
      <ReserveForm slot={slot} />
    </section>
  );
}

type SlotData = NonNullable<SlotData0["slot"]>;

function ReserveForm({ slot }: { slot: SlotData }) {
  const router = useRouter();
  const firstOpen = slot.zones.find((z) => z.available > 0) ?? slot.zones[0];
  const [zoneId, setZoneId] = useState(firstOpen?.id ?? "");
  const [quantity, setQuantity] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const [reserve, { loading }] = useMutation(ReserveMutation);
  const [joinWaitlist, waitlist] = useMutation(JoinWaitlistMutation);
  const zone = slot.zones.find((z) => z.id === zoneId);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const result = await reserve({
        variables: { input: { zoneId, quantity, idempotencyKey: `web-${crypto.randomUUID()}` } },
      });
      if (result.data) router.push(`/bookings/${result.data.reserveSeats.id}`);
    } catch (e) {
      setError(describeError(e));
    }
  }
  async function wait() {
    setError(null);
    try {
      await joinWaitlist({ variables: { zoneId, quantity } });
    } catch (e) {
      setError(describeError(e));
    }
  }

  return (
    <form onSubmit={submit} className="card stack" aria-labelledby="reserve-heading">
      <h2 id="reserve-heading">Reserve seats</h2>
      <fieldset>
        <legend>Zone</legend>
        {slot.zones.map((z) => (
          <label key={z.id} className="choice">
            <input type="radio" name="zone" value={z.id} checked={zoneId === z.id} onChange={() => setZoneId(z.id)} />{" "}
            {z.name} ({money(z.price.amount, z.price.currency)}){z.available === 0 ? " — sold out" : ""}
          </label>
        ))}
      </fieldset>
      <label>
        Seats (at most {slot.maxPerUser} per person)
        <input
          type="number"
          name="quantity"
          min={1}
          max={slot.maxPerUser}
          value={quantity}
          onChange={(e) => setQuantity(Math.max(1, Math.min(slot.maxPerUser, Number(e.target.value) || 1)))}
        />
      </label>
      {zone && (
        <p>
          Total: <strong>{money(zone.price.amount * quantity, zone.price.currency)}</strong>
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={loading || !zoneId}>
          {loading ? "Reserving…" : "Reserve"}
        </button>
        {zone && zone.available === 0 && (
          <button type="button" onClick={wait} disabled={waitlist.loading}>
            Join the waitlist
          </button>
        )}
      </div>
      {waitlist.data && (
        <p role="status">
          You are number {waitlist.data.joinWaitlist.position ?? "?"} on the waitlist for {quantity} seat(s). We will
          offer you seats when some come back (see <Link href="/waitlist">Waitlist</Link>).
        </p>
      )}
    </form>
  );
}

function WaitingRoom({ slotId }: { slotId: string }) {
  const [join, joined] = useMutation(JoinWaitingRoomMutation);
  const [error, setError] = useState<string | null>(null);
  const live = useSubscription(WaitingRoomSubscription, { variables: { slotId }, skip: !joined.data });
  const ticket = live.data?.waitingRoomUpdates ?? joined.data?.joinWaitingRoom;
  return (
    <div className="card stack" aria-labelledby="wr-heading">
      <h2 id="wr-heading">Waiting room</h2>
      <p>This sale is busy: people are let in a few at a time. Join the line, then reserve once you are admitted.</p>
      {!ticket && (
        <button
          type="button"
          onClick={() => join({ variables: { slotId } }).catch((e) => setError(describeError(e)))}
          disabled={joined.loading}
        >
          Join the line
        </button>
      )}
      {ticket && (
        <div role="status" aria-live="polite">
          {ticket.status === "ADMITTED" ? (
            <>
              <p>
                <strong>You are in!</strong> Reserve below.
              </p>
              {ticket.admittedUntil && <Countdown until={ticket.admittedUntil} label="Your admission ends in" />}
            </>
          ) : (
            <p>
              Status: {ticket.status.toLowerCase()} · position {ticket.position ?? "—"} · about{" "}
              {Math.ceil((ticket.estimatedWaitSeconds ?? 0) / 60)} min
            </p>
          )}
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
