"""The lookup API's views: parameters in, reader calls, JSON out (logs: ``logroutes``).

Every ``/api/v1`` view but ``/clusters`` answers for one cluster: ``?cluster=`` or, by
default, the one the function is configured for. The views of runs are the same for
every kind (Build, TaskRun, PipelineRun): each kind's paths, fields and filters come
from its :class:`~osiris.core.views.KindView`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, Response, request

from osiris.adapters.store import ObjectStore
from osiris.core.keys import KeyLayout
from osiris.core.rfc3339 import parse_timestamp
from osiris.core.rundocs import with_children, with_links
from osiris.core.views import cluster_item, namespace_item
from osiris.errors import InvalidNameError
from osiris.kinds import BUILD, KINDS, PIPELINERUN, TASKRUN, Kind, by_resource
from osiris.lookup import params
from osiris.lookup.auth import User
from osiris.lookup.crossindex import CrossIndex
from osiris.lookup.gate import Gate
from osiris.lookup.logroutes import LogRoutes
from osiris.lookup.reader import ArchiveReader
from osiris.lookup.readers import Readers
from osiris.lookup.search import LogSearch, SearchQuery

API = "/api/v1"
JSON = "application/json"
NAMESPACE_CHECK_WORKERS = 8
# A PipelineRun's TaskRuns are found in the TaskRun index between its creation and its
# end: at most this many entries are read (a namespace this busy gets null facts).
CHILD_WINDOW = 1000


def json_response(body: Any, status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, content_type=JSON)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


class ApiRoutes:
    def __init__(
        self, bucket: ObjectStore, layout: KeyLayout, gate: Gate, search: LogSearch
    ) -> None:
        self._readers = Readers(bucket, layout, gate)
        self._search = search
        self._layout = layout
        self._gate = gate

    def register(self, app: Flask) -> None:
        ns = f"{API}/namespaces/<namespace>"
        app.add_url_rule(f"{API}/clusters", view_func=self.clusters)
        app.add_url_rule(f"{API}/namespaces", view_func=self.namespaces)
        for kind in KINDS:
            view = kind.view
            runs, groups, each = view.resource, view.group_resource, {"resource": view.resource}
            self._rule(app, f"{ns}/{runs}", f"{runs}_list", self.runs, each)
            self._rule(app, f"{ns}/{runs}/<name>", f"{runs}_one", self.run, each)
            self._rule(app, f"{ns}/{groups}", f"{groups}_list", self.groups, each)
            latest = f"{ns}/{groups}/<group>/latest"
            self._rule(app, latest, f"{groups}_latest", self.latest, each)
        LogRoutes(self._readers).register(app, ns)
        app.add_url_rule(f"{ns}/search", view_func=self.search)
        app.add_url_rule(f"{API}/builds", view_func=self.builds_by_commit)
        app.add_url_rule(f"{API}/runs", view_func=self.runs_by_index)

    @staticmethod
    def _rule(
        app: Flask, path: str, endpoint: str, view: Callable[..., Response], each: dict[str, str]
    ) -> None:
        app.add_url_rule(path, endpoint, view_func=view, defaults=each)

    @staticmethod
    def _query() -> params.Query:
        return request.args.to_dict(flat=False)

    def _reader(self, query: params.Query, kind: Kind = BUILD) -> ArchiveReader:
        return self._readers.for_query(query, kind)

    def clusters(self) -> Response:
        self._gate.user()
        home = self._layout.cluster
        # Only the clusters the caller may read: with OpenShift auth, this one.
        names = [
            name for name in self._readers.default.clusters() if self._gate.may_read_cluster(name)
        ]
        items = [cluster_item(name, is_default=name == home) for name in names]
        return json_response({"default": home, "items": items})

    def namespaces(self) -> Response:
        """The namespaces with archived runs of any kind: one delimiter listing per kind."""
        query = self._query()
        reader = self._reader(query)
        user = self._gate.user()
        names = sorted({name for kind in KINDS for name in reader.for_kind(kind).namespaces()})
        if self._gate.enabled and names:
            # One SubjectAccessReview per namespace not yet in the cache: in parallel.
            with ThreadPoolExecutor(min(NAMESPACE_CHECK_WORKERS, len(names))) as pool:
                allowed = list(pool.map(lambda name: self._gate.may_read(user, name), names))
            names = [name for name, ok in zip(names, allowed, strict=True) if ok]
        views = tuple(kind.view for kind in KINDS)
        items = [namespace_item(name, views, reader.links_cluster) for name in names]
        return json_response({"cluster": reader.layout.cluster, "items": items})

    def runs(self, namespace: str, resource: str) -> Response:
        query, kind = self._query(), by_resource(resource)
        reader = self._reader(query, kind)
        namespace = self._gate.namespace(namespace)
        chosen = params.RunFilter.from_query(query, kind)
        page = reader.runs(namespace, chosen, params.limit(query), params.page_token(query))
        return json_response(
            {"namespace": namespace, "items": page.items, "nextPageToken": page.next_token}
        )

    def groups(self, namespace: str, resource: str) -> Response:
        query, kind = self._query(), by_resource(resource)
        reader = self._reader(query, kind)
        namespace = self._gate.namespace(namespace)
        page = reader.groups(namespace, params.limit(query), params.page_token(query))
        return json_response(
            {"namespace": namespace, "items": page.items, "nextPageToken": page.next_token}
        )

    def latest(self, namespace: str, group: str, resource: str) -> Response:
        query, kind = self._query(), by_resource(resource)
        reader = self._reader(query, kind)
        namespace = self._gate.namespace(namespace)
        name = params.group(group, kind.group_kind)
        return json_response(reader.latest(namespace, name, params.phases(query, kind.keys.phases)))

    def run(self, namespace: str, name: str, resource: str) -> Response:
        """The stored document with links; a PipelineRun's TaskRuns filled in from their
        index (one or two list calls more)."""
        query, kind = self._query(), by_resource(resource)
        reader = self._reader(query, kind)
        namespace = self._gate.namespace(namespace)
        name = params.run_name(name, kind.view.noun)
        document = reader.document(namespace, name, params.uid(query))
        if kind is BUILD:
            return json_response(document)  # as it always was: links are in the lists
        answer = with_links(kind.view, document, reader.links_cluster)
        if kind is PIPELINERUN:
            answer = self._children(reader.for_kind(TASKRUN), namespace, answer)
        return json_response(answer)

    @staticmethod
    def _children(
        taskruns: ArchiveReader, namespace: str, document: dict[str, Any]
    ) -> dict[str, Any]:
        since, until = _epoch(document.get("created")), _epoch(document.get("completed"))
        window = params.RunFilter(None, frozenset(), since, until)
        page = taskruns.entries(namespace, window, None, CHILD_WINDOW)
        entries = {entry.name: entry for _, entry in page.items}
        return with_children(document, TASKRUN.view, entries, taskruns.links_cluster)

    def search(self, namespace: str) -> Response:
        """Matching lines of Builds' and TaskRuns' logs, newest run first; bounded per
        request by the search budget (docs/findings.md)."""
        query = self._query()
        reader = self._reader(query)
        namespace = self._gate.namespace(namespace)
        chosen = params.search_scope(query)
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
        """Builds only, as this path always answered; ``/runs`` answers for every kind."""
        query = self._query()
        reader = self._reader(query)
        allowed = self._allowed()
        commit = params.commit(query)
        index = CrossIndex(
            reader.store, reader.layout, (BUILD,), links_cluster=reader.links_cluster
        )
        page = index.by_commit(commit, params.limit(query), params.page_token(query), allowed)
        return json_response(
            {"commit": commit, "items": page.items, "nextPageToken": page.next_token}
        )

    def runs_by_index(self) -> Response:
        """Runs of every kind under a commit (``?commit=``) or a branch or tag (``?ref=``)."""
        query = self._query()
        reader = self._reader(query)
        allowed = self._allowed()
        index = CrossIndex(reader.store, reader.layout, KINDS, links_cluster=reader.links_cluster)
        ref = params.git_ref(query)
        if (ref is not None) == bool(query.get("commit")):
            raise InvalidNameError("give exactly one of commit and ref")
        limit, token = params.limit(query), params.page_token(query)
        if ref is not None:
            page = index.by_ref(ref, limit, token, allowed)
            body: dict[str, Any] = {"ref": ref}
        else:
            commit = params.commit(query)
            page = index.by_commit(commit, limit, token, allowed)
            body = {"commit": commit}
        return json_response({**body, "items": page.items, "nextPageToken": page.next_token})

    def _allowed(self) -> Callable[[str], bool]:
        """Whether the caller may read a namespace: one review per namespace per request."""
        user: User = self._gate.user()
        decisions: dict[str, bool] = {}

        def allowed(namespace: str) -> bool:
            if namespace not in decisions:
                decisions[namespace] = self._gate.may_read(user, namespace)
            return decisions[namespace]

        return allowed


def _epoch(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value, "time")
    except InvalidNameError:
        return None
