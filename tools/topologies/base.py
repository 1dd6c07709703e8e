"""What every topology shares: a scratch folder, named nodes, start/stop, a JSON description."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .node import Node, TopologyError


class Topology:
    kind = "?"

    def __init__(self, root: Path | str | None = None, *, detached: bool = False):
        self._own_root = root is None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix=f"redbeat-{self.kind}-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.detached = detached
        self.nodes: dict[str, Node] = {}

    def add(self, node: Node) -> Node:
        self.nodes[node.name] = node
        return node

    def node(self, name: str) -> Node:
        try:
            return self.nodes[name]
        except KeyError:
            raise TopologyError(
                f"{self.kind} has no node {name!r} (it has {', '.join(self.nodes)})"
            ) from None

    def start(self) -> Topology:
        raise NotImplementedError

    def stop(self) -> None:
        for node in reversed(list(self.nodes.values())):
            node.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def flushall(self) -> None:
        """Empty every data node, so that tests can share one topology (a replica follows its master)."""
        import redis

        for node in self.nodes.values():
            if node.sentinel or not node.running:
                continue
            with node.client() as client, contextlib.suppress(redis.ReadOnlyError):
                client.flushall()

    def info(self) -> dict:
        """The topology as JSON: what a client in any language needs to connect, plus every node."""
        return {"kind": self.kind, "root": str(self.root), "nodes": [n.info() for n in self.nodes.values()]}

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for(condition: Callable[[], object], timeout: float, what: str, poll: float = 0.05):
    """Poll until `condition` is truthy (errors count as not yet); TopologyError after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:
            last = exc
        if time.monotonic() > deadline:
            raise TopologyError(
                f"timed out after {timeout:g}s waiting for {what}"
                + (f" (last error: {last})" if last else "")
            )
        time.sleep(poll)
