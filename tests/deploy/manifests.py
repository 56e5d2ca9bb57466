"""The repository's deployment manifests, loaded and processed the way a user would apply them."""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.template_processing import ProcessedTemplate, process

REPO = Path(__file__).resolve().parents[2]
EVENTING = REPO / "eventing"
OPENSHIFT = REPO / "openshift"
FUNC_YAML = REPO / "func.yaml"
OSIRIS_NAMESPACE = "osiris"
# ApiServerSource's opt-in label (eventing/apiserversource.yaml, docs/deploy.md).
OPT_IN_LABEL = ("osiris.io/archive", "enabled")


class _NoTimestampLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings, as JSON Schema (and func) expects them."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_documents(path: Path) -> list[dict[str, Any]]:
    documents = [
        document
        for document in yaml.load_all(path.read_text(), Loader=_NoTimestampLoader)
        if document is not None
    ]
    for document in documents:
        if not isinstance(document, dict):
            raise TypeError(f"{path}: a document is not a mapping: {document!r}")
    return documents


def manifest_files() -> list[Path]:
    return sorted([*EVENTING.glob("*.yaml"), *OPENSHIFT.glob("*.yaml")])


def eventing_objects() -> list[dict[str, Any]]:
    return [obj for path in sorted(EVENTING.glob("*.yaml")) for obj in load_documents(path)]


def template(name: str) -> dict[str, Any]:
    (document,) = load_documents(OPENSHIFT / name)
    return document


# Parameters a user has to give (or would typically give) for each template. Everything
# else keeps its default, so the defaults are what gets validated.
SAMPLE_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "config-s3.yaml": (
        "BUCKET=build-logs",
        "S3_ENDPOINT=https://rgw.example.com:443",
        "AWS_ACCESS_KEY_ID=AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY=c2VjcmV0LWV4YW1wbGU",
        "CLUSTER_NAME=prod-east",
    ),
    "config-obc.yaml": (),
    "archive.yaml": (),
    "lookup.yaml": (f"OSIRIS_NAMESPACE={OSIRIS_NAMESPACE}",),
    "lookup-oauth-proxy.yaml": (
        f"OSIRIS_NAMESPACE={OSIRIS_NAMESPACE}",
        f"LOOKUP_HOST=osiris-lookup-{OSIRIS_NAMESPACE}.apps.cluster.example.com",
    ),
    "namespace-access.yaml": ("NAMESPACE=team-a", f"OSIRIS_NAMESPACE={OSIRIS_NAMESPACE}"),
    "cluster-access.yaml": (f"OSIRIS_NAMESPACE={OSIRIS_NAMESPACE}",),
    "sweep.yaml": (f"OSIRIS_NAMESPACE={OSIRIS_NAMESPACE}",),
}


@functools.cache
def processed(name: str, arguments: tuple[str, ...] | None = None) -> ProcessedTemplate:
    chosen = SAMPLE_ARGUMENTS[name] if arguments is None else arguments
    return process(template(name), chosen, rng=random.Random(4))


