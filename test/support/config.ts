import { ConfigError } from "../../lib/core/config";

/** The problems a configuration loader reports; fails when it reports none. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}
