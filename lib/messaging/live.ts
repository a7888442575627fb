import { EventEmitter } from "node:events";
import type { Redis } from "ioredis";
import type { LiveChannel, LiveKind, LiveMessage, LiveMessages } from "../contracts/live";
import type { Logger } from "../observability/logger";
import { currentTraceparent } from "../observability/tracing";

/**
 * With tracing on, a live message names the span of the change behind it (`traceparent`), and
 * the gateway's delivery span links to it.
 */
function traced<K extends LiveKind>(message: LiveMessages[K]): LiveMessage<K> {
  const traceparent = currentTraceparent();
  return traceparent ? { ...message, traceparent } : message;
}

/**
 * Live updates for subscriptions (README: Live updates): services publish a small message on a
 * channel (lib/contracts/live.ts: `availability:<slotId>`, `booking:<id>`, `user-bookings:<userId>`,
 * `user-notifications:<userId>`) after their transaction committed; every gateway subscribes to
 * the channels its subscribers need and resolves the payload itself.
 */
export interface LiveEvents {
  publish<K extends LiveKind>(channel: LiveChannel<K>, message: LiveMessages[K]): Promise<void>;
  /** Calls `handler` for every message on `channel` until the returned function is called. */
  subscribe<K extends LiveKind>(
    channel: LiveChannel<K>,
    handler: (message: LiveMessage<K>) => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Redis pub/sub under `<prefix>:live:`. Publishing uses the given connection; subscribing uses
 * one extra connection per process (a subscribed connection can do nothing else). A publish that
 * fails is logged and dropped: live updates are best effort, the data itself is committed.
 */
export function createRedisLiveEvents(redis: Redis, prefix: string, logger: Logger): LiveEvents {
  const base = `${prefix}:live:`;
  let subscriber: Redis | null = null;
  const handlers = new Map<string, Set<(message: LiveMessage) => void>>();
  function connection(): Redis {
    if (subscriber) return subscriber;
    subscriber = redis.duplicate({ connectionName: "live-subscriber", commandTimeout: undefined });
    subscriber.on("error", () => {});
    subscriber.on("message", (channel: string, raw: string) => {
      const set = handlers.get(channel.slice(base.length));
      if (!set) return;
      let message: LiveMessage;
      try {
        message = JSON.parse(raw) as LiveMessage;
      } catch {
        return;
      }
      for (const handler of set) handler(message);
    });
    return subscriber;
  }
  return {
    async publish(channel, message) {
      await redis
        .publish(base + channel, JSON.stringify(traced(message)))
        .catch((error) => logger.warn("live update not published", { channel, error }));
    },
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await connection().subscribe(base + channel);
      }
      // Messages on a channel are of the channel's kind.
      const listener = handler as (message: LiveMessage) => void;
      set.add(listener);
      return async () => {
        set!.delete(listener);
        if (set!.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          await subscriber?.unsubscribe(base + channel).catch(() => {});
        }
      };
    },
    async close() {
      handlers.clear();
      subscriber?.disconnect();
    },
  };
}

/** In-process live updates for the embedded platform (one process serves everything). */
export function createMemoryLiveEvents(): LiveEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(channel, message) {
      // Delivered asynchronously, like Redis: the publisher never runs subscribers' work.
      const sent = traced(message);
      setImmediate(() => emitter.emit(channel, sent));
    },
    async subscribe(channel, handler) {
      emitter.on(channel, handler);
      return async () => {
        emitter.off(channel, handler);
      };
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
