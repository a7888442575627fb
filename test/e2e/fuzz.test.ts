import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import {
  checkConsistency,
  createFixtures,
  createRng,
  generateCases,
  loadPublicSchema,
  runCases,
  shuffled,
} from "../support/fuzz";
import { startTestPlatform, type TestPlatform } from "../support/platform";

/** Reproduce a run with FUZZ_SEED=<seed>; the cases are the same for the same seed. */
const SEED = Number(process.env.FUZZ_SEED ?? 0xb00c);
const REQUESTS = 6_000;

describe("schema-driven fuzzing of the gateway", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t?.close());

  it("answers thousands of hostile requests without 5xx, internal errors or leaks, and oversells nothing", async () => {
    const fixtures = await createFixtures(t, createRng(SEED));
    const all = generateCases(loadPublicSchema(), fixtures, SEED, REQUESTS);
    // FUZZ_ONLY=<regex> replays the matching cases only (on category, target and what).
    const only = process.env.FUZZ_ONLY ? new RegExp(process.env.FUZZ_ONLY) : null;
    const cases = only ? all.filter((c) => only.test(`${c.category} ${c.target} ${c.what}`)) : all;
    const progress = process.env.FUZZ_PROGRESS
      ? (done: number) => console.log(`${done} sent, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`)
      : undefined;
    const report = await runCases(t.platform.gatewayUrl, shuffled(cases, SEED), 16, progress);
    console.log(
      `fuzz seed ${SEED}: ${report.total} requests in ${report.ms} ms, ${report.succeeded} answered without errors\n` +
        `statuses ${JSON.stringify(report.statuses)}\ncodes ${JSON.stringify(report.codes)}\n` +
        `slowest:\n  ${report.slowest.join("\n  ")}\n${report.summary}`,
    );

    // The saga and the sweepers settle within seconds; what still disagrees after 10 s is a fault.
    const ledger = await eventually(
      () => checkConsistency(t),
      (found) => found.problems.length === 0,
      10_000,
    );
    console.log(`ledger: ${ledger.zones} zones, ${ledger.holds} live holds, ${ledger.bookings} bookings checked`);
    if (!only) expect(report.total).toBeGreaterThanOrEqual(5_000);
    expect.soft(report.failingRequests, `\n${report.summary}\n`).toBe(0);
    expect.soft(ledger.problems, "ledger and bookings disagree after fuzzing").toEqual([]);
  }, 150_000);
});
