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
import type { TokenVerifier } from "../../lib/core/auth";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { HttpError, readBody, sendJson, type Handler } from "../../lib/http/server";
import type { RateLimiter } from "../rate-limit/limiter";
import { authOf } from "./auth";
import type { QueryExecutor, SubscriberAuth, SubscriptionHub } from "./hub";
import type { OperationLimiter } from "../operation-limits";
import { trustedQueryOf, NOT_LISTED_CODE, type TrustedDocuments } from "../trusted-documents";
import { transportValidation, type SchemaVisibility } from "../schema-visibility";

interface Served extends Record<PropertyKey, unknown> {
  auth: SubscriberAuth;
  /** The client's address when the gateway rate-limits; `admitted`: its subscription was already counted. */
  clientIp?: string;
  admitted?: boolean;
}

/** What the POST path adds to the request it replays to graphql-sse (gateway/rate-limit/). */
interface Replayed {
  clientIp?: string;
  admitted?: boolean;
  /** The POST path already ran trusted documents and the operation limits. */
  checked?: boolean;
}

/**
 * Serves one operation over SSE: subscriptions through the hub (refused with a
 * GraphQL error when they cannot be served to this subscriber), queries and mutations through
 * the federated graph as usual.
 */
function operationRunner(deps: {
  schema: () => GraphQLSchema;
  hub: SubscriptionHub;
  execute: QueryExecutor;
  rateLimiter?: RateLimiter;
}) {
  return {
    async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
      const { auth, clientIp, admitted } = args.contextValue as Served;
      // A subscription takes a general-class token (GET requests here; POST ones in the handler, as a 429).
      const refused =
        deps.rateLimiter && clientIp && !admitted && (await deps.rateLimiter.admit(auth.principal, clientIp));
      if (refused) return { errors: [refused] };
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
      const { auth, clientIp } = args.contextValue as Served;
      return deps.execute(print(args.document), (args.variableValues ?? {}) as Record<string, unknown>, auth, clientIp);
    },
  };
}

/**
 * Server-Sent Events (`graphql-sse`, distinct connections mode) for clients that cannot open
 * WebSockets: `POST /graphql` with `Accept: text/event-stream`. The token is the
 * `Authorization` header (invalid → 401); the stream ends when the token expires.
 */
