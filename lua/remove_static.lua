-- Delete an entry that left beat_schedule: its member, its hash and its name among the statics.
-- KEYS[1] lock key; KEYS[2] schedule zset; KEYS[3] entry hash; KEYS[4] statics set
-- ARGV[1] token ('' when unlocked); ARGV[2] name. Returns 1 done, 0 lock not held.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('ZREM', KEYS[2], KEYS[3])
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[4], ARGV[2])
return 1
