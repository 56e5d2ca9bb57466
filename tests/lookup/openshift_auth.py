"""The AUTH=openshift world the lookup, UI and plugin tests share: the simulated API
server's users (by token) and their rights, the lookup service account's connection to it
from a kubeconfig, and the bearer header a client sends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kubernetes import config as kube_config
from kubernetes.client import Configuration

from osiris.adapters.kube import KubeApi
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.auth import AccessPolicy
from osiris.simulator.auth import User as SimUser

SERVICE_ACCOUNT = "system:serviceaccount:osiris:lookup"
TOKENS = {
    "sa-token": SimUser(SERVICE_ACCOUNT),
    "alice-token": SimUser("alice", uid="a-1", groups=("devs",)),
    "bob-token": SimUser("bob"),
}


def policy() -> AccessPolicy:
    return (
        AccessPolicy()
        .allow(
            SERVICE_ACCOUNT, resources=["tokenreviews", "subjectaccessreviews"], verbs=["create"]
        )
        .allow("alice", namespaces=["shop"], resources=["builds/log"], verbs=["get"])
        .allow("group:devs", namespaces=["web"], resources=["builds/log"], verbs=["get"])
    )


def connector(api: SimulatedApiServer, directory: Path) -> Callable[[], KubeApi]:
    """The lookup service account's connection, from a kubeconfig (server, CA, token).

    The kubeconfig is loaded by path: the kubernetes client reads ``KUBECONFIG`` once,
    when it is first imported, so a per-test environment variable would be ignored.
    """
    path = api.write_kubeconfig(directory / "kubeconfig", token="sa-token")

    def connect() -> KubeApi:
        configuration = Configuration()
        kube_config.load_kube_config(config_file=str(path), client_configuration=configuration)
        return KubeApi(configuration, read_timeout=10.0)

    return connect


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
