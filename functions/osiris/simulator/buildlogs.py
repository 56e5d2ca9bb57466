"""Deterministic, realistic OpenShift build logs of any size, generated as a stream.

Usage::

    from osiris.simulator.buildlogs import LogSpec, iter_log, log_size, sha256

    spec = LogSpec(seed=7, size=50 * 1024 * 1024, namespace="shop", build_name="api-3")
    for chunk in iter_log(spec):      # bytes chunks of up to ~64 KiB, never the whole log
        sink.write(chunk)
    assert log_size(spec) == spec.size  # exact whenever size >= minimum_size(spec)
    digest = sha256(spec)               # hex digest, computed while streaming

The log looks like ``oc logs build/<name>``: the ``git-clone`` init container first
(``Cloning "<uri>" ...`` with commit, author and date), then a Docker (buildah) or
Source (s2i) strategy build with ``STEP n/m`` lines, dependency installation, a long
verbose test/compile phase that absorbs the requested size, ``COMMIT``, and either the
image push (``Push successful``) or a realistic build error as the last line.

The same :class:`LogSpec` always yields the same bytes (no clock, no hash
randomisation: every random choice comes from ``random.Random`` seeded with a string).
Memory stays flat for any size. :mod:`osiris.simulator.logplan` writes the header and
footer, :mod:`osiris.simulator.bulktext` the bulk between them.
"""

from __future__ import annotations

import hashlib
import random
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from osiris.simulator.bulktext import BulkText, bulk_text
from osiris.simulator.logplan import plan_log

Strategy = Literal["Docker", "Source"]

KiB = 1024
MiB = 1024 * KiB

REGISTRY = "image-registry.openshift-image-registry.svc:5000"
_BASE_IMAGE = "registry.access.redhat.com/ubi9/python-311"


@dataclass(frozen=True)
class LogSpec:
    """Everything that determines a log's bytes. Empty fields are derived from ``seed``."""

    seed: int
    size: int = 256 * KiB
    namespace: str = "demo"
    build_name: str = "app-1"
    strategy: Strategy = "Docker"
    succeeded: bool = True
    git_uri: str = "https://github.com/example/app.git"
    git_ref: str = "main"
    commit: str = ""
    commit_message: str = ""
    author_name: str = ""
    author_email: str = ""
    commit_time: datetime | None = None
    base_image: str = _BASE_IMAGE
    output_image: str = ""
    image_digest: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())
    bulk: BulkText = "tests"

    @property
    def buildconfig(self) -> str:
        head, _, number = self.build_name.rpartition("-")
        return head if head and number.isdigit() else self.build_name

    def resolved(self) -> LogSpec:
        """This spec with every derived field filled in (what the log actually shows)."""
        return _resolve(self)


_AUTHORS = (
    ("Ada Lovelace", "ada@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Linus Kernel", "linus@example.org"),
    ("Margaret Hamilton", "margaret@example.net"),
    ("Ken Thompson", "ken@example.org"),
)
_MESSAGES = (
    "Merge pull request #{n} from feature/login",
    "Fix flaky test in payment service",
    "Bump requests from 2.31.0 to 2.32.3",
    "Add health endpoint for readiness probe",
    "Refactor order repository (#{n})",
    "Update base image to ubi9/python-311",
)


def _resolve(spec: LogSpec) -> LogSpec:
    rng = random.Random(f"osiris-buildlog:{spec.seed}:identity")
    author_name, author_email = rng.choice(_AUTHORS)
    message = rng.choice(_MESSAGES).format(n=rng.randint(10, 999))
    commit_time = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 86400 * 600))
    digest_seed = hashlib.sha256(f"osiris-buildlog:{spec.seed}:digest".encode()).hexdigest()
    output = spec.output_image or f"{REGISTRY}/{spec.namespace}/{spec.buildconfig}:latest"
    return LogSpec(
        seed=spec.seed,
        size=spec.size,
        namespace=spec.namespace,
        build_name=spec.build_name,
        strategy=spec.strategy,
        succeeded=spec.succeeded,
        git_uri=spec.git_uri,
        git_ref=spec.git_ref,
        commit=spec.commit or hashlib.sha1(f"osiris:{spec.seed}".encode()).hexdigest(),  # noqa: S324 - a fake git id, not security
        commit_message=spec.commit_message or message,
        author_name=spec.author_name or author_name,
        author_email=spec.author_email or author_email,
        commit_time=spec.commit_time or commit_time,
        base_image=spec.base_image,
        output_image=output,
        image_digest=spec.image_digest or f"sha256:{digest_seed}",
        extra=spec.extra,
        bulk=spec.bulk,
    )


def minimum_size(spec: LogSpec) -> int:
    """The smallest log this spec can produce (header and footer, no bulk)."""
    plan = plan_log(spec.resolved())
    return len(plan.header) + len(plan.footer)


def iter_log(spec: LogSpec) -> Iterator[bytes]:
    """Yield the log as byte chunks; exactly ``spec.size`` bytes when that is >= minimum_size."""
    resolved = spec.resolved()
    plan = plan_log(resolved)
    yield plan.header
    yield from bulk_text(
        resolved.seed, resolved.bulk, resolved.size - len(plan.header) - len(plan.footer)
    )
    yield plan.footer


def log_size(spec: LogSpec) -> int:
    """Total bytes of the log, counted while streaming it."""
    return sum(len(chunk) for chunk in iter_log(spec))


def sha256(spec: LogSpec) -> str:
    """Hex SHA-256 of the log, computed while streaming it."""
    digest = hashlib.sha256()
    for chunk in iter_log(spec):
        digest.update(chunk)
    return digest.hexdigest()


def read_all(spec: LogSpec) -> bytes:
    """The whole log in memory: for small logs in tests only."""
    return b"".join(iter_log(spec))


def last_lines(spec: LogSpec, count: int) -> list[str]:
    """The last ``count`` lines (without newlines), read from the footer when it is long enough."""
    plan = plan_log(spec.resolved())
    footer_lines = plan.footer.decode().splitlines()
    if count <= len(footer_lines):
        return footer_lines[len(footer_lines) - count :] if count else []
    return [line.decode() for line in tail_lines(iter_log(spec), count)]


def tail_lines(chunks: Iterable[bytes], count: int) -> list[bytes]:
    """The last ``count`` lines of a chunk stream, holding only as many chunks as needed."""
    if count <= 0:
        return []
    window: deque[bytes] = deque()
    newlines = 0
    for chunk in chunks:
        if not chunk:
            continue
        window.append(chunk)
        newlines += chunk.count(b"\n")
        # Keep just enough chunks to still contain count+1 newlines after dropping the oldest.
        while len(window) > 1 and newlines - window[0].count(b"\n") > count:
            newlines -= window.popleft().count(b"\n")
    text = b"".join(window)
    lines = text.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines[-count:]
