"""What a run costs: wall time, CPU seconds per process group, and peak memory."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from benchmarks.ingest.units import MiB

RSS_SAMPLE_SECONDS = 0.05


@dataclass
class Run:
    seconds: float
    cpu: dict[str, float]


def throughput(size: int, runs: list[Run]) -> float:
    """MiB/s of ``size`` bytes over the median run."""
    return size / MiB / statistics.median(r.seconds for r in runs)


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


@dataclass
class CpuMeter:
    """CPU seconds spent by named groups of processes while a run lasts."""

    groups: dict[str, list[int]]
    spent: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def measure(self) -> Iterator[dict[str, float]]:
        before = {name: cpu_seconds(pids) for name, pids in self.groups.items()}
        yield self.spent
        for name, pids in self.groups.items():
            self.spent[name] = round(cpu_seconds(pids) - before[name], 2)


def timed_run(meter: CpuMeter, work: Callable[[], None]) -> Run:
    """``work`` done once: its wall time, and the CPU each of ``meter``'s groups spent."""
    with meter.measure() as cpu:
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
    return Run(round(seconds, 3), dict(cpu))


class TreePssSampler:
    """Peak of the summed PSS of a process and its descendants, sampled in a thread.

    PSS splits pages shared by the gunicorn master and its worker between them, so the
    sum is what the pair costs (a container's memory, page cache aside); summed RSS
    would count the shared interpreter twice. Sampling can miss a short spike, which the
    worker's own ``VmHWM`` cannot.
    """

    def __init__(self, root: psutil.Process) -> None:
        self._root = root
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for process in [self._root, *self._root.children(recursive=True)]:
                try:
                    total += process.memory_full_info().pss
                except psutil.NoSuchProcess:
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(RSS_SAMPLE_SECONDS)

    def __enter__(self) -> TreePssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def vm_hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def function_processes(port: int) -> tuple[psutil.Process, psutil.Process]:
    """The functions-framework (gunicorn master) process on ``port`` and its one worker."""
    masters = [
        child
        for child in psutil.Process().children()
        if "functions_framework" in child.cmdline() and str(port) in child.cmdline()
    ]
    if len(masters) != 1:
        raise RuntimeError(f"expected one functions-framework process on port {port}: {masters}")
    workers = masters[0].children()
    if len(workers) != 1:
        raise RuntimeError(f"expected one gunicorn worker: {workers}")
    return masters[0], workers[0]


def ceph_pids(directory: Path) -> list[int]:
    """The daemons of the Ceph in ``directory`` (their CEPH_CONF): other Cephs on the
    machine (another suite's) are not ours to count."""
    names = {"radosgw", "ceph-osd", "ceph-mon"}
    pids = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] not in names:
            continue
        try:
            conf = process.environ().get("CEPH_CONF", "")
        except (psutil.AccessDenied, psutil.NoSuchProcess):
            continue
        if conf.startswith(str(directory)):
            pids.append(process.pid)
    return pids
