"""The `redbeat` command group: global options, --version, and the commands of the other modules."""

from __future__ import annotations

import click

from . import operating, reading, web, writing
from .session import Session

EPILOG = """Exit status: 0 done; 1 a problem found by doctor, Redis unreachable, or no such entry;
2 a usage error (a bad flag, value, time zone, URL, --app or file)."""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="redbeat-sdk", prog_name="redbeat", message="%(prog)s %(version)s")
@click.option(
    "--url",
    default=None,
    help="Redis URL (redis://, rediss://, unix://, redis-cluster://); default $REDBEAT_REDIS_URL.",
)
@click.option("--prefix", default=None, help="Key prefix; default $REDBEAT_KEY_PREFIX or 'redbeat:'.")
@click.option(
    "--timezone",
    default=None,
    help="The beat's Celery timezone (IANA name); default $REDBEAT_TIMEZONE or UTC.",
)
@click.option(
    "--app",
    default=None,
    metavar="MODULE[:ATTR]",
    help="A Celery app whose redbeat_* and timezone settings to use (flags still win).",
)
@click.pass_context
def cli(
    ctx: click.Context, url: str | None, prefix: str | None, timezone: str | None, app: str | None
) -> None:
    """Inspect and manage a RedBeat schedule in Redis."""
    # the client is made when a command first needs it, so --help and bad flags need no Redis
    ctx.obj = Session({"url": url, "prefix": prefix, "timezone": timezone}, app)


for command in (
    reading.list_,
    reading.show,
    reading.next_,
    reading.history,
    writing.add,
    writing.edit,
    writing.enable,
    writing.disable,
    writing.run_now,
    writing.delete,
    operating.export_,
    operating.import_,
    operating.lock,
    operating.doctor_,
    web.web,
):
    cli.add_command(command)
