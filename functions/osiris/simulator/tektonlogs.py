"""What the step containers of simulated Tekton TaskRuns print. Pure, deterministic.

Each step's log is a few lines typical of its kind (git-clone, buildah, a test runner,
a push), then realistic bulk output up to the requested size, then how it ended: a
failing step ends with the error a user would search for. Generated lazily, so a large
step costs no memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from osiris.simulator.bulktext import bulk_text

REGISTRY = "image-registry.openshift-image-registry.svc:5000"


@dataclass(frozen=True)
class StepLog:
    seed: int
    namespace: str
    task: str
    step: str
    size: int
    failed: bool = False

    @property
    def commit(self) -> str:
        return commit_of(self.seed)


def commit_of(seed: int) -> str:
    return hashlib.sha1(f"osiris-tekton:{seed}".encode()).hexdigest()  # noqa: S324 - a fake git id


def digest_of(seed: int) -> str:
    return "sha256:" + hashlib.sha256(f"osiris-tekton:{seed}:image".encode()).hexdigest()


def _head(spec: StepLog) -> list[str]:
    image = f"{REGISTRY}/{spec.namespace}/{spec.task}:latest"
    if spec.step == "clone":
        return [
            '{"level":"info","msg":"Cloning https://github.com/example/shop.git"}',
            f'{{"level":"info","msg":"Successfully cloned https://github.com/example/shop.git @ {spec.commit} (grafted, HEAD, origin/main) in path /workspace/source"}}',
        ]
    if spec.step == "build":
        return [
            "STEP 1/6: FROM registry.access.redhat.com/ubi9/python-311:latest",
            "Trying to pull registry.access.redhat.com/ubi9/python-311:latest...",
            "Getting image source signatures",
            "STEP 2/6: COPY requirements.txt .",
            "STEP 3/6: RUN pip install -r requirements.txt",
        ]
    if spec.step == "push":
        return [
            f"Pushing {image}",
            "Getting image source signatures",
            "Copying blob sha256:" + hashlib.sha256(spec.task.encode()).hexdigest(),
        ]
    return [f"+ make {spec.step}", "============================= test session starts =="]


def _tail(spec: StepLog) -> list[str]:
    if spec.failed:
        if spec.step == "push":
            return ["Error: pushing image: unauthorized: authentication required"]
        return [
            "FAILED tests/test_cart.py::test_total - AssertionError: assert 41 == 42",
            "=========================== 1 failed, 211 passed in 31.02s ===",
            f"step {spec.step} failed with exit code 1",
        ]
    if spec.step == "build":
        return ["COMMIT", f"--> {digest_of(spec.seed)[7:19]}", "Successfully tagged"]
    if spec.step == "push":
        return ["Writing manifest to image destination", f"{digest_of(spec.seed)}"]
    return [f"step {spec.step} done"]


def iter_step_log(spec: StepLog) -> Iterator[bytes]:
    """The step's log: about ``spec.size`` bytes (never less than its head and tail)."""
    head = "".join(line + "\n" for line in _head(spec)).encode()
    tail = "".join(line + "\n" for line in _tail(spec)).encode()
    yield head
    budget = spec.size - len(head) - len(tail)
    if budget > 0:
        yield from bulk_text(spec.seed, "tests", budget)
    yield tail


def read_step_log(spec: StepLog) -> bytes:
    return b"".join(iter_step_log(spec))
