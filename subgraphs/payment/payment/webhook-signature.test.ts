import { describe, expect, it } from "vitest";
import { signWebhook, webhookSignatureProblem } from "./webhook-signature";

const secret = "s".repeat(40);
const body = JSON.stringify({ id: "evt_1", type: "payment.succeeded" });

describe("webhook signatures", () => {
  it("accepts its own signature within the tolerance", () => {
    expect(webhookSignatureProblem(secret, signWebhook(secret, body), body, 300)).toBeNull();
  });
  it("refuses a missing, malformed, forged or tampered signature", () => {
    const now = Math.floor(Date.now() / 1000);
    expect(webhookSignatureProblem(secret, undefined, body, 300)).toBe("missing signature");
    expect(webhookSignatureProblem(secret, "v1=abc", body, 300)).toBe("malformed signature");
    expect(webhookSignatureProblem(secret, signWebhook("x".repeat(40), body, now), body, 300)).toBe(
      "signature does not match",
    );
    expect(
      webhookSignatureProblem(secret, signWebhook(secret, body, now), body.replace("succeeded", "failed"), 300),
    ).toBe("signature does not match");
  });
  it("refuses a correctly signed delivery older (or newer) than the tolerance", () => {
    const stale = signWebhook(secret, body, Math.floor(Date.now() / 1000) - 301);
    expect(webhookSignatureProblem(secret, stale, body, 300)).toBe("timestamp outside the tolerance");
    const future = signWebhook(secret, body, Math.floor(Date.now() / 1000) + 400);
    expect(webhookSignatureProblem(secret, future, body, 300)).toBe("timestamp outside the tolerance");
  });
});
