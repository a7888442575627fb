import type { Env } from "./config";

/** The one place that reads the process environment; configs parse what it returns. */
export const processEnv = (): Env => ({ ...process.env });
