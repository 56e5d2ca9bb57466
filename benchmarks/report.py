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
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from benchmarks.reliability import CASES as RELIABILITY_CASES
from benchmarks.reliability import reliability_rows

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "README.md"
GIB = 1024**3
MIB = 1024**2

JSON = dict[str, Any]


@dataclass(frozen=True)
class Row:
    what: str
    result: str
    goal: str
    met: bool | None = None  # None: a figure without a goal to meet

    def cells(self) -> tuple[str, str, str]:
        verdict = {True: " ✓", False: " (missed)", None: ""}[self.met]
        return self.what, self.result, self.goal + verdict


@dataclass(frozen=True)
class Figure:
    """One benchmark run and the rows of the Performance table made from its results."""

    name: str
    results: str  # file under benchmarks/results/
    command: tuple[str, ...]  # what --run runs; {results} and {junit} are filled in
    rows: Callable[[JSON], list[Row]]
    needs_ceph_env: bool = False


class MissingResultsError(Exception):
    """A table needs a results file that no benchmark has written yet."""


def _load(name: str) -> JSON:
    path = RESULTS / name
    if not path.exists():
        raise MissingResultsError(
            f"{os.path.relpath(path, ROOT)} is missing: run `python -m benchmarks.report --run "
            f"{_figure_of(name)}` first"
        )
    data: JSON = json.loads(path.read_text())
    return data


def _figure_of(results: str) -> str:
    return next((f.name for f in FIGURES if f.results == results), "reliability")


def _x(value: float) -> str:
    return f"{value:.2f}x"


def _size(size: int) -> str:
    return f"{size // GIB} GiB" if size >= GIB else f"{size // MIB} MiB"


def _load_note(data: JSON) -> str:
    load = data.get("load_average")
    return f" (load {load})" if load is not None else ""


# --------------------------------------------------------------------------- archive


def _ingest_cases(data: JSON, text: str) -> list[JSON]:
    return sorted((c for c in data["results"] if c["text"] == text), key=lambda c: c["size"])


def _compression(cases: list[JSON], deflate: str) -> float:
    archive = next(a for a in cases[-1]["archives"] if a["deflate"] == deflate)
    return float(cases[-1]["size"] / archive["compressed_bytes"])


def ingest_rows(data: JSON) -> list[Row]:
    rows = []
    deflates = data["options"]["deflates"]
    main, others = deflates[-1], deflates[:-1]
    for text, what in (("tests", "test output"), ("digests", "lines with digests")):
        cases = _ingest_cases(data, text)
        if not cases:
            continue
        ratios = [c["archive_over_raw"][main] for c in cases]
        result = " / ".join(_x(r) for r in ratios)
        for other in others:
            result += f" ({other}: " + " / ".join(_x(c["archive_over_raw"][other]) for c in cases)
            result += ")"
        sizes = " / ".join(_size(c["size"]) for c in cases)
        loads = sorted(c["load_average"] for c in cases)
        rows.append(
            Row(
                f"archive vs raw boto3 `upload_fileobj` of the same bytes, {main}, findings "
                f"{'off' if main.endswith('-norules') else 'on'} "
                f"({sizes}), {what} compressing {_compression(cases, main):.1f}x",
                f"{result}; load {loads[0]}-{loads[-1]}",
                "≥ 1.0x",
                min(ratios) >= 1.0,
            )
        )
    biggest = max(data["results"], key=lambda c: c["size"])["size"]
    peaks = [
        a["worker_peak_rss"] / MIB
        for c in data["results"]
        if c["size"] == biggest
        for a in c["archives"]
    ]
    rows.append(
        Row(
            f"archive function worker peak RSS at {_size(biggest)}",
            f"{min(peaks):.0f}-{max(peaks):.0f} MiB",
            "< 150 MB",
            max(peaks) * MIB < 150e6,
        )
    )
    return rows


