import { SignJWT } from "jose";
import { devSigning } from "./config";
import type { Role } from "./session";

/**
 * Development sign-in: tokens for the platform's demo users, obtained on the server (route
 * handler app/api/session/route.ts), never in the browser bundle.
 *
 * 1. With DEV_JWT_SECRET set (server-only; the JWT_SECRET the gateway was started with), the
 *    app signs a short-lived token for the demo user, like `npm run token -- <role>` does.
 * 2. Otherwise it takes the demo tokens the gateway's explorer offers in embedded mode
 *    (`npm start` on a developer's machine, or EXPLORER_DEMO_TOKENS=true): the JSON in the
 *    `explorer-config` element of the explorer page.
 *
 * A real deployment replaces this with its identity provider (see web/README.md, "Auth").
 */
export const DEMO_USERS: Record<
  "guest" | "organizer" | "admin",
  { userId: string; role: Role; name: string; email: string }
> = {
  guest: {
    userId: "7c0d6a0e-2f55-4d8c-9d5e-000000000001",
    role: "GUEST",
    name: "Grace Guest",
    email: "grace@example.com",
  },
  organizer: {
    userId: "7c0d6a0e-2f55-4d8c-9d5e-000000000002",
    role: "ORGANIZER",
    name: "Oscar Organizer",
    email: "oscar@example.com",
  },
  admin: { userId: "7c0d6a0e-2f55-4d8c-9d5e-000000000003", role: "ADMIN", name: "Ada Admin", email: "ada@example.com" },
};

export type DemoUser = keyof typeof DEMO_USERS;

export function isDemoUser(value: unknown): value is DemoUser {
  return value === "guest" || value === "organizer" || value === "admin";
}

export async function demoToken(user: DemoUser, gatewayUrl: string): Promise<string> {
  const { secret, issuer, audience } = devSigning();
  if (secret) {
    const demo = DEMO_USERS[user];
    return new SignJWT({ role: demo.role, email: demo.email, name: demo.name })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(demo.userId)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("12h")
      .sign(new TextEncoder().encode(secret));
  }
  const page = await fetch(new URL("/", gatewayUrl), { headers: { accept: "text/html" }, cache: "no-store" });
  if (!page.ok) throw new Error(`The gateway's explorer answered ${page.status}`);
  const match = /<script id="explorer-config" type="application\/json">([\s\S]*?)<\/script>/.exec(await page.text());
  const tokens = match ? (JSON.parse(match[1]) as { demoTokens?: Record<string, string> }).demoTokens : undefined;
  const token = tokens?.[user];
  if (!token) {
    throw new Error(
      "The gateway offers no demo tokens (it does with embedded `npm start` or EXPLORER_DEMO_TOKENS=true); set DEV_JWT_SECRET for the app's server instead.",
    );
  }
  return token;
}
