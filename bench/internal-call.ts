/**
 * One internal JSON call over loopback (booking → inventory's hold route is one per
 * reservation), clients side by side in one run: global `fetch`, undici's `request` (with an
 * AbortSignal.timeout() deadline and with a deadline cleared when the call ends, as
 * lib/http/internal.ts does) and bare `node:http`. Client and server share this process, so CPU ms
 * per call is both ends together, including the deadline timers firing afterwards.
 */
import http from "node:http";
import { Agent, request } from "undici";
import { printTable, writeResult } from "./support";

export async function internalCallBenchmark(options: { calls: number; concurrency: number }): Promise<void> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ holdId: "6f1c0c8e-2a5b-4f1e-9d0a-6b1f3c7e9a21", received: body.length, available: 41 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/internal/holds`;
  const body = JSON.stringify({
    holdId: "6f1c0c8e-2a5b-4f1e-9d0a-6b1f3c7e9a21",
    zoneId: "0b8f2f5e-4c1d-4a8e-8f0e-2d9b7c6a5e43",
    userId: "bench-user",
    quantity: 1,
    expiresAt: new Date().toISOString(),
  });
  const headers = { "content-type": "application/json", "x-service-secret": "bench" };
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  const agent = new http.Agent({ keepAlive: true });
  // Each call has a deadline. Short here (250 ms) so that the AbortSignal.timeout() timers, which
  // fire after every call whether it was answered or not, fire inside the measured window.
  const timeoutMs = 250;
  const clients: Record<string, () => Promise<unknown>> = {
    "fetch, AbortSignal.timeout": async () =>
      (await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) })).json(),
    "undici, AbortSignal.timeout": async () =>
      (
        await request(url, { method: "POST", headers, body, dispatcher, signal: AbortSignal.timeout(timeoutMs) })
      ).body.json(),
    // What lib/http/internal.ts does.
    "undici, cleared deadline": async () => {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      try {
        return await (
          await request(url, { method: "POST", headers, body, dispatcher, signal: deadline.signal })
        ).body.json();
      } finally {
        clearTimeout(timer);
      }
    },
    "node:http": () =>
      new Promise((resolve, reject) => {
        const req = http.request(
          url,
          { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => resolve(JSON.parse(text)));
          },
        );
        req.on("error", reject);
        req.end(body);
      }),
  };
  const rows: Record<string, string | number>[] = [];
  // Round 1 warms up (JIT, sockets); round 2 is reported.
  for (let round = 0; round < 2; round++) {
    for (const [client, call] of Object.entries(clients)) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < options.calls; i += options.concurrency) {
        await Promise.all(Array.from({ length: Math.min(options.concurrency, options.calls - i) }, call));
      }
      const seconds = (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, timeoutMs + 100)); // pending deadlines fire
      const used = process.cpuUsage(cpu);
      if (round === 1)
        rows.push({
          client,
          calls: options.calls,
          "calls/s": options.calls / seconds,
          "CPU ms/call": (used.user + used.system) / 1000 / options.calls,
        });
    }
  }
  server.close();
  await dispatcher.close();
  agent.destroy();
  console.log(
    `\ninternal-call: ${options.calls} calls per client, ${options.concurrency} at a time (client + server CPU)`,
  );
  for (const row of rows) row["CPU ms/call"] = (row["CPU ms/call"] as number).toFixed(3);
  printTable(rows);
  console.log(`\nwrote ${await writeResult("internal-call", { scenario: "internal-call", options, rows })}`);
}
