#!/usr/bin/env python
"""Generate conformance/upstream/upstream-vectors.json: what upstream celery-redbeat leaves in Redis.

A driver, not a model: every record comes from calling upstream's public API (`RedBeatSchedulerEntry`,
`RedBeatScheduler`, `acquire_distributed_beat_lock`) on the installed celery-redbeat 2.4.2 / celery 5.7.0,
against a redis-server this script starts on a free 127.0.0.1 port, and reading back what Redis holds:

- Celery's clock is frozen (`FrozenCelery.now`, T0 = 2025-01-15T12:00:00Z, moved by hand per case), so
  every timestamp, score and `last_run_at` is reproducible;
- `MONITOR` runs on a connection of its own for the whole run. Each observed action sits between two
  `ECHO` markers sent by the generator's own connection, and the lines between them that did not come
  from the generator's connections are the action's `redis_commands` (`[db N] "CMD" "arg" ...`, MONITOR's
  own quoting; Lua's commands appear as the script ran them);
- the `celery.beat` logger (RedBeat's and Celery's beat messages) is recorded as `LEVEL message`;
- `send_task` is stubbed: each call is recorded in `tasks_sent` and answered with id `fake-id-N`.

Values that differ from run to run are normalised so that a second run writes the same bytes: the lock
tokens (uuid1) become `<token-N>` in the order the beats took them, the server port becomes `<port>`, lock
TTLs are rounded up to the whole second and hash fields are sorted. See conformance/upstream/README.md.
The cases themselves (constructor calls, hand-written hashes) are in upstream_cases.py.

Run with the repository venv: `make upstream-dumps` (or `.venv/bin/python conformance/generate/upstream_dumps.py`);
`--check` (`make check-upstream-dumps`) writes nothing and exits 1 when the committed file differs.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _celery_env import CHECK, DRIFT, REPO, finish
from _redis_watch import HOST, Lab, Observation
from celery import Celery
from celery.schedules import crontab, schedule
from redbeat import RedBeatScheduler
from redbeat.schedulers import RedBeatSchedulerEntry as Entry
from redbeat.schedulers import acquire_distributed_beat_lock, ensure_conf, get_redis
from redbeat.schedules import rrule
from topologies import Single
from upstream_cases import (
    BEAT_DB,
    EXTERNAL,
    EXTERNAL_DB,
    NY,
    SAVES_DB0,
    SAVES_DB1,
    STATICS,
    T0,
    TICKS,
    UTC,
    SaveCase,
)

OUT = REPO / "conformance" / "upstream" / "upstream-vectors.json"


# ----------------------------------------------------------------------------------------------------------
# The frozen clock and the apps


class Clock:
    """The one instant every Celery app of this run reads as `now`."""

    now = T0

    def at(self, when: datetime) -> datetime:
        self.now = when
        return when

    def after(self, seconds: float) -> datetime:
        return self.at(T0 + timedelta(seconds=seconds))


CLOCK = Clock()


class FrozenCelery(Celery):
    """A Celery app whose `now()` is the frozen clock, in the app's timezone (as Celery's own `now` is)."""

    def now(self) -> datetime:
        return CLOCK.now.astimezone(self.timezone)


class Outbox:
    """Stands in for `app.send_task`: records what beat would publish, answers with a fake id."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_task(
        self, name: str, args: Any = None, kwargs: Any = None, producer: Any = None, **options: Any
    ):
        self.sent.append(
            {"task": name, "args": list(args or []), "kwargs": dict(kwargs or {}), "options": options}
        )
        return SimpleNamespace(id=f"fake-id-{len(self.sent)}")

    def take(self) -> list[dict[str, Any]]:
        sent, self.sent = self.sent, []
        return sent


OUTBOX = Outbox()


def make_app(name: str, url: str, *, zone: str = "UTC", **conf: Any) -> FrozenCelery:
    app = FrozenCelery(name, set_as_current=False)
    app.conf.update(broker_url="memory://", redbeat_redis_url=url, timezone=zone, enable_utc=True, **conf)
    app.send_task = OUTBOX.send_task
    return app


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def frozen() -> dict[str, Any]:
    return {"frozen_now": iso(CLOCK.now), "frozen_now_ts": CLOCK.now.timestamp()}


# ----------------------------------------------------------------------------------------------------------
# Phase after_save: one entry built with upstream's constructor (upstream_cases.py), saved at T0


def app_record(app: Celery, db: int) -> dict[str, Any]:
    return {"redbeat_key_prefix": app.redbeat_conf.key_prefix, "timezone": str(app.conf.timezone), "db": db}


