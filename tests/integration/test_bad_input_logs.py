"""Logs no build tool promises to keep tidy, end to end over HTTP: invalid UTF-8, NUL
bytes, ANSI escapes, CR-only line ends, one 50 MB line and an empty log are archived by
the archive function (functions-framework, real Ceph, the simulated API server) and
served back byte-exact by the lookup function (functions-framework, same bucket), as
gzip and as decoded text; ``tail`` on the 50 MB line keeps to its memory bound."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import psutil
import pytest
import urllib3

from osiris.core.keys import BuildRef, KeyLayout
from osiris.dev.processes import FunctionProcess
from osiris.lookup.logstream import TAIL_BYTE_BUDGET
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.source import encode, make_event
from tests.integration.conftest import CLUSTER, PREFIX
from tests.support.s3 import S3Bucket

pytestmark = pytest.mark.s3

LAYOUT = KeyLayout(PREFIX, CLUSTER)
http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=300))
MB = 1000 * 1000
LONG_LINE = 50 * MB


def _long_line() -> Iterator[bytes]:
    """One 50 MB line, no newline at all, streamed in 1 MB pieces that differ."""
    for n in range(LONG_LINE // MB):
        yield (b"%08d " % n + b"abcdefghij0123456789" * (MB // 20))[:MB]


BAD_LOGS: dict[str, Callable[[], Iterable[bytes]]] = {
    "invalid-utf8": lambda: [
        b"plain line\n\xff\xfe broken \xc3\x28 bytes \x80\x81\n",
        b"lone surrogate \xed\xa0\x80 and overlong \xc0\xaf\n" * 3000,
        b"truncated sequence at the end \xe2\x82",
    ],
    "nul-bytes": lambda: [b"\x00", b"a\x00b\x00c\n\x00\x00\x00\n" * 5000, b"end\x00"],
    "ansi-escapes": lambda: [
        b"\x1b[1;31mERROR\x1b[0m step failed\n",
        b"\x1b[2K\r[=====>    ] 50%\x1b[1A\x1b[32mok\x1b[0m\n" * 4000,
        b"\x1b]0;title\x07\x1b[?25l hidden cursor\x1b[?25h\n",
    ],
    "cr-only": lambda: [b"line one\rline two\r" * 6000, b"last line, no end"],
    "one-50mb-line": _long_line,
    "empty": lambda: [],
}


def _content(name: str) -> bytes:
    return b"".join(BAD_LOGS[name]())


def _digest(name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in BAD_LOGS[name]():
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


@pytest.fixture
def lookup_function(
    tmp_path: Path, s3_bucket: S3Bucket, archive_function: Callable[..., FunctionProcess]
) -> Iterator[FunctionProcess]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "OSIRIS_PREFIX": PREFIX,
        "OSIRIS_CLUSTER": CLUSTER,
        "OSIRIS_AUTH": "none",
        **s3_bucket.environ(),
    }
    with FunctionProcess("lookup", env, tmp_path / "lookup.log") as process:
        yield process


def _archive(function: FunctionProcess, build: dict) -> None:
    headers, body = encode(make_event(build, "update"))
    response = http.request("POST", function.url, body=body, headers=headers)
    assert response.status == 200, (response.data[:300], function.output()[-2000:])


def _worker(function: FunctionProcess) -> psutil.Process:
    masters = [
        child
        for child in psutil.Process().children()
        if "functions_framework" in child.cmdline() and str(function.port) in child.cmdline()
    ]
    assert len(masters) == 1, masters
    (worker,) = masters[0].children()
    return worker


def _peak_rss(process: psutil.Process) -> int:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_bad_logs_are_archived_and_served_back_byte_exact(
    cluster: SimulatedCluster,
    archive_function: Callable[..., FunctionProcess],
    lookup_function: FunctionProcess,
    s3_bucket: S3Bucket,
) -> None:
    archive = archive_function()
    builds = {}
    for name, content in BAD_LOGS.items():
        build = cluster.start_build("shop", "api", outcome="Complete", log_size=20_000)
        cluster.replace_log("shop", build["metadata"]["name"], content)
        _archive(archive, build)
        builds[name] = build

    client = s3_bucket.target.client()
    for name, build in builds.items():
        meta = build["metadata"]
        expected_sha, expected_size = _digest(name)
        ref = BuildRef(meta["namespace"], meta["name"], meta["uid"])
        document = json.loads(
            client.get_object(Bucket=s3_bucket.name, Key=LAYOUT.metadata_key(ref))["Body"].read()
        )
        assert document["log"]["sha256"] == expected_sha, name
        assert document["log"]["rawBytes"] == expected_size, name

        url = f"{lookup_function.url}/api/v1/namespaces/shop/builds/{meta['name']}/log"
        text = http.request("GET", url, headers={"Accept-Encoding": "identity"})
        assert text.status == 200, (name, text.data[:300])
        assert text.headers["Content-Type"].startswith("text/plain"), name
        assert text.data == _content(name), name
        zipped = http.request("GET", url, headers={"Accept-Encoding": "gzip"}, decode_content=False)
        assert zipped.headers["Content-Encoding"] == "gzip", name
        assert gzip.decompress(zipped.data) == _content(name), name


def test_tail_of_a_50_mb_line_stays_within_its_memory_bound(
    cluster: SimulatedCluster,
    archive_function: Callable[..., FunctionProcess],
    lookup_function: FunctionProcess,
) -> None:
    build = cluster.start_build("shop", "api", outcome="Complete", log_size=20_000)
    cluster.replace_log("shop", build["metadata"]["name"], _long_line)
    _archive(archive_function(), build)
    url = f"{lookup_function.url}/api/v1/namespaces/shop/builds/{build['metadata']['name']}/log"
    # A listing first: the S3 client is built and the imports are done before the peak
    # is read, so what follows measures the tail alone.
    assert http.request("GET", f"{lookup_function.url}/api/v1/namespaces/shop/builds").status == 200
    worker = _worker(lookup_function)
    before = _peak_rss(worker)
    for count in (1, 100):
        tail = http.request("GET", f"{url}?tail={count}", headers={"Accept-Encoding": "identity"})
        assert tail.status == 200
        # The line is longer than the window: the tail is its last TAIL_BYTE_BUDGET bytes.
        assert tail.data == _content("one-50mb-line")[-TAIL_BYTE_BUDGET:]
    growth = _peak_rss(worker) - before
    # Holding the line would cost 50 MB and more; the window costs a few times its budget.
    print(f"lookup worker peak RSS growth for tail of a 50 MB line: {growth / 2**20:.1f} MiB")
    assert growth < LONG_LINE * 0.9, growth
