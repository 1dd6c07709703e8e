"""django-celery-beat's tables, read straight from the database: no Django, no models.

The only module of the SDK that talks to a SQL database: PostgreSQL through psycopg (the `[postgres]`
extra), SQLite through the standard library's sqlite3, opened read-only. Each periodic task comes out as
one `TaskRow`, its schedule row joined, its values as the database holds them (timestamps aware where
the column carries an offset, naive where it does not: `--db-timezone` places those).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import RedBeatError

TASKS = "django_celery_beat_periodictask"
# table -> (alias, columns read); a column a table does not have (an older django-celery-beat) reads as NULL
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    TASKS: (
        "t",
        (
            "id",
            "name",
            "task",
            "args",
            "kwargs",
            "queue",
            "exchange",
            "routing_key",
            "priority",
            "headers",
            "expires",
            "expire_seconds",
            "one_off",
            "start_time",
            "enabled",
            "last_run_at",
            "total_run_count",
            "date_changed",
            "description",
            "interval_id",
            "crontab_id",
            "solar_id",
            "clocked_id",
        ),
    ),
    "django_celery_beat_intervalschedule": ("i", ("every", "period")),
    "django_celery_beat_crontabschedule": (
        "c",
        ("minute", "hour", "day_of_week", "day_of_month", "month_of_year", "timezone"),
    ),
    "django_celery_beat_solarschedule": ("s", ("event", "latitude", "longitude")),
    "django_celery_beat_clockedschedule": ("k", ("clocked_time",)),
}
JOINS = {"i": "interval_id", "c": "crontab_id", "s": "solar_id", "k": "clocked_id"}
# what a joined column is called in TaskRow (`c.timezone` is the crontab's zone)
RENAMED = {("c", "timezone"): "crontab_timezone", ("s", "event"): "solar_event"}


class DatabaseError(RedBeatError):
    """The DSN cannot be opened or does not hold django-celery-beat's tables (one line, no password)."""


@dataclass(frozen=True)
class TaskRow:
    """One row of django_celery_beat_periodictask with the columns of its schedule row."""

    id: Any = None
    name: Any = None
    task: Any = None
    args: Any = None
    kwargs: Any = None
    queue: Any = None
    exchange: Any = None
    routing_key: Any = None
    priority: Any = None
    headers: Any = None
    expires: Any = None
    expire_seconds: Any = None
    one_off: Any = None
    start_time: Any = None
    enabled: Any = None
    last_run_at: Any = None
    total_run_count: Any = None
    date_changed: Any = None
    description: Any = None
    interval_id: Any = None
    every: Any = None
    period: Any = None
    crontab_id: Any = None
    minute: Any = None
    hour: Any = None
    day_of_week: Any = None
    day_of_month: Any = None
    month_of_year: Any = None
    crontab_timezone: Any = None
    solar_id: Any = None
    solar_event: Any = None
    latitude: Any = None
    longitude: Any = None
    clocked_id: Any = None
    clocked_time: Any = None


_ROW_FIELDS = {f.name for f in fields(TaskRow)}


@dataclass(frozen=True)
class Dsn:
    kind: str  # "postgresql" or "sqlite"
    target: str  # a libpq URL, or a file path
    shown: str  # for messages: the password masked


def parse_dsn(dsn: str) -> Dsn:
    """`postgresql://user:password@host:port/db` (or `postgres://`), `sqlite:///relative.db`,
    `sqlite:////absolute/path.db`, or the path of an existing SQLite file."""
    if not isinstance(dsn, str) or not dsn.strip():
        raise DatabaseError("no DSN: give postgresql://user@host/db or sqlite:///path/to/db.sqlite3")
    scheme = dsn.split("://", 1)[0].lower() if "://" in dsn else ""
    if scheme in ("postgresql", "postgres"):
        return Dsn("postgresql", dsn, _masked(dsn))
    if scheme == "sqlite":
        path = dsn.split("://", 1)[1]
        path = path[1:] if path.startswith("/") else path  # sqlite:///x.db is x.db, sqlite:////x.db is /x.db
        if not path:
            raise DatabaseError(
                f"{dsn!r}: no file: give sqlite:///relative.db or sqlite:////absolute/path.db"
            )
        return Dsn("sqlite", path, dsn)
    if scheme:
        raise DatabaseError(
            f"{_masked(dsn)!r}: unsupported database {scheme!r}; PostgreSQL (postgresql://...) and SQLite "
            "(sqlite:///path) are read"
        )
    if Path(dsn).is_file():
        return Dsn("sqlite", dsn, dsn)
    raise DatabaseError(
        f"{dsn!r} is neither a DSN (postgresql://user@host/db, sqlite:///path) nor an existing SQLite file"
    )


