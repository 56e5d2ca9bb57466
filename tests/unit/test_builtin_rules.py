"""Each built-in rule on real-looking log lines: what it must find and what it must not."""

from __future__ import annotations

import pytest

from osiris.core.builtin_rules import BUILTIN_RULE_IDS, builtin_rules
from osiris.core.rules import RuleSet

RULES = RuleSet(builtin_rules())

# rule id -> (lines it must match, lines it must not match)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "oom-killed": (
        [
            "error: build error: container exited with OOMKilled",
            "[  812.331] Out of memory: Killed process 4242 (java) total-vm:4194304kB",
            'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
            "npm ERR! command failed with exit code 137",
            "fatal error: runtime: out of memory",
        ],
        [
            "INFO: memory limit set to 2Gi",
            "Collecting outofmemory-helper==1.2",
            "exit code 0",
        ],
    ),
    "disk-full": (
        [
            "error: write /var/lib/containers/storage/overlay/abc/diff: no space left on device",
            "npm ERR! code ENOSPC",
            "OSError: [Errno 28] No space left on device: '/tmp/pip-build'",
        ],
        ["Filesystem      Size  Used Avail Use% Mounted on", "checking disk space: 12G free"],
    ),
    "network": (
        [
            "curl: (7) Failed to connect to nexus.example port 443: Connection refused",
            "fatal: unable to access 'https://github.com/acme/web.git/': Could not resolve host: github.com",
            "dial tcp: lookup registry.example on 172.30.0.10:53: no such host",
            "npm ERR! errno ETIMEDOUT",
            'Get "https://quay.io/v2/": dial tcp 1.2.3.4:443: i/o timeout',
            "ssh: connect to host git.example port 22: Connection timed out",
        ],
        [
            "Connecting to github.com (github.com)|140.82.112.3|:443... connected.",
            "Resolved 120 packages in 3.1s",
            "Connection: keep-alive",
        ],
    ),
    "dependency-resolution": (
        [
            "ERROR: Could not find a version that satisfies the requirement flask==9.9 (from versions: 2.0.0)",
            "ERROR: No matching distribution found for flask==9.9",
            "npm ERR! code E404",
            "npm ERR! code ERESOLVE",
            "[ERROR] Failed to execute goal on project shop: Could not resolve dependencies for project com.acme:shop:jar:1.0",
            "> Could not resolve all files for configuration ':app:compileClasspath'.",
            "go: github.com/acme/lib@v1.2.3: unknown revision v1.2.3",
            "verifying github.com/acme/lib@v1.2.3: checksum mismatch",
        ],
        [
            "Successfully installed flask-3.0.0",
            "added 120 packages, and audited 121 packages in 4s",
            "[INFO] Downloading from central: https://repo.maven.apache.org/maven2/x.pom",
            "go: downloading github.com/acme/lib v1.2.3",
        ],
    ),
    "registry-auth": (
        [
            "error: build error: Failed to push image: unauthorized: authentication required",
            "denied: requested access to the resource is denied",
            "Error response from daemon: pull access denied for acme/base, repository does not exist or may require 'docker login'",
            "unauthorized: access to the requested resource is not authorized",
        ],
        [
            "Successfully pushed image-registry.openshift-image-registry.svc:5000/shop/web@sha256:1234",
            "Login Succeeded!",
        ],
    ),
    "image-not-found": (
        [
            "error: build error: After retrying 2 times, Pull image still failed due to error: manifest unknown",
            "Error response from daemon: manifest for acme/base:9.9 not found: manifest unknown",
            "Error: ErrImagePull",
            "name unknown: repository name not known to registry",
        ],
        ["Pulling image registry.access.redhat.com/ubi9/python-311:latest ...", "Image found."],
    ),
    "compile-error": (
        [
            "src/main.c:12:5: error: 'x' undeclared (first use in this function)",
            "./main.go:14:2: undefined: handler",
            "error[E0425]: cannot find value `cfg` in this scope",
            "src/app.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.",
            "[ERROR] COMPILATION ERROR : ",
            "[ERROR] /src/main/java/com/acme/App.java:[12,8] cannot find symbol",
            "SyntaxError: invalid syntax",
        ],
        [
            "Compiling shop v0.1.0 (/src)",
            "0 errors, 2 warnings",
            "INFO: error handling middleware registered",
            "[INFO] BUILD SUCCESS",
        ],
    ),
    "test-failure": (
        [
            "FAILED tests/test_cart.py::test_total - AssertionError: assert 3 == 4",
            "=========== 1 failed, 41 passed in 2.31s ===========",
            "Tests run: 12, Failures: 2, Errors: 0, Skipped: 0",
            "Tests run: 12, Failures: 0, Errors: 1, Skipped: 0",
            "--- FAIL: TestCheckout (0.01s)",
            "FAIL\tgithub.com/acme/shop/cart\t0.012s",
            "  3 failing",
            "Test Suites: 1 failed, 7 passed, 8 total",
        ],
        [
            "Tests run: 12, Failures: 0, Errors: 0, Skipped: 0",
            "=========== 42 passed in 2.31s ===========",
            "--- PASS: TestCheckout (0.01s)",
            "ok  \tgithub.com/acme/shop/cart\t0.012s",
            "  12 passing (31ms)",
        ],
    ),
    "timeout": (
        [
            "error: build error: context deadline exceeded",
            "Build timed out after 600 seconds",
            "pod exceeded its activeDeadlineSeconds",
            "ERROR: step 'test' timed out after 30m0s",
        ],
        ["--timeout=30s passed to the test runner", "Setting timeout to 600"],
    ),
}


def test_every_builtin_rule_has_cases() -> None:
    assert set(CASES) == set(BUILTIN_RULE_IDS)


@pytest.mark.parametrize(
    ("rule_id", "line"),
    [(rule_id, line) for rule_id, (hits, _) in CASES.items() for line in hits],
)
def test_rule_finds_its_failure(rule_id: str, line: str) -> None:
    assert rule_id in [rule.id for rule in RULES.matching(line.encode())]
    assert RULES.combined.search(line.encode()) is not None


@pytest.mark.parametrize(
    ("rule_id", "line"),
    [(rule_id, line) for rule_id, (_, misses) in CASES.items() for line in misses],
)
def test_rule_leaves_ordinary_lines_alone(rule_id: str, line: str) -> None:
    assert rule_id not in [rule.id for rule in RULES.matching(line.encode())]
