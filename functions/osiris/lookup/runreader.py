"""One archived run: which incarnation a name means, its document, why its log is missing.

Every method states the S3 calls it makes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from osiris.adapters.store import ListPage, ObjectStore
from osiris.core.keys import LOG_OBJECT, KeyLayout
from osiris.core.refs import BuildRef
from osiris.core.views import KindView
from osiris.errors import InvalidKeyError, InvalidNameError, NotFoundError, PermanentError
from osiris.kinds import Kind


class StoredDocumentError(PermanentError):
    """A stored object does not hold what the key layout says it holds (→ 502)."""


class LogNotArchivedError(NotFoundError):
    """The run is archived but its log is not: says why (→ 404 with the reason)."""

    def __init__(self, message: str, reason: str | None) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Incarnation:
    """The archived run a name resolves to, and what the listing showed of it."""

    ref: BuildRef
    objects: frozenset[str]  # its objects' paths below the uid: "log.gz", "steps/x.log.gz"
    document: dict[str, Any] | None  # already read while choosing among several uids

    @property
    def has_log(self) -> bool:
        return LOG_OBJECT in self.objects


class RunReader:
    """The archived runs of one kind of one cluster, one at a time."""

    def __init__(self, store: ObjectStore, layout: KeyLayout, *, kind: Kind) -> None:
        self._store = store
        self._kind = kind
        self._view: KindView = kind.view
        self._layout = layout.for_kind(kind.keys)

    @property
    def kind(self) -> Kind:
        return self._kind

    @property
    def store(self) -> ObjectStore:
        return self._store

    @property
    def layout(self) -> KeyLayout:
        return self._layout

    def _list(
        self, prefix: str, *, start_after: str | None, continuation: str | None, max_keys: int
    ) -> ListPage:
        return self._store.list_objects(
            prefix, start_after=start_after, continuation=continuation, max_keys=max_keys
        )

    def _not_archived(self) -> NotFoundError:
        return NotFoundError(f"no archived {self._view.noun} of this name")

    def resolve(self, namespace: str, name: str, uid: str | None) -> Incarnation:
        """The archived run behind a name: one list call; plus one metadata read per
        incarnation when a name was reused (the newest ``created`` wins)."""
        ref = BuildRef(namespace, name, uid) if uid is not None else None
        page = self._list(
            self._layout.object_prefix(ref) if ref else self._layout.build_prefix(namespace, name),
            start_after=None,
            continuation=None,
            max_keys=1000,
        )
        objects: dict[BuildRef, set[str]] = {}
        for info in page.objects:
            try:
                found, object_name = self._layout.parse_object_key(info.key)
            except (InvalidKeyError, InvalidNameError):
                continue
            objects.setdefault(found, set()).add(object_name)
        # The document is the commit marker: without it the run is not archived (yet).
        document = self._kind.keys.document
        archived = [found for found, names in objects.items() if document in names]
        if not archived:
            raise self._not_archived()
        if len(archived) == 1:
            chosen = archived[0]
            return Incarnation(chosen, frozenset(objects[chosen]), None)
        documents = {found: self.read_document(found) for found in archived}

        def recency(found: BuildRef) -> tuple[str, str]:
            document = documents[found]
            return (str(document.get("created") or ""), str(document.get("archivedAt") or ""))

        chosen = max(archived, key=recency)
        return Incarnation(chosen, frozenset(objects[chosen]), documents[chosen])

    def read_document(self, ref: BuildRef) -> dict[str, Any]:
        """One GetObject of the metadata document (build.json, taskrun.json, ...)."""
        try:
            raw = self._store.get(self._layout.metadata_key(ref))
        except NotFoundError:
            # Listed a moment ago: removed since (retention) — the run is gone.
            raise self._not_archived() from None
        try:
            document = json.loads(raw)
        except ValueError:
            raise StoredDocumentError("the stored metadata document is not JSON") from None
        if not isinstance(document, dict):
            raise StoredDocumentError("the stored metadata document is not a JSON object")
        return document

    def document(self, namespace: str, name: str, uid: str | None) -> dict[str, Any]:
        found = self.resolve(namespace, name, uid)
        return found.document if found.document is not None else self.read_document(found.ref)

    def log_missing(self, incarnation: Incarnation, step: str | None = None) -> LogNotArchivedError:
        """Why an archived run (or one step of it) has no log: read from its document."""
        document = incarnation.document or self.read_document(incarnation.ref)
        sections = dict(self._kind.log_sections(document))
        log = sections.get(step)
        reason = None
        if isinstance(log, dict) and isinstance(log.get("reason"), str):
            reason = log["reason"][:500]
        if step is not None and step not in sections:
            return LogNotArchivedError(f"this {self._view.noun} has no step of this name", None)
        what = f"step {step} of this {self._view.noun}" if step else f"this {self._view.noun}"
        detail = f"the log of {what} was not archived"
        if reason:
            detail += f": {reason}"
        return LogNotArchivedError(detail, reason)
