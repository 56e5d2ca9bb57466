"""The manifests wire up exactly what the code needs, as osiris.contract states it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from osiris import contract
from osiris.config import AuthMode
from osiris.kinds import KINDS, kind_of
from osiris.kinds.base import Kind
from tests.deploy import manifests

EVENTING = manifests.eventing_objects()
ARCHIVE = manifests.processed("archive.yaml").objects
LOOKUP = manifests.processed("lookup.yaml").objects
SWEEP = manifests.processed("sweep.yaml").objects
# Each ApiServerSource: (opt-in file, all-namespaces file).
SOURCE_FILES = {
    "builds": ("apiserversource.yaml", "apiserversource-all-namespaces.yaml"),
    "tekton": ("apiserversource-tekton.yaml", "apiserversource-tekton-all-namespaces.yaml"),
}


def _grants(rules: Iterable[Mapping[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def _contract_grants(permissions: Iterable[contract.Permission]) -> set[tuple[str, str, str]]:
    return {(p.api_group, p.resource, verb) for p in permissions for verb in p.verbs}


def _cluster_role(objects: Iterable[Mapping[str, Any]], name: str) -> dict[str, Any]:
    return manifests.find(objects, "ClusterRole", name)


def _service_account_names(objects: Iterable[Mapping[str, Any]]) -> set[str]:
    return {obj["metadata"]["name"] for obj in objects if obj["kind"] == "ServiceAccount"}


def _bindings(objects: Iterable[Mapping[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """role name -> {(service account, namespace)} over RoleBindings and ClusterRoleBindings."""
    bound: dict[str, set[tuple[str, str]]] = {}
    for obj in objects:
        if obj["kind"] in {"RoleBinding", "ClusterRoleBinding"}:
            assert obj["roleRef"]["kind"] == "ClusterRole"
            for subject in obj["subjects"]:
                assert subject["kind"] == "ServiceAccount"
                bound.setdefault(obj["roleRef"]["name"], set()).add(
                    (subject["name"], subject["namespace"])
                )
    return bound


def _source(file_name: str) -> dict[str, Any]:
    (source,) = manifests.load_documents(manifests.EVENTING / file_name)
    return source


def _watched(kinds: Iterable[Kind]) -> list[dict[str, str]]:
    return [{"apiVersion": kind.api_version, "kind": kind.kind} for kind in kinds]


@pytest.mark.parametrize("file_name", [name for pair in SOURCE_FILES.values() for name in pair])
def test_api_server_sources_watch_their_kinds_in_resource_mode(file_name: str) -> None:
    source = _source(file_name)
    spec = source["spec"]
    assert spec["mode"] == "Resource"  # the archive function needs the whole object
    (watched,) = [w for w in contract.API_SERVER_SOURCES if w.source == source["metadata"]["name"]]
    assert spec["resources"] == _watched(watched.kinds)
    assert all(kind_of(r["apiVersion"], r["kind"]) for r in spec["resources"])
    # One API group per source: a kind the cluster lacks keeps only its own source unready.
    assert len({contract.api_group(r["apiVersion"]) for r in spec["resources"]}) == 1
    assert spec["serviceAccountName"] in _service_account_names(EVENTING)
    broker = manifests.find(EVENTING, "Broker", spec["sink"]["ref"]["name"])
    assert spec["sink"]["ref"]["apiVersion"] == broker["apiVersion"]


def test_the_sources_watch_every_kind_once() -> None:
    watched = [kind for w in contract.API_SERVER_SOURCES for kind in w.kinds]
    assert sorted(watched, key=KINDS.index) == list(KINDS)
    assert len(set(watched)) == len(watched)
    assert {w.source for w in contract.API_SERVER_SOURCES} == {
        _source(opt_in)["metadata"]["name"] for opt_in, _everywhere in SOURCE_FILES.values()
    }


def test_builds_source_watches_builds_and_tekton_source_the_tekton_kinds() -> None:
    assert _source(SOURCE_FILES["builds"][0])["spec"]["resources"] == [
        {"apiVersion": contract.BUILD_API_VERSION, "kind": contract.BUILD_KIND}
    ]
    tekton = [k for k in KINDS if contract.api_group(k.api_version) == "tekton.dev"]
    assert [k.kind for k in tekton] == ["TaskRun", "PipelineRun"]
    for file_name in SOURCE_FILES["tekton"]:
        assert _source(file_name)["spec"]["resources"] == _watched(tekton)


@pytest.mark.parametrize("group", sorted(SOURCE_FILES))
def test_source_variants_differ_only_in_the_namespace_selector(group: str) -> None:
    opt_in, everywhere = (_source(name) for name in SOURCE_FILES[group])
    label, value = manifests.OPT_IN_LABEL
    assert opt_in["spec"].pop("namespaceSelector") == {"matchLabels": {label: value}}
    assert everywhere["spec"].pop("namespaceSelector") == {}  # empty selector: all namespaces
    assert opt_in == everywhere


def test_tekton_source_is_the_builds_source_with_other_kinds() -> None:
    """Same account, mode, selector and sink: the access templates' bindings cover both."""
    builds, tekton = (_source(SOURCE_FILES[group][0]) for group in ("builds", "tekton"))
    for source in (builds, tekton):
        source["metadata"].pop("name")
        source["spec"].pop("resources")
    assert builds == tekton


