"""A throwaway redis-server on 127.0.0.1 for tests, the conformance suite and `make demo`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RedisServer:
    """`with RedisServer() as server: server.url` — a private server, no persistence, stopped on exit."""

    def __init__(self, port: int | None = None, extra_args: Sequence[str] = (), binary: str = "redis-server"):
        self.fixed_port = port is not None
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.binary = shutil.which(binary) or binary
        self.process: subprocess.Popen[bytes] | None = None
        self.dir: str | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        if not shutil.which(self.binary):
            raise RuntimeError("redis-server is not installed: run `make redis` (Debian's redis-server)")
        self.dir = tempfile.mkdtemp(prefix="redbeat-redis-")
        for _ in range(1 if self.fixed_port else 5):  # another process may take a free port before we bind it
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    self.dir,
                    *self.extra_args,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._answers():
                return self
            self.process.kill()
            self.process.wait()
            self.port = free_port()
        self.stop()
        raise RuntimeError(f"redis-server did not start on 127.0.0.1 (last port tried {self.port})")

    def _answers(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                time.sleep(0.02)
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __del__(self) -> None:  # a crashed test must not leave servers behind
        if os is not None:
            self.stop()
