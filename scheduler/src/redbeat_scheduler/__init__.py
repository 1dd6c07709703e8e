"""redbeat-scheduler: the reference Celery beat scheduler for the RedBeat data model.

celery -A proj beat -S redbeat_scheduler.RedBeatScheduler
"""

from .scheduler import RedBeatScheduler
from .settings import RedBeatSettings, SettingsError
from .tickstate import Stats

__all__ = ["RedBeatScheduler", "RedBeatSettings", "SettingsError", "Stats"]
__version__ = "0.1.0"