export function createSseHandler(deps: {
  limiter: OperationLimiter;
  schema: () => GraphQLSchema;
  hub: SubscriptionHub;
  execute: QueryExecutor;
  verifier: TokenVerifier;
  /** Rate limits (off when absent): queries and mutations via `execute`, subscriptions here. */
  rateLimiter?: RateLimiter;
  /** Trusted documents mode (gateway/trusted-documents.ts); absent: any document. */
  trustedDocuments?: TrustedDocuments | null;
  /** Introspection and suggestions, as on HTTP (gateway/schema-visibility.ts); absent: both on. */
  visibility?: SchemaVisibility;
}): Handler {
  const run = operationRunner(deps);
  // The caller's token is verified once per request: the POST path's admission, onConnect and
  // context all read this one result, keyed by the request object graphql-sse is handed.
  const verified = new WeakMap<object, Promise<SubscriberAuth | null>>();
  const authOnce = (raw: object, authorization: unknown): Promise<SubscriberAuth | null> => {
    let auth = verified.get(raw);
    if (!auth) verified.set(raw, (auth = authOf(authorization, deps.verifier)));
    return auth;
  };
  const handler = createHandler<Served>({
    schema: () => deps.schema(),
    validate: transportValidation(deps.visibility ?? { introspection: true, suggestions: true }) as never,
    // GET streams (which skip the POST checks below) run trusted documents and the operation
    // limits here; a POST has run them already and swapped an id for its listed text.
    onSubscribe: (req, params) => {
      if ((req.raw as unknown as Replayed).checked) return;
      const refuse = (message: string, code: string) =>
        [
          JSON.stringify({ errors: [{ message, extensions: { code } }] }),
          { status: 400, statusText: "Bad Request", headers: { "content-type": "application/json" } },
        ] as [string, { status: number; statusText: string; headers: Record<string, string> }];
      const trusted = trustedQueryOf(deps.trustedDocuments ?? null, params);
      if ("refused" in trusted) return refuse(trusted.refused, NOT_LISTED_CODE);
      // The operation limits before graphql-sse parses and validates, GET streams included.
      if (typeof params.query !== "string") return;
      try {
        const document = deps.limiter.parse(params.query);
        if (document) deps.limiter.check(deps.schema(), document, params.operationName, params.variables);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        return refuse(error.message, String(error.extensions.code ?? "BAD_REQUEST"));
      }
    },
    onConnect: async (req) => {
      if (await authOnce(req.raw, req.headers.get("authorization"))) return;
      return [
        JSON.stringify({ errors: [{ message: "Invalid or expired token", extensions: { code: "UNAUTHENTICATED" } }] }),
        { status: 401, statusText: "Unauthorized", headers: { "content-type": "application/json" } },
      ];
    },
    context: async (req) => {
      const raw = req.raw as IncomingMessage & Replayed;
      const clientIp = raw.clientIp ?? (deps.rateLimiter && raw.socket ? deps.rateLimiter.clientIp(raw) : undefined);
      return {
        auth: (await authOnce(raw, req.headers.get("authorization"))) ?? { principal: null, token: null },
        ...(clientIp ? { clientIp, admitted: raw.admitted } : {}),
      };
    },
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
    // Trusted documents: an id (documentId, persisted-query hash) becomes its listed text,
    // which graphql-sse then receives; an unlisted document is refused here.
    let replayBody = raw;
    if (isObject(params) && deps.trustedDocuments) {
      const trusted = trustedQueryOf(deps.trustedDocuments, params!);
      if ("refused" in trusted) throw new HttpError(400, trusted.refused, NOT_LISTED_CODE);
      if (trusted.query !== params!.query) {
        params!.query = trusted.query;
        replayBody = Buffer.from(JSON.stringify(params));
      }
    }
    if (!isObject(params) || typeof params!.query !== "string") {
      throw new HttpError(400, "Request body must be a JSON object with a query string");
    }
    for (const key of ["variables", "extensions"]) {
      if (params![key] != null && !isObject(params![key])) throw new HttpError(400, `${key} must be an object`);
    }
    const operationName = typeof params!.operationName === "string" ? params!.operationName : null;
    // The same operation limits as plain HTTP, before graphql-sse validates (operation-limits.ts).
    const limited = <T>(step: () => T): T => {
      try {
        return step();
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        throw new HttpError(400, error.message, String(error.extensions.code ?? "BAD_REQUEST"));
      }
    };
    // null: not GraphQL; graphql-sse reports the syntax error itself.
    const document = limited(() => deps.limiter.parse(params!.query as string));
    if (document && !getOperationAST(document, operationName)) {
      throw new HttpError(400, "Say which operation to run with operationName", "OPERATION_RESOLUTION_FAILURE");
    }
    if (document) limited(() => deps.limiter.check(deps.schema(), document, operationName, params!.variables));
    const replayed: Replayed = { checked: true };
    if (deps.rateLimiter && document) {
      replayed.clientIp = deps.rateLimiter.clientIp(req);
      if (getOperationAST(document, operationName)?.operation === "subscription") {
        const principal = (await authOnce(req, req.headers.authorization))?.principal ?? null;
        const refused = await deps.rateLimiter.admit(principal, replayed.clientIp);
        if (refused) {
          res.setHeader("retry-after", String(refused.extensions.retryAfterSeconds));
          return sendJson(res, 429, { errors: [refused.toJSON()] });
        }
        replayed.admitted = true;
      }
    }
    const replay = Object.assign(Readable.from([replayBody]), {
      method: req.method,
      url: req.url,
      headers: req.headers,
      ...replayed,
    });
    // onConnect and context see `replay`: they reuse the verification done here, if any.
    const auth = verified.get(req);
    if (auth) verified.set(replay, auth);
    return handler(replay as unknown as IncomingMessage, res);
  };
}
