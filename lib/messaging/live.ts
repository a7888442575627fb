import { EventEmitter } from "node:events";
import type { Redis } from "ioredis";
import type { LiveChannel, LiveDelivery, LiveKind, LiveMessage } from "../contracts/live";
import type { Logger } from "../observability/logger";

/**
 * Live updates for subscriptions (README: Live updates). The outbox relay appends the live
 * messages of every event it published (lib/contracts/live.ts `liveMessagesOf`) to a stream per
 * channel and pushes them to the gateways listening; each entry's position in its channel's
 * stream is its *cursor*, which a subscriber passes back (`after`) to resume where it stopped.
 */
export interface LiveEntry<K extends LiveKind = LiveKind> {
  /** The entry's position in its channel (`<ms>-<seq>`, increasing). */
  cursor: string;
  /** The event behind it, at most one entry per channel and event id. */
  eventId: string;
  eventType: string;
  message: LiveMessage<K>;
}

/** One published event and the live messages it stands for. */
export interface LiveAppend {
  eventId: string;
  eventType: string;
  /** The span of the change behind it (tracing on): the gateway's delivery span links to it. */
  traceparent: string | null;
  deliveries: LiveDelivery[];
}

export interface LiveEvents {
  /**
   * Appends and pushes each event's messages, once per event id: an event appended again (the
   * relay retrying a batch) changes nothing. All of a call's events or none are appended.
   */
  append(events: readonly LiveAppend[]): Promise<void>;
  /** Calls `handler` for every entry appended to `channel` from now on, until the returned function is called. */
  subscribe<K extends LiveKind>(
    channel: LiveChannel<K>,
    handler: (entry: LiveEntry<K>) => void,
  ): Promise<() => Promise<void>>;
  /**
   * The channel's entries after `cursor`, oldest first (at most LIVE_RETENTION.entries); throws
   * CursorExpiredError when some of them are no longer kept.
   */
  read<K extends LiveKind>(channel: LiveChannel<K>, after: string): Promise<LiveEntry<K>[]>;
  /** The channel's newest cursor, or the start of the channel when nothing is kept. */
  latest(channel: LiveChannel): Promise<string>;
  /** Keeps a cursor under `key` for LIVE_RETENTION.resumeSeconds (a closed connection's subscriptions). */
  remember(entries: ReadonlyMap<string, string>): Promise<void>;
  recall(key: string): Promise<string | null>;
  close(): Promise<void>;
}

/**
 * How long missed events can be caught up: the last 10,000 entries of a channel (up to 100 more
 * before they are trimmed), at most 24 hours
 * old (a busy slot's availability reaches 10,000 changes first; a booking never does). A
 * connection's resume point is kept for 10 minutes after it closed.
 */
export const LIVE_RETENTION = { entries: 10_000, seconds: 86_400, resumeSeconds: 600 } as const;

/** The start of every channel: resuming after it replays everything kept. */
export const CHANNEL_START = "0-0";

/** A cursor that is not one of ours, or one older than what is kept (the client refetches). */
export class CursorExpiredError extends Error {
  constructor() {
    super("Events after this cursor are no longer kept: fetch the current state and subscribe without `after`");
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super("`after` is not a cursor this API gave out");
  }
}

const CURSOR = /^(\d{1,15})-(\d{1,15})$/;

/** Cursor order: negative when `a` comes first. Both must be valid cursors. */
export function compareCursors(a: string, b: string): number {
  const [am, as] = a.split("-").map(Number);
  const [bm, bs] = b.split("-").map(Number);
  return am - bm || as - bs;
}

export const isCursor = (value: string) => CURSOR.test(value);

export function checkCursor(cursor: string): string {
  if (!isCursor(cursor)) throw new InvalidCursorError();
  return cursor;
}

/** What an entry keeps besides its cursor (its stream field, and the body of its push). */
const entryOf = (event: LiveAppend, delivery: LiveDelivery): Omit<LiveEntry, "cursor"> => ({
  eventId: event.eventId,
  eventType: event.eventType,
  message: event.traceparent ? { ...delivery.message, traceparent: event.traceparent } : delivery.message,
});
const entryBody = (event: LiveAppend, delivery: LiveDelivery) => JSON.stringify(entryOf(event, delivery));

