"""`make chaos`: every scenario on real processes, one table; `--short` is what `make test` runs.

    python run.py [--short] [--only NAME ...] [--seed N] [--json PATH [--merge]] [--readme PATH [--merge]]

`--readme` rewrites the chaos section of that file (scheduler/README.md) with the table, the date and the
machine; with `--merge` (and no `--json`) only the rows of the scenarios that ran, the others kept. Exits 1
when any outcome failed (a scenario that awaits another issue says so in the table).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scenarios import broker_outage, kills, load, pauses, restart
from scenarios.hostile import scenario as hostile
from scenarios.outcome import Outcome
from scenarios.report import details, table, write_readme

# name -> (function, full parameters, short parameters)
SCENARIOS: dict[str, tuple[Callable[..., Outcome], dict[str, Any], dict[str, Any]]] = {
    "kills": (kills.run, dict(kills=100, entries=40, beats=3), dict(kills=2, entries=5, beats=3)),
    "pauses": (pauses.run, dict(pauses=10, entries=40), dict(pauses=1, entries=5)),
    "restart": (restart.run, dict(outage=30.0, entries=40), dict(outage=3.0, entries=5)),
    "broker": (broker_outage.run, dict(outage=30.0, entries=5), dict(outage=3.0, entries=3)),
    "hostile": (
        hostile.run,
        dict(mutants=10_000, good=1_000),
        dict(mutants=200, good=20, rebuild=False, seed=20261207),
    ),
    "load": (
        load.run,
        dict(entries=100_000, writes_per_second=1000, duration=120.0, period=200),
        dict(entries=2_000, writes_per_second=100, duration=8.0, period=20, warm_up=3.0),
    ),
}
SEEDED = {"kills", "pauses", "hostile", "load"}
# make test's hostile corpus is a fixed one (a known seed), so that `make test` checks the same entries every
# time; `make chaos` draws a new corpus on every run and prints its seed.


def run(names: list[str], short: bool, seed: int | None = None) -> list[Outcome]:
    outcomes = []
    for name in names:
        function, full, brief = SCENARIOS[name]
        params = dict(brief if short else full)
        if seed is not None and name in SEEDED:
            params["seed"] = seed
        started = time.monotonic()
        print(f"=== chaos {name} {'(short) ' if short else ''}...", flush=True)
        outcome = function(**params)
        outcome.figures["run time"] = f"{time.monotonic() - started:.0f} s"
        print(f"=== chaos {name}: {outcome.verdict()}", flush=True)
        outcomes.append(outcome)
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the short variants (make test)")
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), default=list(SCENARIOS))
    parser.add_argument("--seed", type=int, help="replay: the seed a run printed")
    parser.add_argument("--json", type=Path, help="write the outcomes as JSON here")
    parser.add_argument("--readme", type=Path, help="rewrite the chaos section of this file")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other scenarios' rows of the --json file (a re-run of some); without --json, "
        "those of the --readme section, word for word",
    )
    args = parser.parse_args()
    outcomes = run(args.only, args.short, args.seed)
    if args.merge and args.json and args.json.exists():
        fresh = {o.scenario: o for o in outcomes}
        kept = [Outcome.from_json(d) for d in json.loads(args.json.read_text())]
        outcomes = [fresh.pop(o.scenario, o) for o in kept] + list(fresh.values())
    print()
    print(table(outcomes))
    print()
    print(details(outcomes))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([o.as_json() for o in outcomes], indent=2) + "\n")
    if args.readme:
        if args.merge and not args.json:  # only the rows of what ran here change
            seed = f" --seed {args.seed}" if args.seed is not None else ""
            write_readme(args.readme, outcomes, f"run.py --only {' '.join(args.only)}{seed}", keep=True)
        else:
            write_readme(args.readme, outcomes, "make chaos")
    sys.exit(0 if all(o.ok for o in outcomes) else 1)


if __name__ == "__main__":
    main()
