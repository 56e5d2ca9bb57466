"""Debian's kubectl (package ``kubernetes-client``), which the plugin tests run.

``scripts/install-system-deps`` installs it, or, when another package owns
/usr/bin/kubectl, extracts it into ``.tools/kubernetes-client/``. A missing kubectl fails
the tests loudly: they are never skipped.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
EXTRACTED = PROJECT / ".tools" / "kubernetes-client" / "usr" / "bin" / "kubectl"


def debian_kubectl() -> Path:
    owner = subprocess.run(
        ["dpkg-query", "-S", "/usr/bin/kubectl"], capture_output=True, text=True, check=False
    )
    if owner.returncode == 0 and owner.stdout.startswith("kubernetes-client:"):
        return Path("/usr/bin/kubectl")
    if EXTRACTED.is_file():
        return EXTRACTED
    raise AssertionError(
        "Debian's kubectl (kubernetes-client) is missing: run scripts/install-system-deps"
    )
