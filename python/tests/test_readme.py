"""The quick starts in the READMEs run as written (against the test Redis)."""
from __future__ import annotations

import re

import pytest

from conftest import ROOT


@pytest.mark.parametrize("readme", ["python/README.md", "README.md"])
def test_quick_start_runs(readme, redis_server, r):
    text = (ROOT / readme).read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    code = code.replace("redis://127.0.0.1:6379/0", redis_server.url)
    exec(compile(code, readme, "exec"), {})
    assert r.zcard("redbeat::schedule") > 0
