"""Runs upstream celery-redbeat 2.4.2 for the JS interop test (test/interop.test.ts).

One JSON command on stdin, one JSON answer on stdout:
  {"op": "load", "url", "prefix", "timezone", "now", "keys": [...]}
      RedBeatSchedulerEntry.from_key for each key: what upstream makes of it (or the error).
  {"op": "tick", "url", "prefix", "timezone", "now"}
      One RedBeatScheduler.tick() with Celery's clock frozen at `now` and send_task stubbed: the tasks sent.
  {"op": "write", "url", "prefix", "timezone", "now"}
      Upstream saves a fixed set of entries (and runs one once), for the JS client to read.
Only *runs* upstream to observe it; nothing here is part of the SDK.
"""

import json
import sys
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import celery
from celery.schedules import crontab, schedule
from redbeat import RedBeatScheduler, RedBeatSchedulerEntry
from redbeat.schedules import rrule


def make_app(cmd):
    app = celery.Celery("interop", broker="memory://", set_as_current=True)
    app.conf.update(
        redbeat_redis_url=cmd["url"],
        redbeat_key_prefix=cmd["prefix"],
        redbeat_lock_key=None,
        timezone=cmd["timezone"],
        enable_utc=True,
        beat_max_loop_interval=300,
    )
    now = datetime.fromisoformat(cmd["now"]).astimezone(ZoneInfo(cmd["timezone"]))
    celery.Celery.now = lambda self: now  # freeze Celery's clock (schedules and beat read it)
    return app, now


def plain(value):
    if isinstance(value, datetime):
        return {"datetime": value.astimezone(dt_timezone.utc).isoformat()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def describe_schedule(s):
    if isinstance(s, schedule) and not isinstance(s, crontab):
        return {"type": "interval", "every": s.run_every.total_seconds(), "relative": s.relative}
    if isinstance(s, crontab):
        return {
            "type": "crontab",
            "minute": sorted(s.minute),
            "hour": sorted(s.hour),
            "day_of_week": sorted(s.day_of_week),
            "day_of_month": sorted(s.day_of_month),
            "month_of_year": sorted(s.month_of_year),
        }
    if isinstance(s, rrule):
        return {"type": "rrule", "freq": s.freq, "count": s.count, "dtstart": s.dtstart.isoformat()}
    return {"type": type(s).__name__}


def load(cmd):
    app, _now = make_app(cmd)
    out = {}
    for key in cmd["keys"]:
        try:
            e = RedBeatSchedulerEntry.from_key(key, app=app)
            due, _next_s = e.is_due()
            out[key] = {
                "name": e.name,
                "task": e.task,
                "args": plain(e.args),
                "kwargs": plain(e.kwargs),
                "options": plain(e.options),
                "enabled": e.enabled,
                "schedule": describe_schedule(e.schedule),
                "last_run_at": plain(e.last_run_at),
                "total_run_count": e.total_run_count,
                "is_due": bool(due),
                "score": e.score,
            }
        except Exception as exc:  # report, the test decides
            out[key] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def tick(cmd):
    app, _now = make_app(cmd)
    sent = []
    app.send_task = lambda name, args=None, kwargs=None, **opts: sent.append(
        {"task": name, "args": plain(args), "kwargs": plain(kwargs)}
    )
    scheduler = RedBeatScheduler(app=app, lazy=True)
    sleep = scheduler.tick()
    return {"sent": sent, "sleep": sleep}


def write(cmd):
    app, now = make_app(cmd)
    ny = ZoneInfo("America/New_York")
    entries = [
        RedBeatSchedulerEntry("up-interval", "tasks.add", schedule(run_every=5), args=[1, 2], app=app),
        RedBeatSchedulerEntry(
            "up-cron", "tasks.cron", crontab(minute="*/15", hour="9-17", day_of_week="mon-fri"), app=app
        ),
        RedBeatSchedulerEntry(
            "up-rrule",
            "tasks.rr",
            rrule("DAILY", dtstart=datetime(2025, 1, 10, 9, 0, tzinfo=ny), byhour=[9], byminute=[0]),
            app=app,
        ),
        RedBeatSchedulerEntry(
            "up-args",
            "tasks.full",
            schedule(run_every=60),
            args=(1, "été", None),
            kwargs={"when": datetime(2025, 2, 1, 8, 30, tzinfo=ny)},
            options={"queue": "q1"},
            app=app,
        ),
        RedBeatSchedulerEntry("up-off", "tasks.off", schedule(run_every=60), enabled=False, app=app),
        RedBeatSchedulerEntry("up-relative", "tasks.rel", schedule(run_every=3600, relative=True), app=app),
    ]
    for e in entries:
        e.save()
    ran = RedBeatSchedulerEntry.from_key(cmd["prefix"] + "up-interval", app=app)
    ran.next(last_run_at=now + timedelta(seconds=5))
    return {"saved": [e.key for e in entries]}


if __name__ == "__main__":
    command = json.load(sys.stdin)
    result = {"load": load, "tick": tick, "write": write}[command["op"]](command)
    json.dump(result, sys.stdout)
