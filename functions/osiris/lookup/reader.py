"""Answers the lookup API's listings from the bucket: clusters, namespaces, runs, groups.

Every method states the S3 calls it makes; none of them grows with the number of
builds in the bucket (see ``docs/lookup-api.md``, "S3 calls per request"). An
:class:`ArchiveReader` is a :class:`~osiris.lookup.runreader.RunReader` too: one run,
its document and why its log is missing are read there.

A reader answers for one cluster (its :class:`KeyLayout`); it is cheap to build, so
the routes build one per request for a cluster other than the default. Page tokens
are bound to the cluster as well as to the filters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from osiris.adapters.store import ListPage, ObjectStore
from osiris.core.indexentry import IndexEntry
from osiris.core.keys import KeyLayout, child_names
from osiris.core.listing import Decision, Page, list_children, page_through
from osiris.core.names import is_label
from osiris.core.pagetoken import decode_token, encode_token, query_fingerprint
from osiris.core.views import group_item
from osiris.errors import NotFoundError
from osiris.kinds import BUILD, Kind
from osiris.lookup.entrypages import (
    ResultPage,
    entry_decider,
    entry_filter,
    result_page,
    until_position,
)
from osiris.lookup.params import RunFilter
from osiris.lookup.runreader import RunReader

MAX_NAMESPACE_PAGES = 100  # 100,000 namespaces: far beyond a real cluster
MAX_CLUSTER_PAGES = 10  # 10,000 clusters sharing one bucket


class ArchiveReader(RunReader):
    """The archived runs of one kind (Builds by default) of one cluster.

    ``links_cluster``: the ``cluster=`` every link of an answer carries (None: links
    without it, for the cluster the function serves by default)."""

    def __init__(
        self,
        store: ObjectStore,
        layout: KeyLayout,
        *,
        kind: Kind = BUILD,
        links_cluster: str | None = None,
    ) -> None:
        super().__init__(store, layout, kind=kind)
        self._links_cluster = links_cluster

    def for_kind(self, kind: Kind) -> ArchiveReader:
        """The same cluster's reader of another kind."""
        return ArchiveReader(
            self._store, self._layout, kind=kind, links_cluster=self._links_cluster
        )

    @property
    def links_cluster(self) -> str | None:
        return self._links_cluster

    def _fingerprint(self, *parts: object) -> str:
        # The same position means other builds in another cluster: never continue there.
        return query_fingerprint(self._layout.cluster, *parts)

    # ----------------------------------------------------------------- listing helpers
    def _list_delimited(
        self, prefix: str, start_after: str | None, continuation: str | None
    ) -> ListPage:
        return self._store.list_objects(
            prefix, delimiter="/", start_after=start_after, continuation=continuation
        )

    def namespace_exists(self, namespace: str) -> bool:
        """One list call (MaxKeys 1)."""
        page = self._list(
            self._layout.namespace_index_prefix(namespace),
            start_after=None,
            continuation=None,
            max_keys=1,
        )
        return bool(page.objects)

    # ----------------------------------------------------------------- clusters, namespaces
    def _children(self, parent: str, max_pages: int) -> list[str]:
        names: list[str] = []
        continuation: str | None = None
        for _ in range(max_pages):
            page = self._list_delimited(parent, None, continuation)
            names.extend(child_names(page.prefixes, parent))
            continuation = page.continuation
            if continuation is None:
                break
        return names

    def clusters(self) -> list[str]:
        """The clusters that share the bucket under the prefix: delimiter listing of
        ``<prefix>/v1/``, one call per 1000 clusters."""
        parent = KeyLayout.clusters_prefix(self._layout.prefix)
        # Only labels: a cluster name is one (whatever else sits there is not osiris').
        return [name for name in self._children(parent, MAX_CLUSTER_PAGES) if is_label(name)]

    def namespaces(self) -> list[str]:
        """Delimiter listing: one call per 1000 namespaces."""
        return self._children(self._layout.namespaces_prefix(), MAX_NAMESPACE_PAGES)

    # ----------------------------------------------------------------- builds
    def _streams(self, namespace: str, chosen: RunFilter) -> tuple[list[str], frozenset[str]]:
        """The prefixes to merge and the phases still to filter on after listing.

        A phase filter merges one index per phase, so nothing is filtered after listing.
        """
        layout, bc = self._layout, chosen.group
        if not chosen.phases:
            if bc is None:
                return [layout.namespace_index_prefix(namespace)], frozenset()
            return [layout.buildconfig_index_prefix(namespace, bc)], frozenset()
        if bc is None:
            prefixes = [layout.phase_index_prefix(namespace, p) for p in sorted(chosen.phases)]
        else:
            prefixes = [
                layout.buildconfig_phase_index_prefix(namespace, bc, p)
                for p in sorted(chosen.phases)
            ]
        return prefixes, frozenset()

    def runs(self, namespace: str, chosen: RunFilter, limit: int, token: str | None) -> ResultPage:
        """Newest first; at most DEFAULT_CALL_BUDGET list calls (+1 for an empty page)."""
        fingerprint = self._fingerprint(
            # Builds' tokens stay what they were; another kind's never continue a Build list.
            self._view.resource,
            namespace,
            chosen.group,
            sorted(chosen.phases),
            chosen.since,
            chosen.until,
            # Only when asked for: the tokens of every other query stay what they were.
            *([sorted(chosen.findings)] if chosen.findings else []),
        )
        start = self._until_position(chosen.until)
        if token is not None:
            position = decode_token(token, fingerprint)
            start = position if start is None else max(start, position)
        streams, residual_phases = self._streams(namespace, chosen)
        page = page_through(
            streams,
            self._list,
            entry_decider(self._view, namespace, chosen, residual_phases, self._links_cluster),
            limit=limit,
            start_after=start,
            # Without a residual filter, limit + 1 keys tell whether more follow.
            fetch_size=1000 if residual_phases or chosen.findings else limit + 1,
        )
        if not page.items and token is None and not self.namespace_exists(namespace):
            raise self._no_runs_here()
        return result_page(page, fingerprint)

    def _no_runs_here(self) -> NotFoundError:
        return NotFoundError(f"no archived {self._view.plural} in this namespace")

    def entries(
        self, namespace: str, chosen: RunFilter, start_after: str | None, limit: int
    ) -> Page[tuple[str, IndexEntry]]:
        """Index entries (with their position) newest first, as :meth:`builds` lists them;
        ``start_after`` is a position one of these pages returned."""
        start = self._until_position(chosen.until)
        if start_after is not None:
            start = start_after if start is None else max(start, start_after)
        streams, accept = self.entry_streams(namespace, chosen)

        def decide(tail: str) -> tuple[Decision, tuple[str, IndexEntry] | None]:
            decision, entry = accept(tail)
            return decision, None if entry is None else (tail, entry)

        return page_through(
            streams,
            self._list,
            decide,
            limit=limit,
            start_after=start,
            fetch_size=1000 if chosen.findings else limit + 1,
        )

    def entry_streams(
        self, namespace: str, chosen: RunFilter
    ) -> tuple[list[str], Callable[[str], tuple[Decision, IndexEntry | None]]]:
        """The index prefixes ``chosen`` merges and the filter of their tails: for merging
        them with other kinds' (the search); a start position is :func:`until_position`."""
        streams, residual_phases = self._streams(namespace, chosen)
        return streams, entry_filter(chosen, residual_phases)

    @staticmethod
    def _until_position(until: int | None) -> str | None:
        return until_position(until)

    def latest(self, namespace: str, group: str, phases: frozenset[str]) -> dict[str, Any]:
        """One list call (MaxKeys 1) per phase asked for."""
        chosen = RunFilter(group, phases, None, None)
        streams, residual = self._streams(namespace, chosen)
        start: str | None = None
        while True:
            page = page_through(
                streams,
                self._list,
                entry_decider(self._view, namespace, chosen, residual, self._links_cluster),
                limit=1,
                start_after=start,
                fetch_size=1000 if residual else 1,
            )
            if page.items:
                return page.items[0]
            if not page.more:
                break
            start = page.position
        group_kind, view = self._kind.group_kind, self._view
        if phases:
            raise NotFoundError(
                f"this {group_kind} has no archived {view.noun} in the phase asked for"
            )
        raise NotFoundError(f"no archived {view.plural} of this {group_kind}")

    def groups(self, namespace: str, limit: int, token: str | None) -> ResultPage:
        """The BuildConfigs (Tasks, Pipelines) with archived runs: delimiter listing, one
        call per 1000 (+1 for an empty page)."""
        parent = self._layout.buildconfigs_prefix(namespace)
        fingerprint = self._fingerprint(self._view.group_resource, namespace)
        start = None if token is None else parent + decode_token(token, fingerprint) + "/"
        prefixes, more, _ = list_children(
            self._list_delimited, parent, start_after=start, limit=limit
        )
        names = child_names(prefixes, parent)
        if not names and token is None and not self.namespace_exists(namespace):
            raise self._no_runs_here()
        next_token = encode_token(names[-1], fingerprint) if more and names else None
        items = [group_item(self._view, namespace, name, self._links_cluster) for name in names]
        return ResultPage(items, next_token)
