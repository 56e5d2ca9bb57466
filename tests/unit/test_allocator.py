"""The allocator tuning applies on glibc and is a quiet no-op elsewhere."""

from __future__ import annotations

import platform

from osiris.allocator import pin_mmap_threshold


def test_the_mmap_threshold_is_pinned_exactly_where_the_c_library_is_glibc() -> None:
    # The effect on memory is measured in tests/integration/test_memory.py.
    assert pin_mmap_threshold() is (platform.libc_ver()[0] == "glibc")
