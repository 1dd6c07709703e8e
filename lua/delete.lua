-- Delete an entry: its schedule member and its hash together, and its name from the statics set; with
-- the extension profile's keys, also its label index members and its run history.
-- KEYS[1] lock; KEYS[2] schedule; KEYS[3] statics set; KEYS[4] entry hash; optionally KEYS[5] the label
-- index and KEYS[6] the entry's history list (a caller without them leaves both to `redbeat doctor`)
-- ARGV[1] lock token ('' unfenced); ARGV[2] the name to remove from the statics set ('' none)
-- Returns 1 deleted, -1 neither the member nor the hash existed, 0 lock not held.
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
if KEYS[6] then
  local members = labels(redis.call('HGET', KEYS[4], 'extensions'), KEYS[4])
  if #members > 0 then
    redis.call('ZREM', KEYS[5], unpack(members))
  end
  redis.call('DEL', KEYS[6])
end
local removed = redis.call('ZREM', KEYS[2], KEYS[4]) + redis.call('DEL', KEYS[4])
if ARGV[2] ~= '' then
  redis.call('SREM', KEYS[3], ARGV[2])
end
if removed == 0 then
  return -1
end
return 1
