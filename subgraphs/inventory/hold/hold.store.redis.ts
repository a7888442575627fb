import type { Redis } from "ioredis";
import type { ClaimOutcome, HoldOutcome, HoldRequest, HoldStore, SlotLedger, ZoneDrift } from "./hold.store";

/**
 * Redis hold store. All keys of a slot share the hash tag `{slot:<id>}`, so each script touches
 * one cluster slot and runs atomically on Redis Cluster too. Keys (after the deployment prefix):
 *   inv:{slot:S}:ready          the slot's counters are loaded
 *   inv:{slot:S}:avail:<zone>   seats left in a zone
 *   inv:{slot:S}:user:<user>    seats a user holds or bought in the slot
 *   inv:{slot:S}:hold:<hold>    hash {zone, user, qty}
 *   inv:{slot:S}:holds          sorted set hold id → lapse time in ms (+inf once sold)
 *   inv:{slot:S}:key:<digest>   "<hold id>|<locked until ms>": the hold that owns a reservation's
 *                               idempotency key (expires with the key)
 */
/**
 * The checks HOLD and CLAIM start with (KEYS[1] ready, KEYS[2] avail, KEYS[4] the new hold): the
 * slot is loaded, the hold id is new, and the idempotency key (KEYS[ownerKey], optional) is free or
 * already this request's (ARGV[requesterArg]). Leaves `avail` set for the rest of the script.
 */
const startChecks = (ownerKey: number, requesterArg: number) => `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-3, 0} end
local avail = tonumber(redis.call('GET', KEYS[2]))
if not avail then return {-3, 0} end
if redis.call('EXISTS', KEYS[4]) == 1 then return {2, avail} end
if KEYS[${ownerKey}] then
  local owner = redis.call('GET', KEYS[${ownerKey}])
  if owner then
    local sep = string.find(owner, '|', 1, true)
    local ownerId = string.sub(owner, 1, sep - 1)
    if ownerId ~= ARGV[${requesterArg}] then return {3, avail, ownerId, string.sub(owner, sep + 1)} end
  end
end
`;

// The key check comes before the seat checks, so a retried request whose first attempt got
// seats is told so even when the zone has sold out since.
const HOLD = `${startChecks(6, 9)}
if ARGV[10] == '1' then return {-1, avail} end
local qty = tonumber(ARGV[1])
if avail < qty then return {-1, avail} end
local held = tonumber(redis.call('GET', KEYS[3]) or '0')
if held + qty > tonumber(ARGV[2]) then return {-2, held} end
redis.call('DECRBY', KEYS[2], qty)
redis.call('INCRBY', KEYS[3], qty)
redis.call('HSET', KEYS[4], 'zone', ARGV[3], 'user', ARGV[4], 'qty', qty)
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[6])
if KEYS[6] then redis.call('SET', KEYS[6], ARGV[6] .. '|' .. ARGV[7], 'PX', ARGV[8]) end
return {1, avail - qty}
`;

// KEYS: ready, avail, user, new hold, holds, offer hold[, key owner]. The key check is HOLD's.
const CLAIM = `${startChecks(7, 8)}
local offer = redis.call('HMGET', KEYS[6], 'zone', 'user', 'qty')
local lapse = redis.call('ZSCORE', KEYS[5], ARGV[9])
if not offer[1] or offer[1] ~= ARGV[2] or offer[2] ~= ARGV[3] or not lapse then return {-5, avail} end
if lapse ~= 'inf' and tonumber(lapse) < tonumber(ARGV[10]) then return {-5, avail} end
local offered = tonumber(offer[3])
local qty = tonumber(ARGV[1])
if qty > offered then return {-6, offered} end
local back = offered - qty
if back > 0 then
  redis.call('INCRBY', KEYS[2], back)
  redis.call('DECRBY', KEYS[3], back)
end
redis.call('DEL', KEYS[6])
redis.call('ZREM', KEYS[5], ARGV[9])
redis.call('HSET', KEYS[4], 'zone', ARGV[2], 'user', ARGV[3], 'qty', qty)
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5])
if KEYS[7] then redis.call('SET', KEYS[7], ARGV[5] .. '|' .. ARGV[6], 'PX', ARGV[7]) end
return {1, avail + back}
`;

