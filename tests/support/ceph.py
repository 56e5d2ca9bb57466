"""A real one-node Ceph (monitor + in-memory OSD + radosgw) serving S3 on 127.0.0.1.

The suite runs against Ceph's own S3 implementation because it differs from AWS and
from moto in ways osiris depends on (checksum trailers over TLS, short listing
pages, conditional writes, lifecycle). The bootstrap recipe comes from the team's
notes on Ceph 16 (Debian bookworm packages, installed by ``scripts/install-system-deps``).

Everything lives in one working directory: config, keyrings, logs, pid files and a
self-signed certificate. The OSD keeps its objects in RAM (memstore), so nothing
touches a disk and ``stop()`` is instant (SIGKILL, then the directory is removed).

Library use::

    with CephCluster(Path("/tmp/ceph")) as ceph:
        ceph.http_endpoint, ceph.https_endpoint, ceph.ca_bundle
        ceph.access_key, ceph.secret_key, ceph.region

Command line (used by the benchmarks)::

    python -m tests.support.ceph up --dir .ceph-test

boots a cluster in ``.ceph-test``, writes ``.ceph-test/env`` once S3 answers, and
stays in the foreground until SIGINT or SIGTERM, then kills the daemons and removes
the directory. It exits non-zero if a daemon dies meanwhile. ``env`` holds shell
exports, so a benchmark can ``. .ceph-test/env``:

- ``OSIRIS_TEST_S3_ENDPOINT`` (the HTTPS endpoint), ``OSIRIS_TEST_S3_CA_BUNDLE``,
  ``OSIRIS_TEST_S3_ACCESS_KEY``, ``OSIRIS_TEST_S3_SECRET_KEY``, ``OSIRIS_TEST_S3_REGION``
  (the variables ``tests/support/s3.py`` reads, so pytest can reuse the cluster);
- ``OSIRIS_TEST_S3_HTTP_ENDPOINT`` and ``OSIRIS_TEST_S3_HTTPS_ENDPOINT``.

The file appears atomically, only when the cluster is ready: wait for it to exist
(after removing a stale one, e.g. ``rm -rf .ceph-test``, which is safe: the daemons
die with the process that started them, even when it is SIGKILLed).
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.support.ceph_cluster import BOOT_TIMEOUT, CephCluster
from tests.support.ceph_errors import CephBootError

__all__ = ["CephBootError", "CephCluster", "main", "write_env_file"]


# -- command line -------------------------------------------------------------------


class _TerminatedError(Exception):
    """Raised from the SIGTERM handler to unwind into the cleanup path."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _TerminatedError(signal.Signals(signum).name)


def write_env_file(cluster: CephCluster) -> Path:
    """Write ``<workdir>/env`` atomically, so its existence means "ready"."""
    target = cluster.workdir / "env"
    partial = target.with_suffix(".partial")
    lines = [f"export {name}={shlex.quote(value)}" for name, value in cluster.env_exports().items()]
    partial.write_text("\n".join(lines) + "\n")
    partial.rename(target)
    return target


def _up(workdir: Path, boot_timeout: float) -> int:
    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python then
    # installs no KeyboardInterrupt handler, so `kill -INT` would otherwise do nothing.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_stop)
    cluster = CephCluster(workdir, boot_timeout=boot_timeout)
    try:
        cluster.start()
        env_file = write_env_file(cluster)
        print(
            f"ceph: ready in {cluster.boot_seconds:.1f} s; S3 at {cluster.http_endpoint} and "
            f"{cluster.https_endpoint}; exports in {env_file}; Ctrl-C or SIGTERM stops it",
            flush=True,
        )
        while not (dead := cluster.dead_daemons()):
            time.sleep(1)
        for name in dead:
            print(f"ceph: {name} died" + cluster.log_excerpt(name), file=sys.stderr, flush=True)
        return 1
    except CephBootError as error:
        print(f"ceph: boot failed: {error}", file=sys.stderr, flush=True)
        return 1
    except _TerminatedError:
        print("ceph: stopping", flush=True)
        return 0
    finally:
        cluster.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.ceph",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="boot a cluster and keep it running until SIGINT/SIGTERM")
    up.add_argument(
        "--dir", type=Path, required=True, help="working directory (created; removed again on exit)"
    )
    up.add_argument(
        "--boot-timeout",
        type=float,
        default=BOOT_TIMEOUT,
        help="seconds to wait for the cluster before giving up (default %(default)s)",
    )
    args = parser.parse_args(argv)
    return _up(args.dir, args.boot_timeout)


if __name__ == "__main__":
    sys.exit(main())
