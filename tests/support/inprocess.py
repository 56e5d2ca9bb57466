"""An in-process RunSource over the simulated cluster, for unit tests of the archiver.

Integration tests go through the simulated API server over HTTP instead; this one only
skips the network so the archiver's decisions can be tested quickly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from osiris.buffers import BlockPool
from osiris.errors import LogUnavailableError, NotFoundError, TruncatedStreamError
from osiris.kinds.base import LogPart
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.errors import ClusterError

_BUILD = re.compile(r"/apis/build\.openshift\.io/v1/namespaces/([^/]+)/builds/([^/]+)")
_TEKTON = re.compile(r"/apis/tekton\.dev/v1/namespaces/([^/]+)/(taskruns|pipelineruns)/([^/]+)")
_POD_LOG = re.compile(r"/api/v1/namespaces/([^/]+)/pods/([^/]+)/log")


class InProcessLog:
    def __init__(self, chunks: Iterator[bytes], cut_after: int | None) -> None:
        self._chunks = chunks
        self._cut_after = cut_after
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        for chunk in self._chunks:
            if self._cut_after is not None and sent + len(chunk) > self._cut_after:
                yield chunk[: self._cut_after - sent]
                raise TruncatedStreamError("the stream broke")
            sent += len(chunk)
            yield chunk

    def close(self) -> None:
        self.closed = True


class InProcessBuilds:
    def __init__(self, cluster: SimulatedCluster) -> None:
        self.cluster = cluster
        self.opened: list[InProcessLog] = []

    def get_object(self, path: str) -> dict[str, Any]:
        try:
            tekton = _TEKTON.fullmatch(path)
            if tekton is not None:
                namespace, resource, name = tekton.groups()
                runs = self.cluster.tekton
                get = runs.get_taskrun if resource == "taskruns" else runs.get_pipelinerun
                return get(namespace, name)
            return self.cluster.get_build(*_build_path(path))
        except ClusterError as exc:
            raise NotFoundError(exc.message) from None

    def open_log(self, part: LogPart, buffers: BlockPool | None = None) -> InProcessLog:
        """``buffers`` is not used: the simulator's chunks are bytes of their own."""
        if part.unavailable is not None:
            raise LogUnavailableError(part.unavailable, reason="NoPod")
        pod_log = _POD_LOG.fullmatch(part.path)
        if pod_log is None:
            namespace, name = _build_path(part.path.removesuffix("/log"))
            return self.open_build_log(namespace, name)
        try:
            source = self.cluster.tekton.open_pod_log(
                *pod_log.groups(), dict(part.query).get("container")
            )
        except ClusterError as exc:
            raise LogUnavailableError(exc.message, reason=exc.reason) from None
        log = InProcessLog(source.chunks(), source.fault.cut_after)
        self.opened.append(log)
        return log

    def open_build_log(self, namespace: str, name: str) -> InProcessLog:
        try:
            source = self.cluster.open_log(namespace, name)
        except ClusterError as exc:
            raise LogUnavailableError(exc.message, reason=exc.reason) from None
        log = InProcessLog(source.chunks(), source.fault.cut_after)
        self.opened.append(log)
        return log


def _build_path(path: str) -> tuple[str, str]:
    match = _BUILD.fullmatch(path)
    assert match is not None, f"{path} is not a Build's path"
    return match.group(1), match.group(2)