def test_source_role_grants_exactly_the_source_permissions() -> None:
    role = _cluster_role(EVENTING, "osiris-build-watcher")
    assert _grants(role["rules"]) == _contract_grants(contract.SOURCE_PERMISSIONS)
    watched = {(contract.api_group(k.api_version), k.keys.resource) for k in KINDS}
    assert _grants(role["rules"]) == {
        (group, resource, verb) for group, resource in watched for verb in ("get", "list", "watch")
    }


def test_archive_role_grants_exactly_the_archive_permissions() -> None:
    role = _cluster_role(ARCHIVE, "osiris-build-log-reader")
    assert _grants(role["rules"]) == _contract_grants(contract.ARCHIVE_PERMISSIONS)


def test_archive_and_sweep_read_every_kind_and_its_logs() -> None:
    """The contract itself: every kind of KINDS, and where each kind's logs are served."""
    reads = {(contract.api_group(k.api_version), k.keys.resource) for k in KINDS}
    logs = {("build.openshift.io", "builds/log"), ("", "pods/log")}
    archive = _contract_grants(contract.ARCHIVE_PERMISSIONS)
    sweep = _contract_grants(contract.SWEEP_PERMISSIONS)
    assert archive == {(g, r, "get") for g, r in reads | logs}
    assert sweep == archive | {(g, r, "list") for g, r in reads}


@pytest.mark.parametrize("access_template", ["namespace-access.yaml", "cluster-access.yaml"])
def test_access_templates_bind_each_role_to_the_account_that_uses_it(access_template: str) -> None:
    sources = [_source(opt_in) for opt_in, _everywhere in SOURCE_FILES.values()]
    (account,) = {source["spec"]["serviceAccountName"] for source in sources}
    archive = manifests.knative_service("archive.yaml")
    sweep = manifests.knative_service("sweep.yaml")
    expected = {
        "osiris-build-watcher": {(account, manifests.OSIRIS_NAMESPACE)},
        "osiris-build-log-reader": {
            (archive["spec"]["template"]["spec"]["serviceAccountName"], manifests.OSIRIS_NAMESPACE)
        },
        "osiris-build-sweeper": {
            (sweep["spec"]["template"]["spec"]["serviceAccountName"], manifests.OSIRIS_NAMESPACE)
        },
    }
    objects = manifests.processed(access_template).objects
    assert _bindings(objects) == expected
    if access_template == "namespace-access.yaml":
        assert {obj["kind"] for obj in objects} == {"RoleBinding"}
        assert {obj["metadata"]["namespace"] for obj in objects} == {"team-a"}
    else:
        assert {obj["kind"] for obj in objects} == {"ClusterRoleBinding"}


def test_lookup_account_is_an_auth_delegator_and_nothing_else() -> None:
    service = manifests.knative_service("lookup.yaml")
    account = service["spec"]["template"]["spec"]["serviceAccountName"]
    assert account in _service_account_names(LOOKUP)
    assert _bindings(LOOKUP) == {
        contract.LOOKUP_CLUSTER_ROLE: {(account, manifests.OSIRIS_NAMESPACE)}
    }


