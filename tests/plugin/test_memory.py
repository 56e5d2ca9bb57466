"""The plugin streams a log in constant memory: its peak resident set is the same for a
~1 GB log as for a 10 MB one.

Each run is ``kubectl osiris logs`` under a fresh Python parent that reports
``RUSAGE_CHILDREN.ru_maxrss``: the kernel's high-water mark of its only child (kubectl,
which execs the plugin in place, so the mark covers both; kubectl's share is the same in
both runs). A plugin that held the log would grow by ~1 GB; buffers of one chunk do not.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zlib
from collections.abc import Iterator

import pytest

from osiris.core.keys import BuildRef
from tests.lookup.archive_data import StoredBuild, store_build
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import World

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
SMALL_LOG = 10 * MiB
LARGE_LOG = 1024 * MiB
MAX_GROWTH = 16 * MiB
PART = 8 * MiB


def lines(size: int) -> Iterator[bytes]:
    """``size`` bytes of varied log text: one block of distinct lines, numbered anew each
    time (a single repeated line would compress to nothing)."""
    template = b"".join(
        b"step %%d.%d: compiling module_%05x.py \x1b[32mok\x1b[0m\n" % (n, n * 7919 & 0xFFFFF)
        for n in range(2000)
    )
    produced, number = 0, 0
    while produced < size:
        number += 1
        block = (template.replace(b"%d", b"%d" % number))[: size - produced]
        produced += len(block)
        yield block


def store_large_log(world: World, name: str, size: int) -> str:
    """Archive a log of ``size`` bytes, gzip-streamed into multipart parts; its sha256."""
    build = StoredBuild(NAMESPACE, name, 1_714_560_000, log=None)
    store_build(world.store, world.layout, build)  # index and build.json
    upload = world.store.start_upload(
        world.layout.log_key(BuildRef(NAMESPACE, name, build.uid)),
        content_type="text/plain; charset=utf-8",
        content_encoding="gzip",
    )
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    digest = hashlib.sha256()
    pending, number = b"", 0
    for block in lines(size):
        digest.update(block)
        pending += compressor.compress(block)
        if len(pending) >= PART:
            number += 1
            upload.upload_part(number, pending)
            pending = b""
    upload.upload_part(number + 1, pending + compressor.flush())
    upload.complete()
    return digest.hexdigest()


def peak_rss(world: World, name: str) -> tuple[int, str]:
    """(peak RSS in bytes, sha256 of what reached stdout) of one ``logs`` run."""
    out = world.home / f"{name}.log"
    command = world.kubectl_command("logs", name)
    script = (
        "import resource, subprocess, sys\n"
        "with open(sys.argv[1], 'wb') as out:\n"
        "    code = subprocess.run(sys.argv[2:], stdout=out, env=ENV).returncode\n"
        "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    ).replace("ENV", repr(world.kubectl_environment()))
    result = subprocess.run(
        [sys.executable, "-c", script, str(out), *command],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    code, kilobytes = map(int, result.stdout.split())
    assert code == 0, result.stderr
    digest = hashlib.sha256()
    with out.open("rb") as handle:
        while chunk := handle.read(MiB):
            digest.update(chunk)
    out.unlink()
    return kilobytes * 1024, digest.hexdigest()


def test_peak_rss_does_not_grow_with_the_log(world: World) -> None:
    small_sha = store_large_log(world, "small-1", SMALL_LOG)
    large_sha = store_large_log(world, "large-1", LARGE_LOG)
    small_peak, small_out = peak_rss(world, "small-1")
    large_peak, large_out = peak_rss(world, "large-1")
    assert small_out == small_sha and large_out == large_sha  # byte-exact, 1 GiB too
    print(f"peak RSS: {small_peak / MiB:.1f} MiB (10 MiB log), {large_peak / MiB:.1f} MiB (1 GiB)")
    assert large_peak - small_peak < MAX_GROWTH, (small_peak, large_peak)
