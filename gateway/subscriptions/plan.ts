import {
  GraphQLError,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import type { Principal } from "../../lib/core/auth";
import { LIVE_CHANNELS, type LiveChannel, type LiveKind, type LiveMessage } from "../../lib/contracts/live";
import { ticketOf, type WaitingRoomState, type WaitingRoomTicket } from "../../lib/contracts/waiting-room";
import { graphqlCjs } from "../../lib/graphql/graphql-cjs";

/**
 * How each subscription field of the supergraph is served: the live channel it listens to, and
 * the query field whose result is the payload of one event. Resolving through an ordinary query
 * with the subscriber's token means a subscriber receives exactly what it could query, with
 * fields from every subgraph.
 */
interface FieldRoute<K extends LiveKind = LiveKind> {
  /** Anonymous subscribers are refused (UNAUTHENTICATED). */
  signInRequired: boolean;
  channel(args: Record<string, unknown>, principal: Principal | null): LiveChannel<K>;
  /** The query field that resolves one event, and its single ID argument. */
  queryField: string;
  queryArgument: string;
  /** The id to resolve for a message on the channel (null: the message is not for this subscriber). */
  idFor(args: Record<string, unknown>, message: LiveMessage<K>): string | null;
  /** The same payload for everyone (public data) or per subscriber identity. */
  scope: "public" | "principal";
  /** Checked once at subscribe time: the query must succeed for this id (e.g. the booking is visible). */
  authorizeId?(args: Record<string, unknown>): string;
  /** Each payload is the whole state of its id: resuming sends each changed id once, as it is now. */
  stateLike?: boolean;
  /**
   * Without `after`, the first payload is the subscriber's value as it is once the gateway listens
   * (the query run as the subscriber): a change between the client's last read and its subscribing
   * is not missed — an admission that came meanwhile would otherwise never be pushed again.
   */
  startsWithCurrent?: boolean;
  /**
   * The payload is computed here from the message (which carries the whole state) and what the
   * subscriber fetched once when subscribing (its seed), instead of a query per event and
   * subscriber: a waiting room's every admission changes every waiting subscriber's ticket.
   */
  local?: LocalPayload;
}

/** A payload the gateway computes itself (the query field's value); the selection is then applied to it. */
export interface LocalPayload<K extends LiveKind = LiveKind> {
  /** Fetched as the subscriber when subscribing (with `$id` = the route's id): the seed. Must return an object. */
  seedQuery: string;
  /** Refusal when the seed query returns null. */
  missingSeed: string;
  /** The query field's value for `message`; null when the seed does not say (the seed is then fetched again). */
  compute(seed: Record<string, unknown>, message: LiveMessage<K>, now: number): Record<string, unknown> | null;
}

const localPayload = <K extends LiveKind>(payload: LocalPayload<K>): LocalPayload => payload as LocalPayload;

const str = (value: unknown) => (typeof value === "string" && value.length > 0 ? value : null);

/** A route whose `idFor` reads the messages of its channel's kind. */
const route = <K extends LiveKind>(fieldRoute: FieldRoute<K>): FieldRoute => fieldRoute;

export const SUBSCRIPTION_ROUTES: Record<string, FieldRoute> = {
  availabilityChanged: route({
    signInRequired: false,
    channel: (args) => LIVE_CHANNELS.availability(String(args.slotId)),
    queryField: "zoneAvailability",
    queryArgument: "zoneId",
    idFor: (_args, message) => str(message.zoneId),
    scope: "public",
    stateLike: true,
  }),
  bookingStatusChanged: route({
    signInRequired: true,
    channel: (args) => LIVE_CHANNELS.booking(String(args.bookingId)),
    queryField: "booking",
    queryArgument: "id",
    idFor: (args) => str(args.bookingId),
    scope: "principal",
    authorizeId: (args) => String(args.bookingId),
  }),
  myBookingUpdates: route({
    signInRequired: true,
    channel: (_args, principal) => LIVE_CHANNELS.userBookings(principal!.userId),
    queryField: "booking",
    queryArgument: "id",
    idFor: (_args, message) => str(message.bookingId),
    scope: "principal",
  }),
  waitingRoomUpdates: route({
    signInRequired: true,
    channel: (args) => LIVE_CHANNELS.waitingRoom(String(args.slotId)),
    queryField: "waitingRoomTicket",
    queryArgument: "slotId",
    idFor: (_args, message) => str(message.slotId),
    scope: "principal",
    authorizeId: (args) => String(args.slotId),
    stateLike: true,
    startsWithCurrent: true,
    local: localPayload<"waiting-room">({
      seedQuery: "query WaitingRoomSeed($id: ID!) { waitingRoomTicket(slotId: $id) { number admittedUntil } }",
      missingSeed: "No ticket in this slot's waiting room: join it first (joinWaitingRoom)",
      compute: (seed, room, now) => waitingRoomTicket(seed as unknown as TicketSeed, room, now),
    }),
  }),
  notificationAdded: route({
    signInRequired: true,
    channel: (_args, principal) => LIVE_CHANNELS.userNotifications(principal!.userId),
    queryField: "notification",
    queryArgument: "id",
    idFor: (_args, message) => str(message.notificationId),
    scope: "principal",
  }),
};

/** Variable that carries the event's id into the payload query. */
const LIVE_ID = "__liveId";

/** A subscription operation turned into what the hub needs to serve it. */
export interface SubscriptionPlan {
  route: FieldRoute;
  channel: LiveChannel;
  /** The payload query (the subscription's selection under the query field) and its variables. */
  query: string;
  variables: Record<string, unknown>;
  /** The response key of the subscription field (its alias, if any). */
  responseKey: string;
  args: Record<string, unknown>;
  /** The schema the subscription was planned on (a local payload's selection runs on it). */
  schema: GraphQLSchema;
  /** What the subscriber fetched when subscribing, for a route with a local payload. */
  seed?: Record<string, unknown>;
  /**
   * Subscribers with the same key get the same payloads: the work of resolving an event is done
   * once per key (selection, variables, channel and permission scope).
   */
  key: string;
}

/**
 * Plans a validated subscription document; a GraphQLError says why it cannot be served
 * (UNAUTHENTICATED when the field needs a signed-in subscriber).
 */
export function planSubscription(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  principal: Principal | null,
): SubscriptionPlan {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation || operation.operation !== "subscription") {
    throw new GraphQLError("Only subscription operations are served here", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  const [field] = operation.selectionSet.selections;
  if (operation.selectionSet.selections.length !== 1 || field.kind !== Kind.FIELD) {
    throw new GraphQLError("A subscription selects exactly one field", { extensions: { code: "BAD_USER_INPUT" } });
  }
  const name = field.name.value;
  const route = SUBSCRIPTION_ROUTES[name];
  const definition = schema.getSubscriptionType()?.getFields()[name];
  if (!route || !definition) {
    throw new GraphQLError(`Subscription ${name} is not served`, { extensions: { code: "BAD_USER_INPUT" } });
  }
  if (route.signInRequired && !principal) {
    throw new GraphQLError(`Sign in to subscribe to ${name}`, { extensions: { code: "UNAUTHENTICATED" } });
  }
  const args = graphqlCjs.getArgumentValues(definition, field, variables);

  // The payload query: the same selection (and fragments) under the query field.
  const queryFieldNode: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: field.alias?.value ?? name },
    name: { kind: Kind.NAME, value: route.queryField },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: route.queryArgument },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: LIVE_ID } },
      },
    ],
    directives: field.directives,
    selectionSet: field.selectionSet,
  };
  const fragments = document.definitions.filter(
    (d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION,
  );
  const used = new Set<string>();
  for (const node of [queryFieldNode, ...fragments]) {
    visit(node, {
      Variable(variable) {
        used.add(variable.name.value);
      },
    });
  }
  const queryOperation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: "query" as OperationDefinitionNode["operation"],
    name: { kind: Kind.NAME, value: "LiveUpdate" },
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []).filter((v) => used.has(v.variable.name.value)),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: LIVE_ID } },
        type: {
          kind: Kind.NON_NULL_TYPE,
          type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: "ID" } },
        },
      },
    ],
    directives: [],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [queryFieldNode] },
  };
  const query = print({ kind: Kind.DOCUMENT, definitions: [queryOperation, ...fragments] });
  const queryVariables = Object.fromEntries(Object.entries(variables).filter(([k]) => used.has(k)));
  const channel = route.channel(args, principal);
  const scope = route.scope === "public" ? "public" : `${principal!.userId}:${principal!.role}`;
  return {
    route,
    channel,
    query,
    variables: queryVariables,
    responseKey: field.alias?.value ?? name,
    args,
    schema,
    key: JSON.stringify([channel, scope, query, queryVariables]),
  };
}

