"""A master, a replica and three sentinels (quorum 2) watching them as `mymaster`, on loopback.

`failover()` forces a failover with SENTINEL FAILOVER and returns once every sentinel names the new
master, the new master says so itself, and the old master replicates from it.
"""

from __future__ import annotations

from .base import Topology, wait_for
from .node import HOST, Node, TopologyError

SERVICE = "mymaster"


def _info(node: Node, section: str) -> dict:
    with node.client() as client:
        return client.info(section)


class SentinelGroup(Topology):
    kind = "sentinel"
    service_name = SERVICE

    def __init__(self, root=None, *, sentinels: int = 3, quorum: int = 2, detached: bool = False):
        super().__init__(root, detached=detached)
        self.sentinel_count = sentinels
        self.quorum = quorum

    def start(self) -> SentinelGroup:
        data = ["repl-diskless-sync-delay 0"]  # a (re)joining replica syncs at once, not after 5 s
        first = self.add(Node("redis-a", self.root, data, detached=self.detached)).start()
        second = self.add(
            Node("redis-b", self.root, [*data, f"replicaof {HOST} {first.port}"], detached=self.detached)
        )
        second.start()
        wait_for(
            lambda: _info(second, "replication").get("master_link_status") == "up",
            10,
            "the replica to sync with the master",
        )
        directives = [
            f"sentinel monitor {SERVICE} {HOST} {first.port} {self.quorum}",
            f"sentinel down-after-milliseconds {SERVICE} 2000",
            f"sentinel failover-timeout {SERVICE} 10000",
        ]
        for i in range(self.sentinel_count):
            sentinel = self.add(
                Node(f"sentinel{i}", self.root, directives, sentinel=True, detached=self.detached)
            )
            sentinel.start()
            with sentinel.client() as client:
                # Sentinel's timers, shortened (Redis 7's SENTINEL DEBUG): hellos every 0.5 s instead of 2 s,
                # INFO every second instead of 10 s, so that discovery and the reconfiguration of an old
                # master take about a second. The failover logic itself is unchanged.
                client.execute_command("SENTINEL", "DEBUG", "publish-period", 500, "info-period", 1000)
        wait_for(self._sentinels_agree, 20, "every sentinel to see the replica and the other sentinels")
        return self

    @property
    def sentinels(self) -> list[Node]:
        return [node for node in self.nodes.values() if node.sentinel]

    @property
    def data_nodes(self) -> list[Node]:
        return [node for node in self.nodes.values() if not node.sentinel]

    def _sentinel_view(self, sentinel: Node) -> dict:
        with sentinel.client() as client:
            return client.sentinel_master(SERVICE)

    def _sentinels_agree(self) -> bool:
        for sentinel in self.sentinels:
            view = self._sentinel_view(sentinel)
            if (
                view["num-slaves"] != len(self.data_nodes) - 1
                or view["num-other-sentinels"] != self.sentinel_count - 1
            ):
                return False
        return True

    def master_addr(self, sentinel: Node | None = None) -> tuple[str, int]:
        with (sentinel or self.sentinels[0]).client() as client:
            host, port = client.sentinel_get_master_addr_by_name(SERVICE)
        return host, int(port)

    @property
    def master(self) -> Node:
        _, port = self.master_addr()
        for node in self.data_nodes:
            if node.port == port:
                return node
        raise TopologyError(f"the sentinels name a master on port {port} that is not part of this topology")

    @property
    def replica(self) -> Node:
        master = self.master
        return next(node for node in self.data_nodes if node is not master)

    def _replica_ready(self) -> bool:
        """Every sentinel sees the replica linked to the master (SENTINEL FAILOVER needs a good replica)."""
        for sentinel in self.sentinels:
            with sentinel.client() as client:
                replicas = client.sentinel_slaves(SERVICE)
            if not replicas or any(
                r.get("master-link-status") != "ok" or r.get("is_disconnected") or r.get("is_sdown")
                for r in replicas
            ):
                return False
        return self._sentinels_agree()

    def failover(self, timeout: float = 30) -> dict:
        try:
            return self._failover(timeout)
        except TopologyError as exc:
            logs = "\n".join(f"--- {n.name}\n{n.log_tail(15)}" for n in self.nodes.values())
            raise TopologyError(f"{exc}\n{logs}") from None

    def _failover(self, timeout: float) -> dict:
        wait_for(self._replica_ready, timeout, "the sentinels to see a replica in sync")
        old = self.master
        with self.sentinels[0].client() as client:
            client.execute_command("SENTINEL", "FAILOVER", SERVICE)
        new = wait_for(
            lambda: self._all_name_a_master_other_than(old), timeout, "the sentinels to name a new master"
        )
        wait_for(
            lambda: _info(new, "replication").get("role") == "master",
            timeout,
            f"the promoted replica {new.name} to be master",
        )

        def old_follows() -> bool:
            replication = _info(old, "replication")
            return (
                replication.get("role") == "slave"
                and replication.get("master_port") == new.port
                and replication.get("master_link_status") == "up"
            )

        wait_for(old_follows, timeout, "the old master to replicate from the new one")
        return self.info()

    def _all_name_a_master_other_than(self, old: Node) -> Node | None:
        ports = {self.master_addr(sentinel)[1] for sentinel in self.sentinels}
        if len(ports) != 1 or old.port in ports:
            return None
        port = ports.pop()
        return next((node for node in self.data_nodes if node.port == port), None)

    def info(self) -> dict:
        sentinels = [{"host": HOST, "port": s.port} for s in self.sentinels]
        return {
            **super().info(),
            "service_name": SERVICE,
            "sentinels": sentinels,
            "sentinel_addrs": [f"{HOST}:{s.port}" for s in self.sentinels],
            "master": self.master.info(),
            "replica": self.replica.info(),
            # upstream's scheme (the sentinels themselves go in redbeat_redis_options)
            "url": "redis-sentinel://",
        }
