"""Redis deployments on loopback for tests: a cluster, a sentinel group, a TLS server with ACL users.

Each topology starts Debian's redis-server processes on free 127.0.0.1 ports under a scratch folder,
describes itself as JSON (`info()`), and stops everything on `stop()` (or at the end of a `with`).
`python -m topologies` does the same from a shell or from another language's tests (README.md).
"""

from .base import Topology, wait_for
from .cluster import Cluster
from .node import HOST, Node, TopologyError, free_port
from .postgres import Postgres
from .sentinel import SentinelGroup
from .single import Single
from .tls import TlsServer

KINDS = {"single": Single, "cluster": Cluster, "sentinel": SentinelGroup, "tls": TlsServer}

__all__ = [
    "HOST",
    "KINDS",
    "Cluster",
    "Node",
    "Postgres",
    "SentinelGroup",
    "Single",
    "TlsServer",
    "Topology",
    "TopologyError",
    "free_port",
    "wait_for",
]
