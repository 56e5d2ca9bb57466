"""The ``osiris`` command."""

from __future__ import annotations

import argparse
import sys

from osiris import backfill
from osiris.dev import command as dev
from osiris.maintenance import command as maintenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="osiris", description="Build-log archive for OpenShift")
    commands = parser.add_subparsers(dest="command", required=True)
    dev.add_arguments(
        commands.add_parser(
            "dev", help="run both functions locally on a simulated cluster and a local store"
        )
    )
    backfill.add_arguments(
        commands.add_parser(
            "backfill",
            help="archive the finished builds the current kubeconfig's cluster still has",
        )
    )
    maintenance.add_verify_arguments(
        commands.add_parser("verify", help="report (and --repair) inconsistencies in the bucket")
    )
    maintenance.add_retention_arguments(
        commands.add_parser("retention", help="expire old builds: lifecycle rules or a run now")
    )
    args = parser.parse_args(argv)
    if args.command == "dev":
        return dev.run(args)
    if args.command == "backfill":
        return backfill.run(args)
    if args.command == "verify":
        return maintenance.run_verify(args)
    if args.command == "retention":
        return maintenance.run_retention_command(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