/**
 * One round trip per batch: per event, a dedup key (kept as long as entries are); per delivery,
 * XADD to the channel's stream (expiring after the retention) and PUBLISH of the entry with its
 * cursor. A script runs atomically, so a retried batch finds every event of it either appended or
 * not at all. Trimming is done here rather than by XADD's MAXLEN so that the last trimmed id is
 * known (`trimmed:<channel>`: a cursor before it has missed entries; Redis 7.0 does not record
 * it for trims), 100 entries at a time. Keys derive from the prefix (one Redis, not a cluster).
 */
const APPEND_SCRIPT = `
local prefix, ttl, maxlen = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local appended = 0
local i = 4
while i <= #ARGV do
  local eventId, count = ARGV[i], tonumber(ARGV[i + 1])
  local fresh = redis.call('SET', prefix .. 'seen:' .. eventId, '1', 'NX', 'EX', ttl)
  for j = 0, count - 1 do
    local channel, body = ARGV[i + 2 + j * 2], ARGV[i + 3 + j * 2]
    if fresh then
      local stream = prefix .. 'stream:' .. channel
      local id = redis.call('XADD', stream, '*', 'e', body)
      redis.call('EXPIRE', stream, ttl)
      local length = redis.call('XLEN', stream)
      if length > maxlen + 100 then
        local old = redis.call('XRANGE', stream, '-', '+', 'COUNT', length - maxlen + 1)
        redis.call('XTRIM', stream, 'MINID', old[#old][1])
        redis.call('SET', prefix .. 'trimmed:' .. channel, old[#old - 1][1], 'EX', ttl)
      end
      redis.call('PUBLISH', prefix .. channel, '{"cursor":"' .. id .. '",' .. string.sub(body, 2))
      appended = appended + 1
    end
  end
  i = i + 2 + count * 2
end
return appended
`;

/** Whether a channel with no stream kept anything after `after`: not if `after` is within the retention. */
const olderThanRetention = (after: string) =>
  after !== CHANNEL_START && Number(after.split("-")[0]) < Date.now() - LIVE_RETENTION.seconds * 1000;

/**
 * Redis: a stream per channel under `<prefix>:live:stream:`, pub/sub under `<prefix>:live:`.
 * Subscribing uses one extra connection per process (a subscribed connection can do nothing else).
 */
export function createRedisLiveEvents(redis: Redis, prefix: string, logger: Logger): LiveEvents {
  const base = `${prefix}:live:`;
  let subscriber: Redis | null = null;
  const handlers = new Map<string, Set<(entry: LiveEntry) => void>>();
  redis.defineCommand("liveAppend", { numberOfKeys: 0, lua: APPEND_SCRIPT });
  function connection(): Redis {
    if (subscriber) return subscriber;
    subscriber = redis.duplicate({ connectionName: "live-subscriber", commandTimeout: undefined });
    subscriber.on("error", () => {});
    subscriber.on("message", (channel: string, raw: string) => {
      const set = handlers.get(channel.slice(base.length));
      if (!set) return;
      let entry: LiveEntry;
      try {
        entry = JSON.parse(raw) as LiveEntry;
      } catch {
        logger.warn("unreadable live message", { channel });
        return;
      }
      for (const handler of set) handler(entry);
    });
    return subscriber;
  }
  const streamEntryOf = ([cursor, fields]: [string, string[]]): LiveEntry => ({
    cursor,
    ...(JSON.parse(fields[1]) as Omit<LiveEntry, "cursor">),
  });
  return {
    async append(events) {
      const args: (string | number)[] = [base, LIVE_RETENTION.seconds, LIVE_RETENTION.entries];
      for (const event of events) {
        if (event.deliveries.length === 0) continue;
        args.push(event.eventId, event.deliveries.length);
        for (const delivery of event.deliveries) args.push(delivery.channel, entryBody(event, delivery));
      }
      if (args.length === 3) return;
      await (redis as unknown as { liveAppend(...args: (string | number)[]): Promise<number> }).liveAppend(...args);
    },
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await connection().subscribe(base + channel);
      }
      // Entries on a channel are of the channel's kind.
      const listener = handler as (entry: LiveEntry) => void;
      set.add(listener);
      return async () => {
        set!.delete(listener);
        if (set!.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          await subscriber?.unsubscribe(base + channel).catch(() => {});
        }
      };
    },
    async read(channel, after) {
      checkCursor(after);
      const stream = `${base}stream:${channel}`;
      const [[, trimmed], [, exists], [rangeError, range]] = (await redis
        .multi()
        .get(`${base}trimmed:${channel}`)
        .exists(stream)
        .xrange(stream, `(${after}`, "+", "COUNT", LIVE_RETENTION.entries + 100)
        .exec()) as [Error | null, unknown][];
      if (rangeError) throw rangeError;
      // Entries after the cursor were trimmed away, or nothing is kept and the cursor is too old to tell.
      if (typeof trimmed === "string" && compareCursors(trimmed, after) > 0) throw new CursorExpiredError();
      if (!exists && olderThanRetention(after)) throw new CursorExpiredError();
      return (range as [string, string[]][]).map(streamEntryOf) as LiveEntry<never>[];
    },
    async latest(channel) {
      const [last] = (await redis.xrevrange(`${base}stream:${channel}`, "+", "-", "COUNT", 1)) as [string, string[]][];
      return last?.[0] ?? CHANNEL_START;
    },
    async remember(entries) {
      if (entries.size === 0) return;
      const pipeline = redis.pipeline();
      for (const [key, cursor] of entries)
        pipeline.set(`${base}resume:${key}`, cursor, "EX", LIVE_RETENTION.resumeSeconds);
      await pipeline.exec();
    },
    async recall(key) {
      return redis.get(`${base}resume:${key}`);
    },
    async close() {
      handlers.clear();
      subscriber?.disconnect();
    },
  };
}

