"""The command-line options every ingest benchmark shares."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every ingest benchmark shares: rounds, transport, knobs, Ceph, checks."""
    parser.add_argument("--repeat", type=int, default=1, help="rounds per case (median)")
    parser.add_argument(
        "--plain-http",
        action="store_true",
        help="S3 and the cluster API over plain HTTP (default: HTTPS for both, as deployed)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the archive function, e.g. OSIRIS_GZIP_LEVEL=3 (repeatable)",
    )
    parser.add_argument(
        "--ceph-dir",
        type=Path,
        default=None,
        help="use the Ceph that `python -m tests.support.ceph up --dir DIR` runs (default: "
        "boot one for this run)",
    )
    parser.add_argument("--no-verify", action="store_true", help="skip the SHA-256 check")


def knobs(args: argparse.Namespace) -> dict[str, str]:
    """The archive function's settings given with ``--env NAME=VALUE``."""
    return dict(item.split("=", 1) for item in args.env)
