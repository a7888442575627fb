"use client";

import { useSuspenseQuery } from "@apollo/client/react";
import Link from "next/link";
import { useState } from "react";
import { dateTime, day, money } from "../lib/format";
import { VenuesQuery } from "../lib/operations";

/** Venues, their slots by date and each zone's price and seats left (one query, no waterfall). */
export function Browse() {
  const { data } = useSuspenseQuery(VenuesQuery, { fetchPolicy: "cache-and-network" });
  const days = [...new Set(data.venues.flatMap((v) => v.slots.map((s) => day(s.startsAt))))].sort();
  const [selected, setSelected] = useState("all");
  return (
    <section>
      <h1>Venues</h1>
      <label className="inline">
        Date{" "}
        <select value={selected} onChange={(e) => setSelected(e.target.value)}>
          <option value="all">All dates</option>
          {days.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <div className="grid">
        {data.venues.map((venue) => {
          const slots = venue.slots
            .filter((s) => selected === "all" || day(s.startsAt) === selected)
            .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
          return (
            <article key={venue.id} className="card" aria-labelledby={`venue-${venue.id}`}>
              <h2 id={`venue-${venue.id}`}>{venue.name}</h2>
              <p className="muted">
                {venue.city} · {venue.kind.toLowerCase()}
              </p>
              {slots.length === 0 && <p className="muted">No slots on this date.</p>}
              <ul className="slots">
                {slots.map((slot) => (
                  <li key={slot.id}>
                    <Link href={`/slots/${slot.id}`}>{slot.title}</Link>{" "}
                    <span className="muted">{dateTime(slot.startsAt)}</span>
                    {slot.available === 0 && <span className="badge sold">Sold out</span>}
                    {slot.waitingRoomActive && <span className="badge">Waiting room</span>}
                    <ul className="zones">
                      {slot.zones.map((zone) => (
                        <li key={zone.id}>
                          {zone.name}: {money(zone.price.amount, zone.price.currency)} ·{" "}
                          {zone.available === 0 ? "sold out" : `${zone.available} of ${zone.capacity} left`}
                        </li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            </article>
          );
        })}
      </div>
    </section>
  );
}
