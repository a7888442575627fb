import { describe, expect, it } from "vitest";
import { refundTermsAt } from "./booking.policy";

const HOUR = 3_600_000;
const POLICY = [
  { hoursBefore: 24, refundPercent: 50 },
  { hoursBefore: 48, refundPercent: 100 },
];

describe("refundTermsAt", () => {
  const start = new Date("2026-12-10T20:00:00Z");
  const at = (hoursBefore: number) => new Date(start.getTime() - hoursBefore * HOUR);

  it("applies the first tier whose hours are still ahead, whatever order the tiers are in", () => {
    expect(refundTermsAt(POLICY, start, at(72))).toEqual({ refundPercent: 100, tierHoursBefore: 48 });
    expect(refundTermsAt(POLICY, start, at(48))).toEqual({ refundPercent: 100, tierHoursBefore: 48 });
    expect(refundTermsAt(POLICY, start, at(47.99))).toEqual({ refundPercent: 50, tierHoursBefore: 24 });
    expect(refundTermsAt(POLICY, start, at(24))).toEqual({ refundPercent: 50, tierHoursBefore: 24 });
  });

  it("refunds nothing below the last tier, and after the start", () => {
    expect(refundTermsAt(POLICY, start, at(23.99))).toEqual({ refundPercent: 0, tierHoursBefore: null });
    expect(refundTermsAt([{ hoursBefore: 0, refundPercent: 80 }], start, at(-1))).toEqual({
      refundPercent: 0,
      tierHoursBefore: null,
    });
  });

  it("refunds everything without a policy or a known start", () => {
    expect(refundTermsAt(null, start, at(1))).toEqual({ refundPercent: 100, tierHoursBefore: null });
    expect(refundTermsAt([], start, at(1))).toEqual({ refundPercent: 100, tierHoursBefore: null });
    expect(refundTermsAt(POLICY, null, at(1))).toEqual({ refundPercent: 100, tierHoursBefore: null });
  });
});
