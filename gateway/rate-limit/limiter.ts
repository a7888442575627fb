import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from "graphql";
import { GraphQLError } from "graphql";
import type { Principal } from "../../lib/core/auth";
import type { Logger } from "../../lib/observability/logger";
import { graphqlCjs } from "../../lib/graphql/graphql-cjs";
import { clientIp, limitSubject, trustedProxies, type TrustedProxies } from "./client-ip";
import { createMemoryRateLimitStore, type Charge, type HeldBooking, type RateLimitStore } from "./store";

/** A token bucket class (seed 003 §6.1): sustained rate per minute, and burst (bucket size). */
export interface BucketClass {
  perMinute: number;
  burst: number;
}

export interface RateLimitConfig {
  /** Off: no bucket and no held-seat cap (load tests from one machine). Never off in production. */
  enabled: boolean;
  /** Every request (query, mutation, subscription start). */
  general: BucketClass;
  /** `reserveSeats` fields, on top of the general class. */
  reservation: BucketClass;
  /** Per-IP buckets are the per-user class × this (several users may share one address behind NAT). */
  ipFactor: number;
  /** Seats one IP may hold unpaid at once through this edge; 0 turns the cap off. */
  ipMaxHeldSeats: number;
  /** How long a hold lasts when the answer does not say (`Booking.expiresAt` not selected). */
  holdTtlSeconds: number;
  /** Peers whose `X-Forwarded-For` is believed: IPs, CIDR ranges, `loopback`, `private`. */
  trustedProxies: string[];
}

/** The operations that change how many seats an IP holds. */
const RESERVE = "reserveSeats";
/** `updateBooking` with a `quantity` resizes a hold: it counts like a reservation. */
const RESIZE = "updateBooking";
const FREEING = new Set(["cancelBooking", "payBooking"]);

/** The context the limiter needs; `clientIp` absent = the gateway's own execution, never limited. */
interface LimitedContext {
  principal: Principal | null;
  clientIp?: string;
  requestId: string;
  logger: Logger;
}

export interface RateLimiter {
  /** The client's address for this request (socket, or X-Forwarded-For behind a trusted proxy). */
  clientIp(req: Pick<IncomingMessage, "headers" | "socket">): string;
  /** General-class admission of a subscription (WebSocket/SSE): null, or the RATE_LIMITED error. */
  admit(principal: Principal | null, ip: string): Promise<GraphQLError | null>;
  /** Apollo plugin: refuses over-limit queries and mutations before any subgraph is called. */
  plugin<T extends LimitedContext>(): ApolloServerPlugin<T>;
}

/**
 * A refused request: `RATE_LIMITED`, the delay in `extensions.retryAfterSeconds`, and on HTTP
 * status 429 with `Retry-After` (Apollo moves `extensions.http` onto the response).
 */
export function rateLimited(
  message: string,
  retryAfterMs: number,
  details: Record<string, unknown> = {},
  options: { http?: boolean } = {},
) {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const http = { status: 429, headers: new HeaderMap([["retry-after", String(retryAfterSeconds)]]) };
  return new GraphQLError(message, {
    extensions: { ...details, code: "RATE_LIMITED", retryAfterSeconds, ...(options.http === false ? {} : { http }) },
  });
}

/**
 * Rate limits at the edge (README: The public edge). A request takes one token from the general
 * bucket of its user (verified `sub`) and of its IP; each `reserveSeats` field also takes one
 * from both reservation buckets — all four or none. Anonymous requests have only IP buckets.
 * A `reserveSeats` must also fit under the IP's cap of unpaid seats: the seats are put on the
 * IP's ledger before execution (atomically, so concurrent requests cannot pass the cap), become
 * the booking's entry when it succeeds, and leave it when the booking is cancelled or paid
 * through the gateway or its hold expires.
 *
 * When the store fails (Redis down or too slow) the gateway limits on its own with in-process
 * buckets (`fallback`) until Redis answers again: degraded (each instance counts apart, from a
 * full bucket) but never unlimited — an outage under attack must not open the gate. A warning
 * is logged at most every 10 s.
 */
