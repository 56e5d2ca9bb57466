"""The finding scanner: line numbers, context, counts and bounds, whatever the chunking."""

from __future__ import annotations

import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from osiris.core.builtin_rules import builtin_rules
from osiris.core.findings import FindingScanner, most_severe
from osiris.core.lines import MAX_SCANNED_LINE, LineBlocks
from osiris.core.rules import RuleSet, Severity, make_rule

RULES = RuleSet(builtin_rules())

FAILED_BUILD = b"".join(
    [
        b'Cloning "https://github.com/acme/shop.git" ...\n',
        b"\x1b[1mSTEP 1/6: FROM registry.access.redhat.com/ubi9/python-311\x1b[0m\n",
        *(b"Collecting package-%d\n" % n for n in range(3, 40)),
        b'Get "https://pypi.example/simple/flask/": dial tcp: i/o timeout\n',
        b"Retrying...\n",
        b"\x1b[31mERROR: No matching distribution found for flask==9.9\x1b[0m\n",
        b'error: build error: building at STEP "RUN pip install": exit status 1\n',
        b"ERROR: No matching distribution found for flask==9.9\n",
    ]
)


def scan(data: bytes, chunk: int, rules: RuleSet = RULES) -> list[dict[str, object]]:
    scanner = FindingScanner(rules)
    for piece in pieces(data, chunk):
        scanner.feed(piece)
    return [found.document() for found in scanner.finish()]


def test_a_failed_build_gets_its_reasons_with_line_numbers_and_context() -> None:
    findings = scan(FAILED_BUILD, 1 << 20)
    assert [f["rule"] for f in findings] == ["dependency-resolution", "network"]
    dependency, network = findings
    assert dependency == {
        "rule": "dependency-resolution",
        "severity": "error",
        "title": "A dependency could not be resolved (pip, npm, maven, gradle, go)",
        "line": 42,
        "text": "ERROR: No matching distribution found for flask==9.9",  # escape codes gone
        "before": [
            "Collecting package-39",
            'Get "https://pypi.example/simple/flask/": dial tcp: i/o timeout',
            "Retrying...",
        ],
        "after": [
            'error: build error: building at STEP "RUN pip install": exit status 1',
            "ERROR: No matching distribution found for flask==9.9",
        ],
        "matches": 2,
    }
    assert network["line"] == 40 and network["severity"] == "warning"
    assert network["after"] == [
        "Retrying...",
        "ERROR: No matching distribution found for flask==9.9",
        'error: build error: building at STEP "RUN pip install": exit status 1',
    ]


@given(st.integers(min_value=1, max_value=300))
def test_chunking_never_changes_the_findings(chunk: int) -> None:
    assert scan(FAILED_BUILD, chunk) == scan(FAILED_BUILD, len(FAILED_BUILD))


@given(
    st.lists(
        st.sampled_from(
            [b"ok", b"", b"npm ERR! code E404", b"\x1b[33mwarn\x1b[0m", b"\xff\xfe", b"a\rb"]
        ),
        max_size=40,
    ),
    st.integers(min_value=1, max_value=64),
)
def test_line_numbers_match_a_line_by_line_reading(lines: list[bytes], chunk: int) -> None:
    data = b"\n".join(lines)
    expected = [n for n, line in enumerate(data.split(b"\n"), 1) if line == b"npm ERR! code E404"]
    findings = scan(data, chunk)
    if not expected:
        assert findings == []
        return
    (found,) = findings
    assert found["line"] == expected[0]
    assert found["matches"] == len(expected)


def test_the_last_line_without_newline_is_scanned() -> None:
    (found,) = scan(b"one\ntwo\nKilled process 7 (node)", 5)
    assert (found["rule"], found["line"], found["before"], found["after"]) == (
        "oom-killed",
        3,
        ["one", "two"],
        [],
    )


def test_a_huge_line_is_scanned_on_its_first_bytes_in_bounded_memory() -> None:
    chunk = b"x" * (1 << 20)
    tracemalloc.start()
    scanner = FindingScanner(RULES)
    scanner.feed(b"no space left on device ")  # within the scanned head of the line
    for _ in range(50):  # one 50 MiB line, no newline
        scanner.feed(chunk)
    _, peak = tracemalloc.get_traced_memory()
    scanner.feed(b" connection refused\nafter\n")  # past the scanned head: not seen
    findings = scanner.finish()
    tracemalloc.stop()
    assert peak < 4 * (1 << 20)  # a few chunks, not the 50 MiB line
    assert [(f.rule, f.line, f.after) for f in findings] == [("disk-full", 1, ["after"])]
    assert len(findings[0].text) == 500


def test_a_line_longer_than_the_scanned_head_hides_a_late_match() -> None:
    line = b"y" * (MAX_SCANNED_LINE + 10) + b" connection refused\n"
    assert scan(line, 1 << 20) == []
    assert scan(line, 4096) == []


def test_no_rules_no_findings() -> None:
    assert scan(FAILED_BUILD, 100, RuleSet(())) == []


def test_most_severe_is_the_worst_then_the_earliest() -> None:
    rules = RuleSet(
        [
            make_rule("late-critical", Severity.CRITICAL, "", "boom"),
            make_rule("early-error", Severity.ERROR, "", "oops"),
            make_rule("also-critical", Severity.CRITICAL, "", "bang"),
        ]
    )
    scanner = FindingScanner(rules)
    scanner.feed(b"oops\nfine\nbang\nboom\n")
    findings = scanner.finish()
    assert [f.rule for f in findings] == ["also-critical", "late-critical", "early-error"]
    best = most_severe(findings)
    assert best is not None and best.rule == "also-critical"
    assert most_severe([]) is None


_LINES = st.sampled_from(
    [
        b"ok\n",
        b"Connection refused\n",
        b"--- FAIL: TestCheckout\n",
        b"x" * (MAX_SCANNED_LINE + 100) + b" no space left on device\n",  # past the head
        b"no space left on device " + b"y" * (MAX_SCANNED_LINE + 10) + b"\n",
        b"\n",
        b"fatal: unable to access: Could not resolve host: github.com",  # no newline
    ]
)


# Lines past 64 KiB: each example scans ~1 MB, so fewer of them.
_LOG_AND_CHUNK = (
    settings(max_examples=30, deadline=None),
    given(st.lists(_LINES, max_size=30).map(b"".join), st.integers(1, 3 * MAX_SCANNED_LINE)),
)


def pieces(data: bytes, chunk: int) -> list[bytes]:
    return [data[start : start + chunk] for start in range(0, len(data), chunk)]


@_LOG_AND_CHUNK[0]
@_LOG_AND_CHUNK[1]
def test_line_blocks_hold_one_line_each_but_the_last_of_a_feed(data: bytes, chunk: int) -> None:
    blocks = LineBlocks()
    for piece in pieces(data, chunk):
        cut = list(blocks.feed(piece))
        assert all(block.count(b"\n") == 1 for block in cut[:-1])
        assert sum(block.count(b"\n") for block in cut) == piece.count(b"\n")


@_LOG_AND_CHUNK[0]
@_LOG_AND_CHUNK[1]
def test_findings_are_the_same_when_the_caller_counts_the_newlines(data: bytes, chunk: int) -> None:
    told = FindingScanner(RULES)
    for piece in pieces(data, chunk):
        told.feed(piece, piece.count(b"\n"))
    assert [found.document() for found in told.finish()] == scan(data, chunk)
    # ... and the same as one chunk of the whole log: line numbers do not depend on chunking.
    assert scan(data, chunk) == scan(data, max(len(data), 1))
