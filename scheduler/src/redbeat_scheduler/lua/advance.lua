-- Record a run: replace meta and move the score, fenced by the lock and compared against the meta the
-- scheduler decided on, so that a leader that lost the lock, or a decision made on stale data, writes
-- nothing (and the caller then sends nothing).
-- KEYS[1] lock key (or any key in the same slot when unlocked); KEYS[2] schedule zset; KEYS[3] entry hash
-- ARGV[1] lock token, '' when the lock is off; ARGV[2] new meta JSON; ARGV[3] new score; ARGV[4] zset member
-- ARGV[5] '1' if meta was present when read, '0' if absent; ARGV[6] the meta read (raw JSON)
-- Returns 1 written, 0 lock not held, -1 no definition (hash gone), -2 meta changed since it was read.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if redis.call('HEXISTS', KEYS[3], 'definition') == 0 then
  return -1
end
local current = redis.call('HGET', KEYS[3], 'meta')
if ARGV[5] == '1' then
  if current ~= ARGV[6] then return -2 end
elseif current then
  return -2
end
redis.call('HSET', KEYS[3], 'meta', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
