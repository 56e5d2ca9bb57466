"""What a pytest run's JUnit XML says: each test's outcome and recorded properties."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from benchmarks.figures.paths import ROOT


def junit_properties(path: Path) -> dict[str, dict[str, str]]:
    """Each test case's recorded properties (``record_property``) by test name."""
    tree = ElementTree.parse(path)
    return {
        case.get("name", ""): {
            prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")
        }
        for case in tree.iter("testcase")
    }


def junit_outcomes(path: Path) -> dict[str, str]:
    """``file::name`` → passed, failed or skipped, for every test case of a JUnit XML
    (``file::name #2`` and on for a name that comes again)."""
    outcomes: dict[str, str] = {}
    for case in ElementTree.parse(path).iter("testcase"):
        key = f"{_test_file(case.get('classname', ''))}::{case.get('name', '')}"
        # schemathesis gives each operation's test the same name: numbered, so that no
        # outcome overwrites another (a failure under a later pass would vanish).
        unique, repeat = key, 1
        while unique in outcomes:
            repeat += 1
            unique = f"{key} #{repeat}"
        key = unique
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
