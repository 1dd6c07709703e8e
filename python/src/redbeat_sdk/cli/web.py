"""`redbeat web`: serve the dashboard (the [web] extra) for the schedule the global flags name."""

from __future__ import annotations

import click

from ..errors import RedBeatConnectionError
from ..urls import redacted
from . import output
from .failures import BadValue, Failed
from .session import session_of

DEFAULT_PORT = 8080


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free port; the address is printed).",
)
@click.option("--read-only", is_flag=True, help="Show the schedule; hide and refuse every change.")
@click.option(
    "--token",
    envvar="REDBEAT_WEB_TOKEN",
    default=None,
    help="Require this token (a bearer header, or the sign-in page); default $REDBEAT_WEB_TOKEN.",
)
@click.option(
    "--basic-auth",
    envvar="REDBEAT_WEB_BASIC_AUTH",
    default=None,
    metavar="USER:PASSWORD",
    help="Require HTTP basic auth; default $REDBEAT_WEB_BASIC_AUTH.",
)
@click.option(
    "--metrics-url",
    multiple=True,
    metavar="URL",
    help="A beat's Prometheus endpoint (http://HOST:PORT/metrics), shown on the beat page; once per beat.",
)
@click.option(
    "--scan-limit",
    type=click.IntRange(1),
    default=10_000,
    show_default=True,
    help="Entries a filtered or re-sorted view reads at most (the default view pages straight from Redis).",
)
@click.pass_context
def web(
    ctx: click.Context,
    host: str,
    port: int,
    read_only: bool,
    token: str | None,
    basic_auth: str | None,
    metrics_url: tuple[str, ...],
    scan_limit: int,
) -> None:
    """Serve a dashboard of the schedule: entries, the beat lock, doctor; add, edit, enable, disable,
    run now and delete. Binds 127.0.0.1 unless told otherwise, and then only with credentials."""
    try:
        from ..web import server
        from ..web.security import Auth
        from ..web.site import Settings
    except ImportError as exc:
        raise Failed(f"the dashboard needs the web extra: pip install 'redbeat-sdk[web]' ({exc})") from None
    if token == "":
        raise BadValue("--token: must not be empty")
    for url in metrics_url:
        if not url.startswith(("http://", "https://")):
            raise BadValue(f"--metrics-url: {redacted(url)!r} is not an http:// or https:// URL")
    try:
        auth = Auth(token, server.parse_basic(basic_auth))
        server.check_exposure(host, auth)
    except server.StartError as exc:
        raise BadValue(str(exc)) from None
    session = session_of(ctx)
    client = session.client  # a bad URL, prefix or time zone fails here, before anything listens
    target = session.target
    try:
        sock = server.bind(host, port)
    except server.StartError as exc:
        raise Failed(str(exc)) from None
    settings = Settings(
        read_only=read_only,
        auth=auth,
        metrics_urls=metrics_url,
        scan_limit=scan_limit,
        redis_label=redacted(target.url),
        allowed_hosts=server.allowed_hosts(host),
    )
    try:
        client.store.lock()
    except RedBeatConnectionError as exc:
        output.warn("warning:", f"{exc}; the pages say so until it is back")
    mode = ", read-only" if read_only else ""
    announce = (
        f"redbeat web: serving {server.url_of(sock)} ({redacted(target.url)}, prefix {target.prefix!r}{mode}); "
        "Ctrl-C stops it"
    )
    server.serve(client, settings, [sock], announce)
