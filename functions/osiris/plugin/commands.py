"""The plugin's commands, on a :class:`Session` (the cluster and the lookup, built lazily)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from osiris.errors import LogUnavailableError, NotFoundError, PermanentError
from osiris.plugin import output
from osiris.plugin.cluster import LOOKUP_SERVICE, Cluster
from osiris.plugin.lookup import LookupClient
from osiris.plugin.merge import Filters, Row, from_archive, merge, merge_buildconfigs
from osiris.plugin.progress import Progress
from osiris.plugin.resources import BUILD, RunResource, by_alias, by_group_alias
from osiris.plugin.tekton import no_step_message


@dataclass(frozen=True)
class LookupSettings:
    server: str | None  # --server
    environment_url: str | None  # OSIRIS_LOOKUP_URL, read by the entry point
    lookup_namespace: str
    certificate_authority: str | None
    insecure: bool


class Session:
    def __init__(
        self,
        connect: Callable[[], Cluster],
        settings: LookupSettings,
        namespace: str | None,
        stdout: IO[bytes],
        stderr: IO[str],
    ) -> None:
        self._connect = connect
        self._settings = settings
        self._namespace = namespace
        self._cluster: Cluster | None = None
        self._lookup: LookupClient | None = None
        self.stdout = stdout
        self.stderr = stderr

    @property
    def cluster(self) -> Cluster:
        if self._cluster is None:
            self._cluster = self._connect()
        return self._cluster

    @property
    def namespace(self) -> str:
        return self._namespace or self.cluster.namespace

    @property
    def lookup(self) -> LookupClient:
        if self._lookup is None:
            settings = self._settings
            if settings.server:
                url, origin = settings.server, "from --server"
            elif settings.environment_url:
                url, origin = settings.environment_url, "from OSIRIS_LOOKUP_URL"
            else:
                url = self.cluster.discover_lookup(settings.lookup_namespace)
                origin = (
                    f"status.url of the Knative Service {LOOKUP_SERVICE} in namespace "
                    f"{settings.lookup_namespace}"
                )
            self._lookup = LookupClient(
                url,
                origin,
                self.cluster.authorization(),
                certificate_authority=settings.certificate_authority,
                insecure=settings.insecure,
            )
        return self._lookup

    def write(self, text: str) -> None:
        self.stdout.write(text.encode())
        self.stdout.flush()


@dataclass(frozen=True)
class Target:
    """What TYPE/NAME names: a run of ``resource``, or (``latest``) the newest run of
    the group NAME (``bc/web``: a BuildConfig's, ``task/lint``, ``pipeline/ci``)."""

    resource: RunResource
    name: str
    latest: bool = False


def split_target(target: str) -> Target:
    """``build/NAME``, ``taskrun/NAME``, ``pr/NAME``, … or a bare ``NAME`` (a build);
    ``bc/NAME``, ``task/NAME``, ``pipeline/NAME`` for the group's latest run."""
    kind, _, name = target.rpartition("/")
    if not name:
        raise PermanentError(f"no name in {target!r}: use TYPE/NAME, build/web-3")
    if not kind:
        return Target(BUILD, name)
    if (resource := by_alias(kind)) is not None:
        return Target(resource, name)
    if (resource := by_group_alias(kind)) is not None:
        return Target(resource, name, latest=True)
    raise PermanentError(
        f"cannot read logs of {kind!r}: use build/NAME, bc/NAME, taskrun/NAME, task/NAME, "
        "pipelinerun/NAME or pipeline/NAME"
    )


# ------------------------------------------------------------------------------- logs


def logs(session: Session, target: str, tail: int | None, step: str | None = None) -> None:
    wanted = split_target(target)
    resource, name, namespace = wanted.resource, wanted.name, session.namespace
    uid = None
    if wanted.latest:
        name, uid = _latest_of(session, resource, namespace, name)
    if step is not None and not resource.has_steps:
        raise PermanentError(f"--step is for taskrun/NAME, not {resource.word}/{name}")
    chunks = _log_chunks(session, resource, namespace, name, uid, tail, step)
    first = next(chunks, b"")  # failures happen here, before anything reaches stdout
    progress = Progress.for_streams(session.stdout, session.stderr)
    for chunk in _prepend(first, chunks):
        session.stdout.write(chunk)
        progress.advance(len(chunk))
    session.stdout.flush()
    progress.finish()


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _log_chunks(
    session: Session,
    resource: RunResource,
    namespace: str,
    name: str,
    uid: str | None,
    tail: int | None,
    step: str | None,
) -> Iterator[bytes]:
    archived = session.lookup.log(resource.resource, namespace, name, uid, tail, step)
    try:
        first = next(archived, b"")
    except (NotFoundError, LogUnavailableError) as error:
        # Not archived yet (or archived without its log): the cluster may still serve it.
        cluster_log = resource.cluster_log(session.cluster, namespace, name, tail, step)
        if cluster_log is None:
            raise _nowhere(session, resource, namespace, name, step, error) from None
        yield next(cluster_log, b"")
        yield from cluster_log
        return
    yield first
    yield from archived


def _nowhere(
    session: Session,
    resource: RunResource,
    namespace: str,
    name: str,
    step: str | None,
    error: NotFoundError | LogUnavailableError,
) -> NotFoundError | LogUnavailableError:
    """The error for a log the archive did not serve, of a run the cluster does not have."""
    if step is not None:  # archived, maybe, but without that step
        try:
            document = session.lookup.get_json(_run_path(resource, namespace, name))
        except NotFoundError:
            pass
        else:
            steps = [s for s in document.get("steps") or [] if isinstance(s, dict)]
            if step not in {s.get("name") for s in steps}:
                return NotFoundError(no_step_message(name, namespace, step, document))
    if isinstance(error, LogUnavailableError):
        return LogUnavailableError(
            f"{resource.word} {name} in namespace {namespace} is archived without its log "
            f"({error.reason or error.message}) and the cluster no longer has it",
            error.reason,
        )
    return NotFoundError(
        f'{resource.word} "{name}" not found in namespace "{namespace}": neither the cluster '
        "nor the osiris archive has it"
    )


def _run_path(resource: RunResource, namespace: str, name: str) -> str:
    return f"/namespaces/{quote(namespace)}/{resource.resource}/{quote(name)}"


def _latest_of(
    session: Session, resource: RunResource, namespace: str, group: str
) -> tuple[str, str | None]:
    """The newest run of a group (a BuildConfig, Task or Pipeline), in the cluster or the
    archive: (name, the uid where only the archive has it)."""
    candidates = [
        row
        for row in map(
            resource.from_cluster,
            session.cluster.objects(resource.api, resource.resource, namespace),
        )
        if row.group == group
    ]
    try:
        latest = session.lookup.get_json(
            f"/namespaces/{quote(namespace)}/{resource.group_resource}/{quote(group)}/latest"
        )
        candidates.append(from_archive(latest, resource.kind, resource.group_field))
    except NotFoundError:
        pass
    if not candidates:
        word = resource.group_kind.lower()
        raise NotFoundError(
            f'{word} "{group}" has no {resource.resource} in namespace "{namespace}": neither '
            "the cluster nor the osiris archive has one"
        )
    newest = merge(candidates, [], limit=1)[0]
    return newest.name, newest.uid if newest.archived and not newest.in_cluster else None


# ------------------------------------------------------------------------------- get


def get_runs(
    session: Session,
    resource: RunResource,
    *,
    all_namespaces: bool,
    filters: Filters,
    limit: int | None,
    out: str,
) -> None:
    """``get builds|taskruns|pipelineruns``: the cluster's and the archive's, one row per uid."""
    namespace = None if all_namespaces else session.namespace
    cluster_rows = [
        resource.from_cluster(obj) for obj in _cluster_runs(session, resource, namespace)
    ]
    archive_rows = (
        []
        if filters.phase not in (None, *resource.finished)
        else _archived_runs(session, resource, namespace, filters, limit)
    )
    rows = merge(cluster_rows, archive_rows, filters, limit)
    if out in ("table", "wide"):
        text = resource.table(rows, int(time.time()), out == "wide", all_namespaces)
        session.write(text)
        if not text:
            where = "any namespace" if namespace is None else f"{namespace} namespace"
            session.stderr.write(f"No resources found in {where}.\n")
    elif out == "name":
        session.write(output.names(resource.qualified, [r.name for r in rows]))
    else:
        session.write(
            output.render_document(output.as_list([resource.document(r) for r in rows]), out)
        )


def _cluster_runs(
    session: Session, resource: RunResource, namespace: str | None
) -> list[dict[str, Any]]:
    try:
        return session.cluster.objects(resource.api, resource.resource, namespace)
    except NotFoundError:  # the cluster does not serve the kind (no Tekton): the archive may
        if resource is BUILD:
            raise
        return []


def _archived_runs(
    session: Session,
    resource: RunResource,
    namespace: str | None,
    filters: Filters,
    limit: int | None,
) -> list[Row]:
    lookup = session.lookup

    def rows(items: Iterable[dict[str, Any]]) -> list[Row]:
        return [from_archive(item, resource.kind, resource.group_field) for item in items]

    if filters.commit is not None:
        if len(filters.commit) < 7:
            raise PermanentError("--commit needs at least 7 hex digits of the commit id")
        # Builds have their own route; /runs answers for every kind.
        path = "/builds" if resource is BUILD else "/runs"
        items = lookup.pages(path, {"commit": filters.commit}, None)
        return [
            row
            for row in rows(i for i in items if i.get("kind", resource.kind) == resource.kind)
            if namespace is None or row.namespace == namespace
        ]
    namespaces = (
        [namespace]
        if namespace is not None
        else [item["name"] for item in lookup.get_json("/namespaces").get("items", [])]
    )
    query: dict[str, str] = {}
    if filters.group:
        query[resource.group_flag] = filters.group
    if filters.phase:
        query["phase"] = filters.phase
    found: list[Row] = []
    for name in namespaces:
        try:
            listed = list(
                lookup.pages(f"/namespaces/{quote(name)}/{resource.resource}", query, limit)
            )
        except NotFoundError:  # nothing archived in that namespace
            continue
        found.extend(rows(listed))
    return found


def get_buildconfigs(session: Session, *, all_namespaces: bool, out: str) -> None:
    namespace = None if all_namespaces else session.namespace
    cluster = session.cluster.buildconfigs(namespace)
    namespaces = (
        [namespace]
        if namespace is not None
        else [item["name"] for item in session.lookup.get_json("/namespaces").get("items", [])]
    )
    archived: list[tuple[str, str]] = []
    for name in namespaces:
        try:
            items = session.lookup.pages(f"/namespaces/{quote(name)}/buildconfigs", {}, None)
            archived.extend((name, item["name"]) for item in items)
        except NotFoundError:
            continue
    rows = merge_buildconfigs(cluster, archived)
    if out in ("table", "wide"):
        session.write(output.buildconfig_table(rows, namespaces=all_namespaces))
    elif out == "name":
        session.write(output.names("buildconfig.build.openshift.io", [r.name for r in rows]))
    else:
        documents: list[dict[str, Any]] = [
            {
                "kind": "BuildConfig",
                "namespace": r.namespace,
                "name": r.name,
                "strategy": r.strategy,
                "lastVersion": r.latest,
                "inCluster": r.in_cluster,
                "archived": r.archived,
            }
            for r in rows
        ]
        session.write(output.render_document(output.as_list(documents), out))


# ------------------------------------------------------------------------------- describe


def describe_run(session: Session, target: str) -> None:
    wanted = split_target(target)
    if wanted.latest:
        raise PermanentError("describe takes build/NAME, taskrun/NAME or pipelinerun/NAME")
    resource, name = wanted.resource, wanted.name
    namespace = session.namespace
    try:
        document = session.lookup.get_json(_run_path(resource, namespace, name))
    except NotFoundError:
        if session.cluster.object(resource.api, resource.resource, namespace, name) is not None:
            elsewhere = resource.describe_elsewhere.format(name=name, namespace=namespace)
            raise NotFoundError(
                f'{resource.word} "{name}" in namespace "{namespace}" is not archived yet; the '
                f"cluster still has it: {elsewhere}"
            ) from None
        raise NotFoundError(
            f'{resource.word} "{name}" not found in namespace "{namespace}": neither the '
            "cluster nor the osiris archive has it"
        ) from None
    in_cluster = (
        session.cluster.object(resource.api, resource.resource, namespace, name) is not None
    )
    session.write(resource.describe(document, in_cluster))
