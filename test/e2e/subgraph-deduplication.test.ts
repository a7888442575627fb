import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_IDS, DEMO_USERS } from "../../lib/core/demo";
import { startTestPlatform, type GraphQLResponse, type TestPlatform } from "../support/platform";

/**
 * An HTTP proxy in front of the inventory subgraph (the gateway's INVENTORY_URL points at it): it
 * counts what the subgraph is actually sent, and can hold requests until released, so that
 * concurrent client requests are provably in flight at the same time, or drop them.
 */
async function inventoryProxy() {
  let target = "";
  const seen: { authorization: string | null; body: string }[] = [];
  let gate: Promise<void> | null = null;
  let open = () => {};
  let drop = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ authorization: req.headers.authorization ?? null, body });
      await gate;
      if (drop) return req.socket.destroy();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string" && !["host", "connection", "content-length"].includes(name))
          headers[name] = value;
      }
      try {
        const upstream = await fetch(target, { method: "POST", headers, body });
        res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
        res.end(await upstream.text());
      } catch {
        req.socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    setTarget: (url: string) => void (target = url),
    /** Requests the subgraph received whose body contains `marker`. */
    seen: (marker: string) => seen.filter((r) => r.body.includes(marker)),
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release() {
      open();
      gate = null;
    },
    setDrop: (value: boolean) => void (drop = value),
    reset() {
      seen.length = 0;
      drop = false;
      this.release();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
type Proxy = Awaited<ReturnType<typeof inventoryProxy>>;

const VENUES = `query PublicVenues { venues(first: 20) { id name kind city } }`;
const VENUE = `query VenueContact($id: ID!) { venue(id: $id) { name contactEmail } }`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function counter(t: TestPlatform, name: string): Promise<number> {
  const line = (await t.metrics())
    .split("\n")
    .find((l) => l.startsWith(`${name}{`) && l.includes('subgraph="inventory"'));
  return line ? Number(line.split(" ").pop()) : 0;
}

/**
 * Sends the requests together with the subgraph held, waits until the subgraph has `sent`
 * requests and the gateway has answered `shared` others from them (or a deadline passes: then
 * the assertions say what happened), then lets the subgraph answer.
 */
async function together(
  t: TestPlatform,
  proxy: Proxy,
  marker: string,
  requests: (() => Promise<GraphQLResponse>)[],
  expected: { sent: number; shared: number },
) {
  const sharedBefore = await counter(t, "gateway_subgraph_requests_deduplicated_total");
  proxy.hold();
  const answers = Promise.all(requests.map((send) => send()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const shared = (await counter(t, "gateway_subgraph_requests_deduplicated_total")) - sharedBefore;
    if (proxy.seen(marker).length >= expected.sent && shared >= expected.shared) break;
    await sleep(20);
  }
  await sleep(100); // any request that should not be sent has had time to arrive
  proxy.release();
  return answers;
}

describe("the gateway deduplicates identical in-flight anonymous subgraph queries", () => {
  let t: TestPlatform;
  let proxy: Proxy;
  beforeAll(async () => {
    proxy = await inventoryProxy();
    t = await startTestPlatform({ INVENTORY_URL: proxy.url });
    proxy.setTarget(`${t.platform.subgraphs.inventory.url}/graphql`);
  }, 90_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });
  beforeEach(() => proxy.reset());

  it("30 concurrent identical anonymous venue queries: inventory receives 1 request, all 30 get the venues", async () => {
    const expected = await t.query(VENUES);
    expect(expected.errors).toBeUndefined();
    expect(expected.data!.venues.length).toBeGreaterThanOrEqual(3);
    proxy.reset();
    const sentBefore = await counter(t, "gateway_subgraph_requests_total");
    const answers = await together(
      t,
      proxy,
      "venues",
      Array.from({ length: 30 }, () => () => t.query(VENUES)),
      { sent: 1, shared: 29 },
    );
    expect(proxy.seen("venues")).toHaveLength(1);
    expect(proxy.seen("venues")[0].authorization).toBeNull();
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual(expected.data);
    }
    expect((await counter(t, "gateway_subgraph_requests_total")) - sentBefore).toBe(1);
  });

  it("never shares between users: the owner, another organizer and anonymous callers each get their own answer", async () => {
    const owner = await t.tokenFor(DEMO_USERS.organizer.userId, "ORGANIZER", DEMO_USERS.organizer.email);
    const other = await t.tokenFor(`other-${randomUUID()}`, "ORGANIZER");
    const variables = { id: DEMO_IDS.theatre };
    const answers = await together(
      t,
      proxy,
      "contactEmail",
      [
        () => t.query(VENUE, variables, owner),
        () => t.query(VENUE, variables, other),
        ...Array.from({ length: 5 }, () => () => t.query(VENUE, variables)),
      ],
      { sent: 3, shared: 4 },
    );
    const sent = proxy.seen("contactEmail");
    expect(sent).toHaveLength(3);
    expect(sent.map((r) => r.authorization).sort()).toEqual([`Bearer ${other}`, `Bearer ${owner}`, null].sort());
    const emails = answers.map((a) => {
      expect(a.errors).toBeUndefined();
      expect(a.data!.venue.name).toBe("Grand Theatre");
      return a.data!.venue.contactEmail;
    });
    expect(emails).toEqual([DEMO_USERS.organizer.email, null, null, null, null, null, null]);
  });

  it("never deduplicates a mutation: 5 identical anonymous mutations are 5 subgraph requests", async () => {
    const name = `Dedup Hall ${randomUUID().slice(0, 8)}`;
    const CREATE = `mutation { createVenue(input: { name: "${name}", kind: THEATRE, city: "Leeds", timezone: "Europe/London" }) { id } }`;
    const answers = await together(
      t,
      proxy,
      "createVenue",
      Array.from({ length: 5 }, () => () => t.query(CREATE)),
      { sent: 5, shared: 0 },
    );
    expect(proxy.seen("createVenue")).toHaveLength(5);
    for (const answer of answers) expect(answer.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("a failing subgraph request gives every waiter the error", async () => {
    proxy.setDrop(true);
    const answers = await together(
      t,
      proxy,
      "venues",
      Array.from({ length: 10 }, () => () => t.query(VENUES)),
      { sent: 1, shared: 9 },
    );
    expect(proxy.seen("venues")).toHaveLength(1);
    for (const answer of answers) {
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
    }
    // The next request is sent again (nothing is cached) and succeeds.
    proxy.reset();
    const after = await t.query(VENUES);
    expect(after.errors).toBeUndefined();
    expect(proxy.seen("venues")).toHaveLength(1);
  });
});

describe("GATEWAY_DEDUPLICATE=false", () => {
  let t: TestPlatform;
  let proxy: Proxy;
  beforeAll(async () => {
    proxy = await inventoryProxy();
    t = await startTestPlatform({ INVENTORY_URL: proxy.url, GATEWAY_DEDUPLICATE: "false" });
    proxy.setTarget(`${t.platform.subgraphs.inventory.url}/graphql`);
  }, 90_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it("sends every request", async () => {
    const answers = await together(
      t,
      proxy,
      "venues",
      Array.from({ length: 10 }, () => () => t.query(VENUES)),
      { sent: 10, shared: 0 },
    );
    expect(proxy.seen("venues")).toHaveLength(10);
    for (const answer of answers) expect(answer.errors).toBeUndefined();
  });
});
