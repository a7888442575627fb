/**
 * `npm run token -- <guest|organizer|admin> [--sub ID] [--email E] [--name N] [--expires 12h]`:
 * prints a user token signed with JWT_SECRET (the secret the gateway and the subgraphs verify
 * with), nothing else, so `export TOKEN=$(npm run -s token -- guest)` works. Without --sub and
 * --email it is the demo user of that role (the one the demo data belongs to).
 */
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { signUserToken } from "../lib/core/auth";
import { authEnv, parseEnv, secretCommand, StartupError, type Env } from "../lib/core/config";
import { DEMO_USERS } from "../lib/core/demo";
import { processEnv } from "../lib/core/env";

export const TOKEN_USAGE =
  "usage: npm run token -- <guest|organizer|admin> [--sub ID] [--email E] [--name N] [--expires 12h]";

export interface TokenRequest {
  role: keyof typeof DEMO_USERS;
  sub?: string;
  email?: string;
  name?: string;
  /** Lifetime in seconds. */
  expiresInSeconds: number;
}

/** `30s`, `15m`, `12h`, `7d` or a number of seconds. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  const unit = { s: 1, m: 60, h: 3_600, d: 86_400 }[(match[2] ?? "s") as "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

const DEFAULT_LIFETIME_SECONDS = 12 * 3_600;

export function parseTokenArgs(args: string[]): TokenRequest {
  const [role, ...rest] = args;
  if (role !== "guest" && role !== "organizer" && role !== "admin") {
    throw new StartupError(`${TOKEN_USAGE}\n(the role comes first; got ${role ?? "nothing"})`);
  }
  const request: TokenRequest = { role, expiresInSeconds: DEFAULT_LIFETIME_SECONDS };
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (value === undefined || value.startsWith("--"))
      throw new StartupError(`${TOKEN_USAGE}\n(${flag} needs a value)`);
    if (flag === "--sub") request.sub = value;
    else if (flag === "--email") request.email = value;
    else if (flag === "--name") request.name = value;
    else if (flag === "--expires") {
      const seconds = parseDuration(value);
      if (!seconds) throw new StartupError(`--expires: expected 30s, 15m, 12h, 7d or seconds; got ${value}`);
      request.expiresInSeconds = seconds;
    } else throw new StartupError(`${TOKEN_USAGE}\n(unknown option ${flag})`);
  }
  return request;
}

const tokenEnv = z.object(authEnv);

/** Signs the token `args` ask for with the environment's JWT_SECRET, issuer and audience. */
export async function issueToken(args: string[], env: Env): Promise<string> {
  const request = parseTokenArgs(args);
  if (!env.JWT_SECRET) {
    throw new StartupError(
      env.JWKS_URL
        ? "npm run token needs JWT_SECRET: with JWKS_URL set, tokens come from your identity provider, not from here."
        : [
            "npm run token needs JWT_SECRET: the secret the gateway and the subgraphs verify user tokens with.",
            "Use the value the services were started with (in their shell: echo $JWT_SECRET), or create one for a new",
            `deployment with: ${secretCommand("JWT_SECRET")}`,
            "(`npm start` alone generates its own secret and prints the demo users' tokens in its banner.)",
          ].join("\n"),
    );
  }
  const auth = parseEnv(tokenEnv, env);
  if (request.expiresInSeconds > auth.JWT_MAX_LIFETIME_SECONDS) {
    throw new StartupError(
      `--expires: at most ${auth.JWT_MAX_LIFETIME_SECONDS} s (JWT_MAX_LIFETIME_SECONDS); longer tokens are refused by the services`,
    );
  }
  const demo = DEMO_USERS[request.role];
  const custom = request.sub !== undefined;
  return signUserToken(
    { jwtSecret: auth.JWT_SECRET!, issuer: auth.JWT_ISSUER, audience: auth.JWT_AUDIENCE },
    {
      userId: request.sub ?? demo.userId,
      role: demo.role,
      // Another user than the demo one gets only what was given (no demo name or e-mail).
      email: request.email ?? (custom ? undefined : demo.email),
      name: request.name ?? (custom ? undefined : demo.name),
    },
    // A string: a number would be read as the absolute expiry time.
    `${request.expiresInSeconds}s`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    process.stdout.write(`${await issueToken(process.argv.slice(2), processEnv())}\n`);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
