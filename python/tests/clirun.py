"""Running the installed `redbeat` command as a user does: a subprocess, its exit status and output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REDBEAT = Path(sys.executable).with_name("redbeat")


def run(url, *args, input=None, prefix=None, env=None, cwd=None):
    """`redbeat [--prefix P] ARGS` with REDBEAT_REDIS_URL=url (unset when url is None)."""
    environ = {**os.environ, "REDBEAT_TIMEZONE": "UTC", "COLUMNS": "240"}
    for name in ("REDBEAT_KEY_PREFIX", "REDBEAT_REDIS_URL"):
        environ.pop(name, None)
    if url is not None:
        environ["REDBEAT_REDIS_URL"] = url
    environ.update(env or {})
    environ = {k: v for k, v in environ.items() if v is not None}
    cmd = [str(REDBEAT), *(["--prefix", prefix] if prefix else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, input=input, env=environ, cwd=cwd, timeout=120)


def refused(result, status: int, *words: str) -> str:
    """The run failed with `status` and one `error:` line on stderr holding every word; returns it."""
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]
