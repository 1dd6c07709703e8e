"""Crontab (the public class, schema checks included) accepts exactly what Celery 5.7's crontab() accepts."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from redbeat_sdk import Crontab, ValidationError

CASES = json.loads((ROOT / "schema" / "examples" / "crontab-fields.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_crontab_accepts_exactly_what_celery_accepts(case):
    if case["accepted"]:
        cron = Crontab(**case["fields"])
        assert cron.to_wire() == {"__type__": "crontab", **case["fields"]}  # stored exactly as given
    else:
        with pytest.raises(ValidationError) as err:
            Crontab(**case["fields"])
        assert err.value.path.split("[")[0] in case["fields"] or err.value.path == ""
