-- Read entries in one step, read-only: each hash's fields and its score.
-- KEYS[1] lock (not read); KEYS[2] schedule; KEYS[3..] the entry hashes
-- ARGV[1] (optional) 'extensions' to read each hash's extensions field too
-- Returns definition, meta, score for each entry in turn (nil where absent); with 'extensions',
-- definition, meta, score, extensions.
local extended = ARGV[1] == 'extensions'
local stride = extended and 4 or 3
local out = {}
for i = 3, #KEYS do
  local at = stride * (i - 3)
  if extended then
    local fields = redis.call('HMGET', KEYS[i], 'definition', 'meta', 'extensions')
    out[at + 4] = fields[3]
    out[at + 1] = fields[1]
    out[at + 2] = fields[2]
  else
    local fields = redis.call('HMGET', KEYS[i], 'definition', 'meta')
    out[at + 1] = fields[1]
    out[at + 2] = fields[2]
  end
  out[at + 3] = redis.call('ZSCORE', KEYS[2], KEYS[i])
end
return out
