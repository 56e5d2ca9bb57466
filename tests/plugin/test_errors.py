"""Each failure: its message on stderr, its documented exit code, nothing on stdout."""

from __future__ import annotations

import socket

from osiris.plugin.errors import (
    EXIT_FORBIDDEN,
    EXIT_LOG_UNAVAILABLE,
    EXIT_NOT_DISCOVERED,
    EXIT_NOT_FOUND,
    EXIT_UNAUTHORIZED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from tests.lookup.archive_data import StoredBuild, store_build
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import LOOKUP_NAMESPACE, World


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_build_that_exists_nowhere(world: World) -> None:
    for args in (["logs", "build/ghost-7"], ["describe", "build/ghost-7"]):
        result = world.kubectl(*args)
        assert result.returncode == EXIT_NOT_FOUND
        assert result.stdout == b""
        message = result.stderr.decode()
        assert '"ghost-7"' in message and f'"{NAMESPACE}"' in message
    bc = world.kubectl("logs", "bc/ghost")
    assert bc.returncode == EXIT_NOT_FOUND and bc.stdout == b"" and b'"ghost"' in bc.stderr


def test_a_log_that_could_not_be_archived(world: World) -> None:
    store_build(
        world.store,
        world.layout,
        StoredBuild(NAMESPACE, "nolog-1", 1_714_560_000, log=None, unavailable_reason="pod gone"),
    )
    result = world.kubectl("logs", "nolog-1")
    assert result.returncode == EXIT_LOG_UNAVAILABLE and result.stdout == b""
    assert b"nolog-1" in result.stderr and b"pod gone" in result.stderr


def test_refused_token_suggests_oc_login(world: World) -> None:
    # The cluster does not know the token either: discovery is not needed with --server.
    result = world.kubectl("logs", "app-1", token="stolen")
    assert result.returncode == EXIT_UNAUTHORIZED and result.stdout == b""
    assert b"oc login" in result.stderr and b"stolen" not in result.stderr
    listing = world.kubectl("get", "builds", token="stolen")  # the cluster refuses it first
    assert listing.returncode == EXIT_UNAUTHORIZED and listing.stdout == b""
    assert b"oc login" in listing.stderr and world.api.url.encode() in listing.stderr


def test_forbidden_namespace_is_named(world: World) -> None:
    world.factory.cluster.create_namespace("secret")
    store_build(world.store, world.layout, StoredBuild("secret", "app-1", 1_714_560_000, log=b"s"))
    for args in (["logs", "app-1", "-n", "secret"], ["get", "builds", "-n", "secret"]):
        result = world.kubectl(*args)
        assert result.returncode == EXIT_FORBIDDEN, (args, result.stderr)
        assert result.stdout == b"" and b'"secret"' in result.stderr


def test_unreachable_lookup_names_the_url_and_its_origin(world: World) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    given = world.kubectl("logs", "app-1", server=url)
    assert given.returncode == EXIT_UNREACHABLE and given.stdout == b""
    assert url.encode() in given.stderr and b"--server" in given.stderr
    world.api.knative.create_service(LOOKUP_NAMESPACE, "osiris-lookup", url=url)
    discovered = world.kubectl("get", "builds", server=None)
    assert discovered.returncode == EXIT_UNREACHABLE and discovered.stdout == b""
    assert url.encode() in discovered.stderr and b"Knative Service" in discovered.stderr


def test_no_lookup_to_discover(world: World) -> None:
    result = world.kubectl("logs", "app-1", server=None)
    assert result.returncode == EXIT_NOT_DISCOVERED and result.stdout == b""
    assert b"osiris-lookup" in result.stderr and b"--server" in result.stderr
    world.api.knative.create_service(LOOKUP_NAMESPACE, "osiris-lookup", url=None)
    not_ready = world.kubectl("logs", "app-1", server=None)
    assert not_ready.returncode == EXIT_NOT_DISCOVERED and b"status.url" in not_ready.stderr


def test_usage_errors(world: World) -> None:
    for args in (["get", "builds", "-A", "-n", NAMESPACE], ["logs"], ["logs", "x", "--tail", "-1"]):
        result = world.kubectl(*args)
        assert result.returncode == EXIT_USAGE and result.stdout == b"", args
        assert b"usage:" in result.stderr
