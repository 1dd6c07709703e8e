"""Lua scripts for writes that must read and write one entry atomically.

They only move strings: JSON is never decoded in Lua (cjson would turn [] into {} and 5.0 into 5).
KEYS are always [entry key, schedule key], so on Redis Cluster a hash-tagged prefix keeps them in one slot.
"""

import hashlib
from importlib.resources import files


def sha1(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()


def source(name: str) -> str:
    """The text of `lua/<name>.lua` (the repository's lua/ folder, shipped in this package by `make generate`)."""
    return files(__package__).joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


# ARGV: definition, new meta, score if new, expected-meta flag ("1"/"0"), expected meta, score if expected.
# A first save writes definition + meta + score. A re-save keeps the stored meta (upstream's HSETNX) but
# needs a score computed from it, so when meta exists and is not what the caller expected, nothing is
# written and the stored meta is returned; the caller scores from it and calls again.
SAVE = """
local cur = redis.call('HGET', KEYS[1], 'meta')
if cur == false then
  redis.call('HSET', KEYS[1], 'definition', ARGV[1], 'meta', ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
  return 1
end
if ARGV[4] == '1' and cur == ARGV[5] then
  redis.call('HSET', KEYS[1], 'definition', ARGV[1])
  redis.call('ZADD', KEYS[2], ARGV[6], KEYS[1])
  return 1
end
return {cur}
"""
