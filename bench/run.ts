/**
 * `npm run bench -- <scenario...> [options]`
 *   catalog, booking            read queries through the gateway  [--duration 10 --warmup 3 --concurrency 32]
 *   flash-sale                  reservations, gateway and direct: a selling and a sold-out phase each
 *                               [--users 10000 --seats 1000 --concurrency 64 --duration 10 --max-per-user 4 --warmup 3]
 *                               [--tracing off,on: one platform per variant, compared side by side]
 *   cancel                      concurrent cancellations          [--bookings 1000 --concurrency 1000 --warmup-bookings 100]
 *                               [--arrival-rate R: open loop, each user on their own, R per second]
 *   outbox                      relay throughput and lag          [--writers 8 --duration 10] (KAFKA_BROKERS for Kafka)
 *   subscriptions               WebSocket subscribers, one gateway [--subscribers 1000,5000,10000 --rate 10 --duration 10],
 *                               then the resume cost: 1,000 subscribers catching up on 1,000 missed events
 *                               [--fanout batched|inline|inline,batched: SUBSCRIPTION_FANOUT, one platform per variant,
 *                               each count run on each in turn] [--client-threads 1: threads the subscribers run in]
 *                               [--mode one-process (its default) | distributed: the gateway alone is measured]
 *   burst                       N users at once, one attempt each  [--users 1000 --seats 12 --rounds 3] (defaults for burst)
 *   local-payload               a waiting-room push built for one subscriber: graphql-js execute vs projection [--pushes 100000]
 *   internal-call               one loopback JSON call: fetch vs undici vs node:http [--calls 4000 --concurrency 16]
 *   waiting-room                N users join a slot's waiting room, a sample subscribes to waitingRoomUpdates, then it
 *                               admits at a fixed rate: join latency, push delivery latency, admitted/min vs the rate,
 *                               FIFO, Redis commands per join [--users 10000 --subscribers 1000 --rate 600 (per minute)
 *                               --admit-window 30 (s) --concurrency 100 --warmup-joins 500] [--open-before-join: the
 *                               room admits while people join (default: paused)] [--own-redis: a redis-server of the
 *                               run's own instead of REDIS_URL, for exact command counts on a shared server]
 * Uses PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, the embedded backends otherwise.
 * --mode distributed (default with DATABASE_URL): gateway, subgraphs and relay one process each;
 * --mode one-process (default without): everything in one process, as `npm start`.
 * flash-sale, cancel, waiting-room and the query scenarios also print the CPU ms (/proc) and SQL statements
 * (db_client_statements_total) per operation of every process, sampled --settle 2 s after each phase.
 * Prints a table and writes bench/results/<scenario>-<time>.json.
 */
