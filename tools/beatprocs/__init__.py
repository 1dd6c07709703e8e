"""Real `celery beat` processes and what they publish, for the scheduler's process tests, the chaos
scenarios (chaos/) and the benches: `Beat` starts one on the Celery project `beatproj`, `Worker` a
`celery worker` on it (its `tasks.record` counts each execution), `BrokerView` and `Drain` read messages
off a Redis broker, `wait_until` polls with a guard against hangs.

Import with `tools/` on `sys.path` (as `tools/topologies`)."""

from .beat import OURS, UPSTREAM, Beat, Worker, wait_until
from .broker import BrokerView, Drain, Sent

__all__ = ["OURS", "UPSTREAM", "Beat", "BrokerView", "Drain", "Sent", "Worker", "wait_until"]
