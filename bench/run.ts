/**
 * `npm run bench -- <scenario> [--duration 10] [--concurrency 32]`
 *
 * Starts the platform as a child process (embedded, or on the services named by
 * DATABASE_URL / REDIS_URL), drives the gateway over keep-alive HTTP from this process for a
 * fixed time after a warm-up, prints a table and writes bench/results/<scenario>-<time>.json.
 * On a 2-core machine the load generator shares the CPU with the services: compare runs on the
 * same machine, not absolute numbers.
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEMO_IDS } from "../lib/demo";

const ROOT = path.resolve(import.meta.dirname, "..");

interface Scenario {
  description: string;
  query: string;
  variables?: Record<string, unknown>;
  token?: "guest";
}

const SCENARIOS: Record<string, Scenario> = {
  catalog: {
    description: "public catalog: venues → slots → zones (inventory subgraph only)",
    query: "{ venues { name slots { title startsAt zones { name available price { amount currency } } } } }",
  },
  booking: {
    description: "one booking across all four subgraphs (booking → zone → slot → venue, payment, notifications)",
    query: `query($id: ID!) { booking(id: $id) { reference status price { total currency }
      zone { name available slot { title venue { name } } } payment { status } notifications { subject } } }`,
    variables: { id: DEMO_IDS.confirmedBooking },
    token: "guest",
  },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    concurrency: { type: "string", default: "32" },
  },
});
const names = positionals.length ? positionals : [];
if (!names.length || names.some((n) => !SCENARIOS[n])) {
  console.error(
    `usage: npm run bench -- <${Object.keys(SCENARIOS).join("|")}> [--duration s] [--warmup s] [--concurrency n]`,
  );
  process.exit(2);
}
const duration = Number(values.duration) * 1000;
const warmup = Number(values.warmup) * 1000;
const concurrency = Number(values.concurrency);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startPlatform() {
  const ports: Record<string, string> = {};
  for (const name of ["GATEWAY", "BOOKING", "INVENTORY", "PAYMENT", "NOTIFICATION"])
    ports[`${name}_PORT`] = String(await freePort());
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...ports, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (chunk) => (out += chunk));
  const deadline = Date.now() + 60_000;
  while (!/GraphQL endpoint/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`platform did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    port: Number(ports.GATEWAY_PORT),
    mode: /embedded/.test(out) ? "embedded" : "real",
    guestToken: /guest\s+Authorization: Bearer (\S+)/.exec(out)![1],
  };
}

function post(agent: http.Agent, port: number, body: string, token?: string): Promise<{ status: number; ok: boolean }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, ok: res.statusCode === 200 && !text.includes('"errors"') }),
        );
      },
    );
    req.on("error", () => resolve({ status: 0, ok: false }));
    req.end(body);
  });
}

async function drive(port: number, scenario: Scenario, token: string | undefined, ms: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        const result = await post(agent, port, body, token);
        latencies.push(performance.now() - t0);
        if (!result.ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: latencies.at(-1) ?? 0,
  };
}

const platform = await startPlatform();
const results = [];
try {
  for (const name of names) {
    const scenario = SCENARIOS[name];
    const token = scenario.token ? platform.guestToken : undefined;
    await drive(platform.port, scenario, token, warmup);
    results.push({
      scenario: name,
      description: scenario.description,
      ...(await drive(platform.port, scenario, token, duration)),
    });
  }
} finally {
  platform.child.kill("SIGTERM");
}

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(9);
console.log(
  `\nmode: ${platform.mode}, concurrency ${concurrency}, ${duration / 1000} s after ${warmup / 1000} s warm-up, ${os.cpus().length} CPUs`,
);
console.log(
  `${"scenario".padEnd(10)}${"requests".padStart(9)}${"errors".padStart(9)}${"req/s".padStart(9)}${"p50 ms".padStart(9)}${"p90 ms".padStart(9)}${"p99 ms".padStart(9)}${"max ms".padStart(9)}`,
);
for (const r of results) {
  console.log(
    `${r.scenario.padEnd(10)}${String(r.requests).padStart(9)}${String(r.errors).padStart(9)}${fmt(r.rps)}${fmt(r.p50)}${fmt(r.p90)}${fmt(r.p99)}${fmt(r.max)}`,
  );
}
const dir = path.join(ROOT, "bench", "results");
await mkdir(dir, { recursive: true });
const file = path.join(dir, `${names.join("+")}-${new Date().toISOString().replaceAll(":", "-")}.json`);
await writeFile(
  file,
  JSON.stringify(
    {
      at: new Date().toISOString(),
      mode: platform.mode,
      concurrency,
      durationMs: duration,
      warmupMs: warmup,
      cpus: os.cpus().length,
      results,
    },
    null,
    2,
  ),
);
console.log(`\nwrote ${path.relative(ROOT, file)}`);
process.exit(0);
