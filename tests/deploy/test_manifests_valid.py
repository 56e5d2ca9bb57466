"""Every manifest parses and every object validates against the real schema of its kind."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.deploy import manifests, schemas
from tests.deploy.template_processing import NON_STRING_PARAMETER, STRING_PARAMETER

MANIFESTS = manifests.manifest_files()
TEMPLATES = sorted(path.name for path in manifests.OPENSHIFT.glob("*.yaml"))


def test_the_expected_manifests_exist() -> None:
    names = {path.relative_to(manifests.REPO).as_posix() for path in MANIFESTS}
    assert names == {
        "eventing/apiserversource.yaml",
        "eventing/apiserversource-all-namespaces.yaml",
        "eventing/apiserversource-tekton.yaml",
        "eventing/apiserversource-tekton-all-namespaces.yaml",
        "eventing/broker.yaml",
        "eventing/pingsource.yaml",
        "eventing/source-rbac.yaml",
        "eventing/triggers.yaml",
        "openshift/archive.yaml",
        "openshift/cluster-access.yaml",
        "openshift/config-obc.yaml",
        "openshift/config-s3.yaml",
        "openshift/lookup.yaml",
        "openshift/lookup-oauth-proxy.yaml",
        "openshift/namespace-access.yaml",
        "openshift/sweep.yaml",
    }
    assert set(TEMPLATES) == set(manifests.SAMPLE_ARGUMENTS)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_every_document_parses_with_kind_and_name(path: Path) -> None:
    documents = manifests.load_documents(path)
    assert documents
    for document in documents:
        assert document["apiVersion"] and document["kind"] and document["metadata"]["name"]


@pytest.mark.parametrize(
    "obj", manifests.eventing_objects(), ids=lambda obj: f"{obj['kind']}-{obj['metadata']['name']}"
)
def test_eventing_objects_validate(obj: dict[str, Any]) -> None:
    assert schemas.validate(obj)
    # Applied with `oc apply -n <osiris namespace>`: nothing may pin another namespace.
    assert "namespace" not in obj["metadata"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_validate_as_templates(name: str) -> None:
    template = manifests.template(name)
    assert template["apiVersion"] == "template.openshift.io/v1"
    assert schemas.validate(template) == ["template-v1.openapi.json"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_processed_templates_validate_object_by_object(name: str) -> None:
    result = manifests.processed(name)
    assert result.objects
    for obj in result.objects:
        schemas.validate(obj)
        assert not _unresolved_references(obj), f"{obj['kind']} keeps {_unresolved_references(obj)}"


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_parameter_is_used_and_every_required_one_is_described(name: str) -> None:
    template = manifests.template(name)
    text = repr(template["objects"]) + repr(template.get("labels", {}))
    for parameter in template.get("parameters", []):
        assert f"${{{parameter['name']}}}" in text or f"${{{{{parameter['name']}}}}}" in text, (
            f"{name}: parameter {parameter['name']} is never referenced by an object"
        )
        assert parameter.get("description", "").strip(), f"{parameter['name']} has no description"
        assert parameter.get("displayName", "").strip(), f"{parameter['name']} has no displayName"
    referenced = {match for match in STRING_PARAMETER.findall(text)}
    declared = {parameter["name"] for parameter in template.get("parameters", [])}
    assert referenced <= declared, f"{name} references undeclared {referenced - declared}"


def test_strict_schemas_reject_a_misspelt_field() -> None:
    """The tightening really bites: one typo per schema family must fail."""
    service = copy.deepcopy(manifests.knative_service("archive.yaml"))
    service["spec"]["template"]["spec"]["containers"][0]["envfrom"] = []
    (source,) = manifests.load_documents(manifests.EVENTING / "apiserversource.yaml")
    source["spec"]["namespaceSelecter"] = source["spec"].pop("namespaceSelector")
    broker = copy.deepcopy(manifests.find(manifests.eventing_objects(), "Broker", "osiris"))
    broker["spec"]["delivery"]["backofPolicy"] = broker["spec"]["delivery"].pop("backoffPolicy")
    claim = copy.deepcopy(
        next(
            obj
            for obj in manifests.processed("config-obc.yaml").objects
            if obj["kind"] == "ObjectBucketClaim"
        )
    )
    claim["spec"]["storageclassName"] = claim["spec"].pop("storageClassName")
    config_map = copy.deepcopy(manifests.processed("config-s3.yaml").objects[0])
    config_map["metadata"]["label"] = {}
    template = copy.deepcopy(manifests.template("lookup.yaml"))
    template["parameters"][0]["require"] = True
    (ping,) = manifests.load_documents(manifests.EVENTING / "pingsource.yaml")
    ping["spec"]["shedule"] = ping["spec"].pop("schedule")
    for broken in (service, source, broker, claim, config_map, template, ping):
        with pytest.raises(schemas.ManifestInvalidError):
            schemas.validate(broken)


def test_func_yaml_validates_against_the_func_schema() -> None:
    (func,) = manifests.load_documents(manifests.FUNC_YAML)
    assert isinstance(func["created"], str)
    errors = sorted(str(error.message) for error in schemas.func_yaml_validator().iter_errors(func))
    assert errors == []
    assert func["specVersion"] == "0.36.0"
    broken = copy.deepcopy(func)
    broken["deploy"]["serviceaccountName"] = broken["deploy"].pop("serviceAccountName")
    assert list(schemas.func_yaml_validator().iter_errors(broken))


def test_number_of_validated_objects(capsys: pytest.CaptureFixture[str]) -> None:
    """Reports how much was validated, and guards against a manifest silently disappearing."""
    eventing = manifests.eventing_objects()
    processed = [obj for name in TEMPLATES for obj in manifests.processed(name).objects]
    for obj in [*eventing, *processed]:
        schemas.validate(obj)
    with capsys.disabled():
        print(
            f"\nvalidated {len(eventing)} eventing objects, {len(TEMPLATES)} templates, "
            f"{len(processed)} processed template objects, and func.yaml"
        )
    # Broker, dead-letter Service, PingSource, 4 ApiServerSources, 2 RBAC, 3 x 3 Triggers.
    assert len(eventing) == 18
    assert len(processed) == 30


def _unresolved_references(node: Any) -> list[str]:
    if isinstance(node, str):
        return STRING_PARAMETER.findall(node) + NON_STRING_PARAMETER.findall(node)
    if isinstance(node, list):
        return [ref for item in node for ref in _unresolved_references(item)]
    if isinstance(node, dict):
        return [
            ref
            for key, value in node.items()
            for ref in _unresolved_references(key) + _unresolved_references(value)
        ]
    return []
