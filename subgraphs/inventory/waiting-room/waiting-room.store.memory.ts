import type { WaitingRoomState } from "../../../lib/contracts/waiting-room";
import {
  MAX_WAIT_SAMPLES,
  ROOM_DEFAULTS,
  roomSignature,
  type RoomRead,
  type TickResult,
  type WaitingRoomStore,
} from "./waiting-room.store";

interface MemoryRoom {
  state: WaitingRoomState;
  /** Admission credit carried between ticks (fractions of a person). */
  credit: number;
  lastTick: number;
  published: string;
  numbers: Map<string, number>;
  joinedAt: number[];
  /** Admission batches in order: everyone up to `to` was admitted at `at`. */
  batches: { to: number; at: number }[];
}

/** The waiting rooms in this process (embedded mode; the same contract as the Redis store). */
export function createMemoryWaitingRoomStore(): WaitingRoomStore {
  const rooms = new Map<string, MemoryRoom>();
  const copy = (room: MemoryRoom): WaitingRoomState => ({ ...room.state });

  return {
    async read(slotId, userId, { join, now }): Promise<RoomRead> {
      const room = rooms.get(slotId);
      if (!room) return { room: null, entry: null, joined: false };
      let number = userId ? room.numbers.get(userId) : undefined;
      let joined = false;
      if (number === undefined && userId && join && room.state.status !== "CLOSED") {
        number = ++room.state.joined;
        room.numbers.set(userId, number);
        room.joinedAt[number] = now;
        joined = true;
      }
      if (number === undefined) return { room: copy(room), entry: null, joined };
      const batch = number <= room.state.admitted ? room.batches.find((b) => b.to >= number) : undefined;
      return {
        room: copy(room),
        entry: { number, joinedAt: room.joinedAt[number], admittedAt: batch?.at ?? null },
        joined,
      };
    },

    async configure(slotId, settings, now) {
      let room = rooms.get(slotId);
      if (!room) {
        room = {
          state: {
            slotId,
            status: "CLOSED",
            ...ROOM_DEFAULTS,
            admitted: 0,
            joined: 0,
            soldOut: false,
            batchFrom: 0,
            batchAt: 0,
          },
          credit: 0,
          lastTick: now,
          published: "",
          numbers: new Map(),
          joinedAt: [],
          batches: [],
        };
        rooms.set(slotId, room);
      }
      if (settings.admitPerMinute !== undefined) room.state.admitPerMinute = settings.admitPerMinute;
      if (settings.admissionSeconds !== undefined) room.state.admissionSeconds = settings.admissionSeconds;
      if (settings.status !== undefined) {
        if (settings.status === "OPEN" && room.state.status !== "OPEN") {
          room.lastTick = now;
          room.credit = 0;
        }
        room.state.status = settings.status;
      }
      return copy(room);
    },

    async tick(slotId, soldOut, now): Promise<TickResult | null> {
      const room = rooms.get(slotId);
      if (!room) return null;
      const { state } = room;
      const waits: number[] = [];
      if (state.status === "OPEN" && !soldOut) {
        room.credit += (state.admitPerMinute * Math.max(0, now - room.lastTick)) / 60_000;
        const admitted = Math.min(state.joined, state.admitted + Math.floor(room.credit));
        room.credit -= admitted - state.admitted;
        // Nobody left waiting: no credit piles up for a burst later.
        if (admitted === state.joined) room.credit -= Math.floor(room.credit);
        if (admitted > state.admitted) {
          for (let n = state.admitted + 1; n <= admitted && waits.length < MAX_WAIT_SAMPLES; n++) {
            waits.push((now - room.joinedAt[n]) / 1000);
          }
          room.batches.push({ to: admitted, at: now });
          state.batchFrom = state.admitted;
          state.batchAt = now;
          state.admitted = admitted;
        }
      }
      room.lastTick = now;
      state.soldOut = soldOut;
      const signature = roomSignature(state);
      return { room: copy(room), changed: signature !== room.published, signature, waits };
    },

    async markPublished(slotId, signature) {
      const room = rooms.get(slotId);
      if (room) room.published = signature;
    },

    async activeSlots() {
      return [...rooms.values()].filter((r) => r.state.status !== "CLOSED").map((r) => r.state.slotId);
    },

    async lead() {
      return true;
    },
  };
}
