"""The built-in finding rules, with stable ids (documented in docs/findings.md).

Each pattern aims at what the tool itself prints when it gives up, not at words that
also appear in passing ("0 errors", "Failures: 0"): a finding should be a reason, and
``tests/unit/test_builtin_rules.py`` holds real-looking lines each rule must and must
not match.
"""

from __future__ import annotations

from osiris.core.rules import Rule, Severity, make_rule

_C, _E, _W = Severity.CRITICAL, Severity.ERROR, Severity.WARNING

_SPECS: tuple[tuple[str, Severity, str, str, bool], ...] = (
    (
        "oom-killed",
        _C,
        "Out of memory: the build or a process in it was killed",
        r"\bOOMKilled\b|\bout of memory\b|Killed process \d+|cannot allocate memory"
        r"|java\.lang\.OutOfMemoryError|JavaScript heap out of memory"
        r"|exit(?:ed with)? (?:code|status) 137\b|signal: killed",
        True,
    ),
    (
        "disk-full",
        _C,
        "The disk is full",
        r"no space left on device|disk quota exceeded|\bENOSPC\b|not enough space on the disk",
        True,
    ),
    (
        "registry-auth",
        _E,
        "The registry refused the credentials (pull or push)",
        r"unauthorized: (?:authentication required|access to the requested resource)"
        r"|denied: requested access to the resource is denied"
        r"|pull access denied|(?:push|pull)ing image .*: (?:unauthorized|denied)"
        r"|authentication required.*(?:registry|docker|quay|image)"
        r"|error: build error: failed to push image: .*(?:unauthorized|denied|authentication)",
        True,
    ),
    (
        "image-not-found",
        _E,
        "An image or tag does not exist",
        r"manifest unknown|manifest for \S+ not found|repository does not exist"
        r"|name unknown: |\bErrImagePull\b|\bImagePullBackOff\b"
        r"|error: build error: .*(?:not found|unknown)(?:: manifest| image)",
        True,
    ),
    (
        "dependency-resolution",
        _E,
        "A dependency could not be resolved (pip, npm, maven, gradle, go)",
        r"Could not find a version that satisfies the requirement|No matching distribution found"
        r"|ResolutionImpossible|npm ERR! code (?:E404|ERESOLVE|ETARGET)|npm ERR! 404 "
        r"|Could not resolve dependencies for project|Failed to collect dependencies"
        r"|Could not find artifact |Could not resolve all (?:files|dependencies) for"
        r"|Could not find [\w.-]+:[\w.-]+:[\w.-]+"
        r"|go: [^\s]+: (?:unknown revision|reading .*: 404|invalid version)"
        r"|cannot find module providing package|verifying [^\s]+: checksum mismatch",
        False,
    ),
    (
        "compile-error",
        _E,
        "The code does not compile",
        r"^\S+\.(?:c|cc|cpp|cxx|h|hpp|m|rs|swift|cs|ts|tsx):\d+(?::\d+)?: (?:fatal )?error\b"
        r"|^\S+\.go:\d+:\d+: (?:undefined|cannot|syntax error|missing|too many|not enough|invalid)"
        r"|\berror\[E\d{4}\]|\berror TS\d{4}:|\[ERROR\] COMPILATION ERROR"
        r"|\[ERROR\] \S+\.(?:java|kt|scala):\[\d+,\d+\]|^e: \S+\.kt: \(\d+, \d+\)"
        r"|\bSyntaxError: |undefined reference to `",
        False,
    ),
    (
        "test-failure",
        _E,
        "Tests failed",
        r"^FAILED \S+::|^=+ .*\b\d+ failed\b|Tests run: \d+, Failures: [1-9]"
        r"|Tests run: \d+, Failures: \d+, Errors: [1-9]|^--- FAIL: |^FAIL\s+\S+\s"
        r"|^\s*\d+ failing\b|Test Suites: \d+ failed|There (?:was|were) \d+ failures?:"
        r"|\[ERROR\] Tests run: .*<<< FAILURE!",
        False,
    ),
    (
        "timeout",
        _E,
        "Something ran out of time",
        r"context deadline exceeded|\btimed out after\b|build timed out|exceeded (?:the |its )?timeout"
        r"|timeout exceeded|activeDeadlineSeconds|\bDeadlineExceeded\b",
        True,
    ),
    (
        "network",
        _W,
        "The network failed: a connection was refused, timed out or a host did not resolve",
        r"connection refused|connection timed out|connection reset by peer"
        r"|could not resolve host|temporary failure in name resolution|\bno such host\b"
        r"|network is unreachable|\bi/o timeout\b|name or service not known"
        r"|\bECONNREFUSED\b|\bETIMEDOUT\b|\bEAI_AGAIN\b|getaddrinfo ENOTFOUND",
        True,
    ),
)


def builtin_rules() -> tuple[Rule, ...]:
    return tuple(
        make_rule(rule_id, severity, title, pattern, ignore_case=ignore_case)
        for rule_id, severity, title, pattern, ignore_case in _SPECS
    )


BUILTIN_RULE_IDS = tuple(spec[0] for spec in _SPECS)