export const liveVariables = (plan: SubscriptionPlan, id: string) => ({ ...plan.variables, [LIVE_ID]: id });

/** What a waiting-room subscriber's ticket is computed from: its number and, once admitted, until when. */
interface TicketSeed {
  number: number | null;
  admittedUntil: string | null;
}

/**
 * A subscriber's ticket in `room` (the inventory's `ticketOf`, with the admission time learnt
 * from the batch that admitted the subscriber). Null when the subscriber was admitted by a batch
 * it did not see (its seed is fetched again).
 */
function waitingRoomTicket(seed: TicketSeed, room: WaitingRoomState, now: number): Record<string, unknown> | null {
  const wire = (ticket: WaitingRoomTicket) => ({
    ...ticket,
    admittedUntil: ticket.admittedUntil?.toISOString() ?? null,
  });
  if (room.status === "CLOSED" || seed.number === null) {
    if (room.status !== "CLOSED") return null;
    return wire(ticketOf(room, null, now));
  }
  if (seed.number <= room.admitted && seed.admittedUntil === null) {
    if (seed.number <= room.batchFrom) return null;
    seed.admittedUntil = new Date(room.batchAt + room.admissionSeconds * 1000).toISOString();
  }
  if (seed.number <= room.admitted) {
    const until = Date.parse(seed.admittedUntil!);
    return {
      slotId: room.slotId,
      number: seed.number,
      position: 0,
      estimatedWaitSeconds: 0,
      status: until > now ? "ADMITTED" : "EXPIRED",
      admittedUntil: seed.admittedUntil,
    };
  }
  return wire(ticketOf(room, { number: seed.number, joinedAt: 0, admittedAt: null }, now));
}
