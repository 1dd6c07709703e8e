-- Record a batch of decisions in one step, fenced by the lock: a leader that lost the lock writes
-- nothing (and the caller then sends nothing). A run recorded here is either queued here too (its task
-- message pushed onto the broker's lists in this very step: recorded if and only if queued) or written
-- to the outbox, from which the caller publishes it and removes it once the broker has it.
-- KEYS[1] lock key (or any key in the same slot when unlocked); KEYS[2] schedule zset; KEYS[3] outbox
-- hash; KEYS[4] the label index (extension profile); KEYS[5 .. 4 + n] the entry hashes, one per decision;
-- then the broker lists pushed to and the history lists written to, if any.
-- ARGV[1] lock token, '' when the lock is off; ARGV[2] most runs the outbox may hold; ARGV[3] n; then per
-- decision, in order:
--   'R' (a new score only, for members still in the schedule), the new score.
--   'F' (a run), the new score, the new meta JSON, the definition read, '=' .. the meta read ('' if it
--       was absent), the outbox field ('' for none), c, then c commands of three values: 'L' (LPUSH) or
--       'E' (PEXPIRE), the index in KEYS of the list, the payload or the milliseconds; then the extension
--       profile's five: '=' .. the extensions field read ('' if absent), the index in KEYS of the entry's
--       history list ('0': no history), the history record to push (the list is trimmed to the length
--       that follows it), '1' to delete the entry once its run is recorded (a one-off's
--       delete_after_run: hash, member, label index members and history go).
--       Written only if the hash still holds exactly what was read (its extensions too), so a decision
--       made on data that changed since (a client's run_now or save, another beat) writes nothing and is
--       not sent. A history list or label index of another type, or one the ACL does not let us write,
--       is left alone (the run is recorded all the same); so is a one-off the ACL does not let us delete.
-- Before any write, everything that could stop the script half-way is checked (Lua does not roll back):
-- the schedule's and the outbox's types, the outbox's room, each entry key's type (one that is no longer
-- a hash changed since it was read: -2), each list's type and the permission to push to it (ACL).
-- Returns {0} when the lock is not held; {2, outbox size} when the outbox has no room for the runs;
-- {3, KEYS index, reason} when a list cannot be pushed to; else {1, outbox size, one result per
-- decision}: for 'F' 1 written, -1 no definition (the hash is gone, its member still scheduled), -2
-- changed since it was read, -3 deleted (hash and member gone: a client deleted it); for 'R' 1 moved, 0 not.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {0}
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
local n = tonumber(ARGV[3])
local outboxed = 0
local lists = {}
local unhashed = {}
local histories = {}  -- KEYS index -> true when it may be written (a list, or no key, and the ACL lets us)
local deletable = {}  -- decision -> true when the ACL lets a one-off be deleted after its run
local a = 4
for i = 1, n do
  if ARGV[a] == 'F' then
    local kind = redis.call('TYPE', KEYS[4 + i])['ok']
    if kind ~= 'hash' and kind ~= 'none' then
      unhashed[i] = true
    elseif ARGV[a + 5] ~= '' then
      outboxed = outboxed + 1
    end
    local c = tonumber(ARGV[a + 6])
    for j = 0, c - 1 do
      local op, k = ARGV[a + 7 + 3 * j], tonumber(ARGV[a + 8 + 3 * j])
      lists[k] = lists[k] or {}
      lists[k][op] = true
    end
    local h = tonumber(ARGV[a + 8 + 3 * c])
    if h > 0 and histories[h] == nil then
      local hkind = redis.call('TYPE', KEYS[h])['ok']
      histories[h] = (hkind == 'list' or hkind == 'none') and not (redis.acl_check_cmd and not (
        redis.acl_check_cmd('LPUSH', KEYS[h], 'x') and redis.acl_check_cmd('LTRIM', KEYS[h], '0', '1')
        and redis.acl_check_cmd('DEL', KEYS[h])))
    end
    if ARGV[a + 11 + 3 * c] == '1' and deletable[i] == nil then
      local key = KEYS[4 + i]
      deletable[i] = not (redis.acl_check_cmd and not (redis.acl_check_cmd('DEL', key)
        and redis.acl_check_cmd('ZREM', KEYS[2], key) and redis.acl_check_cmd('ZREM', KEYS[4], key)))
    end
    a = a + 12 + 3 * c
  else
    a = a + 2
  end
end
local kind = redis.call('TYPE', KEYS[2])['ok']
if kind ~= 'zset' and kind ~= 'none' then
  return redis.error_reply('WRONGTYPE the schedule ' .. KEYS[2] .. ' holds a ' .. kind .. ', not a zset')
end
kind = redis.call('TYPE', KEYS[3])['ok']
if kind ~= 'hash' and kind ~= 'none' then
  return redis.error_reply('WRONGTYPE the outbox ' .. KEYS[3] .. ' holds a ' .. kind .. ', not a hash')
end
local size = redis.call('HLEN', KEYS[3])
if outboxed > 0 and size + outboxed > tonumber(ARGV[2]) then
  return {2, size}
end
for k, ops in pairs(lists) do
  local ok, kind = pcall(redis.call, 'TYPE', KEYS[k])
  if not ok then
    return {3, k, 'TYPE refused: ' .. tostring(kind['err'] or kind)}
  end
  kind = kind['ok']
  if kind ~= 'list' and kind ~= 'none' then
    return {3, k, 'holds a ' .. kind .. ', not a list'}
  end
  if redis.acl_check_cmd then
    if ops['L'] and not redis.acl_check_cmd('LPUSH', KEYS[k], 'x') then
      return {3, k, 'no permission to LPUSH'}
    end
    if ops['E'] and not redis.acl_check_cmd('PEXPIRE', KEYS[k], '1') then
      return {3, k, 'no permission to PEXPIRE'}
    end
  end
end
local labelled = redis.call('TYPE', KEYS[4])['ok']
labelled = labelled == 'zset' or labelled == 'none'
local results = {1, size}
a = 4
for i = 1, n do
  local key = KEYS[4 + i]
  if ARGV[a] == 'F' then
    local c = tonumber(ARGV[a + 6])
    local x = a + 7 + 3 * c  -- the extension profile's values
    if unhashed[i] then
      results[2 + i] = -2  -- no longer a hash: changed since it was read
    else
      local current = redis.call('HMGET', key, 'definition', 'meta', 'extensions')
      if not current[1] then
        results[2 + i] = redis.call('ZSCORE', KEYS[2], key) and -1 or -3
      elseif current[1] ~= ARGV[a + 3] or (current[2] and '=' .. current[2] or '') ~= ARGV[a + 4]
          or (current[3] and '=' .. current[3] or '') ~= ARGV[x] then
        results[2 + i] = -2
      else
        redis.call('HSET', key, 'meta', ARGV[a + 2])
        redis.call('ZADD', KEYS[2], ARGV[a + 1], key)
        if ARGV[a + 5] ~= '' then
          redis.call('HSET', KEYS[3], ARGV[a + 5], ARGV[a + 3])
        end
        for j = 0, c - 1 do
          local b = a + 7 + 3 * j
          local list = KEYS[tonumber(ARGV[b + 1])]
          if ARGV[b] == 'L' then
            redis.call('LPUSH', list, ARGV[b + 2])
          else
            redis.call('PEXPIRE', list, ARGV[b + 2])
          end
        end
        local h = tonumber(ARGV[x + 1])
        if ARGV[x + 4] == '1' and deletable[i] then
          -- a one-off deleted after its run: what a client's delete removes (lua/delete.lua)
          local members = labelled and labels(current[3], key) or {}
          if #members > 0 then
            redis.call('ZREM', KEYS[4], unpack(members))
          end
          redis.call('ZREM', KEYS[2], key)
          redis.call('DEL', key)
          if h > 0 and histories[h] then
            redis.call('DEL', KEYS[h])
          end
        elseif h > 0 and histories[h] then
          redis.call('LPUSH', KEYS[h], ARGV[x + 2])
          redis.call('LTRIM', KEYS[h], 0, tonumber(ARGV[x + 3]) - 1)
        end
        results[2 + i] = 1
      end
    end
    a = a + 12 + 3 * c
  else
    results[2 + i] = redis.call('ZADD', KEYS[2], 'XX', 'CH', ARGV[a + 1], key)
    a = a + 2
  end
end
if outboxed > 0 then
  results[2] = redis.call('HLEN', KEYS[3])
end
return results
