/**
 * The gateway the app talks to, read on the server at request time (not inlined at build time),
 * so one production build runs against any gateway: GRAPHQL_URL, else NEXT_PUBLIC_GRAPHQL_URL,
 * else the local `npm start` gateway. The root layout passes it to the browser.
 */
export function graphqlUrl(): string {
  const env = process.env as Record<string, string | undefined>;
  return env["GRAPHQL_URL"] || env["NEXT_PUBLIC_" + "GRAPHQL_URL"] || "http://127.0.0.1:4000/graphql";
}

/**
 * Development sign-in's signing settings (lib/demo-tokens.ts), server-only: `DEV_JWT_SECRET` (the
 * `JWT_SECRET` the gateway runs with; unset: take the explorer's demo tokens) and the issuer and
 * audience the gateway expects.
 */
export function devSigning(): { secret: string | null; issuer: string; audience: string } {
  const env = process.env as Record<string, string | undefined>;
  return {
    secret: env.DEV_JWT_SECRET || null,
    issuer: env.JWT_ISSUER || "booking-platform",
    audience: env.JWT_AUDIENCE || "booking-api",
  };
}
