import { createHash } from "node:crypto";
import http from "node:http";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import {
  buildSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from "graphql";
import type { Role } from "../../lib/core/auth";
import { DEMO_IDS, DEMO_USERS } from "../../lib/core/demo";
import type { TestPlatform } from "./platform";

/**
 * A schema-driven fuzzer for the public GraphQL endpoint: it walks every root field of
 * `schema/api.graphql`, every argument and input-object field (recursively), and builds hostile
 * requests from a seeded PRNG, so a run can be reproduced from its seed. It also builds malformed
 * transport-level requests, sends everything with bounded concurrency and classifies answers.
 */

// ───────────────────────────── PRNG ─────────────────────────────

export interface Rng {
  next(): number;
  int(max: number): number;
  range(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  hex(length: number): string;
  uuid(): string;
}

/** mulberry32: small, fast, deterministic. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const hex = (length: number) => Array.from({ length }, () => int(16).toString(16)).join("");
  return {
    next,
    int,
    range: (min, max) => min + int(max - min + 1),
    pick: (items) => items[int(items.length)],
    chance: (p) => next() < p,
    hex,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[int(4)]}${hex(3)}-${hex(12)}`,
  };
}

// ───────────────────────────── values ─────────────────────────────

/** A value written verbatim: `json` in a JSON body, `gql` as a GraphQL literal. */
export class Raw {
  constructor(
    readonly json: string,
    readonly gql: string,
  ) {}
}

/** An enum value: a JSON string in variables, a bare name as a literal. */
export class EnumLit {
  constructor(readonly name: string) {}
}

/** Leaves the argument or field out. */
export const OMIT = Symbol("omit");

export function toJson(value: unknown): string {
  if (value instanceof Raw) return value.json;
  if (value instanceof EnumLit) return JSON.stringify(value.name);
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== OMIT)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function toGql(value: unknown): string {
  if (value instanceof Raw) return value.gql;
  if (value instanceof EnumLit) return value.name;
  if (value === null || value === undefined) return "null";
  // JSON string escapes are GraphQL string escapes; lone surrogates come out as \udXXX.
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(toGql).join(",")}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== OMIT)
    .map(([k, v]) => `${k}: ${toGql(v)}`)
    .join(", ")}}`;
}

// ───────────────────────────── schema ─────────────────────────────

export function loadPublicSchema(): GraphQLSchema {
  return buildSchema(readFileSync(fileURLToPath(new URL("../../schema/api.graphql", import.meta.url)), "utf8"));
}

export type RootKind = "query" | "mutation" | "subscription";
type Path = (string | number)[];

export interface RootField {
  kind: RootKind;
  field: GraphQLField<unknown, unknown>;
  label: string;
}

export function rootFields(schema: GraphQLSchema): RootField[] {
  const roots: [RootKind, GraphQLObjectType | null | undefined][] = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
    ["subscription", schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) =>
    type ? Object.values(type.getFields()).map((field) => ({ kind, field, label: `${type.name}.${field.name}` })) : [],
  );
}

/** Every argument and input-object field under a root field, with its path from the arguments. */
export function inputPaths(field: GraphQLField<unknown, unknown>): { path: Path; type: GraphQLInputType }[] {
  const out: { path: Path; type: GraphQLInputType }[] = [];
  const walk = (type: GraphQLInputType, path: Path, seen: Set<string>) => {
    out.push({ path, type });
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const element = getNullableType(nullable.ofType);
      if (isInputObjectType(element) || isListType(element)) walk(nullable.ofType, [...path, 0], seen);
      return;
    }
    if (isInputObjectType(nullable) && !seen.has(nullable.name)) {
      const next = new Set(seen).add(nullable.name);
      for (const f of Object.values(nullable.getFields())) walk(f.type, [...path, f.name], next);
    }
  };
  for (const arg of field.args) walk(arg.type, [arg.name], new Set());
  return out;
}

/** What kind of input a type is, for grouping findings: `String`, `ID!`, `[Enum!]`, `Input!`… */
export function typeKind(type: GraphQLInputType): string {
  const named = getNamedType(type);
  const base = isEnumType(named) ? "Enum" : isInputObjectType(named) ? "Input" : named.name;
  return String(type).replace(named.name, base).replaceAll("!", "");
}

export function selectionFor(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return "";
  if (!isObjectType(named)) return "{ __typename }";
  const parts = ["__typename"];
  for (const f of Object.values(named.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    if (isLeafType(getNamedType(f.type))) parts.push(f.name);
    else if (depth > 0) parts.push(`${f.name} ${selectionFor(f.type, depth - 1)}`);
  }
  return `{ ${parts.join(" ")} }`;
}

// ───────────────────────────── fixtures and valid values ─────────────────────────────

export type Caller = Role | "NONE";
export const CALLERS: readonly Caller[] = ["NONE", "GUEST", "ORGANIZER", "ADMIN"];

export interface Fixtures {
  tokens: Record<Role, string>;
  users: Record<Role, string>;
  venues: string[];
  slots: string[];
  zones: string[];
  bookings: string[];
  notifications: string[];
  references: string[];
  /** A slot of exactly two zones that no fuzzed request points at. */
  nestSlot: string;
}

const FUTURE = {
  startsAt: "2030-06-01T18:00:00.000Z",
  endsAt: "2030-06-01T21:00:00.000Z",
  sale: "2030-01-01T00:00:00.000Z",
};

/** Valid data the fuzzer's ids point at: a venue, slot and two zones of its own, two bookings, and the demo rows. */
export async function createFixtures(t: TestPlatform, rng: Rng): Promise<Fixtures> {
  const users = { GUEST: rng.uuid(), ORGANIZER: rng.uuid(), ADMIN: rng.uuid() };
  const tokens = {
    GUEST: await t.tokenFor(users.GUEST, "GUEST", "fuzz-guest@example.com"),
    ORGANIZER: await t.tokenFor(users.ORGANIZER, "ORGANIZER", "fuzz-organizer@example.com"),
    ADMIN: await t.tokenFor(users.ADMIN, "ADMIN", "fuzz-admin@example.com"),
  };
  const ok = async (query: string, variables: Record<string, unknown>, token: string) => {
    const r = await t.query(query, variables, token);
    if (r.errors?.length || !r.data) throw new Error(`fixture request failed: ${JSON.stringify(r).slice(0, 500)}`);
    return r.data as Record<string, any>;
  };
  const venue = await ok(
    `mutation($input: CreateVenueInput!) { createVenue(input: $input) { id } }`,
    { input: { name: "Fuzz Hall", kind: "THEATRE", city: "Lisbon", timezone: "Europe/Lisbon" } },
    tokens.ORGANIZER,
  );
  const venueId = venue.createVenue.id as string;
  const slotWithTwoZones = async (title: string) => {
    const slot = await ok(
      `mutation($input: CreateSlotInput!) { createSlot(input: $input) { id } }`,
      { input: { venueId, title, startsAt: FUTURE.startsAt, endsAt: FUTURE.endsAt, maxPerUser: 4 } },
      tokens.ORGANIZER,
    );
    const slotId = slot.createSlot.id as string;
    const zones: string[] = [];
    for (const [name, capacity] of [
      ["Floor", 20],
      ["Box", 2],
    ] as const) {
      const zone = await ok(
        `mutation($input: CreateZoneInput!) { createZone(input: $input) { id } }`,
        { input: { slotId, name, capacity, priceMinor: 2_000, currency: "EUR" } },
        tokens.ORGANIZER,
      );
      zones.push(zone.createZone.id as string);
    }
    return { slotId, zones };
  };
  const { slotId, zones } = await slotWithTwoZones("Fuzz night");
  // Out of the id pools, so fuzzed mutations never add zones to it: a nested query on it fans out
  // by exactly two per level.
  const nest = await slotWithTwoZones("Fuzz nest");
  const reserve = (zoneId: string, quantity: number) =>
    ok(
      `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id reference } }`,
      { input: { zoneId, quantity, idempotencyKey: `fuzz-fixture-${rng.hex(16)}` } },
      tokens.GUEST,
    );
  const first = (await reserve(zones[0], 2)).reserveSeats;
  const second = (await reserve(zones[1], 1)).reserveSeats;
  await ok(
    `mutation($input: PayBookingInput!) { payBooking(input: $input) { id status } }`,
    { input: { bookingId: second.id, idempotencyKey: `fuzz-pay-${rng.hex(16)}`, paymentMethodToken: "tok_success" } },
    tokens.GUEST,
  );
  return {
    tokens,
    users,
    venues: [venueId, DEMO_IDS.theatre, DEMO_IDS.bistro, DEMO_IDS.hotel],
    slots: [slotId, DEMO_IDS.hamletShow, DEMO_IDS.hamletMatinee, DEMO_IDS.dinnerSitting, DEMO_IDS.hotelNight],
    zones: [
      ...zones,
      DEMO_IDS.stalls,
      DEMO_IDS.balcony,
      DEMO_IDS.matineeStalls,
      DEMO_IDS.terrace,
      DEMO_IDS.doubleRooms,
    ],
    bookings: [first.id, second.id, DEMO_IDS.confirmedBooking, DEMO_IDS.pendingBooking],
    notifications: [DEMO_IDS.confirmationNotification],
    references: [first.reference, second.reference, "BR-20261122-K7M2QX"],
    nestSlot: nest.slotId,
  };
}

function idPool(name: string, rootField: string, fx: Fixtures): string[] {
  const byEntity: Record<string, string[]> = {
    booking: fx.bookings,
    notification: fx.notifications,
    slot: fx.slots,
    venue: fx.venues,
    zone: fx.zones,
  };
  if (name === "id") {
    const entity = rootField.replace(/^(update|create)/, "").toLowerCase();
    return byEntity[entity] ?? fx.bookings;
  }
  const entity = name.replace(/Id$/, "");
  if (entity === "owner") return [...Object.values(fx.users), DEMO_USERS.organizer.userId];
  return byEntity[entity] ?? [...fx.zones, ...fx.bookings];
}

/**
 * A plausible value for `type`, chosen by the argument's name, so that requests get past
 * validation and into the resolvers. `force` names a path below that must be present.
 */
export function validValue(
  type: GraphQLInputType,
  name: string,
  rootField: string,
  fx: Fixtures,
  rng: Rng,
  force: Path | null = null,
): unknown {
  if (isNonNullType(type)) return validValue(type.ofType, name, rootField, fx, rng, force);
  if (isListType(type)) {
    const length = force ? 1 : rng.range(1, 2);
    return Array.from({ length }, () => validValue(type.ofType, name, rootField, fx, rng, force?.slice(1) ?? null));
  }
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      const forced = force?.[0] === f.name;
      const required = isNonNullType(f.type) && f.defaultValue === undefined;
      if (required || forced || rng.chance(0.5)) {
        out[f.name] = validValue(f.type, f.name, rootField, fx, rng, forced ? force!.slice(1) : null);
      }
    }
    return out;
  }
  if (isEnumType(type)) return new EnumLit(rng.pick(type.getValues()).name);
  switch (type.name) {
    case "ID":
      return rng.pick(idPool(name, rootField, fx));
    case "Int":
      return (
        {
          quantity: rng.range(1, 2),
          capacity: rng.range(5, 50),
          priceMinor: rng.range(100, 5_000),
          first: rng.range(1, 20),
          maxPerUser: rng.range(1, 4),
          expectedVersion: rng.range(1, 3),
          cancellationDeadlineHours: rng.range(0, 48),
        }[name] ?? 1
      );
    case "Float":
      return 1.5;
    case "Boolean":
      return rng.chance(0.5);
    case "DateTimeISO":
      return name === "endsAt" ? FUTURE.endsAt : name === "saleStartsAt" ? FUTURE.sale : FUTURE.startsAt;
    default: {
      const strings: Record<string, () => string | null> = {
        reference: () => rng.pick(fx.references),
        idempotencyKey: () => `fuzz-${rng.hex(16)}`,
        paymentMethodToken: () => rng.pick(["tok_success", "tok_decline", "tok_insufficient_funds", "tok_delayed_20"]),
        currency: () => rng.pick(["EUR", "USD", "GBP"]),
        timezone: () => rng.pick(["UTC", "Europe/Lisbon", "America/New_York"]),
        contactEmail: () => "fuzz@example.com",
        city: () => "Lisbon",
        notes: () => "fuzzing",
        specialRequests: () => "window seat",
        after: () => null,
      };
      return (strings[name] ?? (() => `Fuzz ${rng.hex(6)}`))();
    }
  }
}

function setAt(target: Record<string | number, unknown>, path: Path, value: unknown): void {
  let node: any = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    if (node[key] === null || typeof node[key] !== "object") node[key] = typeof path[i + 1] === "number" ? [] : {};
    node = node[key];
  }
  const last = path[path.length - 1];
  if (value === OMIT) {
    if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
    else delete node[last];
  } else node[last] = value;
}

// ───────────────────────────── mutators ─────────────────────────────

export interface Variant {
  /** Mutator family, e.g. `bad-date`; findings are grouped by it. */
  family: string;
  /** What exactly, e.g. `"2026-13-45T00:00:00Z"`. */
  what: string;
  make(rng: Rng, valid: () => unknown): unknown;
}

const v = (family: string, what: string, make: Variant["make"]): Variant => ({ family, what, make });
const constant = (family: string, what: string, value: unknown) => v(family, what, () => value);

const HUGE = 100_000;
const HEAVY = new Set(["huge-string", "huge-list", "huge-object"]);
const nested = (depth: number, leaf: unknown, wrap: (inner: unknown) => unknown) => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
};

/** Hostile strings; none of them contains what the leak detectors look for. */
const STRING_VARIANTS: Variant[] = [
  constant("empty-string", '""', ""),
  constant("empty-string", '"   "', "   "),
  v("huge-string", `"a"×${HUGE}`, () => "a".repeat(HUGE)),
  v("huge-string", `"€😀"×${HUGE / 2}`, () => "€😀".repeat(HUGE / 2)),
  constant("nul-byte", '"\\u0000"', "\u0000"),
  constant("nul-byte", '"abc\\u0000def"', "abc\u0000def"),
  constant("nul-byte", '"\\u0000"×64', "\u0000".repeat(64)),
  constant("lone-surrogate", '"\\ud800"', "\ud800"),
  constant("lone-surrogate", '"x\\udfffy"', "x\udfffy"),
  constant("lone-surrogate", '"\\ud800\\u0000"', "\ud800\u0000"),
  constant("nasty-string", `"' OR '1'='1"`, "' OR '1'='1"),
  constant("nasty-string", `"'; DROP TABLE booking.bookings; --"`, "'; DROP TABLE booking.bookings; --"),
  constant("nasty-string", '"\\\\%_$1"', "\\%_$1"),
  constant("nasty-string", '"<img src=x onerror=alert(1)>{{7*7}}${7*7}"', "<img src=x onerror=alert(1)>{{7*7}}${7*7}"),
  constant("nasty-string", '"../../../../etc/passwd"', "../../../../etc/passwd"),
  constant("nasty-string", '"\\r\\nX-Injected: 1"', "\r\nX-Injected: 1"),
  constant("nasty-string", '"\\u202e\\ufeff\\u200b"', "\u202e\ufeff\u200b"),
  constant("nasty-string", '"%s%n%x"', "%s%n%x"),
];

const ID_VARIANTS: Variant[] = [
  constant("bad-id", '"not-a-uuid"', "not-a-uuid"),
  constant("bad-id", '"00000000-0000-0000-0000-000000000000"', "00000000-0000-0000-0000-000000000000"),
  constant("bad-id", '"ffffffff-ffff-ffff-ffff-ffffffffffff"', "ffffffff-ffff-ffff-ffff-ffffffffffff"),
  constant("bad-id", '"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"', "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"),
  v("bad-id", "valid uuid uppercased", (_rng, valid) => String(valid()).toUpperCase()),
  v("bad-id", "valid uuid + ' '", (_rng, valid) => ` ${String(valid())} `),
  v("bad-id", "valid uuid + 'x'", (_rng, valid) => `${String(valid())}x`),
  v("bad-id", "valid uuid without dashes", (_rng, valid) => String(valid()).replaceAll("-", "")),
  v("bad-id", "{valid uuid}", (_rng, valid) => `{${String(valid())}}`),
  v("bad-id", "valid uuid + NUL", (_rng, valid) => `${String(valid())}\u0000`),
  v("bad-id", "id of another entity", (rng) => rng.pick([DEMO_IDS.hamletShow, DEMO_IDS.confirmationNotification])),
  constant("bad-id", "0 (number)", 0),
  constant("bad-id", "-1 (number)", -1),
  constant("bad-id", "1e21 (number)", 1e21),
  constant("bad-id", '"*"', "*"),
];

const DATE_VARIANTS: Variant[] = [
  "2026-13-45T00:00:00Z",
  "not-a-date",
  "2026-02-30T00:00:00Z",
  "0000-00-00T00:00:00Z",
  "2026-01-01T25:61:61Z",
  "2026-01-01T00:00:00+99:00",
  "2026-01-01",
  "2026-01-01T00:00:00",
  "+275760-09-13T00:00:00.001Z",
  "-000001-01-01T00:00:00Z",
  "9999-12-31T23:59:59.999999999Z",
  "1970-01-01T00:00:00Z",
  "2026-01-01T00:00:00Z\u0000",
  "now",
]
  .map((s) => constant("bad-date", JSON.stringify(s), s))
  .concat([
    constant("bad-date", "1e20 (number)", 1e20),
    constant("bad-date", "-1 (number)", -1),
    constant("bad-date", "8.64e15+1 (number)", 8.64e15 + 1),
    constant("bad-date", "1e400", new Raw("1e400", "1e400")),
  ]);

const INT_VARIANTS: Variant[] = [
  constant("bad-number", "-1", -1),
  constant("bad-number", "0", 0),
  constant("bad-number", "-2147483648", -2147483648),
  constant("bad-number", "2147483647", 2147483647),
  constant("bad-number", "2147483648", 2147483648),
  constant("bad-number", "-2147483649", -2147483649),
  constant("bad-number", "1.5", 1.5),
  constant("bad-number", "-0.0001", -0.0001),
  constant("bad-number", "9007199254740993", new Raw("9007199254740993", "9007199254740993")),
  constant("bad-number", "1e400", new Raw("1e400", "1e400")),
  constant("bad-number", "1e5", new Raw("1e5", "1e5")),
  constant("bad-number", "-0", new Raw("-0", "-0")),
  // NaN is no JSON value (a body with it is malformed JSON, tested on its own): bare in literals only.
  constant("bad-number", "NaN (bare in literals)", new Raw('"NaN"', "NaN")),
  constant("bad-number", '"NaN"', "NaN"),
  constant("bad-number", '"Infinity"', "Infinity"),
  constant("bad-number", '"12"', "12"),
];

function enumVariants(type: GraphQLInputType): Variant[] {
  const named = getNamedType(type);
  const first = isEnumType(named) ? named.getValues()[0].name : "X";
  return [
    constant("bad-enum", '"NOT_A_VALUE"', "NOT_A_VALUE"),
    constant("bad-enum", "NOT_A_VALUE (bare)", new EnumLit("NOT_A_VALUE")),
    constant("bad-enum", `"${first.toLowerCase()}"`, first.toLowerCase()),
    constant("bad-enum", `"${first}" as a string literal`, first),
    constant("bad-enum", '"toString"', "toString"),
    constant("bad-enum", '"__proto__"', "__proto__"),
    constant("bad-enum", "constructor (bare)", new EnumLit("constructor")),
    constant("bad-enum", '""', ""),
    constant("bad-enum", "true", true),
  ];
}

function listVariants(type: GraphQLInputType): Variant[] {
  const list = getNullableType(type);
  const element = isListType(list) ? list.ofType : type;
  return [
    v("huge-list", `[valid]×${HUGE}`, (_rng, valid) => {
      // The shortest enum value keeps 100,000 items under the 1 MiB body limit.
      const named = getNamedType(element);
      const shortest = isEnumType(named)
        ? new EnumLit(named.getValues().reduce((a, b) => (b.name.length < a.name.length ? b : a)).name)
        : (valid() as unknown[])[0];
      return new Array(HUGE).fill(shortest);
    }),
    v("huge-list", `[null]×${HUGE}`, () => new Array(HUGE).fill(null)),
    constant("empty-list", "[]", []),
    constant("deep-null", "[null]", [null]),
    v("deep-null", "[[valid]]", (_rng, valid) => [valid()]),
    constant("wrong-type", "{} for a list", { a: 1 }),
    constant("wrong-type", `${isEnumType(getNamedType(element)) ? "[1,2,3]" : "[true]"} elements`, [1, 2, 3]),
  ];
}

function inputObjectVariants(): Variant[] {
  return [
    constant("empty-object", "{}", {}),
    v("unknown-field", "{...valid, bogusField: 1}", (_rng, valid) => ({ ...(valid() as object), bogusField: 1 })),
    v("deep-null", "every field null", (_rng, valid) =>
      Object.fromEntries(Object.keys(valid() as object).map((k) => [k, null])),
    ),
    // Each unknown field of a variable gets an error that quotes the whole value: the answer grows
    // with the square of the field count (20,000 fields exhausted the heap of the process), so 500.
    v("huge-object", "500 unknown fields", () =>
      Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, 0])),
    ),
    v("wrong-type", "[valid] for an object", (_rng, valid) => [valid()]),
    constant("wrong-type", '"{}" (string) for an object', "{}"),
  ];
}

const GENERIC_VARIANTS: Variant[] = [
  constant("null", "null", null),
  constant("omit", "(left out)", OMIT),
  // Deeper list literals in a custom-scalar position cost the gateway time exponential in the
  // depth (depth 22 ≈ 0.5 s, depth 64 never ends), which would hang this run: 20.
  constant(
    "deep-null",
    "[[[…[null]…]]] depth 20",
    nested(20, null, (x) => [x]),
  ),
  constant(
    "deep-null",
    "{a:{a:…null}} depth 200",
    nested(200, null, (x) => ({ a: x })),
  ),
  constant(
    "proto-pollution",
    "{__proto__:{polluted:1}, constructor:{prototype:{polluted:1}}}",
    new Raw(
      '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
      "{__proto__: {polluted: 1}, constructor: {prototype: {polluted: 1}}}",
    ),
  ),
];

/** Every hostile value that applies to a position of type `type`. */
export function variantsFor(type: GraphQLInputType): Variant[] {
  const nullable = getNullableType(type);
  const named = getNamedType(type);
  const out = [...GENERIC_VARIANTS];
  if (isListType(nullable)) return [...out, ...listVariants(type)];
  out.push(v("huge-list", `[0]×${HUGE} for a non-list`, () => new Array(HUGE).fill(0)));
  if (isInputObjectType(named)) {
    return [...out, ...inputObjectVariants(), constant("wrong-type", "42 for an object", 42)];
  }
  if (isEnumType(named)) return [...out, ...enumVariants(type), constant("wrong-type", "{a:1}", { a: 1 })];
  if (isScalarType(named)) {
    if (named.name === "Int" || named.name === "Float") {
      out.push(
        ...INT_VARIANTS,
        constant("wrong-type", '"abc"', "abc"),
        constant("wrong-type", "true", true),
        constant("wrong-type", "{a:1}", { a: 1 }),
        constant("wrong-type", "[1]", [1]),
      );
    } else {
      out.push(
        constant("wrong-type", "12345 (number)", 12345),
        constant("wrong-type", "3.14", 3.14),
        constant("wrong-type", "true", true),
        constant("wrong-type", "{a:1}", { a: 1 }),
        constant("wrong-type", '["x"]', ["x"]),
        ...STRING_VARIANTS,
      );
      if (named.name === "ID") out.push(...ID_VARIANTS);
      if (named.name === "DateTimeISO") out.push(...DATE_VARIANTS);
    }
  }
  return out;
}

// ───────────────────────────── requests ─────────────────────────────

export interface FuzzRequest {
  method: "GET" | "POST";
  /** Query string, including the `?`. */
  search?: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
}

export interface FuzzCase {
  id: number;
  /** How findings are grouped: `variables bad-date@DateTimeISO!`, `transport malformed-json`… */
  category: string;
  /** The operation and argument, or the transport trick. */
  target: string;
  /** The hostile value or trick, readable. */
  what: string;
  caller: Caller;
  build(): FuzzRequest;
}

type Mode = "variables" | "inline";

const auth = (fx: Fixtures, caller: Caller): Record<string, string> =>
  caller === "NONE" ? {} : { authorization: `Bearer ${fx.tokens[caller]}` };

const jsonPost = (
  fx: Fixtures,
  caller: Caller,
  body: string | Uint8Array,
  extra: Record<string, string> = {},
): FuzzRequest => ({
  method: "POST",
  headers: { "content-type": "application/json", ...auth(fx, caller), ...extra },
  body,
});

/** One operation on a root field: arguments as variables or inline literals. */
export function operation(
  root: RootField,
  args: Record<string, unknown>,
  mode: Mode,
  depth: number,
): { query: string; variables?: Record<string, unknown> } {
  const present = root.field.args.filter((a) => a.name in args);
  const selection = selectionFor(root.field.type, depth);
  if (mode === "inline") {
    const list = present.filter((a) => args[a.name] !== OMIT).map((a) => `${a.name}: ${toGql(args[a.name])}`);
    const call = list.length ? `(${list.join(", ")})` : "";
    return { query: `${root.kind} Fuzz { ${root.field.name}${call} ${selection} }` };
  }
  const defs = present.map((a) => `$${a.name}: ${String(a.type)}`);
  const call = present.length ? `(${present.map((a) => `${a.name}: $${a.name}`).join(", ")})` : "";
  const variables = Object.fromEntries(present.filter((a) => args[a.name] !== OMIT).map((a) => [a.name, args[a.name]]));
  return {
    query: `${root.kind} Fuzz${defs.length ? `(${defs.join(", ")})` : ""} { ${root.field.name}${call} ${selection} }`,
    variables,
  };
}

function baselineArgs(root: RootField, fx: Fixtures, rng: Rng, force: Path | null): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const a of root.field.args) {
    const forced = force?.[0] === a.name;
    const required = isNonNullType(a.type) && a.defaultValue === undefined;
    if (required || forced || rng.chance(0.5)) {
      args[a.name] = validValue(a.type, a.name, root.field.name, fx, rng, forced ? force!.slice(1) : null);
    }
  }
  return args;
}

function pickCaller(rng: Rng): Caller {
  const x = rng.next();
  return x < 0.15 ? "NONE" : x < 0.5 ? "GUEST" : x < 0.75 ? "ORGANIZER" : "ADMIN";
}

const pathText = (path: Path) => path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".");

/**
 * Every case, deterministically from `seed`: for each root field, each argument and input
 * field, each hostile variant, as variables and inline (heavy ones one way each, alternately);
 * valid baselines for each caller; field-level tricks; transport-level tricks; then random
 * combinations of up to three hostile values up to `total`.
 */
export function generateCases(schema: GraphQLSchema, fx: Fixtures, seed: number, total: number): FuzzCase[] {
  const master = createRng(seed);
  const cases: FuzzCase[] = [];
  const add = (c: Omit<FuzzCase, "id">) => cases.push({ ...c, id: cases.length });
  const roots = rootFields(schema);

  const schemaCase = (root: RootField, mutations: { path: Path; variant: Variant }[], mode: Mode, caseSeed: number) => {
    const caller = pickCaller(createRng(caseSeed ^ 0x5eed));
    const first = mutations[0];
    return {
      caller,
      build: (): FuzzRequest => {
        const rng = createRng(caseSeed);
        const depth = rng.pick([0, 0, 1]);
        const args = baselineArgs(root, fx, rng, first?.path ?? null);
        for (const { path, variant } of mutations) {
          const valid = () => {
            const [argName, ...rest] = path;
            const arg = root.field.args.find((a) => a.name === argName)!;
            let value: unknown = validValue(
              arg.type,
              String(argName),
              root.field.name,
              fx,
              rng,
              rest.length ? rest : null,
            );
            for (const key of rest) value = (value as any)?.[key];
            return value;
          };
          setAt(args, path, variant.make(rng, valid));
        }
        const op = operation(root, args, mode, depth);
        return jsonPost(fx, caller, toJson({ query: op.query, operationName: "Fuzz", variables: op.variables }));
      },
    };
  };

  // 1. Every argument and input field × every variant, as variables and inline. The heavy
  // variants (100,000 items or characters) go one way each, alternately, to keep the run short.
  let alternate = 0;
  for (const root of roots) {
    for (const { path, type } of inputPaths(root.field)) {
      for (const variant of variantsFor(type)) {
        const heavy = HEAVY.has(variant.family);
        const modes = heavy ? [alternate++ % 2 ? "inline" : "variables"] : ["variables", "inline"];
        for (const mode of modes as Mode[]) {
          add({
            category: `${mode} ${variant.family}@${typeKind(type)}`,
            target: `${root.label}(${pathText(path)})`,
            what: variant.what,
            ...schemaCase(root, [{ path, variant }], mode, master.int(2 ** 31)),
          });
        }
      }
    }
  }

  // 2. Valid baselines, for every caller: these reach the resolvers.
  for (const root of roots) {
    for (const caller of CALLERS) {
      for (const mode of ["variables", "inline"] as const) {
        const c = schemaCase(root, [], mode, master.int(2 ** 31));
        add({
          category: `${mode} baseline`,
          target: root.label,
          what: "valid arguments",
          caller,
          build: () => ({ ...c.build(), headers: { "content-type": "application/json", ...auth(fx, caller) } }),
        });
      }
    }
  }

  // 3. Field-level tricks.
  for (const root of roots) {
    const seedOf = master.int(2 ** 31);
    const { kind, field } = root;
    const leaves = selectionFor(field.type, 0);
    const literalArgs = (rng: Rng) =>
      Object.entries(baselineArgs(root, fx, rng, null)).map(([name, value]) => `${name}: ${toGql(value)}`);
    const call = (list: string[]) => (list.length ? `(${list.join(", ")})` : "");
    const tricks: [string, (rng: Rng) => { query: string; variables?: unknown }][] = [
      [
        "unknown-argument",
        (rng) => ({ query: `${kind} Fuzz { ${field.name}${call([...literalArgs(rng), "bogus: 1"])} ${leaves} }` }),
      ],
      [
        "duplicate-argument",
        (rng) => {
          const list = literalArgs(rng);
          return {
            query: `${kind} Fuzz { ${field.name}${call(list.length ? [...list, list[0]] : ["x: 1", "x: 2"])} ${leaves} }`,
          };
        },
      ],
      [
        "undeclared-variable",
        () => ({
          query: `${kind} Fuzz { ${field.name}${call(field.args.length ? field.args.map((a) => `${a.name}: $nope`) : ["x: $nope"])} ${leaves} }`,
        }),
      ],
      [
        "wrong-variable-type",
        () => ({
          query: `${kind} Fuzz${call(field.args.map((a) => `$${a.name}: Boolean`))} { ${field.name}${call(field.args.map((a) => `${a.name}: $${a.name}`))} ${leaves} }`,
          variables: Object.fromEntries(field.args.map((a) => [a.name, true])),
        }),
      ],
      [
        "extra-variables",
        (rng) => {
          const op = operation(root, baselineArgs(root, fx, rng, null), "variables", 0);
          return {
            query: op.query,
            variables: new Raw(
              `{${toJson(op.variables).slice(1, -1)}${Object.keys(op.variables ?? {}).length ? "," : ""}"extra":1,"__proto__":{"polluted":1}}`,
              "",
            ),
          };
        },
      ],
      ["no-selection-set", (rng) => ({ query: `${kind} Fuzz { ${field.name}${call(literalArgs(rng))} }` })],
      [
        "deep-selection",
        (rng) => ({ query: `${kind} Fuzz { ${field.name}${call(literalArgs(rng))} ${selectionFor(field.type, 3)} }` }),
      ],
      [
        "unknown-subfield",
        (rng) => ({ query: `${kind} Fuzz { ${field.name}${call(literalArgs(rng))} { __typename bogusField } }` }),
      ],
    ];
    for (const [name, make] of tricks) {
      for (const caller of ["NONE", "ADMIN"] as const) {
        add({
          category: `field ${name}`,
          target: root.label,
          what: name,
          caller,
          build: () => jsonPost(fx, caller, toJson({ ...make(createRng(seedOf)), operationName: "Fuzz" })),
        });
      }
    }
  }

  // 4. Transport-level tricks.
  for (const trick of transportTricks(fx)) {
    for (const caller of trick.callers ?? (["NONE", "GUEST"] as const)) {
      add({
        category: `transport ${trick.family}`,
        target: "POST/GET /graphql",
        what: trick.what,
        caller,
        build: () => trick.build(caller),
      });
    }
  }

  // 5. Random combinations of several hostile values in one request, up to `total`.
  const allPaths = roots.flatMap((root) => inputPaths(root.field).map((p) => ({ root, ...p })));
  while (cases.length < total) {
    const root = master.pick(roots);
    const paths = allPaths.filter((p) => p.root === root);
    const count = paths.length ? master.range(1, Math.min(3, paths.length)) : 0;
    let heavy = 0;
    const mutations = Array.from({ length: count }, () => {
      const p = master.pick(paths);
      // At most one heavy value per request: two would only test the body limit again.
      const variants = variantsFor(p.type).filter((x) => !(heavy && HEAVY.has(x.family)));
      const variant = master.pick(variants);
      if (HEAVY.has(variant.family)) heavy++;
      return { path: p.path, variant, type: p.type };
    });
    const mode = master.pick(["variables", "inline"] as const);
    add({
      category: `${mode} combo ${mutations.map((m) => `${m.variant.family}@${typeKind(m.type)}`).join("+") || "baseline"}`,
      target: `${root.label}(${mutations.map((m) => pathText(m.path)).join(", ")})`,
      what: mutations.map((m) => m.variant.what).join(" + "),
      ...schemaCase(root, mutations, mode, master.int(2 ** 31)),
    });
  }
  return cases;
}

/** The cases in a seeded random order (ids unchanged), so slow ones spread over the run. */
export function shuffled(cases: FuzzCase[], seed: number): FuzzCase[] {
  const rng = createRng(seed ^ 0x5a5a5a5a);
  const out = [...cases];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// ───────────────────────────── transport tricks ─────────────────────────────

interface TransportTrick {
  family: string;
  what: string;
  callers?: readonly Caller[];
  build(caller: Caller): FuzzRequest;
}

const SIMPLE = "{ __typename }";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function transportTricks(fx: Fixtures): TransportTrick[] {
  const raw = (
    family: string,
    what: string,
    body: string | Uint8Array,
    contentType?: string,
    extra: Record<string, string> = {},
  ): TransportTrick => ({
    family,
    what,
    build: (caller) => ({
      method: "POST",
      headers: { ...(contentType ? { "content-type": contentType } : {}), ...auth(fx, caller), ...extra },
      body: typeof body === "string" ? Buffer.from(body, "utf8") : body,
    }),
  });
  const json = (family: string, what: string, body: unknown) => raw(family, what, toJson(body), "application/json");
  const get = (
    family: string,
    what: string,
    search: string,
    headers: Record<string, string> = { "apollo-require-preflight": "true" },
  ): TransportTrick => ({
    family,
    what,
    build: (caller) => ({ method: "GET", search, headers: { ...headers, ...auth(fx, caller) } }),
  });
  const q = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;
  const zone = fx.zones[0];
  const slot = fx.slots[0];
  const mutation = `mutation { reserveSeats(input: { zoneId: "${zone}", quantity: 1, idempotencyKey: "fuzz-get-mutation-1" }) { id } }`;
  const wrongHash = sha256("{ venues { id } }");

  return [
    // Malformed JSON.
    ...[
      '{"query":',
      '{"query": "{ __typename }",}',
      "{'query': '{ __typename }'}",
      "[",
      "nul",
      '{"query": "{ __typename }"} trailing',
      '\ufeff{"query": "{ __typename }"}',
      '{"query": "{ __typename }", "variables": {"a": NaN}}',
      '{"query": "{ __typename }", "variables": {"a": 01}}',
      "[".repeat(50_000) + "]".repeat(50_000),
      '{"query": "{ __typename }"}\u0000',
    ].map((body) =>
      raw(
        "malformed-json",
        JSON.stringify(body.length > 200 ? `${body.slice(0, 40)}… (${body.length} chars)` : body),
        body,
        "application/json",
      ),
    ),
    raw(
      "malformed-json",
      "invalid UTF-8 bytes",
      Buffer.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
      "application/json",
    ),
    // Valid JSON, wrong shape.
    ...(['"string"', "123", "null", "true", "{}", "[]"] as const).map((body) =>
      raw("json-not-an-operation", body, body, "application/json"),
    ),
    json("json-not-an-operation", '{"query": null}', { query: null }),
    json("json-not-an-operation", '{"query": 123}', { query: 123 }),
    json("json-not-an-operation", '{"query": ["{ __typename }"]}', { query: [SIMPLE] }),
    json("json-not-an-operation", '{"query": {"kind": "Document"}}', { query: { kind: "Document", definitions: [] } }),
    json("json-not-an-operation", '{"query": ""}', { query: "" }),
    json("json-not-an-operation", '{"query": "   # only a comment"}', { query: "   # only a comment" }),
    json("json-not-an-operation", '{"operationName": 5}', { query: SIMPLE, operationName: 5 }),
    json("json-not-an-operation", '{"extensions": "x"}', { query: SIMPLE, extensions: "x" }),
    json("json-not-an-operation", '{"extensions": []}', { query: SIMPLE, extensions: [] }),
    json("json-not-an-operation", '"query" with NUL', { query: "{ __typename \u0000 }" }),
    json("json-not-an-operation", '"query" with a lone surrogate', { query: "{ __typename } # \ud800" }),
    // Content types.
    raw("content-type", "text/plain", JSON.stringify({ query: SIMPLE }), "text/plain"),
    raw("content-type", "text/plain + apollo-require-preflight", JSON.stringify({ query: SIMPLE }), "text/plain", {
      "apollo-require-preflight": "true",
    }),
    raw(
      "content-type",
      "application/x-www-form-urlencoded",
      `query=${encodeURIComponent(SIMPLE)}`,
      "application/x-www-form-urlencoded",
    ),
    raw(
      "content-type",
      "multipart/form-data (graphql-upload style)",
      `--XyZ\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: SIMPLE })}\r\n--XyZ\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--XyZ--\r\n`,
      "multipart/form-data; boundary=XyZ",
    ),
    raw("content-type", "application/graphql", SIMPLE, "application/graphql"),
    raw("content-type", "no content-type", JSON.stringify({ query: SIMPLE })),
    raw(
      "content-type",
      "application/json; charset=utf-16 (UTF-16LE body)",
      Buffer.from(JSON.stringify({ query: SIMPLE }), "utf16le"),
      "application/json; charset=utf-16",
    ),
    raw("content-type", "application/jsonx", JSON.stringify({ query: SIMPLE }), "application/jsonx"),
    raw(
      "content-type",
      "application/json, text/plain",
      JSON.stringify({ query: SIMPLE }),
      "application/json, text/plain",
    ),
    // Empty bodies.
    raw("empty-body", "application/json, empty", "", "application/json"),
    raw("empty-body", "text/plain, empty", "", "text/plain"),
    raw("empty-body", "application/json, whitespace", "   \n", "application/json"),
    // GET with bad query params.
    get("get-bad-params", "no params", ""),
    get("get-bad-params", "query=", q({ query: "" })),
    get("get-bad-params", "no CSRF preflight header", q({ query: SIMPLE }), {}),
    get("get-bad-params", "mutation over GET", q({ query: mutation })),
    get("get-bad-params", "variables=notjson", q({ query: SIMPLE, variables: "notjson" })),
    get("get-bad-params", "variables=[]", q({ query: SIMPLE, variables: "[]" })),
    get("get-bad-params", 'variables="str"', q({ query: SIMPLE, variables: '"str"' })),
    get("get-bad-params", "extensions=notjson", q({ query: SIMPLE, extensions: "notjson" })),
    get(
      "get-bad-params",
      "extensions with unknown APQ hash",
      q({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } }) }),
    ),
    get("get-bad-params", "operationName=Nope", q({ query: "query A { __typename }", operationName: "Nope" })),
    get("get-bad-params", "query=%ZZ", "?query=%ZZ"),
    get("get-bad-params", "query repeated", "?query=%7B__typename%7D&query=%7Bvenues%7Bid%7D%7D"),
    get("get-bad-params", "query[]=", "?query[]=%7B__typename%7D"),
    get("get-bad-params", "query=%00", "?query=%7B__typename%00%7D"),
    get(
      "get-bad-params",
      "subscription over GET",
      q({ query: `subscription { availabilityChanged(slotId: "${slot}") { available } }` }),
    ),
    get("get-bad-params", "query of 4,000 '{'", q({ query: "{".repeat(4_000) })),
    // Operation selection.
    json("multiple-operations", "two queries, no operationName", {
      query: "query A { __typename } query B { __typename }",
    }),
    json("multiple-operations", "two mutations, no operationName", {
      query: `${mutation.replace("mutation", "mutation A")} mutation B { __typename }`,
    }),
    json("multiple-operations", "anonymous + named", { query: "{ __typename } query B { __typename }" }),
    json("multiple-operations", "two anonymous", { query: "{ __typename } { __typename }" }),
    json("unknown-operation-name", "operationName: Nope", { query: "query A { __typename }", operationName: "Nope" }),
    json("unknown-operation-name", "operationName on anonymous", { query: SIMPLE, operationName: "A" }),
    json("unknown-operation-name", 'operationName: ""', {
      query: "query A { __typename } query B { __typename }",
      operationName: "",
    }),
    json("unknown-operation-name", "operationName: null, two ops", {
      query: "query A { __typename } query B { __typename }",
      operationName: null,
    }),
    // Subscriptions over plain POST.
    json("subscription-over-post", "availabilityChanged", {
      query: `subscription { availabilityChanged(slotId: "${slot}") { available capacity } }`,
    }),
    json("subscription-over-post", "notificationAdded", { query: "subscription { notificationAdded { id subject } }" }),
    json("subscription-over-post", "myBookingUpdates", { query: "subscription { myBookingUpdates { id status } }" }),
    json("subscription-over-post", "bookingStatusChanged", {
      query: `subscription S { bookingStatusChanged(bookingId: "${fx.bookings[0]}") { id } }`,
      operationName: "S",
    }),
    // Automatic persisted queries.
    json("apq", "sha256Hash does not match the query", {
      query: SIMPLE,
      extensions: { persistedQuery: { version: 1, sha256Hash: wrongHash } },
    }),
    json("apq", "sha256Hash 0×64 with a query", {
      query: SIMPLE,
      extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } },
    }),
    json("apq", "hash only, unknown", {
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(`unknown ${Math.PI}`) } },
    }),
    json("apq", "version 2", {
      query: SIMPLE,
      extensions: { persistedQuery: { version: 2, sha256Hash: sha256(SIMPLE) } },
    }),
    json("apq", 'version "1"', {
      query: SIMPLE,
      extensions: { persistedQuery: { version: "1", sha256Hash: sha256(SIMPLE) } },
    }),
    json("apq", "sha256Hash: 42", { query: SIMPLE, extensions: { persistedQuery: { version: 1, sha256Hash: 42 } } }),
    json("apq", "sha256Hash of 100,000 chars", {
      extensions: { persistedQuery: { version: 1, sha256Hash: "a".repeat(HUGE) } },
    }),
    json("apq", "persistedQuery: null", { query: SIMPLE, extensions: { persistedQuery: null } }),
    json("apq", "persistedQuery: 'x'", { query: SIMPLE, extensions: { persistedQuery: "x" } }),
    // Batches.
    json("batch", "two operations", [{ query: SIMPLE }, { query: "{ venues { id } }" }]),
    json("batch", "[1, 2]", [1, 2]),
    json("batch", "[{}]", [{}]),
    json(
      "batch",
      "1,000 operations",
      Array.from({ length: 1_000 }, () => ({ query: SIMPLE })),
    ),
    // Variables of the wrong shape.
    json("variables-shape", "variables: string", { query: SIMPLE, variables: "{}" }),
    json("variables-shape", "variables: JSON in a string", {
      query: "query($id: ID!) { zone(id: $id) { id } }",
      variables: JSON.stringify({ id: zone }),
    }),
    json("variables-shape", "variables: array", { query: SIMPLE, variables: [] }),
    json("variables-shape", "variables: number", { query: SIMPLE, variables: 5 }),
    json("variables-shape", "variables: __proto__", {
      query: "query($id: ID!) { zone(id: $id) { id } }",
      variables: new Raw(`{"__proto__":{"id":"${zone}"}}`, ""),
    }),
    json("variables-shape", "variables: 50,000 keys", {
      query: SIMPLE,
      variables: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`v${i}`, 0])),
    }),
    // Huge bodies.
    json("huge-body", "1.1 MiB string variable", { query: SIMPLE, variables: { x: "a".repeat(1_150_000) } }),
    json("huge-body", "1.5 MiB of whitespace in the query", { query: `{ ${" ".repeat(1_500_000)} __typename }` }),
    json("huge-body", "5 MiB", { query: SIMPLE, variables: { x: "a".repeat(5 * 1024 * 1024) } }),
    // Expensive documents.
    // Slot → zones → slot → zones… multiplies by the slot's zone count per level and nothing
    // limits depth or cost: on a slot the fuzzing had given more zones, 10 levels exhausted the
    // heap of the process (this whole run). So a slot of two zones no fuzzed request can reach.
    json("expensive-document", "selection slot/zones nested 10 levels (fan-out 2)", {
      query: `{ slot(id: "${fx.nestSlot}") { ${"zones { slot { ".repeat(10)}id${" } }".repeat(10)} } }`,
    }),
    json("expensive-document", "1,000 aliases", {
      query: `{ ${Array.from({ length: 1_000 }, (_, i) => `a${i}: __typename`).join(" ")} }`,
    }),
    // Ids only: fuzzed venues may have 10,000-character names (200 × 100 of them would be 200 MB).
    json("expensive-document", "200 aliases of venues(first: 100)", {
      query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: venues(first: 100) { id }`).join(" ")} }`,
    }),
    json("expensive-document", "fragment cycle", {
      query: "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
    }),
    json("expensive-document", "unknown directive", { query: "{ __typename @bogus }" }),
    json("expensive-document", '@skip(if: "yes")', { query: '{ __typename @skip(if: "yes") }' }),
    json("expensive-document", "introspection", {
      query:
        "{ __schema { types { name fields { name args { name type { name ofType { name ofType { name } } } } } } } }",
    }),
    json("expensive-document", "20,000 __typename fields", { query: `{ ${"__typename ".repeat(20_000)}}` }),
    json("expensive-document", "list nested 5,000 deep as a literal", {
      query: `{ venues(first: ${"[".repeat(5_000)}1${"]".repeat(5_000)}) { id } }`,
    }),
    json("expensive-document", "object nested 5,000 deep as a literal", {
      query: `mutation { reserveSeats(input: ${"{a: ".repeat(5_000)}1${"}".repeat(5_000)}) { id } }`,
    }),
    json("expensive-document", "venues(first: 1e999)", { query: "{ venues(first: 1e999) { id } }" }),
    // Authorization headers.
    ...(
      [
        ["garbage bearer", "Bearer garbage"],
        ["empty bearer", "Bearer "],
        ["Basic", "Basic Zm9vOmJhcg=="],
        ["alg none", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6IkFETUlOIn0."],
        ["10,000-char bearer", `Bearer ${"a".repeat(10_000)}`],
        ["two tokens", `Bearer ${fx.tokens.GUEST}, Bearer ${fx.tokens.ADMIN}`],
        ["token with a NUL-free tampered signature", `Bearer ${fx.tokens.ADMIN.slice(0, -4)}AAAA`],
      ] as const
    ).map(([what, header]): TransportTrick => ({
      family: "authorization",
      what,
      callers: ["NONE"],
      build: () => ({
        method: "POST",
        headers: { "content-type": "application/json", authorization: header },
        body: JSON.stringify({ query: SIMPLE }),
      }),
    })),
    // Server-sent events with malformed requests (must be refused, never left open).
    raw("sse", "malformed JSON", '{"query":', "application/json", { accept: "text/event-stream" }),
    raw("sse", "no query", "{}", "application/json", { accept: "text/event-stream" }),
    raw("sse", "variables: string", JSON.stringify({ query: SIMPLE, variables: "x" }), "application/json", {
      accept: "text/event-stream",
    }),
    raw(
      "sse",
      "two operations, no operationName",
      JSON.stringify({ query: "query A { __typename } query B { __typename }" }),
      "application/json",
      { accept: "text/event-stream" },
    ),
  ].map((trick) => ({
    ...trick,
    build: (caller: Caller) => ({ timeoutMs: trick.family === "sse" ? 5_000 : undefined, ...trick.build(caller) }),
  }));
}

// ───────────────────────────── sending and judging ─────────────────────────────

export const LEAK_PATTERNS: [string, RegExp][] = [
  ["sql: select", /\bselect\s/i],
  ["sql: insert into", /\binsert\s+into\b/i],
  ['sql: relation "', /relation "/i],
  ["sql: violates", /\bviolates\b/i],
  ["sql: syntax error at", /syntax error at/i],
  ["stack trace", / {4}at /],
  ["source file", /\.ts:/],
  ["path /work/", /\/work\//],
  ["node_modules", /node_modules/],
  ["host 127.0.0.1", /127\.0\.0\.1/],
  ["localhost:", /localhost:/],
  ["ECONNREFUSED", /ECONNREFUSED/],
];

const AMPLIFIED_BYTES = 1024 * 1024;
const AMPLIFICATION = 20;

export interface Finding {
  reason: string;
  status: number;
  code: string;
}

interface ErrorLike {
  message?: unknown;
  extensions?: { code?: unknown };
}

/** What is wrong with one answer. */
export function judge(
  status: number,
  contentType: string,
  text: string,
  requestBytes = 0,
): { codes: string[]; findings: Finding[] } {
  const payloads: unknown[] = [];
  const parse = (s: string) => {
    try {
      payloads.push(JSON.parse(s));
    } catch {
      /* not JSON */
    }
  };
  if (contentType.includes("text/event-stream")) {
    for (const line of text.split("\n")) if (line.startsWith("data:")) parse(line.slice(5).trim());
  } else parse(text);
  const errors: ErrorLike[] = payloads
    .flatMap((p) => (Array.isArray(p) ? p : [p]))
    .flatMap((p) =>
      p && typeof p === "object" && Array.isArray((p as any).errors) ? ((p as any).errors as ErrorLike[]) : [],
    );
  const codes = errors.map((e) => (typeof e?.extensions?.code === "string" ? e.extensions.code : "(none)"));
  const firstCode = codes[0] ?? (status >= 400 ? "(no errors[])" : "-");
  const findings: Finding[] = [];
  const add = (reason: string, code = firstCode) => findings.push({ reason, status, code });
  if (status >= 500) add("HTTP 5xx");
  if (codes.includes("INTERNAL_SERVER_ERROR")) add("INTERNAL_SERVER_ERROR", "INTERNAL_SERVER_ERROR");
  if (codes.includes("(none)")) add("error without extensions.code", "(none)");
  if (status >= 400 && errors.length === 0) add("error response without errors[].extensions.code");
  for (const [name, pattern] of LEAK_PATTERNS) if (pattern.test(text)) add(`leak: ${name}`);
  // Beyond the four rules above: an answer many times the size of its request is how a small
  // request exhausts the server's memory (each unknown field of a variable quoting the whole value).
  if (text.length > AMPLIFIED_BYTES && text.length > AMPLIFICATION * Math.max(requestBytes, 1)) {
    add(`response amplification: answer over 1 MiB and ${AMPLIFICATION}× its request`);
  }
  return { codes, findings };
}

export interface FuzzReport {
  total: number;
  /** Answered 200 without any error. */
  succeeded: number;
  failingRequests: number;
  classes: number;
  summary: string;
  statuses: Record<string, number>;
  codes: Record<string, number>;
  /** The five slowest requests. */
  slowest: string[];
  ms: number;
}

interface FailureClass {
  key: string;
  reasons: Set<string>;
  status: number;
  code: string;
  category: string;
  count: number;
  targets: Set<string>;
  example: { c: FuzzCase; request: string; response: string };
}

const excerpt = (s: string, max = 300) => (s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s);

function describeRequest(c: FuzzCase, r: FuzzRequest): string {
  const headers = Object.entries(r.headers)
    .map(([k, value]) => {
      if (k !== "authorization") return `${k}: ${value}`;
      return c.caller === "NONE" ? `${k}: ${excerpt(value, 60)}` : `${k}: Bearer <${c.caller} token>`;
    })
    .join("; ");
  const body = r.body === undefined ? "" : typeof r.body === "string" ? r.body : Buffer.from(r.body).toString("utf8");
  return `#${c.id} ${r.method} /graphql${excerpt(r.search ?? "", 200)} [${headers}] body=${excerpt(JSON.stringify(body), 400)}`;
}

