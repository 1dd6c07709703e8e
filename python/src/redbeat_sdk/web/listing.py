"""The entries table: which rows a query shows and what reading them costs.

The default view (schedule order, by next run, either direction) pages straight from the schedule sorted
set: one ZRANGE by rank with a ZCARD, then one load of that page's hashes, whatever the schedule's size.
A label filter reads only the entries the label index lists (then applies the other filters to those).
Any other sort or filter has to look at every entry: it walks the schedule in rank order, at most
`scan_limit` members, and says so (with how far it got) on the page.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from math import inf
from typing import Any
from urllib.parse import urlencode

from .. import codec, operations
from ..cli import describe
from ..client import RedBeatClient
from ..entry import Entry
from ..errors import CorruptEntry, ValidationError
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

    q: str = ""  # a piece of the name or the task (case-insensitive)
    state: str = ""  # "", "enabled" or "disabled"
    task: str = ""  # a glob over the task name
    late: bool = False
    corrupt: bool = False
    label: str = ""  # `name=value` or `name` (any value), several separated by commas
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
    label = params.get("label", "").strip()[:200]
    try:
        label = label if extensions.label_filter(label) else ""
    except ValidationError as exc:
        problems.append(f"{exc}; showing every label")
        label = ""
    query = Query(
        q=params.get("q", "").strip()[:200],
        state=state,
        task=params.get("task", "").strip()[:200],
        late=_flag(params, "late"),
        corrupt=_flag(params, "corrupt"),
        label=label,
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

    stored: Stored
    name: str
    task: str = ""
    enabled: bool = False
    entry: Entry | None = None  # fully read: only for the rows shown (and for exact filters)
    problem: str | None = None  # corrupt, or a member without a hash
    labels: dict[str, str] = field(default_factory=dict)
    late: bool = False
    order: Any = None  # the value the rows are sorted by (last run, run count)
    view: dict[str, Any] = field(default_factory=dict)  # describe.row(): only for the rows shown

    @property
    def key(self) -> str:
        return self.stored.key


@dataclass
class Listing:
    query: Query
    rows: list[Row]  # the page
    total: int  # members of the schedule
    matched: int  # rows the query selects (of those examined)
    examined: int  # members read to answer (the page alone for the default view)
    capped: bool  # the scan stopped at the limit before the end of the schedule
    scan_limit: int
    indexed: bool = False  # the rows examined are those the label index lists
    labelled: bool = False  # some entry of the schedule carries labels: the labels column and filter show

    @property
    def pages(self) -> int:
        return max(1, -(-self.matched // self.query.size))


class _Rows:
    """Schedule members as rows, for one request: `read` decodes an entry as the SDK does (the rows
    shown, and filters that need it); `glance` only parses the JSON, a tenth of the cost, enough to
    filter and sort a scan by name, task, state, lateness, last run and run count."""

    def __init__(self, client: RedBeatClient, late_after: int):
        self.client = client
        self.late_before = client.now().timestamp() - late_after

    def _late(self, stored: Stored, enabled: bool) -> bool:
        score = stored.score
        return enabled and score is not None and 0 <= score < self.late_before

    def read(self, stored: Stored) -> Row:
        client = self.client
        try:
            name = client.keys.name_of(stored.key)
        except ValueError as exc:
            return Row(stored, stored.key, problem=str(exc))
        try:
            entry = operations.read(stored, name, client.timezone, client.clock)
        except (CorruptEntry, ValueError) as exc:
            return Row(stored, name, problem=exc.reason if isinstance(exc, CorruptEntry) else str(exc))
        late = self._late(stored, entry.enabled)
        return Row(stored, name, entry.task, entry.enabled, entry, labels=entry.extensions.labels, late=late)

    def glance(self, stored: Stored, sort: str) -> Row:
        """The row as far as filtering and sorting need; anything odd is read in full (exact reason)."""
        try:
            name = self.client.keys.name_of(stored.key)
            definition = json.loads(stored.definition or "null")
            meta = json.loads(stored.meta) if stored.meta else {}
        except (ValueError, RecursionError):  # not JSON, or nested too deep: the reader says which
            return self.read(stored)
        task = definition.get("task") if isinstance(definition, dict) else None
        if not isinstance(task, str) or not isinstance(meta, dict):
            return self.read(stored)
        enabled = bool(definition.get("enabled", True))  # null counts as disabled, as upstream reads it
        row = Row(stored, name, task, enabled, late=self._late(stored, enabled))
        if sort == "runs":
            count = meta.get("total_run_count")
            row.order = count if isinstance(count, int) else 0
        elif sort == "last":
            try:
                last, _ = codec.decode_meta(stored.key, stored.meta)
            except CorruptEntry:
                return self.read(stored)
            row.order = last.timestamp() if last else -inf
        return row


def _matches(row: Row, query: Query) -> bool:
    if query.corrupt and row.problem is None:
        return False
    if query.q:
        needle = query.q.casefold()
        if needle not in row.name.casefold() and needle not in row.task.casefold():
            return False
    if query.state or query.task or query.late or query.label:  # (the labels themselves: Reader._indexed)
        if row.problem is not None:
            return False
        if query.state and row.enabled != (query.state == "enabled"):
            return False
        if query.task and not fnmatch.fnmatchcase(row.task, query.task):
            return False
        if query.late and not row.late:
            return False
    return True


def _sort_key(sort: str) -> Callable[[Row], Any]:
    """The value readable rows are sorted by; ties keep schedule order (the sort is stable)."""

    def key(row: Row) -> Any:
        if sort == "name":
            return (row.name.casefold(), row.name)
        if sort == "task":
            return row.task
        if sort in ("last", "runs") and row.entry is not None:  # read in full: the entry knows
            last = row.entry.last_run_at
            return row.entry.total_run_count if sort == "runs" else last.timestamp() if last else -inf
        if sort in ("last", "runs"):
            return row.order
        return row.enabled

    return key


def _sorted(rows: list[Row], query: Query) -> list[Row]:
    """Rows in the query's order: schedule order (where the scan found them) by next run, as the
    default view shows them; by any other column, rows that cannot be read come last either way."""
    if query.sort == "next":
        return rows[::-1] if query.desc else rows
    readable = [row for row in rows if row.problem is None]
    readable.sort(key=_sort_key(query.sort), reverse=query.desc)
    return readable + [row for row in rows if row.problem is not None]


class Reader:
    """Reads pages of the schedule of one client for the dashboard."""

    def __init__(self, client: RedBeatClient, scan_limit: int = 10_000, late_after: int = LATE_AFTER):
        self.client = client
        self.scan_limit = scan_limit
        self.late_after = late_after

    def listing(self, query: Query) -> Listing:
        rows = _Rows(self.client, self.late_after)
        if query.straight:
            listing = self._straight(query, rows)
        else:
            listing = self._indexed(query, rows) if query.label else self._scanned(query, rows)
        listing.labelled = bool(query.label) or any(row.labels for row in listing.rows)
        if not listing.labelled:
            listing.labelled = self.client.store.drive(operations.any_labelled(self.client.keys))
        for row in listing.rows:
            if row.entry is not None:
                try:
                    row.view = describe.row(row.entry, row.key)
                except ValidationError as exc:  # a next run no date holds (an interval of a million years)
                    row.problem = str(exc)
        return listing

    def _straight(self, query: Query, rows: _Rows) -> Listing:
        start = (query.page - 1) * query.size
        total, stored = self.client.store.drive(
            operations.counted_page(self.client.keys, start, query.size, reverse=query.desc)
        )
        page = [rows.read(s) for s in stored]
        return Listing(query, page, total, total, len(page), False, self.scan_limit)

    def _indexed(self, query: Query, rows: _Rows) -> Listing:
        """The entries the label index lists under the filter's labels, the other filters applied."""
        client = self.client
        wanted = extensions.label_filter(query.label)
        stored = client.store.drive(operations.labelled(client.keys, wanted, client.batch_size))
        total = client.store.drive(operations.size(client.keys))
        # read in full: whether each still carries the labels (the index can be behind a writer without the
        # profile) is for the decoded entry to tell
        matched = [
            row
            for row in map(rows.read, stored)
            if extensions.label_matches(row.labels, wanted) and _matches(row, query)
        ]
        listing = self._paged(query, rows, matched, total, len(stored), False)
        listing.indexed = True
        return listing

    def _scanned(self, query: Query, rows: _Rows) -> Listing:
        exact = query.corrupt  # what a glance cannot tell
        matched: list[Row] = []
        examined = total = 0
        stop = False
        for size, stored in self._walk():
            total = size
            for s in stored:
                examined += 1
                if query.late and s.score is not None and s.score >= rows.late_before:
                    stop = True  # schedule order: nothing after this one is late
                    break
                row = rows.read(s) if exact else rows.glance(s, query.sort)
                if _matches(row, query):
                    matched.append(row)
            if stop:
                break
        return self._paged(query, rows, matched, total, examined, not stop and examined < total)

    def _paged(
        self, query: Query, rows: _Rows, matched: list[Row], total: int, examined: int, capped: bool
    ) -> Listing:
        """The query's page of the rows it selects, sorted, each shown row read in full."""
        matched = _sorted(matched, query)
        start = (query.page - 1) * query.size
        page = [
            row if row.entry or row.problem else rows.read(row.stored)
            for row in matched[start : start + query.size]
        ]
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
