/**
 * The `waitingRoomUpdates` subscribers of bench/waiting-room.ts, in a worker thread of their own
 * (raw graphql-transport-ws, bench/raw-ws.ts), each signed in as its own user (the token in `connection_init`). Every push is recorded
 * with the time it arrived (`Date.now()`, the clock the cursor's milliseconds come from: Redis's
 * stream ids, or the embedded channel's `Date.now()` on the same machine), its cursor, and the
 * ticket it shows.
 *
 * Messages from the main thread: `connect` (open the given subscribers), `count` (pushes and
 * failures so far), `collect` (every push recorded), `close`.
 */
import net from "node:net";
import { parentPort } from "node:worker_threads";
import { openRawWs, text } from "./raw-ws";

export interface SubscriberSpec {
  /** The user's index in the bench (returned with each of its pushes). */
  user: number;
  token: string;
}

export type WaitingRoomWorkerRequest =
  | { type: "connect"; port: number; slotId: string; query: string; subscribers: SubscriberSpec[] }
  | { type: "count" }
  | { type: "collect" }
  | { type: "close" };

/** Ticket statuses as numbers in `Pushes.status`. */
export const STATUSES = ["WAITING", "ADMITTED", "EXPIRED", "SOLD_OUT", "CLOSED"] as const;

/** Every push received, column-wise (index i is one push). */
export interface Pushes {
  user: Int32Array;
  /** Date.now() when the frame's bytes arrived. */
  receivedAt: Float64Array;
  /** The milliseconds part of `extensions.cursor` (when the change was appended to the channel). */
  cursorMs: Float64Array;
  cursorSeq: Int32Array;
  /** -1: null. */
  position: Int32Array;
  /** -1: null. */
  estimatedWaitSeconds: Int32Array;
  /** Index in STATUSES, -1: unknown. */
  status: Int8Array;
  /** ms since the epoch, NaN: null. */
  admittedUntil: Float64Array;
}

export type WaitingRoomWorkerReply =
  | { type: "connected"; connected: number; failed: number; failures: string[] }
  | { type: "count"; pushes: number; errors: number; closed: number; messages: string[] }
  | { type: "collected"; pushes: Pushes; errors: number; closed: number; messages: string[] }
  | { type: "closed" }
  | { type: "failed"; message: string };

let capacity = 1 << 16;
let store: Pushes = allocate(capacity);
let count = 0;
let errors = 0;
let closed = 0;
/** The first few errors and close reasons, for the report. */
const messages: string[] = [];
const sockets: net.Socket[] = [];

function allocate(n: number): Pushes {
  return {
    user: new Int32Array(n),
    receivedAt: new Float64Array(n),
    cursorMs: new Float64Array(n),
    cursorSeq: new Int32Array(n),
    position: new Int32Array(n),
    estimatedWaitSeconds: new Int32Array(n),
    status: new Int8Array(n),
    admittedUntil: new Float64Array(n),
  };
}

function note(message: string) {
  if (messages.length < 10) messages.push(message.slice(0, 300));
}

function record(user: number, at: number, payload: any) {
  if (count === capacity) {
    capacity *= 2;
    const next = allocate(capacity);
    for (const key of Object.keys(store) as (keyof Pushes)[]) (next[key] as any).set(store[key]);
    store = next;
  }
  const ticket = payload?.data?.waitingRoomUpdates;
  const cursor = String(payload?.extensions?.cursor ?? "");
  const dash = cursor.indexOf("-");
  store.user[count] = user;
  store.receivedAt[count] = at;
  store.cursorMs[count] = dash > 0 ? Number(cursor.slice(0, dash)) : NaN;
  store.cursorSeq[count] = dash > 0 ? Number(cursor.slice(dash + 1)) : -1;
  store.position[count] = typeof ticket?.position === "number" ? ticket.position : -1;
  store.estimatedWaitSeconds[count] =
    typeof ticket?.estimatedWaitSeconds === "number" ? ticket.estimatedWaitSeconds : -1;
  store.status[count] = STATUSES.indexOf(ticket?.status);
  store.admittedUntil[count] = ticket?.admittedUntil ? Date.parse(ticket.admittedUntil) : NaN;
  count++;
}

