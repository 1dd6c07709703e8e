"""The entries table: which rows a query shows and what reading them costs.

The default view (schedule order, by next run, either direction) pages straight from the schedule sorted
set: one ZRANGE by rank with a ZCARD, then one load of that page's hashes, whatever the schedule's size.
Any other sort or a filter has to look at every entry: it walks the schedule in rank order, at most
`scan_limit` members, and says so (with how far it got) on the page.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from .. import operations
from ..cli import describe
from ..client import RedBeatClient
from ..entry import Entry
from ..errors import CorruptEntry
from ..protocol import Stored
from . import extensions

SORTS = {
    "next": "next run",
    "name": "name",
    "task": "task",
    "last": "last run",
    "runs": "run count",
    "enabled": "enabled",
}
STATES = ("", "enabled", "disabled")
PAGE_SIZES = (25, 50, 100, 200)
MAX_PAGE_SIZE = max(PAGE_SIZES)
SCAN_BATCH = 500
# An enabled entry whose score is this far in the past is late: the beat should have sent it by now.
LATE_AFTER = 60


@dataclass(frozen=True)
class Query:
    """What the table shows: filters, sort and page, as given in the URL."""

    q: str = ""  # a piece of the name, task or a label (case-insensitive)
    state: str = ""  # "", "enabled" or "disabled"
    task: str = ""  # a glob over the task name
    late: bool = False
    corrupt: bool = False
    label: str = ""  # `name` or `name=value`
    sort: str = "next"
    desc: bool = False
    page: int = 1
    size: int = 50

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.state or self.task or self.late or self.corrupt or self.label)

    @property
    def straight(self) -> bool:
        """Served from the sorted set alone (no scan)."""
        return self.sort == "next" and not self.filtered

    def url(self, **changes: Any) -> str:
        """The /entries URL of this query with `changes`, defaults left out."""
        query, default = replace(self, **changes), Query()
        params = {
            name: "1" if value is True else value
            for name, value in vars(query).items()
            if value != getattr(default, name)
        }
        return "/entries" + (f"?{urlencode(params)}" if params else "")

    def sort_url(self, column: str) -> str:
        """Sort by `column`, flipping the direction when it is already the sort."""
        return self.url(sort=column, desc=not self.desc if column == self.sort else False, page=1)


def parse_query(params: Mapping[str, str]) -> tuple[Query, list[str]]:
    """A Query from URL parameters, and a message for each one that was refused (and left at its
    default): a bad parameter never fails the page."""
    problems: list[str] = []

    def number(name: str, default: int, low: int, high: int) -> int:
        text = params.get(name, "").strip()
        if not text:
            return default
        try:
            value = int(text)
        except ValueError:
            problems.append(f"{name}: {text[:40]!r} is not a whole number; using {default}")
            return default
        if not low <= value <= high:
            problems.append(f"{name}: {value} is outside {low}-{high}; using {default}")
            return default
        return value

    sort = params.get("sort", "next")
    if sort not in SORTS:
        problems.append(f"sort: {sort[:40]!r} is not one of {', '.join(SORTS)}; sorted by next run")
        sort = "next"
    state = params.get("state", "")
    if state not in STATES:
        problems.append(f"state: {state[:40]!r} is not enabled or disabled; showing both")
        state = ""
    query = Query(
        q=params.get("q", "").strip()[:200],
        state=state,
        task=params.get("task", "").strip()[:200],
        late=_flag(params, "late"),
        corrupt=_flag(params, "corrupt"),
        label=params.get("label", "").strip()[:200],
        sort=sort,
        desc=params.get("desc", "") in ("1", "true", "on"),
        page=number("page", 1, 1, 10**9),
        size=number("size", Query.size, 1, MAX_PAGE_SIZE),
    )
    return query, problems


def _flag(params: Mapping[str, str], name: str) -> bool:
    return params.get(name, "") in ("1", "true", "on")


@dataclass
class Row:
    """One schedule member: its entry, or why it cannot be read."""

    key: str
    name: str
    score: float | None
    entry: Entry | None = None
    problem: str | None = None  # corrupt, or a member without a hash
    labels: dict[str, str] | None = None
    late: bool = False
    view: dict[str, Any] = field(default_factory=dict)  # describe.row(): only for the rows shown


@dataclass
class Listing:
    query: Query
    rows: list[Row]  # the page
    total: int  # members of the schedule
    matched: int  # rows the query selects (of those examined)
    examined: int  # members read to answer (the page alone for the default view)
    capped: bool  # the scan stopped at the limit before the end of the schedule
    scan_limit: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.matched // self.query.size))

    @property
    def show_labels(self) -> bool:
        return any(row.labels for row in self.rows)


def _row(stored: Stored, client: RedBeatClient, now: datetime, late_after: int) -> Row:
    key = stored.key
    try:
        name = client.keys.name_of(key)
    except ValueError as exc:
        return Row(key, key, stored.score, problem=str(exc))
    try:
        entry = operations.read(stored, name, client.timezone, client.clock)
    except (CorruptEntry, ValueError) as exc:
        reason = exc.reason if isinstance(exc, CorruptEntry) else str(exc)
        return Row(key, name, stored.score, problem=reason)
    late = entry.enabled and stored.score is not None and 0 <= stored.score < now.timestamp() - late_after
    return Row(key, name, stored.score, entry, labels=extensions.labels_of(entry), late=late)


def _matches(row: Row, query: Query) -> bool:
    entry = row.entry
    if query.corrupt and row.problem is None:
        return False
    if query.q:
        needle = query.q.casefold()
        haystack = [
            row.name,
            entry.task if entry else "",
            *(f"{k}={v}" for k, v in (row.labels or {}).items()),
        ]
        if not any(needle in text.casefold() for text in haystack):
            return False
    if query.state or query.task or query.late or query.label:
        if entry is None:
            return False
        if query.state and entry.enabled != (query.state == "enabled"):
            return False
        if query.task and not fnmatch.fnmatchcase(entry.task, query.task):
            return False
        if query.late and not row.late:
            return False
        if query.label and not extensions.label_matches(row.labels, query.label):
            return False
    return True


def _sort_key(sort: str) -> Callable[[Row], Any]:
    """Rows that cannot be read sort last; ties keep schedule order (the sort is stable)."""

    def key(row: Row) -> Any:
        entry = row.entry
        if entry is None:
            return (1, "")
        if sort == "name":
            return (0, row.name.casefold(), row.name)
        if sort == "task":
            return (0, entry.task)
        if sort == "last":
            return (0, entry.last_run_at.timestamp() if entry.last_run_at else float("-inf"))
        if sort == "runs":
            return (0, entry.total_run_count)
        return (0, entry.enabled)

    return key


class Reader:
    """Reads pages of the schedule of one client for the dashboard."""

    def __init__(self, client: RedBeatClient, scan_limit: int = 10_000, late_after: int = LATE_AFTER):
        self.client = client
        self.scan_limit = scan_limit
        self.late_after = late_after

    def listing(self, query: Query) -> Listing:
        listing = self._straight(query) if query.straight else self._scanned(query)
        for row in listing.rows:
            if row.entry is not None:
                row.view = describe.row(row.entry, row.key)
        return listing

    def _straight(self, query: Query) -> Listing:
        now = self.client.now()
        start = (query.page - 1) * query.size
        total, stored = self.client.store.drive(
            operations.counted_page(self.client.keys, start, query.size, reverse=query.desc)
        )
        rows = [_row(s, self.client, now, self.late_after) for s in stored]
        return Listing(query, rows, total, total, len(rows), False, self.scan_limit)

    def _scanned(self, query: Query) -> Listing:
        now = self.client.now()
        late_before = now.timestamp() - self.late_after
        matched: list[Row] = []
        examined = total = 0
        stop = False
        for size, stored in self._walk():
            total = size
            for s in stored:
                examined += 1
                if query.late and s.score is not None and s.score >= late_before:
                    stop = True  # schedule order: nothing after this one is late
                    break
                row = _row(s, self.client, now, self.late_after)
                if _matches(row, query):
                    matched.append(row)
            if stop:
                break
        capped = not stop and examined < total
        if query.sort != "next":
            matched.sort(key=_sort_key(query.sort), reverse=query.desc)
        elif query.desc:
            matched.reverse()
        start = (query.page - 1) * query.size
        page = matched[start : start + query.size]
        return Listing(query, page, total, len(matched), examined, capped, self.scan_limit)

    def _walk(self) -> Iterator[tuple[int, list[Stored]]]:
        """(schedule size, a batch of members) in rank order, until the end or the scan limit."""
        start = 0
        while start < self.scan_limit:
            count = min(SCAN_BATCH, self.scan_limit - start)
            total, stored = self.client.store.drive(operations.counted_page(self.client.keys, start, count))
            if not stored:
                return
            yield total, stored
            start += len(stored)
