import { Redis, type RedisOptions } from "ioredis";
import { SpanKind, startChildSpan, tracingEnabled } from "../observability/tracing";

/**
 * A Redis connection for commands. Requests fail fast while Redis is down (one retry, short
 * offline queue) so callers can answer SERVICE_UNAVAILABLE instead of hanging.
 */
export function connectRedis(url: string, name: string, overrides: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    // A command Redis cannot answer in time fails, so callers answer SERVICE_UNAVAILABLE.
    commandTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...overrides,
  });
  // Errors surface on the commands that fail; without a listener ioredis logs every retry.
  redis.on("error", () => {});
  traceCommands(redis);
  return redis;
}

/**
 * A span per command sent inside a traced operation (lib/observability/tracing.ts); the command's own promise
 * is returned untouched. Commands queued in a pipeline or MULTI are sent as one and not traced.
 */
function traceCommands(redis: Redis): void {
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: Parameters<Redis["sendCommand"]>[0], stream?: unknown) => {
    const span = tracingEnabled()
      ? startChildSpan(command.name.toUpperCase(), SpanKind.CLIENT, {
          "db.system.name": "redis",
          "db.operation.name": command.name,
        })
      : null;
    const result = send(command, stream as never);
    if (span)
      command.promise.then(
        () => span.end(),
        (error: unknown) => span.end(error),
      );
    return result;
  }) as Redis["sendCommand"];
}
