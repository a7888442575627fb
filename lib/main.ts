import { z } from "zod";
import { ConfigError, logLevel, parseEnv, type Env } from "./config";
import { processEnv } from "./env";
import { createLogger, type Logger } from "./logger";

/**
 * Runs a process entry point: parses the log level, starts, stops cleanly on SIGINT/SIGTERM,
 * and turns a configuration error into a message and exit code 1 instead of a stack trace.
 */
export async function runMain(start: (env: Env, logger: Logger) => Promise<{ close(): Promise<void> }>): Promise<void> {
  const env = processEnv();
  try {
    const logger = createLogger(parseEnv(z.object({ LOG_LEVEL: logLevel }), env).LOG_LEVEL);
    const running = await start(env, logger);
    const stop = async () => {
      await running.close().catch((error) => logger.error("shutdown failed", { error }));
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
}