def rules_rows(data: JSON) -> list[Row]:
    parts, costs = [], []
    for case in sorted(data["results"], key=lambda c: (c["text"], c["size"])):
        ratios = case["archive_over_raw"]
        on, off = ratios["isal"], ratios["isal-norules"]
        costs.append(1 - on / off)
        parts.append(
            f"{case['text']} {_size(case['size'])}: {_x(on)} vs {_x(off)} raw "
            f"(rules cost {max(0, round((1 - on / off) * 100))} %)"
        )
    return [
        Row(
            "archive with the built-in finding rules on vs off, same run (cost in %)",
            "; ".join(parts),
            "within 10 %",
            max(costs) <= 0.10,
        )
    ]


def events_rows(data: JSON) -> list[Row]:
    rates = data["ignored_events_per_second"]
    archived = data["archived"]
    rounds = data.get("ignored_round_ratios", [])
    spread = f", rounds {min(rounds):.2f}-{max(rounds):.2f}" if rounds else ""
    return [
        Row(
            "ignored (non-terminal) events/s vs a no-op functions-framework CloudEvent "
            "function, one client, same run",
            f"{_x(data['ignored_ratio'])} (median of {len(rates['archive'])} rounds{spread}; "
            f"{min(rates['archive']):.0f}-{max(rates['archive']):.0f} vs "
            f"{min(rates['noop']):.0f}-{max(rates['noop']):.0f}/s){_load_note(data)}",
            "≥ 0.9x",
            data["ignored_ratio"] >= 0.9,
        ),
        Row(
            f"{archived['builds']:,} finished builds ({archived['log_bytes'] // 1000} KB logs) "
            "archived back to back, one client",
            f"{archived['builds_per_second']} builds/s, p50 {archived['p50_ms']:.0f} ms, "
            f"p99 {archived['p99_ms']:.0f} ms; {archived['documents_in_bucket']:,} documents "
            "counted in the bucket",
            "every one archived",
            archived["documents_in_bucket"] == archived["builds"],
        ),
    ]


def concurrent_rows(data: JSON) -> list[Row]:
    return [
        Row(
            f"{data['builds']} logs of {_size(data['log_bytes'])} archived at once by one "
            "function (containerConcurrency 4)",
            f"{data['seconds']} s ({data['mib_per_second']} MiB/s together), worker peak RSS "
            f"{data['worker_peak_rss_mib']} MiB{_load_note(data)}",
            f"< {data['template_limit_mib']} MiB (the Template's limit)",
            data["worker_peak_rss_mib"] < data["template_limit_mib"],
        )
    ]


def taskrun_rows(data: JSON) -> list[Row]:
    cases = data["results"]
    shapes = " / ".join(f"{c['steps']} x {_size(c['step_size'])}" for c in cases)
    ratios = [c["archive_over_raw"] for c in cases]
    peaks = " / ".join(f"{c['worker_peak_rss'] / MIB:.0f}" for c in cases)
    loads = sorted(c["load_average"] for c in cases)
    return [
        Row(
            f"TaskRun ingest, steps x size: {shapes}",
            f"archive/raw {min(ratios):.2f}-{max(ratios):.2f}x; worker peak RSS {peaks} MiB; "
            f"load {loads[0]}-{loads[-1]}",
            "memory flat in the steps' number and size",
            max(c["worker_peak_rss"] for c in cases) < 150e6,
        )
    ]


# --------------------------------------------------------------------------- lookup


def lookup_rows(data: JSON) -> list[Row]:
    return [
        Row(
            f"{case['name']}, {data['builds']:,} builds in the bucket",
            f"{_x(case['ratio'])} the raw S3 call(s) ({case['lookup_ms']:.1f} vs "
            f"{case['raw_ms']:.1f} ms), {case['s3_calls']:.0f} S3 call(s)",
            "≤ 1.5x",
            case["ratio"] <= 1.5,
        )
        for case in data["cases"]
    ]


def cold_rows(data: JSON) -> list[Row]:
    cases = {case["first_200"]: case["median_ms"] for case in data["cases"]}
    hello = cases.pop("hello world /")
    api = cases["/api/v1/namespaces/shop/builds"]
    return [
        Row(
            "lookup cold start: process start → first 200 of the API (a hello-world "
            "functions-framework app in brackets)",
            f"{api} ms ({hello} ms); /healthz {cases['/healthz']} ms, UI {cases['/']} ms",
            "≤ 1.5x the hello world",
            api <= 1.5 * hello,
        )
    ]


