"""Where the CLI writes: tables through rich, everything else as plain lines (never wrapped)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console

# piped output keeps whole rows on one line instead of wrapping at 80 columns
out = Console(width=None if sys.stdout.isatty() else 240)


def err_console() -> Console:
    return Console(stderr=True)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False))


def warn(label: str, message: str) -> None:
    click.echo(f"{click.style(label, fg='yellow')} {message}", err=True)


def error(message: str) -> None:
    # click.echo drops the colour when stderr is not a terminal
    click.echo(f"{click.style('error:', fg='red')} {message}", err=True)
