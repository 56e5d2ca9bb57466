"""``kubectl osiris get``: the cluster's builds merged with the archive's, one row per uid;
``-o json/yaml/name/wide``; ``describe``; ``completion``; discovery of the lookup."""

from __future__ import annotations

import json
import subprocess

import yaml

from osiris.plugin.errors import EXIT_OK
from tests.lookup.archive_data import StoredBuild, store_build
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import LOOKUP_NAMESPACE, World


def scenario(world: World) -> dict[str, str]:
    """A pruned build (archive only), one archived and still in the cluster (both), one
    Running (cluster only). Returns their names by role."""
    pruned = world.factory.build("api", "Failed", log_size=2_000)
    world.factory.cluster.delete_build(NAMESPACE, pruned.ref.name)
    both = world.factory.build("web", "Complete", log_size=2_000)
    world.factory.clock.advance(30)
    running = world.factory.cluster.start_build(NAMESPACE, "api", run=False)
    name = running["metadata"]["name"]
    world.factory.cluster.advance_build(NAMESPACE, name)  # Pending
    world.factory.cluster.advance_build(NAMESPACE, name)  # Running
    return {"pruned": pruned.ref.name, "both": both.ref.name, "running": name}


def rows(stdout: bytes) -> list[list[str]]:
    return [line.split() for line in stdout.decode().splitlines()]


def test_table_merges_cluster_and_archive_newest_first(world: World) -> None:
    names = scenario(world)
    result = world.kubectl("get", "builds")
    assert result.returncode == EXIT_OK, result.stderr
    table = rows(result.stdout)
    assert table[0] == ["NAME", "TYPE", "STATUS", "STARTED", "DURATION", "ARCHIVED"]
    assert [row[0] for row in table[1:]] == [names["running"], names["both"], names["pruned"]]
    by_name = {row[0]: row for row in table[1:]}
    assert by_name[names["running"]][2] == "Running" and by_name[names["running"]][-1] == "no"
    assert by_name[names["both"]][1:3] == ["Source", "Complete"]
    assert by_name[names["both"]][-1] == "yes"
    assert by_name[names["pruned"]][2] == "Failed" and by_name[names["pruned"]][-1] == "yes"
    assert "\x1b[" not in result.stdout.decode()  # no colour: stdout is not a terminal


def test_filters_and_limit(world: World) -> None:
    names = scenario(world)
    failed = world.kubectl("get", "builds", "--phase", "Failed", "-o", "name")
    assert failed.stdout.decode().split() == [f"build.build.openshift.io/{names['pruned']}"]
    running = world.kubectl("get", "builds", "--phase", "Running", "-o", "name")
    assert running.stdout.decode().split() == [f"build.build.openshift.io/{names['running']}"]
    web = world.kubectl("get", "builds", "--buildconfig", "web", "-o", "name")
    assert web.stdout.decode().split() == [f"build.build.openshift.io/{names['both']}"]
    newest = world.kubectl("get", "builds", "--limit", "2", "-o", "name")
    assert len(newest.stdout.split()) == 2


def test_commit_filter(world: World) -> None:
    built = world.factory.build("api", "Complete", log_size=2_000)
    world.factory.build("web", "Complete", log_size=2_000)
    world.factory.cluster.delete_build(NAMESPACE, built.ref.name)
    assert built.commit is not None
    result = world.kubectl("get", "builds", "--commit", built.commit[:8], "-o", "name")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout.decode().split() == [f"build.build.openshift.io/{built.ref.name}"]


