"""Real `celery beat` processes and what they publish, for the scheduler's process tests, the chaos
scenarios (chaos/) and the failover bench: `Beat` starts one on the Celery project `beatproj`, `BrokerView`
and `Drain` read its messages off a Redis broker, `wait_until` polls with a guard against hangs.

Import with `tools/` on `sys.path` (as `tools/topologies`)."""

from .beat import OURS, UPSTREAM, Beat, wait_until
from .broker import BrokerView, Drain, Sent

__all__ = ["OURS", "UPSTREAM", "Beat", "BrokerView", "Drain", "Sent", "wait_until"]
