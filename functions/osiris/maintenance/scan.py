"""Listings of a whole key range, page after page (RGW may return short pages)."""

from __future__ import annotations

from collections.abc import Iterator

from osiris.adapters.store import ObjectInfo, ObjectStore


def all_objects(
    store: ObjectStore, prefix: str, *, start_after: str | None = None
) -> Iterator[ObjectInfo]:
    continuation: str | None = None
    while True:
        page = store.list_objects(
            prefix, start_after=start_after, continuation=continuation, max_keys=1000
        )
        yield from page.objects
        if page.continuation is None:
            return
        continuation = page.continuation


def child_prefixes(store: ObjectStore, prefix: str) -> Iterator[str]:
    """The common prefixes one ``/`` below ``prefix``."""
    continuation: str | None = None
    while True:
        page = store.list_objects(prefix, delimiter="/", continuation=continuation)
        yield from page.prefixes
        if page.continuation is None:
            return
        continuation = page.continuation
