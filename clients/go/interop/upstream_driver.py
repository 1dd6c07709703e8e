"""Drive upstream celery-redbeat 2.4.2 for the Go interop tests.

Reads one JSON request on stdin, prints one JSON reply. Celery's clock is frozen
at each step's `now`, `send_task` is stubbed (the calls are recorded), and the
beat lock is off. Steps:

  {"op": "load", "keys": [...]}        RedBeatSchedulerEntry.from_key on each key
  {"op": "tick"}                       one RedBeatScheduler.tick()
  {"op": "write_fixture"}              save a fixed set of entries with upstream's API
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from celery import Celery
from celery.schedules import crontab, schedule
from dateutil.rrule import FR, MO, SU
from redbeat import RedBeatScheduler
from redbeat.schedulers import RedBeatSchedulerEntry, ensure_conf, get_redis
from redbeat.schedules import rrule


def plain(value):
    """Task data as JSON, datetimes as ISO strings with their offset."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class Beat:
    def __init__(self, url, prefix, tz):
        self.now = None
        self.sent = []
        self.app = Celery("go-interop", broker="memory://", set_as_current=True)
        self.app.conf.update(
            redbeat_redis_url=url,
            redbeat_key_prefix=prefix,
            timezone=tz,
            enable_utc=True,
            result_expires=None,
            beat_max_loop_interval=300,
            redbeat_lock_key=None,
        )
        self.app.send_task = self.send_task
        Celery.now = lambda app: self.now.astimezone(app.timezone)
        self.scheduler = None
        ensure_conf(self.app)
        self.redis = get_redis(self.app)

    def send_task(self, name, args=None, kwargs=None, **options):
        options = {k: v for k, v in options.items() if k not in ("headers", "producer")}
        self.sent.append(
            {"task": name, "args": plain(args), "kwargs": plain(kwargs), "options": plain(options)}
        )
        return SimpleNamespace(id=f"fake-{len(self.sent)}")

    def describe(self, entry):
        due = entry.due_at
        return {
            "name": entry.name,
            "task": entry.task,
            "args": plain(entry.args),
            "kwargs": plain(entry.kwargs),
            "options": plain(entry.options),
            "enabled": bool(entry.enabled),
            "schedule": type(entry.schedule).__name__,
            "last_run_at": entry.last_run_at.isoformat() if entry.last_run_at else None,
            "total_run_count": entry.total_run_count,
            "due_at": due.isoformat() if due else None,
            "score": entry.score,
            "zscore": self.redis.zscore(self.app.redbeat_conf.schedule_key, entry.key),
        }

    def load(self, keys):
        return [self.describe(RedBeatSchedulerEntry.from_key(k, app=self.app)) for k in keys]

    def tick(self):
        if self.scheduler is None:
            self.scheduler = RedBeatScheduler(app=self.app)
        self.sent = []
        sleep = self.scheduler.tick()
        return {"sleep": sleep, "sent": sorted(self.sent, key=lambda s: s["task"])}

    def write_fixture(self):
        ny = ZoneInfo("America/New_York")
        entries = [
            RedBeatSchedulerEntry(
                "up-interval",
                "tasks.interval",
                schedule(run_every=timedelta(seconds=30)),
                args=[1, "d\u00e9j\u00e0", None],
                kwargs={"when": datetime(2025, 1, 10, 9, 0, tzinfo=ny)},
                options={"queue": "q1", "priority": 5},
                app=self.app,
            ),
            RedBeatSchedulerEntry(
                "up-cron",
                "tasks.cron",
                crontab(minute="*/15", hour="9-17", day_of_week="mon-fri"),
                app=self.app,
            ),
            RedBeatSchedulerEntry(
                "up-cron-list",
                "tasks.cron",
                crontab(minute=[0, 30], hour=7, day_of_month="1-7"),
                app=self.app,
            ),
            RedBeatSchedulerEntry(
                "up-rrule",
                "tasks.rrule",
                rrule(
                    "WEEKLY",
                    dtstart=datetime(2025, 1, 6, 8, 30, tzinfo=timezone.utc),
                    byweekday=(MO, FR(+1)),
                    wkst=SU,
                ),
                app=self.app,
            ),
            RedBeatSchedulerEntry(
                "up-relative",
                "tasks.rel",
                schedule(run_every=timedelta(hours=1), relative=True),
                app=self.app,
            ),
            RedBeatSchedulerEntry("up-off", "tasks.off", 60, enabled=False, app=self.app),
            RedBeatSchedulerEntry(
                "\u00fcp: \u65e5\u672c/1",
                "tasks.unicode",
                45,
                kwargs={"text": "\u00e9t\u00e9 \U0001f600"},
                app=self.app,
            ),
        ]
        for e in entries:
            e.save()
        return [e.key for e in entries]


def main():
    req = json.load(sys.stdin)
    beat = Beat(req["url"], req["prefix"], req["timezone"])
    out = []
    for step in req["steps"]:
        beat.now = datetime.fromisoformat(step["now"])
        op = step["op"]
        if op == "load":
            out.append(beat.load(step["keys"]))
        elif op == "tick":
            out.append(beat.tick())
        elif op == "write_fixture":
            out.append(beat.write_fixture())
        else:
            raise SystemExit(f"unknown op {op!r}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
