"use client";

import { useSubscription, useSuspenseQuery } from "@apollo/client/react";
import Link from "next/link";
import { startTransition, useState } from "react";
import { MyWaitlistQuery, NotificationAddedSubscription } from "../../lib/operations";
import { Countdown } from "../countdown";

export default function Waitlist() {
  const { data, refetch } = useSuspenseQuery(MyWaitlistQuery, { fetchPolicy: "cache-and-network" });
  const [latest, setLatest] = useState<string | null>(null);
  // An offer comes with a notification: each one pushed live refreshes the list.
  useSubscription(NotificationAddedSubscription, {
    onData: ({ data: pushed }) => {
      setLatest(pushed.data?.notificationAdded?.subject ?? null);
      startTransition(() => {
        refetch().catch(() => undefined);
      });
    },
  });
  return (
    <section>
      <h1>My waitlist</h1>
      {latest && (
        <p role="status" aria-live="polite">
          {latest}
        </p>
      )}
      {data.myWaitlist.length === 0 && <p>You are on no waitlist. Sold-out zones offer one on their slot page.</p>}
      <ul className="list">
        {data.myWaitlist.map((entry) => (
          <li key={entry.id} className="card">
            <p>
              <Link href={`/slots/${entry.zone.slot.id}`}>
                {entry.zone.slot.title}, {entry.zone.name}
              </Link>{" "}
              — {entry.quantity} seat(s), {entry.status.toLowerCase()}
              {entry.position != null && `, number ${entry.position} in line`}
            </p>
            {entry.offer && (
              <div>
                <p>
                  <strong>{entry.offer.quantity} seat(s) are held for you.</strong> Reserve them on the{" "}
                  <Link href={`/slots/${entry.zone.slot.id}`}>slot page</Link>.
                </p>
                <Countdown until={entry.offer.expiresAt} label="Offer ends in" />
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