const RELEASE = `
if KEYS[5] then
  local owner = redis.call('GET', KEYS[5])
  if owner and string.sub(owner, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then redis.call('DEL', KEYS[5]) end
end
local qty = tonumber(redis.call('HGET', KEYS[1], 'qty'))
if not qty then return 0 end
redis.call('INCRBY', KEYS[3], qty)
if redis.call('DECRBY', KEYS[4], qty) <= 0 then redis.call('DEL', KEYS[4]) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

const RESIZE = `
local old = tonumber(redis.call('HGET', KEYS[1], 'qty'))
local avail = tonumber(redis.call('GET', KEYS[2]))
if not old or not avail then return {-3, 0} end
if old ~= tonumber(ARGV[3]) then return {-4, old} end
local delta = tonumber(ARGV[1]) - old
if delta > 0 then
  if avail < delta then return {-1, avail} end
  local held = tonumber(redis.call('GET', KEYS[3]) or '0')
  if held + delta > tonumber(ARGV[2]) then return {-2, held} end
end
redis.call('DECRBY', KEYS[2], delta)
redis.call('INCRBY', KEYS[3], delta)
redis.call('HSET', KEYS[1], 'qty', ARGV[1])
return {1, avail - delta}
`;

const MARK_SOLD = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('ZADD', KEYS[2], '+inf', ARGV[1]) end
return 1
`;

// Keys built inside this script all carry the slot's hash tag (same cluster slot as KEYS).
const LOAD = `
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local ledger = cjson.decode(ARGV[3])
local holds = {}
for _, h in ipairs(ledger.holds) do holds[h[1]] = {zone = h[2], user = h[3], qty = h[4], lapse = h[5]} end
local released = {}
for _, id in ipairs(ledger.released) do released[id] = true end
local users = {}
local members = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #members, 2 do
  local id, lapse = members[i], tonumber(members[i + 1])
  local h = redis.call('HMGET', prefix .. 'hold:' .. id, 'zone', 'user', 'qty')
  if h[1] then users[h[2]] = true end
  if not holds[id] then
    if h[1] and lapse >= now and not released[id] then
      holds[id] = {zone = h[1], user = h[2], qty = tonumber(h[3]), lapse = lapse}
    else
      redis.call('DEL', prefix .. 'hold:' .. id)
      redis.call('ZREM', KEYS[2], id)
    end
  end
end
local heldByZone, heldByUser = {}, {}
for id, h in pairs(holds) do
  heldByZone[h.zone] = (heldByZone[h.zone] or 0) + h.qty
  heldByUser[h.user] = (heldByUser[h.user] or 0) + h.qty
  users[h.user] = true
  redis.call('HSET', prefix .. 'hold:' .. id, 'zone', h.zone, 'user', h.user, 'qty', h.qty)
  redis.call('ZADD', KEYS[2], h.lapse == cjson.null and '+inf' or h.lapse, id)
end
for user, _ in pairs(users) do
  if heldByUser[user] then redis.call('SET', prefix .. 'user:' .. user, heldByUser[user])
  else redis.call('DEL', prefix .. 'user:' .. user) end
end
local drift = {}
for _, z in ipairs(ledger.zones) do
  local key = prefix .. 'avail:' .. z[1]
  local before = redis.call('GET', key)
  local after = z[2] - (heldByZone[z[1]] or 0)
  redis.call('SET', key, after)
  table.insert(drift, {z[1], before or '', after})
end
redis.call('SET', KEYS[1], '1')
return drift
`;

