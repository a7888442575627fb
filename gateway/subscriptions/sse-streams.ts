import { randomUUID } from "node:crypto";

/** Event streams (reserved or open) one client may hold: a signed-in user, or an anonymous address. */
export const MAX_STREAMS_PER_CLIENT = 10;
/** A reservation nobody connects to within this time is dropped, with any operation waiting on it. */
export const RESERVATION_TTL_MS = 30_000;

/** An event stream of graphql-sse's single connection mode, as the gateway tracks it. */
export interface EventStream {
  /** The stream token the client names it by: random, hard to guess. */
  readonly token: string;
  /** The user who reserved it (null: anonymous); every request naming the stream must be theirs. */
  readonly owner: string | null;
  /** Its event stream (the GET) is open; a stream is connected at most once. */
  connected: boolean;
  /** It was released: an operation still starting on it must not stay behind. */
  closed: boolean;
  /** Subscriptions running on it. */
  subscriptions: number;
}

interface Tracked extends EventStream {
  client: string;
  expiry: NodeJS.Timeout | null;
}

/**
 * The single connection mode's reservations (`PUT`), bounded: at most `maxPerClient` per client,
 * and a reservation not connected within `ttlMs` is released and handed to `onExpired` (which
 * has graphql-sse drop its side of it).
 */
export function createEventStreams(options: {
  maxPerClient?: number;
  ttlMs?: number;
  onExpired: (stream: EventStream) => void;
}) {
  const maxPerClient = options.maxPerClient ?? MAX_STREAMS_PER_CLIENT;
  const ttlMs = options.ttlMs ?? RESERVATION_TTL_MS;
  const streams = new Map<string, Tracked>();
  const perClient = new Map<string, number>();

  function release(token: string): void {
    const stream = streams.get(token);
    if (!stream) return;
    streams.delete(token);
    stream.closed = true;
    if (stream.expiry) clearTimeout(stream.expiry);
    const held = (perClient.get(stream.client) ?? 1) - 1;
    if (held > 0) perClient.set(stream.client, held);
    else perClient.delete(stream.client);
  }

  return {
    maxPerClient,
    /** A new stream of `owner`, counted against `client`; null when `client` holds its maximum. */
    reserve(owner: string | null, client: string): EventStream | null {
      const held = perClient.get(client) ?? 0;
      if (held >= maxPerClient) return null;
      perClient.set(client, held + 1);
      const stream: Tracked = {
        token: randomUUID(),
        owner,
        connected: false,
        closed: false,
        subscriptions: 0,
        client,
        expiry: null,
      };
      stream.expiry = setTimeout(() => {
        release(stream.token);
        options.onExpired(stream);
      }, ttlMs);
      stream.expiry.unref();
      streams.set(stream.token, stream);
      return stream;
    },
    get: (token: string): EventStream | undefined => streams.get(token),
    /** Marks the stream open: its reservation no longer expires. False when it is open already. */
    connect(stream: EventStream): boolean {
      const tracked = streams.get(stream.token);
      if (!tracked || tracked.connected) return false;
      tracked.connected = true;
      if (tracked.expiry) clearTimeout(tracked.expiry);
      tracked.expiry = null;
      return true;
    },
    release,
  };
}
