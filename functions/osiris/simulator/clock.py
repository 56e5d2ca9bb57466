"""The simulated cluster's time: the wall clock, or a manual one tests move themselves."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time in UTC, truncated to whole seconds like metav1.Time."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class ManualClock(Clock):
    """A clock that only moves when told to; starts at a fixed, reproducible instant."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)).replace(microsecond=0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=round(seconds))
            return self._now


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
