import type { IncomingMessage } from "node:http";
import { authenticate, type Principal, type TokenVerifier } from "../lib/core/auth";
import { requestId } from "../lib/http/server";
import type { Logger } from "../lib/observability/logger";

export interface GatewayContext {
  principal: Principal | null;
  /** The verified token, forwarded to subgraphs. */
  token: string | null;
  requestId: string;
  logger: Logger;
  /**
   * The client's address (gateway/rate-limit/client-ip.ts) on operations a client sent: HTTP,
   * and queries and mutations over WebSocket and SSE. Absent on the gateway's own executions
   * (subscription payloads), which are not rate-limited.
   */
  clientIp?: string;
}

/** Verifies the caller's token once at the edge; an invalid token is refused with 401. */
export async function buildGatewayContext(
  req: IncomingMessage,
  verifier: TokenVerifier,
  logger: Logger,
  clientIpOf?: (req: IncomingMessage) => string,
): Promise<GatewayContext> {
  const id = requestId(req);
  const { token, principal } = await authenticate(req.headers.authorization, verifier);
  const clientIp = clientIpOf?.(req);
  return {
    principal,
    token,
    requestId: id,
    logger: logger.child({ requestId: id }),
    ...(clientIp ? { clientIp } : {}),
  };
}
