"""Pages of index entries, merged from one or more prefix listings, with bounded work.

Every index listing of the key layout is in the same order: an entry segment starts
with the inverted creation time, so ascending key order is newest first. A query is
answered from one or more *streams* (prefixes whose keys end in an entry segment, or
in any tail that sorts consistently). They are merged by their tails, and a page
remembers only the last tail it consumed: that tail is a valid ``StartAfter`` position
in every stream, which is what makes the page token stateless.

The work per page is bounded: at most ``call_budget`` list calls, whatever the size
of the bucket. A page whose filters reject everything the budget could read comes back
short (possibly empty) with a position to continue from; clients follow the token.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from osiris.adapters.store import ListPage
from osiris.errors import StorageUnavailableError

T = TypeVar("T")

S3_MAX_KEYS = 1000
# Per page: one call per stream normally; the rest absorbs short pages (RGW may
# return fewer keys than asked with IsTruncated) and filters that skip entries.
DEFAULT_CALL_BUDGET = 8


class Lister(Protocol):
    def __call__(
        self, prefix: str, *, start_after: str | None, continuation: str | None, max_keys: int
    ) -> ListPage: ...


class Decision(enum.Enum):
    TAKE = "take"  # a result
    SKIP = "skip"  # not a result; continue with the next entry
    STOP = "stop"  # neither this entry nor any later one of its stream is a result


Decide = Callable[[str], tuple[Decision, T | None]]


@dataclass
class Page(Generic[T]):
    items: list[T]
    position: str | None  # the last tail consumed; continue after it
    more: bool  # entries may follow the position
    calls: int  # list calls spent


@dataclass
class _Cursor(Generic[T]):
    prefix: str
    decide: Decide[T]
    buffer: deque[str] = field(default_factory=deque)
    continuation: str | None = None
    exhausted: bool = False


def page_through(
    streams: Sequence[str],
    lister: Lister,
    decide: Decide[T] | Sequence[Decide[T]],
    *,
    limit: int,
    start_after: str | None = None,
    fetch_size: int = S3_MAX_KEYS,
    call_budget: int = DEFAULT_CALL_BUDGET,
) -> Page[T]:
    """Up to ``limit`` results, in tail order, from the merge of ``streams``.

    ``decide``: one for every stream, or one per stream (streams of different kinds of
    run whose tails have the same shape: a tail alone does not say its kind).
    """
    if call_budget < 2 * len(streams):
        raise ValueError("the call budget must allow two calls per stream")
    deciders = list(decide) if isinstance(decide, Sequence) else [decide] * len(streams)
    if len(deciders) != len(streams):
        raise ValueError("one decide per stream")
    cursors = [_Cursor(prefix, deciders[index]) for index, prefix in enumerate(streams)]
    items: list[T] = []
    position: str | None = None
    calls = 0
    fetch_size = max(1, min(S3_MAX_KEYS, fetch_size))

    def fetch(cursor: _Cursor[T]) -> None:
        page = lister(
            cursor.prefix,
            start_after=None
            if cursor.continuation or start_after is None
            else cursor.prefix + start_after,
            continuation=cursor.continuation,
            max_keys=fetch_size,
        )
        cursor.buffer.extend(
            info.key[len(cursor.prefix) :]
            for info in page.objects
            if info.key.startswith(cursor.prefix) and len(info.key) > len(cursor.prefix)
        )
        cursor.continuation = page.continuation
        cursor.exhausted = page.continuation is None

    while len(items) < limit:
        for cursor in cursors:
            # A stream may only be passed over once it has a head: otherwise a key it
            # has not listed yet could sort before the one taken from another stream.
            while not cursor.buffer and not cursor.exhausted:
                if calls >= call_budget:
                    if position is None:
                        raise StorageUnavailableError("the index listing makes no progress")
                    return Page(items, position, True, calls)
                fetch(cursor)
                calls += 1
        live = [cursor for cursor in cursors if cursor.buffer]
        if not live:
            return Page(items, position, False, calls)
        head = min(live, key=lambda cursor: cursor.buffer[0])
        tail = head.buffer.popleft()
        decision, item = head.decide(tail)
        if decision is Decision.STOP:
            head.buffer.clear()
            head.exhausted = True
            continue
        position = tail
        if decision is Decision.TAKE and item is not None:
            items.append(item)
    more = any(cursor.buffer or not cursor.exhausted for cursor in cursors)
    return Page(items, position, more, calls)


def list_children(
    lister: Callable[[str, str | None, str | None], ListPage],
    parent: str,
    *,
    start_after: str | None,
    limit: int,
) -> tuple[list[str], bool, int]:
    """Common prefixes one level below ``parent`` (delimiter listing).

    Returns (raw common prefixes, whether more may follow, calls spent). ``lister``
    is called with (prefix, start_after, continuation) and lists with delimiter '/'.
    """
    found: list[str] = []
    continuation: str | None = None
    calls = 0
    while True:
        page = lister(parent, None if continuation else start_after, continuation)
        calls += 1
        found.extend(page.prefixes)
        continuation = page.continuation
        if continuation is None:
            return found[:limit], len(found) > limit, calls
        if len(found) > limit:
            return found[:limit], True, calls
