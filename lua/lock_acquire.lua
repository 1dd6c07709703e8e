-- Take the lock, or keep it: extend-to (not by) the full timeout when we already hold it.
-- KEYS[1] lock key; ARGV[1] our token; ARGV[2] timeout in ms.
-- Returns {1, ttl_ms} when we hold the lock afterwards, {0, ttl_ms of the holder, the holder's token}
-- otherwise (a standby says who it waits for).
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(ARGV[2])}
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, tonumber(ARGV[2])}
end
return {0, redis.call('PTTL', KEYS[1]), holder}
