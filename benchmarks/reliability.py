"""The README's Reliability cases: each fault or bad input, what osiris does, its tests.

``benchmarks.report --run reliability`` runs every test named here (real Ceph, the
simulated cluster, the functions served over HTTP) and writes what passed to
``benchmarks/results/reliability.json``; the README's table is made from that file, so a
case whose tests stopped passing says so there.

A test is named by its file or by ``file::test_name`` (a prefix: every parametrized case
of that test counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ARCHIVE_HTTP = "tests/integration/test_archive_http.py"
TEKTON_ARCHIVE = "tests/integration/test_tekton_archive.py"
FAULTS = "tests/integration/test_faults.py"
STORAGE = "tests/integration/test_storage_config.py"


@dataclass(frozen=True)
class Case:
    fault: str
    outcome: str
    selectors: tuple[str, ...]

    @property
    def tests(self) -> tuple[str, ...]:
        """The files pytest runs for this case."""
        return tuple(selector.split("::", 1)[0] for selector in self.selectors)


CASES: tuple[Case, ...] = (
    Case(
        "radosgw killed (SIGKILL) in the middle of a multipart upload",
        "503; no object, document or index entry visible; after radosgw restarts the "
        "redelivered event archives the log byte-identical",
        (f"{FAULTS}::test_radosgw_killed_in_the_middle_of_a_multipart_upload",),
    ),
    Case(
        "log stream cut, stalled past the read timeout, 5xx/429 from the cluster API",
        "503, nothing published; redelivery archives it whole",
        (
            f"{ARCHIVE_HTTP}::test_a_cut_log_stream_is_retried_and_never_published_short",
            f"{ARCHIVE_HTTP}::test_a_stalled_log_stream_is_a_retryable_failure",
            f"{ARCHIVE_HTTP}::test_cluster_api_failures_answer_503",
            f"{TEKTON_ARCHIVE}::test_a_cut_step_is_retried",
        ),
    ),
    Case(
        "log gone (400/404: the pod was deleted, a build that never ran)",
        "2xx; the metadata is archived with the log marked unavailable and why",
        (
            f"{ARCHIVE_HTTP}::test_builds_are_archived_as_they_finish",
            f"{TEKTON_ARCHIVE}::test_a_gone_pod_and_a_run_without_a_pod",
        ),
    ),
    Case(
        "50 concurrent deliveries of one run mixed with older updates and its delete",
        "one log byte-identical, one document, one index entry, no upload left open",
        (
            f"{ARCHIVE_HTTP}::test_a_storm_of_fifty_deliveries",
            f"{ARCHIVE_HTTP}::test_concurrent_deliveries_archive_once",
            f"{TEKTON_ARCHIVE}::test_a_storm_of_deliveries",
        ),
    ),
    Case(
        "Ceph down under the lookup",
        "503 problem documents, `/readyz` 503; serves again without a restart",
        (
            f"{FAULTS}::test_the_lookup_answers_503_while_ceph_is_down",
            "tests/lookup/test_ceph_end_to_end.py::test_unreachable_storage_is_503",
        ),
    ),
    Case(
        "the cluster API (TokenReview, SubjectAccessReview) down under auth",
        "503, never an open door, never data",
        (
            "tests/security/test_auth_matrix.py::test_cluster_api_down_is_503_and_never_data",
            "tests/lookup/test_auth.py::test_api_down_is_503_never_an_open_door",
        ),
    ),
    Case(
        "wrong credentials, missing bucket, unreachable endpoint, a CA that did not sign it",
        "the archive refuses to start, naming the cause and the variables (never the secret)",
        (STORAGE,),
    ),
    Case(
        "malformed CloudEvents (property-based: attributes, encodings, sizes, unicode, "
        "wrong kinds, deep and truncated bodies), in process and over HTTP",
        "only documented codes (4xx not retried), never 500, nothing written",
        ("tests/fuzz/test_archive_events.py", "tests/fuzz/test_archive_http.py"),
    ),
    Case(
        "logs with invalid UTF-8, NUL, ANSI escapes, CR-only line ends, one 50 MB line, empty",
        "stored and served back byte-exact; `tail` within its memory bound",
        ("tests/integration/test_bad_input_logs.py",),
    ),
    Case(
        "every lookup operation fuzzed (schemathesis, stateful links, with auth)",
        "no 5xx, no schema or content-type violation",
        ("tests/fuzz/test_lookup_schemathesis.py",),
    ),
    Case(
        "hand-written attacks: `..`, encoded slashes, overlong names, header injection, "
        "huge and forged page tokens aimed at another namespace",
        "400 problem documents; nothing read outside the namespace's prefix",
        ("tests/security/test_bad_input.py",),
    ),
    Case(
        "the auth matrix: no token, a bad token, no rights, rights in A but not B, every "
        "kind of run",
        "B's runs, logs, search and commit hits invisible; tokens never in the logs",
        ("tests/security/test_auth_matrix.py::test_the_auth_matrix",),
    ),
    Case(
        "a 1 GiB log",
        "archived with the worker's peak memory flat in the log's size",
        ("tests/integration/test_memory.py",),
    ),
)


def _counts(case: Case, outcomes: dict[str, str]) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for test, state in outcomes.items():
        if any(test.startswith(selector) for selector in case.selectors):
            counts[state] += 1
    return counts


def reliability_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The table's rows from a reliability run's results."""
    rows = []
    for case in CASES:
        counts = _counts(case, data["outcomes"])
        result = ", ".join(f"{n} {state}" for state, n in counts.items() if n) or "not run"
        files = ", ".join(f"`{path}`" for path in dict.fromkeys(case.tests))
        rows.append((case.fault, case.outcome, files, result))
    return rows
