import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { linkTo, SpanKind, tracingEnabled, withServiceSpan } from "../../lib/observability/tracing";
import {
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from "graphql";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Principal } from "../../lib/core/auth";
import type { LiveChannel, LiveMessage } from "../../lib/contracts/live";
import {
  CHANNEL_START,
  compareCursors,
  CursorExpiredError,
  InvalidCursorError,
  isCursor,
  type LiveEntry,
  type LiveEvents,
} from "../../lib/messaging/live";
import type { Logger } from "../../lib/observability/logger";
import { graphqlCjs } from "../../lib/graphql/graphql-cjs";
import { liveVariables, planSubscription, type SubscriptionPlan } from "./plan";
import { compileProjection, type Projection } from "./projection";

/** Who subscribed: the payload query runs with this identity. */
export interface SubscriberAuth {
  principal: Principal | null;
  token: string | null;
}

/**
 * Runs a query through the federated graph as `auth` (the gateway's own executor). `clientIp`
 * is given for operations a client sent over WebSocket or SSE, which are rate-limited like HTTP;
 * the hub's own executions (subscription payloads) pass none.
 */
export type QueryExecutor = (
  query: string,
  variables: Record<string, unknown>,
  auth: SubscriberAuth,
  clientIp?: string,
) => Promise<ExecutionResult>;

/** Transports serialise GraphQLError instances; the executor returns formatted (plain) errors. */
const asGraphQLErrors = (errors: readonly (GraphQLError | GraphQLFormattedError)[]) =>
  errors.map((e) =>
    e instanceof GraphQLError ? e : new GraphQLError(e.message, { path: e.path, extensions: e.extensions }),
  );

/** Messages a subscriber may have waiting; a reader that falls further behind is dropped. */
export const MAX_QUEUED_PER_SUBSCRIBER = 256;

export class SlowSubscriberError extends Error {
  constructor() {
    super("The subscriber did not keep up with its updates");
  }
}

/**
 * Receives a group's payloads; `json` is the payload serialised once for the whole group,
 * `cursor` where it stands in its channel (the transport remembers it for a reconnect).
 */
export interface Sink {
  push(result: ExecutionResult, json: string, cursor: string): void;
}

/** A payload resolved for a group, with the cursor of the entry it shows. */
interface Resolved {
  cursor: string;
  payload: ExecutionResult;
  json: string;
  /** The id it shows, and its `data` serialised: a subscriber is not sent the same data for an id twice in a row. */
  id: string;
  data: string;
}

interface SinkState {
  /** The newest cursor this subscriber was sent (or started after): nothing at or before it is sent again. */
  cursor: string;
  /**
   * The data last sent for each id. A live change whose payload is the same as the last one sent
   * (two events resolved after both happened, say a refund requested and then completed) is not
   * pushed again: it would tell the subscriber nothing.
   */
  sent?: Map<string, string>;
  /** While it catches up on missed entries, the group's live payloads wait here. */
  waiting: Resolved[] | null;
}

interface Group {
  plan: SubscriptionPlan;
  auth: SubscriberAuth;
  sinks: Map<Sink, SinkState>;
  /** Events of a group are resolved one after the other, so its subscribers see them in order. */
  chain: Promise<void>;
  /** Payloads resolved for catching up, kept a second: a crowd reconnecting together shares them. */
  replayed: Map<string, { at: number; resolved: Promise<Resolved | null> }>;
  /** A route with a local payload: the subscriber's seed, the parsed payload query, the last data pushed. */
  local?: {
    seed: Record<string, unknown>;
    document: DocumentNode;
    /** The selection as a plain projection, when it is simple enough (projection.ts). */
    project: Projection | null;
    lastData: string | null;
  };
}

/** How long a payload resolved for a catch-up is reused for other subscribers catching up. */
const REPLAY_REUSE_MS = 1_000;

interface ChannelEntry {
  groups: Set<Group>;
  /** Resolves once this gateway listens on the channel and knows its newest cursor. */
  ready: Promise<() => Promise<void>>;
  /** The newest cursor seen on the channel: a new subscriber without `after` starts after it. */
  latest: string;
}

/** How a resume failed, as the client is told. */
function resumeError(error: unknown): GraphQLError | null {
  if (error instanceof CursorExpiredError)
    return new GraphQLError(error.message, { extensions: { code: "CURSOR_EXPIRED" } });
  if (error instanceof InvalidCursorError)
    return new GraphQLError(error.message, { extensions: { code: "BAD_USER_INPUT", argumentName: "after" } });
  return null;
}

