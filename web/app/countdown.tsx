"use client";

import { useEffect, useState } from "react";

/** Time left until `until`, ticking each second (rendered in the browser only: no hydration drift). */
export function Countdown({ until, label }: { until: string; label: string }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (now === null) return null;
  const left = Math.max(0, Math.round((new Date(until).getTime() - now) / 1000));
  const text = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
  return (
    <p className="countdown" data-testid="countdown">
      {label}: <strong>{left > 0 ? text : "expired"}</strong>
    </p>
  );
}