def _load_result(data: JSON) -> str:
    kinds = ", ".join(
        f"{kind} p50 {v['p50_ms']:.0f} / p99 {v['p99_ms']:.0f} ms"
        for kind, v in data["by_kind"].items()
    )
    return (
        f"{data['errors']} errors in {data['requests']:,} requests, "
        f"{data['requests_per_second']} requests/s; {kinds}{_load_note(data)}"
    )


def load_rows(data: JSON) -> list[Row]:
    mix = "list, latest, document, 200 KB log"
    if "tail" in data["by_kind"]:
        how = {
            "indexed": "from its last restart point",
            "legacy": "archived without restart points: the whole log decoded",
        }[data.get("tail_of", "legacy")]
        mix += f"; 1 in 5 the tail of a 100 MB log, {how}"
    return [
        Row(
            f"lookup under {data['clients']} concurrent clients for {data['seconds']:.0f} s, "
            f"functions-framework's server, {data['builds']:,} builds ({mix})",
            _load_result(data),
            "zero errors",
            data["errors"] == 0,
        )
    ]


def search_rows(data: JSON) -> list[Row]:
    return [
        Row(
            f"search {data['decoded_bytes'] / GIB:.1f} GiB (decoded) of archived logs vs "
            "GetObject + inflate of the same objects, same run",
            f"{_x(data['ratio'])} median of {len(data['rounds'])} rounds "
            f"({data['search_mib_per_s']:.0f} vs {data['raw_mib_per_s']:.0f} MiB/s)"
            f"{_load_note(data)}",
            "≥ 0.8x",
            data["ratio"] >= 0.8,
        )
    ]


def junit_properties(path: Path) -> dict[str, dict[str, str]]:
    """Each test case's recorded properties (``record_property``) by test name."""
    tree = ElementTree.parse(path)
    return {
        case.get("name", ""): {
            prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")
        }
        for case in tree.iter("testcase")
    }


def ui_rows(data: JSON) -> list[Row]:
    big = data["properties"]["test_a_100_mb_log_shows_its_tail_and_hands_over_to_the_raw_link"]
    tail_ms, heap = float(big["tail_visible_ms"]), float(big["js_heap_mib"])
    return [
        Row(
            "web UI (Chromium), 100 MiB log: tail visible / JS heap / DOM elements",
            f"{tail_ms / 1000:.1f} s / {heap} MiB / {big['dom_elements']}",
            "< 2 s / < 100 MB",
            tail_ms < 2000 and heap < 100,
        )
    ]


# --------------------------------------------------------------------------- the figures

FIGURES: tuple[Figure, ...] = (
    Figure(
        "ingest",
        "archive_ingest.json",
        ("-m", "benchmarks.archive_ingest", "--repeat", "3", "--deflate", "zlib,isal"),
        ingest_rows,
    ),
    Figure(
        "rules",
        "archive_rules.json",
        (
            "-m",
            "benchmarks.archive_ingest",
            "--repeat",
            "3",
            "--sizes",
            "100M,1G",
            "--deflate",
            "isal,isal-norules",
        ),
        rules_rows,
    ),
    Figure(
        "concurrent",
        "archive_concurrent.json",
        ("-m", "benchmarks.archive_concurrent"),
        concurrent_rows,
    ),
    Figure(
        "events",
        "archive_events.json",
        ("-m", "benchmarks.archive_events", "--rounds", "7"),
        events_rows,
    ),
    Figure(
        "taskrun",
        "taskrun_ingest.json",
        ("-m", "benchmarks.taskrun_ingest", "--repeat", "3"),
        taskrun_rows,
    ),
    Figure(
        "lookup",
        "lookup_bench.json",
        ("benchmarks/lookup_bench.py",),
        lookup_rows,
        needs_ceph_env=True,
    ),
    Figure("cold", "lookup_cold_start.json", ("benchmarks/lookup_cold_start.py",), cold_rows),
    Figure(
        "load",
        "lookup_load.json",
        ("-m", "benchmarks.lookup_load", "--tail-of", "indexed"),
        load_rows,
        needs_ceph_env=True,
    ),
    Figure(
        "load-legacy-tail",
        "lookup_load_legacy_tail.json",
        ("-m", "benchmarks.lookup_load", "--tail-of", "legacy"),
        load_rows,
        needs_ceph_env=True,
    ),
    Figure(
        "load-no-tail",
        "lookup_load_without_tail.json",
        ("-m", "benchmarks.lookup_load", "--kinds", "list,latest,document,log"),
        load_rows,
        needs_ceph_env=True,
    ),
    Figure(
        "search",
        "search_bench.json",
        ("benchmarks/search_bench.py",),
        search_rows,
        needs_ceph_env=True,
    ),
    Figure(
        "ui",
        "ui_figures.json",
        (
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/ui/test_big_log.py",
            "--junitxml",
            "{junit}",
        ),
        ui_rows,
    ),
)
BY_NAME = {figure.name: figure for figure in FIGURES}
RELIABILITY = "reliability.json"


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


