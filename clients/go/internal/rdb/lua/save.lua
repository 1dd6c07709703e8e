-- Save one entry (an upsert): the definition always; the meta only when the entry has none (upstream's
-- HSETNX) or when the caller replaces the meta it read; the score from the meta the entry keeps.
-- KEYS[1] lock; KEYS[2] schedule; KEYS[3] entry hash; KEYS[4] statics set (used only with ARGV[8])
-- ARGV[1] lock token ('' unfenced)
-- ARGV[2] definition; ARGV[3] meta for a first save; ARGV[4] the score from it
-- ARGV[5] the meta the caller scored from ('' none, else '=' .. meta); ARGV[6] the score from it
-- ARGV[7] '1' to replace that meta with ARGV[3] (scored ARGV[4]), '' to keep it
-- ARGV[8] a name to add to the statics set ('' none)
-- Returns 1 written, 0 lock not held, {meta} when the stored meta is not ARGV[5]: nothing was written;
-- score from that meta and call again.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local stored = redis.call('HGET', KEYS[3], 'meta')
if stored and '=' .. stored ~= ARGV[5] then
  return {stored}
end
if stored and ARGV[7] ~= '1' then
  redis.call('HSET', KEYS[3], 'definition', ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[6], KEYS[3])
else
  redis.call('HSET', KEYS[3], 'definition', ARGV[2], 'meta', ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[4], KEYS[3])
end
if ARGV[8] ~= '' then
  redis.call('SADD', KEYS[4], ARGV[8])
end
return 1
