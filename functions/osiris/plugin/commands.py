"""The plugin's commands, on a :class:`Session` (the cluster and the lookup, built lazily)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from osiris.errors import LogUnavailableError, NotFoundError, PermanentError
from osiris.plugin import output
from osiris.plugin.cluster import LOOKUP_SERVICE, Cluster
from osiris.plugin.describe import describe
from osiris.plugin.lookup import LookupClient
from osiris.plugin.merge import (
    FINISHED,
    BuildRow,
    Filters,
    from_archive,
    from_cluster,
    merge,
    merge_buildconfigs,
)
from osiris.plugin.progress import Progress

BUILD_KINDS = ("build", "builds", "build.build.openshift.io")
BUILDCONFIG_KINDS = ("bc", "buildconfig", "buildconfigs", "buildconfig.build.openshift.io")


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


def split_target(target: str) -> tuple[str, str]:
    """``build/NAME``, ``bc/NAME`` or a bare ``NAME`` → (``build`` | ``bc``, NAME)."""
    kind, _, name = target.rpartition("/")
    if not kind or kind in BUILD_KINDS:
        return "build", name
    if kind in BUILDCONFIG_KINDS:
        return "bc", name
    raise PermanentError(f"cannot read logs of {kind!r}: use build/NAME or bc/NAME")


# ------------------------------------------------------------------------------- logs


def logs(session: Session, target: str, tail: int | None) -> None:
    kind, name = split_target(target)
    namespace = session.namespace
    uid = None
    if kind == "bc":
        name, uid = _latest_of(session, namespace, name)
    chunks = _log_chunks(session, namespace, name, uid, tail)
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
    session: Session, namespace: str, name: str, uid: str | None, tail: int | None
) -> Iterator[bytes]:
    archived = session.lookup.log(namespace, name, uid, tail)
    try:
        first = next(archived, b"")
    except (NotFoundError, LogUnavailableError) as error:
        if session.cluster.build(namespace, name) is None:
            if isinstance(error, LogUnavailableError):
                raise LogUnavailableError(
                    f"build {name} in namespace {namespace} is archived without its log "
                    f"({error.reason or error.message}) and the cluster no longer has it",
                    error.reason,
                ) from None
            raise NotFoundError(
                f'build "{name}" not found in namespace "{namespace}": neither the cluster '
                "nor the osiris archive has it"
            ) from None
        # Not archived yet (or archived without its log): the cluster still serves it.
        cluster_log = session.cluster.log(namespace, name, tail)
        yield next(cluster_log, b"")
        yield from cluster_log
        return
    yield first
    yield from archived


def _latest_of(session: Session, namespace: str, buildconfig: str) -> tuple[str, str | None]:
    """The newest build of a BuildConfig, in the cluster or the archive: (name, uid)."""
    candidates = [
        row
        for row in map(from_cluster, session.cluster.builds(namespace))
        if row.buildconfig == buildconfig
    ]
    try:
        latest = session.lookup.get_json(
            f"/namespaces/{quote(namespace)}/buildconfigs/{quote(buildconfig)}/latest"
        )
        candidates.append(from_archive(latest))
    except NotFoundError:
        pass
    if not candidates:
        raise NotFoundError(
            f'buildconfig "{buildconfig}" has no builds in namespace "{namespace}": neither '
            "the cluster nor the osiris archive has one"
        )
    newest = merge(candidates, [], limit=1)[0]
    return newest.name, newest.uid if newest.archived and not newest.in_cluster else None


# ------------------------------------------------------------------------------- get


def get_builds(
    session: Session,
    *,
    all_namespaces: bool,
    filters: Filters,
    limit: int | None,
    out: str,
) -> None:
    namespace = None if all_namespaces else session.namespace
    cluster_rows = [from_cluster(obj) for obj in session.cluster.builds(namespace)]
    archive_rows = (
        []
        if filters.phase not in (None, *FINISHED)
        else _archived_builds(session, namespace, filters, limit)
    )
    rows = merge(cluster_rows, archive_rows, filters, limit)
    if out in ("table", "wide"):
        text = output.build_table(
            rows, int(time.time()), wide=out == "wide", namespaces=all_namespaces
        )
        session.write(text)
        if not text:
            where = "any namespace" if namespace is None else f"{namespace} namespace"
            session.stderr.write(f"No resources found in {where}.\n")
    elif out == "name":
        session.write(output.names("build.build.openshift.io", [r.name for r in rows]))
    else:
        session.write(output.render_document(output.as_list([r.document() for r in rows]), out))


def _archived_builds(
    session: Session, namespace: str | None, filters: Filters, limit: int | None
) -> list[BuildRow]:
    lookup = session.lookup
    if filters.commit is not None:
        if len(filters.commit) < 7:
            raise PermanentError("--commit needs at least 7 hex digits of the commit id")
        items = lookup.pages("/builds", {"commit": filters.commit}, None)
        return [
            row
            for row in map(from_archive, items)
            if namespace is None or row.namespace == namespace
        ]
    namespaces = (
        [namespace]
        if namespace is not None
        else [item["name"] for item in lookup.get_json("/namespaces").get("items", [])]
    )
    query: dict[str, str] = {}
    if filters.buildconfig:
        query["buildconfig"] = filters.buildconfig
    if filters.phase:
        query["phase"] = filters.phase
    rows: list[BuildRow] = []
    for name in namespaces:
        try:
            found = list(lookup.pages(f"/namespaces/{quote(name)}/builds", query, limit))
        except NotFoundError:  # nothing archived in that namespace
            continue
        rows.extend(map(from_archive, found))
    return rows


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


def describe_build(session: Session, target: str) -> None:
    kind, name = split_target(target)
    if kind != "build":
        raise PermanentError("describe takes build/NAME")
    namespace = session.namespace
    try:
        document = session.lookup.get_json(f"/namespaces/{quote(namespace)}/builds/{quote(name)}")
    except NotFoundError:
        if session.cluster.build(namespace, name) is not None:
            raise NotFoundError(
                f'build "{name}" in namespace "{namespace}" is not archived yet; the cluster '
                f"still has it: oc describe build/{name} -n {namespace}"
            ) from None
        raise NotFoundError(
            f'build "{name}" not found in namespace "{namespace}": neither the cluster nor '
            "the osiris archive has it"
        ) from None
    in_cluster = session.cluster.build(namespace, name) is not None
    session.write(describe(document, in_cluster))
