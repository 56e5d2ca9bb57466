"""An in-memory OpenShift cluster: namespaces, BuildConfigs and Builds (build.openshift.io/v1).

Usage::

    from osiris.simulator.cluster import LogFault, ManualClock, SimulatedCluster

    cluster = SimulatedCluster()                     # or SimulatedCluster(clock=ManualClock())
    cluster.create_namespace("shop")
    cluster.create_buildconfig("shop", "api", strategy="Docker")
    build = cluster.start_build("shop", "api", outcome="Complete", log_size=5_000_000, seed=1)
    build["metadata"]["name"]                        # "api-1"; the object as the API serves it

    unsubscribe = cluster.subscribe(lambda action, obj: print(action, obj["status"]["phase"]))
    pending = cluster.start_build("shop", "api", run=False)   # stays New ...
    cluster.advance_build("shop", pending["metadata"]["name"])  # ... New -> Pending -> Running -> terminal

    cluster.add_log_fault("shop", "api-1", LogFault(status=503, times=2))      # next 2 log requests fail
    cluster.add_log_fault("shop", "api-1", LogFault(cut_after=1 << 20, times=1))  # then one is cut
    cluster.delete_build_pod("shop", "api-1")        # the log becomes unavailable (400), build stays
    cluster.delete_build("shop", "api-1")            # the build is gone (404), a delete event fires

Objects are plain JSON dicts shaped exactly as openshift-apiserver serializes them
(``openshift/api`` ``build/v1/types.go``): ``status.duration`` is integer nanoseconds,
timestamps are RFC 3339 UTC with second precision, ``spec.nodeSelector`` is ``null`` when the
BuildConfig has none (the Go field has no ``omitempty``). Every getter returns a deep copy.

Phases follow the build controller: New -> Pending -> Running -> Complete | Failed |
Cancelled; ``Error`` builds never get a pod (New -> Error). A terminal build gets
``startTimestamp`` (the completion time if it never started), ``completionTimestamp`` and
``duration`` (omitted when zero, as ``omitempty`` does). In instant mode (``run=True``)
the timestamps are back-dated from ``clock.now()`` so they are never in the future.

Subscribers are called synchronously, in change order, under the cluster lock: they must
be quick (the event sender only enqueues) and must not block on other threads.
"""

from __future__ import annotations

import copy
import threading
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from osiris.simulator.buildlogs import BulkText, LogSpec, iter_log, last_lines

JSON = dict[str, Any]
Outcome = Literal["Complete", "Failed", "Error", "Cancelled"]
Action = Literal["add", "update", "delete"]
Listener = Callable[[str, JSON], None]

BUILD_API_VERSION = "build.openshift.io/v1"
TERMINAL_PHASES = frozenset({"Complete", "Failed", "Error", "Cancelled"})
NO_BUILD_LOGS_MESSAGE = "No logs are available."  # openshift-apiserver apiserverbuildutil
LOG_SNIPPET_LINES = 5
_LABEL_MAX = 63

# openshift/api build/v1 StatusReason values and the controller's messages for them.
_FAILURE = {
    "Docker": ("DockerBuildFailed", "Docker build strategy has failed."),
    "Source": ("GenericBuildFailed", "Generic Build failure - check logs for details."),
}
_ERROR = ("CannotCreateBuildPod", "Failed creating build pod.")
_CANCELLED = ("CancelledBuild", "The build was cancelled by the user.")


