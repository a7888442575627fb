import http from "node:http";
import https from "node:https";
import fetch from "node-fetch";
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { Fetcher, FetcherResponse } from "@apollo/utils.fetcher";
import { GraphQLError } from "graphql";
import { SERVICE_SECRET_HEADER } from "../lib/core/auth";
import { DomainError } from "../lib/core/errors";
import type { GatewayContext } from "./context";
import { deduplicatingFetcher } from "./subgraph-deduplication";
import { injectTraceHeaders } from "../lib/observability/tracing";

/**
 * A fetcher with keep-alive sockets and a bounded pool: without it every subgraph call opens
 * a new TCP connection, and under load the gateway runs out of ephemeral ports. Every call has
 * a deadline: a hung subgraph (stopped, overloaded) has its request aborted after `timeoutMs`
 * instead of holding the client (and a socket) forever.
 */
export function keepAliveFetcher(maxSockets: number, timeoutMs: number): Fetcher {
  // Every socket may stay open while idle (up to the agent's 30 s timeout): with fewer kept
  // (it was 16 of 64), a load above 16 concurrent requests closed sockets as requests finished
  // and opened new ones for the next: in a sold-out burst the booking subgraph spent 1.13 ms
  // of CPU per rejection behind the gateway against 0.40 ms with all sockets kept (bench/flash-sale).
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: 30_000 };
  const httpAgent = new http.Agent(options);
  const httpsAgent = new https.Agent(options);
  // node-fetch's own `timeout` covers the answer and its body, and its timers are cleared when
  // the body has been read; AbortSignal.timeout()'s timer fires after every request and builds
  // a DOMException with a stack each time.
  return ((url: string, init?: object) =>
    fetch(url, {
      timeout: timeoutMs,
      ...init,
      agent: (parsed: URL) => (parsed.protocol === "https:" ? httpsAgent : httpAgent),
    })) as unknown as Fetcher;
}

export interface SubgraphDataSourceOptions {
  serviceSecret: string;
  fetcher: Fetcher;
  /**
   * Share identical in-flight anonymous `query` requests (gateway/subgraph-deduplication.ts);
   * `GATEWAY_DEDUPLICATE=false` turns it off.
   */
  deduplicate?: boolean;
  /** Every HTTP request actually sent to the subgraph. */
  onRequest?: () => void;
  /** Every request answered by an identical one already in flight instead of being sent. */
  onDeduplicated?: () => void;
}

/**
 * Forwards the caller's token (subgraphs verify it again), the request id, and the service
 * secret that subgraphs require from the gateway.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly serviceSecret: string;

  constructor(url: string, options: SubgraphDataSourceOptions) {
    const { fetcher, onRequest, onDeduplicated } = options;
    const counted: Fetcher = onRequest
      ? (target, init) => {
          onRequest();
          return fetcher(target, init);
        }
      : fetcher;
    super({
      url,
      fetcher: options.deduplicate ? deduplicatingFetcher(counted, { onShared: onDeduplicated }) : counted,
    });
    this.serviceSecret = options.serviceSecret;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http!.headers;
    headers.set(SERVICE_SECRET_HEADER, this.serviceSecret);
    const ctx = context as Partial<GatewayContext>;
    if (ctx.token) headers.set("authorization", `Bearer ${ctx.token}`);
    if (ctx.requestId) headers.set("x-request-id", ctx.requestId);
    // Apollo Gateway runs this inside its `gateway.fetch` span: the subgraph continues it.
    injectTraceHeaders((name, value) => headers.set(name, value));
  }

  /**
   * A subgraph that refused the request as malformed (400) or too large (413) was sent a client
   * mistake the gateway's own checks let through: the client's error, not an internal one.
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    if (response.status === 400 || response.status === 413) {
      return new GraphQLError(
        response.status === 413 ? "The request is too large" : "The request was refused as invalid",
        { extensions: { code: "BAD_USER_INPUT" } },
      );
    }
    return super.errorFromResponse(response);
  }

  /** A subgraph that cannot be reached is a retryable condition for the client, not a bug. */
  override didEncounterError(error: Error): void {
    if (error.name === "FetchError" && (error as { type?: string }).type === "request-timeout") {
      throw new DomainError("SERVICE_UNAVAILABLE", "A backing service did not answer in time, please retry shortly");
    }
    if (error.name === "FetchError") {
      throw new DomainError("SERVICE_UNAVAILABLE", "A backing service is unavailable, please retry shortly");
    }
    if (error.name === "AbortError" || error.name === "TimeoutError") {
      throw new DomainError("SERVICE_UNAVAILABLE", "A backing service did not answer in time, please retry shortly");
    }
    throw error;
  }
}
