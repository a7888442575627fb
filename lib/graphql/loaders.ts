import DataLoader from "dataloader";
import { isUuid } from "../core/ids";

/**
 * Per-request batch loading (DataLoader): every `load` a request makes in one tick of the event
 * loop becomes one call of the batch function, so a level of a nested list or an `_entities`
 * call costs one statement however many rows it has. Loaders live in a request's context
 * (`RequestContext.loaders`) and die with it; none is shared between requests or users.
 */

// Keys are UUIDs, which PostgreSQL answers in lower case whatever case they were asked in.

/** The rows for `keys`, in their order, null where no row has that key. */
function oneEach<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): (T | null)[] {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => byKey.get(key.toLowerCase()) ?? null);
}

/** The rows for `keys` grouped under their key, in the order of `keys` (rows keep their order). */
function allEach<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const byKey = new Map<string, T[]>();
  for (const row of rows) {
    const group = byKey.get(keyOf(row));
    if (group) group.push(row);
    else byKey.set(keyOf(row), [row]);
  }
  return keys.map((key) => byKey.get(key.toLowerCase()) ?? []);
}

/**
 * Reads the rows of the distinct UUIDs among `keys` (anything else names no row, and must not
 * fail the others' query); no statement at all when none is left.
 */
async function readUuids<T>(keys: readonly string[], read: (ids: string[]) => Promise<T[]>): Promise<T[]> {
  const ids = [...new Set(keys.filter(isUuid).map((key) => key.toLowerCase()))];
  return ids.length === 0 ? [] : read(ids);
}

/** A loader of the one row with each key (null: none), read with one `read` of all keys per batch. */
export function oneRowPerKey<T>(
  read: (keys: string[]) => Promise<T[]>,
  keyOf: (row: T) => string,
): DataLoader<string, T | null> {
  return new DataLoader(async (keys) => oneEach(keys, await readUuids(keys, read), keyOf));
}

/** A loader of the rows with each key (an owner's id), read with one `read` of all keys per batch. */
export function rowsPerKey<T>(
  read: (keys: string[]) => Promise<T[]>,
  keyOf: (row: T) => string,
  options: { cache?: boolean } = {},
): DataLoader<string, T[]> {
  return new DataLoader(async (keys) => allEach(keys, await readUuids(keys, read), keyOf), options);
}

/** Forgets what a request's loaders have read (after a mutation of that request changed it). */
export function forgetLoaded(loaders: object): void {
  for (const loader of Object.values(loaders)) if (loader instanceof DataLoader) loader.clearAll();
}
