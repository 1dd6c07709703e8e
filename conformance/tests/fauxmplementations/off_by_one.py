"""A writer that behaves like upstream's entry API but stores every score one second late."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "drivers"))

import upstream
from redbeat.schedulers import get_redis

driver = upstream.Upstream()
original_save = driver.save


def save(request):
    original_save(request)
    app = driver.app
    get_redis(app).zincrby(app.redbeat_conf.schedule_key, 1, driver.key(request["entry"]["name"]))
    return {}


def start(request):
    answer = upstream.Upstream.start(driver, request)
    answer["implementation"]["name"] = "faux-off-by-one"
    return answer


upstream.serve({**driver.handlers(), "save": save, "start": start}, upstream.classify)
