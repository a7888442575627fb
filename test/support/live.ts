import { createClient as createSseClient, type Client as SseClient } from "graphql-sse";
import { createClient as createWsClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface LiveSubscription<T = Record<string, any>> {
  /** Every payload received so far (`data` of each `next`). */
  received: T[];
  /** The `extensions` of each payload with data, in the same order (the cursor, the event type). */
  extensions: { cursor?: string; eventType?: string }[];
  errors: unknown[];
  completed: boolean;
  /** Resolves with the first payload (already received or arriving) that matches. */
  next(match?: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
  close(): void;
}

function track<T>(
  start: (sink: {
    next(v: { data?: T | null; errors?: unknown[]; extensions?: Record<string, unknown> }): void;
    error(e: unknown): void;
    complete(): void;
  }) => () => void,
): LiveSubscription<T> {
  const received: T[] = [];
  const extensions: LiveSubscription<T>["extensions"] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  const state = { completed: false };
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const stop = start({
    next(value) {
      if (value.errors?.length) errors.push(...value.errors);
      if (value.data) {
        received.push(value.data);
        extensions.push((value.extensions ?? {}) as LiveSubscription<T>["extensions"][number]);
      }
      notify();
    },
    error(error) {
      // A WebSocket close arrives as a CloseEvent: keep its code and reason.
      const close = error as { code?: number; reason?: string };
      errors.push(typeof close?.code === "number" ? { code: close.code, reason: close.reason } : error);
      state.completed = true;
      notify();
    },
    complete() {
      state.completed = true;
      notify();
    },
  });
  return {
    received,
    extensions,
    errors,
    get completed() {
      return state.completed;
    },
    next(match = () => true, timeoutMs = 5_000) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = received.find(match);
          if (found) {
            cleanup();
            resolve(found);
          } else if (state.completed || errors.length) {
            cleanup();
            reject(new Error(`subscription ended: ${JSON.stringify(errors)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching payload within ${timeoutMs} ms; got ${JSON.stringify(received)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: stop,
  } as LiveSubscription<T>;
}

/** A real graphql-ws client over a real WebSocket (one connection per client). */
export function wsClient(url: string, token?: string, options: { lazy?: boolean } = {}): Client {
  return createWsClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    lazy: options.lazy ?? true,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
}

export function subscribeWs<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): LiveSubscription<T> {
  return track<T>((sink) => client.subscribe<T>({ query, variables }, sink as never));
}

/** A real graphql-sse client (distinct connections mode) over fetch. */
export function subscribeSse<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): LiveSubscription<T> {
  const client = createSseClient({
    url,
    retryAttempts: 0,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return track<T>((sink) => {
    const stop = client.subscribe<T>({ query, variables }, sink as never);
    return () => {
      stop();
      client.dispose();
    };
  });
}

/**
 * A real graphql-sse client in single connection mode: one event stream (PUT, then GET) carries
 * all of its operations. `requests` lists what it sent, as "METHOD status".
 */
export function sseSingleConnectionClient(
  url: string,
  token?: string,
): { client: SseClient<true>; requests: string[] } {
  const requests: string[] = [];
  const client = createSseClient({
    url,
    singleConnection: true,
    retryAttempts: 0,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    fetchFn: async (input: string, init?: RequestInit) => {
      const response = await fetch(input, init);
      requests.push(`${init?.method ?? "GET"} ${response.status}`);
      return response;
    },
  });
  return { client, requests };
}

/** A subscription on a graphql-sse client; `close()` stops it, the client stays. */
export function subscribeOn<T = Record<string, any>>(
  client: SseClient<boolean>,
  query: string,
  variables: Record<string, unknown> = {},
): LiveSubscription<T> {
  return track<T>((sink) => client.subscribe<T>({ query, variables }, sink as never));
}
