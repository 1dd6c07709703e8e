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
    VersionConflict,
)
from .keys import DEFAULT_PREFIX, KeyLayout
from .schedules import FR, MO, SA, SU, TH, TU, WE, Crontab, Interval, RRule, Schedule, Weekday

__all__ = [
    "DEFAULT_PREFIX",
    "FR",
    "MO",
    "SA",
    "SU",
    "TH",
    "TU",
    "WE",
    "ClusterConfigError",
    "ConflictError",
    "CorruptEntry",
    "Crontab",
    "Entry",
    "EntryNotFound",
    "Interval",
    "InvalidUrlError",
    "KeyLayout",
    "RRule",
    "RedBeatClient",
    "RedBeatConnectionError",
    "RedBeatError",
    "Schedule",
    "ValidationError",
    "VersionConflict",
    "Weekday",
]
__version__ = "0.1.0"
