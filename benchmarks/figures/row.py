"""One row of the README's Performance table, and how its figures are written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GIB = 1024**3
MIB = 1024**2

JSON = dict[str, Any]


@dataclass(frozen=True)
class Row:
    what: str
    result: str
    goal: str
    met: bool | None = None  # None: a figure without a goal to meet

    def cells(self) -> tuple[str, str, str]:
        verdict = {True: " ✓", False: " (missed)", None: ""}[self.met]
        return self.what, self.result, self.goal + verdict


def times(value: float) -> str:
    return f"{value:.2f}x"


def size_label(size: int) -> str:
    return f"{size // GIB} GiB" if size >= GIB else f"{size // MIB} MiB"


def load_note(data: JSON) -> str:
    load = data.get("load_average")
    return f" (load {load})" if load is not None else ""
