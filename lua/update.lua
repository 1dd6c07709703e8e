-- Change an entry only if it still holds what the caller read (a compare-and-write): enable, disable,
-- run now.
-- KEYS[1] lock; KEYS[2] schedule; KEYS[3] entry hash; optionally KEYS[4] the label index
-- ARGV[1] lock token ('' unfenced)
-- ARGV[2] the definition read, ARGV[3] the meta read: each '' when absent, else '=' .. the value
-- ARGV[4] new definition, ARGV[5] new meta, ARGV[6] new score: each '' to leave it as it is
-- ARGV[7] (with KEYS[4]) the extensions field, as in save.lua: '' leaves it, '-' removes it, else its JSON
-- Returns 1 written, 0 lock not held, {definition, meta} as stored (nil where absent) when either is not
-- what was read: nothing was written.
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
if KEYS[4] and ARGV[7] ~= '' then
  set_extensions(KEYS[4], KEYS[3], ARGV[7])
end
if ARGV[6] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[6], KEYS[3])
end
return 1
