"""The Hyperscan prefilter only skips blocks: findings equal RE2's alone, byte for byte."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osiris.core.builtin_rules import builtin_rules
from osiris.core.findings import FindingScanner
from osiris.core.prefilter import Prefilter
from osiris.core.rules import Rule, RuleSet, Severity, make_rule
from osiris.simulator.buildlogs import LogSpec, iter_log

BUILTIN = builtin_rules()
# Compiled once: a Hyperscan database takes ~0.1 s to build.
FILTERED, PLAIN = RuleSet(BUILTIN), RuleSet(BUILTIN, prefilter=False)


def scan(data: bytes, rules: RuleSet, chunk: int) -> list[dict[str, object]]:
    scanner = FindingScanner(rules)
    for start in range(0, len(data), chunk):
        scanner.feed(data[start : start + chunk])
    return [found.document() for found in scanner.finish()]


def both(rules: list[Rule] | tuple[Rule, ...], data: bytes, chunk: int = 4096) -> list[object]:
    """The findings with the prefilter, after checking they equal RE2's alone."""
    filtered, plain = (
        (FILTERED, PLAIN) if rules is BUILTIN else (RuleSet(rules), RuleSet(rules, prefilter=False))
    )
    assert filtered.prefilter is not None and plain.prefilter is None
    found = scan(data, filtered, chunk)
    assert found == scan(data, plain, chunk)
    return list(found)


def rule(pattern: str, *, ignore_case: bool = False) -> Rule:
    return make_rule("user", Severity.ERROR, "", pattern, ignore_case=ignore_case)


# Pieces of lines that the built-in rules match, nearly match, or that cross them up:
# escape codes, invalid UTF-8, a multibyte character, CR, the Kelvin sign.
PIECES = [
    b"ok",
    b"",
    b"  ",
    b"npm ERR! code E404",
    b"npm ERR! code E40",
    b"FAILED tests/test_a.py::test_b - assert 1",
    b"FAIL",
    b"\t",
    b"github.com/x/y",
    b"main.go:12:3: undefined: Foo",
    b"Connection REFUSED",
    b"connection refus",
    b"Killed process 12",
    b"\x1b[31m",
    b"\xff\xfe",
    "é".encode(),
    "\u212a".encode(),
    b"\r",
    b"=== 3 failed, 7 passed ===",
    b"Tests run: 5, Failures: 1",
]


@settings(max_examples=300)
@given(
    st.lists(st.lists(st.sampled_from(PIECES), max_size=6).map(b" ".join), max_size=60),
    st.integers(min_value=1, max_value=200),
)
def test_builtin_findings_equal_re2_alone_over_generated_lines(
    lines: list[bytes], chunk: int
) -> None:
    both(BUILTIN, b"\n".join(lines), chunk)


@pytest.mark.parametrize("bulk", ["tests", "digests"])
def test_the_benchmark_texts_get_the_same_findings_and_counts(bulk: str) -> None:
    failed = b"".join(iter_log(LogSpec(seed=3, size=4 << 20, bulk=bulk, succeeded=False)))  # type: ignore[arg-type]
    # A few matches scattered through the bulk: the prefilter must pass each one's block.
    lines = failed.split(b"\n")
    for at, line in ((5_000, b"dial tcp: i/o timeout"), (20_000, b"npm ERR! 404 Not Found")):
        lines.insert(at, line)
    found = both(BUILTIN, b"\n".join(lines), 256 * 1024)
    assert {(f["rule"], f["matches"]) for f in found} >= {  # type: ignore[index]
        ("network", 1),
        ("dependency-resolution", 1),
        ("test-failure", 2),
    }


def test_a_block_the_prefilter_passes_is_still_judged_by_re2() -> None:
    # Hyperscan's \s also takes the vertical tab, RE2's does not: a false positive.
    strict = rule(r"foo\sbar")
    block = b"foo\x0bbar\n"
    prefilter = RuleSet([strict]).prefilter
    assert prefilter is not None and prefilter.tester()(block)
    assert both([strict], block) == []
    assert both([strict], b"foo bar\n")[0] == {  # the true positive still found
        "rule": "user",
        "severity": "error",
        "title": "user",
        "line": 1,
        "text": "foo bar",
        "before": [],
        "after": [],
        "matches": 1,
    }


def test_a_block_no_rule_can_match_is_skipped() -> None:
    prefilter = FILTERED.prefilter
    assert prefilter is not None
    may_match = prefilter.tester()
    assert not may_match(b"collected 10 items\ntests/test_a.py::test_b PASSED\n")
    assert may_match(b"collected 10 items\nError: ENOSPC\n")


@pytest.mark.parametrize(
    ("pattern", "ignore_case", "line"),
    [
        (r"a.b", False, "aéb"),  # one character to RE2, two bytes to Hyperscan
        (r"x[^y]z", False, "x\u212az"),
        (r"kill", True, "\u212aill"),  # RE2 folds the Kelvin sign to k
    ],
)
def test_lines_with_other_than_ascii_are_left_to_re2(
    pattern: str, ignore_case: bool, line: str
) -> None:
    (found,) = both([rule(pattern, ignore_case=ignore_case)], f"ok\n{line}\nok\n".encode())
    assert (found["line"], found["text"]) == (2, line)  # type: ignore[index]


@pytest.mark.parametrize(
    "pattern",
    [
        "\u212aill",  # with ignoreCase, RE2 matches an ASCII "kill" with it
        r"\p{Lu}x",
        r"(?U)a+b",  # RE2 syntax that Hyperscan does not read
        r"\x{263a}",
    ],
)
def test_patterns_hyperscan_cannot_read_as_re2_does_turn_it_off(pattern: str) -> None:
    rules = [rule(pattern, ignore_case=True), *BUILTIN]
    assert Prefilter.of(rules) is None
    assert RuleSet(rules).prefilter is None
    assert FILTERED.prefilter is not None


def test_without_its_prefilter_an_ignore_case_rule_still_matches_ascii() -> None:
    (found,) = scan(b"ok\nKILL\n", RuleSet([rule("\u212aill", ignore_case=True)]), 3)
    assert (found["line"], found["text"]) == (2, "KILL")


def test_each_scanner_has_its_own_scratch() -> None:
    prefilter = FILTERED.prefilter
    assert prefilter is not None
    first, second = prefilter.tester(), prefilter.tester()
    # Interleaved scans through two testers: each answers for its own block.
    for _ in range(3):
        assert first(b"Killed process 9\n") and not second(b"all good\n")
