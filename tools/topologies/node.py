"""One redis-server process on 127.0.0.1: the building block of every topology.

A node keeps its port and its directory for its whole life, so it can be stopped and started again
on the same address (a restart, an outage) with the data it saved on the way down.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis

HOST = "127.0.0.1"
CLUSTER_BUS_OFFSET = 10000  # Redis Cluster's bus listens on port + 10000


class TopologyError(RuntimeError):
    """A topology did not come up, or did not reach the state asked of it in time."""


def redis_server_binary() -> str:
    """Debian's redis-server, or the one $REDBEAT_REDIS_SERVER names (the conformance runner's --redis-server)."""
    wanted = os.environ.get("REDBEAT_REDIS_SERVER") or "redis-server"
    binary = shutil.which(wanted)
    if not binary:
        raise TopologyError(f"{wanted} is not installed: run `make redis` (Debian's redis-server)")
    return binary


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port(*, with_bus: bool = False) -> int:
    """A port nothing listens on; with `with_bus`, port + 10000 is free (and valid) too."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        if not with_bus or (port + CLUSTER_BUS_OFFSET <= 65535 and _bindable(port + CLUSTER_BUS_OFFSET)):
            return port
    raise TopologyError("no free loopback port (with a free cluster bus port)")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server gets SIGTERM when the process that started it dies, even by SIGKILL."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Node:
    """A redis-server configured by `directives` (redis.conf lines) on a port of its own.

    `tls` is an `ssl.SSLContext` a readiness probe connects with (TLS-only servers); `detached` nodes
    outlive the process that started them (the CLI's `start`), the others die with it.
    """

    def __init__(
        self,
        name: str,
        root: Path,
        directives: Sequence[str] = (),
        *,
        sentinel: bool = False,
        cluster_bus: bool = False,
        tls: ssl.SSLContext | None = None,
        detached: bool = False,
        client_options: dict | None = None,
    ):
        self.name = name
        # how an administrator connects (TLS files, ACL user): for SHUTDOWN SAVE and the topology's probes
        self.client_options = dict(client_options or {})
        self.dir = Path(root) / name
        self.directives = list(directives)
        self.sentinel = sentinel
        self.cluster_bus = cluster_bus
        self.tls = tls
        self.detached = detached
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.pid: int | None = None

    @property
    def addr(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def info(self) -> dict:
        return {"name": self.name, "host": HOST, "port": self.port, "pid": self.pid}

    def _write_config(self) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        port_directive = "tls-port" if self.tls else "port"
        lines = [
            f"{port_directive} {self.port}",
            f"bind {HOST}",
            f'dir "{self.dir}"',
            f'logfile "{self.dir / "redis.log"}"',
        ]
        if self.tls:
            lines.append("port 0")
        if not self.sentinel:
            lines += ['save ""', "appendonly no"]
        # sentinel rewrites its own file, so it is written only once (on later starts it holds the state)
        path = self.dir / ("sentinel.conf" if self.sentinel else "redis.conf")
        if not (self.sentinel and path.exists()):
            path.write_text("\n".join(lines + self.directives) + "\n")
        return path

    def start(self, timeout: float = 10) -> Node:
        binary = redis_server_binary()
        fixed = bool(self.port)  # a restart keeps its address
        for _ in range(1 if fixed else 5):  # another process may take a free port before we bind it
            if not fixed:
                self.port = free_port(with_bus=self.cluster_bus)
                if self.sentinel:
                    (self.dir / "sentinel.conf").unlink(missing_ok=True)
            config = self._write_config()
            command = [binary, str(config)] + (["--sentinel"] if self.sentinel else [])
            self.process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                start_new_session=self.detached,
                preexec_fn=None
                if self.detached or not sys.platform.startswith("linux")
                else _die_with_parent,
            )
            self.pid = self.process.pid
            if self._answers(timeout):
                return self
            self.kill()
        raise TopologyError(
            f"{self.name}: redis-server did not answer on {self.addr}; log:\n{self.log_tail()}"
        )

    def _answers(self, timeout: float) -> bool:
        """Any RESP answer to PING counts: a server that requires AUTH is up too."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5) as raw:
                    sock = self.tls.wrap_socket(raw, server_hostname=HOST) if self.tls else raw
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64)[:1] in (b"+", b"-"):
                        return True
            except (OSError, ssl.SSLError):
                pass
            time.sleep(0.02)
        return False

    def client(self, **options: Any) -> redis.Redis:
        """An administrator's connection. No retries: redis-py's default (3, with backoff) would turn a
        server that is down on purpose into seconds of waiting."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        defaults = {"decode_responses": True, "socket_timeout": 5, "retry": Retry(NoBackoff(), 0)}
        return redis.Redis(host=HOST, port=self.port, **{**defaults, **self.client_options, **options})

    def stop(self, *, save: bool = False) -> None:
        """SIGTERM and wait; with `save`, SHUTDOWN SAVE first, so that the next start loads the data
        (a restart of a server with persistence). Without it nothing is kept (`save ""`)."""
        if self.running and save:
            import redis

            client = self.client()
            try:
                client.shutdown(save=True)
            except redis.ConnectionError:  # the server closes the connection as it exits
                pass
            finally:
                client.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        if self.running:
            end_process(self.process, signal.SIGTERM, 5)
        self.process = None

    def kill(self) -> None:
        if self.running:
            self.process.kill()
            self.process.wait()
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: the port still accepts connections but nothing answers (a network black hole)."""
        if self.running:
            os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.running:
            os.kill(self.process.pid, signal.SIGCONT)

    def log_tail(self, lines: int = 20) -> str:
        path = self.dir / "redis.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"
        )


def end_process(process: subprocess.Popen, sig: int, timeout: float) -> None:
    """Send `sig`, wait up to `timeout` seconds for the exit, then SIGKILL: no child is left behind."""
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_pids(pids: Sequence[int], timeout: float = 5) -> None:
    """Stop detached servers by pid (the CLI's `stop`): SIGTERM, then SIGKILL whatever is left."""
    alive = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGTERM)
            alive.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _exists(pid)]
        time.sleep(0.05)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _exists(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
