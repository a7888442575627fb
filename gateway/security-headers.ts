import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

/**
 * The Content-Security-Policy of every gateway answer (seed 003 §6.1: `default-src 'self'`),
 * tightened for an API: no framing, no `<base>`, no plugins. The explorer page sends its own,
 * wider policy (see `explorer.ts`), which replaces this one on that page only.
 */
export const API_CONTENT_SECURITY_POLICY = {
  "default-src": ["'self'"],
  "base-uri": ["'none'"],
  "frame-ancestors": ["'none'"],
  "form-action": ["'self'"],
  "object-src": ["'none'"],
};

/**
 * Security headers on every answer of the gateway (helmet, on plain node:http), seed 003 §6.1:
 *
 * - `Strict-Transport-Security: max-age=31536000; includeSubDomains` — browsers ignore it over
 *   plain HTTP, so it is harmless in development and effective behind TLS.
 * - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`.
 * - `X-XSS-Protection: 0`, not the seed's `1; mode=block`: the filter it switched on was removed
 *   from every current browser, and in the old ones it could be abused to blank out or leak parts
 *   of a page (OWASP and MDN advise `0` and a CSP instead). The CSP is the protection.
 * - `Content-Security-Policy`: API_CONTENT_SECURITY_POLICY.
 *
 * helmet also adds its other defaults (Cross-Origin-Opener-Policy and -Resource-Policy
 * `same-origin`, Origin-Agent-Cluster, X-DNS-Prefetch-Control off, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies none) and removes X-Powered-By. Cross-Origin-Resource-Policy
 * does not apply to CORS requests, so allowed origins still read `/graphql`.
 */
export function securityHeaders(): (req: IncomingMessage, res: ServerResponse) => void {
  const middleware = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: API_CONTENT_SECURITY_POLICY },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    xXssProtection: true,
  });
  // helmet only sets headers and calls `next` synchronously.
  return (req, res) => middleware(req, res, () => {});
}
