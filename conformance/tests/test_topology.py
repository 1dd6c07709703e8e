"""The cluster run's vector rewrite: every key under a hash-tagged prefix, nothing else touched."""

from __future__ import annotations

from runner.topology import tag_vector, tagged


def test_untagged_prefixes_get_a_tag_in_front_and_tagged_ones_stay():
    assert tagged("redbeat:") == "{rb}redbeat:"
    assert tagged("custom") == "{rb}custom"
    assert tagged("{beat}:prod:") == "{beat}:prod:"
    assert tagged("{}x:") == "{rb}{}x:"  # an empty tag is no tag


def test_keys_members_and_raw_commands_move_under_the_tag():
    vector = {
        "id": "v",
        "config": {"timezone": "UTC"},
        "steps": [
            {
                "op": "redis",
                "commands": [
                    ["HSET", "redbeat:job", "meta", '{"name": "redbeat:job"}'],
                    ["ZADD", "redbeat::schedule", "5", "redbeat:job"],
                ],
            },
            {"op": "save", "now": "2025-01-15T12:00:00Z", "entry": {"name": "job"}},
        ],
        "state": {
            "redbeat:job": {"hash": {"definition": {"name": "job"}}},
            "redbeat::schedule": {"zset": {"redbeat:job": 5}},
        },
        "beat": {"ticks": [], "state": {"redbeat::schedule": {"zset": {"redbeat:job": 9}}}},
    }
    out = tag_vector(vector)
    assert out["config"] == {"timezone": "UTC", "key_prefix": "{rb}redbeat:"}
    assert out["steps"][0]["commands"] == [
        ["HSET", "{rb}redbeat:job", "meta", '{"name": "redbeat:job"}'],
        ["ZADD", "{rb}redbeat::schedule", "5", "{rb}redbeat:job"],
    ]
    assert out["steps"][1] == vector["steps"][1]
    assert out["state"] == {
        "{rb}redbeat:job": {"hash": {"definition": {"name": "job"}}},
        "{rb}redbeat::schedule": {"zset": {"{rb}redbeat:job": 5}},
    }
    assert out["beat"]["state"] == {"{rb}redbeat::schedule": {"zset": {"{rb}redbeat:job": 9}}}
    assert vector["state"]["redbeat:job"]  # the original is left alone
    tagged_vector = {**vector, "config": {"key_prefix": "{redbeat}:"}}
    assert tag_vector(tagged_vector) is tagged_vector
