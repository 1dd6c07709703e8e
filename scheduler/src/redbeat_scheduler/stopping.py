"""Holding a stop signal back while a batch is recorded and published.

Celery stops beat with a handler for SIGTERM and SIGINT that closes the scheduler and raises `SystemExit`
wherever beat happens to be. Landing between a script's send and its reply, or between a pipeline the
broker has taken and the removal of its runs from the outbox, it leaves a batch half done: runs published
without their `after_task_publish`, runs in the outbox that the next leader publishes again. So while a
batch goes out, the main thread blocks those two signals, and takes them right after (the batch takes
milliseconds). A broker that never answers then holds the stop back too: a supervisor's SIGKILL ends it,
which loses nothing (the outbox, the fenced records).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

_HELD = {signal.SIGTERM, signal.SIGINT}


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGINT back for the block (main thread, POSIX); elsewhere, a no-op."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a held signal is taken here