def test_triggers_route_every_resource_event_type_of_every_kind_to_archive() -> None:
    triggers = [obj for obj in EVENTING if obj["kind"] == "Trigger"]
    filters = [trigger["spec"]["filter"]["attributes"] for trigger in triggers]
    expected = {
        (kind.kind, event_type) for kind in KINDS for event_type in contract.RESOURCE_EVENT_TYPES
    }
    assert all(set(attributes) == {"type", "kind"} for attributes in filters)
    assert sorted((f["kind"], f["type"]) for f in filters) == sorted(expected)
    assert {f["type"] for f in filters} <= set(contract.ARCHIVE_EVENT_TYPES)
    archive = manifests.knative_service("archive.yaml")
    for trigger in triggers:
        attributes = trigger["spec"]["filter"]["attributes"]
        event = attributes["type"].rsplit(".", 1)[1]
        assert trigger["metadata"]["name"] == f"osiris-archive-{attributes['kind'].lower()}-{event}"
        manifests.find(EVENTING, "Broker", trigger["spec"]["broker"])
        assert trigger["spec"]["subscriber"]["ref"] == {
            "apiVersion": archive["apiVersion"],
            "kind": archive["kind"],
            "name": archive["metadata"]["name"],
        }


def test_broker_delivery_retries_with_backoff_into_a_dead_letter_sink() -> None:
    delivery = manifests.find(EVENTING, "Broker", "osiris")["spec"]["delivery"]
    assert delivery["retry"] >= 3
    assert delivery["backoffPolicy"] == "exponential"  # the webhook allows linear|exponential
    assert re.fullmatch(r"PT\d+(\.\d+)?S", delivery["backoffDelay"])  # ISO-8601 duration
    sink = manifests.find(EVENTING, "Service", delivery["deadLetterSink"]["ref"]["name"])
    annotations = sink["spec"]["template"]["metadata"]["annotations"]
    # Failed events are only visible in the sink's log: it must not scale away.
    assert int(annotations["autoscaling.knative.dev/min-scale"]) >= 1


@pytest.mark.parametrize(
    ("template_name", "target"),
    [
        ("archive.yaml", contract.ARCHIVE_TARGET),
        ("lookup.yaml", contract.LOOKUP_TARGET),
        ("sweep.yaml", contract.SWEEP_TARGET),
    ],
)
def test_services_select_their_function(template_name: str, target: str) -> None:
    env = {
        v["name"]: v.get("value")
        for v in manifests.only_container(manifests.knative_service(template_name))["env"]
    }
    assert env["FUNCTION_TARGET"] == target
    assert env["FUNCTION_SIGNATURE_TYPE"] == contract.SIGNATURE_TYPES[target]


def test_archive_service_is_cluster_local_scales_to_zero_and_allows_long_requests() -> None:
    service = manifests.knative_service("archive.yaml")
    template = service["spec"]["template"]
    assert service["metadata"]["labels"]["networking.knative.dev/visibility"] == "cluster-local"
    assert template["metadata"]["annotations"]["autoscaling.knative.dev/min-scale"] == "0"
    # 600 is Knative's default max-revision-timeout-seconds: the longest allowed without
    # changing the cluster's KnativeServing config.
    assert template["spec"]["timeoutSeconds"] == 600
    resources = manifests.only_container(service)["resources"]
    assert resources["requests"]["memory"] == "192Mi"
    assert resources["limits"]["memory"] == "384Mi"


def test_lookup_service_is_public_scales_to_zero_and_authenticates_with_openshift() -> None:
    service = manifests.knative_service("lookup.yaml")
    template = service["spec"]["template"]
    assert "networking.knative.dev/visibility" not in service["metadata"].get("labels", {})
    assert template["metadata"]["annotations"]["autoscaling.knative.dev/min-scale"] == "0"
    container = manifests.only_container(service)
    env = {v["name"]: v.get("value") for v in container["env"]}
    assert env["OSIRIS_AUTH"] == AuthMode.OPENSHIFT.value
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"]["memory"] == "128Mi"
    assert container["resources"]["limits"]["memory"] == "256Mi"


