-- Delete an entry: its schedule member and its hash together, and its name from the statics set.
-- KEYS[1] lock; KEYS[2] schedule; KEYS[3] entry hash; KEYS[4] statics set (used only with ARGV[2])
-- ARGV[1] lock token ('' unfenced); ARGV[2] the name to remove from the statics set ('' none)
-- Returns 1 deleted, -1 neither the member nor the hash existed, 0 lock not held.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local removed = redis.call('ZREM', KEYS[2], KEYS[3]) + redis.call('DEL', KEYS[3])
if ARGV[2] ~= '' then
  redis.call('SREM', KEYS[4], ARGV[2])
end
if removed == 0 then
  return -1
end
return 1
