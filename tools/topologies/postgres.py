"""A throw-away PostgreSQL server on 127.0.0.1: the database of the import tests (django-celery-beat's tables).

Debian's `postgresql` package (`make postgres` installs it) provides `initdb` and `postgres`. Both refuse to
run as root, so under root they run as the package's `postgres` user; the data lives in a scratch folder
that user owns and is removed on stop. Durability is switched off (`fsync`, `full_page_writes`): the
cluster lives for one test session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .base import Topology
from .node import HOST, TopologyError, _die_with_parent, end_process, free_port

SUPERUSER = "postgres"


def postgres_bin_dir() -> Path:
    """The newest Debian PostgreSQL's bin folder ($REDBEAT_POSTGRES_BIN names another)."""
    wanted = os.environ.get("REDBEAT_POSTGRES_BIN")
    candidates = [wanted] if wanted else glob.glob("/usr/lib/postgresql/*/bin")
    found = [Path(c) for c in candidates if c and (Path(c) / "initdb").exists()]
    if not found:
        raise TopologyError("PostgreSQL is not installed: run `make postgres` (Debian's postgresql)")
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def _run_as() -> dict[str, Any]:
    """Popen arguments that drop root to the `postgres` user (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise TopologyError(
            "running as root needs the `postgres` user of Debian's postgresql package"
        ) from None
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


class Postgres(Topology):
    """`with Postgres() as pg: pg.dsn` - a superuser `postgres` with trust authentication on loopback."""

    kind = "postgres"

    def __init__(self, root: Path | str | None = None):
        super().__init__(root)
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def dsn(self) -> str:
        return self.url_of("postgres")

    def url_of(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def _popen(self, command: list[str], **options: Any) -> subprocess.Popen:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            **_run_as(),
            **options,
        )

    def start(self) -> Postgres:
        binaries = postgres_bin_dir()
        as_user = _run_as()
        if as_user:
            os.chown(self.root, as_user["user"], as_user["group"])
        init_log = self.root / "initdb.log"
        with init_log.open("wb") as log:
            init = self._popen(
                [
                    str(binaries / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            if init.wait(120) != 0:
                raise TopologyError(f"initdb failed:\n{init_log.read_text(errors='replace')[-2000:]}")
        for _ in range(5):  # another process may take a free port before the server binds it
            self.port = free_port()
            log = (self.root / "postgres.log").open("ab")
            self.process = self._popen(
                [
                    str(binaries / "postgres"),
                    "-D",
                    str(self.data),
                    "-p",
                    str(self.port),
                    "-c",
                    f"listen_addresses={HOST}",
                    "-c",
                    f"unix_socket_directories={self.root}",
                    "-c",
                    "fsync=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "max_connections=40",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
            if self._ready(binaries, 30):
                return self
            self._terminate()
        raise TopologyError(f"postgres did not accept connections; log:\n{self.log_tail()}")

    def _ready(self, binaries: Path, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            with contextlib.suppress(OSError):
                socket.create_connection((HOST, self.port), timeout=0.5).close()
                probe = subprocess.run(
                    [str(binaries / "pg_isready"), "-q", "-h", HOST, "-p", str(self.port), "-U", SUPERUSER],
                    check=False,
                )
                if probe.returncode == 0:
                    return True
            time.sleep(0.05)
        return False

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        psql = postgres_bin_dir() / "psql"
        done = subprocess.run(
            [str(psql), "-q", "-v", "ON_ERROR_STOP=1", self.dsn, "-c", f'CREATE DATABASE "{name}"'],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise TopologyError(f"CREATE DATABASE {name}: {done.stderr.strip()}")
        return self.url_of(name)

    def _terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            end_process(self.process, signal.SIGINT, 10)  # SIGINT: fast shutdown, open sessions are ended
        self.process = None

    def stop(self) -> None:
        self._terminate()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "postgres.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def info(self) -> dict:
        pid = None if self.process is None else self.process.pid
        return {
            "kind": self.kind,
            "root": str(self.root),
            "dsn": self.dsn,
            "host": HOST,
            "port": self.port,
            "nodes": [{"name": "postgres", "host": HOST, "port": self.port, "pid": pid}],
        }
