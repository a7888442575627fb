import type { ClaimOutcome, HoldOutcome, HoldRequest, HoldStore, SlotLedger, ZoneDrift } from "./hold.store";

interface SlotState {
  available: Map<string, number>;
  userHeld: Map<string, number>;
  holds: Map<string, { zoneId: string; userId: string; quantity: number; lapsesAt: number }>;
}

/**
 * The embedded hold store: the same rules as the Redis scripts, in one process. Each method
 * runs to completion without awaiting, so on Node's single thread it is atomic.
 */
export function createMemoryHoldStore(): HoldStore {
  const slots = new Map<string, SlotState>();
  /** Idempotency key digest → the hold that owns it (per slot, as in Redis). */
  const keyOwners = new Map<string, { holdId: string; lockedUntil: number; expiresAt: number }>();
  const ownerOf = (slotId: string, token: string) => {
    const owner = keyOwners.get(`${slotId}:${token}`);
    if (owner && owner.expiresAt <= Date.now()) keyOwners.delete(`${slotId}:${token}`);
    return owner && owner.expiresAt > Date.now() ? owner : undefined;
  };

  return {
    async hold(req: HoldRequest): Promise<HoldOutcome> {
      const slot = slots.get(req.slotId);
      const available = slot?.available.get(req.zoneId);
      if (!slot || available === undefined) return { kind: "not-loaded" };
      if (slot.holds.has(req.holdId)) return { kind: "already-held", available };
      const owner = req.key && ownerOf(req.slotId, req.key.token);
      if (owner && owner.holdId !== req.key!.supersede) {
        return { kind: "key-taken", available, holdId: owner.holdId, lockedUntil: owner.lockedUntil };
      }
      if (req.waitlistOnly || available < req.quantity) return { kind: "insufficient", available };
      const held = slot.userHeld.get(req.userId) ?? 0;
      if (held + req.quantity > req.maxPerUser) return { kind: "over-limit", alreadyHeld: held };
      slot.available.set(req.zoneId, available - req.quantity);
      slot.userHeld.set(req.userId, held + req.quantity);
      slot.holds.set(req.holdId, {
        zoneId: req.zoneId,
        userId: req.userId,
        quantity: req.quantity,
        lapsesAt: req.expiresAt.getTime(),
      });
      if (req.key) {
        // Expired entries are dropped as they are met; a sweep bounds the map in a long run.
        if (keyOwners.size > 100_000)
          for (const [k, o] of keyOwners) if (o.expiresAt <= Date.now()) keyOwners.delete(k);
        keyOwners.set(`${req.slotId}:${req.key.token}`, {
          holdId: req.holdId,
          lockedUntil: req.key.lockedUntil,
          expiresAt: Date.now() + req.key.ttlMs,
        });
      }
      return { kind: "held", available: available - req.quantity };
    },

    async claim(req: HoldRequest, offerHoldId: string, now: Date): Promise<ClaimOutcome> {
      const slot = slots.get(req.slotId);
      const available = slot?.available.get(req.zoneId);
      if (!slot || available === undefined) return { kind: "not-loaded" };
      if (slot.holds.has(req.holdId)) return { kind: "already-held", available };
      const owner = req.key && ownerOf(req.slotId, req.key.token);
      if (owner && owner.holdId !== req.key!.supersede) {
        return { kind: "key-taken", available, holdId: owner.holdId, lockedUntil: owner.lockedUntil };
      }
      const offer = slot.holds.get(offerHoldId);
      if (!offer || offer.zoneId !== req.zoneId || offer.userId !== req.userId || offer.lapsesAt < now.getTime()) {
        return { kind: "offer-gone", available };
      }
      if (req.quantity > offer.quantity) return { kind: "offer-smaller", offered: offer.quantity };
      const back = offer.quantity - req.quantity;
      slot.holds.delete(offerHoldId);
      slot.available.set(req.zoneId, available + back);
      slot.userHeld.set(req.userId, (slot.userHeld.get(req.userId) ?? 0) - back);
      slot.holds.set(req.holdId, {
        zoneId: req.zoneId,
        userId: req.userId,
        quantity: req.quantity,
        lapsesAt: req.expiresAt.getTime(),
      });
      if (req.key) {
        keyOwners.set(`${req.slotId}:${req.key.token}`, {
          holdId: req.holdId,
          lockedUntil: req.key.lockedUntil,
          expiresAt: Date.now() + req.key.ttlMs,
        });
      }
      return { kind: "held", available: available + back };
    },

    async release(hold, forgetKey) {
      if (forgetKey && ownerOf(hold.slotId, forgetKey)?.holdId === hold.holdId) {
        keyOwners.delete(`${hold.slotId}:${forgetKey}`);
      }
      const slot = slots.get(hold.slotId);
      const held = slot?.holds.get(hold.holdId);
      if (!slot || !held) return false;
      slot.holds.delete(hold.holdId);
      slot.available.set(held.zoneId, (slot.available.get(held.zoneId) ?? 0) + held.quantity);
      const left = (slot.userHeld.get(held.userId) ?? 0) - held.quantity;
      if (left > 0) slot.userHeld.set(held.userId, left);
      else slot.userHeld.delete(held.userId);
      return true;
    },

    async resize(hold, from, quantity, maxPerUser) {
      const slot = slots.get(hold.slotId);
      const held = slot?.holds.get(hold.holdId);
      const available = slot?.available.get(held?.zoneId ?? hold.zoneId);
      if (!slot || !held || available === undefined) return { kind: "not-loaded" };
      if (held.quantity !== from) return { kind: "changed", current: held.quantity };
      const delta = quantity - held.quantity;
      const userHeld = slot.userHeld.get(held.userId) ?? 0;
      if (delta > 0 && available < delta) return { kind: "insufficient", available };
      if (delta > 0 && userHeld + delta > maxPerUser) return { kind: "over-limit", alreadyHeld: userHeld };
      slot.available.set(held.zoneId, available - delta);
      slot.userHeld.set(held.userId, userHeld + delta);
      held.quantity = quantity;
      return { kind: "held", available: available - delta };
    },

    async markSold(hold) {
      const held = slots.get(hold.slotId)?.holds.get(hold.holdId);
      if (held) held.lapsesAt = Number.POSITIVE_INFINITY;
    },

    async availableInSlots(requests) {
      return requests.map(({ slotId, zoneIds }) => zoneIds.map((z) => slots.get(slotId)?.available.get(z) ?? null));
    },

    async load(ledger: SlotLedger, now: Date): Promise<ZoneDrift[]> {
      const previous = slots.get(ledger.slotId);
      const holds: SlotState["holds"] = new Map();
      for (const h of ledger.holds) {
        holds.set(h.holdId, {
          zoneId: h.zoneId,
          userId: h.userId,
          quantity: h.quantity,
          lapsesAt: h.expiresAt ? h.expiresAt.getTime() : Number.POSITIVE_INFINITY,
        });
      }
      const released = new Set(ledger.released);
      for (const [id, h] of previous?.holds ?? []) {
        if (!holds.has(id) && !released.has(id) && h.lapsesAt >= now.getTime()) holds.set(id, h);
      }
      const state: SlotState = { available: new Map(), userHeld: new Map(), holds };
      const heldByZone = new Map<string, number>();
      for (const h of holds.values()) {
        heldByZone.set(h.zoneId, (heldByZone.get(h.zoneId) ?? 0) + h.quantity);
        state.userHeld.set(h.userId, (state.userHeld.get(h.userId) ?? 0) + h.quantity);
      }
      const drift = ledger.zones.map(({ zoneId, capacity }) => {
        const after = capacity - (heldByZone.get(zoneId) ?? 0);
        state.available.set(zoneId, after);
        return { zoneId, before: previous?.available.get(zoneId) ?? null, after };
      });
      slots.set(ledger.slotId, state);
      return drift;
    },

    async adjustCapacity(slotId, zoneId, delta) {
      const slot = slots.get(slotId);
      const available = slot?.available.get(zoneId);
      if (!slot || available === undefined) throw new Error(`zone ${zoneId} is not loaded`);
      if (available + delta < 0) return { ok: false, available };
      slot.available.set(zoneId, available + delta);
      return { ok: true, available: available + delta };
    },

    async ping() {},
  };
}
