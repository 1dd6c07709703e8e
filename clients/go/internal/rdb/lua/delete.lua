-- Delete an entry: its schedule member and its hash together, and its name from the statics set.
-- KEYS[1] lock; KEYS[2] schedule; KEYS[3] statics set; KEYS[4] entry hash
-- ARGV[1] lock token ('' unfenced); ARGV[2] the name to remove from the statics set ('' none)
-- Returns 1 deleted, -1 neither the member nor the hash existed, 0 lock not held.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local removed = redis.call('ZREM', KEYS[2], KEYS[4]) + redis.call('DEL', KEYS[4])
if ARGV[2] ~= '' then
  redis.call('SREM', KEYS[3], ARGV[2])
end
if removed == 0 then
  return -1
end
return 1
