/**
 * A waiting-room push as the gateway builds it for one subscriber (gateway/subscriptions/hub.ts
 * computeLocally, then the payload's JSON), variants side by side in one run: the selection run
 * by graphql-js `execute`, and the same selection as a plain projection (projection.ts). A tick
 * makes one push per waiting subscriber, so this is the gateway's cost per subscriber per tick
 * besides the socket write. In-process: CPU is this process's (/proc/self/stat).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { graphqlCjs } from "../lib/graphql/graphql-cjs";
import { compileProjection } from "../gateway/subscriptions/projection";
import { processCpuMs } from "./sampler";
import { printTable, ROOT, writeResult } from "./support";

export async function localPayloadBenchmark(options: { pushes: number }): Promise<void> {
  const schema = graphqlCjs.buildSchema(readFileSync(path.join(ROOT, "schema/api.graphql"), "utf8"));
  // The selection of the explorer's "Watch my place in line" example, as the hub plans it.
  const query = `query LiveUpdate($slotId: ID!) { waitingRoomUpdates: waitingRoomTicket(slotId: $slotId) { position estimatedWaitSeconds status admittedUntil } }`;
  const document = graphqlCjs.parse(query);
  const project = compileProjection(schema, document)!;
  const tickets = Array.from({ length: 1_000 }, (_, i) => ({
    slotId: "5b0a0000-0000-4000-8000-000000000001",
    number: i + 1,
    position: i + 1,
    estimatedWaitSeconds: (i + 1) * 6,
    status: "WAITING",
    admittedUntil: null,
  }));
  const variants: Record<string, (value: Record<string, unknown>) => unknown> = {
    "graphql-js execute": (value) =>
      graphqlCjs.execute({
        schema,
        document,
        rootValue: { waitingRoomTicket: value },
        variableValues: { slotId: value.slotId },
      }),
    projection: (value) => ({ data: project(value) }),
  };
  const rows: Record<string, string | number>[] = [];
  // Two rounds, variants alternating, so drift in the machine's load touches both alike.
  for (let round = 1; round <= 2; round++) {
    for (const [name, build] of Object.entries(variants)) {
      const cpuBefore = processCpuMs(process.pid) ?? 0;
      const started = performance.now();
      let bytes = 0;
      for (let i = 0; i < options.pushes; i++) {
        const result = build(tickets[i % tickets.length]) as { data: unknown };
        bytes += JSON.stringify({ data: result.data, extensions: { cursor: "1-0", eventType: "x" } }).length;
      }
      const ms = performance.now() - started;
      const cpu = (processCpuMs(process.pid) ?? 0) - cpuBefore;
      rows.push({
        variant: name,
        round,
        pushes: options.pushes,
        "pushes/s": Math.round((options.pushes / ms) * 1000),
        "CPU µs/push": ((cpu / options.pushes) * 1000).toFixed(1),
        "bytes/push": Math.round(bytes / options.pushes),
      });
    }
  }
  printTable(rows);
  console.log(`wrote ${await writeResult("local-payload", { options, rows })}`);
}
