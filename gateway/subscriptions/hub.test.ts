import { parse } from "graphql";
import { graphqlCjs } from "../../lib/graphql/graphql-cjs";
import { describe, expect, it } from "vitest";
import { createMemoryLiveEvents, LIVE_RETENTION, type LiveEvents } from "../../lib/messaging/live";
import type { LiveChannel, LiveKind, LiveMessages } from "../../lib/contracts/live";
import { createLogger } from "../../lib/observability/logger";
import { createSubscriptionHub, MAX_QUEUED_PER_SUBSCRIBER, SlowSubscriberError, type QueryExecutor } from "./hub";
import { planSubscription } from "./plan";
import { compareCursors } from "../../lib/messaging/live";

const schema = graphqlCjs.buildSchema(`
  type Zone { id: ID! name: String! }
  type ZoneAvailability { zone: Zone! available: Int! }
  type Booking { id: ID! status: String! }
  type Query { zoneAvailability(zoneId: ID!): ZoneAvailability booking(id: ID!): Booking }
  type Subscription {
    availabilityChanged(slotId: ID!, after: String): ZoneAvailability
    bookingStatusChanged(bookingId: ID!, after: String): Booking
  }
`);

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Appends one event with one live message, as the relay does after publishing it. */
let events = 0;
const emit = (live: LiveEvents, channel: LiveChannel, message: LiveMessages[LiveKind], eventId = `e${++events}`) =>
  live.append([{ eventId, eventType: "test.changed", traceparent: null, deliveries: [{ channel, message }] }]);
const dataOf = (result: { data?: unknown } | undefined) => result?.data;

