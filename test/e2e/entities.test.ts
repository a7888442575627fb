import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Kind, parse, type ConstDirectiveNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_SECRET_HEADER } from "../../lib/core/auth";
import type { SubgraphName } from "../../lib/storage/db";
import { DEMO_IDS, DEMO_USERS } from "../../lib/core/demo";
import { startTestPlatform, type GraphQLResponse, type TestPlatform } from "../support/platform";

const SUBGRAPH_SCHEMAS: SubgraphName[] = ["booking", "inventory", "notification", "payment"];

/** `subgraph.Type` for every entity a subgraph resolves (`@key` without `resolvable: false`) in schema/<subgraph>.graphql. */
function resolvableEntities(): string[] {
  const resolvable = (key: ConstDirectiveNode) =>
    !key.arguments?.some(
      (arg) => arg.name.value === "resolvable" && arg.value.kind === Kind.BOOLEAN && arg.value.value === false,
    );
  return SUBGRAPH_SCHEMAS.flatMap((subgraph) =>
    parse(readFileSync(new URL(`../../schema/${subgraph}.graphql`, import.meta.url), "utf8"))
      .definitions.filter((d) => d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION)
      .filter((d) => d.directives?.some((directive) => directive.name.value === "key" && resolvable(directive)))
      .map((d) => `${subgraph}.${d.name.value}`),
  ).sort();
}

interface EntityCase {
  selection: string;
  /** A representation of demo data, and what the subgraph answers for it. */
  known: { id: string; expected: Record<string, unknown> };
  /**
   * An id nothing has: the entity is null, or what its fields say; `error`: the error's code, at
   * `_entities.0` (and `field` below it).
   */
  unknown: { expected: Record<string, unknown> | null; error?: { code: string; field?: string } };
  /** Whose token is forwarded (the gateway forwards the caller's). */
  as?: keyof typeof DEMO_USERS;
}

const guest = DEMO_USERS.guest.userId;
const CASES: Record<string, EntityCase> = {
  "booking.Booking": {
    selection: "id reference status quantity",
    as: "guest",
    known: {
      id: DEMO_IDS.confirmedBooking,
      expected: { id: DEMO_IDS.confirmedBooking, reference: "BR-20261101-DEMQK5", status: "CONFIRMED", quantity: 2 },
    },
    unknown: { expected: null, error: { code: "NOT_FOUND" } },
  },
  "inventory.Venue": {
    selection: "id name",
    known: { id: DEMO_IDS.theatre, expected: { id: DEMO_IDS.theatre, name: "Grand Theatre" } },
    unknown: { expected: null },
  },
  "inventory.Slot": {
    selection: "id title venue { id }",
    known: {
      id: DEMO_IDS.hamletShow,
      expected: { id: DEMO_IDS.hamletShow, title: "Hamlet — evening", venue: { id: DEMO_IDS.theatre } },
    },
    unknown: { expected: null },
  },
  "inventory.Zone": {
    selection: "id name capacity price { amount currency } slot { id }",
    known: {
      id: DEMO_IDS.stalls,
      expected: {
        id: DEMO_IDS.stalls,
        name: "Stalls",
        capacity: 120,
        price: { amount: 4_500, currency: "EUR" },
        slot: { id: DEMO_IDS.hamletShow },
      },
    },
    unknown: { expected: null },
  },
  "notification.Booking": {
    selection: "id notifications { subject status }",
    as: "guest",
    known: {
      id: DEMO_IDS.confirmedBooking,
      expected: {
        id: DEMO_IDS.confirmedBooking,
        notifications: [{ subject: "Your booking BR-20261101-DEMQK5 is confirmed", status: "SENT" }],
      },
    },
    unknown: { expected: { notifications: [] } },
  },
  "notification.Me": {
    selection: "id notifications(first: 5) { subject }",
    as: "guest",
    known: {
      id: guest,
      expected: { id: guest, notifications: [{ subject: "Your booking BR-20261101-DEMQK5 is confirmed" }] },
    },
    // Another user's `Me` is nobody's to read.
    unknown: { expected: null, error: { code: "UNAUTHENTICATED", field: "notifications" } },
  },
  "payment.Booking": {
    selection: "id payment { id status } amountDue amountPaid amountRefunded",
    as: "guest",
    known: {
      id: DEMO_IDS.confirmedBooking,
      expected: {
        id: DEMO_IDS.confirmedBooking,
        payment: { id: DEMO_IDS.confirmedPayment, status: "SUCCEEDED" },
        amountDue: 11_070,
        amountPaid: 11_070,
        amountRefunded: 0,
      },
    },
    unknown: { expected: { payment: null, amountDue: null, amountPaid: null, amountRefunded: null } },
  },
};

describe("_entities of every subgraph entity", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ SWEEP_INTERVAL_MS: "600000" });
  });
  afterAll(() => t?.close());

  /** A subgraph's `_entities`, called as the gateway calls it (service secret, the caller's token). */
  async function entities(
    subgraph: SubgraphName,
    typename: string,
    ids: string[],
    selection: string,
    token?: string,
    secret = t.platform.env.SERVICE_SECRET!,
  ): Promise<GraphQLResponse<{ _entities: (Record<string, unknown> | null)[] }>> {
    const response = await fetch(`${t.platform.subgraphs[subgraph].url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [SERVICE_SECRET_HEADER]: secret,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on ${typename} { ${selection} } } }`,
        variables: { r: ids.map((id) => ({ __typename: typename, id })) },
      }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  }

  it("has a case for every resolvable @key entity of the subgraph schemas", () => {
    expect(Object.keys(CASES).sort()).toEqual(resolvableEntities());
  });

  it.each(Object.entries(CASES))("%s: a known representation resolves, an unknown one does not", async (name, c) => {
    const [subgraph, typename] = name.split(".") as [SubgraphName, string];
    const token = c.as ? t.platform.demoTokens[c.as] : undefined;
    const unknownId = randomUUID();
    const result = await entities(subgraph, typename, [unknownId, c.known.id], c.selection, token);
    expect(result.status).toBe(200);
    const [unknown, known] = result.data!._entities;
    expect(known).toEqual({ __typename: typename, ...c.known.expected });
    if (c.unknown.expected === null) expect(unknown).toBeNull();
    else expect(unknown).toEqual({ __typename: typename, id: unknownId, ...c.unknown.expected });
    const errors = (result.errors ?? []).map((e) => [e.path, e.extensions?.code]);
    const { error } = c.unknown;
    expect(errors).toEqual(error ? [[["_entities", 0, ...(error.field ? [error.field] : [])], error.code]] : []);
  });

  it("needs a signed-in caller for bookings, and the service secret for any entity", async () => {
    const anonymous = await entities("booking", "Booking", [DEMO_IDS.confirmedBooking], "id");
    expect(anonymous.data!._entities).toEqual([null]);
    expect(anonymous.errors!.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    const stranger = await t.tokenFor(`stranger-${randomUUID()}`, "GUEST");
    const forbidden = await entities("booking", "Booking", [DEMO_IDS.confirmedBooking], "id", stranger);
    expect(forbidden.errors!.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    const withoutSecret = await entities("inventory", "Venue", [DEMO_IDS.theatre], "id", undefined, "wrong");
    expect(withoutSecret.status).toBe(401);
    expect(withoutSecret.errors![0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});
