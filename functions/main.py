"""functions-framework source: one image, one target per Knative Service.

``FUNCTION_TARGET`` selects the function. The selected one is built at import, so a
bad configuration stops the process at start-up with a message naming the variable;
the others are built only if called.
"""

from __future__ import annotations

import functools
import os

import functions_framework
from cloudevents.http import CloudEvent

from osiris.entrypoints.archive import ArchiveFunction
from osiris.entrypoints.lookup import lookup as _lookup
from osiris.entrypoints.sweep import SweepFunction


@functools.cache
def _archive() -> ArchiveFunction:
    return ArchiveFunction.from_environ(os.environ)


@functions_framework.cloud_event
def archive(event: CloudEvent) -> None:
    """CloudEvent target: archive a finished build's log."""
    _archive()(event.get_attributes(), event.get_data())


@functools.cache
def _sweep() -> SweepFunction:
    return SweepFunction.from_environ(os.environ)


@functions_framework.cloud_event
def sweep(event: CloudEvent) -> None:
    """CloudEvent target (a PingSource's tick): archive the finished builds events missed."""
    _sweep()(event.get_attributes(), event.get_data())


if os.environ.get("FUNCTION_TARGET") == "archive":
    _archive()
if os.environ.get("FUNCTION_TARGET") == "sweep":
    _sweep()


lookup = functions_framework.http(_lookup)
