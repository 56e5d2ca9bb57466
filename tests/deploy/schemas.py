"""Validators for every kind the deployment manifests contain, built from the real schemas.

CRD kinds (Knative, ObjectBucketClaim) and the OpenShift Template use the files under
``tests/data/schemas``; core Kubernetes kinds use ``kubernetes-validate``'s strict schemas.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "schemas"

# The oldest and a recent Kubernetes behind supported OpenShift releases (4.14 = 1.27).
KUBERNETES_VERSIONS = ("1.27", "1.33")

PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields"

# (apiVersion, kind) -> [(CRD file, version name)]: every schema a kind is checked against.
CRD_KINDS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("serving.knative.dev/v1", "Service"): [("knative-serving/service.yaml", "v1")],
    ("sources.knative.dev/v1", "ApiServerSource"): [
        ("knative-eventing/apiserversource.yaml", "v1")
    ],
    ("sources.knative.dev/v1", "PingSource"): [("knative-eventing/pingsource.yaml", "v1")],
    ("eventing.knative.dev/v1", "Broker"): [("knative-eventing/broker.yaml", "v1")],
    ("eventing.knative.dev/v1", "Trigger"): [("knative-eventing/trigger.yaml", "v1")],
    ("tekton.dev/v1", "TaskRun"): [("tekton/300-taskrun.yaml", "v1")],
    ("tekton.dev/v1", "PipelineRun"): [("tekton/300-pipelinerun.yaml", "v1")],
    ("objectbucket.io/v1alpha1", "ObjectBucketClaim"): [
        ("objectbucket/noobaa-operator/objectbucket.io_objectbucketclaims_crd.yaml", "v1alpha1"),
        ("objectbucket/rook/objectbucket.io_objectbucketclaims.yaml", "v1alpha1"),
    ],
}
TEMPLATE_KIND = ("template.openshift.io/v1", "Template")


class ManifestInvalidError(AssertionError):
    pass


# Keywords whose value maps names to schemas (not a schema itself).
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")


def forbid_unknown_fields(schema: Any) -> Any:
    """A copy of ``schema`` where every object that lists ``properties`` rejects other keys."""
    if isinstance(schema, list):
        return [forbid_unknown_fields(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    tightened: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            tightened[key] = {name: forbid_unknown_fields(sub) for name, sub in value.items()}
        else:
            tightened[key] = forbid_unknown_fields(value)
    if isinstance(schema.get("properties"), dict) and "additionalProperties" not in schema:
        tightened["additionalProperties"] = False
    return tightened


@functools.cache
def _crd_validator(crd_file: str, version: str) -> jsonschema.protocols.Validator:
    crd = yaml.safe_load((SCHEMAS / crd_file).read_text())
    for candidate in crd["spec"]["versions"]:
        if candidate["name"] == version:
            root = copy.deepcopy(candidate["schema"]["openAPIV3Schema"])
            # The API server accepts these on every object whether the CRD lists them or not
            # (the eventing CRDs do not); metadata is checked separately as ObjectMeta.
            root["properties"] = {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": {"type": "object"},
                **root.get("properties", {}),
            }
            schema = forbid_unknown_fields(root)
            jsonschema.Draft7Validator.check_schema(schema)
            return jsonschema.Draft7Validator(schema)
    raise LookupError(f"{crd_file} has no version {version}")


@functools.cache
def _template_validator() -> jsonschema.protocols.Validator:
    document = json.loads((SCHEMAS / "openshift-template" / "template-v1.openapi.json").read_text())
    schema = {
        "definitions": forbid_unknown_fields(document["definitions"]),
        "$ref": "#/definitions/com.github.openshift.api.template.v1.Template",
    }
    return jsonschema.Draft4Validator(schema)


@functools.cache
def func_yaml_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "knative-func" / "func_yaml-schema.json").read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(validator: jsonschema.protocols.Validator, instance: Any) -> Iterator[str]:
    for error in validator.iter_errors(instance):
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        yield f"{where}: {error.message}"


def validate(obj: dict[str, Any]) -> list[str]:
    """Validate one object against every schema of its kind; return the schema names used."""
    kind = (obj.get("apiVersion", ""), obj.get("kind", ""))
    name = f"{kind[1]} {obj.get('metadata', {}).get('name')!r}"
    used: list[str] = []
    if kind in CRD_KINDS:
        for crd_file, version in CRD_KINDS[kind]:
            problems = list(_errors(_crd_validator(crd_file, version), obj))
            if problems:
                raise ManifestInvalidError(
                    f"{name} against {crd_file}:\n  " + "\n  ".join(problems)
                )
            used.append(crd_file)
        # CRD schemas leave metadata untyped; check it as the ObjectMeta it is.
        _validate_core({"apiVersion": "v1", "kind": "ConfigMap", "metadata": obj["metadata"]}, name)
        used.append("ObjectMeta (kubernetes-validate)")
    elif kind == TEMPLATE_KIND:
        problems = list(_errors(_template_validator(), obj))
        if problems:
            raise ManifestInvalidError(
                f"{name} against the Template OpenAPI:\n  " + "\n  ".join(problems)
            )
        used.append("template-v1.openapi.json")
    else:
        _validate_core(obj, name)
        used.append("kubernetes-validate")
    return used


def _validate_core(obj: dict[str, Any], name: str) -> None:
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(copy.deepcopy(obj), version, strict=True)
        except kubernetes_validate.SchemaNotFoundError as exc:
            raise ManifestInvalidError(
                f"{name}: no schema for this kind in Kubernetes {version}"
            ) from exc
        except kubernetes_validate.ValidationError as exc:
            raise ManifestInvalidError(f"{name} (Kubernetes {version}): {exc.message}") from exc