def saved(
    lab: Lab,
    app: Celery,
    db: int,
    case: str,
    description: str,
    built: Entry,
    seen: Observation,
    notes: str | None = None,
) -> dict[str, Any]:
    """The after_save record of `built`, whose save() was observed in `seen`."""
    zset = app.redbeat_conf.schedule_key
    record = {
        "case": case,
        "phase": "after_save",
        "python_constructor_description": description,
        "app": app_record(app, db),
        **frozen(),
        "redis_commands": seen.commands,
        "logs": seen.logs,
    }
    if seen.error:
        record.update(error=seen.error, redis_hash_fields=None, zset_score=None)
    else:
        record.update(
            redis_key=built.key,
            redis_hash_fields=lab.hash(db, built.key),
            zset_key=zset,
            zset_score=lab.zscore(db, zset, built.key),
            python_score_property=built.score,
            python_due_at=iso(built.due_at),
        )
    if notes:
        record["notes"] = notes
    return record


def save_case(lab: Lab, app: Celery, db: int, spec: SaveCase) -> dict[str, Any]:
    CLOCK.at(T0)
    built = spec.build(app)
    seen = lab.observe(built.save, fails=spec.fails)
    return saved(lab, app, db, spec.case, spec.description, built, seen, spec.notes)


def resave_case(lab: Lab, app: Celery) -> dict[str, Any]:
    """A second save() of an entry that already ran: HSETNX keeps the stored meta."""
    CLOCK.at(T0)
    first = Entry("resave", "tasks.t1", schedule(run_every=60), app=app).save()
    next(first)
    CLOCK.after(5)
    again = Entry("resave", "tasks.t2", schedule(run_every=120), app=app)
    seen = lab.observe(again.save)
    return saved(
        lab,
        app,
        0,
        "resave_existing_meta_kept",
        "entry saved, next() once, then RedBeatSchedulerEntry('resave', 'tasks.t2', schedule(run_every=120), app=app).save() 5s later",
        again,
        seen,
        "HSETNX: meta from the first save/next is NOT replaced; definition is replaced",
    )


# ----------------------------------------------------------------------------------------------------------
# Phase api: the other entry methods


def api_cases(lab: Lab, app: Celery) -> list[dict[str, Any]]:
    zset = app.redbeat_conf.schedule_key
    records = []

    CLOCK.at(T0)
    seen = lab.observe(lambda: Entry.from_key("redbeat:interval-5s", app=app))
    loaded = seen.result
    records.append(
        {
            "case": "from_key_commands",
            "phase": "api",
            "python_constructor_description": "RedBeatSchedulerEntry.from_key('redbeat:interval-5s', app=app)",
            "redis_commands": seen.commands,
            "result": {
                "name": loaded.name,
                "task": loaded.task,
                "args": loaded.args,
                "kwargs": loaded.kwargs,
                "options": loaded.options,
                "enabled": loaded.enabled,
                "last_run_at": iso(loaded.last_run_at),
                "total_run_count": loaded.total_run_count,
            },
            "redis_hash_fields": None,
            "zset_score": None,
        }
    )

    doomed = Entry("to-delete", "tasks.t", schedule(run_every=60), app=app).save()
    seen = lab.observe(doomed.delete)
    records.append(
        {
            "case": "delete_commands",
            "phase": "api",
            "python_constructor_description": "entry.delete()",
            "redis_commands": seen.commands,
            "redis_hash_fields": None,
            "zset_score": None,
        }
    )

    CLOCK.after(42)
    ten = Entry.from_key("redbeat:interval-10m", app=app)
    seen = lab.observe(ten.reschedule)
    records.append(
        {
            "case": "reschedule_commands",
            "phase": "api",
            "python_constructor_description": "from_key('redbeat:interval-10m').reschedule() at T0+42s",
            "frozen_now": iso(CLOCK.now),
            "redis_commands": seen.commands,
            "redis_key": ten.key,
            "redis_hash_fields": lab.hash(0, ten.key),
            "zset_key": zset,
            "zset_score": lab.zscore(0, zset, ten.key),
            "notes": "reschedule() overwrites meta with ONLY last_run_at (total_run_count is dropped)",
        }
    )

    CLOCK.after(60)
    number = Entry.from_key("redbeat:interval-number", app=app)
    seen = lab.observe(lambda: next(number))
    records.append(
        {
            "case": "next_commands",
            "phase": "api",
            "python_constructor_description": "from_key('redbeat:interval-number').next() at T0+60s",
            "frozen_now": iso(CLOCK.now),
            "redis_commands": seen.commands,
            "redis_key": number.key,
            "redis_hash_fields": lab.hash(0, number.key),
            "zset_key": zset,
            "zset_score": lab.zscore(0, zset, number.key),
            "python_next_total_run_count": seen.result.total_run_count,
        }
    )

    CLOCK.at(T0)
    daily = rrule("DAILY", dtstart=datetime(2025, 1, 10, 9, 0, tzinfo=NY), app=app)
    dst = Entry("rrule-dst", "tasks.rr", daily, app=app).save()
    summer = CLOCK.at(datetime(2025, 7, 1, 12, 0, tzinfo=UTC))
    reloaded = Entry.from_key(dst.key, app=app)
    records.append(
        {
            "case": "rrule_dst_roundtrip",
            "phase": "api",
            "python_constructor_description": "rrule('DAILY', dtstart=datetime(2025,1,10,9,0,tzinfo=ZoneInfo('America/New_York'))) "
            "saved, then loaded with from_key with now=2025-07-01T12:00Z",
            "redis_hash_fields": lab.hash(0, dst.key),
            "zset_score": lab.zscore(0, zset, dst.key),
            "next_occurrence_in_memory": iso(daily.rrule.after(summer)),
            "next_occurrence_after_redis_roundtrip": iso(reloaded.schedule.rrule.after(summer)),
            "notes": "dtstart_tz is a fixed offset (-300 min), so after a round trip occurrences stay at 14:00Z all year "
            "(10:00 EDT in summer) while the original ZoneInfo rrule gives 13:00Z",
        }
    )
    CLOCK.at(T0)
    return records