# --------------------------------------------------------------------------- running


@contextmanager
def ceph_environment() -> Iterator[dict[str, str]]:
    """One Ceph for the benchmarks that take their S3 endpoint from the environment."""
    directory = Path(tempfile.mkdtemp(prefix="osiris-report-ceph-"))
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.ceph", "up", "--dir", str(directory)], cwd=ROOT
    )
    try:
        env_file = directory / "env"
        deadline = time.monotonic() + 300
        while not env_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the benchmarks' Ceph did not start")
            time.sleep(1)
        values = dict(
            line.removeprefix("export ").split("=", 1)
            for line in env_file.read_text().splitlines()
            if "=" in line
        )
        values = {key: value.strip("'\"") for key, value in values.items()}
        values["OSIRIS_TEST_S3_ENDPOINT"] = values["OSIRIS_TEST_S3_HTTP_ENDPOINT"]
        values.pop("OSIRIS_TEST_S3_CA_BUNDLE", None)  # plain HTTP, as the lookup figures were
        yield values
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(120)


def run_figure(figure: Figure, env: dict[str, str]) -> None:
    output = RESULTS / figure.results
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "junit.xml"
        arguments = [part.format(junit=junit) for part in figure.command]
        if "{junit}" not in figure.command:
            arguments += ["--output", str(output)]
        print(f"== {figure.name}: python {' '.join(arguments)}", flush=True)
        subprocess.run([sys.executable, *arguments], cwd=ROOT, env=env, check=True)
        if "{junit}" in figure.command:
            output.write_text(
                json.dumps({"date": _now(), "properties": junit_properties(junit)}, indent=1) + "\n"
            )


def run_reliability(env: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "junit.xml"
        paths = sorted({path for case in RELIABILITY_CASES for path in case.tests})
        print(f"== reliability: pytest {' '.join(paths)}", flush=True)
        started = time.monotonic()
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *paths,
                "--junitxml",
                str(junit),
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        outcomes = junit_outcomes(junit)
    counts = {
        state: sum(1 for s in outcomes.values() if s == state)
        for state in ("passed", "failed", "skipped")
    }
    data = {
        "date": _now(),
        "seconds": round(time.monotonic() - started),
        "exit_code": completed.returncode,
        **counts,
        "outcomes": outcomes,
    }
    (RESULTS / RELIABILITY).write_text(json.dumps(data, indent=1) + "\n")


def junit_outcomes(path: Path) -> dict[str, str]:
    """``file::name`` → passed, failed or skipped, for every test case of a JUnit XML."""
    outcomes = {}
    for case in ElementTree.parse(path).iter("testcase"):
        key = f"{_test_file(case.get('classname', ''))}::{case.get('name', '')}"
        if case.find("skipped") is not None:
            outcomes[key] = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcomes[key] = "failed"
        else:
            outcomes[key] = "passed"
    return outcomes


def _test_file(classname: str) -> str:
    """``tests.a.test_b`` or ``tests.a.test_b.TestC`` → ``tests/a/test_b.py``."""
    parts = classname.split(".")
    while parts and not (ROOT / ("/".join(parts) + ".py")).exists():
        parts.pop()
    return "/".join(parts) + ".py" if parts else classname


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


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