def test_func_yaml_deploys_the_same_archive_service_as_the_template() -> None:
    (func,) = manifests.load_documents(manifests.FUNC_YAML)
    service = manifests.knative_service("archive.yaml")
    template = service["spec"]["template"]
    container = manifests.only_container(service)
    parameters = {
        p["name"]: p.get("value") for p in manifests.template("archive.yaml")["parameters"]
    }
    assert func["name"] == service["metadata"]["name"]
    assert func["invoke"] == contract.SIGNATURE_TYPES[contract.ARCHIVE_TARGET]
    assert func["image"] == parameters["IMAGE"]
    assert func["deploy"]["serviceAccountName"] == template["spec"]["serviceAccountName"]
    labels = {label["key"]: label["value"] for label in func["deploy"]["labels"]}
    assert labels.items() >= {**service["metadata"]["labels"]}.items()
    options = func["deploy"]["options"]
    assert options["scale"] == {
        "min": int(template["metadata"]["annotations"]["autoscaling.knative.dev/min-scale"]),
        "max": int(template["metadata"]["annotations"]["autoscaling.knative.dev/max-scale"]),
    }
    assert options["resources"]["requests"] == container["resources"]["requests"]
    assert options["resources"]["limits"] == {
        **container["resources"]["limits"],
        "concurrency": template["spec"]["containerConcurrency"],
    }
    assert func["run"]["volumes"] == [
        {"configMap": volume["configMap"]["name"], "path": mount["mountPath"]}
        for volume, mount in zip(
            template["spec"]["volumes"], container["volumeMounts"], strict=True
        )
    ]


def test_sweep_roles_grant_exactly_the_sweep_permissions() -> None:
    namespaced = _cluster_role(SWEEP, "osiris-build-sweeper")
    assert _grants(namespaced["rules"]) == _contract_grants(contract.SWEEP_PERMISSIONS)
    cluster_wide = _cluster_role(SWEEP, "osiris-namespace-lister")
    assert _grants(cluster_wide["rules"]) == _contract_grants(contract.SWEEP_CLUSTER_PERMISSIONS)


def test_sweep_account_lists_namespaces_cluster_wide_and_nothing_else_there() -> None:
    service = manifests.knative_service("sweep.yaml")
    account = service["spec"]["template"]["spec"]["serviceAccountName"]
    assert account in _service_account_names(SWEEP)
    assert {obj["kind"] for obj in SWEEP if "Binding" in obj["kind"]} == {"ClusterRoleBinding"}
    assert _bindings(SWEEP) == {"osiris-namespace-lister": {(account, manifests.OSIRIS_NAMESPACE)}}


def test_ping_source_wakes_the_sweep_service() -> None:
    ping = manifests.find(EVENTING, "PingSource", "osiris-sweep")
    service = manifests.knative_service("sweep.yaml")
    assert ping["spec"]["sink"]["ref"] == {
        "apiVersion": service["apiVersion"],
        "kind": service["kind"],
        "name": service["metadata"]["name"],
    }
    minute, *rest = ping["spec"]["schedule"].split()
    assert minute == "*/10" and rest == ["*", "*", "*", "*"]


def test_sweep_selects_the_sources_namespaces_and_fits_in_one_request() -> None:
    service = manifests.knative_service("sweep.yaml")
    template = service["spec"]["template"]
    env = {v["name"]: v.get("value") for v in manifests.only_container(service)["env"]}
    label, value = manifests.OPT_IN_LABEL
    assert env["OSIRIS_SWEEP_NAMESPACE_SELECTOR"] == f"{label}={value}"
    assert service["metadata"]["labels"]["networking.knative.dev/visibility"] == "cluster-local"
    # One run at a time, and it stops starting builds well before Knative cuts the request.
    assert template["spec"]["containerConcurrency"] == 1
    assert template["metadata"]["annotations"]["autoscaling.knative.dev/max-scale"] == "1"
    assert float(env["OSIRIS_SWEEP_TIME_BUDGET"]) < template["spec"]["timeoutSeconds"]
