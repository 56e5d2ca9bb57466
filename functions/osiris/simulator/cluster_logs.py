"""The log side of the simulated cluster's builds (a mixin of its SimulatedCluster).

What a log request reads (:class:`LogSource`), checked the way openshift-apiserver checks
it; the :class:`~osiris.simulator.faults.LogFault` queue of each build; a log replaced by
other bytes; the build pod's deletion, after which the log is gone but the build stays.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osiris.simulator.buildlogs import LogSpec, iter_log
from osiris.simulator.errors import bad_request
from osiris.simulator.faults import LogFault, LogRequestFault, take_fault

if TYPE_CHECKING:
    import threading

    from osiris.simulator.cluster import BuildRecord

JSON = dict[str, Any]
NO_BUILD_LOGS_MESSAGE = "No logs are available."  # openshift-apiserver apiserverbuildutil


@dataclass(frozen=True)
class LogSource:
    """What the API server needs to answer a log request for one build."""

    build: JSON
    spec: LogSpec
    fault: LogRequestFault
    content: Callable[[], Iterable[bytes]] | None = None

    def chunks(self) -> Iterator[bytes]:
        if self.content is not None:
            return iter(self.content())
        return iter_log(self.spec)


class BuildLogAccess:
    """The log methods of :class:`~osiris.simulator.cluster.SimulatedCluster`."""

    if TYPE_CHECKING:
        _lock: threading.RLock

        def _record(self, namespace: str, name: str) -> BuildRecord: ...

    def log_spec(self, namespace: str, name: str) -> LogSpec:
        """The spec of the build's log: ``buildlogs.sha256(spec)`` is what an archive must hold."""
        with self._lock:
            return self._record(namespace, name).log_spec

    def log_requests(self, namespace: str, name: str) -> int:
        """How many log requests reached this build (faulted ones included)."""
        with self._lock:
            return self._record(namespace, name).log_requests

    def open_log(self, namespace: str, name: str, *, previous: bool = False) -> LogSource:
        """Check a build's log is readable the way openshift-apiserver does; take its fault.

        Raises :class:`~osiris.simulator.errors.ClusterError` 404 (no build), 400 (Error/Cancelled, pod gone).
        New/Pending builds are the caller's to handle (wait or ``nowait``).
        """
        with self._lock:
            record = self._record(namespace, name)
            if previous:
                number = int(record.obj["metadata"]["annotations"]["openshift.io/build.number"])
                bc = record.obj["status"]["config"]["name"]
                record = self._record(namespace, f"{bc}-{number - 1}")
                name = record.obj["metadata"]["name"]
            record.log_requests += 1
            fault = self._take_fault(record)
            build = copy.deepcopy(record.obj)
            if fault.status is None:
                phase = build["status"]["phase"]
                if phase == "Cancelled":
                    raise bad_request(f"build {name} was cancelled. {NO_BUILD_LOGS_MESSAGE}")
                if phase == "Error":
                    raise bad_request(f"build {name} is in an error state. {NO_BUILD_LOGS_MESSAGE}")
                if phase not in ("New", "Pending") and not record.pod_exists:
                    raise bad_request(f'pod "{name}-build" not found')
            return LogSource(build=build, spec=record.log_spec, fault=fault, content=record.content)

    def replace_log(
        self, namespace: str, name: str, content: Callable[[], Iterable[bytes]]
    ) -> None:
        """Serve ``content()`` as the build's log instead of the generated one: any bytes
        (bad input), produced as a stream on each request so size costs no memory. The
        log spec no longer describes what is served."""
        with self._lock:
            self._record(namespace, name).content = content

    def add_log_fault(self, namespace: str, name: str, fault: LogFault) -> None:
        """Queue a fault for the build's next log request(s); faults apply in the order added."""
        with self._lock:
            self._record(namespace, name).faults.append(copy.copy(fault))

    def clear_log_faults(self, namespace: str, name: str) -> None:
        with self._lock:
            self._record(namespace, name).faults.clear()

    @staticmethod
    def _take_fault(record: BuildRecord) -> LogRequestFault:
        return take_fault(record.faults)

    def delete_build_pod(self, namespace: str, name: str) -> None:
        """The build pod is gone (garbage-collected): the build stays, its log does not."""
        with self._lock:
            self._record(namespace, name).pod_exists = False
