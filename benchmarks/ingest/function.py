"""The archive function under test: its environment, its start-up check, one event."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Protocol

import urllib3
from benchmarks.ingest.names import BUCKET, CLUSTER, PREFIX
from benchmarks.ingest.storage import S3Target

from osiris.core.builtin_rules import BUILTIN_RULE_IDS
from osiris.dev.processes import FunctionProcess
from osiris.simulator.source import encode, make_event

# A variant runs without the finding rules (every built-in rule switched off by a rules
# file): "isal-norules" beside "isal" measures what the findings cost while archiving.
NO_RULES = "-norules"


class Kubeconfigured(Protocol):
    """Whatever names the kubeconfig of the simulated API server (a Source, ...)."""

    @property
    def kubeconfig(self) -> str: ...


def function_environ(
    source: Kubeconfigured,
    target: S3Target,
    tls: bool,
    workdir: Path,
    knobs: dict[str, str],
    deflate: str,
) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "KUBECONFIG": source.kubeconfig,
        "OSIRIS_STORAGE_URL": f"s3://{BUCKET}",
        "OSIRIS_S3_ENDPOINT": target.https_endpoint if tls else target.http_endpoint,
        "AWS_ACCESS_KEY_ID": target.access_key,
        "AWS_SECRET_ACCESS_KEY": target.secret_key,
        "OSIRIS_S3_REGION": target.region,
        "OSIRIS_PREFIX": PREFIX,
        "OSIRIS_CLUSTER": CLUSTER,
        # INFO: the start-up line names the deflate implementation (checked below).
        "OSIRIS_LOG_LEVEL": "INFO",
        **knobs,
    }
    implementation, rules_off = deflate.removesuffix(NO_RULES), deflate.endswith(NO_RULES)
    if rules_off:
        rules = workdir / "no-rules.yaml"
        rules.write_text(
            "rules:\n"
            + "".join(f"  - id: {rule}\n    enabled: false\n" for rule in BUILTIN_RULE_IDS)
        )
        env["OSIRIS_RULES_FILE"] = str(rules)
    if implementation == "zlib":
        # The fallback as an interpreter without isal runs it: the import fails.
        shim = workdir / "without-isal" / "isal"
        shim.mkdir(parents=True, exist_ok=True)
        (shim / "__init__.py").write_text('raise ImportError("hidden by the benchmark")\n')
        env["PYTHONPATH"] = str(shim.parent)
    if tls:
        env["OSIRIS_S3_CA_BUNDLE"] = target.ca_bundle
    return env


def started_with(function: FunctionProcess, deflate: str) -> None:
    """Fail unless the function's start-up line names ``deflate``."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in function.output().splitlines():
            if '"archive function ready"' in line:
                named = json.loads(line[line.index("{") :]).get("deflate")
                if named != deflate:
                    raise RuntimeError(f"the function deflates with {named}, not {deflate}")
                return
        time.sleep(0.1)
    raise RuntimeError(f"no start-up line in the function's output:\n{function.output()[-2000:]}")


def post_event(http: urllib3.PoolManager, function: FunctionProcess, build: dict[str, Any]) -> None:
    headers, body = encode(make_event(build, "update"))
    response = http.request(
        "POST", function.url, body=body, headers=headers, timeout=urllib3.Timeout(read=3600)
    )
    if response.status != 200:
        raise RuntimeError(
            f"archive answered {response.status}: {response.data[:300]!r}\n{function.output()[-3000:]}"
        )