def dump_record(lab: Lab, db: int, case: str) -> dict[str, Any]:
    return {
        "case": case,
        "phase": "dump",
        "python_constructor_description": "full db dump",
        "redis_dump": lab.dump(db),
        "redis_hash_fields": None,
        "zset_score": None,
    }


# ----------------------------------------------------------------------------------------------------------
# Phase config: the keys RedBeat derives from its settings


def derived_keys(app: Celery) -> dict[str, Any]:
    conf = ensure_conf(app)
    return {
        "key_prefix": conf.key_prefix,
        "schedule_key": conf.schedule_key,
        "statics_key": conf.statics_key,
        "lock_key": conf.lock_key,
    }


def config_cases(lab: Lab, appb: Celery) -> list[dict[str, Any]]:
    custom = derived_keys(appb)
    custom["entry_key_for_name_x"] = Entry.generate_key(appb, "x")
    plain = make_app("config-defaults", lab.url(0))
    defaults = derived_keys(plain)
    defaults["lock_key_when_None"] = derived_keys(
        make_app("config-no-lock", lab.url(0), redbeat_lock_key=None)
    )["lock_key"]
    defaults["lock_key_when_already_prefixed"] = derived_keys(
        make_app("config-prefixed-lock", lab.url(0), redbeat_lock_key="redbeat:explicit")
    )["lock_key"]
    defaults["lock_timeout_conf"] = plain.redbeat_conf.lock_timeout
    return [
        {
            "case": "_config_custom_prefix",
            "phase": "config",
            "python_constructor_description": "redbeat_key_prefix='custom', redbeat_lock_key='mylock', timezone='America/New_York'",
            "derived": custom,
            "redis_hash_fields": None,
            "zset_score": None,
        },
        {
            "case": "_config_defaults",
            "phase": "config",
            "python_constructor_description": "no redbeat_* keys (besides redbeat_redis_url); then redbeat_lock_key=None; "
            'then redbeat_lock_key="redbeat:explicit"',
            "derived": defaults,
            "redis_hash_fields": None,
            "zset_score": None,
        },
    ]


# ----------------------------------------------------------------------------------------------------------
# Phases startup, lock, tick: a RedBeatScheduler on db 2 with three static entries


def entry_keys(dump: dict[str, dict[str, Any]], zset: str) -> list[str]:
    """The entry keys a dump knows of: its hashes and the members of the schedule, sorted."""
    keys = {key for key, item in dump.items() if item["type"] == "hash"}
    keys.update(member for member, _ in dump.get(zset, {}).get("value", []))
    return sorted(keys)


