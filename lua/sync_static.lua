-- Write one beat_schedule entry: its definition always, its meta only when there is none (or it is
-- unreadable), its score from whichever meta it keeps; and record its name among the statics.
-- KEYS[1] lock key; KEYS[2] schedule zset; KEYS[3] entry hash; KEYS[4] statics set
-- ARGV[1] token ('' when unlocked); ARGV[2] name; ARGV[3] definition JSON
-- ARGV[4] meta JSON for a fresh entry; ARGV[5] its score
-- ARGV[6] '1' if meta was present when read, '0' if absent; ARGV[7] the meta read; ARGV[8] score from it
-- ARGV[9] '1' to replace the meta read (it was unreadable); ARGV[10] '1' to record the name among the statics
-- Returns 1 written, 0 lock not held, -2 meta changed since it was read.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local current = redis.call('HGET', KEYS[3], 'meta')
if ARGV[6] == '1' then
  if current ~= ARGV[7] then return -2 end
elseif current then
  return -2
end
redis.call('HSET', KEYS[3], 'definition', ARGV[3])
if (not current) or ARGV[9] == '1' then
  redis.call('HSET', KEYS[3], 'meta', ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[5], KEYS[3])
else
  redis.call('ZADD', KEYS[2], ARGV[8], KEYS[3])
end
if ARGV[10] == '1' then
  redis.call('SADD', KEYS[4], ARGV[2])
end
return 1
