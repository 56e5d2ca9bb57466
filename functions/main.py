"""functions-framework source: one image, one target per Knative Service.

``FUNCTION_TARGET`` selects the function. Only the selected one is imported and built at
start-up, so a bad configuration stops the process with a message naming the variable,
and a scale-to-zero lookup does not pay for importing the archive or sweep code.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

import flask
import functions_framework
from cloudevents.http import CloudEvent
from flask import Request, Response

from osiris.entrypoints.serving import read_cloudevents_strictly, route_every_path

if TYPE_CHECKING:
    from osiris.entrypoints.archive import ArchiveFunction
    from osiris.entrypoints.sweep import SweepFunction


@functools.cache
def _archive() -> ArchiveFunction:
    from osiris.entrypoints.archive import ArchiveFunction

    return ArchiveFunction.from_environ(os.environ)


@functools.cache
def _sweep() -> SweepFunction:
    from osiris.entrypoints.sweep import SweepFunction

    return SweepFunction.from_environ(os.environ)


@functions_framework.cloud_event
def archive(event: CloudEvent) -> None:
    """CloudEvent target: archive a finished build's log."""
    _archive()(event.get_attributes(), event.get_data())


@functions_framework.cloud_event
def sweep(event: CloudEvent) -> None:
    """CloudEvent target (a PingSource's tick): archive the finished builds events missed."""
    _sweep()(event.get_attributes(), event.get_data())


@functions_framework.http
def lookup(request: Request) -> Response:
    """HTTP target: the lookup API."""
    from osiris.entrypoints.lookup import lookup as handle

    return handle(request)


# functions-framework executes this file inside the context of the app that serves it,
# before it adds the catch-all route to the function: every path must reach the function
# (a path with a line feed otherwise gets Werkzeug's HTML 404; see osiris.entrypoints.serving),
# and a CloudEvent target sees only CloudEvents (anything else is a 400, never a 500).
_TARGET = os.environ.get("FUNCTION_TARGET")
if flask.has_app_context():
    route_every_path(flask.current_app)
    if _TARGET in ("archive", "sweep"):
        read_cloudevents_strictly(flask.current_app, archive if _TARGET == "archive" else sweep)

if _TARGET == "archive":
    _archive()
elif _TARGET == "sweep":
    _sweep()
elif _TARGET == "lookup":
    from osiris.entrypoints import lookup as _lookup_entrypoint

    _lookup_entrypoint.app()
