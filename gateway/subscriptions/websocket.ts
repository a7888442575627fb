import type { IncomingMessage, Server } from "node:http";
import { GraphQLError, parse, print, type DocumentNode, type ExecutionResult, type GraphQLSchema } from "graphql";
import { WebSocketServer, type WebSocket } from "ws";
import type { TokenVerifier } from "../../lib/core/auth";
import type { Logger } from "../../lib/observability/logger";
import { authOf } from "./auth";
import { compareCursors, isCursor } from "../../lib/messaging/live";
import type { QueryExecutor, SubscriberAuth, SubscriptionHub } from "./hub";
import type { RateLimiter } from "../rate-limit/limiter";
import type { OperationLimiter } from "../operation-limits";
import { trustedQueryOf, NOT_LISTED_CODE, type TrustedDocuments } from "../trusted-documents";
import { transportValidation, type SchemaVisibility } from "../schema-visibility";
import { createFanout, type FanoutConnection, type FanoutMode } from "./fanout";

/** The `graphql-ws` protocol's subprotocol name. */
export const GRAPHQL_TRANSPORT_WS = "graphql-transport-ws";
/** A WebSocket whose unsent data passes this is a slow reader: it is closed (memory stays bounded). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Protocol-level pings keep idle connections open through proxies and find dead peers. */
export const KEEP_ALIVE_MS = 12_000;
/** The keep-alive pings go out in this many slices over KEEP_ALIVE_MS, not all at once. */
const KEEP_ALIVE_SLICES = 12;
const CONNECTION_INIT_TIMEOUT_MS = 3_000;
const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

/**
 * Close codes: the protocol's own, 4403 also when the token expires (graphql-ws clients retry
 * it, calling `connectionParams` again for a fresh token) and 1013 for a slow reader.
 */
export const CLOSE = {
  badRequest: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  initTimeout: 4408,
  duplicateId: 4409,
  tooManyInits: 4429,
  slowConsumer: 1013,
} as const;

/** An operation of a connection: how to stop it, and for a subscription where it stands. */
interface Operation {
  leave: () => void;
  /** Under which key its cursor is kept when the connection closes (see `resumeKey`). */
  resumeKey?: string;
  cursor?: string;
}

/**
 * Resume across connections: a graphql-ws client that reconnects (network loss, token expiry)
 * subscribes again with the same operation id, so where a subscription stood when its
 * connection closed is kept under the subscriber, the channel and that id, and the new
 * subscription continues from there. Only ids of 16+ characters (graphql-ws's UUIDs) are
 * trusted to name one subscription; hand-picked ids like "1" start live.
 */
const MIN_RESUME_ID_LENGTH = 16;
const resumeKey = (auth: SubscriberAuth, channel: string, id: string) =>
  id.length >= MIN_RESUME_ID_LENGTH ? `${auth.principal?.userId ?? "anonymous"}|${channel}|${id}` : undefined;

interface Connection {
  socket: WebSocket;
  /** Where its messages go (gateway/subscriptions/fanout.ts). */
  out: FanoutConnection;
  auth: SubscriberAuth | null;
  operations: Map<string, Operation>;
  alive: boolean;
  /** The client's address, when the gateway rate-limits (gateway/rate-limit/). */
  clientIp?: string;
}

/**
 * The `graphql-transport-ws` protocol (the one `graphql-ws` clients speak) on the gateway's
 * HTTP server, at the same path as HTTP GraphQL. Written here rather than taken from
 * graphql-ws's server because of fan-out: a payload is serialised once per group of identical
 * subscribers and written to each socket as is, instead of once per subscriber.
 *
 * The token comes in `connection_init` (`{ "authorization": "Bearer …" }`); an invalid one is
 * refused (4403), a missing one leaves the connection anonymous (public subscriptions only).
 * The connection closes when the token expires (4403, "Token expired") and when the client stops
 * reading (1013); its subscriptions resume where they stood when the client reconnects.
 */
