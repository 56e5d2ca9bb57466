"""One index entry: everything a list view shows about a run, in one key segment.

Its fields are joined by ``_`` (a character no DNS-1123 name can hold)::

    <inverted created>_<name>_<phase>_<number>_<group>_<started>_<completed>_<log bytes>_<uid>
    ... _<finding>                           when the log produced a finding (its rule id)

``inverted created`` is ``9999999999 - creation time in epoch seconds``, zero-padded, so
a plain ascending listing returns the newest run first, and a list view needs nothing
but the listing: phase, times and log size are in the key. Absent values are ``-``.
"""

from __future__ import annotations

from dataclasses import dataclass

from osiris.core.refs import build_name, finding_rule, run_name, uid
from osiris.errors import InvalidKeyError

TIME_CEILING = 9_999_999_999  # epoch seconds: year 2286
_ABSENT = "-"
_FIELDS = 9
# Entries written before findings existed have no tenth field; a build without a
# finding still gets nine, so its keys are the same as they always were.
_FIELDS_WITH_FINDING = 10
# Phases no kind ever archives under: a run in them is not finished.
_NOT_FINAL = frozenset({"New", "Pending", "Running", "Unknown", "Started"})


def _phase_word(value: str) -> bool:
    return value.isascii() and value.isalpha() and value[:1].isupper() and len(value) <= 20


def invert_time(epoch_seconds: int) -> str:
    if not 0 <= epoch_seconds <= TIME_CEILING:
        raise InvalidKeyError(f"timestamp {epoch_seconds} is outside the key layout's range")
    return f"{TIME_CEILING - epoch_seconds:010d}"


def revert_time(inverted: str) -> int:
    if len(inverted) != 10 or not inverted.isdigit():
        raise InvalidKeyError(f"{inverted!r} is not an inverted timestamp")
    return TIME_CEILING - int(inverted)


@dataclass(frozen=True)
class IndexEntry:
    """Everything a list view shows about a run, carried in one key segment.

    ``group`` is the run's BuildConfig, Task or Pipeline. The phase is checked against
    the phases of the run's kind by :class:`~osiris.core.keys.KeyLayout`, which knows the kind.
    """

    created: int
    name: str
    phase: str
    uid: str
    number: int | None = None
    group: str | None = None
    started: int | None = None
    completed: int | None = None
    log_bytes: int | None = None  # None: the log could not be archived
    finding: str | None = None  # the rule id of the most severe finding in the log

    def __post_init__(self) -> None:
        build_name(self.name)
        uid(self.uid)
        if self.finding is not None:
            finding_rule(self.finding)
        if self.group is not None:
            run_name(self.group, "group")
        if not _phase_word(self.phase) or self.phase in _NOT_FINAL:
            raise InvalidKeyError(f"phase {self.phase!r} is not a terminal phase")
        for field_name in ("number", "started", "completed", "log_bytes"):
            value = getattr(self, field_name)
            if value is not None and value < 0:
                raise InvalidKeyError(f"{field_name} must not be negative")
        invert_time(self.created)

    @property
    def duration(self) -> int | None:
        if self.started is None or self.completed is None:
            return None
        return max(0, self.completed - self.started)

    def encode(self) -> str:
        def opt(value: object | None) -> str:
            return _ABSENT if value is None else str(value)

        fields = [
            invert_time(self.created),
            self.name,
            self.phase,
            opt(self.number),
            opt(self.group),
            opt(self.started),
            opt(self.completed),
            opt(self.log_bytes),
            self.uid,
        ]
        if self.finding is not None:
            fields.append(self.finding)
        return "_".join(fields)

    @classmethod
    def decode(cls, segment: str) -> IndexEntry:
        fields = segment.split("_")
        if len(fields) not in (_FIELDS, _FIELDS_WITH_FINDING):
            raise InvalidKeyError(f"index entry {segment[:120]!r} has {len(fields)} fields")
        inverted, name, phase, number, bc, started, completed, log_bytes, build_uid = fields[
            :_FIELDS
        ]
        finding = fields[_FIELDS] if len(fields) == _FIELDS_WITH_FINDING else None

        def opt_int(value: str) -> int | None:
            if value == _ABSENT:
                return None
            if not value.isdigit():
                raise InvalidKeyError(f"index entry field {value[:40]!r} is not a number")
            return int(value)

        return cls(
            created=revert_time(inverted),
            name=name,
            phase=phase,
            uid=build_uid,
            number=opt_int(number),
            group=None if bc == _ABSENT else bc,
            started=opt_int(started),
            completed=opt_int(completed),
            log_bytes=opt_int(log_bytes),
            finding=finding,
        )
