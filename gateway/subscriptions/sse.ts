import { GraphQLError, print, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from "graphql";
import { createHandler } from "graphql-sse/lib/use/http";
import type { TokenVerifier } from "../../lib/auth";
import type { Handler } from "../../lib/http";
import { authOf } from "./auth";
import type { QueryExecutor, SubscriberAuth, SubscriptionHub } from "./hub";

interface Served extends Record<PropertyKey, unknown> {
  auth: SubscriberAuth;
}

/**
 * Serves one operation over SSE: subscriptions through the hub (refused with a
 * GraphQL error when they cannot be served to this subscriber), queries and mutations through
 * the federated graph as usual.
 */
function operationRunner(deps: { schema: () => GraphQLSchema; hub: SubscriptionHub; execute: QueryExecutor }) {
  return {
    async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
      const { auth } = args.contextValue as Served;
      const prepared = await deps.hub.prepare(
        deps.schema(),
        args.document,
        args.operationName,
        (args.variableValues ?? {}) as Record<string, unknown>,
        auth,
      );
      if ("refusal" in prepared) return prepared.refusal;
      const endsAt = auth.principal?.expiresAt ? auth.principal.expiresAt * 1000 : undefined;
      try {
        return await deps.hub.subscribe(prepared.plan, auth, endsAt);
      } catch (error) {
        if (error instanceof GraphQLError) return { errors: [error] };
        throw error;
      }
    },
    async execute(args: ExecutionArgs): Promise<ExecutionResult> {
      const { auth } = args.contextValue as Served;
      return deps.execute(print(args.document), (args.variableValues ?? {}) as Record<string, unknown>, auth);
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