def startup_record(lab: Lab, case: str, description: str, seen: Observation) -> dict[str, Any]:
    return {
        "case": case,
        "phase": "startup",
        "python_constructor_description": description,
        "frozen_now": iso(CLOCK.now),
        "redis_commands": seen.commands,
        "logs": seen.logs,
        "redis_dump": lab.dump(BEAT_DB),
        "redis_hash_fields": None,
        "zset_score": None,
    }


def beat_cases(lab: Lab) -> list[dict[str, Any]]:
    records = []
    app = make_app("beat", lab.url(BEAT_DB), beat_schedule=dict(STATICS))
    conf = ensure_conf(app)
    inspect = lab.inspector(BEAT_DB)

    CLOCK.at(T0)
    seen = lab.observe(lambda: RedBeatScheduler(app=app))
    beat = seen.result
    record = startup_record(
        lab,
        "startup_setup_schedule_first",
        "RedBeatScheduler(app) with beat_schedule of 3 static entries "
        "(setup_schedule runs in Scheduler.__init__)",
        seen,
    )
    record["scheduler"] = {
        "max_interval": beat.max_interval,
        "lock_key": beat.lock_key,
        "lock_timeout": beat.lock_timeout,
        "info": beat.info,
    }
    records.append(record)

    seen = lab.observe(lambda: acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=beat)))
    records.append(
        {
            "case": "lock_acquire",
            "phase": "lock",
            "python_constructor_description": "acquire_distributed_beat_lock(sender) (beat_init handler)",
            "redis_commands": seen.commands,
            "logs": seen.logs,
            "lock": {
                "key": beat.lock_key,
                "value": inspect.get(beat.lock_key),
                "pttl_ms": lab.ttl(BEAT_DB, beat.lock_key),
            },
            "redis_hash_fields": None,
            "zset_score": None,
        }
    )

    for name, task, sched, kw in [
        ("dyn-every-5", "tasks.dyn", schedule(run_every=5), {"kwargs": {"x": 1}}),
        ("dyn-disabled", "tasks.off", schedule(run_every=5), {"enabled": False}),
        (
            "dyn-once",
            "tasks.once",
            rrule("SECONDLY", dtstart=T0 + timedelta(seconds=3), count=1, app=app),
            {},
        ),
        ("dyn-cron-minute", "tasks.cron", crontab(), {}),
    ]:
        Entry(name, task, sched, app=app, **kw).save()
    before = lab.dump(BEAT_DB)
    records.append(
        {
            "case": "before_ticks_state",
            "phase": "tick",
            "python_constructor_description": "4 dynamic entries saved at T0: dyn-every-5 (interval 5), dyn-disabled "
            "(interval 5, enabled=False), dyn-once (rrule SECONDLY count=1 dtstart=T0+3s), dyn-cron-minute (crontab())",
            "frozen_now": iso(CLOCK.now),
            "redis_dump": before,
            "redis_hash_fields": None,
            "zset_score": None,
        }
    )

    keys = entry_keys(before, conf.schedule_key)
    inspect.pexpire(beat.lock_key, 5000)  # shows that the tick's extend sets the TTL rather than adding to it
    for n, (seconds, notes) in enumerate(TICKS, 1):
        CLOCK.after(seconds)
        OUTBOX.take()
        seen = lab.observe(beat.tick)
        record = {
            "case": f"tick_{n}_at_T0+{seconds}s",
            "phase": "tick",
            "python_constructor_description": "scheduler.tick() with frozen now",
            **frozen(),
            "tick_return_sleep_seconds": seen.result,
            "tasks_sent": OUTBOX.take(),
            "redis_commands": seen.commands,
            "logs": seen.logs,
            "entries_after": lab.entries(BEAT_DB, keys, conf.schedule_key),
            "redis_hash_fields": None,
            "zset_score": None,
            "lock_pttl_ms_after": lab.ttl(BEAT_DB, beat.lock_key),
        }
        if notes:
            record["notes"] = notes
        records.append(record)

    records.append(contention_case(lab, app, beat))
    records.extend(lost_lock_cases(lab, app))

    CLOCK.after(400)
    restarted = make_app(
        "beat-restarted",
        lab.url(BEAT_DB),
        beat_schedule={name: STATICS[name] for name in ("static-every-10s", "static-cron-5min")},
    )
    seen = lab.observe(lambda: RedBeatScheduler(app=restarted))
    records.append(
        startup_record(
            lab,
            "startup_static_entry_removed",
            "restart with 'static-to-remove' dropped from beat_schedule and 'static-every-10s' "
            "unchanged (its last_run_at is preserved)",
            seen,
        )
    )
    return records


