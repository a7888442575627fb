import type { IncomingMessage, ServerResponse } from "node:http";
import {
  getOperationAST,
  GraphQLError,
  print,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from "graphql";
import { createHandler, TOKEN_HEADER_KEY, TOKEN_QUERY_KEY } from "graphql-sse";
import type { TokenVerifier } from "../../lib/core/auth";
import { HttpError, sendJson, readBody, type Handler } from "../../lib/http/server";
import type { Logger } from "../../lib/observability/logger";
import { limitSubject } from "../rate-limit/client-ip";
import type { RateLimiter } from "../rate-limit/limiter";
import { authOf } from "./auth";
import type { QueryExecutor, SubscriberAuth, SubscriptionHub } from "./hub";
import { createEventStreams, type EventStream } from "./sse-streams";
import type { OperationLimiter } from "../operation-limits";
import { trustedQueryOf, NOT_LISTED_CODE, type TrustedDocuments } from "../trusted-documents";
import { transportValidation, type SchemaVisibility } from "../schema-visibility";

/** An event stream whose unsent data passes this is a slow reader: it is cut off (memory stays bounded). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Subscriptions one single-connection stream may carry, as many as one WebSocket connection. */
export const MAX_SUBSCRIPTIONS_PER_STREAM = 100;

const ANONYMOUS: SubscriberAuth = { principal: null, token: null };

interface Served extends Record<PropertyKey, unknown> {
  auth: SubscriberAuth;
  /** The client's address when the gateway rate-limits; `admitted`: its subscription was already counted. */
  clientIp?: string;
  admitted?: boolean;
  /** The single-connection stream the operation runs on; absent in distinct connections mode. */
  stream?: EventStream;
}

/** What the gateway learnt about a request before graphql-sse sees it (graphql-sse's request context). */
interface Incoming {
  /** The caller, verified once per request however many hooks ask; null: an invalid token. */
  auth: () => Promise<SubscriberAuth | null>;
  /** The single-connection stream the request names, already checked to be the caller's. */
  stream?: EventStream;
  /** PUT: the stream being reserved (the gateway picks the token, never the client). */
  reserving?: EventStream;
  /** An expired reservation: graphql-sse drops its stream (no client is behind this request). */
  dropping?: boolean;
  /** The client's address when the gateway rate-limits; `admitted`: its subscription was already counted. */
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
      const { auth, clientIp, admitted, stream } = args.contextValue as Served;
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
      let payloads: AsyncIterableIterator<ExecutionResult>;
      try {
        payloads = await deps.hub.subscribe(prepared.plan, auth, endsAt);
      } catch (error) {
        if (error instanceof GraphQLError) return { errors: [error] };
        throw error;
      }
      return stream ? onStream(stream, payloads) : payloads;
    },
    async execute(args: ExecutionArgs): Promise<ExecutionResult> {
      const { auth, clientIp } = args.contextValue as Served;
      return deps.execute(print(args.document), (args.variableValues ?? {}) as Record<string, unknown>, auth, clientIp);
    },
  };
}

/**
 * A subscription on a single-connection stream, counted against the stream's limit. One that
 * started while its stream closed is ended here: graphql-sse would keep it running, unread.
 */
