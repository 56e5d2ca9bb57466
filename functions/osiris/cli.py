"""The ``osiris`` command."""

from __future__ import annotations

import argparse
import sys

from osiris.dev import command as dev


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="osiris", description="Build-log archive for OpenShift")
    commands = parser.add_subparsers(dest="command", required=True)
    dev.add_arguments(
        commands.add_parser(
            "dev", help="run both functions locally on a simulated cluster and a local store"
        )
    )
    args = parser.parse_args(argv)
    if args.command == "dev":
        return dev.run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
