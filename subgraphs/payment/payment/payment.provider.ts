import { randomUUID } from "node:crypto";
import type { Logger } from "../../../lib/observability/logger";
import { signWebhook, SIGNATURE_HEADER } from "./webhook-signature";

/** The events a provider sends to `POST /webhooks/payments`. */
export type ProviderEvent =
  | {
      id: string;
      type: "payment.succeeded";
      /** `chargeId`: our charge (absent: the payment's charge in flight). */
      data: { paymentId: string; chargeId?: string; providerReference: string };
    }
  | {
      id: string;
      type: "payment.failed";
      data: { paymentId: string; chargeId?: string; providerReference: string; failureReason: string };
    }
  | { id: string; type: "refund.succeeded"; data: { refundId: string; paymentId: string; providerReference: string } };

/** The provider refused the payment method outright (an unknown or malformed token). */
export class InvalidPaymentMethod extends Error {}

/**
 * A card processor (the port). `charge` and `refund` only start the operation and answer with
 * the provider's reference; the outcome arrives later as a signed webhook. A real provider's
 * adapter implements these two calls against its API (with our payment/refund id as its
 * idempotency key) and is configured to send its webhooks to `/webhooks/payments`.
 */
export interface PaymentProvider {
  readonly name: string;
  charge(request: {
    paymentId: string;
    /** Our charge id: the provider's idempotency key (one payment has a charge per top-up). */
    chargeId: string;
    amountMinor: number;
    currency: string;
    paymentMethodToken: string;
  }): Promise<{ providerReference: string }>;
  refund(request: {
    refundId: string;
    paymentId: string;
    providerReference: string;
    amountMinor: number;
    currency: string;
  }): Promise<{ providerReference: string }>;
  close(): void;
}

/** Test tokens of the simulated provider. */
export const SIMULATED_TOKENS = {
  tok_success: "the payment succeeds",
  tok_visa: "the payment succeeds",
  tok_decline: "the card is declined (card_declined)",
  tok_insufficient_funds: "the card is declined (insufficient_funds)",
  "tok_delayed_<ms>": "the payment succeeds after <ms> milliseconds (at most 600000)",
} as const;

/**
 * A simulated card processor: it answers at once and later POSTs a signed webhook with the
 * outcome the test token chose, retrying the delivery with backoff (as real providers do) until
 * our endpoint answers 2xx. Charging the same charge id twice returns the same reference.
 */
export function createSimulatedProvider(options: {
  webhookSecret: string;
  delayMs: number;
  webhookUrl: () => string;
  logger: Logger;
}): PaymentProvider {
  const timers = new Set<NodeJS.Timeout>();
  const charged = new Map<string, string>();
  let closed = false;

  function later(ms: number, run: () => Promise<void>) {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void run();
    }, ms);
    timers.add(timer);
  }

  function deliver(event: ProviderEvent, attempt = 1) {
    later(attempt === 1 ? 0 : Math.min(250 * 2 ** attempt, 30_000), async () => {
      const body = JSON.stringify(event);
      try {
        const response = await fetch(options.webhookUrl(), {
          method: "POST",
          headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signWebhook(options.webhookSecret, body) },
          body,
        });
        if (response.ok) return;
        throw new Error(`webhook answered ${response.status}`);
      } catch (error) {
        if (attempt >= 8) {
          options.logger.error("simulated provider gave up delivering a webhook", { eventId: event.id, error });
          return;
        }
        deliver(event, attempt + 1);
      }
    });
  }

  return {
    name: "simulated",
    async charge({ paymentId, chargeId, paymentMethodToken }) {
      const token = paymentMethodToken.trim();
      const delayed = /^tok_delayed_(\d{1,6})$/.exec(token);
      const outcome =
        token === "tok_success" || token === "tok_visa"
          ? { ok: true as const, after: options.delayMs }
          : delayed && Number(delayed[1]) <= 600_000
            ? { ok: true as const, after: Number(delayed[1]) }
            : token === "tok_decline"
              ? { ok: false as const, reason: "card_declined", after: options.delayMs }
              : token === "tok_insufficient_funds"
                ? { ok: false as const, reason: "insufficient_funds", after: options.delayMs }
                : null;
      if (!outcome)
        throw new InvalidPaymentMethod(
          `Unknown payment method token; test tokens: ${Object.keys(SIMULATED_TOKENS).join(", ")}`,
        );
      const known = charged.get(chargeId);
      if (known) return { providerReference: known };
      const providerReference = `sim_ch_${randomUUID().replaceAll("-", "")}`;
      charged.set(chargeId, providerReference);
      later(outcome.after, async () =>
        deliver(
          outcome.ok
            ? { id: `evt_${randomUUID()}`, type: "payment.succeeded", data: { paymentId, chargeId, providerReference } }
            : {
                id: `evt_${randomUUID()}`,
                type: "payment.failed",
                data: { paymentId, chargeId, providerReference, failureReason: outcome.reason },
              },
        ),
      );
      return { providerReference };
    },
    async refund({ refundId, paymentId }) {
      const providerReference = `sim_re_${refundId.replaceAll("-", "")}`;
      later(options.delayMs, async () =>
        deliver({
          id: `evt_${randomUUID()}`,
          type: "refund.succeeded",
          data: { refundId, paymentId, providerReference },
        }),
      );
      return { providerReference };
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
