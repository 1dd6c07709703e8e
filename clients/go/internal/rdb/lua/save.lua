-- Save entries, each an upsert on its own: the definition always; the meta only when the entry has none
-- (upstream's HSETNX) or when the caller replaces the meta it read; the score from the meta the entry keeps.
-- KEYS[1] lock; KEYS[2] schedule; KEYS[3] statics set; KEYS[4..] the entry hashes
-- ARGV[1] lock token ('' unfenced); then seven values per entry:
--   the definition; the meta for a first save; the score from it;
--   the meta the caller scored from ('' none, else '=' .. meta); the score from it;
--   '1' to replace that meta with the first-save one (scored from it), '' to keep it;
--   a name to add to the statics set ('' none)
-- Returns 0 when the lock is not held (nothing written), else one result per entry: 1 written, or {meta}
-- when the stored meta is not the one the caller scored from: nothing written for that entry; score from
-- that meta and save it again.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local results = {}
for i = 4, #KEYS do
  local key, a = KEYS[i], 2 + (i - 4) * 7
  local stored = redis.call('HGET', key, 'meta')
  if stored and '=' .. stored ~= ARGV[a + 3] then
    results[i - 3] = {stored}
  else
    if stored and ARGV[a + 5] ~= '1' then
      redis.call('HSET', key, 'definition', ARGV[a])
      redis.call('ZADD', KEYS[2], ARGV[a + 4], key)
    else
      redis.call('HSET', key, 'definition', ARGV[a], 'meta', ARGV[a + 1])
      redis.call('ZADD', KEYS[2], ARGV[a + 2], key)
    end
    if ARGV[a + 6] ~= '' then
      redis.call('SADD', KEYS[3], ARGV[a + 6])
    end
    results[i - 3] = 1
  end
end
return results
