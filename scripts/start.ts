/** `npm start`: the whole platform in one process (embedded backends unless URLs are set). */
import "reflect-metadata";

// Loading the services' code takes a few seconds on a slow machine: say so before it starts.
const began = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);
say("Starting the booking platform…");
say("  loading the services' code");
const { runMain } = await import("../lib/process/main");
const { loadPlatformConfig, startPlatformWith } = await import("../launcher/platform");
const { SUBGRAPH_DEFINITIONS } = await import("../subgraphs");

await runMain({
  config: loadPlatformConfig,
  async start(config, logger) {
    say(
      config.mode === "embedded"
        ? "  backends: embedded PGlite, in-process events and holds (set DATABASE_URL, REDIS_URL, KAFKA_BROKERS for real ones)"
        : `  backends: PostgreSQL${config.subgraphs.booking.redisUrl ? ", Redis" : ""}${config.subgraphs.booking.kafkaBrokers ? ", Kafka" : ""} from the environment`,
    );
    const platform = await startPlatformWith(SUBGRAPH_DEFINITIONS, config, logger, {
      progress: (line) => say(`  ${line}`),
    });
    say(`  ready in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    const backends =
      platform.mode === "embedded" ? "embedded PGlite, in-process adapters" : "PostgreSQL/Redis from the environment";
    const lines = [
      "",
      `Booking platform is up (${backends}).`,
      `  GraphQL endpoint: ${platform.gatewayUrl}  (WebSocket subscriptions: ${platform.gatewayUrl.replace(/^http/, "ws")})`,
      ...(config.gateway.explorerEnabled
        ? [`  Explorer:         ${platform.gatewayUrl.replace(/\/graphql$/, "/")}`]
        : []),
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
    say(lines.join("\n"));
    return platform;
  },
});