/** A subscription refused because live updates cannot be served now (clients retry). */
const liveUnavailable = (error: unknown) =>
  new GraphQLError("Live updates are unavailable right now, please retry shortly", {
    extensions: { code: "SERVICE_UNAVAILABLE" },
    originalError: error as Error,
  });

/**
 * Fans live events out to subscribers (README: Live updates). Subscribers whose payload is the
 * same (same selection, variables, channel and permission scope) form a group; for each entry
 * of the channel the group's payload is resolved once and pushed to all of them, with the
 * entry's cursor in `extensions.cursor`. A subscriber with `after` first gets what it missed
 * (read back from the channel's stream), then the live entries, with no gap and no repeat:
 * entries are delivered in cursor order and never at or before its last cursor.
 */
export function createSubscriptionHub(deps: {
  live: LiveEvents | undefined;
  execute: QueryExecutor;
  logger: Logger;
  registry?: Registry;
}) {
  const { live, execute, logger } = deps;
  const groups = new Map<string, Group>();
  const channels = new Map<LiveChannel, ChannelEntry>();
  const registry = deps.registry ? [deps.registry] : [];
  const metrics = {
    active: new Gauge({ name: "gateway_subscriptions_active", help: "Open subscriptions", registers: registry }),
    resolutions: new Counter({
      name: "gateway_subscription_resolutions_total",
      help: "Payloads resolved for live events (once per group of identical subscribers)",
      registers: registry,
    }),
    delivered: new Counter({
      name: "gateway_subscription_messages_total",
      help: "Payloads delivered to subscribers",
      registers: registry,
    }),
    replayed: new Counter({
      name: "gateway_subscription_replayed_total",
      help: "Missed payloads delivered to subscribers resuming with a cursor",
      registers: registry,
    }),
  };

  /** The subscriber's seed for a route with a local payload (null: it has none, e.g. never joined). */
  async function fetchSeed(plan: SubscriptionPlan, auth: SubscriberAuth): Promise<ExecutionResult> {
    const id = plan.route.authorizeId!(plan.args);
    return execute(plan.route.local!.seedQuery, { id }, auth);
  }

  /**
   * A local payload: computed from the entry and the group's seed (fetched again when it does not
   * say), then the subscription's selection applied to it here, with no subgraph call.
   */
  async function computeLocally(group: Group, id: string, entry: LiveEntry): Promise<ExecutionResult | null> {
    const local = group.local!;
    const route = group.plan.route.local!;
    let value = route.compute(local.seed, entry.message, Date.now());
    if (!value) {
      const fresh = await fetchSeed(group.plan, group.auth);
      const seed = fresh.data?.[group.plan.route.queryField];
      if (!seed || typeof seed !== "object") return null;
      local.seed = seed as Record<string, unknown>;
      value = route.compute(local.seed, entry.message, Date.now());
      if (!value) return null;
    }
    if (local.project) {
      try {
        const data = local.project(value);
        if (data) return { data };
      } catch {
        // A value the schema does not serialize: execute reports it as it would for anyone.
      }
    }
    // The gateway's schema is built by graphql's CommonJS copy (lib/graphql/graphql-cjs.ts).
    return graphqlCjs.execute({
      schema: group.plan.schema,
      document: local.document,
      rootValue: { [group.plan.route.queryField]: value },
      variableValues: liveVariables(group.plan, id),
    }) as ExecutionResult;
  }

  /** The group's payload for `id` as of `entry` (null: nothing to show, e.g. no longer visible). */
  async function resolve(group: Group, id: string, entry: LiveEntry): Promise<Resolved | null> {
    metrics.resolutions.inc();
    const result = await (
      group.local
        ? computeLocally(group, id, entry)
        : execute(group.plan.query, liveVariables(group.plan, id), group.auth)
    ).catch((error) => {
      logger.warn("live update not resolved", { channel: group.plan.channel, error });
      return null;
    });
    if (!result) return null;
    if (!result.data?.[group.plan.responseKey] && !result.errors?.length) return null;
    const payload: ExecutionResult = {
      data: result.data ? { [group.plan.responseKey]: result.data[group.plan.responseKey] ?? null } : null,
      ...(result.errors?.length ? { errors: asGraphQLErrors(result.errors) } : {}),
      extensions: { cursor: entry.cursor, eventType: entry.eventType },
    };
    return { cursor: entry.cursor, payload, json: JSON.stringify(payload), id, data: JSON.stringify(payload.data) };
  }

  function send(sink: Sink, state: SinkState, resolved: Resolved) {
    (state.sent ??= new Map()).set(resolved.id, resolved.data);
    sink.push(resolved.payload, resolved.json, resolved.cursor);
  }

  /** Sends `resolved` unless the subscriber already has it (or is still catching up: then it waits). */
  function offer(sink: Sink, state: SinkState, resolved: Resolved): boolean {
    if (state.waiting) {
      state.waiting.push(resolved);
      return false;
    }
    if (compareCursors(resolved.cursor, state.cursor) <= 0) return false;
    state.cursor = resolved.cursor;
    if (state.sent?.get(resolved.id) === resolved.data) return false;
    send(sink, state, resolved);
    return true;
  }

  function onEntry(channel: LiveChannel, entry: LiveEntry) {
    const channelEntry = channels.get(channel);
    if (!channelEntry) return;
    if (compareCursors(entry.cursor, channelEntry.latest) > 0) channelEntry.latest = entry.cursor;
    for (const group of channelEntry.groups) {
      const id = group.plan.route.idFor(group.plan.args, entry.message);
      if (!id) continue;
      const deliver = async (): Promise<void> => {
        if (group.sinks.size === 0) return;
        const resolved = await resolve(group, id, entry);
        if (!resolved) return;
        if (group.local) {
          // A room's change that leaves this ticket as it was (another user's admission, say) is not pushed.
          const data = JSON.stringify(resolved.payload.data);
          if (data === group.local.lastData) return;
          group.local.lastData = data;
        }
        let delivered = 0;
        for (const [sink, state] of group.sinks) if (offer(sink, state, resolved)) delivered++;
        metrics.delivered.inc(delivered);
        trace.getActiveSpan()?.setAttribute("live.delivered", delivered);
      };
      group.chain = group.chain.then(() =>
        tracingEnabled() ? traceDelivery(channel, entry.message, deliver) : deliver(),
      );
    }
  }

  /**
   * Sends a resuming subscriber what it missed after its cursor: every entry in order, each as
   * its payload is now; for a state-like field (availability), each changed id once, as it is now.
   */
  // Reads of the same channel after the same cursor that run together share one round trip.
  const reads = new Map<string, Promise<LiveEntry[]>>();
  function read(channel: LiveChannel, after: string): Promise<LiveEntry[]> {
    const key = `${channel}|${after}`;
    let pending = reads.get(key);
    if (!pending) {
      pending = live!.read(channel, after).finally(() => reads.delete(key));
      reads.set(key, pending);
    }
    return pending;
  }

  function resolveForReplay(group: Group, id: string, entry: LiveEntry): Promise<Resolved | null> {
    const key = `${id}|${entry.cursor}`;
    const now = Date.now();
    const kept = group.replayed.get(key);
    if (kept && now - kept.at < REPLAY_REUSE_MS) return kept.resolved;
    if (group.replayed.size >= 1_000) group.replayed.clear();
    const resolved = resolve(group, id, entry);
    group.replayed.set(key, { at: now, resolved });
    return resolved;
  }

  /**
   * A `startsWithCurrent` subscriber's first payload: its value now, read as the subscriber once
   * the channel is listened to (so every later change comes after it), at the channel's newest
   * cursor. Throws when it cannot be read: the subscription is then refused as unavailable (and
   * retried by the client), since going on without it could miss a change for good.
   */
  async function sendCurrent(plan: SubscriptionPlan, auth: SubscriberAuth, sink: Sink, state: SinkState) {
    if (!plan.route.authorizeId) return;
    const id = plan.route.authorizeId(plan.args);
    const result = await execute(plan.query, liveVariables(plan, id), auth);
    if (result.errors?.length) throw new Error(`current value not read: ${result.errors[0].message}`);
    const value = result.data?.[plan.responseKey];
    if (!value) return;
    const data = { [plan.responseKey]: value };
    const payload: ExecutionResult = { data, extensions: { cursor: state.cursor } };
    send(sink, state, { cursor: state.cursor, payload, json: JSON.stringify(payload), id, data: JSON.stringify(data) });
  }

  async function replay(group: Group, sink: Sink, state: SinkState) {
    let entries = await read(group.plan.channel, state.cursor);
    if (group.plan.route.stateLike) {
      const last = new Map<string, LiveEntry>();
      for (const entry of entries) {
        const id = group.plan.route.idFor(group.plan.args, entry.message);
        if (!id) continue;
        last.delete(id);
        last.set(id, entry);
      }
      entries = [...last.values()];
    }
    for (const entry of entries) {
      const id = group.plan.route.idFor(group.plan.args, entry.message);
      const resolved = id ? await resolveForReplay(group, id, entry) : null;
      if (!resolved || compareCursors(resolved.cursor, state.cursor) <= 0) continue;
      state.cursor = resolved.cursor;
      // Every missed change is sent when resuming, even one that looks like the one before.
      send(sink, state, resolved);
      metrics.replayed.inc();
    }
  }

  async function join(plan: SubscriptionPlan, auth: SubscriberAuth, sink: Sink): Promise<() => void> {
    const after = typeof plan.args.after === "string" ? plan.args.after : null;
    if (after !== null && !isCursor(after)) throw resumeError(new InvalidCursorError());
    let group = groups.get(plan.key);
    if (!group) {
      // A public group is shared by every subscriber with the same selection, so its payloads are
      // fetched as nobody: fields that depend on the caller (Venue.contactEmail) are not passed
      // from the first subscriber to the others.
      const groupAuth: SubscriberAuth = plan.route.scope === "public" ? { principal: null, token: null } : auth;
      group = { plan, auth: groupAuth, sinks: new Map(), chain: Promise.resolve(), replayed: new Map() };
      if (plan.route.local && plan.seed) {
        const document = graphqlCjs.parse(plan.query);
        group.local = { seed: plan.seed, document, project: compileProjection(plan.schema, document), lastData: null };
      }
      groups.set(plan.key, group);
      let entry = channels.get(plan.channel);
      if (!entry) {
        const created: ChannelEntry = { groups: new Set(), ready: null!, latest: CHANNEL_START };
        created.ready = live
          ? live
              .subscribe(plan.channel, (message) => onEntry(plan.channel, message))
              .then(async (stop) => {
                // Listening first, then asking for the newest cursor: nothing falls in between.
                const latest = await live.latest(plan.channel).catch(async (error) => {
                  await stop();
                  throw error;
                });
                if (compareCursors(latest, created.latest) > 0) created.latest = latest;
                return stop;
              })
          : Promise.resolve(async () => {});
        entry = created;
        channels.set(plan.channel, entry);
      }
      entry.groups.add(group);
    }
    const current = after === null && plan.route.startsWithCurrent === true;
    // While it catches up (missed entries, or its current value), the live payloads wait.
    const state: SinkState = { cursor: after ?? CHANNEL_START, waiting: after !== null || current ? [] : null };
    group.sinks.set(sink, state);
    const joined = group;
    const leave = () => {
      if (!joined.sinks.delete(sink)) return false;
      if (joined.sinks.size > 0) return true;
      groups.delete(plan.key);
      const entry = channels.get(plan.channel);
      entry?.groups.delete(joined);
      if (entry && entry.groups.size === 0) {
        channels.delete(plan.channel);
        void entry.ready.then((stop) => stop()).catch(() => {});
      }
      return true;
    };
    // Listening on the channel before the subscription counts as open: no event is missed after.
    const entry = channels.get(plan.channel)!;
    try {
      await entry.ready;
    } catch (error) {
      // The bus could not be reached: nothing stays behind, and the next subscriber tries again.
      if (channels.get(plan.channel) === entry) channels.delete(plan.channel);
      for (const g of entry.groups) groups.delete(g.plan.key);
      leave();
      throw liveUnavailable(error);
    }
    if (after === null) {
      // Live from here: what the channel had before this subscriber is not sent.
      if (compareCursors(entry.latest, state.cursor) > 0) state.cursor = entry.latest;
      if (current) {
        try {
          await sendCurrent(plan, auth, sink, state);
        } catch (error) {
          logger.warn("current value not resolved", { channel: plan.channel, error });
          leave();
          throw liveUnavailable(error);
        }
      }
    } else {
      try {
        if (live) await replay(joined, sink, state);
      } catch (error) {
        leave();
        throw resumeError(error) ?? liveUnavailable(error);
      }
    }
    // Caught up: the live payloads that came meanwhile, without those already sent.
    const waiting = state.waiting ?? [];
    state.waiting = null;
    for (const resolved of waiting) offer(sink, state, resolved);
    metrics.active.inc();
    return () => {
      if (leave()) metrics.active.dec();
    };
  }

  return {
    /**
     * The subscriber's stream of payloads. It ends with SlowSubscriberError when more than
     * MAX_QUEUED_PER_SUBSCRIBER payloads wait, and at `endsAt` (the token's expiry) if given.
     */
    async subscribe(
      plan: SubscriptionPlan,
      auth: SubscriberAuth,
      endsAt?: number,
    ): Promise<AsyncIterableIterator<ExecutionResult>> {
      const queue: ExecutionResult[] = [];
      let wake: (() => void) | null = null;
      let failure: Error | null = null;
      let done = false;
      const sink: Sink = {
        push(result) {
          if (done) return;
          if (queue.length >= MAX_QUEUED_PER_SUBSCRIBER) failure = new SlowSubscriberError();
          else queue.push(result);
          wake?.();
        },
      };
      const leave = await join(plan, auth, sink);
      const expiry =
        endsAt !== undefined
          ? setTimeout(
              () => {
                failure = new Error("The token expired; subscribe again with a new one");
                wake?.();
              },
              Math.max(0, endsAt - Date.now()),
            )
          : null;
      expiry?.unref();
      const finish = () => {
        if (done) return;
        done = true;
        leave();
        if (expiry) clearTimeout(expiry);
        wake?.();
      };
      // A plain iterator (not a generator), so a `return()` before the first `next()` still leaves the group.
      const iterator: AsyncIterableIterator<ExecutionResult> = {
        async next(): Promise<IteratorResult<ExecutionResult>> {
          for (;;) {
            if (failure) {
              const error = failure;
              failure = null;
              finish();
              throw error;
            }
            const next = queue.shift();
            if (next) return { value: next, done: false };
            if (done) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
          }
        },
        async return() {
          finish();
          return { value: undefined, done: true };
        },
        async throw(error: unknown) {
          finish();
          throw error;
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },

    /**
     * A push-style subscription for transports that write the serialised payload straight to a
     * socket (no per-subscriber serialisation or iterator). Returns how to leave.
     */
    async attach(plan: SubscriptionPlan, auth: SubscriberAuth, sink: Sink): Promise<() => void> {
      return join(plan, auth, sink);
    },

    /**
     * Plans a validated subscription for `auth`, or says why it is refused (a field that needs
     * sign-in; for a watched booking, the payload query run once as the subscriber must succeed).
     */
    async prepare(
      schema: GraphQLSchema,
      document: DocumentNode,
      operationName: string | null | undefined,
      variables: Record<string, unknown>,
      auth: SubscriberAuth,
    ): Promise<{ plan: SubscriptionPlan } | { refusal: ExecutionResult }> {
      let plan: SubscriptionPlan;
      try {
        plan = planSubscription(schema, document, operationName, variables, auth.principal);
      } catch (error) {
        if (error instanceof GraphQLError) return { refusal: { errors: [error] } };
        throw error;
      }
      if (!plan.route.authorizeId) return { plan };
      if (plan.route.local) {
        // The seed (e.g. the subscriber's waiting-room number) is also the authorization.
        const result = await fetchSeed(plan, auth);
        if (result.errors?.length) return { refusal: { errors: asGraphQLErrors(result.errors) } };
        const seed = result.data?.[plan.route.queryField];
        if (!seed || typeof seed !== "object")
          return {
            refusal: {
              errors: [new GraphQLError(plan.route.local.missingSeed, { extensions: { code: "NOT_FOUND" } })],
            },
          };
        return { plan: { ...plan, seed: seed as Record<string, unknown> } };
      }
      const result = await execute(plan.query, liveVariables(plan, plan.route.authorizeId(plan.args)), auth);
      if (result.errors?.length) return { refusal: { errors: asGraphQLErrors(result.errors) } };
      if (!result.data?.[plan.responseKey])
        return { refusal: { errors: [new GraphQLError("Not found", { extensions: { code: "NOT_FOUND" } })] } };
      return { plan };
    },

    /**
     * Keeps where closed connections' subscriptions stood (key → cursor), so that the same
     * subscription resubscribing on a new connection (a graphql-ws client retrying) resumes there.
     */
    async remember(cursors: ReadonlyMap<string, string>): Promise<void> {
      await live?.remember(cursors).catch((error) => logger.warn("resume points not kept", { error }));
    },
    async recall(key: string): Promise<string | null> {
      return (await live?.recall(key).catch(() => null)) ?? null;
    },

    stats: () => ({ groups: groups.size, channels: channels.size }),
  };
}
export type SubscriptionHub = ReturnType<typeof createSubscriptionHub>;

/** A span per live message resolved and pushed, linked to the change that caused it. */
function traceDelivery(channel: LiveChannel, message: LiveMessage, deliver: () => Promise<void>) {
  const kind = channel.split(":", 1)[0];
  return withServiceSpan(
    "gateway",
    `live ${kind}`,
    {
      parent: ROOT_CONTEXT,
      kind: SpanKind.CONSUMER,
      links: linkTo(typeof message.traceparent === "string" ? message.traceparent : null),
      attributes: { "messaging.destination.name": kind },
    },
    deliver,
  );
}