def contention_case(lab: Lab, app: Celery, holder: RedBeatScheduler) -> dict[str, Any]:
    """A standby blocks in the acquire loop while `holder` has the lock, and takes it once holder closes."""
    standby = RedBeatScheduler(app=app, lazy=True, max_interval=1)
    lock_key = holder.lock_key
    # Two threads share the app's client: open a second pooled connection now, so that neither ever opens
    # one (HELLO, SELECT) inside the observed window, whichever of them gets there first.
    pool = get_redis(app).connection_pool
    spare = [pool.get_connection(), pool.get_connection()]
    for connection in spare:
        pool.release(connection)
    lab.mark()
    lab.logbook.lines.clear()
    waiter = threading.Thread(
        target=acquire_distributed_beat_lock, kwargs={"sender": SimpleNamespace(scheduler=standby)}
    )
    waiter.start()
    # Wait for the standby's first refused SET NX: from then on it sleeps max_interval (1 s) before retrying.
    lab.lines_until(
        lambda client, command: command.startswith(f'"SET" "{lock_key}"') and '"PX" "5000"' in command
    )
    timeline: list[list[Any]] = [["second_still_blocked", waiter.is_alive() and standby.lock is None]]
    lab.mark()
    holder.close()
    timeline.append(["first_closed"])
    closing = [line for line in lab.mark() if f'"SET" "{lock_key}"' not in line]  # not the standby's retries
    waiter.join(30)
    assert standby.lock is not None, "the standby did not take the lock"
    timeline.append(["second_acquired"])
    lab.mark()
    record = {
        "case": "lock_release_on_close_and_contention",
        "phase": "lock",
        "python_constructor_description": "second scheduler (max_interval=1) blocks in beat_init lock acquire while "
        "the first holds the lock; first.close() releases it",
        "redis_commands_of_close": closing,
        "timeline": timeline,
        "logs": list(lab.logbook.lines),
        "lock_after": {"value": lab.inspector(BEAT_DB).get(lock_key), "pttl_ms": lab.ttl(BEAT_DB, lock_key)},
        "redis_hash_fields": None,
        "zset_score": None,
    }
    lab.inspector(BEAT_DB).delete(
        lock_key
    )  # the standby's token lives in its thread: free the lock for what follows
    return record


def lost_lock_cases(lab: Lab, app: Celery) -> list[dict[str, Any]]:
    """Ticks of a beat whose lock is gone, taken by another beat, or was never acquired."""
    inspect = lab.inspector(BEAT_DB)
    beat = RedBeatScheduler(app=app, lazy=True)
    acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=beat))
    records = []
    for case, description, meddle in [
        (
            "tick_after_lock_deleted",
            "lock key deleted externally, then tick()",
            lambda: inspect.delete(beat.lock_key),
        ),
        (
            "tick_after_lock_overwritten",
            "lock key overwritten by another token externally, then tick()",
            lambda: inspect.set(beat.lock_key, "a-token-of-another-beat", px=60000),
        ),
    ]:
        meddle()
        seen = lab.observe(beat.tick, fails=True)
        records.append(
            {
                "case": case,
                "phase": "lock",
                "python_constructor_description": description,
                "redis_commands": seen.commands,
                "error": seen.error,
                "logs": seen.logs,
                "redis_hash_fields": None,
                "zset_score": None,
            }
        )
    inspect.delete(beat.lock_key)

    seen = lab.observe(lambda: RedBeatScheduler(app=app).tick(), fails=True)
    records.append(
        {
            "case": "tick_without_acquired_lock",
            "phase": "lock",
            "python_constructor_description": "lock_key set but beat_init never acquired (scheduler.lock is None), then tick()",
            "error": seen.error,
            "logs": seen.logs,
            "redis_hash_fields": None,
            "zset_score": None,
        }
    )
    return records


# ----------------------------------------------------------------------------------------------------------
# Phase external_writer: hashes written by hand (upstream_cases.py), then one tick of a lock-less beat


