"""Read buffers the archive hands back once it is done with them.

The mmap threshold is pinned (:mod:`osiris.allocator`), so every 1 MiB block freed goes
back to the kernel and the next one is faulted in again, page by page, and zeroed: the
blocks alone cost 25,600 page faults per 100 MiB of log, and page faults were a fifth of
the archive's CPU (perf, benchmarks/README.md). A pool lets the reader fill a block the
compressor and the digest have finished with instead. A new block is made only when none
is free, so no more exist than were in use at once (plus those finished but not yet given
back): the peak stays flat, a few blocks above what it was.
"""

from __future__ import annotations


class BlockPool:
    """Blocks of ``size`` bytes; at most ``keep`` free ones are kept.

    Used from one thread (the one reading the log, which is also the one that learns
    when a block is done with), so it needs no lock.
    """

    def __init__(self, size: int, keep: int) -> None:
        self.size = size
        self._keep = keep
        self._free: list[bytearray] = []
        self.made = 0  # blocks allocated: what the pool saved is the rest

    def take(self) -> bytearray:
        """A block to read into: its old bytes are still there."""
        if self._free:
            return self._free.pop()
        self.made += 1
        return bytearray(self.size)

    def give(self, block: bytes) -> None:
        """``block`` is no longer read by anyone; a block not from the pool is ignored."""
        if not isinstance(block, bytearray) or len(block) != self.size:
            return
        if len(self._free) < self._keep:
            self._free.append(block)
