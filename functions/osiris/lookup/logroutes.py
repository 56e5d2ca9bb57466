"""The log views: one stored log byte-exact, or several as one prefixed text.

A Build's log and one step of a TaskRun (``?step=``) are one stored object each: served
as stored (gzip passthrough), decoded, or as a tail, with ETag and Last-Modified. A
TaskRun without ``step`` and a PipelineRun are several objects: their lines prefixed as
``tkn`` prints them (:mod:`osiris.lookup.combined`), streamed, without validators (no
single object's ETag describes them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, Response, request
from werkzeug.http import http_date

from osiris.adapters.store import ObjectInfo, ObjectReader
from osiris.core.keys import LOG_OBJECT, STEP_LOG_SUFFIX, STEP_LOGS, BuildRef
from osiris.core.metadata import LOG_CONTENT_TYPE
from osiris.errors import NotFoundError
from osiris.kinds import BUILD, PIPELINERUN, TASKRUN, Kind, fields
from osiris.lookup import combined, logstream, params, tailindex
from osiris.lookup.combined import Section
from osiris.lookup.conditional import entity_tag, not_modified
from osiris.lookup.reader import ArchiveReader
from osiris.lookup.readers import Readers
from osiris.lookup.runreader import Incarnation, LogNotArchivedError

# With ?tail=: the number (1-based) of the tail's first line in the whole log.
FIRST_LINE_HEADER = "Osiris-First-Line"


class LogRoutes:
    def __init__(self, readers: Readers) -> None:
        self._readers = readers
        self._gate = readers.gate

    def register(self, app: Flask, ns: str) -> None:
        app.add_url_rule(f"{ns}/builds/<name>/log", view_func=self.build_log)
        app.add_url_rule(f"{ns}/taskruns/<name>/log", view_func=self.taskrun_log)
        app.add_url_rule(f"{ns}/pipelineruns/<name>/log", view_func=self.pipelinerun_log)

    def _open(self, kind: Kind, namespace: str, name: str) -> tuple[ArchiveReader, params.Query]:
        query = request.args.to_dict(flat=False)
        reader = self._readers.for_query(query, kind)
        self._gate.namespace(namespace)
        params.run_name(name, kind.view.noun)
        return reader, query

    def build_log(self, namespace: str, name: str) -> Response:
        reader, query = self._open(BUILD, namespace, name)
        return self._one_log(reader, query, namespace, name, None)

    def taskrun_log(self, namespace: str, name: str) -> Response:
        """``?step=``: that step's log as stored; without: every step, ``[step] `` prefixed."""
        reader, query = self._open(TASKRUN, namespace, name)
        step = params.step(query)
        if step is not None:
            return self._one_log(reader, query, namespace, name, step)
        found = reader.resolve(namespace, name, params.uid(query))
        document = found.document or reader.read_document(found.ref)
        sections = _step_sections(reader, found, document, None)
        if not sections:
            raise reader.log_missing(found, _first_step(document))
        return self._combined(reader, query, f"{namespace}_{name}.log", sections)

    def pipelinerun_log(self, namespace: str, name: str) -> Response:
        """Every TaskRun's steps in pipeline order, ``[task : step] `` prefixed. Costs one
        list call and one document read per TaskRun, before the first byte."""
        reader, query = self._open(PIPELINERUN, namespace, name)
        document = reader.document(namespace, name, params.uid(query))
        taskruns = reader.for_kind(TASKRUN)
        sections: list[Section] = []
        for child_name, task in _children(document):
            try:
                child = taskruns.resolve(namespace, child_name, None)
            except NotFoundError:
                continue  # not archived (yet): the pipeline's text goes on without it
            child_document = child.document or taskruns.read_document(child.ref)
            sections += _step_sections(taskruns, child, child_document, task)
        if not sections:
            raise LogNotArchivedError("no log of this PipelineRun's TaskRuns was archived", None)
        return self._combined(reader, query, f"{namespace}_{name}.log", sections)

    def _combined(
        self, reader: ArchiveReader, query: params.Query, filename: str, sections: list[Section]
    ) -> Response:
        tail = params.tail(query)
        open_log = reader.store.open
        if tail is not None:
            text = combined.combined_tail(sections, open_log, tail)
            response = Response(text, content_type=LOG_CONTENT_TYPE)
            first_line = combined.tail_first_line(sections, text)
            if first_line is not None:
                response.headers[FIRST_LINE_HEADER] = str(first_line)
        else:
            response = Response(
                combined.combined_chunks(sections, open_log), content_type=LOG_CONTENT_TYPE
            )
        response.headers["Cache-Control"] = "private, no-cache"
        if params.flag(query, "download"):
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def _one_log(
        self,
        reader: ArchiveReader,
        query: params.Query,
        namespace: str,
        name: str,
        step: str | None,
    ) -> Response:
        uid, tail = params.uid(query), params.tail(query)
        download = params.flag(query, "download")
        document: dict[str, Any] | None = None
        if uid is not None:
            # The links of every list item carry the uid: one GetObject, no listing.
            ref = BuildRef(namespace, name, uid)
        else:
            found = reader.resolve(namespace, name, None)
            if _object_name(step) not in found.objects:
                raise reader.log_missing(found, step)
            ref, document = found.ref, found.document
        key = reader.layout.log_key(ref, step)
        passthrough = tail is None and logstream.accepts_gzip(
            request.headers.get("Accept-Encoding")
        )
        representation = "gzip" if passthrough else "identity" if tail is None else f"tail{tail}"
        if_none_match = request.headers.get("If-None-Match")
        if_modified_since = request.headers.get("If-Modified-Since")
        bucket = reader.store
        if if_none_match is not None or if_modified_since is not None:
            info = bucket.head(key)
            if info is None:
                raise _why_no_log(reader, namespace, name, uid, step)
            etag = entity_tag(info.etag, representation)
            if not_modified(etag, info.last_modified, if_none_match, if_modified_since):
                response = Response(status=304)
                _validators(response, etag, info.last_modified)
                return response
        suffix = f"_{step}" if step else ""
        filename = f"{namespace}_{name}{suffix}.log" if download else None
        try:
            if tail is not None:
                index = tailindex.tail_index(_log_section(reader, ref, document, step))
                if index is not None:
                    answer = tailindex.indexed_tail(
                        lambda start, end: bucket.open(key, byte_range=(start, end)), index, tail
                    )
                    if answer is not None:
                        return _tail_response(*answer, representation, filename)
            stored = bucket.open(key)
        except NotFoundError:
            raise _why_no_log(reader, namespace, name, uid, step) from None
        return _log_response(stored, representation, tail, filename)