def find(objects: Iterable[Mapping[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [
        dict(obj) for obj in objects if obj["kind"] == kind and obj["metadata"]["name"] == name
    ]
    if len(matches) != 1:
        raise LookupError(f"expected one {kind} {name!r}, found {len(matches)}")
    return matches[0]


def knative_service(template_name: str) -> dict[str, Any]:
    (service,) = [obj for obj in processed(template_name).objects if obj["kind"] == "Service"]
    return service


def only_container(service: Mapping[str, Any]) -> dict[str, Any]:
    (container,) = service["spec"]["template"]["spec"]["containers"]
    return dict(container)


def container_named(service: Mapping[str, Any], name: str) -> dict[str, Any]:
    (container,) = [
        c for c in service["spec"]["template"]["spec"]["containers"] if c["name"] == name
    ]
    return dict(container)


# --------------------------------------------------------------------------- environment


@dataclass(frozen=True)
class Namespace:
    """The ConfigMaps and Secrets a pod's envFrom and volumes can refer to."""

    config_maps: dict[str, dict[str, str]]
    secrets: dict[str, dict[str, str]]
    # ConfigMaps OpenShift's service CA operator fills (annotation inject-cabundle).
    ca_injected: frozenset[str] = frozenset()


INJECT_CA_ANNOTATION = "service.beta.openshift.io/inject-cabundle"


def namespace_from(objects: Iterable[Mapping[str, Any]]) -> Namespace:
    config_maps: dict[str, dict[str, str]] = {}
    secrets: dict[str, dict[str, str]] = {}
    injected = set()
    for obj in objects:
        name = obj["metadata"]["name"]
        if obj["kind"] == "ConfigMap":
            config_maps[name] = dict(obj.get("data") or {})
            annotations = obj["metadata"].get("annotations") or {}
            if annotations.get(INJECT_CA_ANNOTATION) == "true":
                injected.add(name)
        elif obj["kind"] == "Secret":
            secrets[name] = dict(obj.get("stringData") or {})
        elif obj["kind"] == "ObjectBucketClaim":
            config_map, secret = bound_claim_outputs(obj)
            config_maps[name] = config_map
            secrets[name] = secret
    return Namespace(config_maps, secrets, frozenset(injected))


def obc_provisioned_keys() -> dict[str, Any]:
    (document,) = load_documents(
        REPO / "tests" / "data" / "schemas" / "objectbucket" / "obc-provisioned-keys.yaml"
    )
    return document


def bound_claim_outputs(claim: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """What ODF's Ceph RGW provisioner leaves for a Bound claim, per obc-provisioned-keys.yaml.

    The keys come from that file; the values are what Rook sets for an in-cluster RGW: its
    service host, port 443, a bucket named from generateBucketName, and empty region fields.
    """
    facts = obc_provisioned_keys()
    values = {
        "BUCKET_HOST": "rook-ceph-rgw-ocs-storagecluster-cephobjectstore.openshift-storage.svc",
        "BUCKET_NAME": f"{claim['spec'].get('generateBucketName', 'bucket')}-6c8f2a4e-1d0b",
        "BUCKET_PORT": "443",
        "BUCKET_REGION": "",
        "BUCKET_SUBREGION": "",
        "AWS_ACCESS_KEY_ID": "OBCACCESSKEY",
        "AWS_SECRET_ACCESS_KEY": "obc-secret-key",
    }
    config_map = {key: values[key] for key in facts["configMap"]["data"]}
    secret = {key: values[key] for key in facts["secret"]["stringData"]}
    return config_map, secret


def container_environment(
    pod_spec: Mapping[str, Any],
    namespace: Namespace,
    files_root: Path,
    container_name: str | None = None,
) -> dict[str, str]:
    """The environment the kubelet gives the pod's only container (or the one named).

    envFrom sources apply in order (a later source wins), then ``env`` overrides them. Mounted
    ConfigMaps are written below ``files_root`` and environment values naming a file in a
    mount are pointed there, so code that opens such a path finds the projected file.
    """
    (container,) = [c for c in pod_spec["containers"] if container_name in {None, c["name"]}]
    environment: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            environment.update(namespace.config_maps[source["configMapRef"]["name"]])
        else:
            environment.update(namespace.secrets[source["secretRef"]["name"]])
    for variable in container.get("env") or []:
        environment[variable["name"]] = variable.get("value", "")

    volumes = {volume["name"]: volume for volume in pod_spec.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        config_map_name = volumes[mount["name"]]["configMap"]["name"]
        files = dict(namespace.config_maps[config_map_name])
        if config_map_name in namespace.ca_injected:
            files["service-ca.crt"] = "-----BEGIN CERTIFICATE-----\n(service CA)\n"
        directory = files_root / mount["mountPath"].lstrip("/")
        directory.mkdir(parents=True, exist_ok=True)
        for key, content in files.items():
            (directory / key).write_text(content)
        for name, value in environment.items():
            if value.startswith(mount["mountPath"].rstrip("/") + "/"):
                environment[name] = str(files_root / value.lstrip("/"))
    return environment


def func_environment(func: Mapping[str, Any], namespace: Namespace) -> dict[str, str]:
    """The environment ``func deploy`` gives the container for ``run.envs``.

    ``{{ configMap:NAME }}`` / ``{{ secret:NAME }}`` without a name import every key
    (knative/func pkg/functions: regWholeConfigMap / regWholeSecret); named entries are literal
    values here because the manifests use no other form.
    """
    environment: dict[str, str] = {}
    for entry in func["run"]["envs"]:
        value = entry["value"].strip()
        if "name" not in entry:
            kind, _, name = value.strip("{} ").partition(":")
            store = namespace.config_maps if kind == "configMap" else namespace.secrets
            environment.update(store[name.strip()])
        else:
            if "{{" in value:
                raise ValueError(f"unsupported func env reference {value!r}")
            environment[entry["name"]] = value
    return environment
