"""Serving the dashboard: where it may listen, the socket, uvicorn.

The socket is bound (and listening) before the address is printed, so whoever reads the line (a person, a
test, `make demo`) can connect at once, and a port in use is one clear error instead of a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
from collections.abc import Sequence

import uvicorn

from ..client import RedBeatClient
from .app import create_app
from .security import LOOPBACK_NAMES, Auth, is_loopback
from .site import Settings


class StartError(Exception):
    """Why the dashboard will not start, phrased for the `error:` line (`flag` names the culprit)."""

    def __init__(self, flag: str, message: str):
        self.flag = flag
        super().__init__(f"{flag}: {message}")


def check_exposure(host: str, auth: Auth) -> None:
    """Beyond loopback, anyone who can reach the port could change the schedule: credentials first."""
    if not is_loopback(host) and not auth.required:
        raise StartError(
            "--host",
            f"{host} is reachable from other machines: give --token or --basic-auth "
            "(or $REDBEAT_WEB_TOKEN / $REDBEAT_WEB_BASIC_AUTH) to serve beyond loopback",
        )


def parse_basic(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    user, colon, password = value.partition(":")
    if not colon or not user or not password:
        raise StartError("--basic-auth", "give USER:PASSWORD, both non-empty")
    return user, password


def allowed_hosts(host: str) -> frozenset[str] | None:
    """The Host headers answered: on loopback only loopback names (so a DNS-rebinding page cannot read
    the dashboard); beyond it any, since credentials are required there."""
    if not is_loopback(host):
        return None
    return frozenset({"127.0.0.1", "::1", *LOOPBACK_NAMES, host.strip("[]").lower()})


def bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[
            0
        ]
    except (socket.gaierror, UnicodeError) as exc:
        raise StartError("--host", f"cannot resolve {host!r}: {exc}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise StartError(
            "--port" if exc.errno == 98 else "--host", f"cannot listen on {host}:{port}: {exc.strerror}"
        ) from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(client: RedBeatClient, settings: Settings, sockets: Sequence[socket.socket], announce: str) -> None:
    """Run until SIGINT/SIGTERM. `announce` is printed (flushed) once the socket listens."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    app = create_app(client, settings)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,  # the guard logs each request, without credentials
        lifespan="off",
        server_header=False,
        proxy_headers=False,
    )
    print(announce, flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it shut down on
        uvicorn.Server(config).run(sockets=list(sockets))
