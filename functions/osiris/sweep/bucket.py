"""Which candidates the bucket already holds, found by merge-listing ``builds/<ns>/``.

Cost: each LIST resolves at least the candidate it starts at and every later one within
its 1,000 keys (two keys per archived build), so a namespace costs at most one request
per candidate — never more than a HEAD per build — and usually far fewer: the builds a
cluster still holds are the newest of each BuildConfig, and their keys sit next to each
other. Listing the whole prefix instead would grow with the archive's history; listing
the index would be cheaper still, but an index entry can exist without its commit marker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from osiris.adapters.store import ObjectStore
from osiris.sweep.plan import Candidate, listing_start, resolve_page

LIST_PAGE = 1000


@dataclass
class BucketCheck:
    archived: list[Candidate] = field(default_factory=list)
    missing: list[Candidate] = field(default_factory=list)
    list_requests: int = 0


def check_bucket(
    store: ObjectStore,
    namespace_prefix: str,
    candidates: list[Candidate],
    page_size: int = LIST_PAGE,
) -> BucketCheck:
    """Split one namespace's candidates (sorted by prefix) into archived and missing."""
    result = BucketCheck()
    pending = candidates
    continuation: str | None = None
    while pending:
        page = store.list_objects(
            namespace_prefix,
            start_after=None if continuation else listing_start(pending[0]),
            continuation=continuation,
            max_keys=page_size,
        )
        result.list_requests += 1
        verdict = resolve_page(
            pending, (info.key for info in page.objects), truncated=page.continuation is not None
        )
        result.archived += verdict.archived
        result.missing += verdict.missing
        # A page that decided nothing (S3 may answer short pages) is followed, not repeated.
        stuck = verdict.unresolved == pending
        continuation = page.continuation if stuck else None
        pending = verdict.unresolved
    return result
