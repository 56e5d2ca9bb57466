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
Memory stays flat for any size: the bulk is assembled from a small pool of pre-built
blocks, each prefixed with a unique progress line so no two blocks are equal.
"""

from __future__ import annotations

import hashlib
import random
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal

Strategy = Literal["Docker", "Source"]
# What the long middle of the log is made of: test and compiler output (compresses ~9x),
# or dependency downloads and image layers with their digests (~3.5x, as many real logs).
BulkText = Literal["tests", "digests"]

KiB = 1024
MiB = 1024 * KiB
BLOCK_SIZE = 64 * KiB
_POOL_BLOCKS = 16

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


# --------------------------------------------------------------------------- sections


def _git_date(moment: datetime) -> str:
    # git's default date format, e.g. "Tue Jun 9 13:38:24 2020 +0000"
    return f"{moment:%a %b} {moment.day} {moment:%H:%M:%S %Y} +0000"


def _hex(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(length * 4):0{length}x}"


def _clone_section(spec: LogSpec) -> list[str]:
    assert spec.commit_time is not None
    return [
        f'Cloning "{spec.git_uri}" ...',
        f"\tCommit:\t{spec.commit} ({spec.commit_message})",
        f"\tAuthor:\t{spec.author_name} <{spec.author_email}>",
        f"\tDate:\t{_git_date(spec.commit_time)}",
    ]


def _pull_lines(rng: random.Random, image: str) -> list[str]:
    lines = [f"Trying to pull {image}:latest...", "Getting image source signatures"]
    lines += [f"Copying blob sha256:{_hex(rng, 64)}" for _ in range(rng.randint(2, 4))]
    lines += [f"Copying config sha256:{_hex(rng, 64)}", "Writing manifest to image destination"]
    return lines


_PACKAGES = (
    ("flask", "3.0.3"),
    ("gunicorn", "22.0.0"),
    ("requests", "2.32.3"),
    ("sqlalchemy", "2.0.31"),
    ("psycopg2-binary", "2.9.9"),
    ("pydantic", "2.8.2"),
    ("boto3", "1.34.144"),
    ("botocore", "1.34.144"),
    ("urllib3", "2.2.2"),
    ("certifi", "2024.7.4"),
    ("idna", "3.7"),
    ("charset-normalizer", "3.3.2"),
    ("jinja2", "3.1.4"),
    ("markupsafe", "2.1.5"),
    ("werkzeug", "3.0.3"),
    ("click", "8.1.7"),
    ("itsdangerous", "2.2.0"),
    ("blinker", "1.8.2"),
    ("pytest", "8.2.2"),
    ("packaging", "24.1"),
)


def _pip_lines(rng: random.Random) -> list[str]:
    lines: list[str] = []
    for number, (name, version) in enumerate(_PACKAGES[:12], start=1):
        lines.append(f"Collecting {name}=={version} (from -r requirements.txt (line {number}))")
        kb = rng.randint(20, 900)
        lines.append(f"  Downloading {name.replace('-', '_')}-{version}-py3-none-any.whl ({kb} kB)")
        lines.append(
            f"     ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ {kb}.0/{kb}.0 kB {rng.randint(3, 60)}.{rng.randint(0, 9)} MB/s eta 0:00:00"
        )
    for name, version in _PACKAGES[12:]:
        lines.append(f"Collecting {name}>={version[:3]} (from flask==3.0.3)")
        lines.append(
            f"  Using cached {name.replace('-', '_')}-{version}-py3-none-any.whl.metadata (3.{rng.randint(0, 9)} kB)"
        )
    lines.append(
        "Installing collected packages: " + ", ".join(name for name, _ in reversed(_PACKAGES))
    )
    lines.append("Successfully installed " + " ".join(f"{n}-{v}" for n, v in sorted(_PACKAGES)))
    return lines


def _layer_id(rng: random.Random) -> str:
    return f"--> {_hex(rng, 11)}"


@dataclass(frozen=True)
class _Plan:
    header: bytes
    footer: bytes


_TEST_STEP = "RUN python -m pytest -v --no-header -p no:cacheprovider tests"


def _docker_steps(spec: LogSpec) -> list[str]:
    return [
        f"FROM {spec.base_image}",
        "WORKDIR /opt/app-root/src",
        "COPY requirements.txt .",
        "RUN pip install --no-cache-dir -r requirements.txt",
        "COPY . .",
        _TEST_STEP,
        "ENV APP_MODULE=app:application",
        "EXPOSE 8080",
        'CMD ["gunicorn", "--bind", "0.0.0.0:8080", "app:application"]',
    ]


def _source_steps(spec: LogSpec) -> list[str]:
    return [
        f"FROM {spec.base_image}",
        f'LABEL "io.openshift.build.commit.id"="{spec.commit}" "io.openshift.build.source-location"="{spec.git_uri}"',
        f'ENV OPENSHIFT_BUILD_NAME="{spec.build_name}" OPENSHIFT_BUILD_NAMESPACE="{spec.namespace}" '
        f'OPENSHIFT_BUILD_SOURCE="{spec.git_uri}" OPENSHIFT_BUILD_COMMIT="{spec.commit}"',
        "USER root",
        "COPY upload/src /tmp/src",
        "RUN chown -R 1001:0 /tmp/src",
        "USER 1001",
        "RUN /usr/libexec/s2i/assemble",
        "CMD /usr/libexec/s2i/run",
    ]


def _plan(spec: LogSpec) -> _Plan:
    rng = random.Random(f"osiris-buildlog:{spec.seed}:sections")
    steps = _docker_steps(spec) if spec.strategy == "Docker" else _source_steps(spec)
    total = len(steps)
    bulk_step = 6 if spec.strategy == "Docker" else 8  # the step whose output is the bulk
    head: list[str] = _clone_section(spec)
    head += [
        'time="{}" level=info msg="Not using native diff for overlay, this may cause degraded '
        'performance for building images: kernel has CONFIG_OVERLAY_FS_REDIRECT_DIR enabled"'.format(
            (spec.commit_time or datetime(2024, 1, 1, tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
        'I0101 00:00:00.000000       1 defaults.go:112] Defaulting to storage driver "overlay" '
        "with options [mountopt=metacopy=on].",
        'Caching blobs under "/var/cache/blobs".',
        "",
        f"Pulling image {spec.base_image} ...",
        *_pull_lines(rng, spec.base_image),
        "Adding transient rw bind mount for /run/secrets/rhsm",
    ]
    tail: list[str] = []
    section = head
    for number, step in enumerate(steps, start=1):
        section.append(f"STEP {number}/{total}: {step}")
        if step.startswith("RUN pip install"):
            section += _pip_lines(rng)
        if step == "RUN /usr/libexec/s2i/assemble":
            section += [
                "---> Installing application source ...",
                "---> Upgrading pip to latest version ...",
            ]
            section += _pip_lines(rng)
            section += ["---> Running application tests ..."]
        if number == bulk_step:
            if not spec.succeeded:
                break
            # The bulk goes between this step line and its layer id, so the rest is the footer.
            section = tail
            section.append(_layer_id(rng))
            continue
        if step.startswith(("RUN", "COPY", "WORKDIR", "ENV", "LABEL", "USER", "EXPOSE")):
            section.append(_layer_id(rng))
    if spec.succeeded:
        tail += _success_tail(spec, rng)
    else:
        failing = steps[bulk_step - 1]
        tail += _failure_tail(spec, rng, failing)
    return _Plan(header=_encode(head), footer=_encode(tail))


def _success_tail(spec: LogSpec, rng: random.Random) -> list[str]:
    temp = f"temp.builder.openshift.io/{spec.namespace}/{spec.build_name}:{_hex(rng, 8)}"
    image_id = _hex(rng, 64)
    repo = spec.output_image.rsplit(":", 1)[0]
    lines = [f"COMMIT {temp}", "Getting image source signatures"]
    lines += [f"Copying blob sha256:{_hex(rng, 64)}" for _ in range(3)]
    lines += [
        f"Copying config sha256:{image_id}",
        "Writing manifest to image destination",
        f"--> {image_id[:11]}",
        f"Successfully tagged {temp}",
        image_id,
        "",
        f"Pushing image {spec.output_image} ...",
        "Getting image source signatures",
    ]
    lines += [f"Copying blob sha256:{_hex(rng, 64)}" for _ in range(3)]
    lines += [
        f"Copying config sha256:{image_id}",
        "Writing manifest to image destination",
        f"Successfully pushed {repo}@{spec.image_digest}",
        "Push successful",
    ]
    return lines


def _failure_tail(spec: LogSpec, rng: random.Random, failing_step: str) -> list[str]:
    module = f"tests/test_orders_{rng.randint(1, 40):02d}.py"
    case = f"test_refund_rounding_{rng.randint(1, 99)}"
    return [
        "",
        "=================================== FAILURES ===================================",
        f"__________________________ {case} __________________________",
        "",
        f"    def {case}():",
        "        order = make_order(total=Decimal('10.005'))",
        ">       assert refund(order) == Decimal('10.01')",
        "E       AssertionError: assert Decimal('10.00') == Decimal('10.01')",
        "",
        f"{module}:{rng.randint(20, 300)}: AssertionError",
        "=========================== short test summary info ============================",
        f"FAILED {module}::{case} - AssertionError: assert Decimal('10.00') == Decimal('10.01')",
        f"==================== 1 failed, {rng.randint(800, 4000)} passed in {rng.randint(20, 600)}.{rng.randint(10, 99)}s ====================",
        f'error: build error: building at STEP "{failing_step}": while running runtime: exit status 1',
    ]


def _encode(lines: Iterable[str]) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


# --------------------------------------------------------------------------- bulk


def _pytest_lines(rng: random.Random, budget: int) -> list[str]:
    lines: list[str] = []
    used = 0
    outcomes = ("PASSED", "PASSED", "PASSED", "PASSED", "PASSED", "PASSED", "SKIPPED", "XFAIL")
    module = f"tests/test_{rng.choice(('orders', 'users', 'billing', 'catalog', 'search'))}_{rng.randint(1, 99):02d}.py"
    while used < budget:
        if rng.random() < 0.02:
            module = f"tests/test_{rng.choice(('orders', 'users', 'billing', 'catalog', 'search'))}_{rng.randint(1, 99):02d}.py"
        case = f"test_{rng.choice(('create', 'update', 'delete', 'list', 'refund', 'retry'))}_{rng.choice(('happy_path', 'invalid_input', 'timeout', 'unicode', 'large_payload'))}[{rng.randint(0, 31)}]"
        line = f"{module}::{case} {rng.choice(outcomes)}".ljust(75) + f" [{rng.randint(0, 99):3d}%]"
        lines.append(line)
        used += len(line) + 1
    return lines


def _compile_lines(rng: random.Random, budget: int) -> list[str]:
    lines: list[str] = []
    used = 0
    while used < budget:
        source = f"src/_native/{rng.choice(('codec', 'hashing', 'parser', 'ring'))}_{rng.randint(0, 400)}.c"
        line = (
            "gcc -Wno-unused-result -Wsign-compare -DNDEBUG -g -fwrapv -O2 -Wall -fPIC "
            f"-I/opt/app-root/include -I/usr/include/python3.11 -c {source} "
            f"-o build/temp.linux-x86_64-cpython-311/{source[:-2]}.o"
        )
        lines.append(line)
        used += len(line) + 1
        if rng.random() < 0.1:
            warning = f"{source}:{rng.randint(1, 900)}:{rng.randint(1, 80)}: warning: unused variable 'tmp{rng.randint(0, 9)}' [-Wunused-variable]"
            lines.append(warning)
            used += len(warning) + 1
    return lines


def _digest_lines(rng: random.Random, budget: int) -> list[str]:
    lines: list[str] = []
    used = 0
    while used < budget:
        package = f"{rng.choice(('requests', 'urllib3', 'pydantic', 'grpcio', 'numpy', 'lxml'))}-{rng.randint(0, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}"
        digest = f"{rng.getrandbits(256):064x}"
        kind = rng.random()
        if kind < 0.16:
            line = f"Copying blob sha256:{digest}"
        elif kind < 0.3:
            line = f"  Downloading {package}-py3-none-any.whl ({rng.randint(10, 9000)} kB)"
            line += f"\n  Hash: sha256:{digest}"
        elif kind < 0.55:
            line = f"--> {digest[:12]} STEP {rng.randint(1, 30)}/30: RUN pip install --no-cache-dir -r requirements.txt"
        else:
            line = f"Collecting {package.rsplit('-', 1)[0]}=={package.rsplit('-', 1)[1]} (from -r requirements.txt (line {rng.randint(1, 80)}))"
        lines.append(line)
        used += len(line) + 1
    return lines


@lru_cache(maxsize=8)
def _pool(seed: int, bulk: BulkText) -> tuple[bytes, ...]:
    blocks = []
    for index in range(_POOL_BLOCKS):
        rng = random.Random(f"osiris-buildlog:{seed}:block:{index}")
        if bulk == "digests":
            make = _digest_lines
        else:
            make = _pytest_lines if index % 4 else _compile_lines
        blocks.append(_encode(make(rng, BLOCK_SIZE - 200)))
    return tuple(blocks)


def bulk_text(seed: int, bulk: BulkText, budget: int) -> Iterator[bytes]:
    """Exactly ``budget`` bytes of realistic build output in whole lines, from ``seed``."""
    pool = _pool(seed, bulk)
    rng = random.Random(f"osiris-buildlog:{seed}:order")
    remaining = budget
    index = 0
    while remaining > 0:
        index += 1
        block = (
            b"collected %d items / progress checkpoint %08d\n" % (index * 1000, index)
            + pool[rng.randrange(len(pool))]
        )
        if len(block) <= remaining:
            yield block
            remaining -= len(block)
            continue
        cut = block.rfind(b"\n", 0, remaining) + 1
        gap = remaining - cut
        # The gap is shorter than one line: pad with a blank line of exactly that length.
        yield block[:cut] + (b" " * (gap - 1) + b"\n" if gap else b"")
        return


# --------------------------------------------------------------------------- API


def minimum_size(spec: LogSpec) -> int:
    """The smallest log this spec can produce (header and footer, no bulk)."""
    plan = _plan(spec.resolved())
    return len(plan.header) + len(plan.footer)


def iter_log(spec: LogSpec) -> Iterator[bytes]:
    """Yield the log as byte chunks; exactly ``spec.size`` bytes when that is >= minimum_size."""
    resolved = spec.resolved()
    plan = _plan(resolved)
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
    plan = _plan(spec.resolved())
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
