-- Save entries, each an upsert on its own: the definition always; the meta only when the entry has none
-- (upstream's HSETNX) or when the caller replaces the meta it read; the score from the meta the entry keeps;
-- the extensions field and the entry's members in the label index.
-- KEYS[1] lock; KEYS[2] schedule; KEYS[3] statics set; KEYS[4] label index; KEYS[5..] the entry hashes
-- ARGV[1] lock token ('' unfenced); then eight values per entry:
--   the definition; the meta for a first save; the score from it;
--   the meta the caller scored from ('' none, else '=' .. meta); the score from it;
--   '1' to replace that meta with the first-save one (scored from it), '' to keep it;
--   a name to add to the statics set ('' none);
--   the extensions field: '' leaves it as stored (a writer without the extension profile), '-' removes
--   it, else its JSON (written as it is).
-- Returns 0 when the lock is not held (nothing written), else one result per entry: 1 written, or {meta}
-- when the stored meta is not the one the caller scored from: nothing written for that entry; score from
-- that meta and save it again.
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

local results = {}
for i = 5, #KEYS do
  local key, a = KEYS[i], 2 + (i - 5) * 8
  local stored = redis.call('HGET', key, 'meta')
  if stored and '=' .. stored ~= ARGV[a + 3] then
    results[i - 4] = {stored}
  else
    if stored and ARGV[a + 5] ~= '1' then
      redis.call('HSET', key, 'definition', ARGV[a])
      redis.call('ZADD', KEYS[2], ARGV[a + 4], key)
    else
      redis.call('HSET', key, 'definition', ARGV[a], 'meta', ARGV[a + 1])
      redis.call('ZADD', KEYS[2], ARGV[a + 2], key)
    end
    if ARGV[a + 6] ~= '' then
      redis.call('SADD', KEYS[3], ARGV[a + 6])
    end
    if ARGV[a + 7] ~= '' then
      set_extensions(KEYS[4], key, ARGV[a + 7])
    end
    results[i - 4] = 1
  end
end
return results
