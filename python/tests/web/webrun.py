"""Running the dashboard as a user does: `redbeat web` processes, and an HTTP client that keeps cookies
and never follows redirects."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http import cookiejar
from pathlib import Path

from clirun import REDBEAT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PREFIX = "redbeat:"
WEB_USER, WEB_PASSWORD = "web-operator", "redis-Secret-4711"  # the Redis ACL user the dashboards log in as
TOKEN = "tok-" + "9f3c2a7e51d84b06"
BASIC = ("admin", "basic-Secret-0815")
ANNOUNCE = re.compile(r"serving (http://127\.0\.0\.1:\d+/)")


@dataclass
class WebServer:
    """A `redbeat web` process and everything it printed."""

    url: str
    process: subprocess.Popen
    args: list[str]
    output: list[str] = field(default_factory=list)  # stdout and stderr lines, as they come

    def log(self) -> str:
        return "\n".join(self.output)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_web(
    redis_url: str, *args: str, env: dict[str, str] | None = None, timezone: str = "Europe/Berlin"
) -> WebServer:
    """`redbeat --url URL web --port 0 ARGS`, once it has printed the address it listens on."""
    cmd = [str(REDBEAT), "--url", redis_url, "--timezone", timezone, "web", "--port", "0", *args]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REDBEAT_")}
    process = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**environ, **(env or {})},
    )
    server = WebServer("", process, cmd)
    found = threading.Event()

    def pump() -> None:
        for line in process.stdout:
            server.output.append(line.rstrip("\n"))
            match = ANNOUNCE.search(line)
            if match and not found.is_set():
                server.url = match.group(1)
                found.set()
        found.set()

    threading.Thread(target=pump, daemon=True).start()
    if not found.wait(60) or not server.url:
        server.stop()
        raise AssertionError(f"redbeat web did not start: {cmd}\n{server.log()}")
    return server


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def has(self, *words: str) -> bool:
        return all(word in self.text for word in words)


class Http:
    """A browser-less client: keeps cookies, does not follow redirects, never raises on a status."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(
        self,
        method: str,
        path: str,
        form: dict | list | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        data = body
        if form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
        request = urllib.request.Request(self.base + path.lstrip("/"), data=data, method=method)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        if data is not None and not request.has_header("Content-type"):
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(request, timeout=30) as reply:
                return Reply(reply.status, dict(reply.headers), reply.read().decode())
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, dict(exc.headers), exc.read().decode())

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict | list | None = None, **kwargs) -> Reply:
        return self.request("POST", path, form=form, **kwargs)

    def csrf(self, path: str = "/entries") -> str:
        """The CSRF token of this client's cookie, from a page's form."""
        page = self.get(path)
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert match, page.text[:2000]
        return match.group(1)


def wait_for(condition, timeout: float = 10.0, interval: float = 0.05):
    """Poll until `condition()` is truthy (order and outcome, never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