const MAX_BODY_BYTES = 1024 * 1024;

const toBytes = (body: FuzzRequest["body"]) =>
  body === undefined ? undefined : typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);

interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** What went wrong with a follow-up request on the same connection, if anything. */
  probe?: string;
}

async function send(url: string, request: FuzzRequest, body: Buffer | undefined): Promise<Answer> {
  const response = await fetch(url, {
    method: request.method,
    headers: request.headers,
    body,
    signal: AbortSignal.timeout(request.timeoutMs ?? 20_000),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}

function sendWith(agent: http.Agent, url: string, request: FuzzRequest, body: Buffer | undefined, timeoutMs: number) {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request(url, { method: request.method, headers: request.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers["content-type"] ?? ""),
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { name: "TimeoutError" })),
      timeoutMs,
    );
    req.on("close", () => clearTimeout(timer));
    req.on("error", reject);
    req.end(body);
  });
}

async function sendOnOwnConnection(url: string, request: FuzzRequest, body: Buffer): Promise<Answer> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const answer = await sendWith(agent, url, request, body, request.timeoutMs ?? 10_000);
    const probe = { method: "POST" as const, headers: { "content-type": "application/json" } };
    try {
      const next = await sendWith(agent, url, probe, Buffer.from(JSON.stringify({ query: SIMPLE })), 5_000);
      if (next.status !== 200) answer.probe = `HTTP ${next.status} ${excerpt(next.text, 120)}`;
    } catch (error) {
      answer.probe =
        (error as Error).name === "TimeoutError" ? "no answer in 5 s" : `failed: ${(error as Error).message}`;
    }
    return answer;
  } finally {
    agent.destroy();
  }
}

