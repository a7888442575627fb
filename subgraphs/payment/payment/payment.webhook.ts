import { z } from "zod";
import { HttpError, readBody, sendJson, type Handler } from "../../../lib/http/server";
import type { Logger } from "../../../lib/observability/logger";
import { SIGNATURE_HEADER, webhookSignatureProblem } from "./webhook-signature";
import type { ProviderEvent } from "./payment.provider";
import type { PaymentService } from "./payment.service";

const providerEvent = z.discriminatedUnion("type", [
  z.object({
    id: z.string().min(1).max(200),
    type: z.literal("payment.succeeded"),
    data: z.object({
      paymentId: z.uuid(),
      chargeId: z.uuid().optional(),
      providerReference: z.string().min(1).max(200),
    }),
  }),
  z.object({
    id: z.string().min(1).max(200),
    type: z.literal("payment.failed"),
    data: z.object({
      paymentId: z.uuid(),
      chargeId: z.uuid().optional(),
      providerReference: z.string().min(1).max(200),
      failureReason: z.string().min(1).max(200),
    }),
  }),
  z.object({
    id: z.string().min(1).max(200),
    type: z.literal("refund.succeeded"),
    data: z.object({ refundId: z.uuid(), paymentId: z.uuid(), providerReference: z.string().min(1).max(200) }),
  }),
]);

/**
 * `POST /webhooks/payments`: the provider's events, HMAC-SHA256-signed over `<timestamp>.<body>`
 * with the shared secret. A missing, forged or stale signature, or a body that is not a known
 * event, is answered 400 and changes nothing; a valid event is applied once (`duplicate: true`
 * for a redelivery). A failure while applying answers 500, so the provider delivers it again.
 */
export function paymentWebhookRoutes(options: {
  payments: PaymentService;
  secret: string;
  toleranceSeconds: number;
  logger: Logger;
}): Record<string, Handler> {
  return {
    "POST /webhooks/payments": async (req, res) => {
      const body = (await readBody(req, 64 * 1024)).toString("utf8");
      const header = req.headers[SIGNATURE_HEADER];
      const problem = webhookSignatureProblem(
        options.secret,
        typeof header === "string" ? header : undefined,
        body,
        options.toleranceSeconds,
      );
      if (problem) {
        options.logger.warn("webhook refused", { problem, requestId: req.headers["x-request-id"] });
        sendJson(res, 400, { error: { code: "BAD_SIGNATURE", message: `Webhook refused: ${problem}` } });
        return;
      }
      let parsed: ReturnType<typeof providerEvent.safeParse>;
      try {
        parsed = providerEvent.safeParse(JSON.parse(body));
      } catch {
        throw new HttpError(400, "Webhook body is not valid JSON");
      }
      if (!parsed.success) {
        sendJson(res, 400, { error: { code: "BAD_USER_INPUT", message: "Not a known payment event" } });
        return;
      }
      const { applied } = await options.payments.handleProviderEvent(parsed.data as ProviderEvent);
      sendJson(res, 200, { received: true, duplicate: !applied });
    },
  };
}
