import { randomUUID } from "node:crypto";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Principal } from "../../../lib/core/auth";
import { badInput, DomainError, notFound, unauthenticated } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import { LIVE_CHANNELS } from "../../../lib/contracts/live";
import {
  ticketOf,
  WAITING_ROOM_LIMITS,
  type WaitingRoomState,
  type WaitingRoomStatus,
  type WaitingRoomTicket,
} from "../../../lib/contracts/waiting-room";
import type { LiveEvents } from "../../../lib/messaging/live";
import type { Logger } from "../../../lib/observability/logger";
import type { Slot } from "../slot/slot.repository";
import type { WaitingRoomStore } from "./waiting-room.store";

/** A room as organizers see it. */
export interface WaitingRoomView extends WaitingRoomState {
  /** People with a number who are not admitted yet. */
  waiting: number;
}

const unavailable = () =>
  new DomainError("SERVICE_UNAVAILABLE", "The waiting room is temporarily unavailable, please retry shortly");

/** How often the room admits and publishes (each tick admits what the rate allows since the last). */
export const TICK_MS = 1_000;

/**
 * Virtual waiting rooms (README: Waiting room): per slot, off until its organizer or an admin
 * opens it. While it is OPEN or PAUSED, `reserveSeats` for the slot needs an admission
 * (`requireAdmission`, called by the hold path): users join, draw a number in join order, and a
 * tick every second admits the next ones at the organizer's rate, unless the slot is sold out.
 * Each change is appended to the slot's `waiting-room` live channel, from which the gateway
 * computes every subscriber's ticket. State lives in the store (Redis: every instance shares
 * one queue); when it cannot be reached, everything here fails closed (SERVICE_UNAVAILABLE).
 */