export function attachWebSocketTransport(deps: {
  limiter: OperationLimiter;
  server: Server;
  path: string;
  schema: () => GraphQLSchema;
  hub: SubscriptionHub;
  execute: QueryExecutor;
  verifier: TokenVerifier;
  logger: Logger;
  /**
   * The browser-origin rule of HTTP (CORS allow-list, see `gateway/cors.ts`), checked at the
   * upgrade: browsers do not apply CORS to WebSockets, so a foreign page is refused here (403).
   */
  allowOrigin?: (req: IncomingMessage) => boolean;
  /** Rate limits (off when absent): queries and mutations via `execute`, subscriptions here. */
  rateLimiter?: RateLimiter;
  /** Trusted documents mode (gateway/trusted-documents.ts); absent: any document. */
  trustedDocuments?: TrustedDocuments | null;
  /** Introspection and suggestions, as on HTTP (gateway/schema-visibility.ts); absent: both on. */
  visibility?: SchemaVisibility;
  /** How messages are written (gateway/subscriptions/fanout.ts); absent: batched. */
  fanout?: FanoutMode;
}) {
  const { hub, logger } = deps;
  const validate = transportValidation(deps.visibility ?? { introspection: true, suggestions: true });
  const wss = new WebSocketServer({
    server: deps.server,
    path: deps.path,
    verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, status?: number, message?: string) => void) =>
      !deps.allowOrigin || deps.allowOrigin(info.req) ? done(true) : done(false, 403, "Origin not allowed"),
    maxPayload: 256 * 1024,
    // Off (ws's default, said here because fanout.ts writes frames next to ws's own).
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(GRAPHQL_TRANSPORT_WS) ? GRAPHQL_TRANSPORT_WS : false),
  });
  const connections = new Set<Connection>();

  const fanout = createFanout({
    mode: deps.fanout ?? "batched",
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    onSlow(socket, buffered) {
      logger.warn("closing a slow subscriber", { buffered });
      socket.close(CLOSE.slowConsumer, "Slow consumer");
    },
  });
  const send = (connection: Connection, message: string) => connection.out.send(message);
  const complete = (connection: Connection, id: string) => {
    connection.operations.delete(id);
    send(connection, JSON.stringify({ id, type: "complete" }));
  };
  const error = (connection: Connection, id: string, errors: readonly GraphQLError[]) => {
    connection.operations.delete(id);
    send(connection, JSON.stringify({ id, type: "error", payload: errors.map((e) => e.toJSON()) }));
  };
  const result = (connection: Connection, id: string, value: ExecutionResult) => {
    connection.out.subscription(id)(JSON.stringify(value));
    complete(connection, id);
  };

  async function subscribe(connection: Connection, id: string, payload: Record<string, unknown>) {
    const auth = connection.auth!;
    let document: DocumentNode;
    const schema = deps.schema();
    const variables = (payload.variables ?? {}) as Record<string, unknown>;
    const operationName = typeof payload.operationName === "string" ? payload.operationName : null;
    try {
      const trusted = trustedQueryOf(deps.trustedDocuments ?? null, payload);
      if ("refused" in trusted) throw new GraphQLError(trusted.refused, { extensions: { code: NOT_LISTED_CODE } });
      payload = { ...payload, query: trusted.query };
      if (typeof payload.query !== "string") throw new GraphQLError("Missing query");
      // The same operation limits as HTTP, before validation (gateway/operation-limits.ts).
      document = deps.limiter.parse(payload.query) ?? parse(payload.query);
      deps.limiter.check(schema, document, operationName, variables);
    } catch (e) {
      return error(connection, id, [e instanceof GraphQLError ? e : new GraphQLError("Invalid query")]);
    }
    const problems = validate(schema, document);
    if (problems.length) return error(connection, id, problems);
    const isSubscription = document.definitions.some(
      (d) =>
        d.kind === "OperationDefinition" &&
        d.operation === "subscription" &&
        (!operationName || d.name?.value === operationName),
    );
    if (!isSubscription) {
      // Queries and mutations over the socket run through the federated graph as usual.
      connection.operations.set(id, { leave: () => {} });
      const value = await deps.execute(print(document), variables, auth, connection.clientIp);
      if (connection.operations.has(id)) result(connection, id, value);
      return;
    }
    connection.operations.set(id, { leave: () => {} }); // reserved while authorising
    // A subscription takes a token of the general class, like a request (gateway/rate-limit/).
    const limited = deps.rateLimiter && (await deps.rateLimiter.admit(auth.principal, connection.clientIp!));
    if (limited) return error(connection, id, [limited]);
    const prepared = await hub.prepare(schema, document, operationName, variables, auth);
    if (!connection.operations.has(id)) return; // completed by the client meanwhile
    if ("refusal" in prepared) return result(connection, id, prepared.refusal);
    let plan = prepared.plan;
    const operation: Operation = { leave: () => {}, resumeKey: resumeKey(auth, plan.channel, id) };
    // The same subscription coming back on a new connection continues where it stood.
    const kept = operation.resumeKey ? await hub.recall(operation.resumeKey) : null;
    const after = typeof plan.args.after === "string" ? plan.args.after : null;
    if (kept && (!after || (isCursor(after) && compareCursors(kept, after) > 0)))
      plan = { ...plan, args: { ...plan.args, after: kept } };
    if (!connection.operations.has(id)) return;
    connection.operations.set(id, operation);
    const next = connection.out.subscription(id);
    const leave = await hub.attach(plan, auth, {
      push: (_value, json, cursor) => {
        operation.cursor = cursor;
        next(json);
      },
    });
    if (connection.operations.get(id) !== operation || connection.socket.readyState !== connection.socket.OPEN)
      return leave();
    operation.leave = leave;
  }

  wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS) {
      socket.close(1002, "Subprotocol not acceptable: use graphql-transport-ws");
      return;
    }
    const connection: Connection = {
      socket,
      out: fanout.connect(socket, request.socket),
      auth: null,
      operations: new Map(),
      alive: true,
    };
    if (deps.rateLimiter) connection.clientIp = deps.rateLimiter.clientIp(request);
    connections.add(connection);
    let expiry: NodeJS.Timeout | undefined;
    const initTimeout = setTimeout(() => {
      if (!connection.auth) socket.close(CLOSE.initTimeout, "Connection initialisation timeout");
    }, CONNECTION_INIT_TIMEOUT_MS);
    let initialising = false;

    socket.on("pong", () => (connection.alive = true));
    socket.on("close", () => {
      clearTimeout(initTimeout);
      clearTimeout(expiry);
      connections.delete(connection);
      connection.out.closed();
      const cursors = new Map<string, string>();
      for (const operation of connection.operations.values()) {
        operation.leave();
        if (operation.resumeKey && operation.cursor) cursors.set(operation.resumeKey, operation.cursor);
      }
      connection.operations.clear();
      void hub.remember(cursors);
    });
    socket.on("message", (raw) => {
      let message: { type?: unknown; id?: unknown; payload?: unknown };
      try {
        message = JSON.parse(raw.toString());
      } catch {
        return socket.close(CLOSE.badRequest, "Invalid message received");
      }
      switch (message.type) {
        case "connection_init": {
          if (initialising || connection.auth)
            return socket.close(CLOSE.tooManyInits, "Too many initialisation requests");
          initialising = true;
          const params = (message.payload ?? {}) as Record<string, unknown>;
          const authorization = params.authorization ?? params.Authorization ?? request.headers.authorization;
          void authOf(authorization, deps.verifier).then(
            (auth) => {
              if (!auth) return socket.close(CLOSE.forbidden, "Forbidden");
              connection.auth = auth;
              const expiresAt = auth.principal?.expiresAt;
              if (expiresAt) {
                expiry = setTimeout(
                  () => socket.close(CLOSE.forbidden, "Token expired"),
                  Math.max(0, expiresAt * 1000 - Date.now()),
                );
              }
              send(connection, JSON.stringify({ type: "connection_ack" }));
            },
            () => socket.close(1011, "Internal error"),
          );
          return;
        }
        case "ping":
          return send(connection, JSON.stringify({ type: "pong" }));
        case "pong":
          return;
        case "subscribe": {
          if (!connection.auth) return socket.close(CLOSE.unauthorized, "Unauthorized");
          const id = message.id;
          if (typeof id !== "string" || !id || typeof message.payload !== "object" || !message.payload)
            return socket.close(CLOSE.badRequest, "Invalid message received");
          if (connection.operations.has(id))
            return socket.close(CLOSE.duplicateId, `Subscriber for ${id} already exists`);
          if (connection.operations.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION)
            return error(connection, id, [new GraphQLError("Too many subscriptions on this connection")]);
          void subscribe(connection, id, message.payload as Record<string, unknown>).catch((e) => {
            if (!(e instanceof GraphQLError)) logger.error("subscription failed", { error: e });
            const shown = e instanceof GraphQLError ? e : new GraphQLError("Internal server error");
            error(connection, id, [shown]);
          });
          return;
        }
        case "complete": {
          const id = typeof message.id === "string" ? message.id : "";
          const operation = connection.operations.get(id);
          connection.operations.delete(id);
          operation?.leave();
          return;
        }
        default:
          return socket.close(CLOSE.badRequest, "Invalid message received");
      }
    });
  });

  // Keep-alive: a peer that did not answer the previous ping is gone. Each connection is pinged
  // once every KEEP_ALIVE_MS, a slice of them at a time (10,000 pings at once hold the loop for
  // ~100 ms): a round goes through the connections in KEEP_ALIVE_SLICES steps.
  let round = connections.values();
  let step = 0;
  const pinger = setInterval(() => {
    if (step === 0) round = connections.values();
    const last = step === KEEP_ALIVE_SLICES - 1;
    step = last ? 0 : step + 1;
    for (let n = last ? Infinity : Math.ceil(connections.size / KEEP_ALIVE_SLICES); n > 0; n--) {
      const item = round.next();
      if (item.done) break;
      const connection = item.value;
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }, KEEP_ALIVE_MS / KEEP_ALIVE_SLICES);
  pinger.unref();

  return {
    async close() {
      clearInterval(pinger);
      for (const connection of connections) connection.socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
