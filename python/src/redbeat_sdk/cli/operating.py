"""Operating commands: lock, doctor, export, import (JSON lines here; other sources in migrating.py)."""

from __future__ import annotations

from typing import IO

import click
from rich.progress import Progress
from rich.table import Table

from ..errors import CorruptEntry
from ..lock_token import parse_token
from . import doctor as diagnosis
from . import entryfile, migrating, output, transfer
from .failures import FAILED, BadValue
from .reading import JSON_HELP
from .session import client_of


@click.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def lock(ctx: click.Context, as_json: bool) -> None:
    """Who holds the beat lock, and for how long."""
    client = client_of(ctx)
    key = client.keys.lock
    token, ttl_ms = client.store.lock()
    expires = token is not None and ttl_ms > 0
    holder = None if token is None else parse_token(token)
    if as_json:
        output.echo_json(
            {
                "key": key,
                "held": token is not None,
                "holder": token,
                "ttl_ms": ttl_ms if expires else None,
                "holder_kind": holder and holder.kind,
                "host": holder and holder.host,
                "pid": holder and holder.pid,
            }
        )
    elif holder is None:
        click.echo(f"{key}: free (no beat holds the lock)")
    elif expires:
        # a beat killed with SIGKILL leaves its lock until it expires: a TTL says nothing of being alive
        click.echo(
            f"{key}: held by {holder.describe()} (token {token}), expires in "
            f"{ttl_ms / 1000:.1f}s unless its beat extends it"
        )
    else:
        click.echo(
            f"{key}: held by {holder.describe()} (token {token}), no expiry set: it stays until deleted"
        )


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option(
    "--fix",
    is_flag=True,
    help="Remove the history lists and label index members that deleted entries left behind.",
)
@click.pass_context
def doctor_(ctx: click.Context, as_json: bool, fix: bool) -> None:
    """Find problems: eviction, missing or orphan hashes, corrupt entries, late scores, cluster slots,
    extensions an upstream beat ignores, left-overs of deleted entries. Exit status 1 when there is a
    problem."""
    findings = diagnosis.diagnose(client_of(ctx), fix)
    problems = [f for f in findings if f.problem]
    if as_json:
        output.echo_json(
            {
                "problems": len(problems),
                "findings": [
                    {"check": f.check, "key": f.key, "detail": f.detail, "problem": f.problem}
                    for f in findings
                ],
            }
        )
    else:
        if findings:
            table = Table("check", "key", "finding")
            for f in findings:
                table.add_row(f.check if f.problem else f"{f.check} (note)", f.key, f.detail)
            output.out.print(table)
        click.echo(f"{len(problems)} problem(s) found" if problems else "no problems found")
    ctx.exit(FAILED if problems else 0)


@click.command("export")
@click.option(
    "-o",
    "--output",
    "target",
    type=click.File("w", encoding="utf-8", lazy=False),
    default="-",
    help="File (default stdout).",
)
@click.pass_context
def export_(ctx: click.Context, target: IO[str]) -> None:
    """Every entry as JSON lines: one definition per line, the entry file format."""
    client = client_of(ctx)
    problems: list[CorruptEntry] = []
    for line in transfer.export_lines(client.list(on_error=problems.append)):
        target.write(line + "\n")
    for problem in problems:
        output.warn("skipped", f"{problem.key}: {problem.reason}")


@click.command("import")
@click.argument("source", required=False, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--from-django-celery-beat",
    "dsn",
    default=None,
    metavar="DSN",
    help="Read django-celery-beat's tables: postgresql://user@host/db, sqlite:///path/db.sqlite3 (no Django needed).",
)
@click.option(
    "--from-app",
    default=None,
    metavar="MODULE[:ATTR]",
    help="Import a Celery app's beat_schedule as dynamic entries.",
)
@click.option(
    "--db-timezone",
    default=None,
    metavar="ZONE",
    help="With --from-django-celery-beat: the zone of timestamps stored without an offset "
    "(Django's TIME_ZONE when USE_TZ=False; default UTC).",
)
@click.option(
    "--rename",
    default=None,
    metavar="PATTERN",
    help="Name each entry by PATTERN, such as 'dyn-{name}' (names a beat's static sync owns are refused).",
)
@click.option("--skip-bad", is_flag=True, help="Import what can be imported; report the rest.")
@click.option("--dry-run", is_flag=True, help="Check and show what would be written; write nothing.")
@click.pass_context
def import_(
    ctx: click.Context,
    source: str | None,
    dsn: str | None,
    from_app: str | None,
    db_timezone: str | None,
    rename: str | None,
    skip_bad: bool,
    dry_run: bool,
) -> None:
    """Entries from JSON lines (FILE), django-celery-beat's database or a Celery app's beat_schedule.
    Everything is checked first; anything that cannot be imported means nothing is written (unless
    --skip-bad)."""
    given = [
        label
        for label, value in (("FILE", source), ("--from-django-celery-beat", dsn), ("--from-app", from_app))
        if value is not None
    ]
    if len(given) != 1:
        chosen = f"not {' and '.join(given)}" if given else "none given"
        raise click.UsageError(
            f"give one source: FILE, --from-django-celery-beat DSN or --from-app MODULE:ATTR ({chosen})"
        )
    if db_timezone is not None and dsn is None:
        raise click.UsageError("--db-timezone goes with --from-django-celery-beat")
    if source is not None:
        for flag, value in (("--rename", rename), ("--skip-bad", skip_bad or None)):
            if value is not None:
                raise click.UsageError(f"{flag} goes with --from-django-celery-beat or --from-app")
        _import_lines(ctx, source, dry_run)
        return
    found = migrating.from_database(ctx, dsn, db_timezone) if dsn is not None else None
    if found is None:
        assert from_app is not None
        found = migrating.from_app(ctx, from_app)
    migrating.run(ctx, found, rename, dry_run, skip_bad)


def _import_lines(ctx: click.Context, source: str, dry_run: bool) -> None:
    client = client_of(ctx)
    entries, bad = transfer.parse_lines(entryfile.read_text(source), client.keys)
    for line in bad:
        click.echo(f"{source}:{line.number}: {line.reason}", err=True)
    if bad:
        raise BadValue(f"{source}: {len(bad)} bad line(s); nothing written")
    if dry_run:
        click.echo(f"{len(entries)} entries valid; dry run, nothing written")
        return
    with Progress(console=output.err_console(), transient=True, disable=len(entries) < 1000) as progress:
        task = progress.add_task("importing", total=len(entries))
        for start in range(0, len(entries), client.batch_size):
            batch = entries[start : start + client.batch_size]
            client.save_many(batch)
            progress.advance(task, len(batch))
    click.echo(f"imported {len(entries)} entries")
