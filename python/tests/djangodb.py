"""A django-celery-beat database made by Django itself, for the import tests.

`make_database(url, tasks)` runs this file in a subprocess (Django configures itself once per process):
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
from pathlib import Path
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
        [sys.executable, __file__],
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
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite:///") :]}
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname,
        "PORT": str(parts.port or 5432),
    }


def _main() -> None:
    spec = json.loads(sys.stdin.read())
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["django_celery_beat"],
        DATABASES={"default": _database(spec["url"])},
        USE_TZ=spec["use_tz"],
        TIME_ZONE=spec["time_zone"],
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils.dateparse import parse_datetime
    from django_celery_beat import models

    call_command("migrate", "django_celery_beat", verbosity=0)
    schedules = {
        "interval": models.IntervalSchedule,
        "crontab": models.CrontabSchedule,
        "solar": models.SolarSchedule,
        "clocked": models.ClockedSchedule,
    }
    made = []
    for task in spec["tasks"]:
        fields = dict(task)
        for kind, model in schedules.items():
            if kind in fields:
                values = dict(fields.pop(kind))
                if "clocked_time" in values:
                    values["clocked_time"] = parse_datetime(values["clocked_time"])
                fields[kind] = model.objects.create(**values)
        for name in ("expires", "start_time", "last_run_at"):
            if fields.get(name):
                fields[name] = parse_datetime(fields[name])
        for name in ("args", "kwargs", "headers"):
            if name in fields and not isinstance(fields[name], str):
                fields[name] = json.dumps(fields[name])
        row = models.PeriodicTask.objects.create(**fields)
        row.refresh_from_db()
        made.append(
            {
                "id": row.id,
                "name": row.name,
                "last_run_at": row.last_run_at and row.last_run_at.isoformat(),
                "date_changed": row.date_changed.isoformat(),
            }
        )
    with connection.cursor() as cursor:
        for statement in spec["sql"]:
            cursor.execute(statement)
    print(json.dumps(made))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    _main()
