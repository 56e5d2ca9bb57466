"""The lookup function's Flask app: service routes, the API, the web UI, metrics, problems.

:func:`create_app` receives everything it uses (store factory, key layout, access
reviewer, clock), so tests build it around a local directory, a real Ceph bucket or
the simulated cluster API, and the entry point builds it once from the environment.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from importlib import resources

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from osiris.adapters.store import ObjectStore
from osiris.contract import SWEEP_TARGET
from osiris.core.keys import KeyLayout
from osiris.errors import InvalidNameError, OsirisError
from osiris.lookup import problems, ui
from osiris.lookup.auth import AccessReviewer
from osiris.lookup.counted import CountedStore
from osiris.lookup.gate import Gate
from osiris.lookup.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from osiris.lookup.metrics import Metrics, render_sweep_status
from osiris.lookup.routes import API, JSON, ApiRoutes, json_response
from osiris.lookup.search import DEFAULT_SEARCH_BUDGET, LogSearch, SearchBudget

log = logging.getLogger("osiris.lookup")

METRICS_EXTENSION = "osiris.metrics"


def _package_text(name: str) -> str:
    return resources.files("osiris.lookup").joinpath(name).read_text(encoding="utf-8")


def create_app(
    store: Callable[[], ObjectStore],
    layout: KeyLayout,
    reviewer: AccessReviewer | None,
    *,
    metrics: Metrics | None = None,
    clock: Callable[[], float] = time.perf_counter,
    search_budget: SearchBudget = DEFAULT_SEARCH_BUDGET,
    search_clock: Callable[[], float] = time.monotonic,
    trust_forwarded_token: bool = False,
) -> Flask:
    """The lookup app.

    ``store`` builds the object store on first use (cold starts stay light);
    ``reviewer`` None means AUTH=none: every request is served without a token.
    ``trust_forwarded_token``: X-Forwarded-Access-Token from a loopback peer is a token
    (the oauth-proxy sidecar; see :mod:`osiris.lookup.gate`).
    The app's metrics are ``app.extensions["osiris.metrics"]``.
    """
    app = Flask("osiris.lookup")
    # OPTIONS is not part of the API: it gets the 405 problem answer like any other method
    # (Flask's automatic answer is an empty text/html 200).
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    # A doubled slash is a 404 problem, not Werkzeug's HTML redirect to the merged path.
    app.url_map.merge_slashes = False
    counters = metrics or Metrics()
    app.extensions[METRICS_EXTENSION] = counters
    bucket = CountedStore(store, counters)
    _register_plumbing(app, counters, clock)
    _register_service_routes(app, bucket, layout, counters)
    search = LogSearch(bucket, search_budget, clock=search_clock)
    gate = Gate(reviewer, layout.cluster, trust_forwarded_token=trust_forwarded_token)
    ApiRoutes(bucket, layout, gate, search).register(app)
    ui.register(app)
    return app


def _raw_path(environ: dict[str, object]) -> str:
    """The request target's path as the client sent it (still percent-encoded): gunicorn
    and Werkzeug's server keep it in RAW_URI / REQUEST_URI; PATH_INFO is decoded."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    return str(raw).partition("?")[0]


def _register_plumbing(app: Flask, counters: Metrics, clock: Callable[[], float]) -> None:
    @app.before_request
    def start_timer() -> None:
        g.started = clock()

    @app.before_request
    def refuse_encoded_slashes() -> None:
        # The server decodes %2F before routing, so ``a%2Fb`` would be routed as two
        # segments and ``builds/x%2Flog`` as a log: another resource than the one named.
        # No name in this API may contain a slash, so an encoded one is a 400 (before
        # the routing error a decoded path might get), not a guess.
        if request.path.startswith("/api/") and "%2f" in _raw_path(request.environ).lower():
            raise InvalidNameError("a path segment must not contain an encoded slash (%2F)")

    @app.after_request
    def record(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
        started = g.get("started", clock())
        counters.observe_request(rule, request.method, response.status_code, clock() - started)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    @app.errorhandler(OsirisError)
    def known_error(error: OsirisError) -> Response:
        if error.retryable:
            log.warning("dependency unavailable: %s", error.message)
        return problems.from_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 404:
            return problems.problem(problems.NOT_FOUND, "no such resource; see /openapi.json")
        if status == 405:
            response = problems.problem(
                problems.METHOD_NOT_ALLOWED, "this API is read-only: use GET"
            )
            response.headers["Allow"] = "GET, HEAD"
            return response
        return problems.problem(problems.BAD_REQUEST, error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        # The trace goes to the log, never into the answer.
        log.exception("unexpected failure in %s", request.url_rule or "an unmatched route")
        return problems.problem(problems.INTERNAL, "an unexpected error occurred")


def _register_service_routes(
    app: Flask, bucket: CountedStore, layout: KeyLayout, counters: Metrics
) -> None:
    spec_text = _package_text("openapi.json")
    page_text = _package_text("api.html")

    def api_page() -> Response:
        return Response(page_text, content_type="text/html; charset=utf-8")

    def openapi() -> Response:
        return Response(spec_text, content_type=JSON)

    def healthz() -> Response:
        return json_response({"status": "ok"})

    def readyz() -> Response:
        bucket.check()
        return json_response({"status": "ready"})

    def metrics_page() -> Response:
        return Response(
            counters.render() + _sweep_status(bucket, layout), content_type=METRICS_CONTENT_TYPE
        )

    app.add_url_rule(f"{API}/docs", view_func=api_page, endpoint="api_docs")
    app.add_url_rule("/openapi.json", view_func=openapi)
    app.add_url_rule(f"{API}/openapi.json", view_func=openapi, endpoint="api_openapi")
    app.add_url_rule("/healthz", view_func=healthz)
    app.add_url_rule("/readyz", view_func=readyz)
    app.add_url_rule("/metrics", view_func=metrics_page)


def _sweep_status(bucket: CountedStore, layout: KeyLayout) -> str:
    """The sweep's last run as gauges; nothing when it never ran or cannot be read."""
    try:
        document = json.loads(bucket.get(layout.status_key(SWEEP_TARGET)))
    except (OsirisError, ValueError):
        return ""
    return render_sweep_status(document) if isinstance(document, dict) else ""