const ADJUST = `
local avail = tonumber(redis.call('GET', KEYS[1]))
if not avail then return {-3, 0} end
local delta = tonumber(ARGV[1])
if avail + delta < 0 then return {-1, avail} end
return {1, redis.call('INCRBY', KEYS[1], delta)}
`;

type Scripted = Redis & {
  holdSeats(...args: (string | number)[]): Promise<[number, number, string?, string?]>;
  releaseHold(...args: (string | number)[]): Promise<number>;
  claimOffer(...args: (string | number)[]): Promise<[number, number, string?, string?]>;
  resizeHold(...args: (string | number)[]): Promise<[number, number]>;
  markHoldSold(...args: (string | number)[]): Promise<number>;
  loadSlot(...args: (string | number)[]): Promise<[string, string, number][]>;
  adjustZone(...args: (string | number)[]): Promise<[number, number]>;
};

export const slotKeyPrefix = (prefix: string, slotId: string) => `${prefix}:inv:{slot:${slotId}}:`;

export function createRedisHoldStore(redis: Redis, keyPrefix: string): HoldStore {
  const slotPrefix = (slotId: string) => slotKeyPrefix(keyPrefix, slotId);
  const r = redis as Scripted;
  // defineCommand sends EVALSHA and falls back to EVAL when Redis lost the script cache.
  // The key-owner key is optional: the scripts take a variable number of keys.
  r.defineCommand("holdSeats", { lua: HOLD });
  r.defineCommand("releaseHold", { lua: RELEASE });
  r.defineCommand("claimOffer", { lua: CLAIM });
  r.defineCommand("resizeHold", { numberOfKeys: 3, lua: RESIZE });
  r.defineCommand("markHoldSold", { numberOfKeys: 2, lua: MARK_SOLD });
  r.defineCommand("loadSlot", { numberOfKeys: 2, lua: LOAD });
  r.defineCommand("adjustZone", { numberOfKeys: 1, lua: ADJUST });

  return {
    async hold(req: HoldRequest): Promise<HoldOutcome> {
      const p = slotPrefix(req.slotId);
      const keys = [
        `${p}ready`,
        `${p}avail:${req.zoneId}`,
        `${p}user:${req.userId}`,
        `${p}hold:${req.holdId}`,
        `${p}holds`,
        ...(req.key ? [`${p}key:${req.key.token}`] : []),
      ];
      const [code, value, owner, lockedUntil] = await r.holdSeats(
        keys.length,
        ...keys,
        req.quantity,
        req.maxPerUser,
        req.zoneId,
        req.userId,
        req.expiresAt.getTime(),
        req.holdId,
        req.key?.lockedUntil ?? 0,
        req.key?.ttlMs ?? 0,
        req.key?.supersede ?? "",
        req.waitlistOnly ? 1 : 0,
      );
      switch (code) {
        case 1:
          return { kind: "held", available: value };
        case 2:
          return { kind: "already-held", available: value };
        case 3:
          return { kind: "key-taken", available: value, holdId: owner!, lockedUntil: Number(lockedUntil) };
        case -1:
          return { kind: "insufficient", available: value };
        case -2:
          return { kind: "over-limit", alreadyHeld: value };
        default:
          return { kind: "not-loaded" };
      }
    },

    async claim(req: HoldRequest, offerHoldId: string, now: Date): Promise<ClaimOutcome> {
      const p = slotPrefix(req.slotId);
      const keys = [
        `${p}ready`,
        `${p}avail:${req.zoneId}`,
        `${p}user:${req.userId}`,
        `${p}hold:${req.holdId}`,
        `${p}holds`,
        `${p}hold:${offerHoldId}`,
        ...(req.key ? [`${p}key:${req.key.token}`] : []),
      ];
      const [code, value, owner, lockedUntil] = await r.claimOffer(
        keys.length,
        ...keys,
        req.quantity,
        req.zoneId,
        req.userId,
        req.expiresAt.getTime(),
        req.holdId,
        req.key?.lockedUntil ?? 0,
        req.key?.ttlMs ?? 0,
        req.key?.supersede ?? "",
        offerHoldId,
        now.getTime(),
      );
      switch (code) {
        case 1:
          return { kind: "held", available: value };
        case 2:
          return { kind: "already-held", available: value };
        case 3:
          return { kind: "key-taken", available: value, holdId: owner!, lockedUntil: Number(lockedUntil) };
        case -5:
          return { kind: "offer-gone", available: value };
        case -6:
          return { kind: "offer-smaller", offered: value };
        default:
          return { kind: "not-loaded" };
      }
    },

    async release(hold, forgetKey) {
      const p = slotPrefix(hold.slotId);
      const keys = [
        `${p}hold:${hold.holdId}`,
        `${p}holds`,
        `${p}avail:${hold.zoneId}`,
        `${p}user:${hold.userId}`,
        ...(forgetKey ? [`${p}key:${forgetKey}`] : []),
      ];
      const released = await r.releaseHold(keys.length, ...keys, hold.holdId);
      return released === 1;
    },

    async resize(hold, from, to, maxPerUser) {
      const p = slotPrefix(hold.slotId);
      const [code, value] = await r.resizeHold(
        `${p}hold:${hold.holdId}`,
        `${p}avail:${hold.zoneId}`,
        `${p}user:${hold.userId}`,
        to,
        maxPerUser,
        from,
      );
      if (code === -4) return { kind: "changed", current: value };
      if (code === 1) return { kind: "held", available: value };
      if (code === -1) return { kind: "insufficient", available: value };
      if (code === -2) return { kind: "over-limit", alreadyHeld: value };
      return { kind: "not-loaded" };
    },

    async markSold(hold) {
      const p = slotPrefix(hold.slotId);
      await r.markHoldSold(`${p}hold:${hold.holdId}`, `${p}holds`, hold.holdId);
    },

    /**
     * One pipeline of one MGET per slot: one round trip, and each MGET stays inside its slot's
     * hash tag, so none is refused as CROSSSLOT on Redis Cluster (a single MGET over every
     * slot's keys would be).
     */
    async availableInSlots(requests) {
      if (requests.length === 0) return [];
      const pipeline = r.pipeline();
      for (const { slotId, zoneIds } of requests) {
        const p = slotPrefix(slotId);
        pipeline.mget(`${p}ready`, ...zoneIds.map((z) => `${p}avail:${z}`));
      }
      const replies = (await pipeline.exec()) ?? [];
      return requests.map((_, i) => {
        const [error, reply] = replies[i] ?? [new Error("no reply from the hold store"), null];
        if (error) throw error;
        const [ready, ...values] = reply as (string | null)[];
        return values.map((v) => (ready && v !== null ? Number(v) : null));
      });
    },

    async load(ledger: SlotLedger, now: Date): Promise<ZoneDrift[]> {
      const p = slotPrefix(ledger.slotId);
      const payload = JSON.stringify({
        zones: ledger.zones.map((z) => [z.zoneId, z.capacity]),
        holds: ledger.holds.map((h) => [
          h.holdId,
          h.zoneId,
          h.userId,
          h.quantity,
          h.expiresAt ? h.expiresAt.getTime() : null,
        ]),
        released: ledger.released,
      });
      const rows = await r.loadSlot(`${p}ready`, `${p}holds`, p, now.getTime(), payload);
      return rows.map(([zoneId, before, after]) => ({
        zoneId,
        before: before === "" ? null : Number(before),
        after: Number(after),
      }));
    },

    async adjustCapacity(slotId, zoneId, delta) {
      const [code, value] = await r.adjustZone(`${slotPrefix(slotId)}avail:${zoneId}`, delta);
      if (code === -3) throw new Error(`zone ${zoneId} is not loaded`);
      return { ok: code === 1, available: value };
    },

    async ping() {
      await redis.ping();
    },
  };
}
