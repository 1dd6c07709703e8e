"""The `redbeat` operator command (`pip install "redbeat-sdk[cli]"`)."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .app import cli
        from .failures import run
    except ImportError as exc:  # click/rich/PyYAML are the [cli] extra
        raise SystemExit(
            f"redbeat: the command line needs the cli extra: pip install 'redbeat-sdk[cli]' ({exc})"
        ) from None
    sys.exit(run(cli))
