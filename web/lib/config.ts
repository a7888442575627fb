/**
 * The gateway the app talks to, read on the server at request time (not inlined at build time),
 * so one production build runs against any gateway: GRAPHQL_URL, else NEXT_PUBLIC_GRAPHQL_URL,
 * else the local `npm start` gateway. The root layout passes it to the browser.
 */
export function graphqlUrl(): string {
  const env = process.env as Record<string, string | undefined>;
  return env["GRAPHQL_URL"] || env["NEXT_PUBLIC_" + "GRAPHQL_URL"] || "http://127.0.0.1:4000/graphql";
}
