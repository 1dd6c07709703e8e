"""A django-celery-beat database made by Django itself, for the import tests (python/ and scheduler/).

`make_database(url, tasks)` runs `python -m djangodb` in a subprocess (Django configures itself once per process):
django-celery-beat's own migrations create the tables (`migrate`), then each task of `tasks` is created
through django-celery-beat's models, so the rows are exactly what a Django project holds (its
`date_changed`, its `USE_TZ` handling of timestamps, its coercion of empty options to NULL). `sql`
statements run afterwards plant what the models refuse (a corrupt row). Django is a test-only
dependency: the importer under test never imports it.

A task is a dict of PeriodicTask fields; its schedule is given as `interval` ({every, period}),
`crontab` ({minute, hour, ..., timezone}), `solar` ({event, latitude, longitude}) or `clocked`
({clocked_time}); datetimes are ISO 8601 strings (naive ones are in TIME_ZONE when USE_TZ is False).
"""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit


def make_database(
    url: str,
    tasks: list[dict],
    *,
    use_tz: bool = True,
    time_zone: str = "UTC",
    sql: list[str] = (),
) -> list[dict]:
    """Migrate the database at `url` (postgresql://... or sqlite:////path) and create `tasks`; returns
    each task as Django stored it (id, name, last_run_at, date_changed ...)."""
    spec = {"url": url, "tasks": tasks, "use_tz": use_tz, "time_zone": time_zone, "sql": list(sql)}
    done = subprocess.run(
        [sys.executable, "-m", "djangodb"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"django set-up failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _database(url: str) -> dict:
    if url.startswith("sqlite:///"):
        # no fsync per migration: the file lives for one test run
        options = {"init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY;"}
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite:///") :], "OPTIONS": options}
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname,
        "PORT": str(parts.port or 5432),
    }
