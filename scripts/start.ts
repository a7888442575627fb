/** `npm start`: the whole platform in one process (embedded backends unless URLs are set). */
import "reflect-metadata";
import { z } from "zod";
import { ConfigError, logLevel, parseEnv } from "../lib/config";
import { createLogger } from "../lib/logger";
import { startPlatform } from "../lib/platform";
import { processEnv } from "../lib/env";
import { SUBGRAPH_DEFINITIONS } from "../subgraphs";

const env = processEnv();
try {
  const logger = createLogger(parseEnv(z.object({ LOG_LEVEL: logLevel }), env).LOG_LEVEL);
  const platform = await startPlatform(SUBGRAPH_DEFINITIONS, env, logger);
  const lines = [
    "",
    `Booking platform is up (${platform.mode === "embedded" ? "embedded PGlite, in-process adapters" : "PostgreSQL/Redis from the environment"}).`,
    `  GraphQL endpoint: ${platform.gatewayUrl}`,
    "",
  ];
  for (const [who, token] of Object.entries(platform.demoTokens)) {
    lines.push(`  ${who.padEnd(9)} Authorization: Bearer ${token}`);
  }
  if (Object.keys(platform.demoTokens).length)
    lines.push("", "  (demo tokens are valid for 24 h and only for this process's JWT secret)", "");
  lines.push(
    `Try: curl -s ${platform.gatewayUrl} -H 'content-type: application/json' -d '{"query":"{ venues { name slots { title zones { name available price { amount currency } } } } }"}'`,
    "",
  );
  process.stdout.write(lines.join("\n") + "\n");
  const stop = async () => {
    await platform.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
