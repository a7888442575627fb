/**
 * Read scenarios through the gateway: the public catalog and one booking across four subgraphs.
 * Besides requests/s and latency, the CPU ms and SQL statements per request of every process
 * (bench/sampler.ts).
 */
import http from "node:http";
import { DEMO_IDS } from "../lib/core/demo";
import { costColumns, costNotes, createSampler, printProcessTable, type PhaseCost } from "./sampler";
import {
  describePlatform,
  percentile,
  post,
  printTable,
  startBenchPlatform,
  writeResult,
  type BenchMode,
} from "./support";

export const QUERY_SCENARIOS: Record<
  string,
  { description: string; query: string; variables?: object; token?: "guest" }
> = {
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

export async function queryScenarios(
  names: string[],
  options: { durationMs: number; warmupMs: number; concurrency: number; settleMs: number; mode?: BenchMode },
) {
  const platform = await startBenchPlatform({ mode: options.mode });
  const results = [];
  const sampler = createSampler(platform.processes, { settleMs: options.settleMs });
  let idle;
  try {
    idle = await sampler.idle();
    for (const name of names) {
      const scenario = QUERY_SCENARIOS[name];
      const headers: Record<string, string> = scenario.token
        ? { authorization: `Bearer ${platform.tokens[scenario.token]}` }
        : {};
      const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
      const drive = async (ms: number) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
        const latencies: number[] = [];
        let errors = 0;
        const end = Date.now() + ms;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: options.concurrency }, async () => {
            while (Date.now() < end) {
              const result = await post(agent, platform.gatewayPort, body, headers);
              latencies.push(result.ms);
              if (result.status !== 200 || result.body?.errors) errors++;
            }
          }),
        );
        agent.destroy();
        latencies.sort((a, b) => a - b);
        const seconds = (performance.now() - started) / 1000;
        return {
          requests: latencies.length,
          errors,
          rps: latencies.length / seconds,
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          p99: percentile(latencies, 99),
        };
      };
      await drive(options.warmupMs);
      const { result, cost } = await sampler.measure(
        "request",
        () => drive(options.durationMs),
        (r) => r.requests,
      );
      results.push({ scenario: name, description: scenario.description, ...result, cost });
    }
  } finally {
    await platform.stop();
  }
  console.log(
    `\nqueries: ${describePlatform(platform)}; concurrency ${options.concurrency}, ${options.durationMs / 1000} s after ${options.warmupMs / 1000} s warm-up`,
  );
  console.log(`op = a request`);
  printTable(
    results.map((r) => ({
      scenario: r.scenario,
      requests: r.requests,
      errors: r.errors,
      "req/s": r.rps,
      "p50 ms": r.p50,
      "p95 ms": r.p95,
      "p99 ms": r.p99,
      ...costColumns(r.cost),
    })),
  );
  const labelled = results.map((r) => ({ label: r.scenario, cost: r.cost as PhaseCost }));
  console.log(`\nper process (CPU ms and SQL statements per request; idle: background per second with no load)`);
  printProcessTable(labelled, idle);
  for (const line of costNotes(labelled)) console.log(line);
  const file = await writeResult(names.join("+"), {
    layout: platform.layout,
    backends: platform.backends,
    processes: platform.processes.map((p) => ({ name: p.name, pid: p.pid })),
    options,
    idle,
    results,
  });
  console.log(`\nwrote ${file}`);
}
