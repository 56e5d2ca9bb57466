"""Knative ApiServerSource emulation: the CloudEvents its adapter sends for Build changes.

Usage::

    from osiris.simulator.source import EventSender, encode, make_event

    event = make_event(build, "update", mode="Resource", source_url="https://172.30.0.1:443")
    headers, body = encode(event)                    # binary mode (the adapter's default)
    headers, body = encode(event, "structured")      # application/cloudevents+json

    with EventSender(cluster, "http://127.0.0.1:8080/", mode="Resource") as sender:
        cluster.start_build("shop", "api")           # add, 3 updates -> 4 POSTs, in order
        sender.wait_idle(timeout=30)
        sender.deliveries                            # [Delivery(type, subject, status, attempts, ...)]

Events carry what knative/eventing ``pkg/adapter/apiserver`` puts on them: ``type``
``dev.knative.apiserver.resource.{add,update,delete}`` (Resource mode) or
``dev.knative.apiserver.ref.{add,update,delete}`` (Reference mode); ``source`` the API
server URL; ``subject`` the synthesized self link
``/apis/build.openshift.io/v1/namespaces/<ns>/builds/<name>``; a UUID ``id``; ``time``;
``datacontenttype: application/json``; extensions ``kind``, ``apiversion``, ``name``,
``namespace`` of the watched object. Data is the whole object (Resource) or
``{"kind","namespace","name","apiVersion"}`` (Reference), encoded as compact JSON like Go.

:class:`EventSender` posts sequentially from one thread (a slow sink delays every later
event, as with the real adapter) and retries like the adapter's direct-sink client:
5 retries, exponential backoff from 50 ms, on 404, 413, 425, 429, 502, 503, 504 and on
connection errors; never on 500 or other codes. Every final outcome is recorded.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import urllib3
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent

from osiris.simulator.cluster import SimulatedCluster

JSON = dict[str, Any]
Mode = Literal["Resource", "Reference"]
Encoding = Literal["binary", "structured"]

IN_CLUSTER_SOURCE = "https://172.30.0.1:443"
RETRIABLE_STATUSES = frozenset({404, 413, 425, 429, 502, 503, 504})
DEFAULT_RETRIES = 5
DEFAULT_BACKOFF = 0.05


def event_type(action: str, mode: Mode = "Resource") -> str:
    if action not in ("add", "update", "delete"):
        raise ValueError(f"action must be add, update or delete, not {action!r}")
    return f"dev.knative.apiserver.{'resource' if mode == 'Resource' else 'ref'}.{action}"


def self_link(obj: JSON) -> str:
    """The adapter's synthesized self link: lower-case kind + "s", ``/apis/<apiVersion>/...``."""
    meta = obj["metadata"]
    plural = f"{obj['kind'].lower()}s"
    return (
        f"/apis/{obj['apiVersion']}/namespaces/{meta.get('namespace', '')}/{plural}/{meta['name']}"
    )


def reference(obj: JSON) -> JSON:
    """Reference-mode data: a corev1.ObjectReference in its JSON field order."""
    meta = obj["metadata"]
    return {
        "kind": obj["kind"],
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "apiVersion": obj["apiVersion"],
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def make_event(
    obj: JSON,
    action: str,
    mode: Mode = "Resource",
    source_url: str = IN_CLUSTER_SOURCE,
    *,
    event_id: str | None = None,
    time: str | None = None,
) -> CloudEvent:
    """The CloudEvent the ApiServerSource adapter sends for ``action`` on ``obj``."""
    meta = obj["metadata"]
    attributes = {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": source_url,
        "type": event_type(action, mode),
        "subject": self_link(obj),
        "time": time or _now(),
        "datacontenttype": "application/json",
        "kind": obj["kind"],
        "apiversion": obj["apiVersion"],
        "name": meta["name"],
        "namespace": meta.get("namespace", ""),
    }
    return CloudEvent(attributes, obj if mode == "Resource" else reference(obj))


def _compact_json(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def encode(event: CloudEvent, encoding: Encoding = "binary") -> tuple[dict[str, str], bytes]:
    """HTTP headers and body for ``event`` in binary (``ce-*`` headers) or structured mode."""
    if encoding == "binary":
        headers, body = to_binary(event, data_marshaller=_compact_json)
    else:
        headers, body = to_structured(event, data_marshaller=lambda data: data)
    return dict(headers), body if isinstance(body, bytes) else body.encode()


# --------------------------------------------------------------------------- sender


@dataclass(frozen=True)
class Delivery:
    """The final outcome of sending one event (after any retries)."""

    event_id: str
    event_type: str
    subject: str
    namespace: str
    name: str
    phase: str
    status: int | None
    attempts: int
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class EventSender:
    """Subscribe to a cluster and POST every Build change to ``sink_url``, one at a time."""

    def __init__(
        self,
        cluster: SimulatedCluster,
        sink_url: str,
        *,
        mode: Mode = "Resource",
        encoding: Encoding = "binary",
        source_url: str = IN_CLUSTER_SOURCE,
        retries: int = DEFAULT_RETRIES,
        backoff_delay: float = DEFAULT_BACKOFF,
        timeout: float = 60.0,
        namespaces: set[str] | None = None,
    ) -> None:
        self.cluster = cluster
        self.sink_url = sink_url
        self.mode: Mode = mode
        self.encoding: Encoding = encoding
        self.source_url = source_url
        self.retries = retries
        self.backoff_delay = backoff_delay
        self.namespaces = namespaces
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5.0, read=timeout), retries=False
        )
        self._queue: queue.Queue[tuple[CloudEvent, str] | None] = queue.Queue()
        self._deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Any = None

    def start(self) -> EventSender:
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name="apiserversource-adapter", daemon=True
        )
        self._thread.start()
        self._unsubscribe = self.cluster.subscribe(self._on_change)
        return self

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stopping.set()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._http.clear()

    def __enter__(self) -> EventSender:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every event seen so far has a final outcome; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def _on_change(self, action: str, obj: JSON) -> None:
        if self.namespaces is not None and obj["metadata"].get("namespace") not in self.namespaces:
            return
        phase = obj.get("status", {}).get("phase", "")
        with self._lock:
            self._in_flight += 1
        self._queue.put((make_event(obj, action, self.mode, self.source_url), phase))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            event, phase = item
            delivery = self.send(event, phase)
            with self._idle:
                self._deliveries.append(delivery)
                self._in_flight -= 1
                self._idle.notify_all()

    def send(self, event: CloudEvent, phase: str = "") -> Delivery:
        """POST one event with the adapter's retry policy; returns its outcome."""
        headers, body = encode(event, self.encoding)
        attempts = 0
        status: int | None = None
        error: str | None = None
        while True:
            attempts += 1
            try:
                response = self._http.request("POST", self.sink_url, body=body, headers=headers)
                status, error = response.status, None
                retry = status in RETRIABLE_STATUSES
            except urllib3.exceptions.HTTPError as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
                retry = True
            if not retry or attempts > self.retries:
                break
            # Exponential backoff: delay, 2*delay, 4*delay ... (cut short when stopping).
            if self._stopping.wait(self.backoff_delay * 2 ** (attempts - 1)):
                break
        return Delivery(
            event_id=event["id"],
            event_type=event["type"],
            subject=event["subject"],
            namespace=event["namespace"],
            name=event["name"],
            phase=phase,
            status=status,
            attempts=attempts,
            error=error,
        )
