"""The run analysis on hand-made sends: what counts as a run sent twice, a gap, a lost run."""

from scenarios import runs
from scenarios.runs import Send


def test_two_beats_sending_within_half_a_period_is_a_run_sent_twice() -> None:
    sends = [Send("a", 10.0, 1), Send("a", 10.3, 2), Send("a", 11.0, 2), Send("b", 10.1, 1)]
    assert runs.doubled(sends, 1.0) == [(Send("a", 10.0, 1), Send("a", 10.3, 2))]
    assert runs.doubled(sends, 1.0, allowed=frozenset({Send("a", 10.0, 1)})) == []


def test_one_beat_sending_back_to_back_after_a_stall_is_not() -> None:
    assert runs.doubled([Send("a", 10.0, 1), Send("a", 10.01, 1)], 1.0) == []


def test_more_messages_than_recorded_runs_are_extra_sends() -> None:
    sends = [Send("a", t, 1) for t in (1, 2, 3)] + [Send("b", 1, 1)]
    assert runs.over_sent(sends, {"a": 2, "b": 1}) == {"a": 1}
    assert runs.unsent(sends, {"a": 3, "b": 3}) == 2


def test_longest_gap_counts_the_edges() -> None:
    sends = [Send("a", 2.0, 1), Send("a", 3.0, 1)]
    assert runs.longest_gaps(sends, ["a", "b"], 0.0, 10.0) == {"a": 7.0, "b": 10.0}


def test_percentile_is_nearest_rank() -> None:
    assert runs.percentile([5, 1, 3, 2, 4], 50) == 3
    assert runs.percentile(list(range(1, 101)), 99) == 99


def test_a_merged_readme_section_replaces_only_the_rows_that_ran() -> None:
    from scenarios.outcome import Outcome
    from scenarios.report import merged

    section = "\n".join(
        [
            "Measured by `make chaos` on 2026-01-01 00:00 UTC, on a box.",
            "",
            "| scenario | what ran | outcome | figures |",
            "|---|---|---|---|",
            "| leader kills | 3 beats | ok: no crash | failover max: 3 s |",
            "| hostile data | 10 entries | FAILED: readers agree | run time: 9 s |",
            "| load | 1 beat | ok: no crash | p99: 1 s |",
            "",
            "- leader kills: seed 1",
            "- hostile data: seed 2",
            "- hostile data: readers agree: 5 disagreements",
        ]
    )
    fresh = Outcome("hostile data", "20 entries", {"readers agree": True}, {"run time": "8 s"}, ["seed 3"])
    out = merged(section, [fresh], "run.py --only hostile --seed 3", "2026-02-02 00:00 UTC", "a box")
    lines = out.splitlines()
    assert lines[0] == "Measured by `make chaos` on 2026-01-01 00:00 UTC, on a box."
    assert (
        lines[1]
        == "Re-run since: hostile data by `run.py --only hostile --seed 3` on 2026-02-02 00:00 UTC, on a box."
    )
    assert "| leader kills | 3 beats | ok: no crash | failover max: 3 s |" in lines
    assert "| load | 1 beat | ok: no crash | p99: 1 s |" in lines
    assert lines.index("| hostile data | 20 entries | ok: readers agree | run time: 8 s |") == 6
    assert [line for line in lines if line.startswith("- ")] == [
        "- leader kills: seed 1",
        "- hostile data: seed 3",
    ]
    again = merged(out, [fresh], "run.py --only hostile", "2026-03-03 00:00 UTC", "a box")
    assert again.count("Re-run since") == 1 and again.count("| hostile data |") == 1
