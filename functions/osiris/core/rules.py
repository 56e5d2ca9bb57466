"""Finding rules: what a log line says about why a build failed (pure, no I/O).

Patterns are RE2 (``google-re2``): matching is linear in the line's length whatever the
pattern, so neither a built-in rule nor a user's can stall the archive on a hostile line
(catastrophic backtracking cannot happen by construction). Every rule is compiled as a
bytes pattern, because a log is bytes and need not be valid UTF-8.

A rule id becomes part of an index key, so it is a DNS-1123 label of at most 40
characters: never ``_`` (the index-entry separator), ``/`` or ``..``.

User rules come from a YAML document (``OSIRIS_RULES_FILE``)::

    rules:
      - id: flaky-proxy              # new rule
        severity: warning            # critical, error (the default) or warning
        title: The build proxy dropped the connection
        pattern: 'proxyconnect tcp: .*EOF'
        ignoreCase: false
      - id: network                  # same id as a built-in: replaces it
        enabled: false               # ... here: switches it off
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from osiris.core.prefilter import Prefilter
from osiris.errors import ConfigError

MAX_RULE_ID_LENGTH = 40
MAX_PATTERN_LENGTH = 2000
# RE2 refuses programs above this size instead of using unbounded memory.
RE2_MAX_MEMORY = 64 * 1024 * 1024
_RULE_ID = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_RULE_KEYS = frozenset({"id", "severity", "title", "pattern", "ignoreCase", "enabled"})


class Severity(enum.Enum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"

    @property
    def rank(self) -> int:
        """Smaller is more severe."""
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = (Severity.CRITICAL, Severity.ERROR, Severity.WARNING)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    pattern: str
    ignore_case: bool = False
    regex: Any = field(default=None, compare=False, repr=False)

    def source(self) -> str:
        """The pattern with its flags, as it enters the combined expression."""
        return f"(?i:{self.pattern})" if self.ignore_case else f"(?:{self.pattern})"


def _options() -> Any:
    options = re2.Options()
    options.max_mem = RE2_MAX_MEMORY
    options.log_errors = False
    options.never_capture = True  # only "where", never groups: the cheaper automaton
    return options


def _compile(source: str, what: str) -> Any:
    try:
        return re2.compile(("(?m)" + source).encode(), options=_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ConfigError(f"{what}: the pattern is not valid RE2 ({reason})") from None


def make_rule(
    rule_id: str, severity: Severity, title: str, pattern: str, *, ignore_case: bool = False
) -> Rule:
    """A compiled, validated rule; ConfigError naming the rule otherwise."""
    what = f"rule {rule_id[:60]!r}"
    if len(rule_id) > MAX_RULE_ID_LENGTH or not _RULE_ID.fullmatch(rule_id):
        raise ConfigError(
            f"{what}: the id must be a DNS-1123 label (a-z, 0-9, '-') of at most "
            f"{MAX_RULE_ID_LENGTH} characters"
        )
    if not pattern or len(pattern) > MAX_PATTERN_LENGTH:
        raise ConfigError(f"{what}: the pattern must have 1 to {MAX_PATTERN_LENGTH} characters")
    rule = Rule(rule_id, severity, title or rule_id, pattern, ignore_case)
    regex = _compile(rule.source(), what)
    if regex.search(b"") is not None:
        raise ConfigError(
            f"{what}: the pattern matches an empty line, so it would match every line"
        )
    return Rule(rule.id, severity, rule.title, pattern, ignore_case, regex)


class RuleSet:
    """Rules in order, and one combined expression that finds lines any of them matches."""

    def __init__(self, rules: Sequence[Rule], *, prefilter: bool = True) -> None:
        ids = [rule.id for rule in rules]
        if len(set(ids)) != len(ids):
            raise ConfigError("two rules have the same id")
        self.rules = tuple(rules)
        self.combined: Any = (
            _compile("|".join(rule.source() for rule in rules), "the rule set") if rules else None
        )
        # Skips the blocks no rule can match before RE2 reads them (osiris.core.prefilter);
        # prefilter=False is RE2 alone, the reference the prefiltered scan must equal.
        self.prefilter = Prefilter.of(self.rules) if prefilter else None

    def __bool__(self) -> bool:
        return bool(self.rules)

    def ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)

    def matching(self, line: bytes) -> list[Rule]:
        return [rule for rule in self.rules if rule.regex.search(line) is not None]


def _bool(value: object, what: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{what}: {key} must be true or false")
    return value


def _user_rule(item: object, position: int, builtin: Mapping[str, Rule]) -> Rule | str:
    """A rule, or the id of a built-in rule to switch off."""
    if not isinstance(item, dict):
        raise ConfigError(f"rule #{position}: each rule must be a mapping")
    rule_id = item.get("id")
    if not isinstance(rule_id, str):
        raise ConfigError(f"rule #{position}: 'id' (a string) is required")
    what = f"rule {rule_id[:60]!r}"
    unknown = sorted(str(key) for key in set(item) - _RULE_KEYS)
    if unknown:
        raise ConfigError(f"{what}: unknown field(s) {', '.join(unknown)}")
    if not _bool(item.get("enabled", True), what, "enabled"):
        return rule_id
    base = builtin.get(rule_id)
    severity_text = item.get("severity", base.severity.value if base else Severity.ERROR.value)
    try:
        severity = Severity(severity_text)
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise ConfigError(f"{what}: severity must be one of {choices}") from None
    pattern = item.get("pattern", base.pattern if base else None)
    if not isinstance(pattern, str):
        raise ConfigError(f"{what}: 'pattern' (a string) is required")
    title = item.get("title", base.title if base else rule_id)
    if not isinstance(title, str):
        raise ConfigError(f"{what}: 'title' must be a string")
    default_case = base.ignore_case if base else False
    ignore_case = _bool(item.get("ignoreCase", default_case), what, "ignoreCase")
    return make_rule(rule_id, severity, title, pattern, ignore_case=ignore_case)


def rules_from_document(document: object, builtin: Iterable[Rule]) -> RuleSet:
    """The built-in rules overridden and extended by a user's rules document."""
    known = {rule.id: rule for rule in builtin}
    if document is None:
        return RuleSet(list(known.values()))
    if not isinstance(document, dict) or set(document) - {"rules"}:
        raise ConfigError("the rules file must be a mapping with one key, 'rules'")
    items = document.get("rules") or []
    if not isinstance(items, list):
        raise ConfigError("'rules' must be a list")
    rules = dict(known)
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        parsed = _user_rule(item, position, known)
        rule_id = parsed if isinstance(parsed, str) else parsed.id
        if rule_id in seen:
            raise ConfigError(f"rule {rule_id!r}: defined twice in the rules file")
        seen.add(rule_id)
        if isinstance(parsed, str):
            rules.pop(parsed, None)
        else:
            rules[parsed.id] = parsed
    return RuleSet(list(rules.values()))
