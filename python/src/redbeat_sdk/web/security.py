"""Who may use the dashboard and how a form proves it came from it.

- Authentication: a token (`--token`: an `Authorization: Bearer` header, or a browser session cookie set
  by the login form or a `?token=` link) and/or HTTP basic auth (`--basic-auth user:password`).
- CSRF: every form carries a field derived from a random per-browser cookie (HttpOnly, SameSite=Strict)
  with a per-process key; a POST without the matching pair, or from another origin, is refused.
- Host: bound to loopback, only loopback Host headers are answered (a DNS-rebinding page cannot read it).
- Logs: one line per request, without credentials (a `token` parameter is masked).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp

log = logging.getLogger("redbeat_sdk.web")

CSRF_COOKIE = "redbeat_csrf"
SESSION_COOKIE = "redbeat_session"
CSRF_FIELD = "csrf"
LOOPBACK_NAMES = ("localhost",)
# Pages anyone may fetch: the login form needs its style sheet.
OPEN_PREFIXES = ("/static/",)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


# (request, status, message, extra headers) -> the page that says no
Refuse = Callable[[Request, int, str, dict[str, str]], Response]


def host_of(header: str) -> str:
    """The host of a Host header, without its port or IPv6 brackets, lower-cased."""
    if header.startswith("["):
        return header[1:].partition("]")[0].lower()
    return header.rpartition(":")[0].lower() if ":" in header else header.lower()


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name) only ever means this machine."""
    host = host.strip("[]")
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class Auth:
    """The credentials the dashboard asks for; none at all on loopback without --token/--basic-auth."""

    token: str | None = None
    basic: tuple[str, str] | None = None

    @property
    def required(self) -> bool:
        return self.token is not None or self.basic is not None

    def session_value(self) -> str:
        """The session cookie of a token login: derived from the token, so it outlives a restart and
        dies with a new token, and the token itself is never stored in the browser."""
        assert self.token is not None
        return hmac.new(self.token.encode(), b"redbeat-web session", hashlib.sha256).hexdigest()

    def token_ok(self, given: str) -> bool:
        return self.token is not None and _same(given, self.token)

    def allows(self, request: Request) -> bool:
        if not self.required:
            return True
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if self.token is not None:
            if scheme.lower() == "bearer" and self.token_ok(credentials.strip()):
                return True
            if _same(request.cookies.get(SESSION_COOKIE, ""), self.session_value()):
                return True
        if self.basic is not None and scheme.lower() == "basic":
            try:
                user, _, password = (
                    base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
                )
            except (binascii.Error, UnicodeDecodeError):
                return False
            # both compared, always: the time taken does not tell which one was wrong
            user_ok = _same(user, self.basic[0])
            return _same(password, self.basic[1]) and user_ok
        return False


@dataclass
class Csrf:
    """Tokens for forms: HMAC(process key, the browser's random cookie)."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def token_for(self, cookie: str) -> str:
        return hmac.new(self.key, cookie.encode(), hashlib.sha256).hexdigest()

    def valid(self, cookie: str, token: str) -> bool:
        return bool(cookie) and _same(token, self.token_for(cookie))


def without_token(url: str) -> str:
    """The URL with its `token` parameter dropped (after a `?token=` login, and in logs)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "token"]
    return parts.path + (f"?{urlencode(query)}" if query else "")


def logged_target(request: Request) -> str:
    query = request.url.query
    if "token=" not in query:
        return request.url.path + (f"?{query}" if query else "")
    masked = [(k, "***" if k == "token" else v) for k, v in parse_qsl(query, keep_blank_values=True)]
    return request.url.path + "?" + urlencode(masked, safe="*")


class Guard(BaseHTTPMiddleware):
    """Host check, authentication, the CSRF cookie, security headers and the access log, for every
    request. The CSRF check of a form's body is the handlers' (web/app.py: every POST goes through it)."""

    def __init__(
        self,
        app: ASGIApp,
        auth: Auth,
        csrf: Csrf,
        allowed_hosts: frozenset[str] | None,
        refuse: Refuse,
    ) -> None:
        super().__init__(app)
        self.auth = auth
        self.csrf = csrf
        self.allowed_hosts = allowed_hosts  # None: any (bound beyond loopback, behind credentials)
        self.refuse = refuse

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        started = time.perf_counter()
        response = await self._answer(request, call_next)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        log.info(
            "%s %s %s %d %.0fms",
            request.client.host if request.client else "-",
            request.method,
            logged_target(request),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    async def _answer(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        host = host_of(request.headers.get("host", ""))
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            message = f"unexpected Host header {host[:80]!r}: open the address `redbeat web` printed"
            return self.refuse(request, 400, message, {})
        cookie = request.cookies.get(CSRF_COOKIE, "")
        new_cookie = None if cookie else secrets.token_urlsafe(24)
        request.state.csrf = self.csrf.token_for(cookie or str(new_cookie))
        request.state.authenticated = False
        response = await self._authenticated(request, call_next)
        if new_cookie:
            response.set_cookie(CSRF_COOKIE, new_cookie, httponly=True, samesite="strict", path="/")
        return response

    async def _authenticated(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        auth = self.auth
        if request.url.path.startswith(OPEN_PREFIXES) or auth.allows(request):
            request.state.authenticated = auth.required
            return await call_next(request)
        given = request.query_params.get("token")
        if given is not None and request.method == "GET":
            if auth.token_ok(given):
                response = RedirectResponse(without_token(str(request.url)), status_code=303)
                login(response, auth)
                return response
            return self.refuse(request, 401, "that token is not the dashboard's", {})
        if request.url.path == "/login" and auth.token is not None:
            return await call_next(request)  # the login form itself
        headers = {}
        if auth.basic is not None:
            headers["WWW-Authenticate"] = 'Basic realm="redbeat web", charset="UTF-8"'
        if auth.basic is None:
            needs = "its token"
        elif auth.token is None:
            needs = "a user name and password"
        else:
            needs = "its token, or a user name and password"
        message = f"sign in: this dashboard needs {needs}"
        return self.refuse(request, 401, message, headers)


def login(response: Response, auth: Auth) -> None:
    response.set_cookie(SESSION_COOKIE, auth.session_value(), httponly=True, samesite="strict", path="/")


def logout(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def form_refusal(request: Request, form_token: str) -> str | None:
    """Why a POST is refused (None: it may go on): another origin, or a missing or wrong CSRF token."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin != expected:
            return f"refused: the form was posted from another site ({origin[:80]})"
    cookie = request.cookies.get(CSRF_COOKIE, "")
    csrf: Csrf = request.app.state.csrf
    if not csrf.valid(cookie, form_token):
        return "refused: the form's security token is missing or expired; reload the page and try again"
    return None
