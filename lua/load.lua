-- Read entries in one step, read-only: each hash's two fields and its score.
-- KEYS[1] lock (not read); KEYS[2] schedule; KEYS[3..] the entry hashes
-- Returns definition, meta, score for each entry in turn (nil where absent).
local out = {}
for i = 3, #KEYS do
  local fields = redis.call('HMGET', KEYS[i], 'definition', 'meta')
  local at = 3 * (i - 3)
  out[at + 1] = fields[1]
  out[at + 2] = fields[2]
  out[at + 3] = redis.call('ZSCORE', KEYS[2], KEYS[i])
end
return out
