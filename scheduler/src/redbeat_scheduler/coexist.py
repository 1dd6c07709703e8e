"""Running beside upstream celery-redbeat in one process (a migration imports both).

Importing upstream's package - `from redbeat import RedBeatSchedulerEntry` anywhere in the app - connects
its `beat_init` receiver, `acquire_distributed_beat_lock`, for every beat of the process, whatever its
scheduler. For ours it would take the lock under a redis-py token of its own for 5 x max_interval (25
minutes by default) and then fail to hand it over (`scheduler.lock` is ours, read-only): our beat would
stand by behind its own process. When another beat holds the lock it would block start-up instead, in a
polling `lock.acquire()`. So that receiver is swapped for one that skips our schedulers and calls
upstream's for any other, which keeps an upstream beat in the same interpreter working as before.

The swap is made when this module's scheduler is imported and again when one is built: Celery imports
the app (and with it upstream) before it builds the scheduler, and builds the scheduler before it sends
`beat_init`. Upstream's package has no other receivers and patches nothing at import.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from celery.signals import beat_init

logger = logging.getLogger(__name__)

UPSTREAM_MODULE = "redbeat.schedulers"
UPSTREAM_RECEIVER = "acquire_distributed_beat_lock"
GUARD_UID = "redbeat_scheduler.coexist.skip_ours"


def guard_upstream_receiver() -> bool:
    """Swap upstream's `beat_init` receiver for one that leaves our schedulers alone, if upstream is
    imported; True when a swap was made now (it is made once)."""
    module = sys.modules.get(UPSTREAM_MODULE)
    receiver = getattr(module, UPSTREAM_RECEIVER, None) if module is not None else None
    if receiver is None or not beat_init.disconnect(receiver):
        return False

    def skip_ours(sender: object = None, **kwargs: Any) -> Any:
        from .scheduler import RedBeatScheduler

        if isinstance(getattr(sender, "scheduler", None), RedBeatScheduler):
            return None  # ours takes its own lock at its first tick
        return receiver(sender=sender, **kwargs)

    beat_init.connect(skip_ours, weak=False, dispatch_uid=GUARD_UID)
    logger.debug("beat: upstream's %s receiver now skips redbeat_scheduler's schedulers", UPSTREAM_RECEIVER)
    return True
