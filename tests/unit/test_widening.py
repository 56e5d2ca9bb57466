"""The prefilter's widened patterns: cheaper for Hyperscan, and never miss what RE2 finds."""

from __future__ import annotations

import hyperscan
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from osiris.core.builtin_rules import builtin_rules
from osiris.core.findings import FindingScanner
from osiris.core.rules import ConfigError, Rule, RuleSet, Severity, make_rule
from osiris.core.widening import LITERAL_PREFIX, Widened, widen


def scan(data: bytes, rules: RuleSet, chunk: int) -> list[dict[str, object]]:
    scanner = FindingScanner(rules)
    for start in range(0, len(data), chunk):
        scanner.feed(data[start : start + chunk])
    return [found.document() for found in scanner.finish()]


def hyperscan_takes(pattern: str, ignore_case: bool) -> bool:
    flags = hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_ALLOWEMPTY
    try:
        hyperscan.Database().compile(
            expressions=[pattern.encode()],
            flags=flags | (hyperscan.HS_FLAG_CASELESS if ignore_case else 0),
        )
    except hyperscan.error:
        return False
    return True


def user_rule(pattern: str, *, ignore_case: bool = False) -> Rule:
    return make_rule("user", Severity.ERROR, "", pattern, ignore_case=ignore_case)


def test_a_line_start_anchor_is_read_as_the_newline_before_the_line() -> None:
    assert widen(r"^FAIL\s+\S+\s|Tests run: \d+") == Widened(
        anywhere=r"\nFAIL\s+\S+\s|Tests run: \d+", at_start=r"\AFAIL\s+\S+\s"
    )


def test_a_long_literal_is_cut_after_its_first_plain_characters() -> None:
    long = "Could not find a version that satisfies the requirement"
    assert widen(long) == Widened(long[:LITERAL_PREFIX], None)
    # Escaped punctuation is one plain character; a repeated one ends the run.
    assert widen(r"java\.lang\.OutOfMemoryError: heap").anywhere == r"java\.lang\.OutOfMemoryErr"
    assert widen("abcdefghijklmnopqrstuvwx*yz0123").anywhere == "abcdefghijklmnopqrstuvwx*yz0123"


def test_leading_flags_stay_in_front_of_every_form() -> None:
    assert widen("(?i)^fail here|ok") == Widened(r"(?i)\nfail here|ok", r"(?i)\Afail here")


@pytest.mark.parametrize(
    "pattern",
    [
        r"\Q^a|b\E",  # quoted text: not read
        r"ok(?i)^fail|x",  # flags from the middle on: splitting the alternatives would drop them
        r"^a{|b",  # RE2 reads this "{" as itself
        r"^[[:alpha:]|b",  # no closing "]"
        "^(a|b",
    ],
)
def test_what_the_reader_is_unsure_of_stays_as_it_was(pattern: str) -> None:
    assert widen(pattern) == Widened(pattern, None)


def test_groups_classes_and_escapes_are_read_as_single_pieces() -> None:
    # The "|" inside the group and the class, and the "^" in them, are not top level.
    assert widen(r"^(?:a|^b)[|^]\x41\d{2,3}?|c").at_start == r"\A(?:a|^b)[|^]\x41\d{2,3}?"
    assert widen(r"^[]a]x").at_start == r"\A[]a]x"


def test_a_line_start_rule_is_found_on_every_line_of_the_block_first_included() -> None:
    rules = RuleSet([user_rule(r"^FAIL\s+\S+\s")])
    data = b"FAIL pkg/a 0.1s\nok pkg/b XFAIL c\nFAIL pkg/c 0.2s\n"
    for chunk in (1, 7, 16, len(data)):
        assert [(f["line"], f["matches"]) for f in scan(data, rules, chunk)] == [(1, 2)]
    prefilter = rules.prefilter
    assert prefilter is not None
    may_match = prefilter.tester()
    assert may_match(b"FAIL pkg/a 0.1s\n")  # at the block's start: the anchored database
    assert may_match(b"ok\nFAIL pkg/a 0.1s\n")  # after a newline: the widened one
    assert not may_match(b"tests/a.py::t XFAIL x\n")


def test_the_builtin_rules_are_widened_and_still_find_the_same() -> None:
    widened = {rule.id: widen(rule.pattern) for rule in builtin_rules()}
    assert widened["test-failure"].at_start is not None
    assert "\\nFAILED \\S+::" in widened["test-failure"].anywhere
    assert widened["dependency-resolution"].anywhere.startswith("Could not find a version|")
    assert all(form.anywhere != "" for form in widened.values())


# Generated rules and lines: the pieces come from the same small alphabet, so the rules
# do match, nearly match, and match at the start of blocks. A zero-width atom is never
# repeated: Hyperscan refuses "\b+" (the prefilter is then off, nothing to compare).
ATOMS = ["a", "b", "F", "L", " ", ".", r"\d", r"\s", r"\S", "[ab]", "[^a]", r"\.", r"\b",
         "(?:a|FAIL)", "x", "1", "abcdefghijklmnopqrstuvwxyz0123"]  # fmt: skip
REPEATS = ["", "", "", "*", "+", "?", "{2}", "{1,3}"]
TEXT = ["a", "b", "FAIL", "x", "1", "22", " ", ".", "XFAIL", "abcdefghijklmnopqrstuvwxyz0123",
        "abcdefghijklmnopqrstuvwx", "b.ab", ""]  # fmt: skip

alternatives = st.tuples(
    st.sampled_from(["", "", "^"]),
    st.lists(st.tuples(st.sampled_from(ATOMS), st.sampled_from(REPEATS)), min_size=1, max_size=6),
).map(
    lambda alt: (
        alt[0] + "".join(atom + ("" if atom == r"\b" else repeat) for atom, repeat in alt[1])
    )
)
patterns = st.tuples(
    st.sampled_from(["", "", "(?i)"]), st.lists(alternatives, min_size=1, max_size=3)
).map(lambda pattern: pattern[0] + "|".join(pattern[1]))
texts = st.lists(st.lists(st.sampled_from(TEXT), max_size=5).map("".join), max_size=12).map(
    lambda lines: "\n".join(lines).encode()
)


@settings(max_examples=400, deadline=None)
@given(patterns, st.booleans(), texts, st.integers(min_value=1, max_value=40))
def test_generated_rules_find_the_same_with_the_widened_prefilter(
    pattern: str, ignore_case: bool, data: bytes, chunk: int
) -> None:
    try:
        rule = user_rule(pattern, ignore_case=ignore_case)
    except ConfigError:
        assume(False)  # matches the empty line, refused at start-up
        raise
    # Hyperscan refuses some patterns as they are ("a\\ba" can never match): the
    # prefilter is then off by design. Where it takes the pattern, it takes the widened one.
    assume(hyperscan_takes(pattern, ignore_case))
    filtered, plain = RuleSet([rule]), RuleSet([rule], prefilter=False)
    assert filtered.prefilter is not None
    assert scan(data, filtered, chunk) == scan(data, plain, chunk)


def test_a_rule_whose_widened_part_hyperscan_refuses_keeps_the_prefilter_as_written() -> None:
    # "^a\\ba" alone can never match, so its line-start form is refused; "a" still can.
    rule = user_rule(r"a|^a\ba")
    filtered, plain = RuleSet([rule]), RuleSet([rule], prefilter=False)
    assert filtered.prefilter is not None
    for data in (b"", b"a\n", b"xyz\n", b"b\na"):
        assert scan(data, filtered, 3) == scan(data, plain, 3)
