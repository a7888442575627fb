/**
 * Subscriptions at scale: N WebSocket subscribers (one connection each, graphql-transport-ws)
 * watch `availabilityChanged` of one slot on one gateway; reservations through the gateway at
 * `rate` per second produce the events. Reports delivery latency (from the moment the
 * reservation was sent, so an upper bound of commit → delivery), messages/s, the platform
 * process's memory per connection and its CPU while events flow.
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import WebSocket from "ws";
import { signUserToken } from "../lib/core/auth";
import { DEMO_IDS } from "../lib/core/demo";
import { percentile, post, printTable, startBenchPlatform, writeResult, type BenchPlatform } from "./support";

/** The gateway serves /metrics only with its METRICS_TOKEN. */
const METRICS_TOKEN = randomBytes(24).toString("hex");

const QUERY = `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { zone { id } available } }`;

/** The process and its descendants (tsx runs the platform in a child node process). */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

function usage(root: number): { rssBytes: number; cpuSeconds: number } {
  let rssBytes = 0;
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      rssBytes += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        .slice(readFileSync(`/proc/${pid}/stat`, "utf8").lastIndexOf(")") + 2)
        .split(" ");
      ticks += Number(stat[11]) + Number(stat[12]);
    } catch {
      // gone meanwhile
    }
  }
  return { rssBytes, cpuSeconds: ticks / 100 };
}

async function gql(platform: BenchPlatform, agent: http.Agent, token: string, query: string, variables: object) {
  return post(agent, platform.gatewayPort, JSON.stringify({ query, variables }), { authorization: `Bearer ${token}` });
}

/** One subscriber: a raw graphql-transport-ws connection (lighter than a full client per socket). */
function subscriber(port: number, slotId: string, onPayload: (available: number) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, "graphql-transport-ws");
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: {} })));
    socket.on("message", (raw) => {
      const text = raw.toString();
      // The hot path (a payload) is read without parsing the whole message: the load generator
      // shares the machine with the gateway and should cost as little as it can.
      const available =
        /^\{"id":"1","type":"next","payload":\{"data":\{"availabilityChanged":\{"zone":\{"id":"[^"]+"\},"available":(\d+)/.exec(
          text,
        );
      if (available) return onPayload(Number(available[1]));
      const message = JSON.parse(text);
      if (message.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: QUERY, variables: { slotId } } }));
        resolve(socket);
      } else if (message.type === "next") {
        onPayload(message.payload.data.availabilityChanged.available);
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      }
    });
    socket.on("error", reject);
  });
}

async function activeSubscriptions(port: number): Promise<number> {
  const text = await new Promise<string>((resolve, reject) =>
    http
      .get(
        { host: "127.0.0.1", port, path: "/metrics", headers: { authorization: `Bearer ${METRICS_TOKEN}` } },
        (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve(body));
        },
      )
      .on("error", reject),
  );
  return Number(/^gateway_subscriptions_active\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
}

export async function subscriptionsBenchmark(options: { counts: number[]; rate: number; durationMs: number }) {
  const platform = await startBenchPlatform({
    mode: "one-process",
    env: { SWEEP_INTERVAL_MS: "600000", METRICS_TOKEN },
  });
  const rows: Record<string, string | number>[] = [];
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const auth = { jwtSecret: platform.secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
    for (const count of options.counts) {
      const startsAt = new Date(Date.now() + 7 * 86_400_000);
      const slot = await gql(
        platform,
        agent,
        platform.tokens.organizer,
        `mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }`,
        {
          i: {
            venueId: DEMO_IDS.bistro,
            title: `Subscriptions bench ${randomUUID().slice(0, 8)}`,
            startsAt,
            endsAt: new Date(startsAt.getTime() + 7_200_000),
          },
        },
      );
      const slotId = slot.body!.data!.createSlot.id as string;
      const capacity = 100_000;
      const zone = await gql(
        platform,
        agent,
        platform.tokens.organizer,
        `mutation($i: CreateZoneInput!) { createZone(input: $i) { id } }`,
        {
          i: { slotId, name: "Floor", capacity, priceMinor: 1_000, currency: "EUR" },
        },
      );
      const zoneId = zone.body!.data!.createZone.id as string;

      // Connect N subscribers, 250 at a time.
      const sentAt = new Map<number, number>();
      const latencies: number[] = [];
      let delivered = 0;
      const onPayload = (available: number) => {
        delivered++;
        const sent = sentAt.get(available);
        if (sent !== undefined) latencies.push(performance.now() - sent);
      };
      const before = usage(platform.child.pid!);
      const sockets: WebSocket[] = [];
      const connectStarted = performance.now();
      for (let i = 0; i < count; i += 250) {
        sockets.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(250, count - i) }, () => subscriber(platform.gatewayPort, slotId, onPayload)),
          )),
        );
      }
      while ((await activeSubscriptions(platform.gatewayPort)) < count) await new Promise((r) => setTimeout(r, 100));
      const connectSeconds = (performance.now() - connectStarted) / 1000;
      await new Promise((r) => setTimeout(r, 1_000));
      const connected = usage(platform.child.pid!);

      // Events: one reservation (one seat, a new guest) every 1/rate s, one after the other.
      const tokens = await Promise.all(
        Array.from({ length: Math.ceil((options.rate * options.durationMs) / 1000) }, () =>
          signUserToken(auth, { userId: `sub-bench-${randomUUID()}`, role: "GUEST" }, "1h"),
        ),
      );
      let reserved = 0;
      const eventsStarted = performance.now();
      const cpuStart = usage(platform.child.pid!).cpuSeconds;
      const clientCpuStart = process.cpuUsage();
      for (const [i, token] of tokens.entries()) {
        const due = eventsStarted + (i * 1000) / options.rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        sentAt.set(capacity - (reserved + 1), performance.now());
        const result = await gql(
          platform,
          agent,
          token,
          `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id } }`,
          { input: { zoneId, quantity: 1, idempotencyKey: `sub-bench-${randomUUID()}` } },
        );
        if (result.body?.data?.reserveSeats) reserved++;
        else sentAt.delete(capacity - (reserved + 1));
      }
      const expected = reserved * count;
      const deadline = performance.now() + 30_000;
      while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const elapsed = (performance.now() - eventsStarted) / 1000;
      const cpu = usage(platform.child.pid!).cpuSeconds - cpuStart;
      const clientCpu = process.cpuUsage(clientCpuStart);
      latencies.sort((a, b) => a - b);
      rows.push({
        subscribers: count,
        connect_s: connectSeconds,
        events: reserved,
        delivered,
        lost: expected - delivered,
        "msgs/s": delivered / elapsed,
        "p50 ms": percentile(latencies, 50),
        "p99 ms": percentile(latencies, 99),
        "max ms": latencies.at(-1) ?? 0,
        "KB/conn": (connected.rssBytes - before.rssBytes) / 1024 / count,
        "platform CPU %": (cpu / elapsed) * 100,
        "clients CPU %": ((clientCpu.user + clientCpu.system) / 1e6 / elapsed) * 100,
      });
      for (const socket of sockets) socket.terminate();
      while ((await activeSubscriptions(platform.gatewayPort)) > 0) await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    platform.stop();
  }
  console.log(
    `\nsubscriptions: ${platform.backends} backends, availabilityChanged on one gateway, ${options.rate} events/s for ${options.durationMs / 1000} s`,
  );
  printTable(rows);
  console.log(`\nwrote ${await writeResult("subscriptions", { mode: platform.backends, ...options, rows })}`);
}
