"""The build-log generator: realistic, exact-sized, deterministic, streaming."""

from __future__ import annotations

import hashlib
import re
import zlib

import psutil
import pytest

from osiris.simulator.buildlogs import (
    LogSpec,
    iter_log,
    last_lines,
    log_size,
    minimum_size,
    read_all,
    sha256,
    tail_lines,
)
from osiris.simulator.bulktext import BLOCK_SIZE

MiB = 1024 * 1024


def test_same_spec_gives_the_same_bytes_and_other_seeds_do_not() -> None:
    spec = LogSpec(seed=42, size=3 * MiB + 17)
    assert sha256(spec) == sha256(LogSpec(seed=42, size=3 * MiB + 17))
    assert sha256(spec) == hashlib.sha256(read_all(spec)).hexdigest()
    assert sha256(spec) != sha256(LogSpec(seed=43, size=3 * MiB + 17))


@pytest.mark.parametrize("size", [20_000, 65_536, 65_537, 1_000_003, 5 * MiB])
@pytest.mark.parametrize("succeeded", [True, False])
def test_the_log_has_exactly_the_requested_size(size: int, succeeded: bool) -> None:
    spec = LogSpec(seed=size, size=size, succeeded=succeeded, strategy="Source")
    assert log_size(spec) == size
    assert read_all(spec).endswith(b"\n")


def test_a_size_below_the_minimum_gives_the_minimal_log() -> None:
    spec = LogSpec(seed=1, size=10)
    assert log_size(spec) == minimum_size(spec) > 10


def test_a_docker_build_log_reads_like_openshift() -> None:
    spec = LogSpec(
        seed=5,
        size=300_000,
        namespace="shop",
        build_name="api-3",
        git_uri="https://github.com/example/api.git",
    )
    text = read_all(spec).decode()
    lines = text.splitlines()
    resolved = spec.resolved()
    assert lines[0] == 'Cloning "https://github.com/example/api.git" ...'
    assert re.fullmatch(r"\tCommit:\t[0-9a-f]{40} \(.+\)", lines[1])
    assert lines[1].startswith(f"\tCommit:\t{resolved.commit} ({resolved.commit_message})")
    assert re.fullmatch(r"\tAuthor:\t.+ <[^@]+@[^>]+>", lines[2])
    assert re.fullmatch(r"\tDate:\t\w{3} \w{3} \d{1,2} \d\d:\d\d:\d\d \d{4} \+0000", lines[3])
    assert "STEP 1/9: FROM registry.access.redhat.com/ubi9/python-311" in lines
    assert "STEP 4/9: RUN pip install --no-cache-dir -r requirements.txt" in lines
    assert any(line.startswith("Successfully installed ") for line in lines)
    assert any(line.startswith("COMMIT temp.builder.openshift.io/shop/api-3:") for line in lines)
    assert "Writing manifest to image destination" in lines
    assert (
        "Pushing image image-registry.openshift-image-registry.svc:5000/shop/api:latest ..."
        in lines
    )
    assert lines[-2] == (
        "Successfully pushed image-registry.openshift-image-registry.svc:5000/shop/api@"
        f"{resolved.image_digest}"
    )
    assert lines[-1] == "Push successful"
    steps = [int(m.group(1)) for line in lines if (m := re.match(r"STEP (\d+)/9: ", line))]
    assert steps == list(range(1, 10))


def test_a_failed_source_build_ends_with_the_build_error() -> None:
    spec = LogSpec(seed=9, size=200_000, strategy="Source", succeeded=False)
    lines = read_all(spec).decode().splitlines()
    assert "STEP 8/9: RUN /usr/libexec/s2i/assemble" in lines
    assert "STEP 9/9: CMD /usr/libexec/s2i/run" not in lines
    assert "Push successful" not in lines
    assert lines[-1] == (
        'error: build error: building at STEP "RUN /usr/libexec/s2i/assemble": '
        "while running runtime: exit status 1"
    )


def test_the_log_is_plain_lines_of_utf8_text() -> None:
    data = read_all(LogSpec(seed=3, size=2 * MiB))
    text = data.decode("utf-8")
    assert "\r" not in text and "\x00" not in text
    assert max(len(line) for line in text.splitlines()) < 400


def test_tail_lines_agrees_with_a_full_read() -> None:
    spec = LogSpec(seed=11, size=700_000, succeeded=False)
    lines = read_all(spec).split(b"\n")[:-1]
    for count in (0, 1, 5, 40, 3000, len(lines) + 10):
        assert tail_lines(iter_log(spec), count) == (lines[-count:] if count else [])
    assert last_lines(spec, 5) == [line.decode() for line in lines[-5:]]
    assert last_lines(spec, 500) == [line.decode() for line in lines[-500:]]


def test_chunks_stay_small_whatever_the_size() -> None:
    assert max(len(chunk) for chunk in iter_log(LogSpec(seed=2, size=20 * MiB))) <= BLOCK_SIZE + 100


def test_streaming_100_mb_keeps_memory_flat() -> None:
    process = psutil.Process()
    spec = LogSpec(seed=100, size=100 * MiB)
    before = process.memory_info().rss
    peak = before
    digest = hashlib.sha256()
    total = 0
    for index, chunk in enumerate(iter_log(spec)):
        digest.update(chunk)
        total += len(chunk)
        if index % 64 == 0:
            peak = max(peak, process.memory_info().rss)
    assert total == 100 * MiB
    assert digest.hexdigest() == sha256(spec)
    assert peak - before < 20 * MiB


@pytest.mark.parametrize("size", [65_537, 3 * MiB + 5])
def test_digest_heavy_text_is_exact_deterministic_and_compresses_3_to_4x(size: int) -> None:
    spec = LogSpec(seed=9, size=size, bulk="digests")
    log = read_all(spec)
    assert len(log) == size and log == read_all(LogSpec(seed=9, size=size, bulk="digests"))
    assert log != read_all(LogSpec(seed=9, size=size))
    assert re.search(rb"Copying blob sha256:[0-9a-f]{64}\n", log)
    if size > MiB:
        ratio = len(log) / len(zlib.compress(log, 1))
        assert 3.0 < ratio < 4.0, ratio  # the ~9x default text stays as it was
        assert len(log) / len(zlib.compress(read_all(LogSpec(seed=9, size=size)), 1)) > 8
