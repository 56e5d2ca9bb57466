"""The README documents what the code reads, from the one list the code declares."""

from __future__ import annotations

from pathlib import Path

from osiris.config import VARIABLES

ROOT = Path(__file__).resolve().parents[2]


def test_every_variable_is_in_the_readme_configuration_table() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip().strip("`")
        for line in table.splitlines()
        if line.startswith("| `")
    }
    assert rows == {variable.name for variable in VARIABLES}