async function onStream(
  stream: EventStream,
  payloads: AsyncIterableIterator<ExecutionResult>,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  if (stream.closed || stream.subscriptions >= MAX_SUBSCRIPTIONS_PER_STREAM) {
    await payloads.return?.();
    const message = stream.closed
      ? "The event stream closed; reserve a new one"
      : `Too many subscriptions on this event stream (at most ${MAX_SUBSCRIPTIONS_PER_STREAM})`;
    return { errors: [new GraphQLError(message, { extensions: { code: "BAD_REQUEST" } })] };
  }
  stream.subscriptions++;
  let counted = true;
  const uncount = () => {
    if (counted) stream.subscriptions--;
    counted = false;
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      try {
        const step = await payloads.next();
        if (step.done) uncount();
        return step;
      } catch (error) {
        uncount();
        throw error;
      }
    },
    async return() {
      uncount();
      return payloads.return ? payloads.return() : { value: undefined, done: true };
    },
    async throw(error: unknown) {
      uncount();
      if (payloads.throw) return payloads.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** The single connection mode's stream token of a request: the header, else the `token` query parameter. */
function streamTokenOf(req: IncomingMessage): string | null {
  const header = req.headers[TOKEN_HEADER_KEY];
  if (typeof header === "string" && header) return header;
  return new URL(req.url ?? "/", "http://localhost").searchParams.get(TOKEN_QUERY_KEY) || null;
}

/**
 * Whether a `/graphql` request is for the SSE transport: an event stream (`Accept:
 * text/event-stream`), or a request of graphql-sse's single connection mode (`PUT` to reserve a
 * stream, an operation or a `DELETE` naming a stream by its token).
 */
export function isSseRequest(req: IncomingMessage): boolean {
  return (
    (req.headers.accept ?? "").includes("text/event-stream") ||
    req.method === "PUT" ||
    req.method === "DELETE" ||
    streamTokenOf(req) !== null
  );
}

/**
 * Server-Sent Events (`graphql-sse`) for clients that cannot open WebSockets, in both of its modes.
 * Distinct connections: `POST /graphql` with `Accept: text/event-stream`, one stream per operation.
 * Single connection: `PUT` reserves a stream and answers its token, `GET` with the token
 * (`X-GraphQL-Event-Stream-Token` or `?token=`) opens it, `POST`s with the token run operations on
 * it, `DELETE ?operationId=` stops one. A stream belongs to the user who reserved it (or to
 * anonymous): a request naming it with anyone else's token is refused (403).
 *
 * The token is the `Authorization` header (invalid → 401); a subscription ends when its token
 * expires, and the stream with it.
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
  /** The client's address (gateway/rate-limit/client-ip.ts), which anonymous streams are counted by; absent: the socket's peer. */
  clientIp?: (req: IncomingMessage) => string;
  /** Bounds of single-connection streams; absent: MAX_STREAMS_PER_CLIENT and RESERVATION_TTL_MS. */
  streams?: { maxPerClient?: number; reservationTtlMs?: number };
  logger?: Logger;
}): Handler {
  const run = operationRunner(deps);
  const streams = createEventStreams({
    maxPerClient: deps.streams?.maxPerClient,
    ttlMs: deps.streams?.reservationTtlMs,
    onExpired: (stream) =>
      void drop(stream).catch((error: unknown) => deps.logger?.warn("expired SSE stream not dropped", { error })),
  });
  const handler = createHandler<IncomingMessage | null, Incoming, Served>({
    schema: () => deps.schema(),
    validate: transportValidation(deps.visibility ?? { introspection: true, suggestions: true }) as never,
    // The gateway's streams only: a token it did not issue was refused before graphql-sse runs.
    authenticate: (req) => (req.context.reserving ?? req.context.stream)?.token ?? null,
    // GET streams (which skip the POST checks below) run trusted documents and the operation
    // limits here; a POST has run them already and swapped an id for its listed text.
    onSubscribe: (req, params) => {
      if (req.context.checked) return;
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
      if (req.context.dropping || (await req.context.auth())) return;
      return [
        JSON.stringify({ errors: [{ message: "Invalid or expired token", extensions: { code: "UNAUTHENTICATED" } }] }),
        { status: 401, statusText: "Unauthorized", headers: { "content-type": "application/json" } },
      ];
    },
    context: async (req) => {
      const { auth, stream, admitted } = req.context;
      const clientIp =
        req.context.clientIp ?? (deps.rateLimiter && req.raw ? deps.rateLimiter.clientIp(req.raw) : undefined);
      return {
        auth: (await auth()) ?? ANONYMOUS,
        ...(stream ? { stream } : {}),
        ...(clientIp ? { clientIp, admitted } : {}),
      };
    },
    subscribe: (args) => run.subscribe(args as ExecutionArgs) as never,
    execute: (args) => run.execute(args as ExecutionArgs) as never,
  });

  /** Hands the request to graphql-sse and writes its answer; `body`: the JSON body, already read. */
  async function serve(req: IncomingMessage, res: ServerResponse, context: Incoming, body?: string): Promise<void> {
    const [answer, init] = await handler({
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: {
        get: (key) => {
          const value = req.headers[key];
          return Array.isArray(value) ? value.join("\n") : value;
        },
      },
      body: body ?? null,
      raw: req,
      context,
    });
    res.writeHead(init.status, init.statusText, init.headers);
    if (answer === null || typeof answer === "string") {
      res.end(answer ?? undefined);
      return;
    }
    const stop = () => void answer.return(undefined);
    res.once("close", stop);
    try {
      for await (const event of answer) {
        // graphql-sse moves the hub's bounded queue into its own unbounded one as fast as payloads
        // come, so the bound that keeps memory in check is the socket's: a reader that lets
        // MAX_BUFFERED_BYTES pile up unsent is cut off (the client reconnects).
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          deps.logger?.warn("closing a slow SSE reader", { buffered: res.writableLength });
          res.destroy();
          return;
        }
        res.write(event);
      }
    } finally {
      res.off("close", stop);
    }
    res.end();
  }

  /** graphql-sse keeps a reserved stream until it is connected: an expired one is connected and closed at once. */
  async function drop(stream: EventStream): Promise<void> {
    const [events] = await handler({
      method: "GET",
      url: "/",
      headers: { get: (key) => (key === "accept" ? "text/event-stream" : null) },
      body: null,
      raw: null,
      context: { auth: async () => null, stream, dropping: true },
    });
    if (events && typeof events !== "string") await events.return(undefined);
  }

  const clientOf = (req: IncomingMessage, auth: SubscriberAuth) =>
    auth.principal
      ? `user:${auth.principal.userId}`
      : `ip:${limitSubject(deps.clientIp?.(req) ?? req.socket.remoteAddress ?? "unknown")}`;

  async function authenticated(context: Incoming): Promise<SubscriberAuth> {
    const auth = await context.auth();
    if (!auth) throw new HttpError(401, "Invalid or expired token", "UNAUTHENTICATED");
    return auth;
  }

  /** `PUT`: reserves a stream for the caller, if the caller holds fewer than the maximum. */
  async function reserve(req: IncomingMessage, res: ServerResponse, context: Incoming): Promise<void> {
    const auth = await authenticated(context);
    const stream = streams.reserve(auth.principal?.userId ?? null, clientOf(req, auth));
    if (!stream) {
      throw new HttpError(
        429,
        `Too many event streams reserved or open (at most ${streams.maxPerClient} per user or address): close one first`,
        "RATE_LIMITED",
      );
    }
    try {
      await serve(req, res, { ...context, reserving: stream });
    } finally {
      // graphql-sse refused it (an Accept it does not serve): nothing is reserved.
      if (res.statusCode !== 201) streams.release(stream.token);
    }
  }

  /** The stream a request names, if it is the caller's. */
  async function ownStream(token: string, context: Incoming): Promise<EventStream> {
    const auth = await authenticated(context);
    const stream = streams.get(token);
    if (!stream)
      throw new HttpError(404, "No such event stream (it closed or expired): reserve one with PUT", "NOT_FOUND");
    if ((auth.principal?.userId ?? null) !== stream.owner) {
      throw new HttpError(403, "This event stream was reserved by another user", "FORBIDDEN");
    }
    return stream;
  }

  return async (req, res) => {
    let verified: Promise<SubscriberAuth | null> | undefined;
    const context: Incoming = { auth: () => (verified ??= authOf(req.headers.authorization, deps.verifier)) };
    if (req.method === "PUT") return reserve(req, res, context);
    const token = streamTokenOf(req);
    if (token !== null) {
      context.stream = await ownStream(token, context);
      // graphql-sse's own test: exactly this Accept opens the stream; any other is an operation.
      if (req.headers.accept === "text/event-stream") {
        if (!streams.connect(context.stream)) throw new HttpError(409, "This event stream is open already", "CONFLICT");
        try {
          return await serve(req, res, context);
        } finally {
          streams.release(token);
        }
      }
    } else if (req.method !== "GET" && req.method !== "POST") {
      throw new HttpError(400, `${req.method} needs the ${TOKEN_HEADER_KEY} header of a reserved event stream`);
    }
    if (req.method !== "POST" || !(req.headers["content-type"] ?? "").includes("application/json")) {
      return serve(req, res, context);
    }
    // graphql-sse answers a malformed body with an error that has no code; read and check it
    // here so clients get BAD_REQUEST like on every other transport, then hand it on.
    const raw = (await readBody(req)).toString("utf8");
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new HttpError(400, "Request body is not valid JSON");
    }
    const params = body as Record<string, unknown> | null;
    const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
    // Trusted documents: an id (documentId, persisted-query hash) becomes its listed text,
    // which graphql-sse then receives; an unlisted document is refused here.
    let forwarded = raw;
    if (isObject(params) && deps.trustedDocuments) {
      const trusted = trustedQueryOf(deps.trustedDocuments, params!);
      if ("refused" in trusted) throw new HttpError(400, trusted.refused, NOT_LISTED_CODE);
      if (trusted.query !== params!.query) {
        params!.query = trusted.query;
        forwarded = JSON.stringify(params);
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
    context.checked = true;
    if (deps.rateLimiter && document) {
      context.clientIp = deps.rateLimiter.clientIp(req);
      if (getOperationAST(document, operationName)?.operation === "subscription") {
        const refused = await deps.rateLimiter.admit((await context.auth())?.principal ?? null, context.clientIp);
        if (refused) {
          res.setHeader("retry-after", String(refused.extensions.retryAfterSeconds));
          return sendJson(res, 429, { errors: [refused.toJSON()] });
        }
        context.admitted = true;
      }
    }
    return serve(req, res, context, forwarded);
  };
}
