import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { signUserToken } from "../lib/core/auth";
import { DEMO_USERS } from "../lib/core/demo";
import type { SampledProcess } from "./sampler";

export const ROOT = path.resolve(import.meta.dirname, "..");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type BenchMode = "distributed" | "one-process";

export interface BenchPlatformOptions {
  /**
   * `distributed`: gateway, the four subgraphs and the outbox relay each their own process (needs
   * DATABASE_URL; the relay and the subgraphs' consumers need KAFKA_BROKERS). `one-process`:
   * everything in one process, as `npm start` runs it (embedded backends unless DATABASE_URL is set).
   * Default: distributed when DATABASE_URL is set, else one-process.
   */
  mode?: BenchMode;
  /** Added to every process's environment. */
  env?: Record<string, string>;
}

/** One OS process of the platform under test. */
export interface BenchProcess extends SampledProcess {
  child: ChildProcess;
  /** The last 100 kB of its output (logs go to stdout). */
  output(): string;
  /** Log lines at warn or above. */
  warnings(): string[];
}

export interface BenchPlatform {
  layout: BenchMode;
  backends: "embedded" | "real";
  /** Every process of the platform, gateway first (one entry in one-process mode). */
  processes: BenchProcess[];
  /** The gateway's process (the whole platform in one-process mode). */
  child: ChildProcess;
  gatewayPort: number;
  bookingPort: number;
  secrets: { JWT_SECRET: string; SERVICE_SECRET: string };
  tokens: Record<"guest" | "organizer" | "admin", string>;
  /** The database the run uses (a fresh one on the server DATABASE_URL names), if any. */
  database?: string;
  /** SIGTERM to every process, wait for them, drop the run's database. */
  stop(): Promise<void>;
}

export const defaultBenchMode = (): BenchMode => (process.env.DATABASE_URL ? "distributed" : "one-process");

