"""A simulated cluster, the lookup function over real HTTP with OSIRIS_AUTH=openshift,
and the plugin run through Debian's kubectl as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from osiris.adapters.factory import build_store
from osiris.adapters.store import ObjectStore
from osiris.config import load_lookup_config
from osiris.core.keys import KeyLayout
from osiris.entrypoints.lookup import build_app
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.auth import AccessPolicy
from osiris.simulator.auth import User as SimUser
from tests.lookup.openshift_auth import TOKENS
from tests.lookup.openshift_auth import policy as lookup_policy
from tests.maintenance.archived import NAMESPACE, BuildFactory
from tests.plugin.kubectl import debian_kubectl

VENV_BIN = Path(sys.executable).parent
LOOKUP_NAMESPACE = "osiris"
# alice reads shop; admin reads runs in every namespace (for -A).
USERS = {**TOKENS, "admin-token": SimUser("admin")}
TEKTON_RESOURCES = ("taskruns", "pipelineruns", "pods/log")


def policy() -> AccessPolicy:
    """The lookup's service account and alice's rights in shop (cluster reads too: builds,
    Tekton runs and their pods' logs), and alice may read the lookup's Knative Service
    (discovery)."""
    return (
        lookup_policy()
        .allow("alice", namespaces=[NAMESPACE])
        .allow("alice", namespaces=[NAMESPACE], resources=TEKTON_RESOURCES)
        .allow("alice", namespaces=[LOOKUP_NAMESPACE], resources=["services"], verbs=["get"])
        .allow("admin")
        .allow("admin", resources=TEKTON_RESOURCES)
    )


@dataclass
class World:
    factory: BuildFactory
    api: SimulatedApiServer
    store: ObjectStore
    layout: KeyLayout
    lookup_url: str
    home: Path
    lookup_environment: dict[str, str]

    def kubeconfig(self, token: str = "alice-token", namespace: str | None = NAMESPACE) -> Path:
        return self.api.write_kubeconfig(
            self.home / f"kubeconfig-{token}-{namespace}", token=token, namespace=namespace
        )

    def kubectl(
        self,
        *args: str,
        token: str = "alice-token",
        server: str | None = "default",
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """``kubectl osiris ARGS --kubeconfig …``; ``server="default"``: this lookup."""
        return subprocess.run(
            self.kubectl_command(*args, token=token, server=server),
            env=self.kubectl_environment(env),
            capture_output=True,
            timeout=120,
            check=False,
        )

    def kubectl_command(
        self, *args: str, token: str = "alice-token", server: str | None = "default"
    ) -> list[str]:
        extra = ["--kubeconfig", str(self.kubeconfig(token))]
        if server is not None:
            extra += ["--server", self.lookup_url if server == "default" else server]
        return [str(debian_kubectl()), "osiris", *args, *extra]

    def kubectl_environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """What a user's shell gives kubectl: the venv's bin (kubectl-osiris) on PATH."""
        return {
            "PATH": f"{VENV_BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(self.home),
            **(env or {}),
        }


def serve(
    environment: Mapping[str, str], tls: tuple[str, str] | None = None
) -> tuple[str, object, threading.Thread]:
    """The lookup app on 127.0.0.1 (HTTPS with ``tls`` = (certificate, key) files)."""
    server = make_server("127.0.0.1", 0, build_app(environment), threaded=True, ssl_context=tls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    return f"{scheme}://127.0.0.1:{server.server_port}", server, thread


@pytest.fixture
def storage_environment(tmp_path: Path) -> dict[str, str]:
    return {"OSIRIS_STORAGE_URL": (tmp_path / "bucket").as_uri()}


@pytest.fixture
def world(tmp_path: Path, storage_environment: dict[str, str]) -> Iterator[World]:
    home = tmp_path / "home"
    home.mkdir()
    config_env = {**storage_environment, "OSIRIS_CLUSTER": "plugin"}
    config = load_lookup_config(config_env)
    store = build_store(config.storage)
    layout = KeyLayout(config.storage.prefix, config.cluster)
    start = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    factory = BuildFactory(store, layout, start)
    with SimulatedApiServer(factory.cluster, tokens=USERS, policy=policy(), tls=True) as api:
        sa_config = api.write_kubeconfig(tmp_path / "sa-kubeconfig", token="sa-token")
        environment = {**config_env, "OSIRIS_AUTH": "openshift", "KUBECONFIG": str(sa_config)}
        url, server, thread = serve(environment)
        try:
            yield World(factory, api, store, layout, url, home, environment)
        finally:
            server.shutdown()  # type: ignore[attr-defined]
            thread.join()
