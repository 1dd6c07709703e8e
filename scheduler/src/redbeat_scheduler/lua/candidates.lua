-- One batch of due members, read-only: the members with 0 <= score <= now from an offset, the first
-- score after now (to sleep exactly until it) and how many members are due in all (the backlog).
-- KEYS[1] schedule zset; ARGV[1] now (integer epoch seconds); ARGV[2] offset; ARGV[3] count
-- Returns {{member, score, ...}, {member, score} or {}, backlog}.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], 0, ARGV[1], 'WITHSCORES', 'LIMIT', ARGV[2], ARGV[3])
local later = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
return {due, later, redis.call('ZCOUNT', KEYS[1], 0, ARGV[1])}
