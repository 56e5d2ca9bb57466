"""How functions-framework hands requests to our functions: every path, every byte.

functions-framework routes an ``http`` function through one catch-all rule,
``/<path:path>``. Werkzeug's ``path`` converter matches ``[^/].*?`` and ``.`` does not
match a line feed, so a path with ``%0A`` after its first character (a fuzzer's
``/api/v1/namespaces/a%0Ab/builds``) matched no rule: functions-framework's own Flask app
answered with Werkzeug's HTML 404 and the lookup, which answers every ``/api`` path with
``application/problem+json``, never saw the request. Werkzeug keeps that regex on
purpose (pallets/werkzeug#2803), so the server app gets a ``path`` converter that
matches any character; the lookup's own routes then decide (a namespace with a line
feed is a 400, an unknown route a 404).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import PathConverter


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
