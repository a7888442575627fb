/**
 * Which backends the integration and end-to-end tests use. Tests may read process.env:
 * the URLs are how CI hands them the real services.
 */
export const backends = {
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
  kafkaBrokers: process.env.KAFKA_BROKERS || undefined,
};

export const isCI = process.env.CI === "true" || process.env.CI === "1";

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}
