-- Remove what an entry deleted without the extension profile (upstream's delete removes only the hash)
-- left behind: its label index members and its run history, each only if it is still a left-over.
-- KEYS[1] lock; KEYS[2] label index; KEYS[3] entry hash; KEYS[4] the entry's history list
-- ARGV[1] lock token ('' unfenced); ARGV[2] '1' to drop the history unless the hash has a definition,
-- '' to leave it; ARGV[3..] label index members of this entry to drop unless its extensions carry them
-- Returns how many keys and members were removed, 0 when the lock is not held.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
-- part: extensions
-- The label index members of an extensions field: '<key>=<value>\n<entry key>' per label. Only the
-- label strings are read from the JSON (cjson changes numbers and empty arrays, never strings), and
-- nothing is encoded again.
local function labels(extensions, key)
  local members = {}
  if not extensions then
    return members
  end
  local ok, decoded = pcall(cjson.decode, extensions)
  if ok and type(decoded) == 'table' and type(decoded['labels']) == 'table' then
    for k, v in pairs(decoded['labels']) do
      if type(k) == 'string' and type(v) == 'string' then
        members[#members + 1] = k .. '=' .. v .. '\n' .. key
      end
    end
  end
  return members
end

-- Write an entry's extensions field ('-' removes it) and move its label index members with it.
local function set_extensions(index, key, extensions)
  local old = labels(redis.call('HGET', key, 'extensions'), key)
  if #old > 0 then
    redis.call('ZREM', index, unpack(old))
  end
  if extensions == '-' then
    redis.call('HDEL', key, 'extensions')
  else
    redis.call('HSET', key, 'extensions', extensions)
    for _, member in ipairs(labels(extensions, key)) do
      redis.call('ZADD', index, 0, member)
    end
  end
end
-- end part: extensions
local current = {}
for _, member in ipairs(labels(redis.call('HGET', KEYS[3], 'extensions'), KEYS[3])) do
  current[member] = true
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
