"""Paginated list calls against the cluster API: the namespaces to sweep and their runs.

Lists use ``limit``/``continue`` so a large namespace never arrives as one huge answer.
A ``continue`` token expires (410 Gone, after about five minutes on a default etcd
compaction): that is a transient condition, the next run lists again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from osiris.adapters.kube import KubeApi
from osiris.core.keys import namespace_name
from osiris.errors import (
    ApiRejectedError,
    ClusterUnavailableError,
    InvalidNameError,
    NotFoundError,
)
from osiris.kinds.base import Kind

PAGE_SIZE = 250


class RunLister(Protocol):
    def namespaces(self, selector: str) -> Iterator[str]:
        """Names of the namespaces whose labels match ``selector``."""

    def serves(self, kind: Kind) -> bool:
        """Whether the cluster has the kind's API (OpenShift Pipelines may not be installed)."""

    def runs(self, kind: Kind, namespace: str) -> Iterator[dict[str, Any]]:
        """Every object of ``kind`` in ``namespace``, page by page."""


class ClusterRunLister:
    def __init__(self, api: KubeApi, page_size: int = PAGE_SIZE) -> None:
        self._api = api
        self._page_size = page_size

    def namespaces(self, selector: str) -> Iterator[str]:
        for item in self._pages("/api/v1/namespaces", {"labelSelector": selector}):
            name = item.get("metadata", {}).get("name")
            try:
                yield namespace_name(name if isinstance(name, str) else "")
            except InvalidNameError:
                continue  # the API server never returns one; a key must never hold one

    def serves(self, kind: Kind) -> bool:
        # API discovery: the group version lists its resources, or is not there (404).
        try:
            resources = self._api.get_json(f"/apis/{kind.api_version}").get("resources")
        except NotFoundError:
            return False
        names = [r.get("name") for r in resources if isinstance(r, dict)] if resources else []
        return kind.keys.resource in names

    def runs(self, kind: Kind, namespace: str) -> Iterator[dict[str, Any]]:
        yield from self._pages(kind.list_path(namespace_name(namespace)), {})

    def _pages(self, path: str, query: dict[str, str]) -> Iterator[dict[str, Any]]:
        token = ""
        while True:
            page_query = {**query, "limit": str(self._page_size)}
            if token:
                page_query["continue"] = token
            try:
                page = self._api.get_json(path, page_query)
            except ApiRejectedError as exc:
                if exc.code == 410:
                    raise ClusterUnavailableError(f"{exc.message} (the list expired)") from None
                raise
            items = page.get("items")
            if not isinstance(items, list):
                raise ClusterUnavailableError(f"GET {path}: the answer is not a list")
            yield from (item for item in items if isinstance(item, dict))
            metadata = page.get("metadata")
            token = metadata.get("continue", "") if isinstance(metadata, dict) else ""
            if not isinstance(token, str) or not token:
                return
