"""The Redis key namespace of one RedBeat schedule: the only place keys are built."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ClusterConfigError, ValidationError

DEFAULT_PREFIX = "redbeat:"
SCHEDULE_SUFFIX = ":schedule"
STATICS_SUFFIX = ":statics"
LOCK_SUFFIX = ":lock"
OUTBOX_SUFFIX = ":outbox"
# the extension profile's keys (schema/README.md, "Extensions")
LABELS_SUFFIX = ":labels"
HISTORY_PREFIX = ":history:"


@dataclass(frozen=True)
class KeyLayout:
    """Keys derived from a prefix exactly as upstream derives them: no separator is added."""

    prefix: str = DEFAULT_PREFIX
    lock_key: str | None = None  # as configured (redbeat_lock_key); None = the default

    @property
    def schedule(self) -> str:
        return self.prefix + SCHEDULE_SUFFIX

    @property
    def statics(self) -> str:
        return self.prefix + STATICS_SUFFIX

    @property
    def lock(self) -> str:
        if self.lock_key is None:
            return self.prefix + LOCK_SUFFIX
        # upstream keeps a configured key that already starts with the prefix (a plain string test)
        return self.lock_key if self.lock_key.startswith(self.prefix) else self.prefix + self.lock_key

    @property
    def outbox(self) -> str:
        """The scheduler's runs recorded and not yet confirmed by the broker (redbeat-scheduler)."""
        return self.prefix + OUTBOX_SUFFIX

    @property
    def labels(self) -> str:
        """The label index: a sorted set of '<key>=<value>\\n<entry key>' members (extension profile)."""
        return self.prefix + LABELS_SUFFIX

    def history(self, name: str) -> str:
        """The list of an entry's recent runs (extension profile), written by redbeat-scheduler."""
        return self.prefix + HISTORY_PREFIX + name

    def entry(self, name: str) -> str:
        return self.prefix + name

    def name_of(self, key: str) -> str:
        if not key.startswith(self.prefix):
            raise ValueError(f"{key!r} is not under prefix {self.prefix!r}")
        return key[len(self.prefix) :]

    def check_name(self, name: str) -> None:
        """Refuse names whose entry key would be one of the schedule's own keys."""
        key = self.entry(name)
        own = (self.schedule, self.statics, self.lock, self.outbox, self.labels)
        if key in own or name.startswith(HISTORY_PREFIX):
            raise ValidationError("name", f"key {key!r} would collide with the schedule's own keys")

    def hash_tag(self) -> str | None:
        """The Redis Cluster hash tag every key shares, or None when the prefix has none."""
        start = self.prefix.find("{")
        if start < 0:
            return None
        end = self.prefix.find("}", start + 1)
        if end <= start + 1:
            return None
        return self.prefix[start + 1 : end]

    def require_single_slot(self) -> None:
        if self.hash_tag() is None:
            raise ClusterConfigError(
                f"key prefix {self.prefix!r} has no hash tag: on Redis Cluster the entry keys and "
                f"{self.schedule!r} land in different slots and writes cannot be atomic; "
                "use a hash-tagged prefix such as '{redbeat}:'"
            )
