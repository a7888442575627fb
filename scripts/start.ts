/** `npm start`: the whole platform in one process (embedded backends unless URLs are set). */
import "reflect-metadata";
import { runMain } from "../lib/main";
import { startPlatform } from "../lib/platform";
import { SUBGRAPH_DEFINITIONS } from "../subgraphs";

await runMain(async (env, logger) => {
  const platform = await startPlatform(SUBGRAPH_DEFINITIONS, env, logger);
  const backends =
    platform.mode === "embedded" ? "embedded PGlite, in-process adapters" : "PostgreSQL/Redis from the environment";
  const lines = [
    "",
    `Booking platform is up (${backends}).`,
    `  GraphQL endpoint: ${platform.gatewayUrl}  (WebSocket subscriptions: ${platform.gatewayUrl.replace(/^http/, "ws")})`,
    ...(env.EXPLORER_ENABLED === "false"
      ? []
      : [`  Explorer:         ${platform.gatewayUrl.replace(/\/graphql$/, "/")}`]),
    "",
  ];
  for (const [who, token] of Object.entries(platform.demoTokens)) {
    lines.push(`  ${who.padEnd(9)} Authorization: Bearer ${token}`);
  }
  if (Object.keys(platform.demoTokens).length) {
    lines.push("", "  (demo tokens are valid for 24 h, signed with this process's JWT secret)", "");
  }
  const sample = `{"query":"{ venues { name slots { title zones { name available price { amount currency } } } } }"}`;
  lines.push(`Try: curl -s ${platform.gatewayUrl} -H 'content-type: application/json' -d '${sample}'`, "");
  process.stdout.write(lines.join("\n") + "\n");
  return platform;
});
