import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "cors";
import { z } from "zod";
import { sendError, type Handler } from "../lib/http/server";

/** Origins of the local Next.js app (`next dev` on port 3000): the default allow-list. */
export const DEVELOPMENT_ORIGINS = ["http://localhost:3000", "http://127.0.0.1:3000"];

/**
 * The headers browsers may send cross-origin: auth, JSON, Apollo Client's own, tracing, SSE
 * resumption and the stream token of graphql-sse's single connection mode.
 */
export const CORS_ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "apollographql-client-name",
  "apollographql-client-version",
  "x-request-id",
  "last-event-id",
  "x-graphql-event-stream-token",
];
/** Response headers a cross-origin page may read (the retry delay of a rate-limited request, the trace id). */
export const CORS_EXPOSED_HEADERS = ["retry-after", "x-request-id"];
/** How long a browser may reuse a preflight answer (Chromium caps it at 2 h); 10 min lets list changes land soon. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * `CORS_ORIGINS`: a comma-separated list of origins (`scheme://host[:port]`, no path), or `none`
 * for the gateway's own origin only. Each entry is normalised as browsers send it (lower case,
 * no default port), so `https://App.example.com:443` matches `Origin: https://app.example.com`.
 */
export const corsOrigins = z
  .string()
  .default(DEVELOPMENT_ORIGINS.join(","))
  .transform((value, ctx) => {
    if (value.trim() === "none") return [];
    const origins: string[] = [];
    for (const entry of value
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean)) {
      let url: URL | null = null;
      try {
        url = new URL(entry);
      } catch {
        // reported below
      }
      const bare =
        url &&
        ["http:", "https:"].includes(url.protocol) &&
        url.pathname === "/" &&
        !url.search &&
        !url.hash &&
        !url.username &&
        !url.password;
      if (!url || !bare) {
        ctx.addIssue({ code: "custom", message: `"${entry}" is not an origin like https://app.example.com` });
        continue;
      }
      origins.push(url.origin);
    }
    return origins;
  });

/**
 * Who may call the gateway from a browser: a request without `Origin` (servers, CLIs, same-origin
 * GETs), the gateway's own origin (the explorer it serves; `Host` as the browser addressed it)
 * and the configured origins. Everything else is a foreign page.
 */
export function originAllowed(allowed: readonly string[], req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  const host = req.headers.host;
  return !!host && (origin === `http://${host}` || origin === `https://${host}`);
}

/**
 * CORS for the GraphQL route (`cors`, the Express package, on plain node:http): answers the
 * preflight (`OPTIONS`), adds `Access-Control-Allow-Origin` (only for an allowed origin),
 * `Vary: Origin` and the exposed headers to every answer, and refuses a state-changing request
 * (anything but GET/HEAD) from a foreign page with 403 FORBIDDEN before it runs: the browser
 * would hide the answer, but a mutation would already have happened.
 *
 * No credentials mode: the API authenticates with bearer tokens, never cookies.
 */
export function corsPolicy(allowed: readonly string[]) {
  const middleware = cors((req, callback) =>
    callback(null, {
      // The request's own origin is listed when allowed, so `cors` reflects it; else none is sent.
      origin: originAllowed(allowed, req as IncomingMessage) ? [(req as IncomingMessage).headers.origin ?? ""] : [],
      // PUT and DELETE: graphql-sse's single connection mode reserves a stream and stops operations with them.
      methods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: CORS_MAX_AGE_SECONDS,
    }),
  );
  const apply = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<void>((resolve, reject) =>
      middleware(req as never, res as never, (error?: unknown) => (error ? reject(error) : resolve())),
    );
  return {
    /** `OPTIONS /graphql`: answered by `cors` (204). */
    preflight: (async (req, res) => {
      await apply(req, res);
      if (!res.writableEnded) res.end();
    }) satisfies Handler,
    /** Wraps a handler of the same route. */
    wrap:
      (handler: Handler): Handler =>
      async (req, res) => {
        await apply(req, res);
        const method = req.method ?? "GET";
        if (method !== "GET" && method !== "HEAD" && !originAllowed(allowed, req)) {
          return sendError(res, 403, `Origin ${req.headers.origin} is not allowed`, "FORBIDDEN");
        }
        return handler(req, res);
      },
  };
}
