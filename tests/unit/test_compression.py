"""The deflate implementations (ISA-L and the zlib fallback) in the archive's parallel gzip
and the lookup's decoder: byte-exact round trips through the standard library's gzip and
zlib, determinism per implementation and level, the dictionary path across blocks, and
the start-up logs naming the implementation."""

from __future__ import annotations

import gzip
import logging
import os
import random
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from isal import isal_zlib

from osiris import compression
from osiris.adapters.store import ObjectReader
from osiris.archive.gzipstream import StreamDigest, gzip_stream
from osiris.compression import ZLIB, Deflate
from osiris.entrypoints.archive import ArchiveFunction
from osiris.entrypoints.lookup import build_app
from osiris.lookup import logstream

IMPLEMENTATIONS = [pytest.param(compression.DEFAULT, id="isal"), pytest.param(ZLIB, id="zlib")]
BLOCK = 64 * 1024


def digest_heavy_log(size: int, seed: int = 7) -> bytes:
    """Log text with digests in most lines: it compresses 3-4x, not 9x."""
    rng = random.Random(seed)
    lines = []
    total = 0
    while total < size:
        digest = f"{rng.getrandbits(256):064x}"
        line = rng.choice(
            (
                f"Copying blob sha256:{digest}",
                f"step {rng.randint(1, 40)}/40: RUN make build (done in {rng.randint(1, 999)} ms)",
                f"Downloading pkg_{rng.randint(1, 300)}.whl#sha256={digest} ({rng.randint(1, 900)} kB)",
            )
        )
        lines.append(line)
        total += len(line) + 1
    return ("\n".join(lines) + "\n").encode()[:size]


def encode(data: bytes, deflate: Deflate, level: int = 1, chunk: int = 10_000) -> bytes:
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    return b"".join(
        gzip_stream(pieces, StreamDigest(), level=level, block_size=BLOCK, deflate=deflate)
    )


def test_isal_is_the_default_where_it_imports_else_zlib(monkeypatch: pytest.MonkeyPatch) -> None:
    assert compression.DEFAULT.name == "isal"
    monkeypatch.setitem(sys.modules, "isal", None)  # what an interpreter without it sees
    assert compression._isal() is None


@pytest.mark.parametrize("deflate", IMPLEMENTATIONS)
@pytest.mark.parametrize("level", [1, 3, 4, 6, 7, 9])
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"x", id="one-byte"),
        pytest.param(os.urandom(3 * BLOCK + 17), id="random"),
        pytest.param(digest_heavy_log(5 * BLOCK + 1000), id="digests"),
        pytest.param(b"a" * (4 * BLOCK), id="repetitive"),
    ],
)
def test_round_trip_through_the_standard_library_is_byte_exact(
    deflate: Deflate, level: int, data: bytes
) -> None:
    out = encode(data, deflate, level)
    assert gzip.decompress(out) == data
    decoder = zlib.decompressobj(zlib.MAX_WBITS + 16)
    assert decoder.decompress(out) == data and decoder.eof and decoder.unused_data == b""


@pytest.mark.parametrize("deflate", IMPLEMENTATIONS)
def test_output_is_deterministic_per_implementation_and_level(deflate: Deflate) -> None:
    data = digest_heavy_log(6 * BLOCK + 333)
    for level in (1, 5, 9):
        assert len({encode(data, deflate, level, chunk) for chunk in (1000, 65536, 10**6)}) == 1


def test_the_implementations_differ_and_isal_compresses_log_text_at_least_as_well() -> None:
    data = digest_heavy_log(8 * BLOCK)
    with_isal, with_zlib = encode(data, compression.DEFAULT), encode(data, ZLIB)
    assert with_isal != with_zlib
    assert len(with_isal) <= len(with_zlib)


@pytest.mark.parametrize("deflate", IMPLEMENTATIONS)
def test_each_block_uses_the_previous_blocks_tail_as_dictionary(deflate: Deflate) -> None:
    # Random bytes, except that every block starts with the 8 KiB its predecessor ended
    # with: only the preset dictionary lets a block refer back to them.
    rng = random.Random(1)
    seam = rng.randbytes(8 * 1024)
    blocks = []
    for _ in range(6):
        fresh = rng.randbytes(BLOCK - 2 * len(seam))
        following = rng.randbytes(len(seam))
        blocks.append(seam + fresh + following)
        seam = following
    data = b"".join(blocks)
    out = encode(data, deflate)
    assert gzip.decompress(out) == data
    assert len(out) < len(data) - 5 * 7 * 1024  # five seams found in the dictionary
    unit = rng.randbytes(16 * 1024)
    primed, alone = deflate.compressor(1, unit), deflate.compressor(1)
    assert len(primed.compress(unit) + primed.flush(deflate.sync_flush)) < 1000
    assert len(alone.compress(unit) + alone.flush(deflate.sync_flush)) > len(unit)


def test_levels_map_onto_isal_levels() -> None:
    data = digest_heavy_log(4 * BLOCK)
    by_isal_level = {native: encode_native(data, native) for native in (1, 2, 3)}
    for level, native in ((1, 1), (3, 1), (4, 2), (6, 2), (7, 3), (9, 3)):
        compressor = compression.DEFAULT.compressor(level)
        assert compressor.compress(data) + compressor.flush() == by_isal_level[native]
    with pytest.raises(ValueError, match="1-9"):
        compression.DEFAULT.compressor(0)


def encode_native(data: bytes, level: int) -> bytes:
    compressor = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


class BytesReader(ObjectReader):
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.closed = False

    def iter_chunks(self, size: int) -> Iterator[bytes]:
        for start in range(0, len(self.data), size):
            yield self.data[start : start + size]

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("deflate", IMPLEMENTATIONS)
def test_the_lookup_decodes_both_implementations_and_several_members(
    deflate: Deflate, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = digest_heavy_log(3 * BLOCK, seed=1), digest_heavy_log(BLOCK, seed=2)
    stored = encode(first, deflate) + gzip.compress(second)
    for decoder in IMPLEMENTATIONS:
        monkeypatch.setattr(logstream, "DEFAULT", decoder.values[0])
        reader = BytesReader(stored)
        assert b"".join(logstream.decompressed_chunks(reader)) == first + second
        assert reader.closed
        for corrupt in (stored[:100] + b"\x00" * 200, b"not gzip at all, really not"):
            with pytest.raises(logstream.CorruptLogError):
                list(logstream.decompressed_chunks(BytesReader(corrupt)))


def test_the_archive_start_up_log_names_the_implementation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "osiris")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    ArchiveFunction.from_environ(
        {"OSIRIS_STORAGE_URL": f"file://{tmp_path}", "KUBECONFIG": str(kubeconfig)}
    )
    ready = [r for r in caplog.records if r.getMessage() == "archive function ready"]
    assert [r.__dict__["deflate"] for r in ready] == ["isal"]


def test_the_lookup_start_up_log_names_the_implementation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "osiris")
    build_app({"OSIRIS_STORAGE_URL": f"file://{tmp_path}", "OSIRIS_AUTH": "none"})
    assert any("inflating with isal" in r.getMessage() for r in caplog.records)
