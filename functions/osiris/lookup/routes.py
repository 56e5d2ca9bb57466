"""The lookup API's views: parameters in, reader calls, JSON or a log stream out.

Every ``/api/v1`` view but ``/clusters`` answers for one cluster: ``?cluster=`` or, by
default, the one the function is configured for. A reader for another cluster is built
per request (two small objects): nothing is cached under a name a client chose.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from flask import Flask, Response, request
from werkzeug.http import http_date

from osiris.adapters.store import ObjectReader, ObjectStore
from osiris.core.keys import BuildRef, KeyLayout
from osiris.core.views import cluster_item, namespace_item
from osiris.errors import NotFoundError
from osiris.lookup import logstream, params
from osiris.lookup.conditional import entity_tag, not_modified
from osiris.lookup.gate import Gate
from osiris.lookup.reader import ArchiveReader
from osiris.lookup.search import LogSearch, SearchQuery

API = "/api/v1"
JSON = "application/json"
LOG_CONTENT_TYPE = "text/plain; charset=utf-8"
NAMESPACE_CHECK_WORKERS = 8
# With ?tail=: the number (1-based) of the tail's first line in the whole log.
FIRST_LINE_HEADER = "Osiris-First-Line"


def json_response(body: Any, status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, content_type=JSON)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


class ApiRoutes:
    def __init__(
        self, bucket: ObjectStore, layout: KeyLayout, gate: Gate, search: LogSearch
    ) -> None:
        self._bucket = bucket
        self._search = search
        self._layout = layout
        self._reader = ArchiveReader(bucket, layout)
        self._gate = gate

    def _reader_for(self, query: params.Query) -> ArchiveReader:
        """The reader of the cluster the request asks about (401/400/403 first)."""
        cluster = self._gate.cluster(query)
        if cluster == self._layout.cluster:
            return self._reader
        layout = KeyLayout(self._layout.prefix, cluster)
        return ArchiveReader(self._bucket, layout, links_cluster=cluster)

    def register(self, app: Flask) -> None:
        ns = f"{API}/namespaces/<namespace>"
        app.add_url_rule(f"{API}/clusters", view_func=self.clusters)
        app.add_url_rule(f"{API}/namespaces", view_func=self.namespaces)
        app.add_url_rule(f"{ns}/builds", view_func=self.builds)
        app.add_url_rule(f"{ns}/builds/<name>", view_func=self.build)
        app.add_url_rule(f"{ns}/builds/<name>/log", view_func=self.build_log)
        app.add_url_rule(f"{ns}/buildconfigs", view_func=self.buildconfigs)
        app.add_url_rule(f"{ns}/buildconfigs/<buildconfig>/latest", view_func=self.latest)
        app.add_url_rule(f"{ns}/search", view_func=self.search)
        app.add_url_rule(f"{API}/builds", view_func=self.builds_by_commit)

    @staticmethod
    def _query() -> params.Query:
        return request.args.to_dict(flat=False)

    def clusters(self) -> Response:
        self._gate.user()
        home = self._layout.cluster
        # Only the clusters the caller may read: with OpenShift auth, this one.
        names = [name for name in self._reader.clusters() if self._gate.may_read_cluster(name)]
        items = [cluster_item(name, is_default=name == home) for name in names]
        return json_response({"default": home, "items": items})

    def namespaces(self) -> Response:
        reader = self._reader_for(self._query())
        user = self._gate.user()
        names = reader.namespaces()
        if self._gate.enabled and names:
            # One SubjectAccessReview per namespace not yet in the cache: in parallel.
            with ThreadPoolExecutor(min(NAMESPACE_CHECK_WORKERS, len(names))) as pool:
                allowed = list(pool.map(lambda name: self._gate.may_read(user, name), names))
            names = [name for name, ok in zip(names, allowed, strict=True) if ok]
        cluster = reader.layout.cluster
        links_cluster = None if cluster == self._layout.cluster else cluster
        items = [namespace_item(name, links_cluster) for name in names]
        return json_response({"cluster": cluster, "items": items})

    def builds(self, namespace: str) -> Response:
        query = self._query()
        reader = self._reader_for(query)
        namespace = self._gate.namespace(namespace)
        chosen = params.BuildFilter.from_query(query)
        page = reader.builds(namespace, chosen, params.limit(query), params.page_token(query))
        return json_response(
            {"namespace": namespace, "items": page.items, "nextPageToken": page.next_token}
        )

    def buildconfigs(self, namespace: str) -> Response:
        query = self._query()
        reader = self._reader_for(query)
        namespace = self._gate.namespace(namespace)
        page = reader.buildconfigs(namespace, params.limit(query), params.page_token(query))
        return json_response(
            {"namespace": namespace, "items": page.items, "nextPageToken": page.next_token}
        )

    def latest(self, namespace: str, buildconfig: str) -> Response:
        query = self._query()
        reader = self._reader_for(query)
        namespace = self._gate.namespace(namespace)
        name = params.buildconfig(buildconfig)
        return json_response(reader.latest(namespace, name, params.phases(query)))

    def build(self, namespace: str, name: str) -> Response:
        query = self._query()
        reader = self._reader_for(query)
        namespace = self._gate.namespace(namespace)
        name = params.build_name(name)
        return json_response(reader.document(namespace, name, params.uid(query)))

    def build_log(self, namespace: str, name: str) -> Response:
        query = self._query()
        reader = self._reader_for(query)
        namespace = self._gate.namespace(namespace)
        name = params.build_name(name)
        uid, tail = params.uid(query), params.tail(query)
        download = params.flag(query, "download")
        if uid is not None:
            # The links of every list item carry the uid: one GetObject, no listing.
            key = reader.layout.log_key(BuildRef(namespace, name, uid))
        else:
            found = reader.resolve(namespace, name, None)
            if not found.has_log:
                raise reader.log_missing(found)
            key = reader.layout.log_key(found.ref)
        passthrough = tail is None and logstream.accepts_gzip(
            request.headers.get("Accept-Encoding")
        )
        representation = "gzip" if passthrough else "identity" if tail is None else f"tail{tail}"
        if_none_match = request.headers.get("If-None-Match")
        if_modified_since = request.headers.get("If-Modified-Since")
        if if_none_match is not None or if_modified_since is not None:
            info = self._bucket.head(key)
            if info is None:
                raise _why_no_log(reader, namespace, name, uid)
            etag = entity_tag(info.etag, representation)
            if not_modified(etag, info.last_modified, if_none_match, if_modified_since):
                response = Response(status=304)
                _validators(response, etag, info.last_modified)
                return response
        try:
            stored = self._bucket.open(key)
        except NotFoundError:
            raise _why_no_log(reader, namespace, name, uid) from None
        filename = f"{namespace}_{name}.log" if download else None
        return _log_response(stored, representation, tail, filename)

    def search(self, namespace: str) -> Response:
        """Matching log lines; bounded per request by the search budget (docs/findings.md)."""
        query = self._query()
        reader = self._reader_for(query)
        namespace = self._gate.namespace(namespace)
        chosen = params.BuildFilter.from_query(query)
        wanted = SearchQuery(
            params.search_pattern(query),
            ignore_case=params.flag(query, "ignoreCase"),
            count_only=params.flag(query, "count"),
        )
        body = self._search.search(
            reader, namespace, chosen, wanted, params.limit(query), params.page_token(query)
        )
        return json_response(body)

    def builds_by_commit(self) -> Response:
        query = self._query()
        reader = self._reader_for(query)
        user = self._gate.user()
        commit = params.commit(query)
        decisions: dict[str, bool] = {}

        def allowed(namespace: str) -> bool:
            if namespace not in decisions:
                decisions[namespace] = self._gate.may_read(user, namespace)
            return decisions[namespace]

        page = reader.builds_by_commit(
            commit, params.limit(query), params.page_token(query), allowed
        )
        return json_response(
            {"commit": commit, "items": page.items, "nextPageToken": page.next_token}
        )


def _why_no_log(reader: ArchiveReader, namespace: str, name: str, uid: str | None) -> NotFoundError:
    """The 404 for a log that is not there: no such build, or why it has no log."""
    found = reader.resolve(namespace, name, uid)  # raises for an unknown build
    if found.has_log:  # removed between the listing and the read
        return NotFoundError("no archived build of this name")
    return reader.log_missing(found)


def _validators(response: Response, etag: str, last_modified: datetime) -> None:
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    response.headers["Vary"] = "Accept-Encoding, Authorization"
    response.headers["Cache-Control"] = "private, no-cache"


def _log_response(
    stored: ObjectReader, representation: str, tail: int | None, filename: str | None
) -> Response:
    info = stored.info
    if tail is not None:
        try:
            lines = logstream.tail(stored, tail)
        finally:
            stored.close()
        response = Response(lines.text, content_type=LOG_CONTENT_TYPE)
        response.headers[FIRST_LINE_HEADER] = str(lines.first_line)
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
