"""The Django side of `djangodb.make_database` (this process configures Django once): read the spec
on stdin, migrate, create the tasks, print them as JSON on the last line."""

from __future__ import annotations

import json
import sys

from . import _database


def main() -> None:
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
    main()
