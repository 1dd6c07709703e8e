-- Load a batch of entry hashes in one round trip, read-only. KEYS: the entry hashes.
-- Returns definition, meta, definition, meta, ... (nil for a missing field).
local out = {}
for i, key in ipairs(KEYS) do
  local fields = redis.call('HMGET', key, 'definition', 'meta')
  out[2 * i - 1] = fields[1]
  out[2 * i] = fields[2]
end
return out
