"""One plain server: every test suite's Redis, and the topology of restarts and outages (stop it, start it
again on its port)."""

from __future__ import annotations

from .base import Topology
from .node import HOST, Node


class Single(Topology):
    kind = "single"

    def start(self) -> Single:
        self.add(Node("server", self.root, detached=self.detached)).start()
        return self

    @property
    def server(self) -> Node:
        return self.nodes["server"]

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.server.port}/0"

    def info(self) -> dict:
        return {**super().info(), "url": self.url, "host": HOST, "port": self.port}
