"""Builds a Sweeper from configuration: the archive function's parts, plus a lister."""

from __future__ import annotations

from osiris.adapters.factory import build_store
from osiris.adapters.kube import KubeApi
from osiris.adapters.runs import ClusterRuns
from osiris.archive.service import Archiver, StreamSettings
from osiris.config import SweepConfig
from osiris.core.keys import KeyLayout
from osiris.sweep.cluster import ClusterRunLister
from osiris.sweep.run import Sweeper


def build_sweeper(config: SweepConfig) -> Sweeper:
    archive = config.archive
    api = KubeApi.from_environment(archive.log_read_timeout, archive.kubeconfig)
    store = build_store(archive.storage)
    layout = KeyLayout(archive.storage.prefix, archive.cluster)
    archiver = Archiver(
        store=store,
        runs=ClusterRuns(api),
        layout=layout,
        settings=StreamSettings(
            part_size=archive.part_size,
            gzip_level=archive.gzip_level,
            compress_workers=archive.compress_workers,
            upload_concurrency=archive.upload_concurrency,
        ),
        rules=archive.rules,
    )
    return Sweeper(ClusterRunLister(api), store, archiver, layout, concurrency=config.concurrency)
