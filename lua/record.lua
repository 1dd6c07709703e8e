-- Record a batch of decisions in one step, fenced by the lock: a leader that lost the lock writes
-- nothing (and the caller then sends nothing).
-- KEYS[1] lock key (or any key in the same slot when unlocked); KEYS[2] schedule zset; KEYS[3..] the
-- entry hashes, one per decision.
-- ARGV[1] lock token, '' when the lock is off; then five values per decision:
--   'F' (a run): new score, new meta JSON, the definition read, '=' .. the meta read ('' if it was absent).
--       Written only if the hash still holds exactly what was read, so a decision made on data that
--       changed since (a client's run_now or save, another beat) writes nothing and is not sent.
--   'R' (a new score only, for members still in the schedule): new score, then three ignored values.
-- Returns 0 when the lock is not held, else one result per decision: for 'F' 1 written, -1 no
-- definition (the hash is gone, its member still scheduled), -2 changed since it was read, -3 deleted
-- (hash and member gone: a client deleted it); for 'R' 1 moved, 0 not.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local results = {}
for i = 3, #KEYS do
  local key = KEYS[i]
  local a = 2 + (i - 3) * 5
  if ARGV[a] == 'F' then
    local current = redis.call('HMGET', key, 'definition', 'meta')
    if not current[1] then
      results[i - 2] = redis.call('ZSCORE', KEYS[2], key) and -1 or -3
    elseif current[1] ~= ARGV[a + 3] or (current[2] and '=' .. current[2] or '') ~= ARGV[a + 4] then
      results[i - 2] = -2
    else
      redis.call('HSET', key, 'meta', ARGV[a + 2])
      redis.call('ZADD', KEYS[2], ARGV[a + 1], key)
      results[i - 2] = 1
    end
  else
    results[i - 2] = redis.call('ZADD', KEYS[2], 'XX', 'CH', ARGV[a + 1], key)
  end
end
return results
