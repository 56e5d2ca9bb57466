"""``kubectl-osiris``: the entry point (``kubectl osiris …`` / ``oc osiris …``).

Thin: parses the arguments, reads ``OSIRIS_LOOKUP_URL`` (the only variable the plugin
reads), runs a command and turns an osiris error into a message on stderr and an exit
code (docs/plugin.md). Nothing reaches stdout when a command fails.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from osiris.errors import OsirisError
from osiris.plugin import commands
from osiris.plugin.cluster import Cluster, KubeOptions
from osiris.plugin.completion import SCRIPTS
from osiris.plugin.errors import EXIT_OK, exit_code
from osiris.plugin.merge import Filters
from osiris.plugin.resources import (
    ALL_PHASES,
    RESOURCES,
    RunResource,
    by_alias,
    get_arguments,
)
from osiris.plugin.search import SearchRequest, search_logs


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    common.add_argument("--server", help="URL of the osiris lookup function")
    common.add_argument(
        "--lookup-namespace",
        default="osiris",
        help="namespace of the Knative Service osiris-lookup (default: osiris)",
    )
    common.add_argument("--kubeconfig", help="path of the kubeconfig file")
    common.add_argument("--context", help="kubeconfig context to use")
    common.add_argument("--certificate-authority", help="CA file for the cluster and the lookup")
    common.add_argument(
        "--insecure-skip-tls-verify",
        action="store_true",
        help="do not verify TLS certificates (insecure)",
    )
    top = argparse.ArgumentParser(
        prog="kubectl osiris",
        description="Builds, TaskRuns, PipelineRuns and their logs from the cluster and the "
        "osiris archive.",
    )
    sub = top.add_subparsers(dest="command", required=True)

    logs = sub.add_parser("logs", parents=[common], help="print a run's log")
    logs.add_argument(
        "target",
        metavar="build/NAME|NAME|bc/NAME|taskrun/NAME|task/NAME|pipelinerun/NAME|pipeline/NAME",
    )
    logs.add_argument("--tail", type=_positive, help="only the last N lines")
    logs.add_argument("--step", help="a TaskRun's one step, byte-exact (default: every step)")

    get = sub.add_parser("get", parents=[common], help="list runs or buildconfigs")
    get.add_argument("resource", choices=get_arguments())
    get.add_argument("-A", "--all-namespaces", action="store_true")
    for resource in RESOURCES:
        get.add_argument(
            f"--{resource.group_flag}",
            help=f"only {resource.resource} of this {resource.group_kind}",
        )
    get.add_argument("--phase", choices=ALL_PHASES, help="only runs in this phase")
    get.add_argument("--commit", help="only runs of this commit (7 or more hex digits)")
    get.add_argument("--limit", type=_positive, help="at most N runs, the newest")
    get.add_argument("-o", "--output", choices=["wide", "json", "yaml", "name"])

    search = sub.add_parser(
        "search", parents=[common], help="search the archived logs of a namespace (RE2)"
    )
    search.add_argument("pattern", help="an RE2 pattern, matched against every line")
    search.add_argument("-i", "--ignore-case", action="store_true")
    search.add_argument("-c", "--count", action="store_true", help="matching lines per log")
    search.add_argument("--kind", choices=["build", "taskrun"], help="only runs of this kind")
    search.add_argument("--buildconfig", help="only builds of this BuildConfig")
    search.add_argument("--task", help="only TaskRuns of this Task")
    search.add_argument("--pipeline", help="only TaskRuns of this Pipeline's PipelineRuns")
    search.add_argument("--phase", choices=ALL_PHASES, help="only runs in this phase")
    search.add_argument("--limit", type=_positive, help="at most N lines (default: all)")
    search.add_argument("-o", "--output", choices=["json"])

    describe = sub.add_parser("describe", parents=[common], help="a run's archived metadata")
    describe.add_argument("target", metavar="build/NAME|taskrun/NAME|pipelinerun/NAME")

    completion = sub.add_parser("completion", parents=[common], help="shell completion script")
    completion.add_argument("shell", choices=sorted(SCRIPTS))
    return top


def _check_get(top: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The group flag and the phase must be the listed kind's."""
    resource: RunResource | None = by_alias(args.resource)
    for other in RESOURCES:
        if getattr(args, other.group_flag) is not None and other is not resource:
            what = resource.resource if resource else "buildconfigs"
            top.error(f"--{other.group_flag} is for {other.resource}, not {what}")
    if args.phase is not None and (resource is None or args.phase not in resource.phases):
        allowed = ", ".join(resource.phases) if resource else "none"
        top.error(f"--phase {args.phase}: {args.resource} have these phases: {allowed}")


def run(args: argparse.Namespace, environment_url: str | None) -> int:
    if args.command == "completion":
        sys.stdout.write(SCRIPTS[args.shell])
        return EXIT_OK
    options = KubeOptions(
        args.kubeconfig, args.context, args.certificate_authority, args.insecure_skip_tls_verify
    )
    session = commands.Session(
        lambda: Cluster.connect(options),
        commands.LookupSettings(
            args.server,
            environment_url,
            args.lookup_namespace,
            args.certificate_authority,
            args.insecure_skip_tls_verify,
        ),
        args.namespace,
        sys.stdout.buffer,
        sys.stderr,
    )
    if args.command == "logs":
        commands.logs(session, args.target, args.tail, args.step)
    elif args.command == "describe":
        commands.describe_run(session, args.target)
    elif args.command == "search":
        search_logs(
            session,
            SearchRequest(
                args.pattern,
                ignore_case=args.ignore_case,
                count=args.count,
                buildconfig=args.buildconfig,
                task=args.task,
                pipeline=args.pipeline,
                kind=args.kind,
                phase=args.phase,
                limit=args.limit or None,
            ),
            json_output=args.output == "json",
        )
    elif (resource := by_alias(args.resource)) is not None:
        commands.get_runs(
            session,
            resource,
            all_namespaces=args.all_namespaces,
            filters=Filters(getattr(args, resource.group_flag), args.phase, args.commit),
            limit=args.limit or None,
            out=args.output or "table",
        )
    else:
        commands.get_buildconfigs(
            session, all_namespaces=args.all_namespaces, out=args.output or "table"
        )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(argv)
    if getattr(args, "all_namespaces", False) and args.namespace:
        top.error("-A/--all-namespaces and -n/--namespace exclude each other")
    if args.command == "get":
        _check_get(top, args)
    try:
        return run(args, os.environ.get("OSIRIS_LOOKUP_URL") or None)
    except OsirisError as error:
        sys.stderr.write(f"error: {error.message}\n")
        return exit_code(error)
    except BrokenPipeError:  # `kubectl osiris logs … | head`: the reader has enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
