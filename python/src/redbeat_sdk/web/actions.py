"""The forms that write. Each goes through the SDK's client (nothing half-written, and upstream reads the
result) and reaches here only through `posted` (web/app.py), which has checked the CSRF token, the origin
and that the dashboard is not read-only."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from ..cli import describe
from ..client import RedBeatClient
from ..entry import Entry
from ..errors import (
    EntryNotFound,
    RedBeatConnectionError,
    RedBeatError,
    ValidationError,
    VersionConflict,
)
from . import forms, security
from .pages import form_page, site_of
from .site import entry_url, local, name_of, redirect

MAX_SELECTED = 1000  # names one bulk action takes


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _back(form: FormData, default: str) -> str:
    return local(_text(form, "back"), default)


def create(request: Request, form: FormData) -> Response:
    site = site_of(request)
    entry_form = forms.posted(form)
    entry = forms.to_entry(entry_form)
    if entry is None:
        return form_page(request, entry_form, None, None, 400)
    try:
        saved = site.client.create(entry)
    except VersionConflict:
        entry_form.errors["name"] = (
            f"an entry named {entry.name!r} exists already: edit it, or pick another name"
        )
        return form_page(request, entry_form, None, None, 409)
    except ValidationError as exc:  # what only the write checks (a name that is one of the schedule's keys)
        return _refused(request, entry_form, exc, None, "")
    return redirect(
        entry_url(saved.name), f"added {saved.name}: {describe.saved(saved, site.client.timezone)}"
    )


def _keeping_extensions(client: RedBeatClient, entry: Entry) -> Entry:
    """The form edits the definition, the labels and the description: the entry keeps the other extensions
    it has in Redis (zone, window, jitter, catch-up; a save writes the extensions of the entry it is given,
    so leaving them out would remove them)."""
    edited = entry.extensions
    stored = client.get(entry.name).extensions
    kept = dataclasses.replace(stored, labels=edited.labels, description=edited.description)
    return dataclasses.replace(entry, extensions=kept)


def edit(request: Request, form: FormData) -> Response:
    site = site_of(request)
    name = name_of(request)
    version = _text(form, "version")
    entry_form = forms.posted(form)
    if not version:
        entry_form.errors[""] = "the form has no version of the entry: reload the page and edit again"
        return form_page(request, entry_form, name, version, 400)
    entry = forms.to_entry(entry_form, name=name)
    if entry is None:
        return form_page(request, entry_form, name, version, 400)
    try:
        entry = _keeping_extensions(site.client, entry)
        saved = site.client.save(entry, if_version=version)
    except ValidationError as exc:
        return _refused(request, entry_form, exc, name, version)
    except (VersionConflict, EntryNotFound) as exc:
        if isinstance(exc, EntryNotFound):
            exc = VersionConflict(site.client.keys.entry(name), version, None)
        what = "was deleted" if exc.found is None else "was changed (edited, enabled or disabled)"
        entry_form.errors[""] = (
            f"not saved: {name} {what} since this form was loaded. Reload the entry to see it as it is "
            "now, then make your change again."
        )
        return form_page(request, entry_form, name, version, 409, stale=exc.found is not None)
    return redirect(entry_url(name), f"saved {name}: {describe.saved(saved, site.client.timezone)}")


def _refused(
    request: Request, entry_form: forms.EntryForm, exc: ValidationError, name: str | None, version: str
) -> Response:
    field, message = forms.field_of(exc, str(entry_form.values["kind"]))
    entry_form.errors[field] = message
    return form_page(request, entry_form, name, version, 400)


def _one(
    request: Request, form: FormData, call: Callable[[RedBeatClient, str], object], done: str
) -> Response:
    site = site_of(request)
    name = name_of(request)
    back = _back(form, entry_url(name))
    try:
        call(site.client, name)
    except EntryNotFound:
        return redirect(back, f"no entry {name!r}: it was deleted", ok=False)
    return redirect(back, done.format(name=name))


def enable(request: Request, form: FormData) -> Response:
    return _one(request, form, RedBeatClient.enable, "enabled {name}")


def disable(request: Request, form: FormData) -> Response:
    return _one(request, form, RedBeatClient.disable, "disabled {name}")


def run_now(request: Request, form: FormData) -> Response:
    return _one(request, form, RedBeatClient.run_now, "{name} runs at the next beat tick")


def delete(request: Request, form: FormData) -> Response:
    site = site_of(request)
    name = name_of(request)
    if _text(form, "confirm") != "yes":
        return site.page(request, "confirm.html", names=[name], action="delete", back=entry_url(name))
    if not site.client.delete(name):
        return redirect("/entries", f"no entry {name!r}: nothing deleted", ok=False)
    return redirect(_back(form, "/entries"), f"deleted {name}")


BULK = {
    "enable": ("enabled", RedBeatClient.enable),
    "disable": ("disabled", RedBeatClient.disable),
    "run-now": ("made due now", RedBeatClient.run_now),
    "delete": ("deleted", RedBeatClient.delete),
}


def bulk(request: Request, form: FormData) -> Response:
    site = site_of(request)
    back = _back(form, "/entries")
    action = _text(form, "action")
    names = list(dict.fromkeys(n for n in form.getlist("name") if isinstance(n, str) and n))
    if action not in BULK:
        return redirect(back, f"unknown action {action[:40]!r}: use {', '.join(BULK)}", ok=False)
    if not names:
        return redirect(back, "select entries first (the boxes in the first column)", ok=False)
    if len(names) > MAX_SELECTED:
        return redirect(back, f"{len(names)} entries selected: at most {MAX_SELECTED} at a time", ok=False)
    if action == "delete" and _text(form, "confirm") != "yes":
        return site.page(request, "confirm.html", names=names, action="delete", back=back)
    verb, call = BULK[action]
    done, missing = 0, []
    for name in names:
        try:
            result = call(site.client, name)
        except EntryNotFound:
            missing.append(name)
            continue
        except RedBeatConnectionError:
            raise
        except RedBeatError as exc:
            return redirect(back, f"{verb} {done} of {len(names)}; stopped at {name}: {exc}", ok=False)
        if result is False:  # delete of an entry already gone
            missing.append(name)
        else:
            done += 1
    message = f"{verb} {done} entr{'y' if done == 1 else 'ies'}"
    if missing:
        message += f"; {len(missing)} no longer there: {', '.join(missing[:10])}"
    return redirect(back, message, ok=not missing)


def login(request: Request, form: FormData) -> Response:
    site = site_of(request)
    auth = site.settings.auth
    back = _back(form, "/")
    if not auth.token_ok(_text(form, "token")):
        return site.page(request, "login.html", 401, message="that token is not the dashboard's", back=back)
    response = redirect(back)
    security.login(response, auth)
    return response


def logout(request: Request, form: FormData) -> Response:
    response = redirect("/login")
    security.logout(response)
    return response
