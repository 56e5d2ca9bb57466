"""The lookup API's views: parameters in, reader calls, JSON or a log stream out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from flask import Flask, Response, request
from werkzeug.http import http_date

from osiris.adapters.store import ObjectReader, ObjectStore
from osiris.core.keys import BuildRef, KeyLayout
from osiris.core.views import namespace_item
from osiris.errors import NotFoundError
from osiris.lookup import logstream, params
from osiris.lookup.conditional import entity_tag, not_modified
from osiris.lookup.gate import Gate
from osiris.lookup.reader import ArchiveReader

API = "/api/v1"
JSON = "application/json"
LOG_CONTENT_TYPE = "text/plain; charset=utf-8"
NAMESPACE_CHECK_WORKERS = 8


def json_response(body: Any, status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, content_type=JSON)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


class ApiRoutes:
    def __init__(self, bucket: ObjectStore, layout: KeyLayout, gate: Gate) -> None:
        self._bucket = bucket
        self._layout = layout
        self._reader = ArchiveReader(bucket, layout)
        self._gate = gate

    def register(self, app: Flask) -> None:
        ns = f"{API}/namespaces/<namespace>"
        app.add_url_rule(f"{API}/namespaces", view_func=self.namespaces)
        app.add_url_rule(f"{ns}/builds", view_func=self.builds)
        app.add_url_rule(f"{ns}/builds/<name>", view_func=self.build)
        app.add_url_rule(f"{ns}/builds/<name>/log", view_func=self.build_log)
        app.add_url_rule(f"{ns}/buildconfigs", view_func=self.buildconfigs)
        app.add_url_rule(f"{ns}/buildconfigs/<buildconfig>/latest", view_func=self.latest)
        app.add_url_rule(f"{API}/builds", view_func=self.builds_by_commit)

    @staticmethod
    def _query() -> params.Query:
        return request.args.to_dict(flat=False)

    def namespaces(self) -> Response:
        user = self._gate.user()
        names = self._reader.namespaces()
        if self._gate.enabled and names:
            # One SubjectAccessReview per namespace not yet in the cache: in parallel.
            with ThreadPoolExecutor(min(NAMESPACE_CHECK_WORKERS, len(names))) as pool:
                allowed = list(pool.map(lambda name: self._gate.may_read(user, name), names))
            names = [name for name, ok in zip(names, allowed, strict=True) if ok]
        items = [namespace_item(name) for name in names]
        return json_response({"cluster": self._layout.cluster, "items": items})

    def builds(self, namespace: str) -> Response:
        namespace = self._gate.namespace(namespace)
        query = self._query()
        chosen = params.BuildFilter.from_query(query)
        page = self._reader.builds(namespace, chosen, params.limit(query), params.page_token(query))
        return json_response(
            {"namespace": namespace, "items": page.items, "nextPageToken": page.next_token}
        )

    def buildconfigs(self, namespace: str) -> Response:
        namespace = self._gate.namespace(namespace)
        query = self._query()
        page = self._reader.buildconfigs(namespace, params.limit(query), params.page_token(query))
        return json_response(
            {"namespace": namespace, "items": page.items, "nextPageToken": page.next_token}
        )

    def latest(self, namespace: str, buildconfig: str) -> Response:
        namespace = self._gate.namespace(namespace)
        name = params.buildconfig(buildconfig)
        return json_response(self._reader.latest(namespace, name, params.phases(self._query())))

    def build(self, namespace: str, name: str) -> Response:
        namespace = self._gate.namespace(namespace)
        name = params.build_name(name)
        return json_response(self._reader.document(namespace, name, params.uid(self._query())))

    def build_log(self, namespace: str, name: str) -> Response:
        namespace = self._gate.namespace(namespace)
        name = params.build_name(name)
        query = self._query()
        uid, tail = params.uid(query), params.tail(query)
        download = params.flag(query, "download")
        if uid is not None:
            # The links of every list item carry the uid: one GetObject, no listing.
            key = self._layout.log_key(BuildRef(namespace, name, uid))
        else:
            found = self._reader.resolve(namespace, name, None)
            if not found.has_log:
                raise self._reader.log_missing(found)
            key = self._layout.log_key(found.ref)
        passthrough = tail is None and logstream.accepts_gzip(
            request.headers.get("Accept-Encoding")
        )
        representation = "gzip" if passthrough else "identity" if tail is None else f"tail{tail}"
        if_none_match = request.headers.get("If-None-Match")
        if_modified_since = request.headers.get("If-Modified-Since")
        if if_none_match is not None or if_modified_since is not None:
            info = self._bucket.head(key)
            if info is None:
                raise self._why_no_log(namespace, name, uid)
            etag = entity_tag(info.etag, representation)
            if not_modified(etag, info.last_modified, if_none_match, if_modified_since):
                response = Response(status=304)
                _validators(response, etag, info.last_modified)
                return response
        try:
            stored = self._bucket.open(key)
        except NotFoundError:
            raise self._why_no_log(namespace, name, uid) from None
        filename = f"{namespace}_{name}.log" if download else None
        return _log_response(stored, representation, tail, filename)

    def _why_no_log(self, namespace: str, name: str, uid: str | None) -> NotFoundError:
        """The 404 for a log that is not there: no such build, or why it has no log."""
        found = self._reader.resolve(namespace, name, uid)  # raises for an unknown build
        if found.has_log:  # removed between the listing and the read
            return NotFoundError("no archived build of this name")
        return self._reader.log_missing(found)

    def builds_by_commit(self) -> Response:
        user = self._gate.user()
        query = self._query()
        commit = params.commit(query)
        decisions: dict[str, bool] = {}

        def allowed(namespace: str) -> bool:
            if namespace not in decisions:
                decisions[namespace] = self._gate.may_read(user, namespace)
            return decisions[namespace]

        page = self._reader.builds_by_commit(
            commit, params.limit(query), params.page_token(query), allowed
        )
        return json_response(
            {"commit": commit, "items": page.items, "nextPageToken": page.next_token}
        )


def _validators(response: Response, etag: str, last_modified: datetime) -> None:
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    response.headers["Vary"] = "Accept-Encoding, Authorization"
    response.headers["Cache-Control"] = "private, no-cache"


def _log_response(
    stored: ObjectReader, representation: str, tail: int | None, filename: str | None
) -> Response:
    info = stored.info
    body: bytes | Iterator[bytes]
    if tail is not None:
        try:
            body = logstream.last_lines(stored, tail)
        finally:
            stored.close()
        response = Response(body, content_type=LOG_CONTENT_TYPE)
    elif representation == "gzip":
        response = Response(logstream.raw_chunks(stored), content_type=LOG_CONTENT_TYPE)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(info.size)
    else:
        response = Response(logstream.decompressed_chunks(stored), content_type=LOG_CONTENT_TYPE)
    _validators(response, entity_tag(info.etag, representation), info.last_modified)
    if filename is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
