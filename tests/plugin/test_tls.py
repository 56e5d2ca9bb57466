"""The lookup over HTTPS: verified like kubectl verifies (system CAs, or
--certificate-authority), or not at all with --insecure-skip-tls-verify."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from osiris.plugin.errors import EXIT_OK, EXIT_UNREACHABLE
from tests.lookup.archive_data import StoredBuild, store_build
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import World, serve


@pytest.fixture
def https_lookup(world: World) -> Iterator[str]:
    # The simulated API server's self-signed certificate (for 127.0.0.1) serves here too.
    assert world.api.ca_file is not None
    key = world.api.ca_file.with_name("apiserver.key")
    url, server, thread = serve(world.lookup_environment, (str(world.api.ca_file), str(key)))
    try:
        yield url
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        thread.join()


def test_tls_is_verified_like_kubectl(world: World, https_lookup: str) -> None:
    store_build(
        world.store, world.layout, StoredBuild(NAMESPACE, "tls-1", 1_714_560_000, log=b"safe\n")
    )
    refused = world.kubectl("logs", "tls-1", server=https_lookup)  # not a system CA
    assert refused.returncode == EXIT_UNREACHABLE and refused.stdout == b""
    assert https_lookup.encode() in refused.stderr
    assert world.api.ca_file is not None
    trusted = world.kubectl(
        "logs", "tls-1", "--certificate-authority", str(world.api.ca_file), server=https_lookup
    )
    assert trusted.returncode == EXIT_OK, trusted.stderr
    assert trusted.stdout == b"safe\n"
    insecure = world.kubectl("logs", "tls-1", "--insecure-skip-tls-verify", server=https_lookup)
    assert insecure.returncode == EXIT_OK, insecure.stderr
    assert insecure.stdout == b"safe\n"
