import { StartupError, type Env } from "../core/config";
import { processEnv } from "../core/env";
import { createLogger, type Logger, type LogLevel } from "../observability/logger";
import { configureTracing } from "../observability/tracing";

/** A process entry point: its configuration, parsed once from the environment, and what it runs. */
export interface Main<C extends { logLevel: LogLevel }> {
  /** Parses the environment into the one typed configuration the process passes down. */
  config(env: Env): C;
  start(config: C, logger: Logger): Promise<{ close(): Promise<void> }>;
}

/**
 * Runs a process entry point: parses its configuration once, starts, stops cleanly on
 * SIGINT/SIGTERM, and turns an operator's problem (a configuration error, a busy port) into a
 * message and exit code 1 instead of a stack trace.
 */
export async function runMain<C extends { logLevel: LogLevel }>(
  main: Main<C>,
  /** The service this process runs, for its traces (lib/observability/tracing.ts); the platform names its own. */
  options: { service?: string } = {},
): Promise<void> {
  const env = processEnv();
  try {
    const config = main.config(env);
    const logger = createLogger(config.logLevel);
    const tracing = options.service ? configureTracing(env, options.service) : null;
    const started = await main.start(config, logger);
    const running = {
      close: async () => {
        await started.close();
        await tracing?.shutdown();
      },
    };
    // Graceful shutdown: servers stop accepting and finish the requests in flight, relays and
    // consumers finish their current batch, then the process exits 0. A second signal, or a
    // shutdown that takes too long, exits at once (1).
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) process.exit(1);
      stopping = true;
      logger.info("shutting down", { signal });
      const deadline = setTimeout(() => {
        logger.error("shutdown took too long; exiting");
        process.exit(1);
      }, 30_000);
      deadline.unref();
      try {
        await running.close();
        logger.info("shut down");
        process.exit(0);
      } catch (error) {
        logger.error("shutdown failed", { error });
        process.exit(1);
      }
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
