"""The scheduler's Prometheus figures (`--metrics-url`, one per beat), read for the beat page.

A beat of `redbeat-scheduler` with `redbeat_metrics_port` set serves them (scheduler/README.md,
"Metrics"); `redbeat_lock_held` tells the leader from a standby. The text format is parsed by
prometheus-client's own parser.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from ..urls import redacted

PREFIX = "redbeat_"
TIMEOUT = 3.0  # seconds: a beat that does not answer in time is reported, the page still renders
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Figure:
    name: str  # without the redbeat_ prefix (and a counter's _total)
    kind: str  # counter, gauge, histogram
    value: float
    help: str
    mean: float | None = None  # a histogram's sum / count


@dataclass
class Beat:
    """What one beat's metrics endpoint says."""

    url: str  # with any password masked
    error: str | None = None
    leading: bool | None = None  # None: the endpoint has no redbeat_lock_held
    figures: list[Figure] = field(default_factory=list)


def scrape(url: str, timeout: float = TIMEOUT) -> Beat:
    shown = redacted(url)
    if not url.startswith(("http://", "https://")):
        return Beat(shown, error="not an http:// or https:// URL")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # http(s) only: checked above
            text = reply.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        return Beat(shown, error=f"the endpoint answered HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return Beat(shown, error=f"unreachable: {reason}")
    if len(text) > MAX_BYTES:
        return Beat(shown, error=f"the answer is longer than {MAX_BYTES} bytes: not a beat's metrics")
    try:
        return _parse(shown, text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return Beat(shown, error=f"not Prometheus text format: {exc}")


def _parse(url: str, text: str) -> Beat:
    beat = Beat(url)
    for family in text_string_to_metric_families(text):
        if not family.name.startswith(PREFIX) or family.name.endswith("_created"):
            continue  # _created: when a counter or histogram began, a timestamp rather than a figure
        name = family.name.removeprefix(PREFIX)
        samples = {sample.name: sample.value for sample in family.samples if not sample.labels.get("le")}
        if family.type == "histogram":
            count = samples.get(family.name + "_count", 0.0)
            total = samples.get(family.name + "_sum", 0.0)
            beat.figures.append(
                Figure(name, "histogram", count, family.documentation, total / count if count else None)
            )
        elif family.type in ("counter", "gauge"):
            value = samples.get(family.name + "_total", samples.get(family.name, 0.0))
            beat.figures.append(Figure(name, family.type, value, family.documentation))
            if name == "lock_held":
                beat.leading = value >= 1
    if not beat.figures:
        beat.error = "no redbeat_* metrics there: is it a redbeat-scheduler beat's metrics endpoint?"
    return beat
