"""What both vector generators share: a pinned time-zone database, frozen Celery apps, versions, output.

Generators *run* Celery and celery-redbeat to observe what they do; nothing here is imported by the SDKs.
"""

from __future__ import annotations

import json
import sys
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

# Use only the `tzdata` package's database, never the machine's /usr/share/zoneinfo: the output must not
# depend on which tzdata release the OS happens to carry. Done before Celery creates any ZoneInfo.
zoneinfo.reset_tzpath(to=())

import tzdata  # noqa: E402
from celery import Celery  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def versions(*distributions: str) -> dict[str, str]:
    """Installed versions of the named distributions, plus the time-zone database and Python."""
    found = {name: metadata.version(name) for name in distributions}
    found["tzdata"] = tzdata.IANA_VERSION
    found["python"] = "{}.{}".format(*sys.version_info[:2])
    return found


@cache
def celery_app(timezone: str) -> Celery:
    """A Celery app whose `timezone` setting is `timezone` (the beat's zone), with UTC enabled."""
    app = Celery(f"vectors-{timezone}", set_as_current=False)
    app.conf.timezone = timezone
    app.conf.enable_utc = True
    return app


def bind(schedule: Any, app: Celery, now: Callable[[], datetime]) -> Any:
    """Attach `app` and a frozen clock to a schedule that RedBeat's decoder built without either."""
    schedule.app = app
    schedule.nowfun = now
    # `tz` is a cached property read from the app: drop any value cached before the app was attached.
    schedule.__dict__.pop("tz", None)
    return schedule


def write_json(path: Path, header: dict[str, Any], cases: Iterable[dict[str, Any]]) -> int:
    """Write `header` plus `"cases"`, one case per line: stable bytes, readable diffs. Returns the count.

    With `--check` on the command line nothing is written: a file that would change is reported and the
    process exits 1 at the end (see `finish`).
    """
    lines = [json.dumps(case, ensure_ascii=False, separators=(", ", ": ")) for case in cases]
    head = json.dumps(header, ensure_ascii=False, indent=2)
    assert head.endswith("\n}")
    body = ",\n    ".join(lines)
    text = head[:-2] + ',\n  "cases": [\n    ' + body + "\n  ]\n}\n"
    json.loads(text)  # the hand-assembled document must still be JSON
    if CHECK:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            DRIFT.append(path)
        return len(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return len(lines)


CHECK = "--check" in sys.argv[1:]
DRIFT: list[Path] = []


def finish() -> None:
    """End a `--check` run: exit 1 when a committed file differs from what the generator makes."""
    for path in DRIFT:
        print(f"out of date: {path.relative_to(REPO)} (regenerate it)", file=sys.stderr)
    if DRIFT:
        sys.exit(1)
