-- Delete an entry: its schedule member and its hash together, and its name from the statics set; with
-- the extension profile's keys, also its label index members and its run history.
-- KEYS[1] lock; KEYS[2] schedule; KEYS[3] statics set; KEYS[4] entry hash; optionally KEYS[5] the label
-- index and KEYS[6] the entry's history list (a caller without them leaves both to `redbeat doctor`)
-- ARGV[1] lock token ('' unfenced); ARGV[2] the name to remove from the statics set ('' none)
-- Returns 1 deleted, -1 neither the member nor the hash existed, 0 lock not held.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if KEYS[6] then
  -- as in save.lua: only the label strings are read from the extensions JSON
  local extensions = redis.call('HGET', KEYS[4], 'extensions')
  local ok, decoded = pcall(cjson.decode, extensions or '')
  if extensions and ok and type(decoded) == 'table' and type(decoded['labels']) == 'table' then
    for k, v in pairs(decoded['labels']) do
      if type(k) == 'string' and type(v) == 'string' then
        redis.call('ZREM', KEYS[5], k .. '=' .. v .. '\n' .. KEYS[4])
      end
    end
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