export function createWaitingRoomService(deps: {
  store: WaitingRoomStore;
  /** The slot, if the principal manages it (NOT_FOUND / FORBIDDEN otherwise). */
  managedSlot(principal: Principal | null, slotId: string): Promise<Slot>;
  slotExists(slotId: string): Promise<boolean>;
  /** Seats left in each zone of the slot (null: the slot has no zones). */
  seatsLeft(slotId: string): Promise<number[] | null>;
  live?: LiveEvents;
  logger: Logger;
  registry?: Registry;
  now?: () => number;
}) {
  const { store, logger } = deps;
  const now = deps.now ?? Date.now;
  const registers = deps.registry ? [deps.registry] : [];
  const metrics = {
    joins: new Counter({ name: "waiting_room_joins_total", help: "Users who joined a waiting room", registers }),
    admitted: new Counter({
      name: "waiting_room_admitted_total",
      help: "Users admitted from a waiting room",
      registers,
    }),
    waiting: new Gauge({
      name: "waiting_room_queue_length",
      help: "People waiting in each active room (at the last tick)",
      labelNames: ["slot_id"],
      registers,
    }),
    rate: new Gauge({
      name: "waiting_room_admit_per_minute",
      help: "Each active room's configured admission rate",
      labelNames: ["slot_id"],
      registers,
    }),
    wait: new Histogram({
      name: "waiting_room_wait_seconds",
      help: "How long admitted users waited",
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
  };

  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      logger.error("waiting room store unavailable", { error });
      throw unavailable();
    }
  }

  const view = (room: WaitingRoomState): WaitingRoomView => ({ ...room, waiting: room.joined - room.admitted });

  async function knownSlot(slotId: string) {
    if (!isUuid(slotId) || !(await deps.slotExists(slotId))) throw notFound("Slot");
  }

  function checkSettings(settings: { admitPerMinute?: number | null; admissionSeconds?: number | null }) {
    const { admitPerMinute: rate, admissionSeconds: ttl } = WAITING_ROOM_LIMITS;
    const { admitPerMinute, admissionSeconds } = settings;
    if (
      admitPerMinute != null &&
      (!Number.isInteger(admitPerMinute) || admitPerMinute < rate.min || admitPerMinute > rate.max)
    )
      throw badInput(`admitPerMinute must be a whole number from ${rate.min} to ${rate.max}`, {
        field: "admitPerMinute",
      });
    if (
      admissionSeconds != null &&
      (!Number.isInteger(admissionSeconds) || admissionSeconds < ttl.min || admissionSeconds > ttl.max)
    )
      throw badInput(`admissionSeconds must be a whole number from ${ttl.min} to ${ttl.max}`, {
        field: "admissionSeconds",
      });
  }

  async function publish(room: WaitingRoomState, at: number) {
    if (!deps.live) return;
    await deps.live.append([
      {
        eventId: `waiting-room:${room.slotId}:${at}:${randomUUID()}`,
        eventType: "inventory.waiting_room_changed",
        traceparent: null,
        deliveries: [{ channel: LIVE_CHANNELS.waitingRoom(room.slotId), message: room }],
      },
    ]);
  }

  /** One room's tick: admit, record sold out, publish what changed. */
  async function tickRoom(slotId: string, at: number) {
    const seats = await deps.seatsLeft(slotId);
    const soldOut = seats !== null && seats.every((n) => n <= 0);
    const result = await store.tick(slotId, soldOut, at);
    if (!result) return;
    const { room } = result;
    if (room.status === "CLOSED") {
      metrics.waiting.remove(slotId);
      metrics.rate.remove(slotId);
    } else {
      metrics.waiting.set({ slot_id: slotId }, room.joined - room.admitted);
      metrics.rate.set({ slot_id: slotId }, room.admitPerMinute);
    }
    if (room.batchAt === at) metrics.admitted.inc(room.admitted - room.batchFrom);
    for (const seconds of result.waits) metrics.wait.observe(seconds);
    if (!result.changed) return;
    await publish(room, at);
    await store.markPublished(slotId, result.signature);
  }

  let activeRooms: { until: number; slots: Promise<Set<string>> } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;
  async function tick() {
    // One instance ticks per interval (the others find the lead taken); a tick is time-based, so
    // an irregular interval admits the same number of people.
    if (!(await store.lead(TICK_MS - 50))) return;
    const at = now();
    for (const slotId of await store.activeSlots()) await tickRoom(slotId, at);
  }

  return {
    async join(principal: Principal | null, slotId: string): Promise<WaitingRoomTicket> {
      if (!principal) throw unauthenticated();
      if (!isUuid(slotId)) throw notFound("Slot");
      const at = now();
      const read = await guarded(() => store.read(slotId, principal.userId, { join: true, now: at }));
      if (!read.room) await knownSlot(slotId);
      if (read.joined) metrics.joins.inc();
      return ticketOf(read.room ?? closedRoom(slotId), read.entry, at);
    },

    async ticket(principal: Principal | null, slotId: string): Promise<WaitingRoomTicket | null> {
      if (!principal) throw unauthenticated();
      if (!isUuid(slotId)) throw notFound("Slot");
      const at = now();
      const read = await guarded(() => store.read(slotId, principal.userId, { join: false, now: at }));
      if (!read.room) await knownSlot(slotId);
      if (read.room && read.room.status !== "CLOSED" && !read.entry) return null;
      return ticketOf(read.room ?? closedRoom(slotId), read.entry, at);
    },

    async room(principal: Principal | null, slotId: string): Promise<WaitingRoomView> {
      await deps.managedSlot(principal, slotId);
      const read = await guarded(() => store.read(slotId, null, { join: false, now: now() }));
      return view(read.room ?? closedRoom(slotId));
    },

    /**
     * Whether the slot's room is on (public: clients join before reserving when it is). A hint
     * for listings, so the list of active rooms is read once a second per process, not once per
     * slot shown; `requireAdmission` always reads the room itself.
     */
    async active(slotId: string): Promise<boolean> {
      if (!activeRooms || activeRooms.until <= now()) {
        activeRooms = { until: now() + 1_000, slots: guarded(() => store.activeSlots()).then((ids) => new Set(ids)) };
        activeRooms.slots.catch(() => (activeRooms = null));
      }
      return (await activeRooms.slots).has(slotId);
    },

    async configure(
      principal: Principal | null,
      slotId: string,
      settings: { status?: WaitingRoomStatus; admitPerMinute?: number | null; admissionSeconds?: number | null },
    ): Promise<WaitingRoomView> {
      checkSettings(settings);
      await deps.managedSlot(principal, slotId);
      const at = now();
      await guarded(() =>
        store.configure(
          slotId,
          {
            status: settings.status,
            admitPerMinute: settings.admitPerMinute ?? undefined,
            admissionSeconds: settings.admissionSeconds ?? undefined,
          },
          at,
        ),
      );
      // Subscribers learn of the change now, not at the next tick (which also admits).
      await guarded(() => tickRoom(slotId, at));
      const read = await guarded(() => store.read(slotId, null, { join: false, now: at }));
      return view(read.room!);
    },

    /**
     * Throws WAITING_ROOM_REQUIRED unless `userId` may reserve in the slot now: its room is off,
     * or the user's admission is current. One store round trip.
     */
    async requireAdmission(slotId: string, userId: string): Promise<void> {
      const at = now();
      const read = await guarded(() => store.read(slotId, userId, { join: false, now: at }));
      if (!read.room || read.room.status === "CLOSED") return;
      const ticket = ticketOf(read.room, read.entry, at);
      if (ticket.status === "ADMITTED") return;
      const why = !read.entry
        ? "Join this slot's waiting room first (joinWaitingRoom)"
        : ticket.status === "EXPIRED"
          ? "Your admission from the waiting room has expired"
          : ticket.status === "SOLD_OUT"
            ? "This slot is sold out"
            : `You are number ${ticket.position} in the waiting room; reserve once admitted`;
      throw new DomainError("WAITING_ROOM_REQUIRED", why, {
        slotId,
        ticketStatus: read.entry ? ticket.status : null,
        position: ticket.position,
      });
    },

    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (ticking) return;
        ticking = tick()
          .catch((error) => logger.warn("waiting room tick failed", { error }))
          .finally(() => (ticking = null));
      }, TICK_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await ticking;
    },
  };
}
export type WaitingRoomService = ReturnType<typeof createWaitingRoomService>;

const closedRoom = (slotId: string): WaitingRoomState => ({
  slotId,
  status: "CLOSED",
  admitPerMinute: 0,
  admissionSeconds: 0,
  admitted: 0,
  joined: 0,
  soldOut: false,
  batchFrom: 0,
  batchAt: 0,
});
