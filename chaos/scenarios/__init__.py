"""The chaos scenarios (README.md): each one runs real processes on loopback and returns an `Outcome`."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# tools/: beatprocs (celery beat processes, the broker drain) and topologies (Redis servers)
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))