export function createRateLimiter(
  config: RateLimitConfig,
  primary: RateLimitStore,
  logger: Logger,
  fallback: RateLimitStore = createMemoryRateLimitStore(),
): RateLimiter {
  const trusted: TrustedProxies = trustedProxies(config.trustedProxies);
  const bucket = (name: string, cls: BucketClass, cost = 1): Omit<Charge, "key"> & { name: string } => ({
    name,
    capacity: cls.burst,
    refillPerSecond: cls.perMinute / 60,
    cost,
  });
  const charges = (principal: Principal | null, ip: string, reservations: number): Charge[] => {
    const classes = [bucket("general", config.general)];
    if (reservations) classes.push(bucket("reservation", config.reservation, reservations));
    const out: Charge[] = [];
    for (const { name, ...c } of classes) {
      if (principal) out.push({ ...c, key: `${name}:user:${principal.userId}` });
      out.push({
        ...c,
        capacity: c.capacity * config.ipFactor,
        refillPerSecond: c.refillPerSecond * config.ipFactor,
        key: `${name}:ip:${ip}`,
      });
    }
    return out;
  };
  let warnedAt = 0;
  const degraded = (error: unknown) => {
    if (Date.now() - warnedAt < 10_000) return;
    warnedAt = Date.now();
    logger.warn("rate limit store unavailable: limiting with in-process buckets", { error });
  };
  /** Runs `step` on the shared store, or on the in-process one when the shared store fails. */
  const withStore = async <R>(step: (store: RateLimitStore) => Promise<R>): Promise<[R, RateLimitStore]> => {
    try {
      return [await step(primary), primary];
    } catch (error) {
      degraded(error);
      return [await step(fallback), fallback];
    }
  };
  const take = async (principal: Principal | null, ip: string, reservations: number, http = true) => {
    const [outcome] = await withStore((store) => store.consume(charges(principal, ip, reservations)));
    if (outcome.allowed) return null;
    const [limit, by] = outcome.key.split(":");
    const what = limit === "reservation" ? "Too many seat reservations" : "Too many requests";
    return rateLimited(
      `${what} from this ${by === "user" ? "user" : "address"}; retry later`,
      outcome.retryAfterMs,
      {
        limit,
        scope: by,
      },
      { http },
    );
  };

  return {
    clientIp: (req) => clientIp(req, trusted),
    // Transports write the error themselves (WebSocket message, SSE response): no Apollo `http` extension.
    admit: (principal, ip) => take(principal, limitSubject(ip), 0, false),
    plugin<T extends LimitedContext>(): ApolloServerPlugin<T> {
      return {
        async requestDidStart({ contextValue }) {
          if (!contextValue.clientIp) return {};
          const ip = limitSubject(contextValue.clientIp);
          let pending: {
            entryId: string;
            reserves: { key: string; seats: number; bookingId: string | null; idKey: string | null }[];
            store: RateLimitStore;
          } | null = null;
          let freeing: { key: string; name: string; bookingId: string }[] = [];
          let admitted: Promise<void> = Promise.resolve();
          return {
            didResolveOperation({ operation, document, schema, request }) {
              admitted = (async () => {
                if (!operation) return; // the input guard refuses it
                const roots = operation.operation === "mutation" ? rootFields(operation, document) : [];
                const variables = request.variables ?? {};
                const reserves = roots.filter(
                  (f) =>
                    f.node.name.value === RESERVE ||
                    (f.node.name.value === RESIZE && inputOf(schema, f.node, variables).quantity != null),
                );
                const refused = await take(contextValue.principal, ip, reserves.length);
                if (refused) throw refused;
                freeing = roots
                  .filter((f) => FREEING.has(f.node.name.value))
                  .map((f) => ({
                    key: f.key,
                    name: f.node.name.value,
                    bookingId: String(inputOf(schema, f.node, variables).bookingId ?? ""),
                  }))
                  .filter((f) => f.bookingId);
                if (!reserves.length || config.ipMaxHeldSeats <= 0) return;
                const seatsOf = reserves.map((f) => {
                  const input = inputOf(schema, f.node, variables);
                  return {
                    key: f.key,
                    seats: Math.max(1, Number(input.quantity) || 1),
                    // A resize replaces its booking's entry (the check counted the old size too: stricter, never looser).
                    bookingId: f.node.name.value === RESIZE ? String(input.bookingId ?? "") || null : null,
                    idKey: responseKeyOf(f.node, "id"),
                  };
                });
                const seats = seatsOf.reduce((sum, r) => sum + r.seats, 0);
                const entryId = `request:${randomUUID()}`;
                const [held, store] = await withStore((s) =>
                  s.reserveHeld(ip, entryId, seats, config.ipMaxHeldSeats, Date.now() + config.holdTtlSeconds * 1000),
                );
                if (!held.reserved) {
                  throw rateLimited(
                    `This address already holds ${held.heldSeats} unpaid seat(s); at most ${config.ipMaxHeldSeats} ` +
                      "may be held at once. Pay for or cancel a booking, or wait for a hold to expire",
                    held.retryAfterMs || config.holdTtlSeconds * 1000,
                    { limit: "heldSeats", scope: "ip", heldSeats: held.heldSeats, maxHeldSeats: config.ipMaxHeldSeats },
                  );
                }
                pending = { entryId, reserves: seatsOf, store };
              })();
              return admitted;
            },
            async willSendResponse({ response }) {
              await admitted.catch(() => {});
              const result = response.body.kind === "single" ? response.body.singleResult : null;
              const data = (result?.data ?? {}) as Record<string, Record<string, unknown> | null>;
              const failed = new Set((result?.errors ?? []).map((e) => String(e.path?.[0] ?? "")));
              const ok = (key: string) => data[key] != null && !failed.has(key);
              try {
                if (pending) {
                  const bookings: HeldBooking[] = pending.reserves
                    .filter((r) => ok(r.key))
                    .map((r) => {
                      const booking = data[r.key]!;
                      // The id only from the field that is `id` (a client chooses response keys); the
                      // expiry never from the answer (a client could alias another date as expiresAt).
                      const answeredId = r.idKey ? booking[r.idKey] : undefined;
                      return {
                        // Without `id` selected the entry cannot be freed by a cancel; it expires with the hold.
                        id:
                          r.bookingId ?? (typeof answeredId === "string" ? answeredId : `${pending!.entryId}:${r.key}`),
                        seats: r.seats,
                        expiresAtMs: Date.now() + config.holdTtlSeconds * 1000,
                      };
                    });
                  await pending.store.settleHeld(ip, pending.entryId, bookings);
                }
                for (const f of freeing) {
                  // A payment frees the seats once it succeeded (a declined one leaves the hold).
                  if (!ok(f.key) || (f.name === "payBooking" && data[f.key]!.status !== "SUCCEEDED")) continue;
                  await withStore((s) => s.releaseBooking(f.bookingId));
                  await fallback.releaseBooking(f.bookingId);
                }
              } catch (error) {
                degraded(error);
              }
            },
          };
        },
      };
    },
  };
}