// Platforms still running, stopped on exit, Ctrl-C or an uncaught error.
const running = new Set<BenchPlatform>();
let handlersInstalled = false;
function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const platform of running) for (const p of platform.processes) if (p.child.exitCode === null) p.child.kill();
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the platform`);
      void Promise.all([...running].map((p) => p.stop())).finally(() => process.exit(130));
    });
  }
}

function spawnService(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, metricsUrl: string) {
  // Node with tsx's loader, not the tsx CLI (which runs the script in a second process): the
  // pid is the service's own, for /proc/<pid>/stat.
  // BENCH_NODE_ARGS: extra Node flags for every service process, e.g.
  // "--cpu-prof --cpu-prof-dir=/tmp/prof" for a profile of each (written when it stops).
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script, ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const warnings: string[] = [];
  let partial = "";
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    out += text;
    if (out.length > 200_000) out = out.slice(-100_000);
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      // pino lines carry "level":"warn" (or a number, 40 = warn); other output is kept if it looks like a problem.
      const level = /"level":"?(\w+)/.exec(line)?.[1];
      const serious = level
        ? ["warn", "error", "fatal"].includes(level) || Number(level) >= 40
        : /error|warn/i.test(line);
      // The bench turns rate limits off itself; the gateway's warning about it is expected.
      if (serious && !line.includes("RATE_LIMIT_ENABLED=false")) {
        warnings.push(line);
        if (warnings.length > 200) warnings.shift();
      }
    }
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const process_: BenchProcess = {
    name,
    pid: child.pid!,
    child,
    metricsUrl,
    output: () => out,
    warnings: () => warnings,
  };
  return process_;
}

async function waitReady(url: string, service: BenchProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.child.exitCode !== null || service.child.signalCode !== null)
      throw new Error(`${service.name} exited before it was ready:\n${service.output().slice(-5_000)}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`${service.name} not ready after ${timeoutMs} ms:\n${service.output().slice(-5_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stopProcesses(processes: BenchProcess[], graceMs = 20_000): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      const exited = new Promise((resolve) => p.child.once("exit", resolve));
      p.child.kill("SIGTERM");
      const timer = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: "bench-admin" });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A database of its own for this run on DATABASE_URL's server (dropped by `stop`), so other
 * platforms' relays and consumers on the same database neither take this run's events nor add
 * theirs. Falls back to DATABASE_URL itself when the user may not create databases.
 */
async function createRunDatabase(url: string): Promise<{ url: string; name?: string; drop(): Promise<void> }> {
  const name = `bench_${randomBytes(6).toString("hex")}`;
  try {
    await adminQuery(url, `create database ${name}`);
  } catch (error) {
    console.error(`could not create a database for the run (${(error as Error).message}); using DATABASE_URL as it is`);
    return { url, drop: async () => {} };
  }
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    name,
    drop: () =>
      adminQuery(url, `drop database if exists ${name} with (force)`).catch((error) =>
        console.error(`could not drop database ${name}: ${(error as Error).message}`),
      ),
  };
}

/**
 * The platform under test as child processes on this machine (the load comes from this
 * process, so they share its CPUs).
 */
export async function startBenchPlatform(options: BenchPlatformOptions = {}): Promise<BenchPlatform> {
  const mode: BenchMode = options.mode ?? defaultBenchMode();
  const extraEnv = options.env;
  const ports: Record<string, string> = {};
  for (const name of ["GATEWAY", "BOOKING", "INVENTORY", "PAYMENT", "NOTIFICATION", "RELAY"])
    ports[`${name}_PORT`] = String(await freePort());
  const secrets = {
    JWT_SECRET: randomBytes(32).toString("hex"),
    SERVICE_SECRET: randomBytes(32).toString("hex"),
    PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString("hex"),
  };
  const metricsToken = randomBytes(24).toString("hex");
  const baseUrl = extraEnv?.DATABASE_URL ?? process.env.DATABASE_URL;
  if (mode === "distributed" && !baseUrl) throw new Error("--mode distributed needs DATABASE_URL (PostgreSQL)");
  const kafka = extraEnv?.KAFKA_BROKERS ?? process.env.KAFKA_BROKERS;
  const database = baseUrl ? await createRunDatabase(baseUrl) : null;
  const tag = randomBytes(4).toString("hex");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...ports,
    ...secrets,
    LOG_LEVEL: "warn",
    REDIS_PREFIX: `bench-${tag}`,
    // Topics and consumer groups of this run only.
    KAFKA_PREFIX: `bench-${tag}.`,
    DEMO_DATA: "true",
    METRICS_TOKEN: metricsToken,
    // The load comes from this one machine (README: never off in production).
    RATE_LIMIT_ENABLED: "false",
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...(mode === "distributed"
      ? {
          // Five pools on one server shared with others (max_connections 100): 4 × 5 + the relay's.
          DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? "5",
          INVENTORY_INTERNAL_URL: `http://127.0.0.1:${ports.INVENTORY_PORT}`,
          BOOKING_URL: `http://127.0.0.1:${ports.BOOKING_PORT}/graphql`,
          INVENTORY_URL: `http://127.0.0.1:${ports.INVENTORY_PORT}/graphql`,
          PAYMENT_URL: `http://127.0.0.1:${ports.PAYMENT_PORT}/graphql`,
          NOTIFICATION_URL: `http://127.0.0.1:${ports.NOTIFICATION_PORT}/graphql`,
        }
      : {}),
    ...extraEnv,
  };
  if (database?.name) env.DATABASE_URL = database.url;
  const url = (port: string, route: string) => `http://127.0.0.1:${port}${route}`;
  const processes: BenchProcess[] = [];
  const platform: BenchPlatform = {
    layout: mode,
    backends: env.DATABASE_URL ? "real" : "embedded",
    processes,
    child: undefined as unknown as ChildProcess,
    gatewayPort: Number(ports.GATEWAY_PORT),
    bookingPort: Number(ports.BOOKING_PORT),
    secrets,
    tokens: {} as BenchPlatform["tokens"],
    database: database?.name,
    async stop() {
      if (!running.delete(platform)) return;
      await stopProcesses(processes);
      const warnings = processes.flatMap((p) => p.warnings().map((line) => `  ${p.name}: ${line.slice(0, 300)}`));
      if (warnings.length) {
        console.error(`\n${warnings.length} warning/error log lines from the platform (last 10):`);
        for (const line of warnings.slice(-10)) console.error(line);
      }
      await database?.drop();
    },
  };
  installExitHandlers();
  running.add(platform);
  try {
    if (mode === "one-process") {
      // Its process-wide statement count is on every metrics port it serves: the relay's is open.
      processes.push(spawnService("platform", "scripts/start.ts", [], env, url(ports.RELAY_PORT, "/metrics")));
      await waitReady(url(ports.GATEWAY_PORT, "/readyz"), processes[0]);
    } else {
      // `npm run start:<service>` neither migrates nor inserts the demo rows: do both first.
      const prepare = spawnService("prepare", "bench/prepare-database.ts", [env.DATABASE_URL!], env, "");
      processes.push(prepare); // stopped with the platform if the bench is interrupted meanwhile
      const code = await new Promise<number | null>((resolve) => prepare.child.once("exit", resolve));
      processes.pop();
      if (code !== 0) throw new Error(`preparing the database failed:\n${prepare.output().slice(-5_000)}`);
      const services: [string, string, string[], string][] = [
        ["gateway", "scripts/start-service.ts", ["gateway"], ports.GATEWAY_PORT],
        ["booking", "scripts/start-service.ts", ["booking"], ports.BOOKING_PORT],
        ["inventory", "scripts/start-service.ts", ["inventory"], ports.INVENTORY_PORT],
        ["payment", "scripts/start-service.ts", ["payment"], ports.PAYMENT_PORT],
        ["notification", "scripts/start-service.ts", ["notification"], ports.NOTIFICATION_PORT],
      ];
      if (kafka) services.push(["relay", "scripts/start-relay.ts", [], ports.RELAY_PORT]);
      else
        console.error(
          "no KAFKA_BROKERS: no outbox relay and no event consumers in distributed mode (events stay in the outboxes)",
        );
      for (const [name, script, args, port] of services) {
        const service = spawnService(name, script, args, env, url(port, "/metrics"));
        if (name === "gateway") service.metricsHeaders = { authorization: `Bearer ${env.METRICS_TOKEN}` };
        processes.push(service);
      }
      // The subgraphs first: the gateway's readiness asks them.
      for (const service of [...processes.slice(1), processes[0]])
        await waitReady(url(services.find((s) => s[0] === service.name)![3], "/readyz"), service);
    }
    platform.child = processes[0].child;
    const auth = { jwtSecret: secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
    for (const who of ["guest", "organizer", "admin"] as const)
      platform.tokens[who] = await signUserToken(auth, DEMO_USERS[who], "24h");
    return platform;
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

/** How a scenario names the platform it ran on. */
export function describePlatform(platform: BenchPlatform): string {
  const kafka = process.env.KAFKA_BROKERS ? ", Kafka" : "";
  return platform.layout === "distributed"
    ? `distributed (${platform.processes.map((p) => p.name).join(", ")}: one process each; PostgreSQL${process.env.REDIS_URL ? ", Redis" : ""}${kafka})`
    : `one process (${platform.backends === "embedded" ? "embedded backends" : `PostgreSQL${process.env.REDIS_URL ? ", Redis" : ""}${kafka}`})`;
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

export function percentile(sorted: ArrayLike<number>, p: number): number {
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
