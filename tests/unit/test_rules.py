"""User rules: validated at start-up with messages that name the rule; RE2 cannot stall."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from osiris.config import load_archive_config
from osiris.core.builtin_rules import BUILTIN_RULE_IDS, builtin_rules
from osiris.core.findings import FindingScanner
from osiris.core.rules import RuleSet, Severity, make_rule, rules_from_document
from osiris.errors import ConfigError

ENV = {"OSIRIS_STORAGE_URL": "file:///tmp/osiris-rules-test"}


def load(tmp_path: Path, text: str) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text))
    return load_archive_config({**ENV, "OSIRIS_RULES_FILE": str(path)}).rules


def test_without_a_file_the_builtin_rules_run() -> None:
    assert load_archive_config(ENV).rules.ids() == BUILTIN_RULE_IDS


def test_a_file_adds_overrides_and_disables_rules(tmp_path: Path) -> None:
    rules = load(
        tmp_path,
        """
        rules:
          - id: flaky-proxy
            severity: warning
            title: The build proxy dropped the connection
            pattern: 'proxyconnect tcp: .*EOF'
          - id: network
            enabled: false
          - id: test-failure
            severity: critical
        """,
    )
    assert "network" not in rules.ids()
    assert rules.ids()[-1] == "flaky-proxy"
    by_id = {rule.id: rule for rule in rules.rules}
    assert by_id["test-failure"].severity is Severity.CRITICAL
    # An override keeps what it does not say from the built-in rule.
    builtin = {rule.id: rule for rule in builtin_rules()}
    assert by_id["test-failure"].pattern == builtin["test-failure"].pattern
    scanner = FindingScanner(rules)
    scanner.feed(b"Connection refused\nproxyconnect tcp: read: EOF\n--- FAIL: TestX\n")
    assert [f.rule for f in scanner.finish()] == ["test-failure", "flaky-proxy"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "rules:\n  - id: Bad_Id\n    pattern: x\n",
            "rule 'Bad_Id': the id must be a DNS-1123 label",
        ),
        (
            "rules:\n  - id: mine\n    pattern: '(unclosed'\n",
            "rule 'mine': the pattern is not valid RE2 (missing )",
        ),
        (
            "rules:\n  - id: mine\n    pattern: 'a*'\n",
            "rule 'mine': the pattern matches an empty line",
        ),
        (
            "rules:\n  - id: mine\n    severity: fatal\n    pattern: x\n",
            "rule 'mine': severity must be one of critical, error, warning",
        ),
        ("rules:\n  - id: mine\n", "rule 'mine': 'pattern' (a string) is required"),
        (
            "rules:\n  - id: mine\n    pattern: x\n    colour: red\n",
            "rule 'mine': unknown field(s) colour",
        ),
        (
            "rules:\n  - id: mine\n    pattern: x\n    ignoreCase: maybe\n",
            "rule 'mine': ignoreCase must be true or false",
        ),
        (
            "rules:\n  - id: a\n    pattern: x\n  - id: a\n    pattern: y\n",
            "rule 'a': defined twice",
        ),
        ("rules:\n  - pattern: x\n", "rule #1: 'id' (a string) is required"),
        ("rules: {id: x}\n", "'rules' must be a list"),
        ("- id: x\n", "must be a mapping with one key, 'rules'"),
        ("rules: [\n", "is not valid YAML"),
    ],
)
def test_a_bad_rules_file_stops_start_up_naming_variable_and_rule(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, text)
    assert error.value.message.startswith("OSIRIS_RULES_FILE: ")
    assert message in error.value.message


def test_a_missing_rules_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=r"OSIRIS_RULES_FILE: cannot read .*nope\.yaml"):
        load_archive_config({**ENV, "OSIRIS_RULES_FILE": str(missing)})


def test_an_empty_rules_file_keeps_the_builtin_rules(tmp_path: Path) -> None:
    assert load(tmp_path, "").ids() == BUILTIN_RULE_IDS
    assert rules_from_document({"rules": None}, builtin_rules()).ids() == BUILTIN_RULE_IDS


CATASTROPHIC = r"^(a+)+$"
HOSTILE_LINE_LENGTH = 40


def test_the_hostile_pattern_really_stalls_backtracking_regexes() -> None:
    """The control: Python's ``re`` on the same pattern and line does not finish in 5 s."""
    program = f"import re; re.search({CATASTROPHIC!r}, 'a' * {HOSTILE_LINE_LENGTH} + 'b')"
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", program], timeout=5, check=True)


def test_a_catastrophic_pattern_cannot_stall_the_scanner() -> None:
    rules = RuleSet([make_rule("hostile", Severity.ERROR, "", CATASTROPHIC)])
    scanner = FindingScanner(rules)
    hostile = b"a" * HOSTILE_LINE_LENGTH + b"b\n"
    for _ in range(10_000):  # 10,000 hostile lines, each of which would stall `re` forever
        scanner.feed(hostile)
    scanner.feed(b"a" * 1_000_000 + b"b\n" + b"aaaa\n")
    (found,) = scanner.finish()
    assert (found.rule, found.line, found.matches) == ("hostile", 10_002, 1)
