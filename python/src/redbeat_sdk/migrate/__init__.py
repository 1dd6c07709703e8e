"""Import schedules kept elsewhere: django-celery-beat's tables and a Celery app's `beat_schedule`.

`django_beat.candidates(database.read_tasks(dsn), ...)` and `celery_app.candidates(app, ...)` give one
`Candidate` per row or item (an Entry carrying its run state, or why it cannot be imported);
`plan.plan(...)` names them and refuses names the beat's static sync owns; `RedBeatClient.save_many(...,
run_state=True)` writes them. `redbeat import --from-django-celery-beat` and `--from-app` are this.
"""

from .candidates import Candidate, Refused
from .database import DatabaseError, TaskRow, read_tasks

__all__ = ["Candidate", "DatabaseError", "Refused", "TaskRow", "read_tasks"]