def test_json_yaml_and_wide(world: World) -> None:
    names = scenario(world)
    listed = json.loads(world.kubectl("get", "builds", "-o", "json").stdout)
    assert listed["kind"] == "List" and listed["apiVersion"] == "v1"
    items = {item["name"]: item for item in listed["items"]}
    assert set(items) == set(names.values())
    assert items[names["both"]]["inCluster"] and items[names["both"]]["archived"]
    assert not items[names["pruned"]]["inCluster"] and items[names["pruned"]]["archived"]
    assert items[names["running"]]["phase"] == "Running"
    as_yaml = yaml.safe_load(world.kubectl("get", "builds", "-o", "yaml").stdout)
    assert as_yaml == listed
    wide = rows(world.kubectl("get", "builds", "-o", "wide").stdout)
    assert wide[0][-4:] == ["IN", "CLUSTER", "BUILDCONFIG", "COMMIT"]
    world.factory.cluster.create_namespace("other")
    store_build(
        world.store, world.layout, StoredBuild("other", "elsewhere-1", 1_714_560_000, log=b"x\n")
    )
    every = rows(world.kubectl("get", "builds", "-A", token="admin-token").stdout)
    assert every[0][0] == "NAMESPACE"
    assert sorted((row[0], row[1]) for row in every[1:]) == sorted(
        [("other", "elsewhere-1")] + [(NAMESPACE, name) for name in names.values()]
    )


def test_buildconfigs(world: World) -> None:
    world.factory.build("api", "Complete", log_size=1_000)
    store_build(
        world.store,
        world.layout,
        StoredBuild(NAMESPACE, "gone-1", 1_714_560_000, buildconfig="gone", log=b"x\n"),
    )
    table = rows(world.kubectl("get", "bc").stdout)
    assert table[0] == ["NAME", "TYPE", "LATEST", "IN", "CLUSTER", "ARCHIVED"]
    assert {row[0]: (row[-2], row[-1]) for row in table[1:]} == {
        "api": ("yes", "yes"),
        "web": ("yes", "no"),
        "gone": ("no", "yes"),
    }


def test_describe(world: World) -> None:
    built = world.factory.build("api", "Complete", log_size=4_000)
    result = world.kubectl("describe", f"build/{built.ref.name}")
    assert result.returncode == EXIT_OK, result.stderr
    fields = dict(line.split(":", 1) for line in result.stdout.decode().splitlines() if ":" in line)
    assert fields["Name"].strip() == built.ref.name
    assert fields["UID"].strip() == built.ref.uid
    assert fields["Status"].strip() == "Complete"
    assert fields["Git Commit"].strip() == built.commit
    assert fields["Log"].strip() == "archived"
    assert fields["Log Size"].strip().startswith(f"{len(built.log or b'')} bytes")
    assert len(fields["Log SHA-256"].strip()) == 64
    assert fields["Still In Cluster"].strip() == "yes"


def test_discovery_from_the_knative_service(world: World) -> None:
    world.api.knative.create_service(LOOKUP_NAMESPACE, "osiris-lookup", url=world.lookup_url)
    build = StoredBuild(NAMESPACE, "found-1", 1_714_560_000, log=b"discovered\n")
    store_build(world.store, world.layout, build)
    result = world.kubectl("logs", "found-1", server=None)
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == b"discovered\n"
    asked = [r for r in world.api.requests if "serving.knative.dev" in r.path]
    assert asked and asked[0].status == 200 and asked[0].user == "alice"
    # OSIRIS_LOOKUP_URL wins over discovery; --server over both.
    world.api.knative.delete_service(LOOKUP_NAMESPACE, "osiris-lookup")
    by_env = world.kubectl(
        "logs", "found-1", server=None, env={"OSIRIS_LOOKUP_URL": world.lookup_url}
    )
    assert by_env.stdout == b"discovered\n"


def test_completion(world: World) -> None:
    for shell in ("bash", "zsh"):
        result = world.kubectl("completion", shell, server=None)
        assert result.returncode == EXIT_OK, result.stderr
        assert b"kubectl-osiris" in result.stdout and b"logs" in result.stdout
    script = world.kubectl("completion", "bash", server=None).stdout
    # The bash script parses, and completes the commands and -o's values.
    probe = (
        script
        + b'\nCOMP_WORDS=(kubectl-osiris ""); COMP_CWORD=1; _kubectl_osiris; echo "${COMPREPLY[*]}"'
        + b'\nCOMP_WORDS=(kubectl-osiris get -o ""); COMP_CWORD=3; _kubectl_osiris; echo "${COMPREPLY[*]}"\n'
    )
    completed = subprocess.run(["bash", "-c", probe.decode()], capture_output=True, check=True)
    assert completed.stdout.decode().splitlines() == [
        "logs get describe completion",
        "wide json yaml name",
    ]
