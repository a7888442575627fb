/**
 * The resume cost of bench/subscriptions.ts (README: Live updates, resume): `clients` WebSocket
 * subscribers of `availabilityChanged` of one slot each receive a first push (their cursor), all
 * disconnect, `missed` reservations happen over the slot's zones, and all of them come back at
 * once with `after` = that cursor. Measures how long until each has caught up (received the
 * slot's newest cursor), what the gateway resolved and replayed for it, and the platform's CPU.
 * Availability is state-like: a catch-up brings each changed zone once, as it is now.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { signUserToken } from "../lib/core/auth";
import { DEMO_IDS } from "../lib/core/demo";
import { percentile, post, type BenchPlatform } from "./support";

const QUERY = `subscription($slotId: ID!, $after: String) {
  availabilityChanged(slotId: $slotId, after: $after) { zone { id } available }
}`;

interface Client {
  socket: WebSocket;
  cursors: string[];
  caughtUpAt: number | null;
}

/** A graphql-transport-ws subscriber (the `ws` client: 1,000 of them are light enough). */
function connect(port: number, slotId: string, after: string | null, onCursor: (cursor: string) => void) {
  return new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, "graphql-transport-ws");
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: {} })));
    socket.on("error", reject);
    socket.on("message", (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.type === "connection_ack") {
        const variables = after ? { slotId, after } : { slotId };
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: QUERY, variables } }));
        resolve(socket);
      } else if (message.type === "next") onCursor(message.payload.extensions?.cursor);
      else if (message.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
      else if (message.type === "error") reject(new Error(JSON.stringify(message.payload)));
    });
  });
}

async function metric(platform: BenchPlatform, token: string, name: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) =>
    http
      .get(
        {
          host: "127.0.0.1",
          port: platform.gatewayPort,
          path: "/metrics",
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve(body));
        },
      )
      .on("error", reject),
  );
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, "m").exec(text)?.[1] ?? 0);
}

const until = async (check: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`resume bench: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

export async function resumeCost(
  platform: BenchPlatform,
  options: { clients: number; missed: number; zones: number; metricsToken: string; cpuSeconds: () => number },
): Promise<Record<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const call = async (token: string, query: string, variables: object) => {
    const result = await post(agent, platform.gatewayPort, JSON.stringify({ query, variables }), {
      authorization: `Bearer ${token}`,
    });
    if (!result.body?.data) throw new Error(`resume bench: ${JSON.stringify(result.body)}`);
    return result.body.data as Record<string, any>;
  };
  const organizer = platform.tokens.organizer;
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const { createSlot } = await call(organizer, `mutation($i: CreateSlotInput!) { createSlot(input: $i) { id } }`, {
    i: {
      venueId: DEMO_IDS.bistro,
      title: `Resume bench ${randomUUID().slice(0, 8)}`,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 7_200_000),
    },
  });
  const slotId = createSlot.id as string;
  const zoneIds: string[] = [];
  for (let z = 0; z < options.zones; z++) {
    const { createZone } = await call(organizer, `mutation($i: CreateZoneInput!) { createZone(input: $i) { id } }`, {
      i: { slotId, name: `Zone ${z}`, capacity: 100_000, priceMinor: 1_000, currency: "EUR" },
    });
    zoneIds.push(createZone.id);
  }
  const auth = { jwtSecret: platform.secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
  const reserve = async (zoneId: string) =>
    call(
      await signUserToken(auth, { userId: `resume-${randomUUID()}`, role: "GUEST" }, "1h"),
      `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id } }`,
      { input: { zoneId, quantity: 1, idempotencyKey: `resume-${randomUUID()}` } },
    );

  // Every client subscribed and holding the cursor of a first push.
  const clients: Client[] = [];
  for (let i = 0; i < options.clients; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, options.clients - i) }, async () => {
        const client: Client = { socket: null!, cursors: [], caughtUpAt: null };
        client.socket = await connect(platform.gatewayPort, slotId, null, (cursor) => client.cursors.push(cursor));
        clients.push(client);
      }),
    );
  }
  while ((await metric(platform, options.metricsToken, "gateway_subscriptions_active")) < options.clients)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await reserve(zoneIds[0]);
  await until(() => clients.every((c) => c.cursors.length > 0), 30_000);
  const cursor = clients[0].cursors.at(-1)!;
  for (const client of clients) client.socket.close();
  while ((await metric(platform, options.metricsToken, "gateway_subscriptions_active")) > 0)
    await new Promise((resolve) => setTimeout(resolve, 100));

  // What they miss: reservations over every zone, 16 at a time.
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < options.missed) {
        const i = next++;
        await reserve(zoneIds[i % zoneIds.length]);
      }
    }),
  );
  // The newest cursor of the slot: a probe resuming after the first cursor gets it last (once the
  // relay has appended the last reservations).
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const probe: string[] = [];
  const probeSocket = await connect(platform.gatewayPort, slotId, cursor, (c) => probe.push(c));
  await until(() => probe.length >= Math.min(options.zones, options.missed), 10_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  probeSocket.close();
  const newest = probe.at(-1)!;

  // Everyone comes back at once with the cursor they had.
  const resolutionsBefore = await metric(platform, options.metricsToken, "gateway_subscription_resolutions_total");
  const replayedBefore = await metric(platform, options.metricsToken, "gateway_subscription_replayed_total");
  const cpuBefore = options.cpuSeconds();
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      client.cursors = [];
      client.socket = await connect(platform.gatewayPort, slotId, cursor, (c) => {
        client.cursors.push(c);
        if (c === newest) client.caughtUpAt = performance.now();
      });
    }),
  );
  await until(() => clients.every((c) => c.caughtUpAt !== null), 60_000);
  const totalMs = performance.now() - started;
  const cpu = options.cpuSeconds() - cpuBefore;
  const times = clients.map((c) => c.caughtUpAt! - started).sort((a, b) => a - b);
  const resolutions =
    (await metric(platform, options.metricsToken, "gateway_subscription_resolutions_total")) - resolutionsBefore;
  const replayed =
    (await metric(platform, options.metricsToken, "gateway_subscription_replayed_total")) - replayedBefore;
  for (const client of clients) client.socket.close();
  agent.destroy();
  return {
    clients: options.clients,
    "missed events": options.missed,
    zones: options.zones,
    "catch-up p50 ms": percentile(times, 50),
    "catch-up p99 ms": percentile(times, 99),
    "all caught up ms": totalMs,
    "messages/client": clients.reduce((n, c) => n + c.cursors.length, 0) / clients.length,
    resolutions,
    replayed,
    "CPU ms": cpu * 1000,
  };
}
