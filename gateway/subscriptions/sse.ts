import {
  getOperationAST,
  GraphQLError,
  parse,
  print,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from "graphql";
import { createHandler } from "graphql-sse/lib/use/http";
import type { TokenVerifier } from "../../lib/auth";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { HttpError, readBody, type Handler } from "../../lib/http";
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
  return async (req, res) => {
    if (req.method !== "POST" || !(req.headers["content-type"] ?? "").includes("application/json")) {
      return handler(req, res);
    }
    // graphql-sse answers a malformed body with an error that has no code; read and check it
    // here so clients get BAD_REQUEST like on every other transport, then hand it on.
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new HttpError(400, "Request body is not valid JSON");
    }
    const params = body as Record<string, unknown> | null;
    const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
    if (!isObject(params) || typeof params!.query !== "string") {
      throw new HttpError(400, "Request body must be a JSON object with a query string");
    }
    for (const key of ["variables", "extensions"]) {
      if (params![key] != null && !isObject(params![key])) throw new HttpError(400, `${key} must be an object`);
    }
    const operationName = typeof params!.operationName === "string" ? params!.operationName : null;
    const document = (() => {
      try {
        return parse(params!.query as string);
      } catch {
        return null; // graphql-sse reports the syntax error itself
      }
    })();
    if (document && !getOperationAST(document, operationName)) {
      throw new HttpError(400, "Say which operation to run with operationName", "OPERATION_RESOLUTION_FAILURE");
    }
    const replay = Object.assign(Readable.from([raw]), { method: req.method, url: req.url, headers: req.headers });
    return handler(replay as unknown as IncomingMessage, res);
  };
}
