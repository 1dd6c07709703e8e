"""The ASGI application: routes, the guard in front of them, and error pages instead of tracebacks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..client import RedBeatClient
from ..errors import (
    ConflictError,
    CorruptEntry,
    EntryNotFound,
    RedBeatConnectionError,
    RedBeatError,
    ValidationError,
)
from . import actions, pages
from .security import CSRF_FIELD, Csrf, Guard, form_refusal
from .site import Settings, Site

log = logging.getLogger("redbeat_sdk.web")

MAX_FORM_BYTES = 1_000_000
Action = Callable[[Request, FormData], Response]


def posted(action: Action, while_read_only: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """A POST endpoint: refused when read-only, too large, from another origin or without the CSRF
    token of this browser; else `action` runs in the thread pool with the parsed form."""

    async def endpoint(request: Request) -> Response:
        site: Site = request.app.state.site
        if site.settings.read_only and not while_read_only:
            return site.refuse(request, 403, pages.READ_ONLY)
        try:
            length = int(request.headers.get("content-length") or 0)
        except ValueError:
            length = MAX_FORM_BYTES + 1
        if length > MAX_FORM_BYTES:
            return site.refuse(request, 413, f"the form is larger than {MAX_FORM_BYTES} bytes")
        try:
            form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
        except ClientDisconnect:
            return Response(status_code=400)
        except (HTTPException, ValueError, KeyError, AssertionError) as exc:
            detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
            return site.refuse(request, 400, f"the form could not be read: {detail}")
        token = form.get(CSRF_FIELD)
        refusal = form_refusal(request, token if isinstance(token, str) else "")
        if refusal:
            return site.refuse(request, 403, refusal)
        return await run_in_threadpool(action, request, form)

    return endpoint


MAX_FORM_FIELDS = 2000


def home(request: Request) -> Response:
    return RedirectResponse("/entries", status_code=303)


STATUS = (
    (EntryNotFound, 404),
    (CorruptEntry, 422),
    (ConflictError, 409),
    (ValidationError, 400),
    (RedBeatConnectionError, 503),
)


async def sdk_error(request: Request, exc: Exception) -> Response:
    """The SDK's errors as pages: a missing entry is a 404, Redis away a 503, a refusal by Redis a 502."""
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 502)
    site: Site = request.app.state.site
    return site.refuse(request, status, str(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    site: Site = request.app.state.site
    if exc.status_code == 404:
        message = f"no page at {request.url.path[:200]}"
    elif exc.status_code == 405:
        message = f"{request.method} is not how {request.url.path[:200]} is used"
    else:
        message = str(exc.detail)
    return site.refuse(request, exc.status_code, message, dict(exc.headers or {}))


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug of the dashboard: logged with its traceback, a short page for the browser."""
    log.error("error on %s %s", request.method, request.url.path, exc_info=exc)
    site: Site = request.app.state.site
    return site.refuse(request, 500, f"internal error ({type(exc).__name__}); the server log has the details")


def create_app(client: RedBeatClient, settings: Settings | None = None) -> Starlette:
    """The dashboard of `client`'s schedule."""
    settings = settings or Settings()
    site = Site(client, settings)
    csrf = Csrf()
    routes = [
        Route("/", home),
        Route("/entries", pages.entries),
        Route("/entry", pages.entry),
        Route("/new", pages.new_form),
        Route("/new", posted(actions.create), methods=["POST"]),
        Route("/edit", pages.edit_form),
        Route("/edit", posted(actions.edit), methods=["POST"]),
        Route("/enable", posted(actions.enable), methods=["POST"]),
        Route("/disable", posted(actions.disable), methods=["POST"]),
        Route("/run-now", posted(actions.run_now), methods=["POST"]),
        Route("/delete", posted(actions.delete), methods=["POST"]),
        Route("/bulk", posted(actions.bulk), methods=["POST"]),
        Route("/beat", pages.beat),
        Route("/doctor", pages.doctor),
        Route("/login", pages.login_form),
        Route("/login", posted(actions.login, while_read_only=True), methods=["POST"]),
        Route("/logout", posted(actions.logout, while_read_only=True), methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("redbeat_sdk.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                Guard, auth=settings.auth, csrf=csrf, allowed_hosts=settings.allowed_hosts, refuse=site.refuse
            )
        ],
        exception_handlers={
            HTTPException: http_error,
            RedBeatError: sdk_error,
            Exception: server_error,
        },
    )
    app.state.site = site
    app.state.csrf = csrf
    return app
