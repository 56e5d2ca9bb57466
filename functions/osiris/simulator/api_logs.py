"""The simulated API server's log streaming (a mixin of its request handler).

``GET /apis/build.openshift.io/v1/namespaces/<ns>/builds/<name>/log``: ``text/plain``,
chunked, with ``limitBytes``, ``tailLines``, ``previous``, ``nowait`` and ``follow``
validated as the OpenShift API server does; a build not started yet is waited for. The
queued :class:`~osiris.simulator.faults.LogFault` applies: a status instead of the log,
a stall, or a cut (the connection dropped before the terminating chunk). The pod-log route
of :mod:`osiris.simulator.api_tekton` streams through the same methods.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from osiris.simulator.buildlogs import tail_lines
from osiris.simulator.cluster_logs import NO_BUILD_LOGS_MESSAGE
from osiris.simulator.errors import ClusterError, bad_request
from osiris.simulator.faults import LogRequestFault
from osiris.simulator.status import BUILD_GROUP, fault_status

JSON = dict[str, Any]


class LogHandlers(BaseHTTPRequestHandler):
    """Handlers of build logs and the streaming every log route uses."""

    if TYPE_CHECKING:
        sim: Any
        _status: int

        def _authorize(self, verb: str, resource: str, namespace: str, name: str = "") -> None: ...
        def _send_status(self, body: JSON) -> None: ...
        def _int_param(self, name: str) -> int | None: ...
        def _bool_param(self, name: str) -> bool: ...

    def _h_build_log(self, body: bytes, ns: str, name: str) -> None:
        self._authorize("get", "builds/log", ns, name)
        limit_bytes = self._int_param("limitBytes")
        tail = self._int_param("tailLines")
        invalid = []
        if limit_bytes is not None and limit_bytes < 1:
            invalid.append(
                (f"limitBytes: Invalid value: {limit_bytes}: must be greater than 0", "limitBytes")
            )
        if tail is not None and tail < 0:
            invalid.append(
                (
                    f"tailLines: Invalid value: {tail}: must be greater than or equal to 0",
                    "tailLines",
                )
            )
        if invalid:
            raise ClusterError(
                422,
                "Invalid",
                f'BuildLogOptions.build.openshift.io "" is invalid: {", ".join(text for text, _ in invalid)}',
                {
                    "group": BUILD_GROUP,
                    "kind": "BuildLogOptions",
                    "causes": [
                        {
                            "reason": "FieldValueInvalid",
                            "message": text.split(": ", 1)[1],
                            "field": field,
                        }
                        for text, field in invalid
                    ],
                },
            )
        previous = self._bool_param("previous")
        nowait = self._bool_param("nowait")
        self._bool_param("follow")  # validated; the simulated log is complete when it is readable
        source = self.sim.cluster.open_log(ns, name, previous=previous)
        if self._fault_answer(source.fault):
            return
        build_name = source.build["metadata"]["name"]
        if source.build["status"]["phase"] in ("New", "Pending"):
            if nowait:
                self._status = 204
                self.send_response(204)
                self.end_headers()
                return
            latest = self.sim.cluster.wait_until_started(ns, build_name, self.sim.log_wait_timeout)
            phase = latest["status"]["phase"]
            if phase == "Error":
                raise bad_request(
                    f"build {build_name} encountered an error: {NO_BUILD_LOGS_MESSAGE}"
                )
            if phase == "Cancelled":
                raise bad_request(f"build {build_name} was cancelled: {NO_BUILD_LOGS_MESSAGE}")
            if phase in ("New", "Pending"):
                raise ClusterError(
                    504,
                    "Timeout",
                    f"timed out waiting for build {build_name} to start after "
                    f"{self.sim.log_wait_timeout:g}s",
                    {"retryAfterSeconds": 1},
                )
        self._stream(self._log_chunks(source.chunks(), tail, limit_bytes), source.fault)

    def _fault_answer(self, fault: LogRequestFault) -> bool:
        """Answer with the fault's status instead of the log; False when it has none."""
        if fault.status is None:
            return False
        self._send_status(fault_status(fault.status))
        return True

    def _log_chunks(
        self, chunks: Iterator[bytes], tail: int | None, limit_bytes: int | None
    ) -> Iterator[bytes]:
        if tail is not None:
            lines = tail_lines(chunks, tail)
            chunks = iter([b"".join(line + b"\n" for line in lines)])
        if limit_bytes is not None:
            chunks = _limit(chunks, limit_bytes)
        return _rechunk(chunks, self.sim.chunk_size)

    def _stream(self, chunks: Iterator[bytes], fault: LogRequestFault) -> None:
        self._status = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        stall_at = fault.stall_after
        for chunk in chunks:
            data = chunk
            if stall_at is not None and sent + len(data) > stall_at:
                head = max(0, stall_at - sent)
                self._write_chunk(data[:head])
                sent, data = sent + head, data[head:]
                self.sim.stopping.wait(fault.stall_seconds)
                stall_at = None
            if fault.cut_after is not None and sent + len(data) >= fault.cut_after:
                self._write_chunk(data[: max(0, fault.cut_after - sent)])
                self._cut()
                return
            self._write_chunk(data)
            sent += len(data)
        if fault.cut_after is not None:
            self._cut()  # a cut beyond the end still loses the terminating chunk
            return
        self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        if data:  # an empty chunk would end the body
            self.wfile.write(b"%x\r\n%b\r\n" % (len(data), data))

    def _cut(self) -> None:
        """Drop the connection mid-body: the client never sees the zero-length chunk."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _limit(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    remaining = limit
    for chunk in chunks:
        if remaining <= 0:
            return
        yield chunk[:remaining]
        remaining -= len(chunk)


def _rechunk(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Split oversized chunks so every HTTP chunk stays around ``size`` bytes."""
    for chunk in chunks:
        if len(chunk) <= size:
            yield chunk
            continue
        view = memoryview(chunk)
        for start in range(0, len(chunk), size):
            yield bytes(view[start : start + size])
