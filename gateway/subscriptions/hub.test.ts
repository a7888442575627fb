import { parse } from "graphql";
import { graphqlCjs } from "../../lib/graphql/graphql-cjs";
import { describe, expect, it } from "vitest";
import { createMemoryLiveEvents, type LiveEvents } from "../../lib/messaging/live";
import { createLogger } from "../../lib/observability/logger";
import { createSubscriptionHub, MAX_QUEUED_PER_SUBSCRIBER, SlowSubscriberError, type QueryExecutor } from "./hub";
import { planSubscription } from "./plan";

const schema = graphqlCjs.buildSchema(`
  type Zone { id: ID! name: String! }
  type ZoneAvailability { zone: Zone! available: Int! }
  type Booking { id: ID! status: String! }
  type Query { zoneAvailability(zoneId: ID!): ZoneAvailability booking(id: ID!): Booking }
  type Subscription { availabilityChanged(slotId: ID!): ZoneAvailability bookingStatusChanged(bookingId: ID!): Booking }
`);

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

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
    await live.publish("availability:s1", { slotId: "s1", zoneId: "z1" });
    await live.publish("availability:s1", { slotId: "s1", zoneId: "z2" });
    for (const s of subscribers) {
      expect((await s.next()).value).toEqual({ data: { availabilityChanged: { available: 1 } } });
      expect((await s.next()).value).toEqual({ data: { availabilityChanged: { available: 2 } } });
    }
    expect(calls).toEqual([{ __liveId: "z1" }, { __liveId: "z2" }]);
    for (const s of subscribers) await s.return!();
    expect(hub.stats()).toEqual({ groups: 0, channels: 0 });
  });

  it("does not send a subscriber the same payload twice in a row for one id, but does send it to one who has not seen it", async () => {
    const live = createMemoryLiveEvents();
    const states = ["PENDING", "PENDING", "CONFIRMED", "CONFIRMED", "CANCELLED"];
    let call = 0;
    const execute: QueryExecutor = async (_query, variables) => ({
      data: { bookingStatusChanged: { id: variables.__liveId, status: states[Math.min(call++, states.length - 1)] } },
    });
    const hub = createSubscriptionHub({ live, execute, logger: createLogger("silent") });
    const principal = { userId: "u1", role: "GUEST" as const };
    const auth = { principal, token: "t" };
    const plan = planSubscription(
      schema,
      parse(`subscription { bookingStatusChanged(bookingId: "b1") { id status } }`),
      null,
      {},
      principal as never,
    );
    const first = await hub.subscribe(plan, auth);
    const statuses = async (s: AsyncIterableIterator<{ data?: unknown }>, n: number) => {
      const seen: string[] = [];
      for (let i = 0; i < n; i++)
        seen.push(
          ((await s.next()).value.data as { bookingStatusChanged: { status: string } }).bookingStatusChanged.status,
        );
      return seen;
    };
    await live.publish("booking:b1", { bookingId: "b1" }); // PENDING
    await live.publish("booking:b1", { bookingId: "b1" }); // PENDING again: not sent
    await live.publish("booking:b1", { bookingId: "b1" }); // CONFIRMED
    await tick();
    const late = await hub.subscribe(plan, auth); // joins the same group, has seen nothing
    await live.publish("booking:b1", { bookingId: "b1" }); // CONFIRMED again: new to `late` only
    await live.publish("booking:b1", { bookingId: "b1" }); // CANCELLED
    await tick();
    expect(await statuses(first, 3)).toEqual(["PENDING", "CONFIRMED", "CANCELLED"]);
    expect(await statuses(late, 2)).toEqual(["CONFIRMED", "CANCELLED"]);
    await first.return!();
    await late.return!();
  });

  it("ends a subscriber that does not read with SlowSubscriberError instead of queueing without bound", async () => {
    const live = createMemoryLiveEvents();
    let available = 0;
    const hub = createSubscriptionHub({
      live,
      // A new state for every event (the same state again is not queued twice).
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
      await live.publish("availability:s2", { slotId: "s2", zoneId: "z" });
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
    await bus.publish("availability:s4", { slotId: "s4", zoneId: "z" });
    expect((await stream.next()).value).toEqual({ data: { availabilityChanged: { available: 5 } } });
  });
});
