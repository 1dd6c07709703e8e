"""`make screenshots`: the dashboard's pages, as Chromium renders them, in PNG files.

    python demo/screenshots.py build/web

Starts its own redis-server (loopback, free port), writes a sample schedule with the SDK (the demo's
entries and a few more: a late one, a corrupt one, a member whose hash is gone, a beat lock), serves it
with `redbeat web`, and has Debian's Chromium (through Playwright) take each page. python/README.md
shows one of them, committed as python/docs/dashboard.png.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright
from topologies import Single

from demo import sample_entries
from redbeat_sdk import Crontab, Entry, Interval, RedBeatClient
from redbeat_sdk.codec import encode_meta
from redbeat_sdk.lock_token import new_token

# how `redbeat web` is started and Chromium launched: the dashboard's test helpers, written once
TESTS = Path(__file__).resolve().parents[1] / "python" / "tests"
sys.path[:0] = [str(TESTS), str(TESTS / "web")]
from webrun import CHROMIUM, CHROMIUM_ARGS, start_web  # noqa: E402

TIMEZONE = "Europe/London"


def schedule(client: RedBeatClient) -> None:
    now = client.now()
    client.save_many(
        [
            *sample_entries(now),
            Entry("invoices: monthly", "billing.tasks.invoices", Crontab(minute=0, hour=6, day_of_month=1)),
            Entry(
                "cache warmup",
                "web.tasks.warm_cache",
                Interval(timedelta(minutes=5)),
                options={"queue": "web"},
            ),
            Entry("sync crm", "crm.tasks.sync", Interval(timedelta(minutes=15)), kwargs={"full": False}),
            Entry("digest emails", "mail.tasks.digest", Crontab(minute=0, hour=8, day_of_week="mon")),
        ]
    )
    client.run_now("heartbeat")
    r = client.redis
    late = client.keys.entry("sync crm")  # last run 35 minutes ago, due 20 minutes ago: no beat sent it
    r.hset(late, "meta", encode_meta(now - timedelta(minutes=35), 41))
    r.zadd(client.keys.schedule, {late: int((now - timedelta(minutes=20)).timestamp())})
    legacy = client.keys.entry("legacy import")
    r.hset(
        legacy,
        "definition",
        json.dumps({"name": "legacy import", "task": "old.task", "schedule": 60, "note": 1}),
    )
    r.zadd(client.keys.schedule, {legacy: 0, client.keys.entry("evicted"): 1})
    r.set(client.keys.lock, new_token(), px=10_000)


def shoot(base: str, out: Path) -> list[Path]:
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 640}, device_scale_factor=1)

        def take(name: str, full: bool = True) -> None:
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=full)
            written.append(path)

        page.goto(base + "entries")
        take("entries", full=False)
        page.goto(base + "entries?state=enabled&sort=name")
        take("entries-filtered")
        page.goto(base + "entry?name=business-hours+report")
        take("entry")
        page.goto(base + "new")
        page.fill("#name", "nightly export")
        page.fill("#task", "reports.tasks.export")
        page.check('input[name="kind"][value="crontab"]')
        page.fill("#hour", "25")
        page.locator("#save").click()
        page.locator("#error-hour").wait_for()
        take("form-error")
        page.goto(base + "beat")
        take("beat")
        page.goto(base + "doctor")
        take("doctor")
        browser.close()
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "build/web").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with Single() as server:
        client = RedBeatClient.from_url(server.url, timezone=TIMEZONE)
        schedule(client)
        web = start_web(server.url, timezone=TIMEZONE)
        try:
            for path in shoot(web.url, out):
                print(path)
        finally:
            web.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
