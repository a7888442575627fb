"use client";

import { useMutation, useSubscription, useSuspenseQuery } from "@apollo/client/react";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { describeError } from "../../../../lib/errors";
import { dateTime, money } from "../../../../lib/format";
import { AvailabilitySubscription, CreateZoneMutation, SlotQuery } from "../../../../lib/operations";

/** A slot's sales, live: seats sold or held and left per zone, and new zones. */
export function SalesView({ id }: { id: string }) {
  const { data } = useSuspenseQuery(SlotQuery, { variables: { id }, fetchPolicy: "cache-and-network" });
  const live = useSubscription(AvailabilitySubscription, { variables: { slotId: id } });
  const slot = data.slot;
  if (!slot) return <p role="alert">This slot does not exist.</p>;
  const capacity = slot.zones.reduce((n, z) => n + z.capacity, 0);
  const left = slot.zones.reduce((n, z) => n + z.available, 0);
  const revenue = slot.zones.reduce((n, z) => n + (z.capacity - z.available) * z.price.amount, 0);
  const currency = slot.zones[0]?.price.currency ?? "EUR";
  return (
    <section>
      <p>
        <Link href="/organizer">← Organizer</Link>
      </p>
      <h1>Sales: {slot.title}</h1>
      <p className="muted">
        {slot.venue.name} · {dateTime(slot.startsAt)} · {live.data ? "live" : "connecting…"}
      </p>
      <p aria-live="polite" data-testid="sales-summary">
        {capacity - left} of {capacity} seats sold or held · {money(revenue, currency)} at list price
      </p>
      <table className="zones-table">
        <caption>Zones</caption>
        <thead>
          <tr>
            <th scope="col">Zone</th>
            <th scope="col">Price</th>
            <th scope="col">Sold or held</th>
            <th scope="col">Left</th>
          </tr>
        </thead>
        <tbody>
          {slot.zones.map((z) => (
            <tr key={z.id}>
              <th scope="row">{z.name}</th>
              <td>{money(z.price.amount, z.price.currency)}</td>
              <td>{z.capacity - z.available}</td>
              <td>{z.available === 0 ? "sold out" : z.available}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateZone slotId={slot.id} />
    </section>
  );
}

function CreateZone({ slotId }: { slotId: string }) {
  const [name, setName] = useState("");
  const [capacity, setCapacity] = useState(50);
  const [price, setPrice] = useState("25.00");
  const [currency, setCurrency] = useState("EUR");
  const [error, setError] = useState<string | null>(null);
  const [create, { loading }] = useMutation(CreateZoneMutation, { refetchQueries: [SlotQuery] });
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await create({
        variables: {
          input: { slotId, name, capacity, priceMinor: Math.round(Number(price) * 100), currency },
        },
      });
      setName("");
    } catch (e) {
      setError(describeError(e));
    }
  }
  return (
    <form onSubmit={submit} className="card stack" aria-labelledby="zone-heading">
      <h2 id="zone-heading">Add a zone</h2>
      <label>
        Name
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Capacity
        <input type="number" min={1} value={capacity} onChange={(e) => setCapacity(Number(e.target.value) || 1)} />
      </label>
      <label>
        Price per seat
        <input
          inputMode="decimal"
          pattern="[0-9]+([.][0-9]{1,2})?"
          value={price}
          onChange={(e) => setPrice(e.target.value)}
        />
      </label>
      <label>
        Currency
        <input value={currency} maxLength={3} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={loading}>
        Add zone
      </button>
    </form>
  );
}
