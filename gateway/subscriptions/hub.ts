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
import type { LiveEvents } from "../../lib/messaging/live";
import type { Logger } from "../../lib/observability/logger";
import { liveVariables, planSubscription, type SubscriptionPlan } from "./plan";

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

/** Ids (bookings, zones) whose last payload a subscriber's duplicate check remembers. */
const MAX_REMEMBERED_PER_SUBSCRIBER = 100;

export class SlowSubscriberError extends Error {
  constructor() {
    super("The subscriber did not keep up with its updates");
  }
}

/** Receives a group's payloads; `json` is the payload serialised once for the whole group. */
export interface Sink {
  push(result: ExecutionResult, json: string): void;
}

interface Group {
  plan: SubscriptionPlan;
  auth: SubscriberAuth;
  /** Each subscriber, with the last payload it was sent for each id (see `onMessage`). */
  sinks: Map<Sink, Map<string, string>>;
  /** Events of a group are resolved one after the other, so its subscribers see them in order. */
  chain: Promise<void>;
}

/**
 * Fans live events out to subscribers. Subscribers whose payload is the same (same selection,
 * variables, channel and permission scope) form a group; for each event the group's payload is
 * resolved once and pushed to all of them. Channels are subscribed on the live-event bus only
 * while someone listens.
 */
export function createSubscriptionHub(deps: {
  live: LiveEvents | undefined;
  execute: QueryExecutor;
  logger: Logger;
  registry?: Registry;
}) {
  const { live, execute, logger } = deps;
  const groups = new Map<string, Group>();
  const channels = new Map<LiveChannel, { groups: Set<Group>; unsubscribe: Promise<() => Promise<void>> }>();
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
  };

  function onMessage(channel: LiveChannel, message: LiveMessage) {
    for (const group of channels.get(channel)?.groups ?? []) {
      const id = group.plan.route.idFor(group.plan.args, message);
      if (!id) continue;
      const deliver = async (): Promise<void> => {
        if (group.sinks.size === 0) return;
        metrics.resolutions.inc();
        const result = await execute(group.plan.query, liveVariables(group.plan, id), group.auth).catch((error) => {
          logger.warn("live update not resolved", { channel, error });
          return null;
        });
        if (!result) return;
        // Nothing to show (not visible any more, or the id is unknown): nothing is sent.
        if (!result.data?.[group.plan.responseKey] && !result.errors?.length) return;
        const payload: ExecutionResult = {
          data: result.data ? { [group.plan.responseKey]: result.data[group.plan.responseKey] ?? null } : null,
          ...(result.errors?.length ? { errors: asGraphQLErrors(result.errors) } : {}),
        };
        const json = JSON.stringify(payload);
        let delivered = 0;
        for (const [sink, lastSent] of group.sinks) {
          // The same state again (a change this selection does not show, e.g. a payment event
          // announced on the booking's channel for a subscriber that selects only `status`) is
          // not sent twice in a row to a subscriber.
          if (lastSent.get(id) === json) continue;
          lastSent.delete(id);
          lastSent.set(id, json);
          if (lastSent.size > MAX_REMEMBERED_PER_SUBSCRIBER) lastSent.delete(lastSent.keys().next().value!);
          sink.push(payload, json);
          delivered++;
        }
        metrics.delivered.inc(delivered);
        trace.getActiveSpan()?.setAttribute("live.delivered", delivered);
      };
      group.chain = group.chain.then(() => (tracingEnabled() ? traceDelivery(channel, message, deliver) : deliver()));
    }
  }

  async function join(plan: SubscriptionPlan, auth: SubscriberAuth, sink: Sink): Promise<() => void> {
    let group = groups.get(plan.key);
    if (!group) {
      // A public group is shared by every subscriber with the same selection, so its payloads are
      // fetched as nobody: fields that depend on the caller (Venue.contactEmail) are not passed
      // from the first subscriber to the others.
      const groupAuth: SubscriberAuth = plan.route.scope === "public" ? { principal: null, token: null } : auth;
      group = { plan, auth: groupAuth, sinks: new Map(), chain: Promise.resolve() };
      groups.set(plan.key, group);
      let entry = channels.get(plan.channel);
      if (!entry) {
        const unsubscribe = live
          ? live.subscribe(plan.channel, (message) => onMessage(plan.channel, message))
          : Promise.resolve(async () => {});
        entry = { groups: new Set(), unsubscribe };
        channels.set(plan.channel, entry);
      }
      entry.groups.add(group);
    }
    group.sinks.set(sink, new Map());
    const joined = group;
    const leave = () => {
      if (!joined.sinks.delete(sink)) return false;
      if (joined.sinks.size > 0) return true;
      groups.delete(plan.key);
      const entry = channels.get(plan.channel);
      entry?.groups.delete(joined);
      if (entry && entry.groups.size === 0) {
        channels.delete(plan.channel);
        void entry.unsubscribe.then((stop) => stop()).catch(() => {});
      }
      return true;
    };
    // Listening on the channel before the subscription counts as open: no event is missed after.
    const entry = channels.get(plan.channel);
    try {
      await entry?.unsubscribe;
    } catch (error) {
      // The bus could not be reached: nothing stays behind, and the next subscriber tries again.
      if (channels.get(plan.channel) === entry) channels.delete(plan.channel);
      for (const g of entry?.groups ?? []) groups.delete(g.plan.key);
      leave();
      throw new GraphQLError("Live updates are unavailable right now, please retry shortly", {
        extensions: { code: "SERVICE_UNAVAILABLE" },
        originalError: error as Error,
      });
    }
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
      const result = await execute(plan.query, liveVariables(plan, plan.route.authorizeId(plan.args)), auth);
      if (result.errors?.length) return { refusal: { errors: asGraphQLErrors(result.errors) } };
      if (!result.data?.[plan.responseKey])
        return { refusal: { errors: [new GraphQLError("Not found", { extensions: { code: "NOT_FOUND" } })] } };
      return { plan };
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
