import { createHmac, timingSafeEqual } from "node:crypto";

/** Header carrying a webhook's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = "payment-signature";

const hmac = (secret: string, timestamp: number, body: string) =>
  createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");

/** The signature header value for `body`, as the provider sends it. */
export function signWebhook(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * Why a webhook is refused, or null when its signature is valid and its timestamp within
 * `toleranceSeconds` of now (a replayed old delivery is refused even with a valid signature).
 */
export function webhookSignatureProblem(
  secret: string,
  header: string | undefined,
  body: string,
  toleranceSeconds: number,
  now = Date.now(),
): string | null {
  if (!header) return "missing signature";
  const parts = new Map(
    header.split(",").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get("t"));
  const signature = parts.get("v1");
  if (!Number.isInteger(timestamp) || !signature || !/^[0-9a-f]{64}$/.test(signature)) return "malformed signature";
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return "timestamp outside the tolerance";
  const expected = Buffer.from(hmac(secret, timestamp, body), "hex");
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return "signature does not match";
  return null;
}
