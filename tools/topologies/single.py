"""One plain server: the topology of restart and outage tests (stop it, start it again on its port)."""

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
    def url(self) -> str:
        return f"redis://{HOST}:{self.server.port}/0"

    def info(self) -> dict:
        return {**super().info(), "url": self.url, "host": HOST, "port": self.server.port}
