"""Read commands: list, show, next. Each has --json with the shape python/README.md documents."""

from __future__ import annotations

import fnmatch
from datetime import timedelta

import click
from rich.table import Table

from .. import arguments
from ..arguments import run_count
from ..datetimes import as_tzinfo
from ..errors import CorruptEntry
from . import describe, entryfile, output
from .failures import blame
from .flags import label_pairs
from .session import client_of, session_of

JSON_HELP = "Print JSON (shape: python/README.md, 'JSON output')."


def _report(problems: list[CorruptEntry]) -> None:
    for problem in problems:
        output.warn("skipped", f"{problem.key}: {problem.reason}")


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of entries.")
@click.option("--task", default=None, metavar="GLOB", help="Only tasks matching this glob.")
@click.option("--name", "name_glob", default=None, metavar="GLOB", help="Only names matching this glob.")
@click.option("--enabled/--disabled", "enabled", default=None, help="Only enabled (or disabled) entries.")
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="KEY=VALUE",
    help="Only entries with this label (repeatable: all of them); found through the label index.",
)
@click.pass_context
def list_(
    ctx: click.Context,
    as_json: bool,
    task: str | None,
    name_glob: str | None,
    enabled: bool | None,
    labels: tuple[str, ...],
) -> None:
    """Every entry, in schedule order."""
    wanted = label_pairs(labels) if labels else None
    if wanted is not None:
        with blame(labels="--label"):
            arguments.labels(wanted)
    client = client_of(ctx)
    problems: list[CorruptEntry] = []
    rows = [
        describe.row(e, client.keys.entry(e.name))
        for e in client.list(on_error=problems.append, labels=wanted)
        if (task is None or fnmatch.fnmatchcase(e.task, task))
        and (name_glob is None or fnmatch.fnmatchcase(e.name, name_glob))
        and (enabled is None or e.enabled == enabled)
    ]
    if as_json:
        output.echo_json(rows)
    else:
        table = Table("name", "task", "schedule", "next run", "last run", "runs", "enabled")
        for row in rows:
            table.add_row(
                row["name"],
                row["task"],
                row["schedule"],
                describe.when_iso(row["next_run"], client.timezone),
                describe.when_iso(row["last_run"], client.timezone),
                str(row["run_count"]),
                "yes" if row["enabled"] else "no",
            )
        output.out.print(table)
    _report(problems)


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def show(ctx: click.Context, name: str, as_json: bool) -> None:
    """One entry as an entry file (YAML that `add --file` takes back), its run state in comments."""
    client = client_of(ctx)
    entry = client.get(name)
    row = describe.row(entry, client.keys.entry(name))
    if as_json:
        output.echo_json({**row, "definition": entryfile.file_form(entry)})
        return
    tz = client.timezone
    click.echo(f"# {row['key']}: {row['schedule']}")
    click.echo(
        f"# next run: {describe.when(describe.next_run(entry), tz)}"
        + ("" if entry.enabled else " (disabled)")
    )
    click.echo(
        f"# last run: {describe.when(entry.last_run_at, tz)}, runs: {entry.total_run_count}, score: {entry.score}"
    )
    click.echo(entryfile.dump_yaml(entry), nl=False)


@click.command("next")
@click.argument("name")
@click.option("-n", "count", type=int, default=10, show_default=True, help="How many runs (0 or more).")
@click.option("--tz", default=None, help="Show (and match crontab fields) in this zone; default the beat's.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def next_(ctx: click.Context, name: str, count: int, tz: str | None, as_json: bool) -> None:
    """The next runs of an entry, as the beat would fire them."""
    with blame(n="-n", tz="--tz"):  # the SDK's checks, before Redis is asked
        run_count(count)
        zone = as_tzinfo(tz, "tz") if tz else None
    entry = client_of(ctx).get(name)
    runs = entry.next_runs(count, tz=zone)
    if not entry.enabled:
        output.warn("note:", f"{name} is disabled: it runs at these times only once enabled")
    if as_json:
        output.echo_json(
            {
                "name": name,
                "timezone": tz or session_of(ctx).target.timezone,
                "enabled": entry.enabled,
                "runs": [run.isoformat() for run in runs],
            }
        )
        return
    for run in runs:
        click.echo(run.isoformat())


@click.command("history")
@click.argument("name")
@click.option("-n", "count", type=int, default=None, help="At most this many runs (newest first).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def history(ctx: click.Context, name: str, count: int | None, as_json: bool) -> None:
    """The entry's recent runs, newest first, as redbeat-scheduler recorded them."""
    if count is not None:
        with blame(limit="-n"):
            arguments.positive_int(count, "limit")
    client = client_of(ctx)
    with blame(name="NAME"):
        records = client.history(name, count)
    rows = [
        {
            "due": r.due.isoformat() if r.due else None,
            "recorded": r.recorded.isoformat(),
            "task_id": r.task_id,
            "lateness_ms": None if r.lateness is None else r.lateness // timedelta(milliseconds=1),
            "beat": r.beat,
        }
        for r in records
    ]
    if as_json:
        output.echo_json({"name": name, "runs": rows})
        return
    if not rows:
        click.echo(f"no runs recorded for {name}")
        return
    table = Table("due", "recorded", "late", "task id", "beat")
    tz = client.timezone
    for r in records:
        late = "-" if r.lateness is None else f"{r.lateness.total_seconds():.3f}s"
        table.add_row(describe.when(r.due, tz), describe.when(r.recorded, tz), late, r.task_id, r.beat)
    output.out.print(table)
