import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backends } from "../support/backends";
import { zoneProblems } from "../support/consistency";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import type { GraphQLResponse } from "../support/platform";
import { freePort } from "../support/ports";
import {
  createZone,
  platformEnv,
  startProcess,
  waitReady,
  type PlatformEnv,
  type ServiceProcess,
} from "../support/processes";
import { startTcpProxy } from "../support/tcp-proxy";

/**
 * PostgreSQL disappears for 10 s under continuous reservations, cancellations and payments
 * through the gateway: every service keeps running, every answer is a success or
 * SERVICE_UNAVAILABLE, reservations work again within 5 s of the database's return, and every
 * zone is consistent within 30 s. Real processes, real backends; the cut is a TCP proxy between
 * the services and PostgreSQL that drops every connection and refuses new ones.
 */
const RESERVE = `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id } }`;
const CANCEL = `mutation($input: CancelBookingInput!) { cancelBooking(input: $input) { status } }`;
const PAY = `mutation($input: PayBookingInput!) { payBooking(input: $input) { status } }`;
const PAYMENT = `query($id: ID!) { booking(id: $id) { payment { status } } }`;

interface Answer {
  op: string;
  at: number;
  code: string | null;
  message?: string;
}

/** One guest after another: reserve, then cancel or pay; every answer is recorded. */
async function guestLoop(p: PlatformEnv, zoneId: string, answers: Answer[], running: () => boolean, n: number) {
  const record = (op: string, r: GraphQLResponse | Error) => {
    if (r instanceof Error) answers.push({ op, at: Date.now(), code: `NETWORK:${r.name}`, message: r.message });
    else
      answers.push({
        op,
        at: Date.now(),
        code: (r.errors?.[0]?.extensions?.code as string) ?? null,
        message: r.errors?.[0]?.message,
      });
    return r instanceof Error ? null : r;
  };
  const call = (op: string, query: string, variables: Record<string, unknown>, token: string) =>
    p.query(query, variables, token, 20_000).then(
      (r) => record(op, r),
      (e: Error) => record(op, e),
    );
  for (let i = 0; running(); i++) {
    const token = await p.tokenFor(randomUUID(), "GUEST");
    const reserved = await call(
      "reserve",
      RESERVE,
      { input: { zoneId, quantity: 1 + (i % 2), idempotencyKey: `k-${randomUUID()}` } },
      token,
    );
    const bookingId = reserved?.data?.reserveSeats?.id as string | undefined;
    if (!bookingId) continue;
    if ((i + n) % 2 === 0) {
      await call("cancel", CANCEL, { input: { bookingId, reason: "CHANGE_OF_PLANS" } }, token);
      continue;
    }
    // A client pays once its booking shows a payment to make (created from booking.reserved).
    const intent = await eventually(
      () => call("payment", PAYMENT, { id: bookingId }, token),
      (r) => !running() || r?.data?.booking?.payment?.status === "REQUIRES_PAYMENT",
      15_000,
    );
    if (intent?.data?.booking?.payment?.status !== "REQUIRES_PAYMENT") continue;
    await call(
      "pay",
      PAY,
      { input: { bookingId, paymentMethodToken: "tok_success", idempotencyKey: `pay-${randomUUID()}` } },
      token,
    );
  }
}

