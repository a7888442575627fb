import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface BenchPlatform {
  child: ChildProcess;
  mode: "embedded" | "real";
  gatewayPort: number;
  bookingPort: number;
  secrets: { JWT_SECRET: string; SERVICE_SECRET: string };
  tokens: Record<"guest" | "organizer" | "admin", string>;
  stop(): void;
}

/**
 * The platform as its own process (as `npm start` runs it), on the services the environment
 * names; the load comes from this process, so both share the machine's CPUs.
 */
export async function startBenchPlatform(extraEnv: Record<string, string> = {}): Promise<BenchPlatform> {
  const ports: Record<string, string> = {};
  for (const name of ["GATEWAY", "BOOKING", "INVENTORY", "PAYMENT", "NOTIFICATION", "RELAY"])
    ports[`${name}_PORT`] = String(await freePort());
  const secrets = { JWT_SECRET: randomBytes(32).toString("hex"), SERVICE_SECRET: randomBytes(32).toString("hex") };
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/start.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...ports,
      ...secrets,
      LOG_LEVEL: "warn",
      REDIS_PREFIX: `bench-${randomBytes(4).toString("hex")}`,
      // The load comes from this one machine (README: never off in production).
      RATE_LIMIT_ENABLED: "false",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (chunk) => (out += chunk));
  const deadline = Date.now() + 60_000;
  while (!/GraphQL endpoint/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`platform did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const token = (who: string) => new RegExp(`${who}\\s+Authorization: Bearer (\\S+)`).exec(out)![1];
  return {
    child,
    mode: /embedded/.test(out) ? "embedded" : "real",
    gatewayPort: Number(ports.GATEWAY_PORT),
    bookingPort: Number(ports.BOOKING_PORT),
    secrets,
    tokens: { guest: token("guest"), organizer: token("organizer"), admin: token("admin") },
    stop: () => child.kill("SIGTERM"),
  };
}

export interface PostResult {
  status: number;
  body: { data?: Record<string, any> | null; errors?: { extensions?: { code?: string } }[] } | null;
  ms: number;
}

export function post(
  agent: http.Agent,
  port: number,
  body: string,
  headers: Record<string, string> = {},
): Promise<PostResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => {
          let parsed = null;
          try {
            parsed = JSON.parse(text);
          } catch {
            // counted as an error below
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
        });
      },
    );
    req.on("error", () => resolve({ status: 0, body: null, ms: performance.now() - started }));
    req.end(body);
  });
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

export function printTable(rows: Record<string, string | number>[]): void {
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ");
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((c) => cell(row[c]))));
}

export async function writeResult(name: string, result: object): Promise<string> {
  const dir = path.join(ROOT, "bench", "results");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replaceAll(":", "-")}.json`);
  await writeFile(
    file,
    JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, node: process.version, ...result }, null, 2),
  );
  return path.relative(ROOT, file);
}
