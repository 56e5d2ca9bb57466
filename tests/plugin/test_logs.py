"""``kubectl osiris logs``: byte-exact from the archive, --tail, bc/NAME, the cluster's
own log for a build not archived yet."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess

from osiris.plugin.errors import EXIT_OK
from osiris.simulator.buildlogs import read_all
from tests.lookup.archive_data import StoredBuild, store_build
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import World

AWKWARD = b"\x1b[1;32mok\x1b[0m step 1\r\n\xff\xfe not utf-8 \xc3\x28\nlast line, no newline"


def test_archived_log_is_byte_exact(world: World) -> None:
    build = StoredBuild(NAMESPACE, "pruned-1", 1_714_560_000, buildconfig="pruned", log=AWKWARD)
    store_build(world.store, world.layout, build)
    for target in ("build/pruned-1", "pruned-1"):
        result = world.kubectl("logs", target)
        assert result.returncode == EXIT_OK, result.stderr
        assert result.stdout == AWKWARD
        assert result.stderr == b""  # no progress bar: stderr is not a terminal


def test_archiver_written_log_and_tail(world: World) -> None:
    archived = world.factory.build("api", "Complete", log_size=300_000)
    world.factory.cluster.delete_build(NAMESPACE, archived.ref.name)  # pruned
    assert archived.log is not None
    result = world.kubectl("logs", f"build/{archived.ref.name}", "-n", NAMESPACE)
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == archived.log
    tail = world.kubectl("logs", archived.ref.name, "--tail", "3")
    assert tail.stdout == b"".join(archived.log.splitlines(keepends=True)[-3:])


def test_logs_of_a_buildconfig_is_its_latest_build(world: World) -> None:
    world.factory.build("api", "Complete", log_size=5_000)
    newest = world.factory.build("api", "Failed", log_size=7_000)
    world.factory.build("web", "Complete", log_size=6_000)
    world.factory.cluster.delete_build(NAMESPACE, newest.ref.name)
    result = world.kubectl("logs", "bc/api")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == newest.log


def test_a_build_not_archived_yet_comes_from_the_cluster(world: World) -> None:
    obj = world.factory.cluster.start_build(NAMESPACE, "web", outcome="Complete", log_size=9_000)
    name = obj["metadata"]["name"]
    expected = read_all(world.factory.cluster.log_spec(NAMESPACE, name))
    result = world.kubectl("logs", f"build/{name}")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == expected
    tail = world.kubectl("logs", name, "--tail", "2")
    assert tail.stdout == b"".join(expected.splitlines(keepends=True)[-2:])
    # Neither archived nor in the cluster's log path: the lookup was asked first.
    assert any(f"/builds/{name}/log" in r.path for r in world.api.requests)


def test_progress_on_a_terminal_stderr_only_when_stdout_is_redirected(world: World) -> None:
    log = b"x" * 300_000 + b"\n"
    store_build(world.store, world.layout, StoredBuild(NAMESPACE, "big-1", 1_714_560_000, log=log))
    controller, terminal = os.openpty()
    try:
        result = subprocess.run(
            world.kubectl_command("logs", "big-1"),
            env=world.kubectl_environment(),
            stdout=subprocess.PIPE,
            stderr=terminal,
            timeout=120,
            check=False,
        )
        os.close(terminal)
        shown = b""
        with contextlib.suppress(OSError):  # EIO once the terminal side is closed
            while chunk := os.read(controller, 65536):
                shown += chunk
    finally:
        os.close(controller)
    assert result.returncode == EXIT_OK and result.stdout == log  # the log is untouched
    assert b"osiris: 293.0 KiB received" in shown


def test_a_reader_that_stops_early_is_not_an_error(world: World) -> None:
    log = b"".join(b"line %d\n" % n for n in range(200_000))
    store_build(world.store, world.layout, StoredBuild(NAMESPACE, "long-1", 1_714_560_000, log=log))
    command = " ".join(shlex.quote(part) for part in world.kubectl_command("logs", "long-1"))
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{command} | head -n 2"],
        env=world.kubectl_environment(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.stdout == b"line 0\nline 1\n"
    assert result.returncode == EXIT_OK and b"Traceback" not in result.stderr, result.stderr
