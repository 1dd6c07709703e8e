"""The crontab parser accepts exactly what Celery 5.7 accepts, with the same expansions.

Every case comes from schema/examples/crontab-fields.json, which conformance/generate/crontab_fields.py
generates by running Celery 5.7.0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redbeat_sdk.crontab import FIELDS, CronSets, expand_crontab
from redbeat_sdk.errors import ValidationError

EXAMPLES = Path(__file__).resolve().parents[2] / "schema" / "examples" / "crontab-fields.json"
CASES = json.loads(EXAMPLES.read_text(encoding="utf-8"))["cases"]


def test_the_examples_cover_both_outcomes():
    assert len(CASES) >= 300
    assert {case["accepted"] for case in CASES} == {True, False}


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_celery_example(case):
    fields = case["fields"]
    if case["accepted"]:
        sets = expand_crontab(**fields)
        assert isinstance(sets, CronSets)
        assert {name: sorted(values) for name, values in sets._asdict().items()} == case["expanded"]
        assert all(isinstance(values, frozenset) for values in sets)
    else:
        with pytest.raises(ValidationError) as refused:
            expand_crontab(**fields)
        assert refused.value.path in FIELDS
        assert refused.value.reason
        changed = [name for name in FIELDS if fields[name] != "*"]
        if len(changed) == 1:
            assert refused.value.path == changed[0]


@pytest.mark.parametrize("value", [True, False, [1, True], 5.0, [1.0], None, {"a": 1}, {1, 2}])
def test_values_that_are_not_str_int_or_int_list_are_refused(value):
    with pytest.raises(ValidationError) as refused:
        expand_crontab(hour=value)
    assert refused.value.path == "hour"


def test_impossible_dates_name_day_of_month():
    with pytest.raises(ValidationError) as refused:
        expand_crontab(day_of_month="30", month_of_year="feb")
    assert refused.value.path == "day_of_month"
    assert "month_of_year" in refused.value.reason


def test_parses_are_cached_and_lists_equal_tuples():
    assert expand_crontab(minute=[0, 30]) is expand_crontab(minute=(0, 30))
    assert expand_crontab(minute="*/15") is expand_crontab(minute="*/15")
    assert expand_crontab(minute=5) is not expand_crontab(minute=[5])
    assert expand_crontab(minute=5) == expand_crontab(minute=[5])
