import { describe, expect, it } from "vitest";
import { createWaitlistGate } from "./waitlist.gate";

function fakeWaitlist(state: { offeredTo?: string; waiting?: boolean }) {
  const reads = { count: 0 };
  return {
    reads,
    repository: {
      async admissionSnapshot() {
        reads.count++;
        const offers = new Map<string, { holdId: string; quantity: number; expiresAt: Date }>();
        if (state.offeredTo) offers.set(state.offeredTo, { holdId: "entry", quantity: 2, expiresAt: new Date(0) });
        return { waiting: Boolean(state.waiting), offers };
      },
    },
  };
}

describe("the waitlist gate of reservations", () => {
  it("costs a zone one read per second, not one per reservation", async () => {
    let now = 0;
    const { reads, repository } = fakeWaitlist({ waiting: true });
    const gate = createWaitlistGate(repository, { ttlMs: 1_000, now: () => now });
    for (let i = 0; i < 100; i++) expect(await gate.admission("zone", `u${i}`)).toEqual({ kind: "queued" });
    expect(reads.count).toBe(1);
    now += 1_001;
    await gate.admission("zone", "u");
    expect(reads.count).toBe(2);
  });

  it("shares one read among the attempts that arrive while it runs, and keeps no failed read", async () => {
    const { reads, repository } = fakeWaitlist({ waiting: true });
    const gate = createWaitlistGate(repository);
    await Promise.all(Array.from({ length: 64 }, (_, i) => gate.admission("zone", `u${i}`)));
    expect(reads.count).toBe(1);
    let fail = true;
    const flaky = createWaitlistGate({
      admissionSnapshot: async () => {
        if (fail) throw new Error("connection terminated");
        return { waiting: false, offers: new Map() };
      },
    });
    await expect(flaky.admission("zone", "u")).rejects.toThrow("connection terminated");
    fail = false;
    expect(await flaky.admission("zone", "u")).toEqual({ kind: "open" });
  });

  it("sends a user with an offer to it, queues others while anyone waits, and is open once nobody waits", async () => {
    const state = { offeredTo: "offered", waiting: true };
    const gate = createWaitlistGate(fakeWaitlist(state).repository, { ttlMs: 0 });
    expect(await gate.admission("zone", "offered")).toMatchObject({ kind: "offer", offer: { holdId: "entry" } });
    expect(await gate.admission("zone", "other")).toEqual({ kind: "queued" });
    state.waiting = false;
    expect(await gate.admission("zone", "other")).toEqual({ kind: "open" });
    expect(await gate.admission("zone", "offered")).toMatchObject({ kind: "offer" });
  });

  it("forgets a zone as soon as this process changes its waitlist", async () => {
    const state = { waiting: false };
    const gate = createWaitlistGate(fakeWaitlist(state).repository, { ttlMs: 60_000 });
    expect(await gate.admission("zone", "u")).toEqual({ kind: "open" });
    state.waiting = true;
    expect(await gate.admission("zone", "u")).toEqual({ kind: "open" });
    gate.forget("zone");
    expect(await gate.admission("zone", "u")).toEqual({ kind: "queued" });
  });
});
