"""What ``archive_ingest`` measures for one Build log: raw runs beside archive runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.ingest.meters import Run, throughput


@dataclass
class ArchiveResult:
    """One deflate implementation's archive runs for one case."""

    deflate: str
    runs: list[Run] = field(default_factory=list)
    compressed_bytes: int = 0
    worker_peak_rss: int = 0
    function_peak_pss: int = 0
    verified: bool = False


@dataclass
class CaseResult:
    text: str
    size: int
    raw: list[Run] = field(default_factory=list)
    archives: list[ArchiveResult] = field(default_factory=list)
    load_average: float = 0.0  # 1-minute load when this case finished: other work competes

    def throughput(self, runs: list[Run]) -> float:
        return throughput(self.size, runs)

    def ratio(self, archive: ArchiveResult) -> float:
        return self.throughput(archive.runs) / self.throughput(self.raw)
