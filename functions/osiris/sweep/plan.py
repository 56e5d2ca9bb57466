"""What a sweep has to do, decided without I/O.

A sweep compares the finished runs of each kind the cluster still has with their
documents (``build.json``, ``taskrun.json``, ...: the commit markers) in the bucket.
Both sides are sorted by the same string, the run's key prefix
``<resource>/<ns>/<name>/<uid>/``, so the comparison is a merge: a listing that starts
just before a candidate resolves that candidate and every later one the page reaches
(see :func:`resolve_page`). Only the document counts as archived: an index entry is
written before it and may belong to an archive that crashed half-way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from osiris.core.keys import KeyLayout
from osiris.errors import InvalidEventError
from osiris.kinds.base import Kind, RunFacts


@dataclass(frozen=True)
class Candidate:
    """A finished run in the cluster, with the object the archiver is handed."""

    kind: Kind
    facts: RunFacts
    obj: dict[str, Any]
    prefix: str  # <resource>/<ns>/<name>/<uid>/ under the layout's root

    @property
    def marker(self) -> str:
        return self.prefix + self.kind.keys.document

    @property
    def label(self) -> str:
        return f"{self.kind.keys.resource}/{self.facts.ref.namespace}/{self.facts.ref.name}"

    @property
    def finished_at(self) -> datetime:
        return self.facts.finished_at


@dataclass(frozen=True)
class Rejected:
    """A listed object osiris cannot use (bad name, bad time): counted, never archived."""

    label: str
    reason: str


def finished_candidates(
    layout: KeyLayout, kind: Kind, items: Iterable[dict[str, Any]]
) -> tuple[list[Candidate], list[Rejected]]:
    """The finished runs among a list's items of ``kind``, sorted by key prefix."""
    layout = layout.for_kind(kind.keys)
    candidates: list[Candidate] = []
    rejected: list[Rejected] = []
    for item in items:
        try:
            facts = kind.parse(item)
        except InvalidEventError as exc:
            rejected.append(Rejected(_label(item), exc.message))
            continue
        if facts.finished:
            candidates.append(Candidate(kind, facts, item, layout.object_prefix(facts.ref)))
    candidates.sort(key=lambda candidate: candidate.prefix)
    return candidates, rejected


def _label(item: object) -> str:
    metadata = item.get("metadata") if isinstance(item, dict) else None
    if not isinstance(metadata, dict):
        return "?"
    return f"{str(metadata.get('namespace', '?'))[:63]}/{str(metadata.get('name', '?'))[:253]}"


@dataclass(frozen=True)
class PageVerdict:
    archived: list[Candidate]
    missing: list[Candidate]
    unresolved: list[Candidate]  # beyond the page: list again from the first of these


def resolve_page(pending: list[Candidate], keys: Iterable[str], *, truncated: bool) -> PageVerdict:
    """Decide ``pending`` (sorted by prefix) from one ascending listing page.

    The page was listed from just before ``pending[0]``. A candidate is archived if its
    ``build.json`` is on the page; missing if it is not although the page reaches past
    where it would be (or the listing ended); undecided otherwise.
    """
    listed = set(keys)
    last = max(listed, default="")
    archived: list[Candidate] = []
    missing: list[Candidate] = []
    for index, candidate in enumerate(pending):
        if candidate.marker in listed:
            archived.append(candidate)
        elif not truncated or last > candidate.marker:
            missing.append(candidate)
        else:
            return PageVerdict(archived, missing, pending[index:])
    return PageVerdict(archived, missing, [])


def listing_start(candidate: Candidate) -> str:
    """``StartAfter`` for a listing whose first key can be the candidate's own objects."""
    return candidate.prefix


@dataclass(frozen=True)
class Selection:
    chosen: list[Candidate]
    deferred: list[Candidate]


def select(missing: Iterable[Candidate], max_builds: int) -> Selection:
    """The runs this sweep archives: the oldest first, as they are pruned first."""
    ordered = sorted(missing, key=lambda c: (c.finished_at, c.prefix))
    return Selection(ordered[:max_builds], ordered[max_builds:])


def rotation(namespaces: Iterable[str], resume_after: str) -> list[str]:
    """The namespaces in name order, starting after the one the last run stopped at.

    A run that cannot examine every namespace leaves the rest to the next one; without the
    rotation, runs would re-examine the first namespaces forever and never reach the last.
    """
    ordered = sorted(set(namespaces))
    return [n for n in ordered if n > resume_after] + [n for n in ordered if n <= resume_after]
