"""The pages that only read: entries, one entry, the beat, doctor. Each is a plain function Starlette runs
in its thread pool (the SDK's client is synchronous)."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import available_timezones

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import operations, protocol
from ..cli import describe
from ..cli.doctor import diagnose
from ..cli.transfer import definition_of
from ..datetimes import as_tzinfo
from ..entry import Entry
from ..errors import CorruptEntry, EntryNotFound, ValidationError
from ..lock_token import parse_token
from . import extensions, forms, metrics
from .listing import PAGE_SIZES, SORTS, parse_query
from .site import Site, local, name_of

NEXT_RUNS = 10
ZONES = sorted(available_timezones())


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def entries(request: Request) -> Response:
    site = site_of(request)
    query, problems = parse_query(request.query_params)
    listing = site.reader.listing(query)
    return site.page(
        request,
        "entries.html",
        400 if problems else 200,
        listing=listing,
        query=query,
        messages=problems,
        sorts=SORTS,
        page_sizes=PAGE_SIZES,
        back=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    )


def _pretty(raw: str | bytes | None) -> str:
    """A stored JSON value indented for reading; as it is when it is not JSON (escaped if not UTF-8)."""
    if raw is None:
        return ""
    text = protocol.readable(raw)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return text


def _task_data(entry: Entry) -> dict[str, str]:
    """args, kwargs and options as JSON (a datetime in its wire form)."""
    definition = definition_of(entry)
    return {name: json.dumps(definition[name], ensure_ascii=False) for name in ("args", "kwargs", "options")}


def entry(request: Request) -> Response:
    site = site_of(request)
    client = site.client
    name = name_of(request)
    key = client.keys.entry(name)
    messages: list[str] = []
    zone_text = request.query_params.get("tz", "").strip()
    zone: tzinfo = client.timezone
    if zone_text:
        try:
            zone = as_tzinfo(zone_text, "tz")
        except ValidationError as exc:
            messages.append(f"tz: {exc.reason}; showing the beat's zone")
            zone_text = ""
    stored = client.store.drive(operations.load(client.keys, key))
    fields = client.store.drive(operations.fields(key))
    if not fields and stored.score is None:
        raise EntryNotFound(name, key)
    found: Entry | None = None
    row: dict[str, Any] | None = None
    runs: list[datetime] = []
    problem = None
    try:
        found = operations.read(stored, name, client.timezone, client.clock)
        row = describe.row(found, key)  # its next run: a ValidationError where no date holds it
        runs = found.next_runs(NEXT_RUNS)
    except (CorruptEntry, ValueError) as exc:
        found, row = None, None
        problem = exc.reason if isinstance(exc, CorruptEntry) else str(exc)
    late = (
        found is not None
        and found.enabled
        and stored.score is not None
        and 0 <= stored.score < client.now().timestamp() - site.settings.late_after
    )
    history, history_problem = extensions.history(client, name)
    return site.page(
        request,
        "entry.html",
        400 if messages else 200,
        name=name,
        key=key,
        entry=found,
        row=row,
        task_data=_task_data(found) if found else {},
        problem=problem,
        late=late,
        score=stored.score,
        definition=_pretty(stored.definition),
        fields=dict(sorted(fields.items())),  # byte for byte, as Redis holds them
        runs=runs,
        zone=zone,
        zone_text=zone_text,
        zones=ZONES,
        extensions=extensions.facts(found.extensions, client.timezone) if found else [],
        history=history,
        history_problem=history_problem,
        messages=messages,
    )


def beat(request: Request) -> Response:
    site = site_of(request)
    client = site.client
    token, ttl_ms = client.store.lock()
    holder = parse_token(token) if token is not None else None
    total = client.store.drive(operations.size(client.keys))
    beats = [metrics.scrape(url) for url in site.settings.metrics_urls]
    return site.page(
        request,
        "beat.html",
        lock_key=client.keys.lock,
        holder=holder,
        ttl=ttl_ms / 1000 if token is not None and ttl_ms > 0 else None,
        on_this_host=holder is not None and holder.ours and holder.host == site.hostname,
        total=total,
        beats=beats,
    )


def doctor(request: Request) -> Response:
    site = site_of(request)
    findings = diagnose(site.client)
    prefix = site.client.keys.prefix
    return site.page(
        request,
        "doctor.html",
        findings=findings,
        problems=sum(1 for f in findings if f.problem),
        names={f.key: f.key[len(prefix) :] for f in findings if f.key.startswith(prefix)},
    )


READ_ONLY = "this dashboard is read-only (started with --read-only)"


def new_form(request: Request) -> Response:
    site = site_of(request)
    if site.settings.read_only:
        return site.refuse(request, 403, READ_ONLY)
    return form_page(request, forms.blank(), None, None)


def edit_form(request: Request) -> Response:
    site = site_of(request)
    if site.settings.read_only:
        return site.refuse(request, 403, READ_ONLY)
    name = name_of(request)
    try:
        current = site.client.get(name)
    except CorruptEntry as exc:
        return site.refuse(
            request, 422, f"{name} cannot be read ({exc.reason}), so it cannot be edited here: delete it"
        )
    return form_page(request, forms.of_entry(current), name, current.version)


def form_page(
    request: Request,
    form: forms.EntryForm,
    name: str | None,
    version: str | None,
    status: int = 200,
    **context: Any,
) -> Response:
    return site_of(request).page(
        request,
        "form.html",
        status,
        form=form,
        name=name,
        version=version or "",
        kinds=forms.KINDS,
        cron_fields=forms.CRON_FIELDS,
        **context,
    )


def login_form(request: Request) -> Response:
    site = site_of(request)
    if site.settings.auth.token is None:  # nothing to sign in with
        return RedirectResponse("/entries", status_code=303)
    return site.page(
        request, "login.html", message="", back=local(request.query_params.get("back", "/"), "/")
    )
