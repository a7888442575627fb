import type { IncomingMessage, Server } from "node:http";
import { GraphQLError, print, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from "graphql";
import { createHandler } from "graphql-sse/lib/use/http";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import { authenticate, type TokenVerifier } from "../../lib/auth";
import type { Handler } from "../../lib/http";
import type { Logger } from "../../lib/logger";
import type { QueryExecutor, SubscriberAuth, SubscriptionHub } from "./hub";
import { planSubscription } from "./plan";

/** A WebSocket whose unsent data passes this is a slow reader: it is closed (memory stays bounded). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** WebSocket pings (graphql-ws keep-alive) keep idle connections open through proxies and find dead ones. */
export const KEEP_ALIVE_MS = 12_000;

export const CLOSE_CODES = { tokenExpired: 4401, slowConsumer: 4408 } as const;

interface Served extends Record<PropertyKey, unknown> {
  auth: SubscriberAuth;
}

/**
 * Serves one operation for either transport: subscriptions through the hub (refused with a
 * GraphQL error when they cannot be served to this subscriber), queries and mutations through
 * the federated graph as usual.
 */
function operationRunner(deps: { schema: () => GraphQLSchema; hub: SubscriptionHub; execute: QueryExecutor }) {
  return {
    async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
      const { auth } = args.contextValue as Served;
      let plan;
      try {
        plan = planSubscription(
          deps.schema(),
          args.document,
          args.operationName,
          (args.variableValues ?? {}) as Record<string, unknown>,
          auth.principal,
        );
      } catch (error) {
        if (error instanceof GraphQLError) return { errors: [error] };
        throw error;
      }
      const refusal = await deps.hub.authorize(plan, auth);
      if (refusal) return refusal;
      const endsAt = auth.principal?.expiresAt ? auth.principal.expiresAt * 1000 : undefined;
      return deps.hub.subscribe(plan, auth, endsAt);
    },
    async execute(args: ExecutionArgs): Promise<ExecutionResult> {
      const { auth } = args.contextValue as Served;
      return deps.execute(print(args.document), (args.variableValues ?? {}) as Record<string, unknown>, auth);
    },
  };
}

/** The subscriber from an `Authorization` value; null when the token is invalid or malformed. */
async function authOf(authorization: unknown, verifier: TokenVerifier): Promise<SubscriberAuth | null> {
  const header = typeof authorization === "string" ? authorization : undefined;
  try {
    return await authenticate(header, verifier);
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED") return null;
    throw error;
  }
}

/**
 * `graphql-ws` on the gateway's HTTP server, at the same path as HTTP GraphQL. The token comes
 * in `connection_init` (`{ "authorization": "Bearer …" }`); an invalid one is refused (4403),
 * a missing one leaves the connection anonymous (public subscriptions only). The connection
 * closes when the token expires (4401) and when the client stops reading (4408).
 */
export function attachWebSocketTransport(deps: {
  server: Server;
  path: string;
  schema: () => GraphQLSchema;
  hub: SubscriptionHub;
  execute: QueryExecutor;
  verifier: TokenVerifier;
  logger: Logger;
}) {
  const run = operationRunner(deps);
  const wss = new WebSocketServer({ server: deps.server, path: deps.path, maxPayload: 256 * 1024 });
  const auths = new WeakMap<WebSocket, SubscriberAuth>();
  const cleanup = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema: () => deps.schema(),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const authorization = params.authorization ?? params.Authorization ?? ctx.extra.request.headers.authorization;
        const auth = await authOf(authorization, deps.verifier);
        if (!auth) return false; // closes with 4403 Forbidden
        auths.set(ctx.extra.socket, auth);
        const expiresAt = auth.principal?.expiresAt;
        if (expiresAt) {
          const timer = setTimeout(
            () => ctx.extra.socket.close(CLOSE_CODES.tokenExpired, "Token expired"),
            Math.max(0, expiresAt * 1000 - Date.now()),
          );
          timer.unref();
          ctx.extra.socket.once("close", () => clearTimeout(timer));
        }
        return true;
      },
      context: (ctx) => ({ auth: auths.get(ctx.extra.socket)! }) satisfies Served,
      subscribe: (args) => run.subscribe(args),
      execute: (args) => run.execute(args),
      onNext: (ctx) => {
        if (ctx.extra.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          deps.logger.warn("closing a slow subscriber", { buffered: ctx.extra.socket.bufferedAmount });
          ctx.extra.socket.close(CLOSE_CODES.slowConsumer, "Slow consumer");
        }
      },
    },
    wss,
    KEEP_ALIVE_MS,
  );
  return {
    connections: () => wss.clients.size,
    async close() {
      for (const client of wss.clients) client.terminate();
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * Server-Sent Events (`graphql-sse`, distinct connections mode) for clients that cannot open
 * WebSockets: `POST /graphql` with `Accept: text/event-stream`. The token is the
 * `Authorization` header (invalid → 401); the stream ends when the token expires.
 */
export function createSseHandler(deps: {
  schema: () => GraphQLSchema;
  hub: SubscriptionHub;
  execute: QueryExecutor;
  verifier: TokenVerifier;
}): Handler {
  const run = operationRunner(deps);
  const handler = createHandler<Served>({
    schema: () => deps.schema(),
    onConnect: async (req) => {
      if (await authOf(req.headers.get("authorization"), deps.verifier)) return;
      return [
        JSON.stringify({ errors: [{ message: "Invalid or expired token", extensions: { code: "UNAUTHENTICATED" } }] }),
        { status: 401, statusText: "Unauthorized", headers: { "content-type": "application/json" } },
      ];
    },
    context: async (req) => ({
      auth: (await authOf(req.headers.get("authorization"), deps.verifier)) ?? { principal: null, token: null },
    }),
    subscribe: (args) => run.subscribe(args as ExecutionArgs) as never,
    execute: (args) => run.execute(args as ExecutionArgs) as never,
  });
  return (req, res) => handler(req, res);
}
