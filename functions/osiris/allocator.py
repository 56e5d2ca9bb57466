"""Process set-up for the archiving processes: large buffers go back to the OS when freed.

glibc serves allocations above its mmap threshold (128 KiB) with mmap and unmaps them on
free, but each time such a block is freed it raises the threshold to that block's size
(up to 32 MiB). After the first few parts, the archive's 1 MiB blocks and 5-8 MiB parts
come from the heap instead, where fragmentation lets the peak resident set creep up with
load and timing. Measured with tests/integration/test_memory.py on a loaded machine, a
100 MB then a 400 MB log grew the worker's peak by 8-12.5 MiB with the dynamic threshold
and by 1.7-3.1 MiB with this one pinned. The price is a fresh page fault per new buffer:
the ingest benchmark measured ~5% less throughput (benchmarks/README.md weighs the trade).
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
MMAP_THRESHOLD = 128 * 1024  # glibc's default, but fixed: setting it stops the adjustment


def pin_mmap_threshold() -> bool:
    """Pin glibc's mmap threshold; False where the C library is not glibc (nothing to do)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False  # musl has no mallopt; macOS's libc differs
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
