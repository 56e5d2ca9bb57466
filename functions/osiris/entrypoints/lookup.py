"""The ``lookup`` functions-framework target (an ``http`` function).

Thin: the configuration is read once from the environment, the app is built once and
every request is handed to it. Nothing heavy is imported here: the S3 client and the
kubernetes client are built on first use, so a cold start answers quickly.

``functions/main.py`` imports this module only in a process that serves ``lookup``
and builds the app at start-up there (:func:`app`); otherwise on the first request.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

from flask import Flask, Request, Response

from osiris import logs
from osiris.adapters.store import ObjectStore
from osiris.compression import DEFAULT
from osiris.config import AuthMode, load_lookup_config
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
from osiris.lookup.auth import AccessReviewer, CachedAccessReviewer
from osiris.lookup.kubeaccess import JsonPoster, KubeAccessReviewer
from osiris.lookup.search import SearchBudget

log = logging.getLogger("osiris.lookup")

_app: Flask | None = None
_lock = threading.Lock()


def build_app(environ: Mapping[str, str]) -> Flask:
    """The lookup app for a configuration environment (raises ConfigError naming the
    variable when it is wrong)."""
    config = load_lookup_config(environ)
    logs.configure(config.log_level)
    layout = KeyLayout(config.storage.prefix, config.cluster)
    reviewer: AccessReviewer | None = None
    if config.auth is AuthMode.NONE:
        log.warning(
            "OSIRIS_AUTH=none: the lookup function serves every archived log to anybody "
            "who can reach it; use this for local runs only"
        )
    else:
        kubeconfig = config.kubeconfig

        def connect_cluster() -> JsonPoster:
            from osiris.adapters.kube import KubeApi

            return KubeApi.from_environment(read_timeout=10.0, kubeconfig=kubeconfig)

        reviewer = CachedAccessReviewer(KubeAccessReviewer(connect_cluster), config.auth_cache_ttl)
        if config.trust_forwarded_token:
            log.info(
                "OSIRIS_TRUST_FORWARDED_TOKEN=true: X-Forwarded-Access-Token from loopback "
                "(the oauth-proxy sidecar) is reviewed like a bearer token"
            )

    def open_store() -> ObjectStore:
        from osiris.adapters.factory import build_store

        return build_store(config.storage)

    log.info(
        "lookup serving %s (cluster %s, inflating with %s)",
        config.storage.describe(),
        config.cluster,
        DEFAULT.name,
    )
    budget = SearchBudget(config.search_bytes, config.search_seconds)
    return create_app(
        open_store,
        layout,
        reviewer,
        search_budget=budget,
        trust_forwarded_token=config.trust_forwarded_token,
    )


def app() -> Flask:
    global _app  # noqa: PLW0603 - built once per process, on purpose
    with _lock:
        if _app is None:
            _app = build_app(os.environ)
        return _app


def lookup(request: Request) -> Response:
    """functions-framework ``http`` target: dispatch into the lookup app."""
    application = app()
    with application.request_context(request.environ):
        return application.full_dispatch_request()
