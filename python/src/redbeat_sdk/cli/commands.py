"""The `redbeat` commands. Each one is a thin layer over RedBeatClient."""
from __future__ import annotations

import fnmatch
import json
import sys
from datetime import timedelta

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from .. import codec
from ..client import RedBeatClient
from ..datetimes import as_tzinfo
from ..entry import Entry
from ..errors import CorruptEntry, EntryNotFound, RedBeatError, ValidationError
from ..schedules import Crontab, Interval, RRule, schedule_from_wire
from . import config, describe, doctor, transfer

# piped output keeps whole rows on one line instead of wrapping at 80 columns
out = Console(width=None if sys.stdout.isatty() else 240)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 240)


class Context:
    def __init__(self, target: config.Target):
        self.target = target
        self.client = RedBeatClient.from_url(target.url, key_prefix=target.prefix, timezone=target.timezone,
                                             lock_key=target.lock_key)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    sys.exit(code)


class _Group(click.Group):
    """Typed SDK errors become one clear line and exit code 1, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EntryNotFound as exc:
            _fail(str(exc))
        except ValidationError as exc:
            _fail(f"invalid {exc.path or 'value'}: {exc.reason}")
        except RedBeatError as exc:
            _fail(str(exc))


@click.group(cls=_Group)
@click.version_option(package_name="redbeat-sdk", prog_name="redbeat")  # the installed distribution's version
@click.option("--url", envvar="REDBEAT_REDIS_URL", help="Redis URL (default: $REDBEAT_REDIS_URL).")
@click.option("--prefix", default=None, help="Key prefix (default: $REDBEAT_KEY_PREFIX or 'redbeat:').")
@click.option("--timezone", "timezone", default=None, help="The beat's Celery timezone (default: $REDBEAT_TIMEZONE or UTC).")
@click.option("--app", default=None, help="A Celery app (module:attr) whose redbeat_* and timezone settings to use.")
@click.pass_context
def cli(ctx: click.Context, url, prefix, timezone, app) -> None:
    """Inspect and manage a RedBeat schedule in Redis."""
    ctx.obj = Context(config.resolve(url, prefix, timezone, app))


def _client(ctx: click.Context) -> RedBeatClient:
    return ctx.obj.client


# -- reading -----------------------------------------------------------------------------------------


def _row(entry: Entry, tz) -> dict:
    runs = entry.next_runs(1, tz=tz) if entry.enabled else []
    return {"name": entry.name, "task": entry.task, "schedule": describe.schedule_words(entry.schedule),
            "next_run": runs[0].isoformat() if runs else None,
            "last_run": entry.last_run_at.isoformat() if entry.last_run_at else None,
            "run_count": entry.total_run_count, "enabled": entry.enabled, "score": entry.score}


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@click.option("--task", default=None, help="Only tasks matching this glob.")
@click.option("--name", "name_glob", default=None, help="Only names matching this glob.")
@click.option("--enabled/--disabled", "enabled", default=None, help="Only enabled (or disabled) entries.")
@click.pass_context
def list_(ctx, as_json, task, name_glob, enabled) -> None:
    """Every entry, in schedule order."""
    client = _client(ctx)
    problems: list[CorruptEntry] = []
    rows = [_row(e, client.timezone) for e in client.list(on_error=problems.append)
            if (task is None or fnmatch.fnmatchcase(e.task, task))
            and (name_glob is None or fnmatch.fnmatchcase(e.name, name_glob))
            and (enabled is None or e.enabled == enabled)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
    else:
        table = Table("name", "task", "schedule", "next run", "last run", "runs", "enabled")
        for row in rows:
            table.add_row(row["name"], row["task"], row["schedule"], _local(row["next_run"], client),
                          _local(row["last_run"], client), str(row["run_count"]), "yes" if row["enabled"] else "no")
        out.print(table)
    for problem in problems:
        err.print(f"[yellow]skipped[/yellow] {problem.key}: {problem.reason}", highlight=False)


def _local(iso: str | None, client: RedBeatClient) -> str:
    from datetime import datetime
    return describe.when(datetime.fromisoformat(iso) if iso else None, client.timezone)


@cli.command()
@click.argument("name")
@click.pass_context
def show(ctx, name) -> None:
    """One entry: its fields, run state and stored JSON."""
    client = _client(ctx)
    entry = client.get(name)
    key = client.keys.entry(name)
    fields = client.redis.hgetall(key)
    row = _row(entry, client.timezone)
    for label, value in [("key", key), *row.items(), ("args", entry.args), ("kwargs", entry.kwargs),
                         ("options", entry.options)]:
        out.print(f"[bold]{label}[/bold]: {value}", highlight=False)
    for field in ("definition", "meta"):
        out.print(f"[bold]{field} (stored)[/bold]: {fields.get(field)}", highlight=False)


@cli.command("next")
@click.argument("name")
@click.option("-n", "count", default=10, show_default=True, help="How many runs.")
@click.option("--tz", default=None, help="Show (and evaluate crontab) in this zone; default the beat's.")
@click.pass_context
def next_(ctx, name, count, tz) -> None:
    """The next runs of an entry, as the beat would fire them."""
    client = _client(ctx)
    zone = as_tzinfo(tz) if tz else client.timezone
    for run in client.get(name).next_runs(count, tz=zone):
        click.echo(run.astimezone(zone).isoformat())


# -- writing -----------------------------------------------------------------------------------------


def _schedule(every, relative, cron, rrule) -> Interval | Crontab | RRule | None:
    given = [x for x in (every, cron, rrule) if x is not None]
    if len(given) > 1:
        raise click.UsageError("give one of --every, --cron, --rrule")
    if every is not None:
        return Interval(every, relative=relative)
    if cron is not None:
        parts = cron.split()
        if len(parts) != 5:
            raise click.UsageError("--cron takes 5 fields: 'minute hour day_of_month month_of_year day_of_week'")
        minute, hour, dom, month, dow = parts
        return Crontab(minute=minute, hour=hour, day_of_month=dom, month_of_year=month, day_of_week=dow)
    if rrule is not None:
        return schedule_from_wire({"__type__": "rrule", **json.loads(rrule)})
    return None


def _json_option(value: str | None, label: str):
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint=label)


def _entries_from_file(path: str) -> list[Entry]:
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    if path.endswith((".yaml", ".yml")):
        import yaml
        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    entries = []
    for i, item in enumerate(items):
        try:
            entries.append(codec.entry_from_wire(item))
        except ValidationError as exc:
            raise ValidationError(f"[{i}].{exc.path}" if len(items) > 1 else exc.path, exc.reason) from None
    return entries


_SCHEDULE_OPTIONS = [
    click.option("--every", type=float, default=None, help="Interval in seconds."),
    click.option("--relative", is_flag=True, help="Round interval due times (Celery's relative)."),
    click.option("--cron", default=None, help="'minute hour day_of_month month_of_year day_of_week' (Celery semantics)."),
    click.option("--rrule", default=None, help='rrule fields as JSON, e.g. \'{"freq": "DAILY", "byhour": [9]}\'.'),
    click.option("--args", "args_json", default=None, help="Positional arguments as a JSON array."),
    click.option("--kwargs", "kwargs_json", default=None, help="Keyword arguments as a JSON object."),
    click.option("--options", "options_json", default=None, help="apply_async options as a JSON object."),
]


def _with_schedule_options(fn):
    for option in reversed(_SCHEDULE_OPTIONS):
        fn = option(fn)
    return fn


@cli.command()
@click.argument("name", required=False)
@click.option("--task", default=None)
@_with_schedule_options
@click.option("--disabled", is_flag=True, help="Save it disabled.")
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False), help="A JSON or YAML entry (or list).")
@click.pass_context
def add(ctx, name, task, every, relative, cron, rrule, args_json, kwargs_json, options_json, disabled, file_) -> None:
    """Add (or replace) an entry from flags or a file; validated before anything is written."""
    client = _client(ctx)
    if file_:
        entries = _entries_from_file(file_)
    else:
        schedule = _schedule(every, relative, cron, rrule)
        if not name or not task or schedule is None:
            raise click.UsageError("give NAME, --task and a schedule (--every, --cron or --rrule), or --file")
        entries = [Entry(name, task, schedule, args=_json_option(args_json, "--args"),
                         kwargs=_json_option(kwargs_json, "--kwargs") or {},
                         options=_json_option(options_json, "--options") or {}, enabled=not disabled)]
    for saved in client.save_many(entries):
        click.echo(f"saved {saved.name}: next run {describe.when(saved.next_runs(1)[0] if saved.score >= 0 else None, client.timezone)}")


@cli.command()
@click.argument("name")
@click.option("--task", default=None)
@_with_schedule_options
@click.pass_context
def edit(ctx, name, task, every, relative, cron, rrule, args_json, kwargs_json, options_json) -> None:
    """Change fields of an entry; its run state is kept."""
    client = _client(ctx)
    entry = client.get(name)
    schedule = _schedule(every, relative, cron, rrule) or entry.schedule
    changed = Entry(name, task or entry.task, schedule,
                    args=entry.args if args_json is None else _json_option(args_json, "--args"),
                    kwargs=entry.kwargs if kwargs_json is None else _json_option(kwargs_json, "--kwargs"),
                    options=entry.options if options_json is None else _json_option(options_json, "--options"),
                    enabled=entry.enabled)
    saved = client.save(changed)
    click.echo(f"saved {saved.name}: score {saved.score}")


@cli.command()
@click.argument("name")
@click.pass_context
def enable(ctx, name) -> None:
    """Enable an entry (re-scored from its last run)."""
    _client(ctx).enable(name)
    click.echo(f"enabled {name}")


@cli.command()
@click.argument("name")
@click.pass_context
def disable(ctx, name) -> None:
    """Disable an entry (only `enabled` changes)."""
    _client(ctx).disable(name)
    click.echo(f"disabled {name}")


@cli.command("run-now")
@click.argument("name")
@click.pass_context
def run_now(ctx, name) -> None:
    """Make an entry due at the next beat tick."""
    _client(ctx).run_now(name)
    click.echo(f"{name} runs at the next tick")


@cli.command()
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask.")
@click.pass_context
def delete(ctx, name, yes) -> None:
    """Delete an entry (hash and schedule member together)."""
    if not yes and not click.confirm(f"delete {name}?"):
        _fail("not deleted", 1)
    if not _client(ctx).delete(name):
        _fail(f"no entry {name!r}")
    click.echo(f"deleted {name}")


@cli.command("export")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="File (default stdout).")
@click.pass_context
def export_(ctx, output) -> None:
    """Every entry as JSON lines (definitions in wire form)."""
    client = _client(ctx)
    problems: list[CorruptEntry] = []
    for line in transfer.export_lines(client.list(on_error=problems.append)):
        output.write(line + "\n")
    for problem in problems:
        err.print(f"[yellow]skipped[/yellow] {problem.key}: {problem.reason}", highlight=False)


@cli.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.pass_context
def import_(ctx, source, dry_run) -> None:
    """Entries from JSON lines: every line is validated first; any bad line means nothing is written."""
    client = _client(ctx)
    entries, bad = transfer.parse_lines(source)
    for line in bad:
        err.print(f"line {line.number}: {line.reason}", highlight=False)
    if bad:
        _fail(f"{len(bad)} bad line(s); nothing written")
    if dry_run:
        click.echo(f"{len(entries)} entries valid; dry run, nothing written")
        return
    with Progress(console=err, transient=True, disable=len(entries) < 1000) as progress:
        task = progress.add_task("importing", total=len(entries))
        for start in range(0, len(entries), client.batch_size):
            batch = entries[start:start + client.batch_size]
            client.save_many(batch)
            progress.advance(task, len(batch))
    click.echo(f"imported {len(entries)} entries")


# -- operating ---------------------------------------------------------------------------------------


@cli.command()
@click.pass_context
def lock(ctx) -> None:
    """Who holds the beat lock, and for how long."""
    client = _client(ctx)
    key = client.keys.lock
    token, ttl_ms = client.redis.get(key), client.redis.pttl(key)
    if token is None:
        click.echo(f"{key}: free (no beat holds the lock)")
        return
    alive = "a beat is alive" if ttl_ms > 0 else "no expiry set: a beat may have died holding it"
    click.echo(f"{key}: held by {token}, expires in {timedelta(milliseconds=max(ttl_ms, 0))} ({alive})")


@cli.command("doctor")
@click.pass_context
def doctor_(ctx) -> None:
    """Find problems: eviction, missing or orphan hashes, corrupt entries, late scores, cluster slots."""
    client = _client(ctx)
    findings = doctor.diagnose(client)
    problems = [f for f in findings if f.problem]
    if findings:
        table = Table("check", "key", "finding")
        for f in findings:
            table.add_row(f.check if f.problem else f"{f.check} (note)", f.key, f.detail)
        out.print(table)
    click.echo(f"{len(problems)} problem(s) found" if problems else "no problems found")
    sys.exit(1 if problems else 0)