/** The root fields an operation selects, through fragments; `key` is the response key. */
function rootFields(operation: OperationDefinitionNode, document: DocumentNode) {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === "FragmentDefinition")
      .map((d) => [d.name.value, d]),
  );
  const fields = new Map<string, { key: string; node: FieldNode }>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === "Field") {
        const key = selection.alias?.value ?? selection.name.value;
        if (!fields.has(key)) fields.set(key, { key, node: selection });
      } else if (selection.kind === "InlineFragment") walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return [...fields.values()];
}

/** The response key under which `field`'s selection returns the field named `name` (not an alias of another). */
function responseKeyOf(field: FieldNode, name: string): string | null {
  for (const selection of field.selectionSet?.selections ?? []) {
    if (selection.kind === "Field" && selection.name.value === name) return selection.alias?.value ?? name;
  }
  return null;
}

/** A mutation field's `input` argument, coerced (variables or literals); `{}` when it cannot be read. */
function inputOf(schema: GraphQLSchema, node: FieldNode, variables: Record<string, unknown>): Record<string, unknown> {
  const definition = schema.getMutationType()?.getFields()[node.name.value];
  if (!definition) return {};
  try {
    const args = graphqlCjs.getArgumentValues(definition as never, node as never, variables) as Record<string, unknown>;
    return (args.input ?? {}) as Record<string, unknown>;
  } catch {
    return {}; // invalid arguments: graphql-js refuses them at execution
  }
}
