import { describe, expect, it } from "vitest";
import { forgetLoaded, oneRowPerKey, rowsPerKey } from "./loaders";

const A = "5b0e6d1c-0000-4000-8000-00000000000a";
const B = "5b0e6d1c-0000-4000-8000-00000000000b";
const C = "5b0e6d1c-0000-4000-8000-00000000000c";

/** A table read that records each call, as a repository's `findByIds` would be called. */
function fakeTable<T>(rows: T[], matches: (row: T, ids: string[]) => boolean) {
  const calls: string[][] = [];
  return {
    calls,
    read: async (ids: string[]) => {
      calls.push(ids);
      return rows.filter((row) => matches(row, ids));
    },
  };
}

describe("batch loaders", () => {
  it("reads every key asked in one tick with one call, and answers each in order", async () => {
    const table = fakeTable([{ id: A }, { id: B }], (row, ids) => ids.includes(row.id));
    const loader = oneRowPerKey(table.read, (row) => row.id);
    const found = await Promise.all([loader.load(B), loader.load(C), loader.load(A), loader.load("nope")]);
    expect(found).toEqual([{ id: B }, null, { id: A }, null]);
    expect(table.calls).toEqual([[B, C, A]]);
  });

  it("finds an id asked in upper case, and reads nothing when no key can name a row", async () => {
    const table = fakeTable([{ id: A }], (row, ids) => ids.includes(row.id));
    const loader = oneRowPerKey(table.read, (row) => row.id);
    expect(await loader.load(A.toUpperCase())).toEqual({ id: A });
    expect(await Promise.all([loader.load("x"), loader.load("")])).toEqual([null, null]);
    expect(table.calls).toEqual([[A]]);
  });

  it("groups rows under their owner, empty for an owner without any, keeping the rows' order", async () => {
    const rows = [
      { venueId: B, n: 1 },
      { venueId: A, n: 2 },
      { venueId: B, n: 3 },
    ];
    const table = fakeTable(rows, (row, ids) => ids.includes(row.venueId));
    const loader = rowsPerKey(table.read, (row) => row.venueId);
    const [ofA, ofB, ofC] = await Promise.all([loader.load(A), loader.load(B), loader.load(C)]);
    expect(ofA.map((r) => r.n)).toEqual([2]);
    expect(ofB.map((r) => r.n)).toEqual([1, 3]);
    expect(ofC).toEqual([]);
    expect(table.calls).toHaveLength(1);
  });

  it("reads again after forgetting what a request loaded", async () => {
    const table = fakeTable([{ id: A }], (row, ids) => ids.includes(row.id));
    const loaders = { row: oneRowPerKey(table.read, (row) => row.id) };
    await loaders.row.load(A);
    await loaders.row.load(A);
    expect(table.calls).toHaveLength(1);
    forgetLoaded(loaders);
    await loaders.row.load(A);
    expect(table.calls).toHaveLength(2);
  });
});
