"""TaskRun and PipelineRun logs read from the cluster, as ``tkn`` prints them.

The fallback for a run the archive does not have (yet): a TaskRun's steps are containers
of its pod (``status.podName``, ``status.steps[].container``), each read with
``GET /api/v1/namespaces/{ns}/pods/{pod}/log?container=…``; a PipelineRun's TaskRuns are
its ``status.childReferences``, in pipeline order. One step prints byte-exact; several
print with every line prefixed ``[step] `` (a TaskRun) or ``[task : step] `` (a
PipelineRun), as the lookup serves the archived ones. A step whose log the cluster no
longer has (its pod is gone) is skipped, as the lookup skips a step archived without
its log; nothing at all to print is an error.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from osiris.errors import ApiRejectedError, LogUnavailableError, NotFoundError
from osiris.plugin.cluster import Cluster

TEKTON = "/apis/tekton.dev/v1"


def prefixed(prefix: bytes, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Every line of ``chunks`` with ``prefix`` before it; an unterminated last line gets
    its newline (the next step's lines start on a line of their own)."""
    at_line_start = True
    for chunk in chunks:
        if not chunk:
            continue
        body = chunk.replace(b"\n", b"\n" + prefix)
        if chunk.endswith(b"\n"):
            body = body[: len(body) - len(prefix)]
        yield (prefix + body) if at_line_start else body
        at_line_start = chunk.endswith(b"\n")
    if not at_line_start:
        yield b"\n"


def last_lines(count: int, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The last ``count`` lines of the text (``--tail`` of a combined log)."""
    if count == 0:
        return
    kept: deque[bytes] = deque(maxlen=count)
    partial = b""
    for chunk in chunks:
        lines = (partial + chunk).split(b"\n")
        partial = lines.pop()
        kept.extend(line + b"\n" for line in lines)
    if partial:
        kept.append(partial)
    yield b"".join(kept)


def steps_of(taskrun: dict[str, Any]) -> list[tuple[str, str]]:
    """(step, container) of each step the TaskRun's status names, in order."""
    steps = (taskrun.get("status") or {}).get("steps") or []
    return [
        (str(step["name"]), str(step.get("container") or f"step-{step['name']}"))
        for step in steps
        if isinstance(step, dict) and isinstance(step.get("name"), str)
    ]


def _pod(taskrun: dict[str, Any]) -> str | None:
    return (taskrun.get("status") or {}).get("podName") or None


def _step_log(
    cluster: Cluster, namespace: str, pod: str, container: str, tail: int | None
) -> Iterator[bytes] | None:
    """The container's log, opened (so a gone pod shows here); None when it is gone."""
    chunks = cluster.pod_log(namespace, pod, container, tail)
    try:
        first = next(chunks, b"")
    except (NotFoundError, ApiRejectedError):  # the pod is gone / has no such container
        return None
    return _prepend(first, chunks)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def taskrun_log(
    cluster: Cluster, namespace: str, name: str, tail: int | None, step: str | None
) -> Iterator[bytes] | None:
    """The TaskRun's log from the cluster; None when the cluster does not have the run."""
    taskrun = cluster.object(TEKTON, "taskruns", namespace, name)
    if taskrun is None:
        return None
    steps = steps_of(taskrun)
    pod = _pod(taskrun)
    if pod is None:
        raise LogUnavailableError(
            f'taskrun "{name}" in namespace "{namespace}" never got a pod: it has no step '
            "logs, and the osiris archive has none either",
            "NoPod",
        )
    if step is not None:
        container = dict(steps).get(step)
        if container is None:
            raise NotFoundError(_no_step(name, namespace, step, [s for s, _ in steps]))
        log = _step_log(cluster, namespace, pod, container, tail)
        if log is None:
            raise LogUnavailableError(
                f'the pod {pod} of taskrun "{name}" in namespace "{namespace}" is gone and the '
                f"osiris archive does not have the log of step {step}",
                "PodGone",
            )
        return log
    parts = ((f"[{s}] ", pod, container) for s, container in steps)
    return _combined(cluster, namespace, parts, tail, f'taskrun "{name}"')


def pipelinerun_log(
    cluster: Cluster, namespace: str, name: str, tail: int | None, step: str | None
) -> Iterator[bytes] | None:
    """Every TaskRun's steps of the PipelineRun, from the cluster; None without the run."""
    del step  # refused before: a PipelineRun's log is all of it
    run = cluster.object(TEKTON, "pipelineruns", namespace, name)
    if run is None:
        return None
    children = [
        child
        for child in (run.get("status") or {}).get("childReferences") or []
        if isinstance(child, dict) and child.get("kind", "TaskRun") == "TaskRun"
    ]

    def parts() -> Iterator[tuple[str, str, str]]:
        for child in children:
            taskrun = cluster.object(TEKTON, "taskruns", namespace, str(child.get("name")))
            pod = None if taskrun is None else _pod(taskrun)
            if taskrun is None or pod is None:
                continue
            task = child.get("pipelineTaskName") or child.get("name")
            for step, container in steps_of(taskrun):
                yield f"[{task} : {step}] ", pod, container

    return _combined(cluster, namespace, parts(), tail, f'pipelinerun "{name}"')


def _combined(
    cluster: Cluster,
    namespace: str,
    parts: Iterable[tuple[str, str, str]],
    tail: int | None,
    what: str,
) -> Iterator[bytes]:
    """The prefixed logs of ``parts`` (prefix, pod, container), one after the other."""

    def every() -> Iterator[bytes]:
        found = False
        for prefix, pod, container in parts:
            log = _step_log(cluster, namespace, pod, container, tail)
            if log is None:
                continue
            found = True
            yield from prefixed(prefix.encode(), log)
        if not found:
            raise LogUnavailableError(
                f'{what} in namespace "{namespace}": neither the cluster (its pods are gone) '
                "nor the osiris archive has a log of any of its steps",
                "PodGone",
            )

    return every() if tail is None else last_lines(tail, every())


def _no_step(name: str, namespace: str, step: str, steps: list[str]) -> str:
    return (
        f'taskrun "{name}" in namespace "{namespace}" has no step "{step}" '
        f"(its steps: {', '.join(steps) or 'none'})"
    )


def no_step_message(name: str, namespace: str, step: str, document: dict[str, Any]) -> str:
    """The message for a step an archived TaskRun does not have."""
    steps = [str(s.get("name")) for s in document.get("steps") or [] if isinstance(s, dict)]
    return _no_step(name, namespace, step, steps)
