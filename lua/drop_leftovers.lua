-- Remove what an entry deleted without the extension profile (upstream's delete removes only the hash)
-- left behind: its label index members and its run history, each only if it is still a left-over.
-- KEYS[1] lock; KEYS[2] label index; KEYS[3] entry hash; KEYS[4] the entry's history list
-- ARGV[1] lock token ('' unfenced); ARGV[2] '1' to drop the history unless the hash has a definition,
-- '' to leave it; ARGV[3..] label index members of this entry to drop unless its extensions carry them
-- Returns how many keys and members were removed, 0 when the lock is not held.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
-- the entry's current members, read as save.lua reads them (label strings only)
local current = {}
local extensions = redis.call('HGET', KEYS[3], 'extensions')
local ok, decoded = pcall(cjson.decode, extensions or '')
if extensions and ok and type(decoded) == 'table' and type(decoded['labels']) == 'table' then
  for k, v in pairs(decoded['labels']) do
    if type(k) == 'string' and type(v) == 'string' then
      current[k .. '=' .. v .. '\n' .. KEYS[3]] = true
    end
  end
end
local removed = 0
for i = 3, #ARGV do
  if not current[ARGV[i]] then
    removed = removed + redis.call('ZREM', KEYS[2], ARGV[i])
  end
end
if ARGV[2] == '1' and redis.call('HEXISTS', KEYS[3], 'definition') == 0 then
  removed = removed + redis.call('DEL', KEYS[4])
end
return removed
