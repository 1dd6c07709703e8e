"""Reading entry hashes fast, with the SDK's verdict on every value.

The SDK's reader (`redbeat_sdk.codec.decode_entry`) validates a definition against the whole read
profile: 40 to 100 µs, most of it on the schedule. Here the definitions upstream and our clients
write (the seven write-profile keys, plain JSON task data) take a lean path: the standard library's
`json.loads`, a few type checks, and the schedule looked up by its value among the schedules the
SDK has already accepted (a schedule's validity does not depend on the rest of the entry). Anything
else — a first-seen schedule, a datetime inside the task data, constructor keywords, a bare number,
any value of an unexpected type — goes through the SDK's reader, which accepts it or raises
`CorruptEntry` with the field and the reason. The lean path accepts nothing the SDK would refuse.

Run states (`meta`) repeat across entries, since every entry run in one tick carries that tick's stamp;
they are decoded by the SDK once per distinct value.

An `extensions` field (the extension profile) is decoded by the SDK once per entry and stored value: its
rules (zone, window, jitter), catch-up window and one-off deletion ride along with the entry. A field the
SDK cannot read makes the entry unreadable, like a bad definition: the scheduler cannot honour rules it
cannot read.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from datetime import datetime
from typing import Any

from redbeat_sdk import codec
from redbeat_sdk.extensions import catch_up_window
from redbeat_sdk.runs import PLAIN, Rules
from redbeat_sdk.schedules import OneOff

from .plans import Plan

# The keys upstream (and the write profile) put in a definition; anything else takes the SDK's path.
PLAIN_KEYS = frozenset(("name", "task", "args", "kwargs", "options", "schedule", "enabled"))

DEFINITIONS_KEPT = 4096  # decoded definitions, by (key, raw JSON): re-read every period, rarely changed
METAS_KEPT = 4096  # decoded run states, by raw JSON
PLANS_KEPT = 4096  # distinct schedules

_raw_decode = json.JSONDecoder().raw_decode

# A definition of the plain form: (task, args, kwargs, options, enabled, plan)
_Lean = tuple[str, list[Any] | None, dict[str, Any], dict[str, Any], bool, Plan]
# An extensions field read: (rules, catch-up window in seconds or None, one-off marker or None)
_Extended = tuple[Rules, "float | None", "dict[str, Any] | None"]


class Loaded:
    """One readable entry: what to send and when it last ran. Duck-types the SDK `Entry` for
    `decision.decide` (`enabled`, `schedule`, `last_run_at`)."""

    __slots__ = (
        "args",
        "catch_up",
        "delete_after_run",
        "enabled",
        "kwargs",
        "last_run_at",
        "name",
        "options",
        "plan",
        "rules",
        "task",
        "total_run_count",
    )

    def __init__(
        self,
        name: str,
        task: str,
        args: list[Any] | None,
        kwargs: dict[str, Any],
        options: dict[str, Any],
        enabled: bool,
        plan: Plan,
        last_run_at: datetime | None,
        total_run_count: int,
    ) -> None:
        self.name = name
        self.task = task
        self.args = args
        self.kwargs = kwargs
        self.options = options
        self.enabled = enabled
        self.plan = plan
        self.last_run_at = last_run_at
        self.total_run_count = total_run_count
        self.rules: Rules = PLAIN  # the extension profile's zone, window and jitter
        self.catch_up: float | None = None  # its catch-up window in seconds (None: the beat's rule)
        self.delete_after_run = False  # a one-off to delete in the step that records its run

    @property
    def schedule(self) -> Plan:
        return self.plan


class Reader:
    """Decodes `RawEntry`s into `Loaded` entries for one scheduler; raises `CorruptEntry` (or any error
    of the SDK's reader) for an entry upstream would crash on or drop."""

    def __init__(self) -> None:
        self._definitions: OrderedDict[tuple[str, str | None], _Lean] = OrderedDict()
        self._metas: OrderedDict[str, tuple[datetime | None, int]] = OrderedDict()
        self._plans: dict[str, Plan] = {}
        # (key, raw extensions field) -> (rules, catch-up window, one-off marker)
        self._extensions: OrderedDict[tuple[str, str], _Extended] = OrderedDict()

    def read(
        self,
        key: str,
        name: str,
        definition: str | bytes | None,
        meta: str | bytes | None,
        extensions: str | bytes | None = None,
    ) -> Loaded:
        if isinstance(definition, bytes) or isinstance(meta, bytes):  # not UTF-8 (store.RawEntry)
            definition = codec.field_text(key, "definition", definition)  # raises CorruptEntry
            meta = codec.field_text(key, "meta", meta)
        extended = None if extensions is None else self._extended(key, name, extensions)
        cached = self._definitions.get((key, definition))
        if cached is None:
            cached = self._lean_definition(key, name, definition)
            if cached is None:  # not the plain form: the SDK reads it, run state included
                return self._with(self._sdk_read(key, name, definition, meta), extended)
            self._remember(self._definitions, (key, definition), cached, DEFINITIONS_KEPT)
        else:
            self._definitions.move_to_end((key, definition))
        task, args, kwargs, options, enabled, plan = cached
        last_run_at, total = self._meta(key, meta)
        loaded = Loaded(name, task, args, kwargs, options, enabled, plan, last_run_at, total)
        return self._with(loaded, extended)

    # extensions

    def _extended(self, key: str, name: str, raw: str | bytes) -> _Extended:
        text = codec.field_text(key, "extensions", raw)
        assert text is not None
        cached = self._extensions.get((key, text))
        if cached is None:
            extensions, marker = codec.read_extensions(key, text)  # CorruptEntry when it breaks the profile
            cached = (Rules.of(name, extensions), catch_up_window(extensions.catch_up), marker)
            self._remember(self._extensions, (key, text), cached, DEFINITIONS_KEPT)
        return cached

    @staticmethod
    def _with(loaded: Loaded, extended: _Extended | None) -> Loaded:
        if extended is None:
            return loaded
        loaded.rules, loaded.catch_up, marker = extended
        if marker is not None:
            schedule = OneOff.matching(loaded.plan.schedule, marker)
            loaded.delete_after_run = isinstance(schedule, OneOff) and schedule.delete_after_run
        return loaded

    # definitions

    def _lean_definition(self, key: str, name: str, definition: str | None) -> _Lean | None:
        """(task, args, kwargs, options, enabled, plan) when the definition has the plain form and a
        schedule the SDK has accepted before; None sends it to the SDK's reader."""
        if not definition or not name:
            return None
        codec.check_depth(key, "definition", definition)
        try:  # json.loads without its two whitespace scans; anything unusual goes to the SDK
            d, end = _raw_decode(definition)
        except ValueError:
            return None
        if end != len(definition) or type(d) is not dict or not d.keys() <= PLAIN_KEYS:
            return None
        task = d.get("task")
        args, kwargs, options = d.get("args"), d.get("kwargs"), d.get("options")
        enabled = d.get("enabled", True)
        if (
            type(task) is not str
            or not task
            or type(enabled) is not bool
            or not (args is None or type(args) is list)
            or not (kwargs is None or type(kwargs) is dict)
            or not (options is None or type(options) is dict)
            or not (d.get("name") is None or type(d.get("name")) is str)
            or not (_plain(args) and _plain(kwargs) and _plain(options))
        ):
            return None
        if "schedule" not in d:
            return None
        # repr() of a decoded JSON value names every type (5, 5.0 and True differ): a faithful cache key
        text = repr(d["schedule"])
        plan = self._plans.get(text)
        if plan is None:
            # First sight of this schedule: the SDK validates the whole definition once (and raises on
            # anything wrong with it); the schedule it accepted is then good for every entry storing it.
            entry = codec.decode_entry(key, name, definition, None)
            plan = Plan(entry.schedule)
            if len(self._plans) >= PLANS_KEPT:
                self._plans.clear()
            self._plans[text] = plan
        return task, args, kwargs or {}, options or {}, enabled, plan

    def _sdk_read(self, key: str, name: str, definition: str | None, meta: str | None) -> Loaded:
        entry = codec.decode_entry(key, name, definition, meta)
        return Loaded(
            entry.name,
            entry.task,
            entry.args,
            entry.kwargs,
            entry.options,
            entry.enabled,
            Plan(entry.schedule),
            entry.last_run_at,
            entry.total_run_count,
        )

    # run state

    def _meta(self, key: str, meta: str | None) -> tuple[datetime | None, int]:
        if not meta:
            return None, 0
        state = self._metas.get(meta)
        if state is None:
            state = codec.decode_meta(key, meta)
            self._remember(self._metas, meta, state, METAS_KEPT)
        return state

    @staticmethod
    def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, size: int) -> None:
        cache[key] = value
        if len(cache) > size:
            cache.popitem(last=False)


def _plain(value: Any) -> bool:
    """Task data the SDK would return unchanged: JSON without typed objects (a `{"__type__": ...}`
    datetime is decoded by the SDK) and without NaN or infinities (which the SDK refuses)."""
    kind = type(value)
    if kind is dict:
        if "__type__" in value:
            return False
        for item in value.values():
            if type(item) in _SCALARS_OK or _plain(item):
                continue
            return False
        return True
    if kind is list:
        for item in value:
            if type(item) in _SCALARS_OK or _plain(item):
                continue
            return False
        return True
    if kind is float:
        return math.isfinite(value)
    return True


_SCALARS_OK = frozenset((str, int, bool, type(None)))
