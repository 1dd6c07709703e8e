"""Write commands: add, edit, enable, disable, run-now, delete. Everything is validated by the SDK
before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from ..client import RedBeatClient
from ..entry import Entry
from ..errors import ValidationError
from ..schedules import Interval
from . import describe, entryfile, flags
from .failures import BadValue, Failed, blame
from .session import client_of

FILE_HELP = (
    "An entry file: one entry or a list, YAML (JSON if it ends in .json; - is stdin). See python/README.md."
)


def _file_alone(values: dict[str, Any], extra: Sequence[str] = ()) -> None:
    others = [*extra, *flags.given(values)]
    if others:
        raise click.UsageError(f"--file holds the whole entry: drop {', '.join(others)}")


def _save_items(client: RedBeatClient, items: list[entryfile.Item]) -> list[Entry]:
    try:
        return client.save_many([item.entry for item in items])
    except ValidationError as exc:
        # the SDK names the failing entry by its index: name it by file, line and entry instead
        index, _, rest = exc.path.partition("]")
        raise items[int(index.lstrip("["))].error(exc, rest.lstrip(".")) from None


@click.command()
@click.argument("name", required=False)
@flags.with_entry_options
@click.option("--disabled", is_flag=True, help="Save it disabled.")
@click.option(
    "--file", "file_", type=click.Path(exists=True, dir_okay=False, allow_dash=True), help=FILE_HELP
)
@click.pass_context
def add(ctx: click.Context, /, name: str | None, disabled: bool, file_: str | None, **values: Any) -> None:
    """Add (or replace) an entry from flags or a file; validated before anything is written.

    A replaced entry keeps its run state (last run, run count)."""
    if file_:
        _file_alone(values, [label for label, on in (("NAME", name), ("--disabled", disabled)) if on])
        items = entryfile.load(file_)
        client = client_of(ctx)
        saved = _save_items(client, items)
    else:
        once = flags.one_off(values["at"], values["delete_after_run"])
        schedule = (
            flags.schedule(values["every"], values["relative"], values["cron"], values["rrule"], values["at"])
            or once
        )
        if name is None or values["task"] is None or schedule is None:
            raise click.UsageError(
                "give NAME, --task and a schedule (--every, --cron, --rrule or --at), or --file"
            )
        entry = flags.build(
            name,
            values["task"],
            schedule,
            flags.task_data(values["args_json"], values["kwargs_json"], values["options_json"]),
            not disabled,
            flags.extensions(values),
        )
        client = client_of(ctx)
        with blame(name="NAME"):
            saved = [client.save(entry)]
    for entry in saved:
        click.echo(describe.saved(entry, client.timezone))


@click.command()
@click.argument("name")
@flags.with_entry_options
@click.option(
    "--file",
    "file_",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    help="Replace the definition with this entry file's (one entry; its name may be left out).",
)
@click.pass_context
def edit(ctx: click.Context, /, name: str, file_: str | None, **values: Any) -> None:
    """Change fields of an existing entry; its run state is kept."""
    if file_:
        _file_alone(values)
        items = entryfile.load(file_, default_name=name)
        if len(items) != 1:
            raise BadValue(f"{file_}: edit takes one entry, the file holds {len(items)}")
        changed = items[0].entry
        if changed.name != name:
            raise BadValue(
                f"{items[0].where('name')}: name: {changed.name!r} is not {name!r} (to rename, add "
                f"the new entry and delete the old)"
            )
        client = client_of(ctx)
        client.get(name)  # edit changes an entry that exists
    else:
        if not flags.given(values):
            raise click.UsageError(
                "nothing to change: give --task, a schedule, --args, --kwargs, --options, an extension "
                "flag or --file"
            )
        relative_only = values["relative"] and values["every"] is None
        once = flags.one_off(values["at"], values["delete_after_run"])
        schedule = (
            None
            if relative_only
            else flags.schedule(
                values["every"], values["relative"], values["cron"], values["rrule"], values["at"]
            )
            or once
        )
        data = flags.task_data(values["args_json"], values["kwargs_json"], values["options_json"])
        client = client_of(ctx)
        entry = client.get(name)
        if relative_only:
            if not isinstance(entry.schedule, Interval):
                raise click.UsageError(f"--relative goes with --every ({name} is not an interval)")
            schedule = Interval(entry.schedule.every, relative=True)
        kept = {"args": entry.args, "kwargs": entry.kwargs, "options": entry.options}
        changed = flags.build(
            name,
            values["task"] or entry.task,
            schedule or entry.schedule,
            {**kept, **data},
            entry.enabled,
            flags.extensions(values, entry.extensions),
        )
    with blame(name="NAME"):
        saved = client.save(changed)
    click.echo(describe.saved(saved, client.timezone))


@click.command()
@click.argument("name")
@click.pass_context
def enable(ctx: click.Context, name: str) -> None:
    """Enable an entry (re-scored from its last run)."""
    client_of(ctx).enable(name)
    click.echo(f"enabled {name}")


@click.command()
@click.argument("name")
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Disable an entry (only `enabled` changes)."""
    client_of(ctx).disable(name)
    click.echo(f"disabled {name}")


@click.command("run-now")
@click.argument("name")
@click.pass_context
def run_now(ctx: click.Context, name: str) -> None:
    """Make an entry due at the next beat tick."""
    client_of(ctx).run_now(name)
    click.echo(f"{name} runs at the next tick")


@click.command()
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask.")
@click.pass_context
def delete(ctx: click.Context, name: str, yes: bool) -> None:
    """Delete an entry (hash and schedule member together)."""
    client = client_of(ctx)
    if not yes and not click.confirm(f"delete {name}?"):
        raise Failed("not deleted")
    if not client.delete(name):
        raise Failed(f"no entry {name!r} (key {client.keys.entry(name)!r})")
    click.echo(f"deleted {name}")
