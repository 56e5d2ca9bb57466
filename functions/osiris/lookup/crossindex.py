"""Runs of every kind under one git commit or ref, across namespaces.

Each kind has its own commit and ref index (``docs/key-layout.md``); their tails have
the same shape (``<namespace>/<entry>``), so one merge of the kinds' listings answers
in namespace order, newest first within a namespace, with one stateless page token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from osiris.adapters.store import ObjectStore
from osiris.core.keys import KeyLayout
from osiris.core.listing import Decide, Decision, page_through
from osiris.core.pagetoken import decode_token, query_fingerprint
from osiris.core.views import run_summary
from osiris.errors import InvalidKeyError, InvalidNameError
from osiris.kinds import Kind
from osiris.lookup.entrypages import ResultPage, result_page

Allowed = Callable[[str], bool]


class CrossIndex:
    """The commit and ref indexes of ``kinds`` in one cluster (``layout``)."""

    def __init__(
        self,
        store: ObjectStore,
        layout: KeyLayout,
        kinds: tuple[Kind, ...],
        *,
        links_cluster: str | None = None,
    ) -> None:
        self._store = store
        self._layout = layout
        self._kinds = kinds
        self._links_cluster = links_cluster

    def by_commit(self, commit: str, limit: int, token: str | None, allowed: Allowed) -> ResultPage:
        """A full commit id or a prefix (≥ 7) of one: one prefix listing per kind, at most
        DEFAULT_CALL_BUDGET calls. Items carry the commit they were found under."""
        full = len(commit) in (40, 64)
        prefixes = [
            self._layout.for_kind(kind.keys).commit_index_prefix(commit, allow_prefix=not full)
            for kind in self._kinds
        ]
        return self._merged(prefixes, ("commit", commit), limit, token, allowed)

    def by_ref(self, ref: str, limit: int, token: str | None, allowed: Allowed) -> ResultPage:
        """A branch or tag: one prefix listing per kind, at most DEFAULT_CALL_BUDGET calls."""
        prefixes = [self._layout.for_kind(kind.keys).ref_index_prefix(ref) for kind in self._kinds]
        return self._merged(prefixes, ("ref", ref), limit, token, allowed)

    def _merged(
        self,
        prefixes: list[str],
        query: tuple[str, str],
        limit: int,
        token: str | None,
        allowed: Allowed,
    ) -> ResultPage:
        # Bound to the kinds too: a Builds-only token never continues an every-kind answer.
        resources = [kind.keys.resource for kind in self._kinds]
        fingerprint = query_fingerprint(self._layout.cluster, *query, *resources)
        start = None if token is None else decode_token(token, fingerprint)
        with_commit = query[0] == "commit"
        deciders = [
            self._decider(kind, prefix, with_commit, allowed)
            for kind, prefix in zip(self._kinds, prefixes, strict=True)
        ]
        page = page_through(
            prefixes, self._store.list_objects, deciders, limit=limit, start_after=start
        )
        return result_page(page, fingerprint)

    def _decider(
        self, kind: Kind, prefix: str, with_commit: bool, allowed: Allowed
    ) -> Decide[dict[str, Any]]:
        layout, links_cluster = self._layout.for_kind(kind.keys), self._links_cluster

        def decide(tail: str) -> tuple[Decision, dict[str, Any] | None]:
            key = prefix + tail
            try:
                namespace, entry = layout.parse_index_key(key)
            except (InvalidKeyError, InvalidNameError):
                return Decision.SKIP, None  # not written by osiris: never shown, never fatal
            if not allowed(namespace):
                return Decision.SKIP, None
            item = run_summary(kind.view, namespace, entry, links_cluster)
            if with_commit:
                item["commit"] = key.rsplit("/", 3)[-3]
            return Decision.TAKE, item

        return decide
