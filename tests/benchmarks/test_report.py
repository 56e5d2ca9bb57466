"""benchmarks.report reads pytest's JUnit XML into the README's Reliability table."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.figures.archive import rules_rows
from benchmarks.figures.junit import junit_outcomes, junit_properties
from benchmarks.reliability import CASES, reliability_rows

from benchmarks import report

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tests.integration.test_faults"
            name="test_radosgw_killed_in_the_middle_of_a_multipart_upload" time="9.1"/>
  <testcase classname="tests.integration.test_storage_config"
            name="test_a_missing_bucket_is_refused" time="1.0">
    <failure message="boom"/>
  </testcase>
  <testcase classname="tests.integration.test_storage_config"
            name="test_an_unreachable_endpoint_is_refused" time="1.0">
    <skipped message="no"/>
  </testcase>
  <testcase classname="tests.security.test_auth_matrix"
            name="test_the_auth_matrix[row-1]" time="0.1">
    <properties><property name="rows" value="548"/></properties>
  </testcase>
</testsuite></testsuites>
"""


def test_outcomes_are_keyed_by_file_and_test(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    assert junit_outcomes(junit) == {
        "tests/integration/test_faults.py::"
        "test_radosgw_killed_in_the_middle_of_a_multipart_upload": "passed",
        "tests/integration/test_storage_config.py::test_a_missing_bucket_is_refused": "failed",
        "tests/integration/test_storage_config.py::test_an_unreachable_endpoint_is_refused": (
            "skipped"
        ),
        "tests/security/test_auth_matrix.py::test_the_auth_matrix[row-1]": "passed",
    }
    assert junit_properties(junit)["test_the_auth_matrix[row-1]"] == {"rows": "548"}


def test_test_cases_of_one_name_are_all_counted(tmp_path: Path) -> None:
    # As schemathesis reports them: one name for every operation it tested.
    case = '<testcase classname="tests.fuzz.test_lookup_schemathesis" name="test_conforms"'
    junit = tmp_path / "junit.xml"
    junit.write_text(
        f'<testsuites><testsuite name="pytest">{case}/>{case}><failure message="5xx"/>'
        f"</testcase>{case}/></testsuite></testsuites>"
    )
    key = "tests/fuzz/test_lookup_schemathesis.py::test_conforms"
    assert junit_outcomes(junit) == {key: "passed", f"{key} #2": "failed", f"{key} #3": "passed"}


def test_each_case_counts_only_its_own_tests(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    rows = {row[0]: row for row in reliability_rows({"outcomes": junit_outcomes(junit)})}
    radosgw, storage, matrix = (
        rows[case.fault]
        for case in (
            CASES[0],
            *(c for c in CASES if "credentials" in c.fault),
            *(c for c in CASES if c.fault.startswith("the auth matrix")),
        )
    )
    assert radosgw[3] == "1 passed"
    assert storage[3] == "1 failed, 1 skipped"
    assert matrix[3] == "1 passed"
    assert rows[CASES[1].fault][3] == "not run"


def test_every_case_names_test_files_that_exist() -> None:
    root = Path(__file__).resolve().parents[2]
    for case in CASES:
        for path in case.tests:
            assert (root / path).is_file(), f"{case.fault}: {path} does not exist"


def test_a_table_whose_results_are_missing_is_left_as_it_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    readme = (
        "intro\n<!-- figures:performance -->\nmeasured by hand\n<!-- /figures:performance -->\n"
        "<!-- figures:reliability -->\nold\n<!-- /figures:reliability -->\nend\n"
    )
    rendered, missing = report.render(readme)
    assert rendered == readme
    assert [m.split(":")[0] for m in missing] == [
        "performance table left as it is",
        "reliability table left as it is",
    ]
    assert "run `python -m benchmarks.report --run reliability` first" in missing[1]
    with pytest.raises(SystemExit, match="no <!-- figures:performance --> markers"):
        report.render("no markers here\n")


def _rules_case(text: str, on: list[float], off: list[float]) -> dict:  # type: ignore[type-arg]
    return {
        "text": text,
        "size": 100 * 2**20,
        "archive_over_raw": {"isal": 1.0, "isal-norules": 1.0},
        "archives": [
            {"deflate": "isal", "runs": [{"seconds": s} for s in on]},
            {"deflate": "isal-norules", "runs": [{"seconds": s} for s in off]},
        ],
    }


def test_the_rules_cost_pairs_the_two_functions_round_by_round() -> None:
    # A slow second round slows both functions: taken round by round the rules cost 5 %,
    # while medians of each side taken apart would set 2.0 against 0.95 (a 52 % "cost").
    slow_round = _rules_case("tests", on=[1.0, 2.0, 2.0], off=[0.95, 1.9, 0.95])
    (row,) = rules_rows({"results": [slow_round]})
    assert "tests 100 MiB: 1.00x vs 1.00x raw, rules cost 5.0 % (rounds 5 to 52 %)" in row.result
    assert row.met is True
    costly = _rules_case("digests", on=[1.2, 1.2, 1.2], off=[1.0, 1.0, 1.0])
    (row,) = rules_rows({"results": [slow_round, costly]})
    assert "digests 100 MiB: 1.00x vs 1.00x raw, rules cost 16.7 %" in row.result
    assert row.met is False
