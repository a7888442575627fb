import type { WaitingRoomEntry, WaitingRoomState, WaitingRoomStatus } from "../../../lib/contracts/waiting-room";

/** A room and, when asked about a user, that user's place in it. */
export interface RoomRead {
  room: WaitingRoomState | null;
  entry: WaitingRoomEntry | null;
  /** The user drew a number just now (join). */
  joined: boolean;
}

/** What one tick did to a room. */
export interface TickResult {
  room: WaitingRoomState;
  /** The room differs from what was last published (see `markPublished`). */
  changed: boolean;
  /** A signature of the state, to pass to `markPublished` once the change is out. */
  signature: string;
  /** Seconds the users admitted by this tick waited (up to 1,000 of them). */
  waits: number[];
}

export interface RoomSettings {
  status?: WaitingRoomStatus;
  admitPerMinute?: number;
  admissionSeconds?: number;
}

/**
 * The waiting rooms of all slots (the port: Redis in production, in-process when embedded).
 * Each operation on one room is atomic: numbers are handed out once, in join order, and only a
 * tick admits, in number order.
 */
export interface WaitingRoomStore {
  /** The room and `userId`'s place; `join`: draw a number if the user has none and the room is on. */
  read(slotId: string, userId: string | null, options: { join: boolean; now: number }): Promise<RoomRead>;
  /** Creates the room (CLOSED, 60 a minute, 10-minute admissions) if needed, then applies `settings`. */
  configure(slotId: string, settings: RoomSettings, now: number): Promise<WaitingRoomState>;
  /**
   * Admits whoever the rate allows since the last tick (none while paused, closed or sold out)
   * and records whether the slot is sold out. Null if the slot has no room.
   */
  tick(slotId: string, soldOut: boolean, now: number): Promise<TickResult | null>;
  markPublished(slotId: string, signature: string): Promise<void>;
  /** Slots whose room is OPEN or PAUSED (the ticker's work list). */
  activeSlots(): Promise<string[]>;
  /** True for one caller per `ms` across every instance sharing the store (who ticks now). */
  lead(ms: number): Promise<boolean>;
}

/** The room defaults; the organizer sets the rate when opening it. */
export const ROOM_DEFAULTS = { admitPerMinute: 60, admissionSeconds: 600 } as const;
/** A room's keys outlive its last change by this long. */
export const ROOM_RETENTION_MS = 7 * 86_400_000;
/** At most this many wait times are reported per tick (the histogram's sample). */
export const MAX_WAIT_SAMPLES = 1_000;

/** The state signature a tick compares with the last published one. */
export const roomSignature = (room: WaitingRoomState) =>
  [room.status, room.admitPerMinute, room.admissionSeconds, room.admitted, room.soldOut ? 1 : 0].join("|");
