"""What the upstream-dumps generator observes: the entries it saves, the beat's static entries, the hand-written hashes.

Data only (each case's upstream constructor call and the description recorded with it); the driver that runs
them is upstream_dumps.py. The descriptions and notes are the records' `python_constructor_description` and
`notes`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import FunctionType
from typing import Any
from zoneinfo import ZoneInfo

import _celery_env  # noqa: F401  (first: the tzdata package's zone database, before any ZoneInfo is made)
from celery import Celery
from celery.schedules import crontab, schedule, solar
from dateutil.rrule import FR, MO, SU, WE, WEEKLY
from redbeat.schedulers import RedBeatSchedulerEntry as Entry
from redbeat.schedules import rrule

UTC = ZoneInfo("UTC")
NY = ZoneInfo("America/New_York")
T0 = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


# ----------------------------------------------------------------------------------------------------------
# after_save: one entry built with upstream's constructor, saved at T0


@dataclass
class SaveCase:
    case: str
    description: str
    build: Callable[[Celery], Entry]
    notes: str | None = None
    fails: bool = False


def entry(name: Any, task: str, sched: Any, **kw: Any) -> Callable[[Celery], Entry]:
    """A builder: `sched` is a schedule, a number, or a function of the app (rrules read the app's clock and zone)."""
    return lambda app: Entry(
        name, task, sched(app) if isinstance(sched, FunctionType) else sched, app=app, **kw
    )


LRA_EARLY = datetime(2025, 1, 15, 11, 47, 13, tzinfo=UTC)

SAVES_DB0 = [
    SaveCase(
        "interval_every_5",
        "RedBeatSchedulerEntry('interval-5s', 'tasks.add', celery.schedules.schedule(run_every=5), args=[1, 2], app=app)",
        entry("interval-5s", "tasks.add", schedule(run_every=5), args=[1, 2]),
    ),
    SaveCase(
        "interval_every_2_5_float",
        "RedBeatSchedulerEntry('interval-2.5s', 'tasks.add', schedule(run_every=2.5), app=app)",
        entry("interval-2.5s", "tasks.add", schedule(run_every=2.5)),
        "score is truncated to whole seconds (to_timestamp drops sub-second part)",
    ),
    SaveCase(
        "interval_timedelta_10min",
        "RedBeatSchedulerEntry('interval-10m', 'tasks.add', schedule(run_every=timedelta(minutes=10)), app=app)",
        entry("interval-10m", "tasks.add", schedule(run_every=timedelta(minutes=10))),
    ),
    SaveCase(
        "interval_from_plain_number",
        "RedBeatSchedulerEntry('interval-number', 'tasks.add', 30, app=app)",
        entry("interval-number", "tasks.add", 30),
        "a bare number becomes celery schedule(timedelta(seconds=30))",
    ),
    SaveCase(
        "interval_relative",
        "RedBeatSchedulerEntry('interval-relative', 'tasks.add', schedule(run_every=timedelta(hours=1), relative=True), "
        "app=app, last_run_at=datetime(2025,1,15,11,47,13,tzinfo=ZoneInfo('UTC')))",
        entry(
            "interval-relative",
            "tasks.add",
            schedule(run_every=timedelta(hours=1), relative=True),
            last_run_at=LRA_EARLY,
        ),
        "relative=True only changes how celery computes remaining time; JSON just carries the flag",
    ),
    SaveCase(
        "interval_not_relative_same_last_run",
        "RedBeatSchedulerEntry('interval-absolute', 'tasks.add', schedule(run_every=timedelta(hours=1)), app=app, "
        "last_run_at=datetime(2025,1,15,11,47,13,tzinfo=ZoneInfo('UTC')))",
        entry(
            "interval-absolute", "tasks.add", schedule(run_every=timedelta(hours=1)), last_run_at=LRA_EARLY
        ),
        "compare with interval_relative; also shows due_at = last_run_at + (due - now) (issue #307)",
    ),
    SaveCase(
        "crontab_default_every_minute",
        "RedBeatSchedulerEntry('cron-default', 'tasks.cron', crontab(), app=app)",
        entry("cron-default", "tasks.cron", crontab()),
    ),
    SaveCase(
        "crontab_daily_0400",
        "crontab(minute='0', hour='4')",
        entry("cron-daily-4am", "tasks.cron", crontab(minute="0", hour="4")),
    ),
    SaveCase(
        "crontab_business_hours_mon_fri",
        "crontab(minute='*/15', hour='9-17', day_of_week='mon-fri')",
        entry("cron-business", "tasks.cron", crontab(minute="*/15", hour="9-17", day_of_week="mon-fri")),
    ),
    SaveCase(
        "crontab_int_fields_and_day_names",
        "crontab(minute=30, hour=7, day_of_week='sun,wed')",
        entry("cron-ints", "tasks.cron", crontab(minute=30, hour=7, day_of_week="sun,wed")),
        "ints stay JSON numbers: fields are written exactly as the caller gave them",
    ),
    SaveCase(
        "crontab_quarterly_first_of_month",
        "crontab(minute='0', hour='0', day_of_month='1', month_of_year='*/3')",
        entry(
            "cron-quarterly",
            "tasks.cron",
            crontab(minute="0", hour="0", day_of_month="1", month_of_year="*/3"),
        ),
    ),
    SaveCase(
        "crontab_full_day_name",
        "crontab(minute='5', day_of_week='monday', day_of_month='*/7')",
        entry("cron-monday", "tasks.cron", crontab(minute="5", day_of_week="monday", day_of_month="*/7")),
    ),
    SaveCase(
        "crontab_list_fields",
        "crontab(minute=[0, 30], hour=[9, 17])",
        entry("cron-lists", "tasks.cron", crontab(minute=[0, 30], hour=[9, 17])),
        "lists/tuples are written as JSON arrays",
    ),
    SaveCase(
        "crontab_set_field_unencodable",
        "crontab(minute={0, 30})",
        entry("cron-set", "tasks.cron", crontab(minute={0, 30})),
        "a Python set is not JSON serialisable: save() raises before anything is sent",
        fails=True,
    ),
    SaveCase(
        "crontab_day_of_week_int",
        "crontab(minute=0, hour=12, day_of_week=3)",
        entry("cron-dow-int", "tasks.cron", crontab(minute=0, hour=12, day_of_week=3)),
    ),
    SaveCase(
        "solar_sunset_unsupported",
        "RedBeatSchedulerEntry('solar', 'tasks.sun', celery.schedules.solar('sunset', -37.81753, 144.96715), app=app)",
        entry("solar", "tasks.sun", solar("sunset", -37.81753, 144.96715)),
        "upstream encoder has no solar support: TypeError, nothing written",
        fails=True,
    ),
    SaveCase(
        "rrule_minutely_count3",
        "redbeat.schedules.rrule('MINUTELY', dtstart=datetime(2025,1,15,12,0,tzinfo=ZoneInfo('UTC')), count=3)",
        entry("rrule-minutely", "tasks.rr", lambda app: rrule("MINUTELY", dtstart=T0, count=3, app=app)),
    ),
    SaveCase(
        "rrule_daily_new_york_until",
        "rrule('DAILY', dtstart=datetime(2025,1,10,9,0,tzinfo=ZoneInfo('America/New_York')), "
        "until=datetime(2025,2,10,9,0,tzinfo=ZoneInfo('America/New_York')), byhour=[9], byminute=[0])",
        entry(
            "rrule-daily-ny",
            "tasks.rr",
            lambda app: rrule(
                "DAILY",
                dtstart=datetime(2025, 1, 10, 9, 0, tzinfo=NY),
                until=datetime(2025, 2, 10, 9, 0, tzinfo=NY),
                byhour=[9],
                byminute=[0],
                app=app,
            ),
        ),
        "dtstart/until are written as UTC epoch ints plus *_tz offset minutes (float when non-zero)",
    ),
    SaveCase(
        "rrule_weekly_weekdays_wkst",
        "rrule(dateutil.rrule.WEEKLY, dtstart=datetime(2025,1,6,8,30,tzinfo=ZoneInfo('UTC')), byweekday=(MO, WE, FR(+1)), wkst=SU)",
        entry(
            "rrule-weekly",
            "tasks.rr",
            lambda app: rrule(
                WEEKLY,
                dtstart=datetime(2025, 1, 6, 8, 30, tzinfo=UTC),
                byweekday=(MO, WE, FR(+1)),
                wkst=SU,
                app=app,
            ),
        ),
        'weekday objects become {"__type__":"weekday","wkday":N}; the n of FR(+1) is dropped',
    ),
    SaveCase(
        "rrule_one_off_future_count1",
        "rrule('MINUTELY', dtstart=datetime(2025,1,15,13,0,tzinfo=ZoneInfo('UTC')), count=1)",
        entry(
            "rrule-once-future",
            "tasks.once",
            lambda app: rrule("MINUTELY", dtstart=datetime(2025, 1, 15, 13, 0, tzinfo=UTC), count=1, app=app),
        ),
        "closest thing upstream has to a one-off/clocked task",
    ),
    SaveCase(
        "rrule_one_off_past_count1",
        "rrule('MINUTELY', dtstart=datetime(2025,1,15,11,0,tzinfo=ZoneInfo('UTC')), count=1)",
        entry(
            "rrule-once-past",
            "tasks.once",
            lambda app: rrule("MINUTELY", dtstart=datetime(2025, 1, 15, 11, 0, tzinfo=UTC), count=1, app=app),
        ),
        "no occurrence after last_run_at (=now): due_at None, score -1; never selected by ticks",
    ),
    SaveCase(
        "rrule_no_dtstart",
        "rrule('HOURLY')",
        entry("rrule-hourly-nodtstart", "tasks.rr", lambda app: rrule("HOURLY", app=app)),
        "dtstart defaults to schedule.now() at construction time",
    ),
    SaveCase(
        "rrule_naive_dtstart",
        "rrule('MONTHLY', dtstart=datetime(2025,1,1,8,0), bymonthday=[1])",
        entry(
            "rrule-monthly-naive",
            "tasks.rr",
            lambda app: rrule("MONTHLY", dtstart=datetime(2025, 1, 1, 8, 0), bymonthday=[1], app=app),
        ),
        "naive dtstart is made aware in the app timezone before encoding",
    ),
    SaveCase(
        "entry_all_fields",
        "RedBeatSchedulerEntry('full', 'tasks.full', schedule(run_every=60), args=(1, 'two', None), "
        "kwargs={'k': [1, 2], 'flag': True}, options={'queue': 'q1', 'expires': 30, 'priority': 5}, enabled=True, app=app)",
        entry(
            "full",
            "tasks.full",
            schedule(run_every=60),
            args=(1, "two", None),
            kwargs={"k": [1, 2], "flag": True},
            options={"queue": "q1", "expires": 30, "priority": 5},
            enabled=True,
        ),
        "tuple args are written as a JSON array",
    ),
    SaveCase(
        "entry_disabled",
        "RedBeatSchedulerEntry('disabled', 'tasks.off', schedule(run_every=60), enabled=False, app=app)",
        entry("disabled", "tasks.off", schedule(run_every=60), enabled=False),
        "score is computed exactly as for an enabled entry",
    ),
    SaveCase(
        "last_run_at_naive",
        "schedule(run_every=60), last_run_at=datetime(2025,1,15,11,59,30) (naive)",
        entry("lra-naive", "tasks.t", schedule(run_every=60), last_run_at=datetime(2025, 1, 15, 11, 59, 30)),
        'naive datetimes are written with "timezone": "UTC"',
    ),
    SaveCase(
        "last_run_at_fixed_offset",
        "schedule(run_every=60), last_run_at=datetime(2025,1,15,6,59,30,tzinfo=timezone(timedelta(hours=-5)))",
        entry(
            "lra-fixed",
            "tasks.t",
            schedule(run_every=60),
            last_run_at=datetime(2025, 1, 15, 6, 59, 30, tzinfo=timezone(timedelta(hours=-5))),
        ),
        "tzinfo without a .key attribute -> utcoffset in SECONDS as a float",
    ),
    SaveCase(
        "last_run_at_datetime_timezone_utc",
        "schedule(run_every=60), last_run_at=datetime(2025,1,15,11,59,30,tzinfo=datetime.timezone.utc)",
        entry(
            "lra-tzutc",
            "tasks.t",
            schedule(run_every=60),
            last_run_at=datetime(2025, 1, 15, 11, 59, 30, tzinfo=timezone.utc),
        ),
        'datetime.timezone.utc has no .key -> "timezone": 0.0',
    ),
    SaveCase(
        "last_run_at_zoneinfo_micro",
        "schedule(run_every=60), last_run_at=datetime(2025,1,15,12,59,30,123456,tzinfo=ZoneInfo('Europe/Berlin'))",
        entry(
            "lra-berlin",
            "tasks.t",
            schedule(run_every=60),
            last_run_at=datetime(2025, 1, 15, 12, 59, 30, 123456, tzinfo=ZoneInfo("Europe/Berlin")),
        ),
        "wall-clock fields are LOCAL to the zone; zone name kept",
    ),
    SaveCase(
        "name_unicode_and_spaces",
        "RedBeatSchedulerEntry('job: ünïcode/1', 'tasks.t', schedule(run_every=60), kwargs={'text': 'été'}, app=app)",
        entry("job: ünïcode/1", "tasks.t", schedule(run_every=60), kwargs={"text": "été"}),
        "key is raw UTF-8; JSON uses \\uXXXX escapes (json.dumps ensure_ascii)",
    ),
    SaveCase(
        "name_integer",
        "RedBeatSchedulerEntry(123, 'tasks.t', schedule(run_every=60), app=app)",
        entry(123, "tasks.t", schedule(run_every=60)),
        "name is str()-ed",
    ),
]

SAVES_DB1 = [  # prefix 'custom', beat timezone New York
    SaveCase(
        "custom_prefix_ny_interval_5",
        "prefix 'custom', tz America/New_York: RedBeatSchedulerEntry('interval-5s', 'tasks.add', schedule(run_every=5), app=appb)",
        entry("interval-5s", "tasks.add", schedule(run_every=5)),
        "entry key = prefix + name with NO separator added; meta timezone is the app zone name",
    ),
    SaveCase(
        "custom_prefix_ny_crontab_0900",
        "prefix 'custom', tz America/New_York: crontab(minute=0, hour=9)",
        entry("cron-9am-ny", "tasks.cron", crontab(minute=0, hour=9)),
        "crontab JSON carries no zone: evaluated in the beat app timezone (09:00 NY = 14:00Z here)",
    ),
    SaveCase(
        "custom_prefix_ny_rrule_no_dtstart",
        "prefix 'custom', tz America/New_York: rrule('DAILY', byhour=[9], byminute=[0], bysecond=[0])",
        entry(
            "rrule-ny",
            "tasks.rr",
            lambda app: rrule("DAILY", byhour=[9], byminute=[0], bysecond=[0], app=app),
        ),
        "dtstart = now in app zone -> dtstart_tz -300.0",
    ),
]


# ----------------------------------------------------------------------------------------------------------
# startup / tick: the beat's beat_schedule, and when it ticks


BEAT_DB = 2
STATICS = {
    "static-every-10s": {"task": "tasks.ping", "schedule": 10.0, "args": (1,)},
    "static-cron-5min": {
        "task": "tasks.cron",
        "schedule": crontab(minute="*/5"),
        "options": {"queue": "beat"},
    },
    "static-to-remove": {"task": "tasks.old", "schedule": timedelta(hours=1)},
}
TICKS = [  # (seconds after T0, notes)
    (
        2,
        "nothing due yet; lock PTTL was set to 5000 ms before the tick and is reset to lock_timeout*1000 (replace, not add)",
    ),
    (6, None),
    (11, None),
    (60, None),
    (300, None),
]


# ----------------------------------------------------------------------------------------------------------
# external_writer: hashes a foreign writer left, which one tick of a lock-less beat then reads


EXTERNAL_DB = 3


def ext_definition(name: str, every: int = 5) -> str:
    return json.dumps(
        {
            "name": name,
            "task": "tasks.ext",
            "schedule": {"__type__": "interval", "every": every, "relative": False},
            "args": [1],
            "kwargs": {},
            "options": {},
            "enabled": True,
        }
    )


def wire_datetime(**fields: Any) -> dict[str, Any]:
    """A datetime as upstream's JSON encoder writes it (a field left out stays out)."""
    return {"__type__": "datetime", **fields}


def interval5(**definition: Any) -> str:
    return json.dumps({**definition, "schedule": {"__type__": "interval", "every": 5, "relative": False}})


@dataclass
class ExternalCase:
    case: str
    description: str
    hashes: dict[str, dict[str, str]]
    scores: dict[str, float]
    notes: str | None = None
    fails: bool = False


EXTERNAL = [
    ExternalCase(
        "external_definition_only_score_0",
        "HSET redbeat:ext definition=<json, every as int 5>; ZADD redbeat::schedule 0 redbeat:ext; no meta",
        {"redbeat:ext": {"definition": ext_definition("ext")}},
        {"redbeat:ext": 0},
        "never-run entry (no meta) is due immediately; run writes meta & new score",
    ),
    ExternalCase(
        "external_minimal_definition_crontab",
        "definition with only name/task/schedule (crontab with only minute); score = now",
        {
            "redbeat:min": {
                "definition": json.dumps(
                    {"name": "min", "task": "tasks.min", "schedule": {"__type__": "crontab", "minute": "*/5"}}
                )
            }
        },
        {"redbeat:min": T0.timestamp()},
        "args/kwargs/options/enabled are optional in the definition",
    ),
    ExternalCase(
        "external_interval_missing_relative",
        'interval schedule JSON without "relative"',
        {
            "redbeat:norel": {
                "definition": json.dumps(
                    {"name": "norel", "task": "t", "schedule": {"__type__": "interval", "every": 5}}
                )
            }
        },
        {"redbeat:norel": 0},
        'decoder indexes d["relative"] -> KeyError -> treated like a vanished hash: member removed from the zset, '
        "hash left behind",
    ),
    ExternalCase(
        "external_missing_hash",
        "zset member whose hash does not exist",
        {},
        {"redbeat:ghost": 0},
        "member removed with ZREM, logged",
    ),
    ExternalCase(
        "external_invalid_json",
        "definition is not valid JSON",
        {"redbeat:bad": {"definition": "{not json"}},
        {"redbeat:bad": 0},
        "json.JSONDecodeError escapes tick(): beat would crash",
        fails=True,
    ),
    ExternalCase(
        "external_meta_without_last_run_at",
        'meta = {"total_run_count": 3} (no last_run_at)',
        {
            "redbeat:nolra": {
                "meta": json.dumps({"total_run_count": 3}),
                "definition": ext_definition("nolra"),
            }
        },
        {"redbeat:nolra": 0},
        "from_key does meta['last_run_at'] -> KeyError -> dropped",
    ),
    ExternalCase(
        "external_meta_null_last_run_at",
        'meta = {"last_run_at": null, "total_run_count": 3}',
        {
            "redbeat:nulllra": {
                "meta": json.dumps({"last_run_at": None, "total_run_count": 3}),
                "definition": ext_definition("nulllra"),
            }
        },
        {"redbeat:nulllra": 0},
    ),
    ExternalCase(
        "external_unknown_definition_field",
        'definition has an extra top-level field "description"',
        {
            "redbeat:extra": {
                "definition": json.dumps(
                    {
                        "name": "extra",
                        "task": "t",
                        "description": "x",
                        "schedule": {"__type__": "interval", "every": 5, "relative": False},
                    }
                )
            }
        },
        {"redbeat:extra": 0},
        "unknown keyword to the entry constructor -> TypeError",
        fails=True,
    ),
    ExternalCase(
        "external_name_mismatch",
        'hash key redbeat:keyname but definition name "othername"',
        {"redbeat:keyname": {"definition": interval5(name="othername", task="t")}},
        {"redbeat:keyname": 0},
        "meta/score are written under prefix+definition.name, not under the key that was read",
    ),
    ExternalCase(
        "external_no_name",
        'definition without "name"',
        {"redbeat:noname": {"definition": interval5(task="t")}},
        {"redbeat:noname": 0},
        'name defaults to str(None) == "None"',
    ),
    ExternalCase(
        "external_unknown_schedule_type",
        'schedule {"__type__": "solar", ...}',
        {
            "redbeat:solar": {
                "definition": json.dumps(
                    {
                        "name": "solar",
                        "task": "t",
                        "schedule": {"__type__": "solar", "event": "sunset", "lat": 1.0, "lon": 2.0},
                    }
                )
            }
        },
        {"redbeat:solar": 0},
        fails=True,
    ),
    ExternalCase(
        "external_datetime_variants_in_meta",
        "meta last_run_at written with numeric-seconds timezone 3600 and no second/microsecond",
        {
            "redbeat:dtv": {
                "meta": json.dumps(
                    {
                        "last_run_at": wire_datetime(
                            year=2025, month=1, day=15, hour=12, minute=59, timezone=3600
                        )
                    }
                ),
                "definition": ext_definition("dtv"),
            }
        },
        {"redbeat:dtv": 0},
        "12:59+01:00 == T0-1min: interval 5s is overdue -> runs",
    ),
    ExternalCase(
        "external_disabled_due",
        "disabled entry with score in the past",
        {
            "redbeat:off": {
                "definition": json.dumps(
                    {
                        "name": "off",
                        "task": "t",
                        "enabled": False,
                        "schedule": {"__type__": "interval", "every": 60, "relative": False},
                    }
                )
            }
        },
        {"redbeat:off": 0},
        "not sent, not rescheduled, tick returns 5.0",
    ),
    ExternalCase(
        "external_negative_score",
        "entry with score -1 (exhausted)",
        {"redbeat:neg": {"definition": ext_definition("neg")}},
        {"redbeat:neg": -1},
        "never selected: ZRANGEBYSCORE starts at 0",
    ),
    ExternalCase(
        "external_future_score_peek",
        "single entry with score now+30 and meta last_run_at = now-? (interval 60)",
        {
            "redbeat:peek": {
                "meta": json.dumps(
                    {
                        "last_run_at": wire_datetime(
                            year=2025,
                            month=1,
                            day=15,
                            hour=11,
                            minute=59,
                            second=30,
                            microsecond=0,
                            timezone="UTC",
                        )
                    }
                ),
                "definition": ext_definition("peek", every=60),
            }
        },
        {"redbeat:peek": T0.timestamp() + 30},
        "peeked entry (not due) makes the tick return its remaining seconds",
    ),
]
