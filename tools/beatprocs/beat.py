"""`celery beat` as a real subprocess: start it, kill -9 it, pause it, stop it, read its log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from topologies.node import end_process

HERE = Path(__file__).resolve().parent  # beatproj.py, the Celery project every beat runs on
OURS = "redbeat_scheduler.RedBeatScheduler"
UPSTREAM = "redbeat.RedBeatScheduler"

T = TypeVar("T")


def project_env(redis_url: str, broker_url: str) -> dict[str, str]:
    """The environment of a `celery -A beatproj` process: its Redis and broker, and beatproj importable."""
    return dict(
        os.environ,
        BEAT_REDIS_URL=redis_url,
        BEAT_BROKER_URL=broker_url,
        PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    )


class Beat:
    def __init__(
        self,
        scheduler: str,
        redis_url: str,
        broker_url: str,
        *,
        lock_timeout: float | None = 2,
        max_interval: float | None = 1,
        name: str = "beat",
        redis_options: dict[str, Any] | None = None,
        import_upstream: bool = False,
        args: tuple[str, ...] = (),
    ):
        """`lock_timeout` / `max_interval` None: the setting is left out (Celery's and the scheduler's
        defaults); `import_upstream`: the app module imports upstream's package, as an app that manages
        entries with `redbeat.RedBeatSchedulerEntry` does; `args`: more `celery beat` options."""
        self.scheduler = scheduler
        self.name = name
        self.workdir = tempfile.mkdtemp(prefix="redbeat-beat-")
        self.log_path = Path(self.workdir) / "beat.log"
        env = project_env(redis_url, broker_url)
        for var in ("BEAT_LOCK_TIMEOUT", "BEAT_MAX_INTERVAL", "BEAT_REDIS_OPTIONS", "BEAT_IMPORT_UPSTREAM"):
            env.pop(var, None)
        if lock_timeout is not None:
            env["BEAT_LOCK_TIMEOUT"] = str(lock_timeout)
        if max_interval is not None:
            env["BEAT_MAX_INTERVAL"] = str(max_interval)
        if redis_options is not None:
            env["BEAT_REDIS_OPTIONS"] = json.dumps(redis_options)
        if import_upstream:
            env["BEAT_IMPORT_UPSTREAM"] = "1"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - the beat writes it until stop() closes it
        schedule_file = str(Path(self.workdir) / "celerybeat-schedule")
        argv = ["beat", "-S", scheduler, "-l", "info", "-s", schedule_file, *args]
        self.process = start_celery(argv, self.workdir, env, self._log)
        self.pid = self.process.pid
        self.paused = False

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kill9(self) -> float:
        """SIGKILL; returns the wall-clock time of the kill."""
        at = time.time()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        return at

    def pause(self) -> float:
        """SIGSTOP (a frozen VM, a long GC pause); returns the wall-clock time."""
        at = time.time()
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True
        return at

    def resume(self) -> float:
        at = time.time()
        self.process.send_signal(signal.SIGCONT)
        self.paused = False
        return at

    def rss_bytes(self) -> int | None:
        """Resident memory of the beat process (Linux /proc), None once it has exited."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return None

    def stop(self, timeout: float = 10) -> None:
        if self.alive:
            if self.paused:
                self.resume()
            end_process(self.process, signal.SIGTERM, timeout)
        self._log.close()

    def wait_for_log(self, text: str, timeout: float = 20) -> None:
        wait_until(lambda: text in self.log(), timeout, f"{self.name}: no {text!r} in its log:\n{self.log()}")


def wait_until(
    condition: Callable[[], T | None],
    timeout: float,
    message: str | Callable[[], str] = "",
    poll: float = 0.05,
) -> T:
    """Poll `condition` until it is truthy; the timeout is a guard against hangs, not a measurement."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(poll)


def start_celery(argv: list[str], workdir: str, env: dict[str, str], log: IO[str]) -> subprocess.Popen:
    """`celery -A beatproj <argv>` in its own session (so that a stop reaches its children), logging to `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "beatproj", *argv],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


class Worker:
    """`celery worker` (solo pool) on the tests' project, consuming the default queue."""

    def __init__(self, redis_url: str, broker_url: str, name: str = "worker"):
        self.name = name
        self.workdir = tempfile.mkdtemp(prefix="redbeat-worker-")
        self.log_path = Path(self.workdir) / "worker.log"
        env = project_env(redis_url, broker_url)
        self._log = open(self.log_path, "w")  # noqa: SIM115 - the worker writes it until stop() closes it
        quiet = ("--without-gossip", "--without-mingle", "--without-heartbeat")  # no cluster chatter
        argv = ["worker", "-P", "solo", "-l", "warning", *quiet, "-Q", "celery"]
        self.process = start_celery(argv, self.workdir, env, self._log)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            end_process(self.process, signal.SIGTERM, timeout)  # warm shutdown: the task at hand finishes
        self._log.close()
