/**
 * The subscribers of bench/subscriptions.ts, in a worker thread of their own: raw
 * graphql-transport-ws connections (bench/raw-ws.ts). In its own thread the receiving neither
 * delays the reservations the main thread sends nor is delayed by them. The load generator still
 * shares the machine's cores with the platform: the bench reports its CPU beside the platform's.
 *
 * Messages from the main thread: `connect` (open `count` subscribers of `slotId`), `count`
 * (payloads received so far), `collect` (latencies against the reservations' send times),
 * `close`. Times are `process.hrtime` milliseconds, the same clock in every thread.
 */
import net from "node:net";
import { parentPort } from "node:worker_threads";
import { openRawWs, text } from "./raw-ws";

const hrNow = () => Number(process.hrtime.bigint()) / 1e6;

export type WorkerRequest =
  | { type: "connect"; port: number; slotId: string; query: string; count: number }
  | { type: "count" }
  | { type: "collect"; sentAt: [number, number][] }
  | { type: "close" };

export type WorkerReply =
  | { type: "connected" }
  | { type: "count"; delivered: number; closed: number; errors: number }
  | {
      type: "collected";
      latencies: Float64Array;
      delivered: number;
      /** Per event (its `available`) in `sentAt`: payloads received, the first and the last one's time. */
      perEvent: [number, { n: number; first: number; last: number }][];
      lastAt: number;
      unexpected: number;
    }
  | { type: "closed" }
  | { type: "failed"; message: string };

const NEXT_PREFIX = Buffer.from('{"id":"1","type":"next","payload":{"data":{"availabilityChanged":');
const AVAILABLE = Buffer.from('"available":');

// What this thread received: the `available` of each payload and when it arrived.
let capacity = 1 << 16;
let availables = new Int32Array(capacity);
let times = new Float64Array(capacity);
let delivered = 0;
let unexpected = 0;
let closed = 0;
let errors = 0;
const sockets: net.Socket[] = [];

function record(available: number, at: number) {
  if (delivered === capacity) {
    capacity *= 2;
    const a = new Int32Array(capacity);
    a.set(availables);
    availables = a;
    const t = new Float64Array(capacity);
    t.set(times);
    times = t;
  }
  availables[delivered] = available;
  times[delivered++] = at;
}

/** One subscriber; resolves once its subscription is sent (after connection_ack). */
function subscriber(port: number, slotId: string, query: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const control = (payload: Buffer) => {
      const message = JSON.parse(payload.toString()) as { type: string; payload?: any };
      if (message.type === "connection_ack") {
        socket.write(text({ id: "1", type: "subscribe", payload: { query, variables: { slotId } } }));
        resolve(socket);
      } else if (message.type === "ping") socket.write(text({ type: "pong" }));
      else if (message.type === "next" && typeof message.payload?.data?.availabilityChanged?.available === "number")
        record(message.payload.data.availabilityChanged.available, hrNow());
      else unexpected++;
    };
    const socket = openRawWs(port, {
      connectionParams: {},
      now: hrNow,
      onText(data, start, end, at) {
        // The hot path: a payload, read without parsing the whole message.
        const length = end - start;
        const found =
          length > NEXT_PREFIX.length &&
          data.compare(NEXT_PREFIX, 0, NEXT_PREFIX.length, start, start + NEXT_PREFIX.length) === 0
            ? data.indexOf(AVAILABLE, start + NEXT_PREFIX.length)
            : -1;
        let i = found + AVAILABLE.length;
        let value = 0;
        for (; found >= 0 && i < end && data[i] >= 48 && data[i] <= 57; i++) value = value * 10 + data[i] - 48;
        if (found >= 0 && i < end && i > found + AVAILABLE.length) record(value, at);
        else control(data.subarray(start, end));
      },
      onClose: () => closed++,
      onRefused: reject,
      onError(error) {
        errors++;
        reject(error);
      },
    });
  });
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.type) {
    case "connect":
      // 250 at a time: the server's accept backlog.
      for (let i = 0; i < request.count; i += 250) {
        sockets.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(250, request.count - i) }, () =>
              subscriber(request.port, request.slotId, request.query),
            ),
          )),
        );
      }
      return { type: "connected" };
    case "count":
      return { type: "count", delivered, closed, errors };
    case "collect": {
      const sentAt = new Map(request.sentAt);
      const perEvent = new Map<number, { n: number; first: number; last: number }>();
      const latencies = new Float64Array(delivered);
      let n = 0;
      let lastAt = 0;
      for (let i = 0; i < delivered; i++) {
        const sent = sentAt.get(availables[i]);
        if (times[i] > lastAt) lastAt = times[i];
        if (sent === undefined) continue;
        latencies[n++] = times[i] - sent;
        const event = perEvent.get(availables[i]);
        if (!event) perEvent.set(availables[i], { n: 1, first: times[i], last: times[i] });
        else {
          event.n++;
          event.first = Math.min(event.first, times[i]);
          event.last = Math.max(event.last, times[i]);
        }
      }
      const reply: WorkerReply = {
        type: "collected",
        latencies: latencies.slice(0, n),
        delivered,
        perEvent: [...perEvent],
        lastAt,
        unexpected,
      };
      delivered = 0;
      unexpected = 0;
      return reply;
    }
    case "close":
      for (const socket of sockets.splice(0)) socket.destroy();
      closed = 0;
      errors = 0;
      return { type: "closed" };
  }
}

parentPort?.on("message", (request: WorkerRequest) => {
  handle(request).then(
    (reply) =>
      parentPort!.postMessage(reply, reply.type === "collected" ? [reply.latencies.buffer as ArrayBuffer] : []),
    (error: Error) => parentPort!.postMessage({ type: "failed", message: error.message } satisfies WorkerReply),
  );
});
