-- Change an entry only if it still holds what the caller read (a compare-and-write): enable, disable,
-- run now.
-- KEYS[1] lock; KEYS[2] schedule; KEYS[3] entry hash
-- ARGV[1] lock token ('' unfenced)
-- ARGV[2] the definition read, ARGV[3] the meta read: each '' when absent, else '=' .. the value
-- ARGV[4] new definition, ARGV[5] new meta, ARGV[6] new score: each '' to leave it as it is
-- Returns 1 written, 0 lock not held, {definition, meta} as stored (nil where absent) when either is not
-- what was read: nothing was written.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local stored = redis.call('HMGET', KEYS[3], 'definition', 'meta')
for i = 1, 2 do
  if (stored[i] and '=' .. stored[i] or '') ~= ARGV[i + 1] then
    return stored
  end
end
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[3], 'definition', ARGV[4])
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[3], 'meta', ARGV[5])
end
if ARGV[6] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[6], KEYS[3])
end
return 1
