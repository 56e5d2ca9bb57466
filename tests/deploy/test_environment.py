"""The environment the manifests give each function is what osiris.config reads, no more.

The pods' environment is assembled as the kubelet would (envFrom in order, then env, mounted
ConfigMaps as files) from the processed templates, and handed to the real config loaders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from osiris import contract
from osiris.config import (
    VARIABLES,
    ArchiveConfig,
    AuthMode,
    LookupConfig,
    load_archive_config,
    load_lookup_config,
    load_sweep_config,
    variables_for,
)
from tests.deploy import manifests

# What functions-framework itself reads (its CLI options have envvar=...), set per Service.
FRAMEWORK_VARIABLES = {"FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE"}
# Keys a Bound ObjectBucketClaim provides that osiris has no use for (obc-provisioned-keys.yaml).
IGNORED_CLAIM_KEYS = {"BUCKET_SUBREGION"}
CONFIG_TEMPLATES = ("config-s3.yaml", "config-obc.yaml")
FUNCTIONS = {
    contract.ARCHIVE_TARGET: "archive.yaml",
    contract.LOOKUP_TARGET: "lookup.yaml",
    contract.SWEEP_TARGET: "sweep.yaml",
}


def _load(function: str, environment: dict[str, str]) -> ArchiveConfig | LookupConfig:
    if function == contract.SWEEP_TARGET:
        return load_sweep_config(environment).archive
    return (load_archive_config if function == "archive" else load_lookup_config)(environment)


def _declared(function: str) -> set[str]:
    return {variable.name for variable in variables_for(function)}


def _pod_spec(function: str) -> dict[str, Any]:
    return dict(manifests.knative_service(FUNCTIONS[function])["spec"]["template"]["spec"])


def _namespace(config_template: str) -> manifests.Namespace:
    return manifests.namespace_from(manifests.processed(config_template).objects)


def _authored_keys(config_template: str, names: set[str]) -> set[str]:
    """Keys of the ConfigMaps/Secrets the template itself writes (not a provisioner)."""
    keys: set[str] = set()
    for obj in manifests.processed(config_template).objects:
        if obj["kind"] in {"ConfigMap", "Secret"} and obj["metadata"]["name"] in names:
            keys |= set(obj.get("data") or {}) | set(obj.get("stringData") or {})
    return keys


def _env_from_names(pod_spec: dict[str, Any]) -> set[str]:
    (container,) = pod_spec["containers"]
    return {next(iter(source.values()))["name"] for source in container["envFrom"]}


def _service_environment(
    template: str, arguments: tuple[str, ...], config_template: str, tmp_path: Path
) -> dict[str, str]:
    """The environment the kubelet gives the Service of ``template`` with that config."""
    service = next(
        obj for obj in manifests.processed(template, arguments).objects if obj["kind"] == "Service"
    )
    return manifests.container_environment(
        service["spec"]["template"]["spec"], _namespace(config_template), tmp_path
    )


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
@pytest.mark.parametrize("config_template", CONFIG_TEMPLATES)
def test_manifests_set_only_declared_variables(function: str, config_template: str) -> None:
    pod_spec = _pod_spec(function)
    (container,) = pod_spec["containers"]
    explicit = {variable["name"] for variable in container["env"]}
    authored = _authored_keys(config_template, _env_from_names(pod_spec))
    allowed = _declared(function) | FRAMEWORK_VARIABLES
    assert explicit <= allowed, f"{function} sets undeclared {explicit - allowed}"
    assert authored <= allowed, (
        f"{config_template} gives {function} undeclared {authored - allowed}"
    )
    assert explicit >= FRAMEWORK_VARIABLES


def test_a_claim_provides_only_keys_osiris_reads_except_the_subregion() -> None:
    facts = manifests.obc_provisioned_keys()
    provided = set(facts["configMap"]["data"]) | set(facts["secret"]["stringData"])
    declared = {variable.name for variable in VARIABLES}
    assert provided - declared == IGNORED_CLAIM_KEYS


@pytest.mark.parametrize("config_template", CONFIG_TEMPLATES)
@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_required_variables_are_set(function: str, config_template: str, tmp_path: Path) -> None:
    environment = manifests.container_environment(
        _pod_spec(function), _namespace(config_template), tmp_path
    )
    required = {
        variable.name
        for variable in variables_for(function)
        if variable.default.startswith("(required")
    }
    assert required, "osiris.config marks the S3 credentials as required"
    assert all(environment.get(name) for name in required)
    # Where to store: OSIRIS_STORAGE_URL, or an ObjectBucketClaim's BUCKET_NAME.
    assert environment.get("OSIRIS_STORAGE_URL") or environment.get("BUCKET_NAME")


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_s3_config_loads_into_the_functions_settings(function: str, tmp_path: Path) -> None:
    environment = manifests.container_environment(
        _pod_spec(function), _namespace("config-s3.yaml"), tmp_path
    )
    config = _load(function, environment)
    assert config.cluster == "prod-east"
    storage = config.storage
    assert storage.prefix == "osiris"
    assert storage.s3 is not None
    assert storage.s3.bucket == "build-logs"
    assert storage.s3.endpoint_url == "https://rgw.example.com:443"
    assert storage.s3.access_key_id == "AKIAEXAMPLE"
    assert storage.s3.region == "us-east-1"
    assert storage.s3.verify_tls is True
    assert storage.s3.ca_bundle is None  # empty S3_CA_FILE means the system CAs


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_object_bucket_claim_loads_into_the_functions_settings(
    function: str, tmp_path: Path
) -> None:
    environment = manifests.container_environment(
        _pod_spec(function), _namespace("config-obc.yaml"), tmp_path
    )
    config = _load(function, environment)
    storage = config.storage
    assert storage.s3 is not None
    assert storage.s3.bucket == "osiris-6c8f2a4e-1d0b"
    assert storage.s3.endpoint_url == (
        "https://rook-ceph-rgw-ocs-storagecluster-cephobjectstore.openshift-storage.svc:443"
    )
    assert storage.s3.access_key_id == "OBCACCESSKEY"
    assert storage.s3.region == "us-east-1"  # BUCKET_REGION is empty with Ceph RGW
    assert storage.s3.ca_bundle is not None
    assert Path(storage.s3.ca_bundle).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert storage.s3.ca_bundle.endswith("/etc/osiris/ca/service-ca.crt")


def test_archive_tuning_parameters_reach_the_archive_config(tmp_path: Path) -> None:
    arguments = (
        "PART_SIZE_MB=16",
        "UPLOAD_CONCURRENCY=3",
        "COMPRESS_WORKERS=1",
        "GZIP_LEVEL=6",
        "LOG_READ_TIMEOUT=90",
    )
    environment = _service_environment("archive.yaml", arguments, "config-s3.yaml", tmp_path)
    config = load_archive_config(environment)
    assert (
        config.part_size,
        config.upload_concurrency,
        config.compress_workers,
        config.gzip_level,
        config.log_read_timeout,
    ) == (16 * 1024 * 1024, 3, 1, 6, 90.0)


def test_lookup_runs_with_openshift_auth(tmp_path: Path) -> None:
    environment = manifests.container_environment(
        _pod_spec("lookup"), _namespace("config-obc.yaml"), tmp_path
    )
    assert load_lookup_config(environment).auth is AuthMode.OPENSHIFT


def test_func_yaml_gives_archive_the_same_environment_as_the_template(tmp_path: Path) -> None:
    (func,) = manifests.load_documents(manifests.FUNC_YAML)
    for config_template in CONFIG_TEMPLATES:
        namespace = _namespace(config_template)
        from_func = manifests.func_environment(func, namespace)
        from_template = manifests.container_environment(_pod_spec("archive"), namespace, tmp_path)
        # The template also sets the tuning variables, empty (= the code's defaults).
        tuning = {
            name
            for name, value in from_template.items()
            if value == "" and name.startswith("OSIRIS_") and name not in from_func
        }
        assert set(from_func) == set(from_template) - tuning
        assert from_func["FUNCTION_TARGET"] == contract.ARCHIVE_TARGET
        assert set(from_func) <= _declared("archive") | FRAMEWORK_VARIABLES | IGNORED_CLAIM_KEYS


def test_sweep_settings_reach_the_sweep_config(tmp_path: Path) -> None:
    arguments = (
        f"OSIRIS_NAMESPACE={manifests.OSIRIS_NAMESPACE}",
        "NAMESPACE_SELECTOR=kubernetes.io/metadata.name",
        "SWEEP_MAX_BUILDS=25",
        "SWEEP_CONCURRENCY=3",
        "SWEEP_TIME_BUDGET=300",
    )
    environment = _service_environment("sweep.yaml", arguments, "config-obc.yaml", tmp_path)
    config = load_sweep_config(environment)
    assert (
        config.namespace_selector,
        config.max_builds,
        config.concurrency,
        config.time_budget,
    ) == ("kubernetes.io/metadata.name", 25, 3, 300.0)
    assert config.archive.storage.s3 is not None
    assert config.archive.storage.s3.bucket == "osiris-6c8f2a4e-1d0b"
