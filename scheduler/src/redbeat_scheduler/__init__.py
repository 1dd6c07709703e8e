"""redbeat-scheduler: the reference Celery beat scheduler for the RedBeat data model.

celery -A proj beat -S redbeat_scheduler.RedBeatScheduler
"""

from .scheduler import RedBeatScheduler, Stats
from .settings import RedBeatSettings, SettingsError

__all__ = ["RedBeatScheduler", "RedBeatSettings", "SettingsError", "Stats"]
__version__ = "0.1.0"
