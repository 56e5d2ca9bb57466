"""``describe build/NAME | taskrun/NAME | pipelinerun/NAME``: the archived metadata
document, for a reader. Pure."""

from __future__ import annotations

from typing import Any

from osiris.plugin.merge import time_of


def _value(value: Any) -> str:
    return "<none>" if value is None or value == "" else str(value)


def describe(document: dict[str, Any], in_cluster: bool) -> str:
    git = (document.get("source") or {}).get("git") or {}
    author = git.get("author") or {}
    output = document.get("output") or {}
    log = document.get("log") or {}
    labels = document.get("labels") or {}
    fields: list[tuple[str, Any]] = [
        ("Name", document.get("name")),
        ("Namespace", document.get("namespace")),
        ("UID", document.get("uid")),
        ("Cluster", document.get("cluster")),
        ("Build Config", document.get("buildConfig")),
        ("Number", document.get("number")),
        ("Strategy", document.get("strategy")),
        ("Status", document.get("phase")),
        ("Reason", document.get("reason")),
        ("Message", document.get("message")),
        ("Created", document.get("created")),
        ("Started", document.get("started")),
        ("Completed", document.get("completed")),
        (
            "Duration",
            None
            if document.get("durationSeconds") is None
            else f"{document['durationSeconds']:g}s",
        ),
        ("Labels", ", ".join(f"{k}={v}" for k, v in labels.items()) or None),
        ("Triggered By", ", ".join(document.get("triggeredBy") or []) or None),
        ("Git URI", git.get("uri")),
        ("Git Ref", git.get("ref")),
        ("Git Commit", git.get("commit")),
        (
            "Git Author",
            " ".join(
                p
                for p in (
                    author.get("name"),
                    f"<{author['email']}>" if author.get("email") else None,
                )
                if p
            )
            or None,
        ),
        ("Git Message", git.get("message")),
        ("Context Dir", (document.get("source") or {}).get("contextDir")),
        ("Output Image", output.get("imageReference")),
        ("Image Digest", output.get("imageDigest")),
        ("Log", log.get("state")),
        ("Log Reason", log.get("reason")),
        (
            "Log Size",
            None
            if log.get("rawBytes") is None
            else f"{log['rawBytes']} bytes, {_value(log.get('lines'))} lines",
        ),
        ("Log SHA-256", log.get("sha256")),
        ("Archived At", document.get("archivedAt")),
        ("Archive Key", log.get("key")),
        ("Still In Cluster", "yes" if in_cluster else "no"),
    ]
    return _fields(fields)


def _fields(fields: list[tuple[str, Any]]) -> str:
    width = max(len(label) for label, _ in fields) + 2
    return "".join(f"{(label + ':').ljust(width)}{_value(value)}\n" for label, value in fields)


def _seconds(value: Any) -> str | None:
    return None if value is None else f"{value:g}s"


def _table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    """A section as ``tkn … describe`` prints one: a title, then aligned columns."""
    if not rows:
        return f"\n{title}:\n  <none>\n"
    cells = [[_value(cell) for cell in row] for row in rows]
    widths = [max(len(c) for c in column) for column in zip(header, *cells, strict=True)]
    lines = [
        "  " + "   ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in (header, *cells)
    ]
    return f"\n{title}:\n" + "\n".join(lines) + "\n"


def _run_head(document: dict[str, Any], group: tuple[str, Any]) -> list[tuple[str, Any]]:
    git = document.get("git") or {}
    return [
        ("Name", document.get("name")),
        ("Namespace", document.get("namespace")),
        ("UID", document.get("uid")),
        ("Cluster", document.get("cluster")),
        group,
        ("Status", document.get("phase")),
        ("Reason", document.get("reason")),
        ("Message", document.get("message")),
        ("Created", document.get("created")),
        ("Started", document.get("started")),
        ("Completed", document.get("completed")),
        ("Duration", _seconds(document.get("durationSeconds"))),
        ("Git URL", git.get("url")),
        ("Git Revision", git.get("revision")),
        ("Git Commit", git.get("commit")),
    ]


def _step_log(log: Any) -> str:
    log = log if isinstance(log, dict) else {}
    if log.get("state") == "archived":
        size = log.get("rawBytes", log.get("bytes"))
        return "archived" if size is None else f"archived, {size} bytes"
    reason = log.get("reason")
    return f"{_value(log.get('state'))} ({reason})" if reason else _value(log.get("state"))


def describe_taskrun(document: dict[str, Any], in_cluster: bool) -> str:
    findings = document.get("findings") or []
    head = _run_head(document, ("Task", document.get("task")))
    head[5:5] = [
        ("Pipeline Run", document.get("pipelineRun")),
        ("Pipeline Task", document.get("pipelineTask")),
        ("Pod", document.get("podName")),
    ]
    head += [
        (
            "Findings",
            ", ".join(f"{f.get('rule')} (step {f.get('step')})" for f in findings) or None,
        ),
        ("Archived At", document.get("archivedAt")),
        ("Still In Cluster", "yes" if in_cluster else "no"),
    ]
    steps = [
        [
            step.get("name"),
            step.get("reason"),
            step.get("exitCode"),
            _step_duration(step),
            _step_log(step.get("log")),
        ]
        for step in document.get("steps") or []
        if isinstance(step, dict)
    ]
    return _fields(head) + _table(
        "Steps", ["NAME", "STATUS", "EXIT CODE", "DURATION", "LOG"], steps
    )


def _step_duration(step: dict[str, Any]) -> str | None:
    started, finished = time_of(step.get("started")), time_of(step.get("finished"))
    return None if started is None or finished is None else f"{finished - started}s"


def describe_pipelinerun(document: dict[str, Any], in_cluster: bool) -> str:
    head = _run_head(document, ("Pipeline", document.get("pipeline")))
    head += [
        ("Archived At", document.get("archivedAt")),
        ("Still In Cluster", "yes" if in_cluster else "no"),
    ]
    runs = [
        [
            run.get("name"),
            run.get("pipelineTask"),
            run.get("phase") or "<not archived>",
            _seconds(run.get("durationSeconds")),
            run.get("finding"),
        ]
        for run in document.get("taskRuns") or []
        if isinstance(run, dict)
    ]
    skipped = [
        [task.get("name"), task.get("reason")]
        for task in document.get("skippedTasks") or []
        if isinstance(task, dict)
    ]
    return (
        _fields(head)
        + _table("TaskRuns", ["NAME", "TASK", "STATUS", "DURATION", "FINDING"], runs)
        + _table("Skipped Tasks", ["NAME", "REASON"], skipped)
    )
