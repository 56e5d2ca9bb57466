"""How long runs are kept: one number of days, optionally longer for failed runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from osiris.kinds import ALL_PHASES

DAY_SECONDS = 86_400
# "Keep failed runs longer" covers every way a run can fail: its own steps failed
# (Failed), OpenShift could not run a build (Error), a Tekton run ran out of time
# (TimedOut). A cancelled run is not a failure.
FAILED_PHASES = ("Failed", "Error", "TimedOut")
MAX_DAYS = 36_500


@dataclass(frozen=True)
class RetentionPolicy:
    days: int
    phase_days: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for phase, days in {"": self.days, **self.phase_days}.items():
            if phase and phase not in ALL_PHASES:
                raise ValueError(f"{phase!r} is not a terminal phase of any kind of run")
            if not 1 <= days <= MAX_DAYS:
                raise ValueError(f"retention must be 1-{MAX_DAYS} days, not {days}")

    @classmethod
    def of(cls, days: int, failed_days: int | None = None) -> RetentionPolicy:
        if failed_days is None or failed_days == days:
            return cls(days)
        return cls(days, dict.fromkeys(FAILED_PHASES, failed_days))

    def days_for(self, phase: str) -> int:
        return self.phase_days.get(phase, self.days)

    @property
    def per_phase(self) -> bool:
        return bool(self.phase_days)

    @property
    def shortest(self) -> int:
        return min([self.days, *self.phase_days.values()])

    @property
    def longest(self) -> int:
        return max([self.days, *self.phase_days.values()])
