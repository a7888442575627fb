import type { Redis } from "ioredis";
import type { ConsumeOutcome, HoldOutcome, RateLimitStore } from "./store";

/*
 * Why hand-written Lua and not rate-limiter-flexible: its limiters are fixed windows, and its
 * "BurstyRateLimiter" is two fixed windows side by side, not a token bucket (seed 003 §6.1 asks
 * for token bucket + burst). A request also draws from up to four buckets (class × user/IP) and
 * must take from all or none, which is one script over several keys. The clock is Redis's own
 * (TIME), so gateways with skewed clocks still share one refill schedule. Keys of one request
 * live in different hash slots: fine on the single Redis node the platform uses (§8); a move to
 * Redis Cluster needs one script call per key and the all-or-nothing rule relaxed.
 */

/** KEYS: buckets. ARGV: capacity, refill per ms, cost — one triplet per key. → {1} or {0, waitMs, index}. */
const CONSUME = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local levels = {}
local wait, worst = 0, 0
for i = 1, #KEYS do
  local cap, rate, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  local s = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local level = cap
  if s[1] then level = math.min(cap, tonumber(s[1]) + math.max(0, now - tonumber(s[2])) * rate) end
  levels[i] = level
  if level < cost then
    local ms = math.ceil((cost - level) / rate)
    if ms > wait then wait, worst = ms, i end
  end
end
if wait > 0 then return {0, wait, worst} end
for i = 1, #KEYS do
  local cap, rate, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  redis.call('HSET', KEYS[i], 'tokens', tostring(levels[i] - cost), 'at', now)
  -- Once full again the bucket is the default state: let it expire.
  redis.call('PEXPIRE', KEYS[i], math.ceil(cap / rate) + 1000)
end
return {1}
`;

/**
 * KEYS: ledger (zset entry → expiry ms), seats (hash entry → seats).
 * ARGV: entry, seats, max, expiresAtMs. → {1, held} or {0, held, waitMs}.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #gone > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  redis.call('HDEL', KEYS[2], unpack(gone))
end
local held = 0
for _, v in ipairs(redis.call('HVALS', KEYS[2])) do held = held + tonumber(v) end
local seats, max, expires = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if held + seats > max then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = 0
  if first[2] then wait = tonumber(first[2]) - now end
  return {0, held, wait}
end
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], seats)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))
redis.call('PEXPIREAT', KEYS[2], tonumber(last[2]))
return {1, held + seats}
`;

/**
 * KEYS: ledger, seats, holder-of-booking (string → IP). ARGV: entry to drop, ip, then optionally
 * booking id, seats, expiresAtMs.
 */
const SETTLE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[3] then
  local expires = tonumber(ARGV[5])
  redis.call('ZADD', KEYS[1], expires, ARGV[3])
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
  redis.call('SET', KEYS[3], ARGV[2], 'PXAT', expires)
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))
  redis.call('PEXPIREAT', KEYS[2], tonumber(last[2]))
end
return 1
`;

/** KEYS: holder-of-booking, ledger, seats. ARGV: booking id, the IP the holder key named. */
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`;

type Reply = (string | number)[];
type Scripted = Redis & {
  rlConsume(keyCount: number, ...args: (string | number)[]): Promise<Reply>;
  rlReserve(...args: (string | number)[]): Promise<Reply>;
  rlSettle(...args: (string | number)[]): Promise<number>;
  rlRelease(...args: (string | number)[]): Promise<number>;
};

/** Token buckets and held-seat ledgers in Redis, under `<prefix>:rl:`. */
export function createRedisRateLimitStore(redis: Redis, prefix: string): RateLimitStore {
  const r = redis as Scripted;
  // defineCommand sends EVALSHA and falls back to EVAL when Redis lost the script cache.
  r.defineCommand("rlConsume", { lua: CONSUME }); // key count given per call
  r.defineCommand("rlReserve", { numberOfKeys: 2, lua: RESERVE });
  r.defineCommand("rlSettle", { numberOfKeys: 3, lua: SETTLE });
  r.defineCommand("rlRelease", { numberOfKeys: 3, lua: RELEASE });
  const ns = `${prefix}:rl:`;
  const ledger = (ip: string) => [`${ns}held:${ip}`, `${ns}held-seats:${ip}`];
  const holder = (bookingId: string) => `${ns}holder:${bookingId}`;

  return {
    async consume(charges): Promise<ConsumeOutcome> {
      if (!charges.length) return { allowed: true };
      const args = charges.flatMap((c) => [c.capacity, c.refillPerSecond / 1000, c.cost]);
      const reply = await r.rlConsume(charges.length, ...charges.map((c) => ns + c.key), ...args);
      if (Number(reply[0]) === 1) return { allowed: true };
      return { allowed: false, retryAfterMs: Number(reply[1]), key: charges[Number(reply[2]) - 1].key };
    },
    async reserveHeld(ip, entryId, seats, maxSeats, expiresAtMs): Promise<HoldOutcome> {
      const reply = await r.rlReserve(...ledger(ip), entryId, seats, maxSeats, Math.round(expiresAtMs));
      if (Number(reply[0]) === 1) return { reserved: true, heldSeats: Number(reply[1]) };
      return { reserved: false, heldSeats: Number(reply[1]), retryAfterMs: Math.max(0, Number(reply[2])) };
    },
    async settleHeld(ip, entryId, bookings) {
      if (!bookings.length) {
        await r.rlSettle(...ledger(ip), holder("-"), entryId, ip);
        return;
      }
      // The first booking replaces the provisional entry in the same step; any more (several
      // reserveSeats in one request) are added after it.
      for (const [i, b] of bookings.entries()) {
        await r.rlSettle(
          ...ledger(ip),
          holder(b.id),
          i === 0 ? entryId : "-",
          ip,
          b.id,
          b.seats,
          Math.round(b.expiresAtMs),
        );
      }
    },
    async releaseBooking(bookingId) {
      const ip = await redis.get(holder(bookingId));
      if (ip) await r.rlRelease(holder(bookingId), ...ledger(ip), bookingId, ip);
    },
    async heldSeats(ip) {
      const [zset, seats] = ledger(ip);
      const live = await redis.zrangebyscore(zset, Date.now(), "+inf");
      if (!live.length) return 0;
      const values = await redis.hmget(seats, ...live);
      return values.reduce((sum, v) => sum + Number(v ?? 0), 0);
    },
  };
}
