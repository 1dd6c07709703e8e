"""redbeat-sdk: write, read and preview RedBeat (celery-redbeat) schedule entries without Celery."""

from .client import RedBeatClient
from .entry import Entry
from .errors import (
    ClusterConfigError,
    ConflictError,
    CorruptEntry,
    EntryNotFound,
    InvalidUrlError,
    RedBeatConnectionError,
    RedBeatError,
    ValidationError,
)
from .keys import DEFAULT_PREFIX, KeyLayout
from .schedules import FR, MO, SA, SU, TH, TU, WE, Crontab, Interval, RRule, Schedule, Weekday

__all__ = [
    "RedBeatClient",
    "Entry",
    "Interval",
    "Crontab",
    "RRule",
    "Weekday",
    "Schedule",
    "MO",
    "TU",
    "WE",
    "TH",
    "FR",
    "SA",
    "SU",
    "RedBeatError",
    "ValidationError",
    "EntryNotFound",
    "InvalidUrlError",
    "CorruptEntry",
    "ConflictError",
    "RedBeatConnectionError",
    "ClusterConfigError",
    "KeyLayout",
    "DEFAULT_PREFIX",
]
__version__ = "0.1.0"
