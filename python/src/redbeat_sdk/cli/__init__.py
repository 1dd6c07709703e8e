"""The `redbeat` operator command (`pip install "redbeat-sdk[cli]"`)."""
from __future__ import annotations


def main() -> None:
    try:
        from .commands import cli
    except ImportError as exc:  # click/rich are the [cli] extra
        raise SystemExit(f"redbeat: the command line needs the cli extra: pip install 'redbeat-sdk[cli]' ({exc})")
    cli()
