"""openshift/lookup-oauth-proxy.yaml: the lookup Service behind OpenShift's oauth-proxy.

The generic tests (test_manifests_valid.py) process it and validate every object against
the Knative Serving and core schemas; these check what makes the sidecar work: one port,
the proxy's upstream is the function's loopback port, the token is passed and trusted, the
cookie secret is generated, the OAuth redirect matches, and the rest is lookup.yaml's.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from osiris.config import AuthMode, load_lookup_config, variables_for
from tests.deploy import manifests, schemas
from tests.deploy.template_processing import process

TEMPLATE = "lookup-oauth-proxy.yaml"
HOST = f"osiris-lookup-{manifests.OSIRIS_NAMESPACE}.apps.cluster.example.com"
OBJECTS = manifests.processed(TEMPLATE).objects
SERVICE = manifests.knative_service(TEMPLATE)
POD = SERVICE["spec"]["template"]["spec"]
PROXY = manifests.container_named(SERVICE, "oauth-proxy")
FUNCTION = manifests.container_named(SERVICE, "lookup")
# functions-framework's own options (its CLI has envvar= for each).
FRAMEWORK_VARIABLES = {"FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "HOST", "PORT"}
REDIRECT_PREFIX = "serviceaccounts.openshift.io/oauth-redirecturi."


def _flags(container: dict[str, Any]) -> dict[str, str]:
    """``--name=value`` arguments as a mapping (``--flag`` alone maps to "true")."""
    flags: dict[str, str] = {}
    for argument in container["args"]:
        assert argument.startswith("--"), argument
        name, separator, value = argument[2:].partition("=")
        assert name not in flags, f"{name} given twice"
        flags[name] = value if separator else "true"
    return flags


FLAGS = _flags(PROXY)


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {variable["name"]: variable.get("value", "") for variable in container["env"]}


def test_exactly_one_container_declares_a_port_and_it_is_the_proxy() -> None:
    with_ports = [c["name"] for c in POD["containers"] if c.get("ports")]
    assert with_ports == ["oauth-proxy"]
    (port,) = PROXY["ports"]
    # Knative's port; the proxy listens on it over plain HTTP (TLS ends at the route).
    assert port == {"containerPort": 8080}
    assert FLAGS["http-address"] == ":8080" and FLAGS["https-address"] == ""
    # Knative refuses probes on containers without a port (unless multi-container-probing).
    assert "readinessProbe" not in FUNCTION and "livenessProbe" not in FUNCTION


def test_the_proxys_upstream_is_the_functions_loopback_port() -> None:
    upstream = urlsplit(FLAGS["upstream"])
    env = _env(FUNCTION)
    assert (upstream.scheme, upstream.hostname, upstream.path) == ("http", "localhost", "")
    assert upstream.port == int(env["PORT"]) != PROXY["ports"][0]["containerPort"]
    assert env["HOST"] == "127.0.0.1"  # nothing outside the pod reaches the function


def test_the_function_trusts_the_forwarded_token_with_openshift_auth(tmp_path: Path) -> None:
    env = _env(FUNCTION)
    assert env["OSIRIS_TRUST_FORWARDED_TOKEN"] == "true"
    assert env["OSIRIS_AUTH"] == AuthMode.OPENSHIFT.value
    namespace = manifests.namespace_from(manifests.processed("config-obc.yaml").objects)
    environment = manifests.container_environment(POD, namespace, tmp_path, "lookup")
    config = load_lookup_config(environment)
    assert config.trust_forwarded_token is True and config.auth is AuthMode.OPENSHIFT
    declared = {variable.name for variable in variables_for("lookup")}
    assert set(env) <= declared | FRAMEWORK_VARIABLES


def test_the_proxy_passes_only_the_token_to_the_function() -> None:
    assert FLAGS["provider"] == "openshift"
    assert FLAGS["pass-access-token"] == "true"
    # Defaults true: a Basic Authorization header would win over the forwarded token.
    assert FLAGS["pass-basic-auth"] == "false"
    assert FLAGS["pass-user-headers"] == "false"
    assert "pass-user-bearer-token" not in FLAGS
    # The proxy's login scopes: the function drops exactly these for its review.
    assert FLAGS["scope"] == "user:info user:check-access"
    assert FLAGS["email-domain"] == "*"
    assert "openshift-sar" not in FLAGS  # per-namespace access is the function's decision


def test_bearer_clients_are_delegated_for_any_authenticated_token() -> None:
    delegated = json.loads(FLAGS["openshift-delegate-urls"])
    assert delegated == {
        "/": {
            "group": "authorization.k8s.io",
            "resource": "selfsubjectaccessreviews",
            "verb": "create",
        }
    }


@pytest.mark.parametrize(
    ("path", "skipped"),
    [
        ("/healthz", True),
        ("/readyz", True),
        ("/metrics", True),
        ("/", False),
        ("/api/v1/namespaces", False),
        ("/metricsx", False),
        ("/readyz/../api/v1/namespaces", False),
        ("/x/healthz", False),
    ],
)
def test_only_the_service_routes_skip_the_login(path: str, skipped: bool) -> None:
    # oauth-proxy matches the Go regexp against the path (MatchString: a search).
    assert bool(re.search(FLAGS["skip-auth-regex"], path)) is skipped


def test_probes_reach_the_function_through_the_proxy_without_login() -> None:
    readiness = PROXY["readinessProbe"]["httpGet"]["path"]
    assert readiness == "/readyz" and re.search(FLAGS["skip-auth-regex"], readiness)
    # The proxy's own ping (its --proxy-prefix, /oauth, + /healthz).
    assert PROXY["livenessProbe"]["httpGet"]["path"] == "/oauth/healthz"


def test_the_cookie_secret_is_generated_and_mounted_where_the_proxy_reads_it() -> None:
    (parameter,) = [
        p for p in manifests.template(TEMPLATE)["parameters"] if p["name"] == "COOKIE_SECRET"
    ]
    assert (parameter["generate"], parameter["from"]) == ("expression", "[a-zA-Z0-9]{32}")
    secret = manifests.find(OBJECTS, "Secret", "osiris-lookup-proxy")
    value = secret["stringData"]["cookie-secret"]
    assert re.fullmatch(r"[a-zA-Z0-9]{32}", value)
    other = process(
        manifests.template(TEMPLATE), manifests.SAMPLE_ARGUMENTS[TEMPLATE], rng=random.Random(9)
    )
    assert manifests.find(other.objects, "Secret", "osiris-lookup-proxy") != secret
    # oauth-proxy decodes a base64-looking secret first; either way an AES key size.
    try:
        key = base64.urlsafe_b64decode(value)
    except binascii.Error:
        key = value.encode()
    assert len(key) in {16, 24, 32} and len(value.encode()) in {16, 24, 32}

    (mount,) = PROXY["volumeMounts"]
    (volume,) = [v for v in POD["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == secret["metadata"]["name"]
    assert FLAGS["cookie-secret-file"] == f"{mount['mountPath']}/cookie-secret"


def test_the_oauth_redirect_is_registered_on_the_proxys_service_account() -> None:
    account = manifests.find(OBJECTS, "ServiceAccount", FLAGS["openshift-service-account"])
    assert POD["serviceAccountName"] == account["metadata"]["name"]
    annotations = account["metadata"]["annotations"]
    redirects = [value for key, value in annotations.items() if key.startswith(REDIRECT_PREFIX)]
    assert redirects == [FLAGS["redirect-url"]]
    url = urlsplit(FLAGS["redirect-url"])
    # HTTPS (the OAuth server refuses others for service accounts), the public host, and
    # the proxy's callback path.
    assert (url.scheme, url.hostname, url.path) == ("https", HOST, "/oauth/callback")


def test_everything_else_is_lookup_yaml() -> None:
    plain = manifests.knative_service("lookup.yaml")
    function = copy.deepcopy(FUNCTION)
    added = {"HOST", "PORT", "OSIRIS_TRUST_FORWARDED_TOKEN"}
    function["env"] = [v for v in function["env"] if v["name"] not in added]
    expected = manifests.only_container(plain)
    for probe in ("readinessProbe", "livenessProbe"):
        expected.pop(probe)
    assert function == expected
    assert SERVICE["metadata"] == plain["metadata"]
    assert SERVICE["spec"]["template"]["metadata"] == plain["spec"]["template"]["metadata"]
    for key in ("serviceAccountName", "containerConcurrency"):
        assert POD[key] == plain["spec"]["template"]["spec"][key]
    assert POD["volumes"][:1] == plain["spec"]["template"]["spec"]["volumes"]
    lookup_objects = manifests.processed("lookup.yaml").objects
    binding = "osiris-osiris-lookup-auth-delegator"
    assert manifests.find(OBJECTS, "ClusterRoleBinding", binding) == manifests.find(
        lookup_objects, "ClusterRoleBinding", binding
    )
    account = manifests.find(OBJECTS, "ServiceAccount", "osiris-lookup")
    account["metadata"].pop("annotations")
    assert account == manifests.find(lookup_objects, "ServiceAccount", "osiris-lookup")
    shared = {p["name"]: p for p in manifests.template("lookup.yaml")["parameters"]}
    ours = {p["name"]: p for p in manifests.template(TEMPLATE)["parameters"]}
    assert {name: ours[name] for name in shared} == shared


def test_strict_schemas_reject_a_misspelt_field_in_the_sidecar() -> None:
    service = copy.deepcopy(SERVICE)
    proxy = service["spec"]["template"]["spec"]["containers"][0]
    proxy["arg"] = proxy.pop("args")
    with pytest.raises(schemas.ManifestInvalidError):
        schemas.validate(service)
    assert schemas.validate(SERVICE)
