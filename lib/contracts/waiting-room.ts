/**
 * The virtual waiting room of a slot (README: Waiting room). Its state lives in Redis (in-process
 * when embedded), owned by the inventory subgraph; the gateway computes each subscriber's ticket
 * from the room's live messages with `ticketOf`, the same function the inventory answers with.
 */

/** OPEN admits at its rate, PAUSED admits nobody, CLOSED: the room is off and anyone may reserve. */
export type WaitingRoomStatus = "OPEN" | "PAUSED" | "CLOSED";

export type TicketStatus = "WAITING" | "ADMITTED" | "EXPIRED" | "SOLD_OUT" | "CLOSED";

/** A room as the ticker publishes it on the slot's `waiting-room` channel after each change. */
export interface WaitingRoomState {
  slotId: string;
  status: WaitingRoomStatus;
  admitPerMinute: number;
  /** How long an admission lets its user reserve. */
  admissionSeconds: number;
  /** Everyone with a number up to this one has been admitted. */
  admitted: number;
  /** Numbers handed out so far (people who joined). */
  joined: number;
  /** Nothing left to sell in the slot: admission stops until seats come back. */
  soldOut: boolean;
  /** The last admission batch: numbers `batchFrom + 1 … admitted` were admitted at `batchAt` (ms). */
  batchFrom: number;
  batchAt: number;
}

/** One user's place: the number they drew when joining and, once admitted, when that was (ms). */
export interface WaitingRoomEntry {
  number: number;
  joinedAt: number;
  admittedAt: number | null;
}

export interface WaitingRoomTicket {
  slotId: string;
  /** The place in the join order (1 = first to join); null when the room is closed and you never joined. */
  number: number | null;
  /** People ahead of you plus one while waiting; 0 once admitted; null without a place. */
  position: number | null;
  estimatedWaitSeconds: number | null;
  status: TicketStatus;
  admittedUntil: Date | null;
}

export const WAITING_ROOM_LIMITS = {
  admitPerMinute: { min: 1, max: 100_000 },
  admissionSeconds: { min: 5, max: 3_600, default: 600 },
} as const;

/**
 * A user's ticket in `room` at `now`. `entry` null: the user has not joined. When the room is
 * closed (off), everyone may reserve: CLOSED. Admitted users keep their admission for
 * `admissionSeconds`, then it is EXPIRED (joining again does not queue them anew).
 */
export function ticketOf(
  room: Pick<WaitingRoomState, "slotId" | "status" | "admitPerMinute" | "admissionSeconds" | "admitted" | "soldOut">,
  entry: WaitingRoomEntry | null,
  now: number,
): WaitingRoomTicket {
  const base = { slotId: room.slotId, number: entry?.number ?? null };
  if (room.status === "CLOSED" || !entry) {
    return { ...base, position: null, estimatedWaitSeconds: null, status: "CLOSED", admittedUntil: null };
  }
  if (entry.number <= room.admitted && entry.admittedAt !== null) {
    const until = entry.admittedAt + room.admissionSeconds * 1000;
    return {
      ...base,
      position: 0,
      estimatedWaitSeconds: 0,
      status: until > now ? "ADMITTED" : "EXPIRED",
      admittedUntil: new Date(until),
    };
  }
  const position = Math.max(1, entry.number - room.admitted);
  if (room.soldOut) return { ...base, position, estimatedWaitSeconds: null, status: "SOLD_OUT", admittedUntil: null };
  return {
    ...base,
    position,
    estimatedWaitSeconds: room.status === "OPEN" ? Math.ceil((position * 60) / room.admitPerMinute) : null,
    status: "WAITING",
    admittedUntil: null,
  };
}
