"""The README's Performance and Reliability sections, regenerated from what was measured.

    python -m benchmarks.report                     # rewrite README.md from benchmarks/results/
    python -m benchmarks.report --run all           # run every benchmark and test first (~1 h)
    python -m benchmarks.report --run events,cold   # ... or only these (names: --list)
    python -m benchmarks.report --check             # exit 1 when README.md is out of date

Every figure of the two sections comes from a results file that a benchmark (or, for the
web UI and the reliability cases, a pytest run's JUnit XML) wrote: nothing in them is typed
by hand. The sections sit between ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->``
markers; the text around them is the README's own.

``--run`` starts one Ceph (``tests.support.ceph``) for the benchmarks that read a running
one from the environment (lookup_bench, lookup_load, search_bench); the archive benchmarks
boot their own, so every one of them starts from an empty memstore.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence

from benchmarks.figures.catalog import BY_NAME, FIGURES, RELIABILITY, figure_of
from benchmarks.figures.paths import README, RESULTS, ROOT
from benchmarks.figures.row import JSON
from benchmarks.figures.running import ceph_environment, run_figure, run_reliability
from benchmarks.reliability import CASES as RELIABILITY_CASES
from benchmarks.reliability import reliability_rows


class MissingResultsError(Exception):
    """A table needs a results file that no benchmark has written yet."""


def _load(name: str) -> JSON:
    path = RESULTS / name
    if not path.exists():
        raise MissingResultsError(
            f"{os.path.relpath(path, ROOT)} is missing: run `python -m benchmarks.report --run "
            f"{figure_of(name)}` first"
        )
    data: JSON = json.loads(path.read_text())
    return data


def performance_table() -> str:
    rows = [row for figure in FIGURES for row in figure.rows(_load(figure.results))]
    return _table(("what", "result", "goal"), [row.cells() for row in rows])


def reliability_table() -> str:
    data = _load(RELIABILITY)
    header = (
        f"Last run {data['date']}: {data['passed']} tests passed, {data['failed']} failed, "
        f"{data['skipped']} skipped, in {data['seconds'] / 60:.0f} min.\n\n"
    )
    return header + _table(
        ("fault or input", "what happens", "tests", "result"), reliability_rows(data)
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render(readme: str) -> tuple[str, list[str]]:
    """``readme`` with each table made again from its results files, and what was missing:
    a table whose files are not all there is left as it stands (a half-made table would
    drop figures measured before this script existed)."""
    missing = []
    for name, table in (("performance", performance_table), ("reliability", reliability_table)):
        pattern = re.compile(
            rf"(<!-- figures:{name} -->\n).*?(<!-- /figures:{name} -->)", re.DOTALL
        )
        match = pattern.search(readme)
        if match is None:
            raise SystemExit(f"README.md has no <!-- figures:{name} --> markers")
        try:
            readme = readme[: match.end(1)] + table() + readme[match.start(2) :]
        except MissingResultsError as error:
            missing.append(f"{name} table left as it is: {error}")
    return readme, missing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", default="", help="figures to measure first: all, or a,b,...")
    parser.add_argument("--check", action="store_true", help="only say whether README is current")
    parser.add_argument("--list", action="store_true", help="the figures' names and commands")
    args = parser.parse_args(argv)
    if args.list:
        for figure in FIGURES:
            print(f"{figure.name:12s} python {' '.join(figure.command)}")
        print(f"{'reliability':12s} pytest over {len(RELIABILITY_CASES)} cases")
        return 0
    names = [name for name in args.run.split(",") if name]
    if names == ["all"]:
        names = [*BY_NAME, "reliability"]
    unknown = sorted(set(names) - set(BY_NAME) - {"reliability"})
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; see --list")
    if names:
        env = dict(os.environ)
        selected = [BY_NAME[name] for name in names if name in BY_NAME]
        for figure in selected:  # these boot their own Ceph: nothing else running beside
            if not figure.needs_ceph_env:
                run_figure(figure, env)
        if any(figure.needs_ceph_env for figure in selected):
            with ceph_environment() as ceph:
                for figure in selected:
                    if figure.needs_ceph_env:
                        run_figure(figure, {**env, **ceph})
        if "reliability" in names:
            run_reliability(env)
    current = README.read_text()
    rendered, missing = render(current)
    for message in missing:
        print(message, file=sys.stderr)
    if args.check:
        if rendered != current or missing:
            print("README.md's figures differ from benchmarks/results/: run benchmarks.report")
            return 1
        return 0
    README.write_text(rendered)
    print("README.md: the tables with all their results files made again from benchmarks/results/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
