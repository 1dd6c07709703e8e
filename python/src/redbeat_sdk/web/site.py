"""What every page shares: the client, the settings, the templates, and how a page, a refusal and a
redirect with a message are made."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote, unquote, urlencode

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from ..cli import describe
from ..client import RedBeatClient
from .listing import LATE_AFTER, Reader
from .security import Auth, without_token

FLASH_COOKIE = "redbeat_flash"


@dataclass(frozen=True)
class Settings:
    """How `redbeat web` was started (web/README: python/README.md, "Dashboard")."""

    read_only: bool = False
    auth: Auth = field(default_factory=Auth)
    metrics_urls: tuple[str, ...] = ()
    scan_limit: int = 10_000
    late_after: int = LATE_AFTER
    redis_label: str = ""  # the Redis URL with its password masked, for the header
    allowed_hosts: frozenset[str] | None = None  # Host headers answered; None: any


def entry_url(name: str, view: str = "entry") -> str:
    """The URL of a page or an action on one entry (`view`: entry, edit, enable, ...). The name goes in
    the query, so that any name works: `/`, `?`, `..` and `%` included."""
    return f"/{view}?{urlencode({'name': name})}"


def name_of(request: Request) -> str:
    """The entry a page or an action is about (`?name=`); a 400 page when there is none."""
    name = request.query_params.get("name")
    if not name:
        raise HTTPException(400, "which entry? the URL has no ?name=")
    return name


def local(target: str, default: str) -> str:
    """`target` when it is a path of this site (a redirect never leaves it), else `default`."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok and len(target) < 4000 else default


def _when(value: datetime | str | None, tz: tzinfo) -> str:
    if isinstance(value, str):
        return describe.when_iso(value, tz)
    return describe.when(value, tz)


class Site:
    def __init__(self, client: RedBeatClient, settings: Settings):
        self.client = client
        self.settings = settings
        self.reader = Reader(client, settings.scan_limit, settings.late_after)
        self.hostname = socket.gethostname()
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("redbeat_sdk.web", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals.update(entry_url=entry_url, settings=settings, keys=client.keys)
        env.filters["when"] = lambda value, tz=None: _when(value, tz or client.timezone)
        self.templates = Jinja2Templates(env=env)

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        flash = request.cookies.get(FLASH_COOKIE)
        shown = _read_flash(flash) if flash else None
        context.setdefault("messages", [])
        response = self.templates.TemplateResponse(
            request,
            template,
            {
                "csrf": getattr(request.state, "csrf", ""),
                "signed_in": getattr(request.state, "authenticated", False),
                "flash": shown,
                "beat_tz": self.client.timezone,
                **context,
            },
            status_code=status,
        )
        if flash:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def refuse(
        self, request: Request, status: int, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        """The page that says no, with `status` (never a bare 500)."""
        login = status == 401 and self.settings.auth.token is not None
        response = self.page(
            request,
            "login.html" if login else "error.html",
            status,
            status_code=status,
            message=message,
            back=local(without_token(str(request.url.path) + _query(request)), "/"),
        )
        response.headers.update(headers or {})
        return response


def _query(request: Request) -> str:
    return f"?{request.url.query}" if request.url.query else ""


def redirect(target: str, message: str | None = None, ok: bool = True) -> Response:
    """303 to `target`, with a message shown once on the page it leads to."""
    response = RedirectResponse(target, status_code=303)
    if message:
        text = ("ok:" if ok else "error:") + message[:1500]
        response.set_cookie(FLASH_COOKIE, quote(text), httponly=True, samesite="strict", path="/")
    return response


def _read_flash(raw: str) -> dict[str, str] | None:
    kind, _, text = unquote(raw).partition(":")
    if kind not in ("ok", "error") or not text:
        return None
    return {"kind": kind, "text": text}
