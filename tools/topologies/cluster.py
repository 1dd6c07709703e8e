"""A Redis Cluster of masters (3 by default, no replicas) on loopback.

Slots are split evenly with CLUSTER ADDSLOTSRANGE and the nodes are introduced with CLUSTER MEET, so
redis-cli is not needed; the cluster is ready when every node reports `cluster_state:ok` and knows
every other node.
"""

from __future__ import annotations

from .base import Topology, wait_for
from .node import HOST, Node

SLOTS = 16384


class Cluster(Topology):
    kind = "cluster"

    def __init__(self, root=None, *, masters: int = 3, detached: bool = False):
        super().__init__(root, detached=detached)
        self.masters = masters

    def start(self) -> Cluster:
        directives = ["cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000"]
        nodes = [
            self.add(Node(f"node{i}", self.root, directives, cluster_bus=True, detached=self.detached))
            for i in range(self.masters)
        ]
        for node in nodes:
            node.start()
        per = SLOTS // len(nodes)
        for i, node in enumerate(nodes):
            low, high = i * per, SLOTS - 1 if i == len(nodes) - 1 else (i + 1) * per - 1
            with node.client() as client:
                client.execute_command("CLUSTER", "ADDSLOTSRANGE", low, high)
                if i:
                    client.execute_command("CLUSTER", "MEET", HOST, nodes[0].port)
        wait_for(self._converged, 20, "the cluster to converge (cluster_state:ok on every node)")
        return self

    def _converged(self) -> bool:
        for node in self.nodes.values():
            with node.client() as client:
                info = client.execute_command("CLUSTER", "INFO")
            info = info if isinstance(info, str) else info.decode()
            fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
            if fields.get("cluster_state") != "ok" or int(fields.get("cluster_known_nodes", 0)) != len(
                self.nodes
            ):
                return False
        return True

    @property
    def startup_nodes(self) -> list[dict]:
        return [{"host": HOST, "port": node.port} for node in self.nodes.values()]

    @property
    def url(self) -> str:
        """One node's address; cluster clients discover the others from it."""
        return f"redis://{HOST}:{next(iter(self.nodes.values())).port}/0"

    def client(self, **options):
        from redis.cluster import ClusterNode, RedisCluster

        return RedisCluster(
            startup_nodes=[ClusterNode(n["host"], n["port"]) for n in self.startup_nodes],
            decode_responses=True,
            **options,
        )

    def info(self) -> dict:
        return {
            **super().info(),
            "url": self.url,
            "startup_nodes": self.startup_nodes,
            "addrs": [f"{n['host']}:{n['port']}" for n in self.startup_nodes],
        }
