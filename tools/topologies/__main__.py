"""`python -m topologies` (installed into the repository venv by `make venv`: runs from any folder).

    up KIND [--root DIR]     start KIND, print its JSON description on one line, then answer commands
                             read from stdin, one per line, each with one JSON line; stop everything at
                             end of input (or SIGTERM/SIGINT). For other languages' tests: close stdin
                             and the topology is gone, even when the test process dies.
    start KIND --root DIR    start KIND detached, print its JSON and keep it in DIR/topology.json
    stop --root DIR          stop what `start` left in DIR and remove DIR

KIND is single, cluster, sentinel or tls. Commands of `up`: `info`; `failover` (sentinel);
`stop NODE`, `stop-save NODE` (SHUTDOWN SAVE: the next `start` loads the data), `start NODE`,
`pause NODE`, `resume NODE` (SIGSTOP/SIGCONT: a black hole). Node names are in the JSON's "nodes".
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
from pathlib import Path

from . import KINDS, TopologyError
from .node import stop_pids


def _emit(value: dict) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def _command(topology, line: str) -> dict:
    words = line.split()
    verb, args = words[0], words[1:]
    if verb == "info":
        return topology.info()
    if verb == "failover":
        if not hasattr(topology, "failover"):
            raise TopologyError(f"{topology.kind} has no failover")
        return topology.failover()
    actions = {
        "stop": lambda n: n.stop(),
        "stop-save": lambda n: n.stop(save=True),
        "start": lambda n: n.start(),
        "pause": lambda n: n.pause(),
        "resume": lambda n: n.resume(),
    }
    if verb in actions and len(args) == 1:
        actions[verb](topology.node(args[0]))
        return topology.info()
    raise TopologyError(f"unknown command {line.strip()!r}")


def up(kind: str, root: str | None) -> int:
    topology = KINDS[kind](root)

    def terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        topology.start()
        _emit(topology.info())
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                _emit({"ok": True, "info": _command(topology, line)})
            except (TopologyError, OSError, ValueError) as exc:
                _emit({"ok": False, "error": str(exc)})
    except KeyboardInterrupt:
        pass
    except TopologyError as exc:
        print(f"topologies: {exc}", file=sys.stderr)
        return 1
    finally:
        topology.stop()
    return 0


def start(kind: str, root: str) -> int:
    topology = KINDS[kind](root, detached=True)
    try:
        topology.start()
    except TopologyError as exc:
        topology.stop()
        print(f"topologies: {exc}", file=sys.stderr)
        return 1
    info = topology.info()
    (Path(root) / "topology.json").write_text(json.dumps(info, indent=2) + "\n")
    _emit(info)
    return 0


def stop(root: str) -> int:
    path = Path(root) / "topology.json"
    if not path.exists():
        print(f"topologies: nothing started in {root} (no topology.json)", file=sys.stderr)
        return 1
    info = json.loads(path.read_text())
    stop_pids([node["pid"] for node in info["nodes"] if node.get("pid")])
    shutil.rmtree(root, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m topologies", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="action", required=True)
    for name in ("up", "start"):
        p = sub.add_parser(name)
        p.add_argument("kind", choices=sorted(KINDS))
        p.add_argument(
            "--root", required=name == "start", help="scratch folder (default: a new temporary one)"
        )
    sub.add_parser("stop").add_argument("--root", required=True)
    args = parser.parse_args(argv)
    if args.action == "up":
        return up(args.kind, args.root)
    if args.action == "start":
        return start(args.kind, args.root)
    return stop(args.root)


if __name__ == "__main__":
    sys.exit(main())
