import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { bearerToken, createTokenVerifier, isServiceSecret, signUserToken } from "./auth";
import { DomainError } from "./errors";

const config = { jwtSecret: "a".repeat(32), issuer: "booking-platform", audience: "booking-api" };
const user = { userId: "user-1", role: "GUEST" as const, name: "Gus" };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  return error instanceof DomainError ? error.code : `no DomainError: ${String(error)}`;
}

describe("tokens", () => {
  const verifier = createTokenVerifier(config);

  it("accepts a token it signed and returns the principal", async () => {
    const principal = await verifier.verify(await signUserToken(config, user));
    expect(principal).toMatchObject({ userId: "user-1", role: "GUEST", name: "Gus" });
    expect(principal.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it("rejects tokens signed with another secret, expired, or for another audience", async () => {
    const other = await signUserToken({ ...config, jwtSecret: "b".repeat(32) }, user);
    const expired = await signUserToken(config, user, Math.floor(Date.now() / 1000) - 60);
    const foreign = await signUserToken({ ...config, audience: "other-api" }, user);
    for (const token of [other, expired, foreign, "not-a-jwt"]) {
      expect(await codeOf(verifier.verify(token))).toBe("UNAUTHENTICATED");
    }
  });

  it("rejects a valid signature without a known role", async () => {
    const token = await new SignJWT({ role: "SUPERUSER" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("user-1")
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(config.jwtSecret));
    expect(await codeOf(verifier.verify(token))).toBe("UNAUTHENTICATED");
  });

  const sign = (build: (jwt: SignJWT) => SignJWT) =>
    build(
      new SignJWT({ role: "GUEST" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("user-1")
        .setIssuer(config.issuer)
        .setAudience(config.audience),
    ).sign(new TextEncoder().encode(config.jwtSecret));

  it("rejects a correctly signed token without exp, and one that lives longer than allowed", async () => {
    const forever = await sign((jwt) => jwt.setIssuedAt());
    const error = await verifier.verify(forever).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(/exp/);
    const tooLong = await sign((jwt) => jwt.setIssuedAt().setExpirationTime("30d"));
    expect(await codeOf(verifier.verify(tooLong))).toBe("UNAUTHENTICATED");
    const short = createTokenVerifier({ ...config, maxLifetimeSeconds: 600 });
    expect(await codeOf(short.verify(await sign((jwt) => jwt.setExpirationTime("1h"))))).toBe("UNAUTHENTICATED");
    expect((await short.verify(await sign((jwt) => jwt.setIssuedAt().setExpirationTime("5m")))).userId).toBe("user-1");
  });

  it("never serves a cached token past its exp", async () => {
    const token = await sign((jwt) => jwt.setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 2));
    expect((await verifier.verify(token)).userId).toBe("user-1");
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await codeOf(verifier.verify(token))).toBe("UNAUTHENTICATED");
  });

  it("rejects the 'none' algorithm", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    const body = Buffer.from(
      JSON.stringify({ sub: "x", role: "ADMIN", iss: config.issuer, aud: config.audience }),
    ).toString("base64url");
    expect(await codeOf(verifier.verify(`${header}.${body}.`))).toBe("UNAUTHENTICATED");
  });

  it("parses bearer headers strictly", () => {
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(() => bearerToken("Basic dXNlcjpwYXNz")).toThrow(DomainError);
  });

  it("compares service secrets exactly", () => {
    expect(isServiceSecret("s".repeat(32), "s".repeat(32))).toBe(true);
    expect(isServiceSecret("s".repeat(31), "s".repeat(32))).toBe(false);
    expect(isServiceSecret(undefined, "s".repeat(32))).toBe(false);
  });
});

describe("tokens from a JWKS (RS256 / ES256 identity providers)", () => {
  it("verifies tokens signed by a key the JWKS publishes, and rejects others", async () => {
    const trusted = await generateKeyPair("ES256");
    const untrusted = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(trusted.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const verifier = createTokenVerifier({
        ...config,
        jwtSecret: undefined,
        jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      });
      const sign = (key: typeof trusted.privateKey) =>
        new SignJWT({ role: "ORGANIZER" })
          .setProtectedHeader({ alg: "ES256", kid: "k1" })
          .setSubject("auth0|organizer-7")
          .setIssuer(config.issuer)
          .setAudience(config.audience)
          .setExpirationTime("5m")
          .sign(key);
      expect(await verifier.verify(await sign(trusted.privateKey))).toMatchObject({
        userId: "auth0|organizer-7",
        role: "ORGANIZER",
      });
      expect(await codeOf(verifier.verify(await sign(untrusted.privateKey)))).toBe("UNAUTHENTICATED");
      // An HS256 token must not pass where asymmetric keys are expected.
      expect(await codeOf(verifier.verify(await signUserToken(config, user)))).toBe("UNAUTHENTICATED");
    } finally {
      server.close();
    }
  });
});
