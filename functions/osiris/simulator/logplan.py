"""The fixed parts of a generated build log around its bulk: the header and the footer.

The header is the ``git-clone`` init container (``Cloning "<uri>" ...`` with commit, author
and date), then the Docker (buildah) or Source (s2i) strategy's ``STEP n/m`` lines with the
dependency installation, up to the step whose output is the bulk. The footer is the rest
of the build: ``COMMIT`` and the image push (``Push successful``), or a realistic test
failure and the build error as the last line. Every random choice comes from
``random.Random`` seeded with a string, so the same spec always gives the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from osiris.simulator.bulktext import encode_lines

if TYPE_CHECKING:
    from osiris.simulator.buildlogs import LogSpec


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
class LogPlan:
    """A log's bytes before and after its bulk."""

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


def plan_log(spec: LogSpec) -> LogPlan:
    """The header and footer of the log of ``spec`` (a resolved spec)."""
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
    return LogPlan(header=encode_lines(head), footer=encode_lines(tail))


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
