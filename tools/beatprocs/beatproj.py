"""The Celery project the process-level tests, the chaos scenarios and the failover bench run `celery beat`
on (`celery -A beatproj`, with this folder on PYTHONPATH: `Beat` puts it there).

Configured from the environment so that one module serves every test:
BEAT_REDIS_URL (the RedBeat schedule), BEAT_BROKER_URL, BEAT_LOCK_TIMEOUT and BEAT_MAX_INTERVAL (each left
at its default when unset), BEAT_IMPORT_UPSTREAM (import upstream's package, as an app that manages entries
with it does), and for the deployment tests BEAT_REDIS_OPTIONS (JSON: redbeat_redis_options, e.g.
retry_period or sentinels).
"""

from __future__ import annotations

import json
import os
from typing import Any

from celery import Celery

if os.environ.get("BEAT_IMPORT_UPSTREAM"):
    from redbeat import RedBeatSchedulerEntry  # noqa: F401

app = Celery("beatproj")
app.conf.update(
    broker_url=os.environ.get("BEAT_BROKER_URL", "redis://127.0.0.1:6379/1"),
    redbeat_redis_url=os.environ.get("BEAT_REDIS_URL", "redis://127.0.0.1:6379/0"),
    timezone="UTC",
    result_expires=None,  # no celery.backend_cleanup entry
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
if os.environ.get("BEAT_LOCK_TIMEOUT"):
    app.conf.redbeat_lock_timeout = float(os.environ["BEAT_LOCK_TIMEOUT"])
if os.environ.get("BEAT_MAX_INTERVAL"):
    app.conf.beat_max_loop_interval = float(os.environ["BEAT_MAX_INTERVAL"])
if os.environ.get("BEAT_REDIS_OPTIONS"):
    app.conf.redbeat_redis_options = json.loads(os.environ["BEAT_REDIS_OPTIONS"])


@app.task(name="tasks.ping")  # type: ignore[untyped-decorator]
def ping(*args: Any, **kwargs: Any) -> str:
    return "pong"
