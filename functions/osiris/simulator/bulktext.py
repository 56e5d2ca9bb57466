"""The bulk of a generated log: exactly as many bytes of realistic build output as asked.

Memory stays flat for any size: the bulk is assembled from a small pool of pre-built
blocks, each prefixed with a unique progress line so no two blocks are equal. The build
logs of :mod:`osiris.simulator.buildlogs` and the step logs of
:mod:`osiris.simulator.tektonlogs` are made of it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Literal

# What the long middle of the log is made of: test and compiler output (compresses ~9x),
# or dependency downloads and image layers with their digests (~3.5x, as many real logs).
BulkText = Literal["tests", "digests"]

BLOCK_SIZE = 64 * 1024
_POOL_BLOCKS = 16


def encode_lines(lines: Iterable[str]) -> bytes:
    """The lines as bytes, each ending in a newline."""
    return "".join(f"{line}\n" for line in lines).encode()


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
        blocks.append(encode_lines(make(rng, BLOCK_SIZE - 200)))
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
