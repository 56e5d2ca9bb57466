"""Log faults: what tests queue for the next log requests of a build or a Tekton step.

A :class:`LogFault` is queued on the cluster (``add_log_fault``); each log request takes
an immutable :class:`LogRequestFault` from the queue, which the API server then acts out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LogFault:
    """What the next log request(s) of one build suffer.

    ``status``: answer with this HTTP status and a ``Status`` body instead of the log.
    ``cut_after``: send this many bytes of the log, then close the connection without
    the terminating zero-length chunk. ``stall_after`` / ``stall_seconds``: pause the
    stream once after that many bytes. ``times``: how many requests this applies to
    (``None``: all of them, until cleared).
    """

    status: int | None = None
    cut_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 0.0
    times: int | None = 1


@dataclass(frozen=True)
class LogRequestFault:
    """The fault one log request got (an immutable snapshot taken when it started)."""

    status: int | None = None
    cut_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 0.0


def take_fault(faults: list[LogFault]) -> LogRequestFault:
    """The fault the next log request gets from a queue of faults (and use it up)."""
    if not faults:
        return LogRequestFault()
    fault = faults[0]
    if fault.times is not None:
        fault.times -= 1
        if fault.times <= 0:
            faults.pop(0)
    return LogRequestFault(fault.status, fault.cut_after, fault.stall_after, fault.stall_seconds)