describe.runIf(!!backends.databaseUrl)("a 10 s PostgreSQL outage under load", () => {
  // Each platform gets its own database: two platforms on one database would run each other's
  // relays and sweepers against their own Redis keys.
  let database: TestDatabase;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let processes: ServiceProcess[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  });
  afterEach(async () => {
    for (const p of processes) await p.stop();
    processes = [];
    await proxy?.close();
    await database?.drop();
  });

  async function start(mode: "one process" | "booking on its own") {
    const url = new URL(database.url!);
    url.host = `127.0.0.1:${proxy.port}`;
    const p = await platformEnv(url.toString());
    const services: ServiceProcess[] = [];
    if (mode === "one process") {
      services.push(startProcess("scripts/start.ts", [], { ...p.env, DATABASE_POOL_MAX: "10" }));
    } else {
      const bookingPort = await freePort();
      services.push(
        startProcess("scripts/start.ts", [], { ...p.env, BOOKING_URL: `http://127.0.0.1:${bookingPort}/graphql` }),
      );
      await waitReady(`http://127.0.0.1:${p.ports.GATEWAY_PORT}/healthz`, services[0]);
      const booking = startProcess("scripts/start-service.ts", ["booking"], {
        ...p.env,
        BOOKING_PORT: String(bookingPort),
        INVENTORY_INTERNAL_URL: `http://127.0.0.1:${p.ports.INVENTORY_PORT}`,
      });
      services.push(booking);
      await waitReady(`http://127.0.0.1:${bookingPort}/readyz`, booking);
    }
    processes.push(...services);
    await waitReady(`http://127.0.0.1:${p.ports.GATEWAY_PORT}/readyz`, services[0]);
    return { p, services };
  }

  for (const mode of ["one process", "booking on its own"] as const) {
    it(`${mode}: nothing dies, every answer is success or SERVICE_UNAVAILABLE, service resumes, zones stay consistent`, async () => {
      const { p, services } = await start(mode);
      const zoneId = await createZone(p, 5_000);
      const answers: Answer[] = [];
      let running = true;
      const workers = Array.from({ length: 8 }, (_, n) => guestLoop(p, zoneId, answers, () => running, n));

      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const cutAt = Date.now();
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      // Readiness follows the database: load balancers stop sending traffic while it is away.
      const ready = () =>
        fetch(`http://127.0.0.1:${p.ports.INVENTORY_PORT}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
          (r) => r.status,
        );
      expect(await ready()).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      proxy.restore();
      const restoredAt = Date.now();
      const resumed = await eventually(
        () => answers.find((a) => a.op === "reserve" && a.code === null && a.at > restoredAt),
        (a) => a !== undefined,
        15_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      running = false;
      await Promise.all(workers);

      if (process.env.OUTAGE_DEBUG) {
        const bySecond = new Map<string, number>();
        for (const a of answers) {
          const key = `${Math.floor((a.at - cutAt) / 1000)}s ${a.op} ${a.code}`;
          bySecond.set(key, (bySecond.get(key) ?? 0) + 1);
        }
        console.log([...bySecond].sort().join("\n"));
      }
      for (const service of services) expect(service.alive(), service.output().slice(-2_000)).toBe(true);
      const wrong = answers.filter((a) => a.code !== null && a.code !== "SERVICE_UNAVAILABLE");
      expect(wrong.slice(0, 10)).toEqual([]);
      const during = answers.filter((a) => a.at > cutAt && a.at < restoredAt);
      expect(during.filter((a) => a.code === "SERVICE_UNAVAILABLE").length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.op === "reserve" && a.code === null && a.at < cutAt).length).toBeGreaterThan(5);
      expect(resumed, "no reservation succeeded after the restore").toBeDefined();
      const resumeMs = resumed!.at - restoredAt;
      expect(await eventually(ready, (status) => status === 200, 5_000)).toBe(200);
      expect(resumeMs).toBeLessThan(5_000);

      const problems = await eventually(
        () => zoneProblems(database.database.db, [zoneId], (id) => p.available(id)),
        (found) => found.length === 0,
        30_000,
      );
      expect(problems).toEqual([]);
      console.log(
        `${mode}: ${answers.length} answers (${answers.filter((a) => a.code === null).length} ok, ` +
          `${answers.filter((a) => a.code === "SERVICE_UNAVAILABLE").length} SERVICE_UNAVAILABLE), ` +
          `reservations resumed ${resumeMs} ms after the restore`,
      );
    }, 150_000);
  }
});