describe("the subscription hub", () => {
  it("turns a subscription into the payload query, keeping aliases, fragments and the variables it uses", () => {
    const plan = planSubscription(
      schema,
      parse(`subscription Watch($slot: ID!, $unused: Int) { seats: availabilityChanged(slotId: $slot) { ...A } }
             fragment A on ZoneAvailability { available zone { name } }`),
      "Watch",
      { slot: "s1", unused: 3 },
      null,
    );
    expect(plan.channel).toBe("availability:s1");
    expect(plan.responseKey).toBe("seats");
    expect(plan.query).toContain("seats: zoneAvailability(zoneId: $__liveId)");
    expect(plan.query).toContain("fragment A on ZoneAvailability");
    expect(plan.query).not.toContain("$unused");
    expect(() =>
      planSubscription(schema, parse(`subscription { bookingStatusChanged(bookingId: "b") { id } }`), null, {}, null),
    ).toThrow(/Sign in/);
  });

  it("does not push a live change whose payload is the one the subscriber has (per id), but replays every missed one", async () => {
    const live = createMemoryLiveEvents();
    // The booking as it is when each event is resolved: two events can show the same state.
    let status = "PENDING";
    const execute: QueryExecutor = async () => ({ data: { bookingStatusChanged: { status } } });
    const hub = createSubscriptionHub({ live, execute, logger: createLogger("silent") });
    const plan = (after?: string) =>
      planSubscription(
        schema,
        parse(`subscription($after: String) { bookingStatusChanged(bookingId: "b1", after: $after) { status } }`),
        null,
        after ? { after } : {},
        { userId: "u1", role: "GUEST" } as never,
      );
    const auth = { principal: { userId: "u1", role: "GUEST" } as never, token: null };
    const watcher = await hub.subscribe(plan(), auth);
    const statuses: string[] = [];
    const cursors: string[] = [];
    const collect = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const next = (await watcher.next()).value as {
          data: { bookingStatusChanged: { status: string } };
          extensions: { cursor: string };
        };
        statuses.push(next.data.bookingStatusChanged.status);
        cursors.push(next.extensions.cursor);
      }
    };
    status = "CONFIRMED";
    await emit(live, "booking:b1", { bookingId: "b1" });
    await collect(1);
    // Two changes both resolved as REFUNDED: one push; then a real change is pushed again.
    status = "REFUNDED";
    await emit(live, "booking:b1", { bookingId: "b1" });
    await emit(live, "booking:b1", { bookingId: "b1" });
    await tick();
    status = "CANCELLED";
    await emit(live, "booking:b1", { bookingId: "b1" });
    await collect(2);
    expect(statuses).toEqual(["CONFIRMED", "REFUNDED", "CANCELLED"]);
    await watcher.return!();
    // A client resuming after its first push gets each of the three changes it missed.
    const resumed = await hub.subscribe(plan(cursors[0]), auth);
    const replayed = [];
    for (let i = 0; i < 3; i++) replayed.push(((await resumed.next()).value as { data: unknown }).data);
    expect(replayed).toEqual(Array(3).fill({ bookingStatusChanged: { status: "CANCELLED" } }));
    await resumed.return!();
  });

  it("resolves each event once per group of identical subscribers, in order, and stops listening when they leave", async () => {
    const live = createMemoryLiveEvents();
    const calls: Record<string, unknown>[] = [];
    const execute: QueryExecutor = async (_query, variables) => {
      calls.push(variables);
      return { data: { availabilityChanged: { available: calls.length } } };
    };
    const hub = createSubscriptionHub({ live, execute, logger: createLogger("silent") });
    const plan = planSubscription(
      schema,
      parse(`subscription { availabilityChanged(slotId: "s1") { available } }`),
      null,
      {},
      null,
    );
    const anonymous = { principal: null, token: null };
    const subscribers = await Promise.all(Array.from({ length: 100 }, () => hub.subscribe(plan, anonymous)));
    expect(hub.stats()).toEqual({ groups: 1, channels: 1 });
    await emit(live, "availability:s1", { slotId: "s1", zoneId: "z1" });
    await emit(live, "availability:s1", { slotId: "s1", zoneId: "z2" }, "twice");
    await emit(live, "availability:s1", { slotId: "s1", zoneId: "z2" }, "twice"); // the same event again: nothing
    let cursor = "0-0";
    for (const s of subscribers) {
      const first = (await s.next()).value;
      expect(first).toEqual({
        data: { availabilityChanged: { available: 1 } },
        extensions: { cursor: expect.stringMatching(/^\d+-\d+$/), eventType: "test.changed" },
      });
      const second = (await s.next()).value;
      expect(dataOf(second)).toEqual({ availabilityChanged: { available: 2 } });
      expect(compareCursors(String(second.extensions!.cursor), String(first.extensions!.cursor))).toBeGreaterThan(0);
      cursor = String(second.extensions!.cursor);
    }
    expect(cursor).not.toBe("0-0");
    expect(calls).toEqual([{ __liveId: "z1" }, { __liveId: "z2" }]);
    for (const s of subscribers) await s.return!();
    expect(hub.stats()).toEqual({ groups: 0, channels: 0 });
  });

  it("resumes after a cursor: the missed changes in order, then live ones, none twice, even those that came during the catch-up", async () => {
    const live = createMemoryLiveEvents();
    let state = 0;
    let slow: Promise<void> | null = null;
    const execute: QueryExecutor = async (_query, variables) => {
      await slow;
      return { data: { bookingStatusChanged: { id: variables.__liveId, status: `S${++state}` } } };
    };
    const hub = createSubscriptionHub({ live, execute, logger: createLogger("silent") });
    const principal = { userId: "u1", role: "GUEST" as const };
    const auth = { principal, token: "t" };
    const planFor = (after?: string) =>
      planSubscription(
        schema,
        parse(`subscription($after: String) { bookingStatusChanged(bookingId: "b1", after: $after) { status } }`),
        null,
        after ? { after } : {},
        principal as never,
      );
    const first = await hub.subscribe(planFor(), auth);
    await emit(live, "booking:b1", { bookingId: "b1" });
    const seen = (await first.next()).value;
    const cursor = String(seen.extensions!.cursor);
    await first.return!(); // disconnected; three changes happen meanwhile
    for (let i = 0; i < 3; i++) await emit(live, "booking:b1", { bookingId: "b1" });
    // Resolving the missed ones is slow: a live change arrives before the catch-up is done.
    let release!: () => void;
    slow = new Promise<void>((resolve) => (release = resolve));
    const resumed = hub.subscribe(planFor(cursor), auth);
    await tick();
    await emit(live, "booking:b1", { bookingId: "b1" });
    await tick();
    release();
    const stream = await resumed;
    const cursors: string[] = [];
    for (let i = 0; i < 4; i++) cursors.push(String((await stream.next()).value.extensions!.cursor));
    expect(cursors.every((c, i) => compareCursors(c, i ? cursors[i - 1] : cursor) > 0)).toBe(true);
    const after = await live.read("booking:b1", cursor);
    expect(cursors).toEqual(after.map((entry) => entry.cursor)); // exactly the entries after the cursor, in order
    await emit(live, "booking:b1", { bookingId: "b1" });
    expect(compareCursors(String((await stream.next()).value.extensions!.cursor), cursors[3])).toBeGreaterThan(0);
    await stream.return!();
  });

  it("resumes a state-like subscription with each changed zone once, as it is now", async () => {
    const live = createMemoryLiveEvents();
    const now: Record<string, number> = { z1: 10, z2: 20 };
    const hub = createSubscriptionHub({
      live,
      execute: async (_query, variables) => ({
        data: { availabilityChanged: { zone: { id: variables.__liveId }, available: now[String(variables.__liveId)] } },
      }),
      logger: createLogger("silent"),
    });
    await emit(live, "availability:s9", { slotId: "s9", zoneId: "z1" });
    const [start] = await live.read("availability:s9", "0-0");
    for (const zoneId of ["z1", "z2", "z1", "z1"]) await emit(live, "availability:s9", { slotId: "s9", zoneId });
    const plan = planSubscription(
      schema,
      parse(
        `subscription($after: String) { availabilityChanged(slotId: "s9", after: $after) { zone { id } available } }`,
      ),
      null,
      { after: start.cursor },
      null,
    );
    const stream = await hub.subscribe(plan, { principal: null, token: null });
    const first = (await stream.next()).value;
    const second = (await stream.next()).value;
    expect([dataOf(first), dataOf(second)]).toEqual([
      { availabilityChanged: { zone: { id: "z2" }, available: 20 } },
      { availabilityChanged: { zone: { id: "z1" }, available: 10 } },
    ]);
    expect(second.extensions!.cursor).toBe(await live.latest("availability:s9"));
    await stream.return!();
  });

  it("a crowd resuming from the same cursor together shares one read and one resolution per missed change", async () => {
    const bus = createMemoryLiveEvents();
    let reads = 0;
    const live: LiveEvents = { ...bus, read: (channel, after) => (reads++, bus.read(channel, after)) };
    let resolutions = 0;
    const hub = createSubscriptionHub({
      live,
      execute: async (_query, variables) => (
        resolutions++,
        { data: { bookingStatusChanged: { id: variables.__liveId, status: "CONFIRMED" } } }
      ),
      logger: createLogger("silent"),
    });
    const principal = { userId: "admin", role: "ADMIN" as const };
    await emit(bus, "booking:b7", { bookingId: "b7" });
    const [start] = await bus.read("booking:b7", "0-0");
    for (let i = 0; i < 5; i++) await emit(bus, "booking:b7", { bookingId: "b7" });
    const plan = planSubscription(
      schema,
      parse(`subscription($after: String) { bookingStatusChanged(bookingId: "b7", after: $after) { status } }`),
      null,
      { after: start.cursor },
      principal as never,
    );
    const crowd = await Promise.all(
      Array.from({ length: 50 }, () => hub.subscribe(plan, { principal: principal as never, token: "t" })),
    );
    for (const stream of crowd) for (let i = 0; i < 5; i++) await stream.next();
    expect(reads).toBe(1);
    expect(resolutions).toBe(5);
    for (const stream of crowd) await stream.return!();
  });

  it("refuses a cursor it no longer keeps (CURSOR_EXPIRED) and one it never gave out (BAD_USER_INPUT)", async () => {
    const live = createMemoryLiveEvents();
    const hub = createSubscriptionHub({ live, execute: async () => ({ data: null }), logger: createLogger("silent") });
    const planAfter = (after: string) =>
      planSubscription(
        schema,
        parse(`subscription($after: String) { availabilityChanged(slotId: "s8", after: $after) { available } }`),
        null,
        { after },
        null,
      );
    const anonymous = { principal: null, token: null };
    await expect(hub.subscribe(planAfter("yesterday"), anonymous)).rejects.toMatchObject({
      extensions: { code: "BAD_USER_INPUT" },
    });
    // Older than the retention, on a channel with nothing kept.
    await expect(hub.subscribe(planAfter(`${Date.now() - 2 * 86_400_000}-0`), anonymous)).rejects.toMatchObject({
      extensions: { code: "CURSOR_EXPIRED" },
    });
    // Trimmed: more entries came after it than are kept (the one right after it is gone).
    await emit(live, "availability:s8", { slotId: "s8", zoneId: "z" });
    const [oldest] = await live.read("availability:s8", "0-0");
    await live.append(
      Array.from({ length: LIVE_RETENTION.entries + 1 }, (_, i) => ({
        eventId: `trim-${i}`,
        eventType: "test.changed",
        traceparent: null,
        deliveries: [{ channel: "availability:s8" as const, message: { slotId: "s8", zoneId: "z" } }],
      })),
    );
    await expect(hub.subscribe(planAfter(oldest.cursor), anonymous)).rejects.toMatchObject({
      extensions: { code: "CURSOR_EXPIRED" },
    });
    expect(hub.stats()).toEqual({ groups: 0, channels: 0 });
  });

  it("ends a subscriber that does not read with SlowSubscriberError instead of queueing without bound", async () => {
    const live = createMemoryLiveEvents();
    let available = 0;
    const hub = createSubscriptionHub({
      live,
      execute: async () => ({ data: { availabilityChanged: { available: ++available } } }),
      logger: createLogger("silent"),
    });
    const plan = planSubscription(
      schema,
      parse(`subscription { availabilityChanged(slotId: "s2") { available } }`),
      null,
      {},
      null,
    );
    const slow = await hub.subscribe(plan, { principal: null, token: null });
    for (let i = 0; i <= MAX_QUEUED_PER_SUBSCRIBER + 5; i++)
      await emit(live, "availability:s2", { slotId: "s2", zoneId: "z" });
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(slow.next()).rejects.toBeInstanceOf(SlowSubscriberError);
    expect(hub.stats()).toEqual({ groups: 0, channels: 0 });
  });

  it("ends a subscription when the subscriber's token expires", async () => {
    const hub = createSubscriptionHub({
      live: createMemoryLiveEvents(),
      execute: async () => ({ data: null }),
      logger: createLogger("silent"),
    });
    const plan = planSubscription(
      schema,
      parse(`subscription { availabilityChanged(slotId: "s3") { available } }`),
      null,
      {},
      null,
    );
    const stream = await hub.subscribe(plan, { principal: null, token: null }, Date.now() + 50);
    await expect(stream.next()).rejects.toThrow(/expired/);
  });

  it("refuses a subscription while the event bus is unreachable, leaves nothing behind, and works once it is back", async () => {
    const bus = createMemoryLiveEvents();
    let down = true;
    const live: LiveEvents = {
      ...bus,
      subscribe: (channel, handler) =>
        down ? Promise.reject(new Error("ECONNREFUSED")) : bus.subscribe(channel, handler),
    };
    const hub = createSubscriptionHub({
      live,
      execute: async () => ({ data: { availabilityChanged: { available: 5 } } }),
      logger: createLogger("silent"),
    });
    const plan = planSubscription(
      schema,
      parse(`subscription { availabilityChanged(slotId: "s4") { available } }`),
      null,
      {},
      null,
    );
    await expect(hub.subscribe(plan, { principal: null, token: null })).rejects.toMatchObject({
      extensions: { code: "SERVICE_UNAVAILABLE" },
    });
    expect(hub.stats()).toEqual({ groups: 0, channels: 0 });
    down = false;
    const stream = await hub.subscribe(plan, { principal: null, token: null });
    await emit(bus, "availability:s4", { slotId: "s4", zoneId: "z" });
    expect(dataOf((await stream.next()).value)).toEqual({ availabilityChanged: { available: 5 } });
  });
});
