import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends";
import { eventually } from "../support/eventually";
import { subscribeWs, wsClient, type LiveSubscription } from "../support/live";
import { startTestPlatform, type GraphQLResponse, type TestPlatform } from "../support/platform";
import { freePort } from "../support/ports";
import { startProcess, waitReady, type ServiceProcess } from "../support/processes";
import { codeOf, newZone, RESERVE } from "../support/scenario";

/**
 * The virtual waiting room (README: Waiting room), through two gateways: the in-process
 * platform's (gateway A → booking A → inventory A) and a second set of processes (gateway B →
 * booking B → inventory B), all on one PostgreSQL and one Redis. Both see one queue, and the two
 * inventories share its ticking.
 */
const JOIN = `mutation($slotId: ID!) { joinWaitingRoom(slotId: $slotId) { number position status estimatedWaitSeconds admittedUntil } }`;
const TICKET = `query($slotId: ID!) { waitingRoomTicket(slotId: $slotId) { number position status admittedUntil } }`;
const ROOM = `query($slotId: ID!) { waitingRoom(slotId: $slotId) { status admitPerMinute joined admitted waiting soldOut } }`;
const UPDATES = `subscription($slotId: ID!) { waitingRoomUpdates(slotId: $slotId) { position status estimatedWaitSeconds admittedUntil } }`;
const USERS = 2_000;
const RATE = 600;

type Ticket = {
  number: number;
  position: number;
  status: string;
  estimatedWaitSeconds: number | null;
  admittedUntil: string | null;
};

