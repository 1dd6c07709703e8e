-- Move the scores of members that are still in the schedule, fenced by the lock. No meta is touched.
-- KEYS[1] lock key; KEYS[2] schedule zset; ARGV[1] token ('' when unlocked); then pairs score, member.
-- Returns the number of members moved, or -1 when the lock is not held (nothing written).
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local moved = 0
for i = 2, #ARGV, 2 do
  moved = moved + redis.call('ZADD', KEYS[2], 'XX', 'CH', ARGV[i], ARGV[i + 1])
end
return moved
