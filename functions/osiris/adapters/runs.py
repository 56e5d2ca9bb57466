"""Runs through the cluster API: read a run's object, stream one of its logs.

Which path serves what is the kinds' knowledge (:mod:`osiris.kinds`); this adapter only
asks, and says when a log cannot be had for good: the API answers 400 when a build never
ran, a pod's container is unknown or a pod is gone, and 404 when the object itself is
gone — nothing to wait for, so the run is archived with its log marked unavailable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from osiris.adapters.kube import KubeApi
from osiris.buffers import BlockPool
from osiris.compression import BLOCK_SIZE
from osiris.errors import ApiRejectedError, LogUnavailableError, NotFoundError
from osiris.kinds.base import LogPart

NO_POD_REASON = "NoPod"


class LogStream(Iterable[bytes], Protocol):
    def close(self) -> None: ...


class RunSource(Protocol):
    def get_object(self, path: str) -> dict[str, Any]:
        """The object at ``path``; NotFoundError once it is gone."""

    def open_log(self, part: LogPart, buffers: BlockPool | None = None) -> LogStream:
        """One whole log as a stream; LogUnavailableError if it cannot be had.

        ``buffers``: where to take the blocks it reads into, if it reads in blocks."""


class ClusterRuns:
    def __init__(self, api: KubeApi) -> None:
        self._api = api

    def get_object(self, path: str) -> dict[str, Any]:
        return self._api.get_json(path)

    def open_log(self, part: LogPart, buffers: BlockPool | None = None) -> LogStream:
        if part.unavailable is not None:
            raise LogUnavailableError(part.unavailable, reason=NO_POD_REASON)
        try:
            # Cut as the gzip stream cuts its blocks, so none is joined again from pieces.
            return self._api.open_stream(
                part.path, dict(part.query) or None, block_size=BLOCK_SIZE, buffers=buffers
            )
        except ApiRejectedError as exc:
            if exc.code != 400:
                raise
            raise LogUnavailableError(exc.message, reason=exc.reason or "BadRequest") from None
        except NotFoundError as exc:
            raise LogUnavailableError(exc.message, reason="NotFound") from None