/**
 * In-process live updates for the embedded platform (one process serves everything): the same
 * streams, retention and cursors as Redis, kept in memory.
 */
export function createMemoryLiveEvents(): LiveEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const streams = new Map<string, { entries: LiveEntry[]; maxDeleted: string; expiresAt: number }>();
  const seen = new Map<string, number>();
  const resume = new Map<string, { cursor: string; until: number }>();
  let lastMs = 0;
  let seq = 0;
  const nextCursor = () => {
    const now = Date.now();
    if (now > lastMs) {
      lastMs = now;
      seq = 0;
    } else seq++;
    return `${lastMs}-${seq}`;
  };
  const live = (channel: string) => {
    const stream = streams.get(channel);
    if (stream && stream.expiresAt <= Date.now()) streams.delete(channel);
    return streams.get(channel);
  };
  return {
    async append(events) {
      const now = Date.now();
      for (const [id, until] of seen) if (until <= now) seen.delete(id);
      const published: [string, LiveEntry][] = [];
      for (const event of events) {
        if (event.deliveries.length === 0 || seen.has(event.eventId)) continue;
        seen.set(event.eventId, now + LIVE_RETENTION.seconds * 1000);
        for (const delivery of event.deliveries) {
          const entry = {
            cursor: nextCursor(),
            ...entryOf(event, delivery),
          };
          const stream = live(delivery.channel) ?? { entries: [], maxDeleted: CHANNEL_START, expiresAt: 0 };
          stream.entries.push(entry);
          if (stream.entries.length > LIVE_RETENTION.entries) stream.maxDeleted = stream.entries.shift()!.cursor;
          stream.expiresAt = now + LIVE_RETENTION.seconds * 1000;
          streams.set(delivery.channel, stream);
          published.push([delivery.channel, entry]);
        }
      }
      // Delivered asynchronously, like Redis: the publisher never runs subscribers' work.
      if (published.length) setImmediate(() => published.forEach(([channel, entry]) => emitter.emit(channel, entry)));
    },
    async subscribe(channel, handler) {
      emitter.on(channel, handler);
      return async () => {
        emitter.off(channel, handler);
      };
    },
    async read(channel, after) {
      checkCursor(after);
      const stream = live(channel);
      if (!stream) {
        if (olderThanRetention(after)) throw new CursorExpiredError();
        return [];
      }
      if (compareCursors(stream.maxDeleted, after) > 0) throw new CursorExpiredError();
      return stream.entries.filter((entry) => compareCursors(entry.cursor, after) > 0) as LiveEntry<never>[];
    },
    async latest(channel) {
      return live(channel)?.entries.at(-1)?.cursor ?? CHANNEL_START;
    },
    async remember(entries) {
      const until = Date.now() + LIVE_RETENTION.resumeSeconds * 1000;
      for (const [key, cursor] of entries) resume.set(key, { cursor, until });
      for (const [key, kept] of resume) if (kept.until <= Date.now()) resume.delete(key);
    },
    async recall(key) {
      const kept = resume.get(key);
      return kept && kept.until > Date.now() ? kept.cursor : null;
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