import { parseArgs } from "node:util";
import { defaultBenchMode, type BenchMode } from "./support";
import { burstBenchmark } from "./burst";
import { cancelBenchmark } from "./cancel";
import { flashSale } from "./flash-sale";
import { internalCallBenchmark } from "./internal-call";
import { localPayloadBenchmark } from "./local-payload";
import { outboxBenchmark } from "./outbox";
import { QUERY_SCENARIOS, queryScenarios } from "./queries";
import { subscriptionsBenchmark } from "./subscriptions";
import { waitingRoomBenchmark } from "./waiting-room";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    concurrency: { type: "string" },
    users: { type: "string", default: "10000" },
    seats: { type: "string", default: "1000" },
    "max-per-user": { type: "string", default: "4" },
    bookings: { type: "string", default: "1000" },
    writers: { type: "string", default: "8" },
    subscribers: { type: "string", default: "1000,5000,10000" },
    rate: { type: "string", default: "10" },
    mode: { type: "string" },
    settle: { type: "string", default: "2" },
    "warmup-bookings": { type: "string", default: "100" },
    calls: { type: "string", default: "4000" },
    pushes: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
    "arrival-rate": { type: "string" },
    tracing: { type: "string", default: "off" },
    fanout: { type: "string", default: "batched" },
    "client-threads": { type: "string", default: "1" },
    "admit-window": { type: "string", default: "30" },
    "warmup-joins": { type: "string", default: "500" },
    "open-before-join": { type: "boolean", default: false },
    "own-redis": { type: "boolean", default: false },
  },
});
const known = [
  ...Object.keys(QUERY_SCENARIOS),
  "flash-sale",
  "cancel",
  "outbox",
  "subscriptions",
  "internal-call",
  "local-payload",
  "burst",
  "waiting-room",
];
if (!positionals.length || positionals.some((n) => !known.includes(n))) {
  console.error(`usage: npm run bench -- <${known.join("|")}> [options] (see bench/run.ts)`);
  process.exit(2);
}
if (values.mode && !["distributed", "one-process"].includes(values.mode)) {
  console.error(`--mode: expected distributed or one-process; got ${values.mode}`);
  process.exit(2);
}
const mode = (values.mode ?? defaultBenchMode()) as BenchMode;
const durationMs = Number(values.duration) * 1000;
const settleMs = Number(values.settle) * 1000;
const warmupMs = Number(values.warmup) * 1000;
if (positionals.includes("flash-sale")) {
  await flashSale({
    users: Number(values.users),
    seats: Number(values.seats),
    concurrency: Number(values.concurrency ?? 64),
    durationMs,
    maxPerUser: Number(values["max-per-user"]),
    warmupMs,
    settleMs,
    mode,
    tracing: values.tracing.split(",").map((v) => {
      if (v !== "off" && v !== "on") throw new Error(`--tracing: off, on or off,on; got ${v}`);
      return v;
    }),
  });
}
if (positionals.includes("cancel")) {
  await cancelBenchmark({
    bookings: Number(values.bookings),
    concurrency: Number(values.concurrency ?? 1000),
    warmupBookings: Number(values["warmup-bookings"]),
    arrivalRate: values["arrival-rate"] ? Number(values["arrival-rate"]) : undefined,
    settleMs,
    mode,
  });
}
if (positionals.includes("burst")) {
  // Its own defaults: 1,000 people, 12 seats (the embedded target's shape).
  const given = (flag: string) => process.argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  await burstBenchmark({
    users: given("users") ? Number(values.users) : 1_000,
    seats: given("seats") ? Number(values.seats) : 12,
    rounds: Number(values.rounds),
    mode,
    settleMs,
  });
}
if (positionals.includes("waiting-room")) {
  // Its own defaults for the options other scenarios share.
  const given = (flag: string) => process.argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  await waitingRoomBenchmark({
    users: Number(values.users),
    subscribers: given("subscribers") ? Number(values.subscribers) : 1_000,
    rate: given("rate") ? Number(values.rate) : 600,
    admitWindowMs: Number(values["admit-window"]) * 1000,
    concurrency: Number(values.concurrency ?? 100),
    warmupJoins: Number(values["warmup-joins"]),
    openBeforeJoin: values["open-before-join"],
    ownRedis: values["own-redis"],
    settleMs,
    mode,
  });
}
if (positionals.includes("internal-call")) {
  await internalCallBenchmark({ calls: Number(values.calls), concurrency: Number(values.concurrency ?? 16) });
}
if (positionals.includes("local-payload")) {
  await localPayloadBenchmark({ pushes: Number(values.pushes) });
}
if (positionals.includes("outbox")) {
  await outboxBenchmark({
    durationMs,
    writers: Number(values.writers),
    databaseUrl: process.env.DATABASE_URL || undefined,
    kafkaBrokers: process.env.KAFKA_BROKERS || undefined,
  });
}
if (positionals.includes("subscriptions")) {
  await subscriptionsBenchmark({
    counts: values.subscribers.split(",").map(Number),
    rate: Number(values.rate),
    durationMs,
    fanout: values.fanout.split(",").map((v) => {
      if (v !== "batched" && v !== "inline") throw new Error(`--fanout: batched, inline or a list; got ${v}`);
      return v;
    }),
    clientThreads: Math.max(1, Number(values["client-threads"])),
    // One process unless --mode says otherwise (distributed: the gateway's own process is measured).
    mode: (values.mode as BenchMode | undefined) ?? "one-process",
    resume: { clients: 1_000, missed: 1_000, zones: 10 },
  });
}
const queries = positionals.filter((n) => n in QUERY_SCENARIOS);
if (queries.length) {
  await queryScenarios(queries, {
    durationMs,
    warmupMs,
    concurrency: Number(values.concurrency ?? 32),
    settleMs,
    mode,
  });
}
process.exit(process.exitCode ?? 0);
