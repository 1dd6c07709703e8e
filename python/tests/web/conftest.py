"""Fixtures of the dashboard's tests: real `redbeat web` processes on loopback (one per configuration,
shared by the session) on the session's Redis, and one Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from webrun import BASIC, CHROMIUM, CHROMIUM_ARGS, TOKEN, WEB_PASSWORD, WEB_USER, Http, WebServer, start_web


@pytest.fixture(scope="session")
def redis_url(redis_server) -> str:
    """The test Redis as the dashboards see it: through an ACL user with a password, which must never
    show in a page or a log."""
    admin = redis_server.server.client()
    admin.execute_command("ACL", "SETUSER", WEB_USER, "on", f">{WEB_PASSWORD}", "~*", "&*", "+@all")
    admin.close()
    quoted = urllib.parse.quote(WEB_PASSWORD, safe="")
    return f"redis://{WEB_USER}:{quoted}@127.0.0.1:{redis_server.port}/0"


@pytest.fixture(scope="session")
def web_servers() -> Iterator[dict[str, WebServer]]:
    servers: dict[str, WebServer] = {}
    yield servers
    for server in servers.values():
        server.stop()


def _shared(web_servers: dict[str, WebServer], name: str, redis_url: str, *args: str) -> WebServer:
    server = web_servers.get(name)
    if server is None or server.process.poll() is not None:
        server = web_servers[name] = start_web(redis_url, *args)
    return server


@pytest.fixture
def web(web_servers, redis_url, r) -> WebServer:
    """The dashboard, read-write, no credentials (loopback)."""
    return _shared(web_servers, "rw", redis_url)


@pytest.fixture
def web_ro(web_servers, redis_url, r) -> WebServer:
    return _shared(web_servers, "ro", redis_url, "--read-only")


@pytest.fixture
def web_token(web_servers, redis_url, r) -> WebServer:
    return _shared(web_servers, "token", redis_url, "--token", TOKEN)


@pytest.fixture
def web_basic(web_servers, redis_url, r) -> WebServer:
    return _shared(web_servers, "basic", redis_url, "--basic-auth", ":".join(BASIC))


@pytest.fixture
def web_metrics(redis_url, beat_endpoint, r) -> Iterator[WebServer]:
    """The dashboard reading one beat's metrics (a new endpoint each test: its own server)."""
    server = start_web(redis_url, "--metrics-url", beat_endpoint + "/metrics")
    yield server
    server.stop()


@pytest.fixture
def http(web) -> Http:
    return Http(web.url)


@pytest.fixture
def beat_endpoint():
    """A Prometheus endpoint serving a beat's figures under the scheduler's names."""
    registry = CollectorRegistry()
    Counter("redbeat_tasks_sent", "Tasks published.", registry=registry).inc(42)
    Gauge("redbeat_lock_held", "1 while this beat holds the lock.", registry=registry).set(1)
    Histogram("redbeat_tick_duration_seconds", "Time one tick takes.", registry=registry).observe(0.25)
    body = generate_latest(registry)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/metrics" else 404)
            self.end_headers()
            self.wfile.write(body if self.path == "/metrics" else b"nope")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# -- the browser ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make chromium` at the top of the checkout installs Debian's chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page; 10 s per action at most."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
