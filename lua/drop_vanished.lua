-- Remove a schedule member whose hash is gone, unless the hash came back meanwhile.
-- KEYS[1] lock key; KEYS[2] schedule zset; KEYS[3] entry hash; ARGV[1] token ('' when unlocked)
-- Returns 1 removed, 2 the hash exists again (kept), 0 lock not held.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return 2
end
redis.call('ZREM', KEYS[2], KEYS[3])
return 1