class ClusterError(Exception):
    """A request the simulated API server turns into a k8s ``Status`` (code, reason, message)."""

    def __init__(self, code: int, reason: str, message: str, details: JSON | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details


def not_found(resource: str, name: str, group: str = "build.openshift.io") -> ClusterError:
    qualified = f"{resource}.{group}" if group else resource
    details: JSON = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    return ClusterError(404, "NotFound", f'{qualified} "{name}" not found', details)


def bad_request(message: str) -> ClusterError:
    return ClusterError(400, "BadRequest", message)


# --------------------------------------------------------------------------- clock


class Clock:
    """Wall-clock time in UTC, truncated to whole seconds like metav1.Time."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class ManualClock(Clock):
    """A clock that only moves when told to; starts at a fixed, reproducible instant."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)).replace(microsecond=0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=round(seconds))
            return self._now


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- faults


@dataclass
class LogFault:
    """What the next log request(s) of one build suffer.

    ``status``: answer with this HTTP status and a ``Status`` body instead of the log.
    ``cut_after``: send this many bytes of the log, then close the connection without
    the terminating zero-length chunk. ``stall_after`` / ``stall_seconds``: pause the
    stream once after that many bytes. ``times``: how many requests this applies to
    (``None``: all of them, until cleared).
    """

    status: int | None = None
    cut_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 0.0
    times: int | None = 1


@dataclass(frozen=True)
class LogRequestFault:
    """The fault one log request got (an immutable snapshot taken when it started)."""

    status: int | None = None
    cut_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 0.0


def take_fault(faults: list[LogFault]) -> LogRequestFault:
    """The fault the next log request gets from a queue of faults (and use it up)."""
    if not faults:
        return LogRequestFault()
    fault = faults[0]
    if fault.times is not None:
        fault.times -= 1
        if fault.times <= 0:
            faults.pop(0)
    return LogRequestFault(fault.status, fault.cut_after, fault.stall_after, fault.stall_seconds)


# --------------------------------------------------------------------------- records


@dataclass
class _BuildConfig:
    obj: JSON
    last_version: int = 0


@dataclass
class _Build:
    obj: JSON
    log_spec: LogSpec
    outcome: Outcome
    duration: int  # seconds the build "runs" in instant mode
    pod_exists: bool = False
    faults: list[LogFault] = field(default_factory=list)
    log_requests: int = 0
    content: Callable[[], Iterable[bytes]] | None = None


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


class SimulatedCluster:
    """Thread-safe in-memory state of namespaces, BuildConfigs and Builds."""

    def __init__(self, clock: Clock | None = None, cluster_name: str = "simulated") -> None:
        self.clock = clock or Clock()
        self.cluster_name = cluster_name
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._resource_version = 0
        self._namespaces: dict[str, JSON] = {}
        self._buildconfigs: dict[tuple[str, str], _BuildConfig] = {}
        self._builds: dict[tuple[str, str], _Build] = {}
        self._listeners: list[Listener] = []
        from osiris.simulator.tekton import TektonRuns  # one depends on the other's lock

        self.tekton = TektonRuns(self)

    # ------------------------------------------------------------------ bookkeeping

    def _next_version(self) -> str:
        self._resource_version += 1
        return str(self._resource_version)

    @property
    def resource_version(self) -> str:
        with self._lock:
            return str(self._resource_version)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(action, build)`` for every Build add/update/delete; returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, action: Action, obj: JSON) -> None:
        self._changed.notify_all()
        for listener in list(self._listeners):
            listener(action, copy.deepcopy(obj))

    # ------------------------------------------------------------------ namespaces

    def create_namespace(self, name: str, labels: dict[str, str] | None = None) -> JSON:
        with self._lock:
            if name in self._namespaces:
                raise ClusterError(
                    409,
                    "AlreadyExists",
                    f'namespaces "{name}" already exists',
                    {"name": name, "kind": "namespaces"},
                )
            now = rfc3339(self.clock.now())
            self._namespaces[name] = {
                "metadata": {
                    "name": name,
                    "uid": str(uuid.uuid4()),
                    "resourceVersion": self._next_version(),
                    "creationTimestamp": now,
                    "labels": {"kubernetes.io/metadata.name": name, **(labels or {})},
                    "annotations": {"openshift.io/sa.scc.uid-range": "1000650000/10000"},
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
            return self.get_namespace(name)

    def get_namespace(self, name: str) -> JSON:
        with self._lock:
            if name not in self._namespaces:
                raise not_found("namespaces", name, group="")
            return {
                "kind": "Namespace",
                "apiVersion": "v1",
                **copy.deepcopy(self._namespaces[name]),
            }

    def list_namespaces(self) -> list[JSON]:
        with self._lock:
            return [self.get_namespace(name) for name in sorted(self._namespaces)]

    def _require_namespace(self, namespace: str) -> None:
        if namespace not in self._namespaces:
            raise not_found("namespaces", namespace, group="")

    # ------------------------------------------------------------------ buildconfigs

    def create_buildconfig(
        self,
        namespace: str,
        name: str,
        *,
        strategy: Literal["Docker", "Source"] = "Docker",
        git_uri: str | None = None,
        git_ref: str = "main",
        context_dir: str | None = None,
        builder_image: str = "python:3.11-ubi9",
        labels: dict[str, str] | None = None,
        node_selector: dict[str, str] | None = None,
        run_policy: str = "Serial",
    ) -> JSON:
        with self._lock:
            self._require_namespace(namespace)
            if (namespace, name) in self._buildconfigs:
                raise ClusterError(
                    409,
                    "AlreadyExists",
                    f'buildconfigs.build.openshift.io "{name}" already exists',
                    {"name": name, "group": "build.openshift.io", "kind": "buildconfigs"},
                )
            source: JSON = {
                "type": "Git",
                "git": {"uri": git_uri or f"https://github.com/example/{name}.git", "ref": git_ref},
            }
            if context_dir:
                source["contextDir"] = context_dir
            from_ref = {"kind": "ImageStreamTag", "namespace": "openshift", "name": builder_image}
            build_strategy: JSON = (
                {"type": "Docker", "dockerStrategy": {"from": from_ref}}
                if strategy == "Docker"
                else {"type": "Source", "sourceStrategy": {"from": from_ref}}
            )
            obj: JSON = {
                "kind": "BuildConfig",
                "apiVersion": BUILD_API_VERSION,
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "uid": str(uuid.uuid4()),
                    "resourceVersion": self._next_version(),
                    "generation": 1,
                    "creationTimestamp": rfc3339(self.clock.now()),
                    "labels": {"app": name, **(labels or {})},
                    "annotations": {"openshift.io/generated-by": "OpenShiftNewApp"},
                },
                "spec": {
                    "nodeSelector": node_selector,
                    "output": {"to": {"kind": "ImageStreamTag", "name": f"{name}:latest"}},
                    "resources": {},
                    "successfulBuildsHistoryLimit": 5,
                    "failedBuildsHistoryLimit": 5,
                    "strategy": build_strategy,
                    "postCommit": {},
                    "source": source,
                    "triggers": [{"type": "ConfigChange"}],
                    "runPolicy": run_policy,
                },
                "status": {"lastVersion": 0},
            }
            self._buildconfigs[(namespace, name)] = _BuildConfig(obj)
            return copy.deepcopy(obj)

    def get_buildconfig(self, namespace: str, name: str) -> JSON:
        with self._lock:
            record = self._buildconfigs.get((namespace, name))
            if record is None:
                raise not_found("buildconfigs", name)
            return copy.deepcopy(record.obj)

    def list_buildconfigs(self, namespace: str | None = None) -> list[JSON]:
        with self._lock:
            return [
                copy.deepcopy(record.obj)
                for key, record in sorted(self._buildconfigs.items())
                if namespace is None or key[0] == namespace
            ]

    # ------------------------------------------------------------------ builds

    def start_build(
        self,
        namespace: str,
        buildconfig: str,
        *,
        outcome: Outcome = "Complete",
        log_size: int = 64 * 1024,
        seed: int | None = None,
        run: bool = True,
        duration: int | None = None,
        trigger: Literal["Manual", "GitHub"] = "Manual",
        log_text: BulkText = "tests",
    ) -> JSON:
        """Instantiate the BuildConfig; with ``run`` the build goes straight to ``outcome``.

        ``duration`` is the simulated run time in seconds (default: one second per MiB of
        log, at least 5). ``log_text`` picks what the log's bulk is made of
        (:data:`~osiris.simulator.buildlogs.BulkText`). Returns the build as it is after
        the call.
        """
        with self._lock:
            bc = self._buildconfigs.get((namespace, buildconfig))
            if bc is None:
                raise not_found("buildconfigs", buildconfig)
            bc.last_version += 1
            bc.obj["status"]["lastVersion"] = bc.last_version
            bc.obj["metadata"]["resourceVersion"] = self._next_version()
            number = bc.last_version
            name = f"{buildconfig}-{number}"
            seed = seed if seed is not None else zlib.crc32(f"{namespace}/{name}".encode())
            run_seconds = duration if duration is not None else max(5, log_size // (1024 * 1024))
            created = self.clock.now()
            if run:
                created -= timedelta(seconds=run_seconds + 3)
            obj = self._new_build_object(
                bc.obj, name, number=number, seed=seed, created=created, trigger=trigger
            )
            spec = self._log_spec(obj, seed, log_size, outcome, log_text)
            git = obj["spec"]["revision"]["git"]
            git["commit"] = spec.commit
            git["message"] = spec.commit_message
            git["author"] = {"name": spec.author_name, "email": spec.author_email}
            git["committer"] = {"name": spec.author_name, "email": spec.author_email}
            record = _Build(obj=obj, log_spec=spec, outcome=outcome, duration=run_seconds)
            self._builds[(namespace, name)] = record
            self._notify("add", obj)
            if run:
                self._run_to_end(record, created)
            return copy.deepcopy(record.obj)

    def _new_build_object(
        self, bc: JSON, name: str, *, number: int, seed: int, created: datetime, trigger: str
    ) -> JSON:
        meta = bc["metadata"]
        bc_name, namespace = meta["name"], meta["namespace"]
        spec = copy.deepcopy(bc["spec"])
        revision_git: JSON = {"author": {}, "committer": {}, "message": "", "commit": ""}
        if trigger == "GitHub":
            cause: JSON = {
                "message": "GitHub WebHook",
                "githubWebHook": {
                    "revision": {"type": "Git", "git": revision_git},
                    "secret": "<secret>",
                },
            }
        else:
            cause = {"message": "Manually triggered"}
        now = rfc3339(created)
        return {
            "kind": "Build",
            "apiVersion": BUILD_API_VERSION,
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": str(uuid.uuid4()),
                "resourceVersion": self._next_version(),
                "generation": 1,
                "creationTimestamp": now,
                "labels": {
                    **meta.get("labels", {}),
                    "buildconfig": bc_name[:_LABEL_MAX],
                    "openshift.io/build-config.name": bc_name[:_LABEL_MAX],
                    "openshift.io/build.start-policy": spec.get("runPolicy", "Serial"),
                },
                "annotations": {
                    "openshift.io/build-config.name": bc_name,
                    "openshift.io/build.number": str(number),
                },
                "ownerReferences": [
                    {
                        "apiVersion": BUILD_API_VERSION,
                        "kind": "BuildConfig",
                        "name": bc_name,
                        "uid": meta["uid"],
                        "controller": True,
                    }
                ],
                "managedFields": [
                    _managed(
                        "openshift-apiserver",
                        now,
                        {
                            "f:metadata": {
                                "f:annotations": {
                                    ".": {},
                                    "f:openshift.io/build-config.name": {},
                                    "f:openshift.io/build.number": {},
                                },
                                "f:labels": {
                                    ".": {},
                                    "f:buildconfig": {},
                                    "f:openshift.io/build-config.name": {},
                                    "f:openshift.io/build.start-policy": {},
                                },
                                "f:ownerReferences": {".": {}, f'k:{{"uid":"{meta["uid"]}"}}': {}},
                            },
                            "f:spec": {
                                "f:output": {"f:to": {}},
                                "f:serviceAccount": {},
                                "f:source": {"f:git": {}},
                                "f:strategy": {},
                                "f:triggeredBy": {},
                            },
                        },
                    ),
                ],
            },
            "spec": {
                "serviceAccount": "builder",
                "source": spec["source"],
                "revision": {"type": "Git", "git": revision_git},
                "strategy": spec["strategy"],
                "output": {
                    **spec["output"],
                    "pushSecret": {"name": f"builder-dockercfg-{seed % 100000:05d}"},
                },
                "resources": spec.get("resources", {}),
                "postCommit": spec.get("postCommit", {}),
                "nodeSelector": spec.get("nodeSelector"),
                "triggeredBy": [cause],
            },
            "status": {
                "phase": "New",
                "outputDockerImageReference": (
                    f"image-registry.openshift-image-registry.svc:5000/{namespace}/{spec['output']['to']['name']}"
                ),
                "config": {"kind": "BuildConfig", "namespace": namespace, "name": bc_name},
                "output": {},
                "conditions": [_condition("New", now)],
            },
        }

    def _log_spec(
        self, build: JSON, seed: int, size: int, outcome: Outcome, bulk: BulkText = "tests"
    ) -> LogSpec:
        spec = build["spec"]
        return LogSpec(
            seed=seed,
            size=size,
            namespace=build["metadata"]["namespace"],
            build_name=build["metadata"]["name"],
            strategy="Source" if spec["strategy"]["type"] == "Source" else "Docker",
            succeeded=outcome == "Complete",
            git_uri=spec["source"]["git"]["uri"],
            git_ref=spec["source"]["git"].get("ref", "main"),
            output_image=build["status"]["outputDockerImageReference"],
            bulk=bulk,
        ).resolved()

    # ------------------------------------------------------------------ phases

    def _run_to_end(self, record: _Build, created: datetime) -> None:
        queued = created + timedelta(seconds=3)
        while record.obj["status"]["phase"] not in TERMINAL_PHASES:
            phase = record.obj["status"]["phase"]
            if phase == "New":
                self._step(record, queued - timedelta(seconds=2))
            elif phase == "Pending":
                self._step(record, queued)
            else:
                self._step(record, queued + timedelta(seconds=record.duration))

    def advance_build(self, namespace: str, name: str) -> JSON:
        """Move a build one phase forward at ``clock.now()``; returns the new object."""
        with self._lock:
            record = self._record(namespace, name)
            if record.obj["status"]["phase"] in TERMINAL_PHASES:
                raise bad_request(f"build {name} is already {record.obj['status']['phase']}")
            self._step(record, self.clock.now())
            return copy.deepcopy(record.obj)

    def finish_build(self, namespace: str, name: str) -> JSON:
        """Advance a build until it reaches its terminal phase at ``clock.now()``."""
        with self._lock:
            record = self._record(namespace, name)
            while record.obj["status"]["phase"] not in TERMINAL_PHASES:
                self._step(record, self.clock.now())
            return copy.deepcopy(record.obj)

    def _step(self, record: _Build, at: datetime) -> None:
        status = record.obj["status"]
        phase = status["phase"]
        if phase == "New":
            nxt = "Error" if record.outcome == "Error" else "Pending"
        elif phase == "Pending":
            nxt = "Cancelled" if record.outcome == "Cancelled" else "Running"
        else:
            nxt = "Cancelled" if record.outcome == "Cancelled" else record.outcome
        when = rfc3339(at)
        if nxt == "Pending":
            record.pod_exists = True
            record.obj["metadata"]["annotations"]["openshift.io/build.pod-name"] = (
                f"{record.obj['metadata']['name']}-build"
            )
        if nxt == "Running":
            status["startTimestamp"] = when
        if nxt in TERMINAL_PHASES:
            self._complete(record, nxt, at)
        status["phase"] = nxt
        for condition in status["conditions"]:
            if condition["status"] == "True":
                condition.update(status="False", lastUpdateTime=when, lastTransitionTime=when)
        status["conditions"].append(
            _condition(nxt, when, status.get("reason", ""), status.get("message", ""))
        )
        self._touch(record.obj, at)
        self._notify("update", record.obj)

    def _complete(self, record: _Build, phase: str, at: datetime) -> None:
        status = record.obj["status"]
        strategy = record.obj["spec"]["strategy"]["type"]
        status.setdefault("startTimestamp", rfc3339(at))
        status["completionTimestamp"] = rfc3339(at)
        started = datetime.strptime(status["startTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=UTC
        )
        seconds = int((at - started).total_seconds())
        if seconds:
            status["duration"] = seconds * 1_000_000_000
        if phase == "Complete":
            status["output"] = {"to": {"imageDigest": record.log_spec.image_digest}}
            status["stages"] = _stages(strategy, started, seconds)
        elif phase == "Failed":
            status["reason"], status["message"] = _FAILURE[strategy]
            status["logSnippet"] = "\n".join(last_lines(record.log_spec, LOG_SNIPPET_LINES))
            status["stages"] = _stages(strategy, started, seconds)[:3]
        elif phase == "Error":
            status["reason"], status["message"] = _ERROR
        else:
            status["cancelled"] = True
            status["reason"], status["message"] = _CANCELLED

    def _touch(self, obj: JSON, at: datetime) -> None:
        meta = obj["metadata"]
        meta["resourceVersion"] = self._next_version()
        fields = meta["managedFields"]
        if len(fields) == 1:
            fields.append(_managed("openshift-controller-manager", rfc3339(at), {}))
        fields[1]["time"] = rfc3339(at)
        fields[1]["fieldsV1"] = {
            "f:metadata": {"f:annotations": {"f:openshift.io/build.pod-name": {}}},
            "f:status": {f"f:{key}": {} for key in sorted(obj["status"]) if key != "phase"}
            | {"f:phase": {}},
        }

    # ------------------------------------------------------------------ reads

    def _record(self, namespace: str, name: str) -> _Build:
        record = self._builds.get((namespace, name))
        if record is None:
            raise not_found("builds", name)
        return record

    def get_build(self, namespace: str, name: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self._record(namespace, name).obj)

    def list_builds(self, namespace: str | None = None) -> list[JSON]:
        """Builds sorted by (namespace, name) like etcd keys; ``None`` lists every namespace."""
        with self._lock:
            return [
                copy.deepcopy(record.obj)
                for key, record in sorted(self._builds.items())
                if namespace is None or key[0] == namespace
            ]

    def log_spec(self, namespace: str, name: str) -> LogSpec:
        """The spec of the build's log: ``buildlogs.sha256(spec)`` is what an archive must hold."""
        with self._lock:
            return self._record(namespace, name).log_spec

    def log_requests(self, namespace: str, name: str) -> int:
        """How many log requests reached this build (faulted ones included)."""
        with self._lock:
            return self._record(namespace, name).log_requests

    def wait_until_started(self, namespace: str, name: str, timeout: float) -> JSON:
        """Block until the build leaves New/Pending (or ``timeout``); returns the latest object."""
        with self._lock:
            self._changed.wait_for(
                lambda: (
                    (namespace, name) not in self._builds
                    or self._builds[(namespace, name)].obj["status"]["phase"]
                    not in ("New", "Pending")
                ),
                timeout=timeout,
            )
            return self.get_build(namespace, name)

    def open_log(self, namespace: str, name: str, *, previous: bool = False) -> LogSource:
        """Check a build's log is readable the way openshift-apiserver does; take its fault.

        Raises :class:`ClusterError` 404 (no build), 400 (Error/Cancelled, pod gone).
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

    # ------------------------------------------------------------------ faults

    def add_log_fault(self, namespace: str, name: str, fault: LogFault) -> None:
        """Queue a fault for the build's next log request(s); faults apply in the order added."""
        with self._lock:
            self._record(namespace, name).faults.append(copy.copy(fault))

    def clear_log_faults(self, namespace: str, name: str) -> None:
        with self._lock:
            self._record(namespace, name).faults.clear()

    @staticmethod
    def _take_fault(record: _Build) -> LogRequestFault:
        return take_fault(record.faults)

    # ------------------------------------------------------------------ deletion

    def delete_build_pod(self, namespace: str, name: str) -> None:
        """The build pod is gone (garbage-collected): the build stays, its log does not."""
        with self._lock:
            self._record(namespace, name).pod_exists = False

    def delete_build(self, namespace: str, name: str) -> JSON:
        """Delete a build and its pod; subscribers get a delete event with the last object."""
        with self._lock:
            record = self._builds.pop((namespace, name), None)
            if record is None:
                raise not_found("builds", name)
            self._resource_version += 1  # a deletion is a write, the object keeps its last version
            self._notify("delete", record.obj)
            return copy.deepcopy(record.obj)

    def prune_builds(
        self, namespace: str, buildconfig: str, keep_successful: int = 5, keep_failed: int = 5
    ) -> list[str]:
        """Delete the oldest terminal builds beyond the history limits, like the build controller."""
        with self._lock:
            mine = [
                r
                for (ns, _), r in self._builds.items()
                if ns == namespace and r.obj["status"]["config"]["name"] == buildconfig
            ]
            mine.sort(
                key=lambda r: int(r.obj["metadata"]["annotations"]["openshift.io/build.number"])
            )
            successful = [r for r in mine if r.obj["status"]["phase"] == "Complete"]
            failed = [
                r for r in mine if r.obj["status"]["phase"] in ("Failed", "Error", "Cancelled")
            ]
            doomed = successful[: max(0, len(successful) - keep_successful)]
            doomed += failed[: max(0, len(failed) - keep_failed)]
            names = [r.obj["metadata"]["name"] for r in doomed]
            for doomed_name in names:
                self.delete_build(namespace, doomed_name)
            return names


def _condition(phase: str, when: str, reason: str = "", message: str = "") -> JSON:
    condition: JSON = {
        "type": phase,
        "status": "True",
        "lastUpdateTime": when,
        "lastTransitionTime": when,
    }
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def _managed(manager: str, when: str, fields: JSON) -> JSON:
    return {
        "manager": manager,
        "operation": "Update",
        "apiVersion": BUILD_API_VERSION,
        "time": when,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }


def _stages(strategy: str, started: datetime, seconds: int) -> list[JSON]:
    build_step = "DockerBuild"
    push_step = "PushDockerImage" if strategy == "Docker" else "PushImage"
    plan = [
        ("FetchInputs", "FetchGitSource", 0.05),
        ("PullImages", "PullBaseImage", 0.15),
        ("Build", build_step, 0.7),
        ("PushImage", push_step, 0.1),
    ]
    stages = []
    offset = 0.0
    total_ms = seconds * 1000
    for stage, step, share in plan:
        start = rfc3339(started + timedelta(milliseconds=offset))
        duration = max(1, int(total_ms * share))
        stages.append(
            {
                "name": stage,
                "startTime": start,
                "durationMilliseconds": duration,
                "steps": [{"name": step, "startTime": start, "durationMilliseconds": duration}],
            }
        )
        offset += duration
    return stages
