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
