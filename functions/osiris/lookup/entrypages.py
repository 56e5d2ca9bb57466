"""From index entries to the lookup's pages: which tails a query takes, where it starts,
and the page token that continues it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from osiris.core.indexentry import TIME_CEILING, IndexEntry, invert_time
from osiris.core.listing import Decision, Page
from osiris.core.pagetoken import encode_token
from osiris.core.views import KindView, run_summary
from osiris.errors import InvalidKeyError, InvalidNameError
from osiris.lookup.params import RunFilter


@dataclass(frozen=True)
class ResultPage:
    items: list[dict[str, Any]]
    next_token: str | None


def until_position(until: int | None) -> str | None:
    """A StartAfter tail that skips every entry created after ``until``."""
    if until is None or until >= TIME_CEILING:
        return None
    # '~' sorts after '_' and digits: past every entry of second until + 1.
    return invert_time(until + 1) + "~"


def entry_filter(
    chosen: RunFilter, phases: frozenset[str]
) -> Callable[[str], tuple[Decision, IndexEntry | None]]:
    """Decides each index tail of a listing: the entries ``chosen`` asks for, newest first."""

    def decide(tail: str) -> tuple[Decision, IndexEntry | None]:
        try:
            entry = IndexEntry.decode(tail)
        except (InvalidKeyError, InvalidNameError):
            return Decision.SKIP, None  # not written by osiris: never shown, never fatal
        if chosen.since is not None and entry.created < chosen.since:
            return Decision.STOP, None  # newest first: everything after is older still
        if chosen.until is not None and entry.created > chosen.until:
            return Decision.SKIP, None
        if phases and entry.phase not in phases:
            return Decision.SKIP, None
        if chosen.findings and entry.finding not in chosen.findings:
            return Decision.SKIP, None  # no index per rule: filtered within the call budget
        return Decision.TAKE, entry

    return decide


def entry_decider(
    view: KindView,
    namespace: str,
    chosen: RunFilter,
    phases: frozenset[str],
    links_cluster: str | None,
) -> Callable[[str], tuple[Decision, dict[str, Any] | None]]:
    """As :func:`entry_filter`, with each entry taken as the run's summary on a list page."""
    accept = entry_filter(chosen, phases)

    def decide(tail: str) -> tuple[Decision, dict[str, Any] | None]:
        decision, entry = accept(tail)
        if entry is None:
            return decision, None
        return decision, run_summary(view, namespace, entry, links_cluster)

    return decide


def result_page(page: Page[dict[str, Any]], fingerprint: str) -> ResultPage:
    token = None
    if page.more and page.position is not None:
        token = encode_token(page.position, fingerprint)
    return ResultPage(page.items, token)