/** Sends every case with bounded concurrency and returns a readable report of what went wrong. */
export async function runCases(
  url: string,
  cases: FuzzCase[],
  concurrency = 16,
  onProgress?: (done: number) => void,
): Promise<FuzzReport> {
  const started = Date.now();
  const classes = new Map<string, FailureClass>();
  const statuses: Record<string, number> = {};
  const codes: Record<string, number> = {};
  let failingRequests = 0;
  let succeeded = 0;
  let next = 0;
  let done = 0;
  const slowest: { ms: number; what: string }[] = [];
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      const request = c.build();
      const sentAt = Date.now();
      let status = 0;
      let contentType = "";
      let text = "";
      let findings: Finding[];
      try {
        const body = request.method === "POST" ? toBytes(request.body) : undefined;
        // A body over the gateway's 1 MiB limit goes over a connection of its own, followed by a
        // probe on that same keep-alive connection: whether it is still usable is part of the answer.
        const answer =
          body && body.length > MAX_BODY_BYTES
            ? await sendOnOwnConnection(`${url}${request.search ?? ""}`, request, body)
            : await send(`${url}${request.search ?? ""}`, request, body);
        ({ status, contentType, text } = answer);
        const judged = judge(status, contentType, text, (body?.length ?? 0) + (request.search?.length ?? 0));
        for (const code of new Set(judged.codes)) codes[code] = (codes[code] ?? 0) + 1;
        findings = judged.findings;
        if (status === 200 && judged.codes.length === 0) succeeded++;
        if (answer.probe)
          findings.push({
            reason: `next request on the same keep-alive connection: ${answer.probe}`,
            status,
            code: judged.codes[0] ?? "-",
          });
      } catch (error) {
        const e = error as Error & { cause?: { code?: string; message?: string }; code?: string };
        const what =
          e.name === "TimeoutError"
            ? "timeout"
            : `network error: ${e.cause?.code ?? e.code ?? e.cause?.message ?? e.message}`;
        text = String(e.cause?.message ?? e.message);
        findings = [{ reason: what, status: 0, code: "-" }];
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
      const took = Date.now() - sentAt;
      if (slowest.length < 5 || took > slowest[slowest.length - 1].ms) {
        slowest.push({
          ms: took,
          what: `${took} ms HTTP ${status}: ${c.category} ${c.target} ${c.what} (#${c.id}, ${c.caller})`,
        });
        slowest.sort((a, b) => b.ms - a.ms).splice(5);
      }
      if (onProgress && ++done % 250 === 0) onProgress(done);
      if (findings.length) failingRequests++;
      // One class per (operation/argument kind, status, code), with every reason seen in it.
      const byCode = new Map<string, Finding[]>();
      for (const f of findings) byCode.set(f.code, [...(byCode.get(f.code) ?? []), f]);
      for (const [code, found] of byCode) {
        const key = `${c.category} | ${found[0].status} | ${code}`;
        const known = classes.get(key);
        if (known) {
          known.count++;
          known.targets.add(c.target);
          for (const f of found) known.reasons.add(f.reason);
        } else {
          classes.set(key, {
            key,
            reasons: new Set(found.map((f) => f.reason)),
            status: found[0].status,
            code,
            category: c.category,
            count: 1,
            targets: new Set([c.target]),
            example: { c, request: describeRequest(c, request), response: excerpt(text) },
          });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const sorted = [...classes.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  const lines = sorted
    .slice(0, 30)
    .map((f, i) =>
      [
        `${i + 1}. ${f.category} → HTTP ${f.status}, code ${f.code}: ${f.count} request(s) [${[...f.reasons].join("; ")}]`,
        `   targets: ${[...f.targets].slice(0, 4).join(", ")}${f.targets.size > 4 ? ` (+${f.targets.size - 4})` : ""}`,
        `   e.g. ${f.example.c.what} — ${f.example.request}`,
        `   answer: ${f.example.response}`,
      ].join("\n"),
    );
  const summary = [
    `${failingRequests} of ${cases.length} requests failed, in ${classes.size} distinct classes (kind, status, code)` +
      (sorted.length > 30 ? `; the first 30:` : ":"),
    ...lines,
  ].join("\n");
  return {
    total: cases.length,
    succeeded,
    failingRequests,
    classes: classes.size,
    summary,
    statuses,
    codes,
    slowest: slowest.map((s) => s.what),
    ms: Date.now() - started,
  };
}

// ───────────────────────────── data consistency ─────────────────────────────

/**
 * Seats never oversold and the ledger agrees with the bookings: per zone, HELD + SOLD ≤ capacity;
 * every HELD or SOLD hold is a live booking (PENDING or CONFIRMED) of the same quantity, or a HELD
 * hold is a live waitlist offer (an OFFERED entry with that id and quantity). A SOLD
 * hold may also belong to a CHECKED_IN, COMPLETED or NO_SHOW booking: those keep their seats by
 * design (only CANCELLED, EXPIRED and FAILED give seats back), and the fuzzer can check bookings in.
 */
export async function checkConsistency(
  t: TestPlatform,
): Promise<{ problems: string[]; zones: number; holds: number; bookings: number }> {
  const zones = await t.sql<{ id: string; capacity: number; taken: number }>(
    "inventory",
    sql`select z.id, z.capacity,
          coalesce(sum(h.quantity) filter (where h.status in ('HELD', 'SOLD')), 0)::int as taken
        from inventory.zones z left join inventory.holds h on h.zone_id = z.id
        group by z.id, z.capacity`,
  );
  const holds = await t.sql<{ id: string; zone_id: string; quantity: number; status: string }>(
    "inventory",
    sql`select id, zone_id, quantity, status from inventory.holds where status in ('HELD', 'SOLD')`,
  );
  const bookings = await t.sql<{ id: string; quantity: number; status: string }>(
    "booking",
    sql`select id, quantity, status from booking.bookings`,
  );
  // A waitlist offer is a hold without a booking: its id is the OFFERED entry's (README: Waitlist).
  const offers = await t.sql<{ id: string; offer_quantity: number }>(
    "inventory",
    sql`select id, offer_quantity from inventory.waitlist_entries where status = 'OFFERED'`,
  );
  const offerById = new Map(offers.map((o) => [o.id, o.offer_quantity]));
  const byId = new Map(bookings.map((b) => [b.id, b]));
  const problems: string[] = [];
  for (const z of zones) {
    if (z.taken > z.capacity) problems.push(`zone ${z.id}: ${z.taken} seats HELD or SOLD > capacity ${z.capacity}`);
  }
  for (const h of holds) {
    const b = byId.get(h.id);
    const live = ["PENDING", "CONFIRMED", ...(h.status === "SOLD" ? ["CHECKED_IN", "COMPLETED", "NO_SHOW"] : [])];
    if (!b && h.status === "HELD" && offerById.get(h.id) === h.quantity) continue;
    if (!b) problems.push(`hold ${h.id} (${h.status} ×${h.quantity}, zone ${h.zone_id}) has no booking or live offer`);
    else if (!live.includes(b.status)) problems.push(`hold ${h.id} is ${h.status} but its booking is ${b.status}`);
    else if (b.quantity !== h.quantity)
      problems.push(`hold ${h.id} holds ${h.quantity} seats, its booking ${b.quantity}`);
  }
  return { problems, zones: zones.length, holds: holds.length, bookings: bookings.length };
}
