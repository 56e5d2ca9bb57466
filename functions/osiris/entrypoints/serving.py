"""How functions-framework hands requests to our functions: every path, every byte, and
only CloudEvents to the CloudEvent targets.

functions-framework routes an ``http`` function through one catch-all rule,
``/<path:path>``. Werkzeug's ``path`` converter matches ``[^/].*?`` and ``.`` does not
match a line feed, so a path with ``%0A`` after its first character (a fuzzer's
``/api/v1/namespaces/a%0Ab/builds``) matched no rule: functions-framework's own Flask app
answered with Werkzeug's HTML 404 and the lookup, which answers every ``/api`` path with
``application/problem+json``, never saw the request. Werkzeug keeps that regex on
purpose (pallets/werkzeug#2803), so the server app gets a ``path`` converter that
matches any character; the lookup's own routes then decide (a namespace with a line
feed is a 400, an unknown route a 404).

The CloudEvent targets (``archive``, ``sweep``) answer 2xx, 400 (never redelivered) or 503
(redelivered). functions-framework parses the envelope before the function runs, and a
fuzzer found requests it answered otherwise: a structured-mode body that is not UTF-8 and
a batch (``application/cloudevents-batch+json``) were 500s (an uncaught
``UnicodeDecodeError`` in the CloudEvents SDK; ``TypeError`` in functions-framework's
fallback to legacy "background events"), a body with no CloudEvent and no JSON content
type a 415, and JSON nested deeper than the recursion limit a 500 in both modes
(``RecursionError``; the SDK's ``DataUnmarshallerError``). A
Broker or ApiServerSource would have redelivered the 500s again and again. So the server
app reads the envelope first (:func:`read_cloudevents_strictly`): anything the SDK cannot
read as one CloudEvent is a short 400, and the background-event fallback (Google Cloud's
legacy format, never sent on Knative) is never reached. Having read it, it hands the event
to the function itself: parsing the envelope a second time in functions-framework's view
cost an ignored event a third of its time (benchmarks/archive_events.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import PathConverter

# functions-framework's endpoint for a ``cloudevent`` function (its signature type).
CLOUD_EVENT_ENDPOINT = "cloudevent"
BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"


class AnyCharacterPathConverter(PathConverter):
    """Werkzeug's ``path`` converter, matching line feeds too."""

    regex = r"[^/][\s\S]*?"


def route_every_path(server: Flask) -> None:
    """Let ``server``'s ``<path:…>`` rules match any path, line feeds included.

    Call it before the rules are added: a rule looks its converter up when it is bound
    to the map. functions-framework executes the function's source inside the server
    app's context before it adds its catch-all rules, so ``functions/main.py`` calls it
    with ``flask.current_app``.
    """
    server.url_map.converters["path"] = AnyCharacterPathConverter


def read_cloudevents_strictly(server: Flask, function: Callable[[Any], None]) -> None:
    """Answer 400 before a CloudEvent target runs when the request is not one CloudEvent,
    and run ``function`` (the target) with the event read.

    The request is parsed as functions-framework parses it, with the same SDK call; what
    it cannot read, functions-framework could not have read either. The function's own
    HTTP errors (400, 503) propagate as they do from functions-framework's view.
    """
    from cloudevents.http import from_http

    @server.before_request
    def only_cloudevents() -> str | None:
        if request.endpoint != CLOUD_EVENT_ENDPOINT:
            return None
        if request.mimetype == BATCH_CONTENT_TYPE:
            raise BadRequest("batched CloudEvents are not supported: send one event per request")
        try:
            event = from_http(dict(request.headers), request.get_data())
        except Exception:  # noqa: BLE001 - whatever the SDK raises, this is no CloudEvent
            raise BadRequest(
                "the request is not a CloudEvent (binary mode, or structured mode in UTF-8 JSON)"
            ) from None
        function(event)
        return "OK"  # what functions-framework's view answers
