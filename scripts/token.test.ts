import { describe, expect, it } from "vitest";
import { createTokenVerifier } from "../lib/core/auth";
import { StartupError } from "../lib/core/config";
import { DEMO_USERS } from "../lib/core/demo";
import { issueToken, parseDuration } from "./token";

const env = { JWT_SECRET: "t".repeat(64) };
const verifier = createTokenVerifier({
  jwtSecret: env.JWT_SECRET,
  issuer: "booking-platform",
  audience: "booking-api",
  maxLifetimeSeconds: 86_400,
});

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StartupError);
  return (error as Error).message;
};

describe("npm run token", () => {
  it("signs a token for each role's demo user that the services accept", async () => {
    for (const role of ["guest", "organizer", "admin"] as const) {
      const principal = await verifier.verify(await issueToken([role], env));
      expect(principal).toMatchObject({
        userId: DEMO_USERS[role].userId,
        role: DEMO_USERS[role].role,
        email: DEMO_USERS[role].email,
      });
    }
  });

  it("takes another subject and e-mail, and a lifetime", async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await issueToken(
      ["organizer", "--sub", "org-42", "--email", "o@example.test", "--expires", "2h"],
      env,
    );
    const principal = await verifier.verify(token);
    expect(principal).toMatchObject({ userId: "org-42", role: "ORGANIZER", email: "o@example.test" });
    expect(principal.name).toBeUndefined();
    expect(principal.expiresAt! - before).toBeGreaterThanOrEqual(7_200 - 1);
    expect(principal.expiresAt! - before).toBeLessThanOrEqual(7_200 + 5);
  });

  it("says how to get JWT_SECRET when it is not set", async () => {
    const message = await failure(issueToken(["guest"], {}));
    expect(message).toContain("npm run token needs JWT_SECRET");
    expect(message).toContain("export JWT_SECRET=$(openssl rand -hex 32)");
  });

  it("refuses an unknown role, option or a lifetime the services would refuse", async () => {
    expect(await failure(issueToken(["root"], env))).toContain("usage: npm run token -- <guest|organizer|admin>");
    expect(await failure(issueToken(["guest", "--role", "admin"], env))).toContain("unknown option --role");
    expect(await failure(issueToken(["guest", "--expires", "2d"], env))).toContain("JWT_MAX_LIFETIME_SECONDS");
    expect(parseDuration("90")).toBe(90);
    expect(parseDuration("15m")).toBe(900);
    expect(parseDuration("soon")).toBeNull();
  });
});