describe.runIf(!!backends.databaseUrl && !!backends.redisUrl)("waiting room", () => {
  let t: TestPlatform;
  const processes: ServiceProcess[] = [];
  const open: { close(): void }[] = [];
  let gatewayB: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    const env = t.platform.env;
    const [inventoryPort, bookingPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
    const shared = {
      JWT_SECRET: env.JWT_SECRET!,
      SERVICE_SECRET: env.SERVICE_SECRET!,
      DATABASE_URL: env.DATABASE_URL!,
      REDIS_URL: backends.redisUrl!,
      REDIS_PREFIX: env.REDIS_PREFIX!,
      KAFKA_BROKERS: env.KAFKA_BROKERS ?? "",
      KAFKA_PREFIX: env.KAFKA_PREFIX ?? "",
      RATE_LIMIT_ENABLED: "false",
      LOG_LEVEL: "error",
    };
    const inventory = startProcess("scripts/start-service.ts", ["inventory"], {
      ...shared,
      INVENTORY_PORT: String(inventoryPort),
    });
    const booking = startProcess("scripts/start-service.ts", ["booking"], {
      ...shared,
      BOOKING_PORT: String(bookingPort),
      INVENTORY_INTERNAL_URL: `http://127.0.0.1:${inventoryPort}`,
    });
    const gateway = startProcess("scripts/start-service.ts", ["gateway"], {
      ...shared,
      GATEWAY_PORT: String(gatewayPort),
      BOOKING_URL: `http://127.0.0.1:${bookingPort}/graphql`,
      INVENTORY_URL: `http://127.0.0.1:${inventoryPort}/graphql`,
      PAYMENT_URL: `${t.platform.subgraphs.payment.url}/graphql`,
      NOTIFICATION_URL: `${t.platform.subgraphs.notification.url}/graphql`,
    });
    processes.push(inventory, booking, gateway);
    await Promise.all([
      waitReady(`http://127.0.0.1:${inventoryPort}/readyz`, inventory),
      waitReady(`http://127.0.0.1:${bookingPort}/readyz`, booking),
      waitReady(`http://127.0.0.1:${gatewayPort}/readyz`, gateway),
    ]);
    gatewayB = `http://127.0.0.1:${gatewayPort}/graphql`;
  }, 120_000);

  afterAll(async () => {
    for (const o of open) o.close();
    await Promise.all(processes.map((p) => p.stop()));
    await t?.close();
  });

  /** Through gateway B (its own booking and inventory processes). */
  async function queryB<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown>,
    token: string,
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(gatewayB, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  }
  const viaGateway = (i: number) => (i % 2 === 0 ? t.query.bind(t) : queryB);
  const reserveOn = (i: number, token: string, zoneId: string, quantity = 1) =>
    viaGateway(i)(RESERVE, { input: { zoneId, quantity, idempotencyKey: `wr-${randomUUID()}` } }, token);
  const subscribe = (url: string, token: string, slotId: string): LiveSubscription<{ waitingRoomUpdates: Ticket }> => {
    const client = wsClient(url, token);
    open.push({ close: () => void client.dispose() });
    const sub = subscribeWs<{ waitingRoomUpdates: Ticket }>(client, UPDATES, { slotId });
    open.push(sub);
    return sub;
  };

  it("2,000 people join through two gateways, are admitted in join order at the rate, and only the admitted reserve", async () => {
    const organizer = t.platform.demoTokens.organizer!;
    const { zoneId, slotId } = await newZone(t, 3, { maxPerUser: 1 });
    const guest = (i: number) => t.tokenFor(`wr-${slotId.slice(0, 8)}-${i}`, "GUEST");
    const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => guest(i)));

    // Off: anyone reserves; the slot says so.
    const slotQuery = `query($id: ID!) { slot(id: $id) { waitingRoomActive } }`;
    expect((await t.query(slotQuery, { id: slotId })).data!.slot.waitingRoomActive).toBe(false);
    expect((await t.query(JOIN, { slotId }, tokens[0])).data!.joinWaitingRoom).toMatchObject({
      status: "CLOSED",
      number: null,
    });

    // Paused: reserving needs an admission, and nobody is admitted while people join.
    const paused = await queryB(
      `mutation($s: ID!) { pauseWaitingRoom(slotId: $s) { status } }`,
      { s: slotId },
      organizer,
    );
    expect(paused.data!.pauseWaitingRoom.status).toBe("PAUSED");
    await eventually(
      () => t.query(slotQuery, { id: slotId }),
      (r) => r.data?.slot.waitingRoomActive === true,
    );
    const refused = await reserveOn(1, tokens[0], zoneId);
    expect(codeOf(refused)).toBe("WAITING_ROOM_REQUIRED");
    expect(refused.errors![0].message).toMatch(/join/i);

    // Joins in 20 waves of 100 at once, alternating gateways: numbers follow the waves.
    const tickets: Ticket[] = new Array(USERS);
    for (let wave = 0; wave < 20; wave++) {
      const indexes = Array.from({ length: 100 }, (_, k) => wave * 100 + k);
      const answers = await Promise.all(indexes.map((i) => viaGateway(i)(JOIN, { slotId }, tokens[i])));
      answers.forEach((answer, k) => {
        expect(answer.errors).toBeUndefined();
        tickets[indexes[k]] = answer.data!.joinWaitingRoom;
      });
      const numbers = answers.map((a) => a.data!.joinWaitingRoom.number as number);
      expect(Math.min(...numbers)).toBe(wave * 100 + 1);
      expect(Math.max(...numbers)).toBe(wave * 100 + 100);
    }
    const positions = tickets.map((ticket) => ticket.position).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: USERS }, (_, i) => i + 1));
    expect(tickets.every((ticket) => ticket.status === "WAITING" && ticket.estimatedWaitSeconds === null)).toBe(true);
    // Joining again (on the other gateway) keeps the place.
    const again = await viaGateway(1)(JOIN, { slotId }, tokens[10]);
    expect(again.data!.joinWaitingRoom.number).toBe(tickets[10].number);
    const byNumber = new Map(tickets.map((ticket, i) => [ticket.number, i]));
    const user = (number: number) => byNumber.get(number)!;

    // Subscribers on both gateways: numbers 25 and 40 watch their place, and the last one.
    const watch25 = subscribe(t.platform.gatewayUrl, tokens[user(25)], slotId);
    const watch40 = subscribe(gatewayB, tokens[user(40)], slotId);
    const watchLast = subscribe(gatewayB, tokens[user(USERS)], slotId);
    const notJoined = subscribe(t.platform.gatewayUrl, await guest(USERS + 1), slotId);
    await eventually(
      async () => notJoined.errors.length,
      (n) => n > 0,
    );
    expect(JSON.stringify(notJoined.errors)).toMatch(/join it first/);
    // Each watcher's first push is its ticket as it is (the room still paused).
    for (const watch of [watch25, watch40, watchLast]) await watch.next(undefined, 10_000);

    // Open at 600 a minute (10 a second), admissions last 5 seconds.
    const opened = await t.query(
      `mutation($s: ID!, $r: Int!) { openWaitingRoom(slotId: $s, admitPerMinute: $r, admissionSeconds: 5) { status admitPerMinute } }`,
      { s: slotId, r: RATE },
      organizer,
    );
    expect(opened.data!.openWaitingRoom).toEqual({ status: "OPEN", admitPerMinute: RATE });
    const openedAt = Date.now();

    // Number 25 sees its position fall, then its admission (around 2.5 s in).
    const admitted25 = await watch25.next((p) => p.waitingRoomUpdates.status === "ADMITTED", 15_000);
    expect(Date.parse(admitted25.waitingRoomUpdates.admittedUntil!)).toBeGreaterThan(Date.now());
    const seen25 = watch25.received.map((p) => p.waitingRoomUpdates);
    // The first push is the ticket as it was on subscribing (no event behind it), then the
    // opening (an estimate appears), then each admission moves it.
    expect(seen25[0]).toMatchObject({ position: 25, status: "WAITING", estimatedWaitSeconds: null });
    expect(watch25.extensions[0].eventType).toBeUndefined();
    const waiting25 = seen25
      .slice(1)
      .filter((ticket) => ticket.status === "WAITING")
      .map((ticket) => ticket.position);
    expect(waiting25.length).toBeGreaterThanOrEqual(1);
    expect(waiting25).toEqual([...waiting25].sort((a, b) => b - a));
    expect(new Set(waiting25).size).toBe(waiting25.length);
    expect(waiting25[0]).toBeLessThanOrEqual(25);
    expect(waiting25.at(-1)).toBeLessThan(25);
    const admitted40 = await watch40.next((p) => p.waitingRoomUpdates.status === "ADMITTED", 15_000);
    expect(admitted40.waitingRoomUpdates.position).toBe(0);
    expect(watch40.received.length).toBeGreaterThanOrEqual(2);

    // Admission follows the rate: compare admitted with the time since opening.
    const room = (await queryB(ROOM, { slotId }, organizer)).data!.waitingRoom;
    const elapsed = (Date.now() - openedAt) / 1000;
    expect(room.admitted).toBeGreaterThanOrEqual(Math.floor((RATE / 60) * (elapsed - 1.5)));
    expect(room.admitted).toBeLessThanOrEqual(Math.ceil((RATE / 60) * (elapsed + 0.5)));
    expect(room).toMatchObject({ status: "OPEN", joined: USERS, waiting: USERS - room.admitted, soldOut: false });
    // …and the join order: the last admitted number is ADMITTED, the next ones are not.
    const k = room.admitted as number;
    const last = await t.query(TICKET, { slotId }, tokens[user(k)]);
    expect(last.data!.waitingRoomTicket).toMatchObject({ number: k, position: 0 });
    const next = await queryB(TICKET, { slotId }, tokens[user(k + 50)]);
    expect(next.data!.waitingRoomTicket).toMatchObject({ number: k + 50, status: "WAITING" });

    // Only admitted users reserve: number k+50 is refused with its place, 25 and 40 get seats.
    const early = await reserveOn(0, tokens[user(k + 50)], zoneId);
    expect(codeOf(early)).toBe("WAITING_ROOM_REQUIRED");
    expect(early.errors![0].extensions).toMatchObject({ ticketStatus: "WAITING" });
    const key25 = `wr-25-${randomUUID()}`;
    const reserve25 = () =>
      queryB(RESERVE, { input: { zoneId, quantity: 1, idempotencyKey: key25 } }, tokens[user(25)]);
    const booked25 = await reserve25();
    expect(codeOf(booked25)).toBeUndefined();
    expect(codeOf(await reserveOn(0, tokens[user(40)], zoneId))).toBeUndefined();

    // An admission lasts 5 seconds: once number 1's has passed, it no longer works.
    const first = (await t.query(TICKET, { slotId }, tokens[user(1)])).data!.waitingRoomTicket;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(first.admittedUntil) - Date.now() + 100)),
    );
    const expired = await reserveOn(1, tokens[user(1)], zoneId);
    expect(codeOf(expired)).toBe("WAITING_ROOM_REQUIRED");
    expect(expired.errors![0].extensions).toMatchObject({ ticketStatus: "EXPIRED" });
    // A retry of a reservation that got seats still gets its booking once the admission expired.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(admitted25.waitingRoomUpdates.admittedUntil!) - Date.now() + 100)),
    );
    expect(codeOf(await reserveOn(0, tokens[user(25)], zoneId))).toBe("WAITING_ROOM_REQUIRED");
    const retried25 = await reserve25();
    expect(retried25.errors).toBeUndefined();
    expect(retried25.data!.reserveSeats.id).toBe(booked25.data!.reserveSeats.id);

    // Someone admitted just now takes the last seat: admission stops, the waiting are told SOLD_OUT.
    const latest = (await t.query(ROOM, { slotId }, organizer)).data!.waitingRoom.admitted as number;
    expect(codeOf(await reserveOn(0, tokens[user(latest)], zoneId))).toBeUndefined();
    const told = await watchLast.next((p) => p.waitingRoomUpdates.status === "SOLD_OUT", 10_000);
    expect(told.waitingRoomUpdates).toMatchObject({ estimatedWaitSeconds: null, admittedUntil: null });
    const fell = watchLast.received.map((p) => p.waitingRoomUpdates.position);
    expect(fell).toEqual([...fell].sort((a, b) => b - a));
    const stopped = (await t.query(ROOM, { slotId }, organizer)).data!.waitingRoom;
    expect(stopped.soldOut).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await t.query(ROOM, { slotId }, organizer)).data!.waitingRoom).toMatchObject({
      soldOut: true,
      admitted: stopped.admitted,
    });

    // Closed: the room is off, tickets say so, and reserving needs no admission (sold out here).
    await t.query(`mutation($s: ID!) { closeWaitingRoom(slotId: $s) { status } }`, { s: slotId }, organizer);
    await watchLast.next((p) => p.waitingRoomUpdates.status === "CLOSED", 10_000);
    expect(codeOf(await reserveOn(1, tokens[user(USERS)], zoneId))).toBe("INSUFFICIENT_STOCK");
  }, 120_000);

  it("tells a subscriber admitted before it subscribed at once: the first push is the ticket as it is", async () => {
    const { slotId } = await newZone(t, 5);
    const opened = await t.query(
      `mutation($s: ID!) { openWaitingRoom(slotId: $s, admitPerMinute: 600, admissionSeconds: 600) { status } }`,
      { s: slotId },
      t.platform.demoTokens.organizer!,
    );
    expect(opened.errors).toBeUndefined();
    const token = await t.tokenFor(`wr-late-${randomUUID()}`, "GUEST");
    expect((await queryB(JOIN, { slotId }, token)).errors).toBeUndefined();
    await eventually(
      () => t.query(TICKET, { slotId }, token),
      (r) => r.data?.waitingRoomTicket?.status === "ADMITTED",
    );
    // Nobody else joins: the room does not change again, so only a first push can say so.
    for (const url of [t.platform.gatewayUrl, gatewayB]) {
      const watch = subscribe(url, token, slotId);
      const first = await watch.next(undefined, 10_000);
      expect(first.waitingRoomUpdates).toMatchObject({ status: "ADMITTED", position: 0, estimatedWaitSeconds: 0 });
      expect(Date.parse(first.waitingRoomUpdates.admittedUntil!)).toBeGreaterThan(Date.now() + 500_000);
      // Not a live push that happened to come: the first has no event behind it.
      expect(watch.extensions[0].eventType).toBeUndefined();
      expect(watch.extensions[0].cursor).toMatch(/^\d+-\d+$/);
    }
  });

  it("refuses bad input and other people's rooms with clear codes", async () => {
    const { slotId } = await newZone(t, 5);
    const guest = await t.tokenFor(`wr-guest-${randomUUID()}`, "GUEST");
    const organizer = t.platform.demoTokens.organizer!;
    const open = (rate: number, token: string, s = slotId) =>
      t.query(
        `mutation($s: ID!, $r: Int!) { openWaitingRoom(slotId: $s, admitPerMinute: $r) { status } }`,
        { s, r: rate },
        token,
      );
    expect(codeOf(await open(60, guest))).toBe("FORBIDDEN");
    expect(codeOf(await open(0, organizer))).toBe("BAD_USER_INPUT");
    expect(codeOf(await open(60, organizer, randomUUID()))).toBe("NOT_FOUND");
    expect(codeOf(await open(60, organizer, "not-an-id"))).toBe("NOT_FOUND");
    expect(codeOf(await t.query(JOIN, { slotId }))).toBe("UNAUTHENTICATED");
    expect(codeOf(await t.query(JOIN, { slotId: randomUUID() }, guest))).toBe("NOT_FOUND");
    expect(codeOf(await t.query(ROOM, { slotId }, guest))).toBe("FORBIDDEN");
    // Nothing was opened by the refused calls.
    expect((await t.query(ROOM, { slotId }, organizer)).data!.waitingRoom.status).toBe("CLOSED");
  });
});
