"""``kubectl osiris search``: grep-style lines from the archive, counts, JSON, limits, and
the namespaces the caller may not read."""

from __future__ import annotations

import json

from osiris.archive.service import Decision
from osiris.plugin.errors import EXIT_OK
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import World
from tests.support.events import build_event


def archive(world: World) -> None:
    for number, marks in enumerate(([3, 9], [], [1]), start=1):
        log = b"".join(
            (b"npm ERR! code E404" if n in marks else b"step %d ok" % n) + b"\n"
            for n in range(1, 11)
        )
        build = StoredBuild(
            NAMESPACE, f"web-{number}", BASE_TIME + number, "Failed", "web", number, log=log
        )
        store_build(world.store, world.layout, build)


def test_lines_newest_build_first(world: World) -> None:
    archive(world)
    result = world.kubectl("search", "npm ERR! code E\\d+")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout.decode().splitlines() == [
        "web-3:1:npm ERR! code E404",
        "web-1:3:npm ERR! code E404",
        "web-1:9:npm ERR! code E404",
    ]


def test_count_ignore_case_limit_and_json(world: World) -> None:
    archive(world)
    counts = world.kubectl("search", "-c", "-i", "NPM err!")
    assert counts.stdout.decode().splitlines() == ["web-3:1", "web-1:2"]
    limited = world.kubectl("search", "E404", "--limit", "2")
    assert len(limited.stdout.decode().splitlines()) == 2
    listed = json.loads(world.kubectl("search", "E404", "-o", "json").stdout)
    assert listed["kind"] == "List" and [i["line"] for i in listed["items"]] == [1, 3, 9]


def test_bad_pattern_and_forbidden_namespace_print_nothing(world: World) -> None:
    archive(world)
    bad = world.kubectl("search", "(unclosed")
    assert bad.returncode != EXIT_OK and bad.stdout == b"" and b"RE2" in bad.stderr
    store_build(world.store, world.layout, StoredBuild("secret", "app-1", BASE_TIME, log=b"E404\n"))
    denied = world.kubectl("search", "E404", "-n", "secret")
    assert denied.returncode != EXIT_OK and denied.stdout == b""
    assert b"secret" in denied.stderr


def test_taskrun_steps_print_as_taskrun_name_step(world: World) -> None:
    """A TaskRun the real Archiver archived from the simulated cluster, beside a Build."""
    archive(world)
    tekton = world.factory.cluster.tekton
    run = tekton.run_task(NAMESPACE, "lint", steps=("check", "report"), seed=4)
    outcome = world.factory.archiver.handle(build_event(run))
    assert outcome.decision is Decision.ARCHIVED, outcome
    name = run["metadata"]["name"]
    want = [
        f"taskrun/{name}/{step}:{number}:{line.decode()}"
        for step in ("check", "report")
        for number, line in enumerate(tekton.step_log(NAMESPACE, name, step).split(b"\n"), 1)
        if b"checkpoint" in line
    ]
    assert want
    lines = world.kubectl("search", "checkpoint|E404").stdout.decode().splitlines()
    assert lines == [
        *want,
        "web-3:1:npm ERR! code E404",
        "web-1:3:npm ERR! code E404",
        "web-1:9:npm ERR! code E404",
    ]  # the TaskRun is the newest run
    only = world.kubectl("search", "checkpoint|E404", "--kind", "taskrun")
    assert only.stdout.decode().splitlines() == want
    counts = world.kubectl("search", "-c", "checkpoint", "--task", "lint").stdout.decode()
    assert counts.splitlines() == [
        f"taskrun/{name}/{step}:{sum(1 for w in want if f'/{step}:' in w)}"
        for step in ("check", "report")
    ]