def external_cases(lab: Lab) -> list[dict[str, Any]]:
    app = make_app("external", lab.url(EXTERNAL_DB), redbeat_lock_key=None)
    zset = ensure_conf(app).schedule_key
    inspect = lab.inspector(EXTERNAL_DB)
    records = []
    for spec in EXTERNAL:
        CLOCK.at(T0)
        inspect.flushdb()
        for key, fields in spec.hashes.items():
            inspect.hset(key, mapping=fields)
        if spec.scores:
            inspect.zadd(zset, spec.scores)
        before = lab.dump(EXTERNAL_DB)
        beat = RedBeatScheduler(app=app, lazy=True)
        OUTBOX.take()
        seen = lab.observe(beat.tick, fails=spec.fails)
        record = {
            "case": spec.case,
            "phase": "external_writer",
            "python_constructor_description": spec.description,
            **frozen(),
            "tick_return_sleep_seconds": seen.result,
            "tasks_sent": OUTBOX.take(),
            "redis_commands": seen.commands,
            "logs": seen.logs,
            "entries_after": lab.entries(EXTERNAL_DB, entry_keys(before, zset), zset),
        }
        if seen.error:
            record["error"] = seen.error
        record.update(redis_hash_fields=None, zset_score=None)
        if spec.notes:
            record["notes"] = spec.notes
        record.update(redis_before=before, redis_after=lab.dump(EXTERNAL_DB))
        records.append(record)
        beat.close()
    return records


# ----------------------------------------------------------------------------------------------------------
# The run


def environment(lab: Lab) -> dict[str, Any]:
    names = {
        "celery-redbeat": "celery-redbeat",
        "celery": "celery",
        "kombu": "kombu",
        "redis-py": "redis",
        "python-dateutil": "python-dateutil",
        "tzdata": "tzdata",
    }
    found = {label: metadata.version(dist) for label, dist in names.items()}
    found["python"] = "{}.{}".format(*sys.version_info[:2])
    found["redis-server"] = lab.control.info("server")["redis_version"]
    return {
        "case": "_environment",
        "python_constructor_description": "versions and conventions used to generate these vectors",
        "versions": found,
        "frozen_clock_T0": T0.isoformat(),
        "frozen_clock_T0_ts": T0.timestamp(),
        "conventions": [
            "redis_hash_fields values are the raw strings stored in Redis (HGETALL), fields sorted by name",
            "zset_score is the raw bulk string Redis returns for ZSCORE (RESP2); null = not a member",
            "redis_dump zset values are [member, score-as-float] pairs",
            'redis_commands come from MONITOR; "[db N]" is the database',
            "lock tokens are random: written as <token-N>, numbered in the order the beats sent them",
            "lock TTLs (ttl_ms, pttl_ms, lock_pttl_ms_after) are rounded up to the whole second",
            "the redis-server port is written as <port>",
            "Celery.now() was frozen; apps use broker memory:// and send_task is stubbed",
            "generated by conformance/generate/upstream_dumps.py (make upstream-dumps)",
        ],
        "redis_hash_fields": None,
        "zset_score": None,
    }


def generate(lab: Lab) -> list[dict[str, Any]]:
    records = [environment(lab)]
    app = make_app("saves", lab.url(0), redbeat_key_prefix="redbeat:")
    records += [save_case(lab, app, 0, spec) for spec in SAVES_DB0]
    records.append(resave_case(lab, app))
    records += api_cases(lab, app)
    records.append(dump_record(lab, 0, "_dump_db0_after_saves"))

    appb = make_app(
        "saves-custom",
        lab.url(1),
        zone="America/New_York",
        redbeat_key_prefix="custom",
        redbeat_lock_key="mylock",
    )
    records += config_cases(lab, appb)
    records += [save_case(lab, appb, 1, spec) for spec in SAVES_DB1]
    records.append(dump_record(lab, 1, "_dump_db1_custom_prefix"))

    records += beat_cases(lab)
    records += external_cases(lab)
    return records


def render(records: list[dict[str, Any]], lab: Lab) -> str:
    """The file's text, with what changes from run to run (tokens, port) replaced by stable names."""
    text = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    for n, token in enumerate(lab.tokens, 1):
        text = text.replace(token, f"<token-{n}>")
    text = text.replace(f"{HOST}:{lab.server.port}", f"{HOST}:<port>")
    leftover = re.search(r"\b[0-9a-f]{32}\b", text)
    assert leftover is None, f"an unmasked token: {leftover.group(0)}"
    return text


def main() -> None:
    fallback = FrozenCelery(
        "upstream-dumps-default", set_as_current=True
    )  # schedules built without an app read it
    fallback.conf.update(broker_url="memory://", timezone="UTC", enable_utc=True)
    fallback.set_default()
    with Single() as server:
        lab = Lab(server)
        records = generate(lab)
        text = render(records, lab)
    json.loads(text)
    if CHECK:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            DRIFT.append(OUT)
    else:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {len(records)} records to {OUT.relative_to(REPO)}")
    finish()


if __name__ == "__main__":
    main()
