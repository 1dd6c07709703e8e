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
