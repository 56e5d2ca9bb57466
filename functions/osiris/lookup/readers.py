"""The reader a request needs: its cluster (``?cluster=``, checked by the gate) and kind.

A reader for another cluster than the default is built per request (two small objects):
nothing is cached under a name a client chose.
"""

from __future__ import annotations

from osiris.adapters.store import ObjectStore
from osiris.core.keys import KeyLayout
from osiris.kinds import BUILD, Kind
from osiris.lookup import params
from osiris.lookup.gate import Gate
from osiris.lookup.reader import ArchiveReader


class Readers:
    def __init__(self, bucket: ObjectStore, layout: KeyLayout, gate: Gate) -> None:
        self.bucket = bucket
        self.layout = layout
        self.gate = gate
        self._default = ArchiveReader(bucket, layout)

    @property
    def default(self) -> ArchiveReader:
        return self._default

    def for_query(self, query: params.Query, kind: Kind = BUILD) -> ArchiveReader:
        """The reader of the cluster the request asks about (401/400/403 first)."""
        cluster = self.gate.cluster(query)
        if cluster == self.layout.cluster:
            return self._default if kind is BUILD else self._default.for_kind(kind)
        layout = KeyLayout(self.layout.prefix, cluster)
        return ArchiveReader(self.bucket, layout, kind=kind, links_cluster=cluster)
