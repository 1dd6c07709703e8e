"""`redbeat import --from-django-celery-beat DSN` and `redbeat import --from-app MODULE[:ATTR]`: schedules
kept elsewhere, checked row by row, then written all at once (or nothing, unless --skip-bad)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

import click
from rich.progress import Progress
from rich.table import Table

from .. import codec, operations
from ..client import RedBeatClient
from ..datetimes import as_tzinfo
from ..entry import Entry
from ..errors import CorruptEntry
from ..migrate import celery_app, django_beat
from ..migrate.candidates import Candidate
from ..migrate.database import DatabaseError, read_tasks
from ..migrate.plan import CREATE, REFUSED, REPLACE, Planned, check_pattern, plan
from . import config, describe, output
from .failures import BadValue, blame
from .session import Session, session_of

PROGRESS_FROM = 500  # entries: a smaller import is over before a bar would help


@dataclass
class Source:
    label: str  # for messages: "django-celery-beat at sqlite:///db.sqlite3", "beat_schedule of proj:app"
    candidates: list[Candidate]
    # the beat_schedule names of each Celery app whose beat may run this schedule
    static_configs: dict[str, set[str]] = field(default_factory=dict)
    # beat_schedule items start from the run state of the static entry of the same name, if any
    carry_static_state: bool = False


def from_database(ctx: click.Context, dsn: str, db_timezone: str | None) -> Source:
    session = session_of(ctx)
    client = session.client
    with blame(db_timezone="--db-timezone"):
        db_tz = as_tzinfo(db_timezone or "UTC", "db_timezone")
    try:
        rows = read_tasks(dsn)
    except DatabaseError as exc:
        raise BadValue(f"--from-django-celery-beat: {exc}") from None
    found = django_beat.candidates(rows, session.target.timezone, db_tz, client.now())
    return Source(f"django-celery-beat at {dsn_shown(dsn)}", list(found), _beat_configs(session))


def dsn_shown(dsn: str) -> str:
    from ..migrate.database import parse_dsn

    try:
        return parse_dsn(dsn).shown
    except DatabaseError:
        return dsn


def from_app(ctx: click.Context, spec: str) -> Source:
    session = session_of(ctx)
    app = config.import_app(spec, "--from-app")
    try:
        found = list(celery_app.candidates(app, session.target.timezone))
        names = set(celery_app.beat_schedule(app))
    except Exception as exc:  # the app's configuration is loaded lazily: a broken one fails here
        raise BadValue(
            f"--from-app {spec!r}: reading beat_schedule failed: {type(exc).__name__}: {exc}"
        ) from None
    configs = {**_beat_configs(session), spec: names}
    return Source(f"beat_schedule of {spec}", found, configs, carry_static_state=True)


def _beat_configs(session: Session) -> dict[str, set[str]]:
    """The global --app's beat_schedule names: that app's beat owns them."""
    if not session.app:
        return {}
    app = config.import_app(session.app, "--app")
    return {session.app: set(celery_app.beat_schedule(app))}


def run(ctx: click.Context, source: Source, rename: str | None, dry_run: bool, skip_bad: bool) -> None:
    client = session_of(ctx).client
    if rename is not None:
        try:
            check_pattern(rename)
        except ValueError as exc:
            raise BadValue(f"--rename: {exc}") from None
    if not source.candidates:
        click.echo(f"nothing to import: {source.label} has no entries")
        return
    candidates = source.candidates
    if source.carry_static_state:
        candidates = _with_static_state(client, candidates)
    final = [c.name if rename is None else rename.replace("{name}", c.name) for c in candidates]
    planned = plan(
        candidates,
        rename,
        client.keys,
        client.store.statics(),
        source.static_configs,
        _existing(client, final),
    )
    refused = [p for p in planned if p.action == REFUSED]
    writes = [p for p in planned if p.action != REFUSED]
    for p in refused:
        output.warn("refused", f"{p.candidate.label}: {p.problem}")
    if dry_run:
        _entry_table(writes, client.timezone)
    blocked = bool(refused) and not skip_bad
    written = False
    if not dry_run and not blocked:
        _write(client, [p.entry for p in writes if p.entry is not None])
        written = True
    _summary(planned, written, dry_run)
    if blocked:
        raise BadValue(
            f"{source.label}: {len(refused)} of {len(planned)} cannot be imported; nothing "
            f"{'would be ' if dry_run else ''}written (--skip-bad imports the others)"
        )
    verb = "would import" if dry_run else "imported"
    skipped = f"; {len(refused)} refused, skipped" if refused else ""
    new = sum(p.action == CREATE for p in writes)
    noun = "entry" if len(writes) == 1 else "entries"
    click.echo(f"{verb} {len(writes)} {noun} ({new} new, {len(writes) - new} replaced){skipped}")


def _with_static_state(client: RedBeatClient, candidates: list[Candidate]) -> list[Candidate]:
    """beat_schedule items carry on from their static entry's run state (a run count, the last run),
    else start as a first save does: last run now."""
    now = client.now()
    keys = [client.keys.entry(c.name) for c in candidates]
    stored = client.store.drive(operations.load_keys(client.keys, keys, client.batch_size))
    out = []
    for c, row in zip(candidates, stored, strict=True):
        if c.entry is None:
            out.append(c)
            continue
        last: datetime | None = now
        count = 0
        if row.definition and row.meta:
            try:
                last, count = codec.decode_meta(row.key, row.meta)
            except CorruptEntry:
                last, count = now, 0
        entry = dataclasses.replace(c.entry, last_run_at=last, total_run_count=count)
        out.append(dataclasses.replace(c, entry=entry))
    return out


def _existing(client: RedBeatClient, names: list[str]) -> set[str]:
    keys = [client.keys.entry(n) for n in names]
    stored = client.store.drive(operations.load_keys(client.keys, keys, client.batch_size))
    return {name for name, row in zip(names, stored, strict=True) if row.definition}


def _write(client: RedBeatClient, entries: list[Entry]) -> None:
    with Progress(
        console=output.err_console(), transient=True, disable=len(entries) < PROGRESS_FROM
    ) as progress:
        task = progress.add_task("importing", total=len(entries))
        for start in range(0, len(entries), client.batch_size):
            batch = entries[start : start + client.batch_size]
            client.save_many(batch, run_state=True)
            progress.advance(task, len(batch))


def _entry_table(writes: list[Planned], tz: tzinfo) -> None:
    table = Table(
        "name",
        "from",
        "task",
        "schedule",
        "zone, window",
        "enabled",
        "last run",
        "runs",
        "action",
        title="would write",
    )
    for p in writes:
        entry = p.entry
        assert entry is not None
        table.add_row(
            p.name,
            p.candidate.source,
            entry.task,
            describe.schedule_words(entry.schedule),
            describe.extension_words(entry.extensions, tz),
            "yes" if entry.enabled else "no",
            describe.when(entry.last_run_at, tz) if entry.last_run_at else "never (due at once)",
            str(entry.total_run_count),
            "replace (its run state kept)" if p.action == REPLACE else "create",
        )
    output.out.print(table)


def _summary(planned: list[Planned], written: bool, dry_run: bool) -> None:
    by_kind: dict[str, Counter[str]] = {}
    for p in planned:
        by_kind.setdefault(p.candidate.kind, Counter())[p.action] += 1
    if dry_run:
        heads, title = ("would create", "would replace", "refused"), "dry run: nothing written"
    elif written:
        heads, title = ("created", "replaced", "refused"), "import"
    else:
        heads, title = ("created", "replaced", "refused"), "import: nothing written"
    table = Table("schedule", "rows", *heads, title=title)
    total: Counter[str] = Counter()
    for kind in sorted(by_kind):
        counts = by_kind[kind]
        total.update(counts)
        shown = [counts[CREATE], counts[REPLACE]] if written or dry_run else [0, 0]
        table.add_row(kind, str(sum(counts.values())), *map(str, shown), str(counts[REFUSED]))
    shown_total = [total[CREATE], total[REPLACE]] if written or dry_run else [0, 0]
    table.add_row(
        "total", str(sum(total.values())), *map(str, shown_total), str(total[REFUSED]), style="bold"
    )
    output.out.print(table)