/** One subscriber; resolves once its subscription is sent (after connection_ack). */
function subscriber(port: number, slotId: string, query: string, spec: SubscriberSpec): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const onMessage = (payload: Buffer, at: number) => {
      let message: { type: string; payload?: any };
      try {
        message = JSON.parse(payload.toString());
      } catch {
        errors++;
        note("unreadable message");
        return;
      }
      if (message.type === "next") {
        if (message.payload?.errors?.length) {
          errors++;
          note(JSON.stringify(message.payload.errors));
        }
        // The first push (the ticket as it is on subscribing) has no event behind it: only the
        // pushes of changes are timed.
        if (message.payload?.data?.waitingRoomUpdates && message.payload.extensions?.eventType)
          record(spec.user, at, message.payload);
      } else if (message.type === "connection_ack") {
        socket.write(text({ id: "1", type: "subscribe", payload: { query, variables: { slotId } } }));
        resolve(socket);
      } else if (message.type === "ping") socket.write(text({ type: "pong" }));
      else if (message.type === "error") {
        errors++;
        note(JSON.stringify(message.payload));
      } else if (message.type === "complete") note(`subscription of user ${spec.user} completed by the server`);
    };
    const socket = openRawWs(port, {
      connectionParams: { authorization: `Bearer ${spec.token}` },
      now: Date.now,
      onText: (data, start, end, at) => onMessage(data.subarray(start, end), at),
      onClose(code, reason) {
        closed++;
        note(`closed by the gateway: ${code} ${reason}`);
      },
      onRefused: reject,
      onError(error) {
        errors++;
        note(error.message);
        reject(error);
      },
    });
  });
}

const column = <K extends keyof Pushes>(key: K): Pushes[K] => store[key].slice(0, count) as Pushes[K];

async function handle(request: WaitingRoomWorkerRequest): Promise<WaitingRoomWorkerReply> {
  switch (request.type) {
    case "connect": {
      // 200 at a time (the server's accept backlog; each also runs a seed query at the gateway).
      let failed = 0;
      const failures: string[] = [];
      for (let i = 0; i < request.subscribers.length; i += 200) {
        const batch = request.subscribers.slice(i, i + 200);
        const opened = await Promise.allSettled(
          batch.map((spec) => subscriber(request.port, request.slotId, request.query, spec)),
        );
        for (const result of opened) {
          if (result.status === "fulfilled") sockets.push(result.value);
          else {
            failed++;
            if (failures.length < 5) failures.push((result.reason as Error).message);
          }
        }
      }
      return { type: "connected", connected: request.subscribers.length - failed, failed, failures };
    }
    case "count":
      return { type: "count", pushes: count, errors, closed, messages: [...messages] };
    case "collect": {
      const pushes: Pushes = {
        user: column("user"),
        receivedAt: column("receivedAt"),
        cursorMs: column("cursorMs"),
        cursorSeq: column("cursorSeq"),
        position: column("position"),
        estimatedWaitSeconds: column("estimatedWaitSeconds"),
        status: column("status"),
        admittedUntil: column("admittedUntil"),
      };
      return { type: "collected", pushes, errors, closed, messages: [...messages] };
    }
    case "close":
      for (const socket of sockets.splice(0)) socket.destroy();
      count = 0;
      errors = 0;
      closed = 0;
      messages.length = 0;
      return { type: "closed" };
  }
}

parentPort?.on("message", (request: WaitingRoomWorkerRequest) => {
  handle(request).then(
    (reply) =>
      parentPort!.postMessage(
        reply,
        reply.type === "collected"
          ? Object.values(reply.pushes).map((a) => (a as Int32Array).buffer as ArrayBuffer)
          : [],
      ),
    (error: Error) =>
      parentPort!.postMessage({ type: "failed", message: error.message } satisfies WaitingRoomWorkerReply),
  );
});
