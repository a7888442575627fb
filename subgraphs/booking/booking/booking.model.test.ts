import { describe, expect, it } from "vitest";
import { DomainError } from "../../../lib/core/errors";
import { decodeCursor, encodeCursor, generateBookingReference, REFERENCE_PATTERN } from "./booking.model";

describe("booking references", () => {
  it("have the form BR-YYYYMMDD-XXXXXX with the UTC date and no ambiguous characters", () => {
    const reference = generateBookingReference(new Date("2026-11-22T23:30:00-05:00"));
    expect(reference).toMatch(/^BR-20261123-[A-Z2-9]{6}$/);
    expect(reference).toMatch(REFERENCE_PATTERN);
    const many = Array.from({ length: 2000 }, () => generateBookingReference());
    expect(many.map((r) => r.slice(12)).join("")).not.toMatch(/[01OI]/);
    expect(new Set(many).size).toBe(many.length);
  });
});

describe("booking cursors", () => {
  it("round-trip the exact timestamp and id", () => {
    const cursor = { createdAt: "2026-11-22 14:36:18.123456+00", id: "5b0e6d1c-0000-4000-8000-000000000031" };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each([
    "",
    "garbage",
    Buffer.from('["not a date","x"]').toString("base64url"),
    Buffer.from("{}").toString("base64url"),
  ])("reject a malformed cursor %j with BAD_USER_INPUT", (value) => {
    expect(() => decodeCursor(value)).toThrow(DomainError);
    try {
      decodeCursor(value);
    } catch (error) {
      expect((error as DomainError).code).toBe("BAD_USER_INPUT");
    }
  });
});
