/** Read scenarios through the gateway: the public catalog and one booking across four subgraphs. */
import http from "node:http";
import { DEMO_IDS } from "../lib/demo";
import { percentile, post, printTable, startBenchPlatform, writeResult } from "./support";

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
  options: { durationMs: number; warmupMs: number; concurrency: number },
) {
  const platform = await startBenchPlatform();
  const results = [];
  try {
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
      results.push({ scenario: name, description: scenario.description, ...(await drive(options.durationMs)) });
    }
  } finally {
    platform.stop();
  }
  console.log(
    `\nqueries: ${platform.mode} backends, concurrency ${options.concurrency}, ${options.durationMs / 1000} s after ${options.warmupMs / 1000} s warm-up`,
  );
  printTable(
    results.map((r) => ({
      scenario: r.scenario,
      requests: r.requests,
      errors: r.errors,
      "req/s": r.rps,
      "p50 ms": r.p50,
      "p95 ms": r.p95,
      "p99 ms": r.p99,
    })),
  );
  console.log(`\nwrote ${await writeResult(names.join("+"), { mode: platform.mode, options, results })}`);
}