def _object_name(step: str | None) -> str:
    """The path below the uid of the run's log or of one step's (as resolve lists it)."""
    return LOG_OBJECT if step is None else f"{STEP_LOGS}/{step}{STEP_LOG_SUFFIX}"


def _step_sections(
    reader: ArchiveReader, found: Incarnation, document: dict[str, Any], task: str | None
) -> list[Section]:
    """A TaskRun's archived step logs in step order; ``task`` set: prefixed with it too."""
    sections = []
    for step, log in reader.kind.log_sections(document):
        if step is None or _object_name(step) not in found.objects:
            continue  # not archived: the document says why
        prefix = (
            combined.step_prefix(step) if task is None else combined.task_step_prefix(task, step)
        )
        lines = fields.integer(log.get("lines")) if isinstance(log, dict) else None
        sections.append(Section(prefix, reader.layout.log_key(found.ref, step), lines))
    return sections


def _log_section(
    reader: ArchiveReader, ref: BuildRef, document: dict[str, Any] | None, step: str | None
) -> Any:
    """The document's section of the log (or step) a tail reads: one GetObject unless
    the resolve read the document already; None when the run has no document."""
    try:
        chosen = document if document is not None else reader.read_document(ref)
    except NotFoundError:
        return None  # the log's GetObject says why
    return dict(reader.kind.log_sections(chosen)).get(step)


def _first_step(document: dict[str, Any]) -> str | None:
    for step, _ in TASKRUN.log_sections(document):
        return step
    return None


def _children(document: dict[str, Any]) -> list[tuple[str, str]]:
    """A PipelineRun document's TaskRuns in order: (name, the task name of its lines)."""
    runs = document.get("taskRuns")
    if not isinstance(runs, list):
        return []
    children = []
    for run in runs:
        if not isinstance(run, dict) or not isinstance(run.get("name"), str):
            continue
        if run.get("kind", "TaskRun") != "TaskRun":
            continue
        task = run.get("pipelineTask")
        children.append((run["name"], task if isinstance(task, str) else run["name"]))
    return children


def _why_no_log(
    reader: ArchiveReader, namespace: str, name: str, uid: str | None, step: str | None
) -> NotFoundError:
    """The 404 for a log that is not there: no such run, or why it has no log."""
    found = reader.resolve(namespace, name, uid)  # raises for an unknown run
    if _object_name(step) in found.objects:  # removed between the listing and the read
        return NotFoundError(f"no archived {reader.kind.view.noun} of this name")
    return reader.log_missing(found, step)


def _validators(response: Response, etag: str, last_modified: datetime) -> None:
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    response.headers["Vary"] = "Accept-Encoding, Authorization"
    response.headers["Cache-Control"] = "private, no-cache"


def _log_response(
    stored: ObjectReader, representation: str, tail: int | None, filename: str | None
) -> Response:
    info = stored.info
    if tail is not None:
        try:
            lines = logstream.tail(stored, tail)
        finally:
            stored.close()
        return _tail_response(lines, info, representation, filename)
    if representation == "gzip":
        response = Response(logstream.raw_chunks(stored), content_type=LOG_CONTENT_TYPE)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(info.size)
    else:
        response = Response(logstream.decompressed_chunks(stored), content_type=LOG_CONTENT_TYPE)
    return _finished(response, info, representation, filename)


def _tail_response(
    lines: logstream.Tail, info: ObjectInfo, representation: str, filename: str | None
) -> Response:
    response = Response(lines.text, content_type=LOG_CONTENT_TYPE)
    response.headers[FIRST_LINE_HEADER] = str(lines.first_line)
    return _finished(response, info, representation, filename)


def _finished(
    response: Response, info: ObjectInfo, representation: str, filename: str | None
) -> Response:
    _validators(response, entity_tag(info.etag, representation), info.last_modified)
    if filename is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
