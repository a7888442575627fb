import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * How the WebSocket transport writes messages (gateway/subscriptions/websocket.ts).
 *
 * `batched` (the default): a `next` message is framed once per event and subscription id, not
 * once per subscriber — the payload's bytes, the message around them and the WebSocket frame
 * header are built once and the same Buffer goes to every socket. The hub's loop over the
 * subscribers only queues; the queues are written out in slices of at most `SLICE_MS`, yielding
 * to the event loop between slices, so one event for 10,000 subscribers does not hold the
 * process (HTTP requests, the next event's resolution, the sockets' reads) for the whole
 * fan-out. A connection whose frames pile up while it waits for its turn gets them in one write:
 * when events come faster than a pass over every socket, each pass costs one syscall per
 * socket, not one per message.
 *
 * `inline`: the previous behaviour, kept to compare them (bench/subscriptions.ts): every message
 * is serialised and handed to ws (`socket.send`) for each subscriber inside the hub's loop.
 *
 * Both keep the order of every connection's messages (batched: acks, results, errors and
 * payloads all go through the connection's one queue) and bound what a connection may hold:
 * when its unsent bytes (queued here plus what the socket could not write yet) pass
 * `maxBufferedBytes`, `onSlow` is called (the transport closes it, 1013) and its queue is dropped.
 *
 * What a write costs is mostly the kernel's: on a 2-core VM over loopback ~10 µs of CPU per
 * socket write (TCP send and the receiver's side, which loopback runs in the sender's call), so
 * a gateway process writes at most ~100,000 frames/s; a burst beyond that is absorbed by the
 * coalescing above, at the price of latency.
 *
 * Frames are written to the upgraded TCP socket itself (the `request.socket` of the upgrade),
 * next to ws's own writes (pings, pongs, close frames). Without extensions ws writes each frame
 * synchronously and whole, so frames never interleave; permessage-deflate is therefore off
 * (websocket.ts), and a connection that negotiated an extension anyway is written through ws.
 */
export type FanoutMode = "batched" | "inline";

/** The longest a batch of writes holds the event loop before it yields (setImmediate). */
export const SLICE_MS = 2;
/** How many connections are written between two looks at the clock. */
const CLOCK_EVERY = 32;

export interface FanoutConnection {
  /** A message of the connection's own: connection_ack, pong, a query's result, error, complete. */
  send(message: string): void;
  /** The sender of subscription `id`'s `next` messages; it takes the payload's JSON. */
  subscription(id: string): (payloadJson: string) => void;
  /** The connection closed: whatever is still queued for it is dropped. */
  closed(): void;
}

interface Queue {
  socket: WebSocket;
  /** The TCP socket under `socket`, which frames are written to. */
  raw: Duplex;
  /** Its frames not written yet: the first, and any more that came before its turn. */
  first: Buffer | null;
  more: Buffer[] | null;
  bytes: number;
  /** The next connection with frames to write (a FIFO list through the connections). */
  next: Queue | null;
  listed: boolean;
}

/** An unmasked, final text frame holding `text` (RFC 6455 5.2; servers do not mask). */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  frame.write(text, header, "utf8");
  return frame;
}

const nextPrefix = (id: string) => `{"id":${JSON.stringify(id)},"type":"next","payload":`;

export function createFanout(options: {
  mode: FanoutMode;
  maxBufferedBytes: number;
  /** `socket` has more than `maxBufferedBytes` unsent: close it. */
  onSlow(socket: WebSocket, buffered: number): void;
}) {
  const { maxBufferedBytes, onSlow } = options;
  let head: Queue | null = null;
  let tail: Queue | null = null;
  let scheduled = false;

  // The frame last built for a `next` message: every subscriber of a group gets the same payload
  // JSON (the same string) one after the other, and most clients' subscription ids repeat ("1").
  let lastPrefix = "";
  let lastJson = "";
  let lastFrame: Buffer | null = null;
  function nextFrame(prefix: string, json: string): Buffer {
    if (lastFrame && json === lastJson && prefix === lastPrefix) return lastFrame;
    lastFrame = textFrame(prefix + json + "}");
    lastPrefix = prefix;
    lastJson = json;
    return lastFrame;
  }

  function drop(queue: Queue) {
    queue.first = null;
    queue.more = null;
    queue.bytes = 0;
  }

  function writeOut(queue: Queue) {
    const { first, more, socket, raw } = queue;
    if (!first) return;
    const data = more ? Buffer.concat([first, ...more], queue.bytes) : first;
    drop(queue);
    if (socket.readyState !== socket.OPEN || !raw.writable) return;
    raw.write(data);
  }

  function flush() {
    scheduled = false;
    const deadline = performance.now() + SLICE_MS;
    let written = 0;
    while (head) {
      const queue = head;
      head = queue.next;
      if (!head) tail = null;
      queue.next = null;
      queue.listed = false;
      writeOut(queue);
      if (++written % CLOCK_EVERY === 0 && performance.now() >= deadline) break;
    }
    if (head && !scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  function enqueue(queue: Queue, frame: Buffer) {
    const { socket } = queue;
    if (socket.readyState !== socket.OPEN) return;
    // What the socket holds (ws's bufferedAmount without its compression queue, unused here).
    const buffered = queue.raw.writableLength + queue.bytes;
    if (buffered > maxBufferedBytes) {
      drop(queue);
      onSlow(socket, buffered);
      return;
    }
    if (!queue.first) queue.first = frame;
    else (queue.more ??= []).push(frame);
    queue.bytes += frame.length;
    if (queue.listed) return;
    queue.listed = true;
    if (tail) tail.next = queue;
    else head = queue;
    tail = queue;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  /** The previous behaviour: serialised and sent through ws for every subscriber, right away. */
  function sendInline(socket: WebSocket, message: string) {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > maxBufferedBytes) return onSlow(socket, socket.bufferedAmount);
    socket.send(message);
  }

  return {
    /** `raw`: the TCP socket of the upgrade (`request.socket`), which ws writes to as well. */
    connect(socket: WebSocket, raw: Duplex): FanoutConnection {
      if (options.mode === "inline" || socket.extensions !== "") {
        return {
          send: (message) => sendInline(socket, message),
          subscription: (id) => (json) => sendInline(socket, `${nextPrefix(id)}${json}}`),
          closed() {},
        };
      }
      const queue: Queue = { socket, raw, first: null, more: null, bytes: 0, next: null, listed: false };
      return {
        send: (message) => enqueue(queue, textFrame(message)),
        subscription(id) {
          const prefix = nextPrefix(id);
          return (json) => enqueue(queue, nextFrame(prefix, json));
        },
        closed: () => drop(queue),
      };
    },
  };
}
export type Fanout = ReturnType<typeof createFanout>;