def _masked(url: str) -> str:
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return re.sub(r":[^:@/]*@", ":***@", url)


def read_tasks(dsn: str) -> list[TaskRow]:
    """Every periodic task with its schedule row, in id order."""
    where = parse_dsn(dsn)
    if where.kind == "sqlite":
        return _read_sqlite(where)
    return _read_postgres(where)


def _select(columns_of: dict[str, set[str]]) -> str:
    """One SELECT joining each schedule table the database has; absent columns are selected as NULL."""
    items = []
    for table, (alias, columns) in TABLES.items():
        present = columns_of.get(table, set())
        for column in columns:
            label = RENAMED.get((alias, column), column)
            items.append(f"{alias}.{column} AS {label}" if column in present else f"NULL AS {label}")
    sql = f"SELECT {', '.join(items)} FROM {TASKS} t"
    for table, (alias, _) in list(TABLES.items())[1:]:
        foreign = JOINS[alias]
        if table in columns_of and foreign in columns_of[TASKS]:
            sql += f" LEFT JOIN {table} {alias} ON {alias}.id = t.{foreign}"
    return sql + " ORDER BY t.id"


def _missing_tasks_table(where: Dsn) -> DatabaseError:
    return DatabaseError(
        f"{where.shown}: no {TASKS} table: is this the Django project's database, migrated with "
        "django-celery-beat (manage.py migrate django_celery_beat)?"
    )


def _rows(cursor_rows: Iterator[Any], names: list[str]) -> list[TaskRow]:
    return [
        TaskRow(**{n: v for n, v in zip(names, row, strict=True) if n in _ROW_FIELDS}) for row in cursor_rows
    ]


def _read_sqlite(where: Dsn) -> list[TaskRow]:
    path = Path(where.target)
    if not path.is_file():
        raise DatabaseError(f"{where.shown}: no such file {str(path)!r}")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{where.shown}: cannot open: {exc}") from None
    try:
        columns_of = {}
        for table in TABLES:
            info = connection.execute(f"PRAGMA table_info({table})").fetchall()
            if info:
                columns_of[table] = {row[1] for row in info}
        if TASKS not in columns_of:
            raise _missing_tasks_table(where)
        cursor = connection.execute(_select(columns_of))
        return _rows(cursor, [d[0] for d in cursor.description])
    except sqlite3.DatabaseError as exc:  # not a database file, a locked or corrupt one
        raise DatabaseError(f"{where.shown}: {exc}") from None
    finally:
        connection.close()


def _read_postgres(where: Dsn) -> list[TaskRow]:
    try:
        import psycopg
    except ImportError:
        raise DatabaseError("reading PostgreSQL needs psycopg: pip install 'redbeat-sdk[postgres]'") from None
    try:
        with psycopg.connect(where.target, connect_timeout=10, autocommit=False) as connection:
            connection.read_only = True
            rows = connection.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = ANY(current_schemas(false)) AND table_name = ANY(%s)",
                [list(TABLES)],
            ).fetchall()
            columns_of: dict[str, set[str]] = {}
            for table, column in rows:
                columns_of.setdefault(table, set()).add(column)
            if TASKS not in columns_of:
                raise _missing_tasks_table(where)
            cursor = connection.execute(_select(columns_of))
            names = [d.name for d in cursor.description or ()]
            return _rows(iter(cursor.fetchall()), names)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(f"{where.shown}: {first}") from None


def is_naive(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None
