"""Where the suite runs: one redis-server (the default), or a 3-master Redis Cluster
(`--topology cluster`); both from ../tools/topologies.

On the cluster every implementation connects through its cluster client to `redis-cluster://<one
node>`, and each vector runs under a hash-tagged version of its prefix, so that all its keys share a
slot: a prefix that has a hash tag stays as it is, any other gets `{rb}` in front (`redbeat:` becomes
`{rb}redbeat:`), in the vector's config, its raw Redis commands, and the keys, schedule members and label
index members of its expected states and beat states. Everything else about the vector - and every
expectation - stays the same.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

import redis
from topologies import Cluster, Single, Topology

from redbeat_sdk.keys import KeyLayout

from .context import DEFAULT_CONFIG

TAG = "{rb}"


class Where:
    """A started topology: the runner's own client, the URL drivers get, and how to stop it."""

    def __init__(self, name: str, client: Any, url: str, stop: Callable[[], None]):
        self.name, self.client, self.url, self._stop = name, client, url, stop

    def stop(self) -> None:
        self.client.close()
        self._stop()


def start(name: str, redis_server: str = "redis-server") -> Where:
    os.environ["REDBEAT_REDIS_SERVER"] = redis_server  # the binary tools/topologies starts
    kinds: dict[str, type[Topology]] = {"single": Single, "cluster": Cluster}
    if name not in kinds:
        raise ValueError(f"unknown topology {name!r}")
    topology = kinds[name]()
    try:
        topology.start()
    except BaseException:
        topology.stop()
        raise
    if isinstance(topology, Cluster):
        node = topology.info()["addrs"][0]
        return Where(name, topology.client(), f"redis-cluster://{node}", topology.stop)
    assert isinstance(topology, Single)
    client = redis.Redis.from_url(topology.url, decode_responses=True)
    return Where(name, client, topology.url, topology.stop)


def tagged(prefix: str) -> str:
    return prefix if KeyLayout(prefix).hash_tag() is not None else TAG + prefix


def tag_vector(vector: dict) -> dict:
    """The vector with every key under a hash-tagged prefix (see the module docstring)."""
    prefix = {**DEFAULT_CONFIG, **vector.get("config", {})}["key_prefix"]
    new = tagged(prefix)
    if new == prefix:
        return vector
    out = copy.deepcopy(vector)

    def key(value: Any) -> Any:
        return new + value[len(prefix) :] if isinstance(value, str) and value.startswith(prefix) else value

    def zset_member(value: str) -> str:
        # a schedule member is an entry key; a label index member '<key>=<value>\n<entry key>' ends in one
        label, newline, entry = value.partition("\n")
        return label + newline + key(entry) if newline else key(value)

    def state(expected: dict) -> dict:
        result = {}
        for name, typed in expected.items():
            ((kind, value),) = typed.items()
            if kind == "zset":
                value = {zset_member(member): score for member, score in value.items()}
            result[key(name)] = {kind: value}
        return result

    out["config"] = {**out.get("config", {}), "key_prefix": new}
    for step in out["steps"]:
        if step["op"] == "redis":
            step["commands"] = [[key(arg) for arg in command] for command in step["commands"]]
    out["state"] = state(out["state"])
    for beat in ("beat", "plain_beat"):
        if beat in out:
            out[beat]["state"] = state(out[beat]["state"])
    return out
