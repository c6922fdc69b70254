import { createHash } from 'node:crypto';

/**
 * One atomic GCRA step in Redis (Lua runs without interleaving, so concurrent app instances sharing a
 * bucket can never both take the last unit).
 *
 * KEYS[1] bucket key. ARGV[1] emission interval T (µs), ARGV[2] tolerance τ (µs), ARGV[3] "now" in epoch
 * µs or an empty string to use the Redis server clock (`TIME`), which every app instance shares, so clock
 * skew between tasks cannot stretch or shrink a budget. The TAT is stored as an integer string
 * (`%.0f`: Lua's default number formatting keeps only 14 significant digits) with a PX TTL equal to the
 * time until the bucket is full, so idle buckets disappear by themselves.
 * Returns { allowed (1|0), TAT after the decision (µs), now used (µs) }; the caller derives the headers.
 */
export const GCRA_LUA_SCRIPT = `
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  if redis.replicate_commands then redis.replicate_commands() end
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
if tat - now > tolerance then
  return { 0, string.format('%.0f', tat), string.format('%.0f', now) }
end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
return { 1, string.format('%.0f', tat), string.format('%.0f', now) }
`;

/** SHA-1 of the script, as Redis computes it for EVALSHA. */
export const GCRA_LUA_SHA1 = createHash('sha1').update(GCRA_LUA_SCRIPT).digest('hex');
