"""How the CLI fails: one line on stderr naming what is wrong, and an exit status.

0 success; 1 a failed check (doctor), an unreachable Redis, a missing entry or stored data the SDK
cannot read; 2 a usage error: a bad flag, value, URL, time zone, --app or file. The SDK's typed errors
are the rules; this module only says which flag or file a ValidationError's path belongs to.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import click

from ..errors import ClusterConfigError, CorruptEntry, EntryNotFound, RedBeatError, ValidationError
from . import output

OK, FAILED, USAGE = 0, 1, 2


class BadValue(click.UsageError):
    """A value the SDK (or a parser) refused, already phrased as `FLAG: field: reason`."""


class Failed(click.ClickException):
    exit_code = FAILED


def _root(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def flag_message(exc: ValidationError, flags: dict[str, str], default: str | None = None) -> str:
    """`--kwargs: when: reason` from path `kwargs.when`, when `flags` maps the path's first field to a
    flag; `default` labels every other path (the fields of one --cron value)."""
    root = _root(exc.path)
    label, rest = (flags[root], exc.path[len(root) :].lstrip(".")) if root in flags else (default, exc.path)
    if label is None:
        return str(exc)
    return f"{label}: {rest}: {exc.reason}" if rest else f"{label}: {exc.reason}"


@contextlib.contextmanager
def blame(default: str | None = None, **flags: str) -> Iterator[None]:
    """Turn a ValidationError into a usage error naming the flag it came from."""
    try:
        yield
    except ValidationError as exc:
        raise BadValue(flag_message(exc, flags, default)) from None


def _click_message(exc: click.ClickException) -> str:
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        param = exc.param
        label = " / ".join(param.opts) if isinstance(param, click.Option) else param.human_readable_name
        return f"{label}: {exc.message}"
    if isinstance(exc, click.FileError):
        return f"{exc.ui_filename}: {exc.message}"
    message = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and not isinstance(exc, BadValue) and ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


def run(command: click.Command, args: list[str] | None = None) -> int:
    """Run the command group; every error a user can cause ends here as one line and a status."""
    try:
        status = command.main(args=args, prog_name="redbeat", standalone_mode=False)
        return status if isinstance(status, int) else OK
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()
        return USAGE
    except click.ClickException as exc:
        output.error(_click_message(exc))
        return USAGE if isinstance(exc, (click.UsageError, click.FileError)) else exc.exit_code
    except click.Abort:
        output.error("aborted")
        return FAILED
    except ValidationError as exc:  # a value no flag claims (data read from Redis and written back)
        output.error(str(exc))
        return USAGE
    except ClusterConfigError as exc:
        output.error(f"--prefix: {exc}")
        return USAGE
    except (EntryNotFound, CorruptEntry, RedBeatError) as exc:  # Redis's refusals come as RedBeatError
        output.error(str(exc))
        return FAILED
