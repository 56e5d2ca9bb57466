"""The cluster adapter's log read over the simulated API server's chunked HTTPS, in blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from osiris.adapters.kube import KubeApi
from osiris.buffers import BlockPool
from osiris.errors import TruncatedStreamError
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.buildlogs import read_all
from osiris.simulator.cluster import SimulatedCluster
from osiris.simulator.faults import LogFault

LOG = "/apis/build.openshift.io/v1/namespaces/shop/builds/api-1/log"
BLOCK = 256 * 1024


@pytest.fixture
def api(tmp_path: Path, apiserver: SimulatedApiServer) -> KubeApi:
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig")
    return KubeApi.from_environment(read_timeout=2.0, kubeconfig=str(kubeconfig))


def read_blocks(api: KubeApi, block_size: int | None) -> list[bytes]:
    stream = api.open_stream(LOG, block_size=block_size)
    try:
        return [bytes(chunk) for chunk in stream]
    finally:
        stream.close()


@pytest.mark.parametrize("size", [3 * BLOCK + 12_345, 2 * BLOCK, 5_000])
def test_blocks_are_whole_and_the_bytes_those_served(
    api: KubeApi, cluster: SimulatedCluster, size: int
) -> None:
    cluster.start_build("shop", "api", log_size=size)
    expected = read_all(cluster.log_spec("shop", "api-1"))
    blocks = read_blocks(api, BLOCK)
    assert b"".join(blocks) == expected
    # Every block but the last is exactly block_size (the API server sends 64 KiB chunks).
    assert [len(block) for block in blocks[:-1]] == [BLOCK] * (len(blocks) - 1)
    assert all(blocks)
    assert len(blocks) == -(-len(expected) // BLOCK)
    # The connection went back to the pool in a state fit for the next request.
    assert b"".join(read_blocks(api, None)) == expected


def test_a_cut_stream_in_blocks_raises_truncated(api: KubeApi, cluster: SimulatedCluster) -> None:
    cluster.start_build("shop", "api", log_size=2_000_000)
    cluster.add_log_fault("shop", "api-1", LogFault(cut_after=700_000, times=1))
    received = bytearray()
    stream = api.open_stream(LOG, block_size=BLOCK)
    with pytest.raises(TruncatedStreamError):
        for block in stream:
            received += block
    stream.close()
    assert len(received) <= 700_000
    assert bytes(received) == read_all(cluster.log_spec("shop", "api-1"))[: len(received)]


def test_a_stalled_stream_in_blocks_raises_truncated(
    api: KubeApi, cluster: SimulatedCluster
) -> None:
    cluster.start_build("shop", "api", log_size=1_000_000)
    cluster.add_log_fault("shop", "api-1", LogFault(stall_after=100_000, stall_seconds=5, times=1))
    stream = api.open_stream(LOG, block_size=BLOCK)
    with pytest.raises(TruncatedStreamError):
        list(stream)
    stream.close()


def test_blocks_given_back_are_read_into_again(api: KubeApi, cluster: SimulatedCluster) -> None:
    cluster.start_build("shop", "api", log_size=10 * BLOCK + 777)
    expected = read_all(cluster.log_spec("shop", "api-1"))
    buffers = BlockPool(BLOCK, keep=2)
    received = bytearray()
    stream = api.open_stream(LOG, block_size=BLOCK, buffers=buffers)
    try:
        for block in stream:
            received += block
            buffers.give(block)  # done with it: the next block is read into it
    finally:
        stream.close()
    assert bytes(received) == expected
    assert buffers.made == 1


def test_buffers_of_another_size_are_not_used(api: KubeApi, cluster: SimulatedCluster) -> None:
    cluster.start_build("shop", "api", log_size=3 * BLOCK)
    buffers = BlockPool(BLOCK // 2, keep=2)
    stream = api.open_stream(LOG, block_size=BLOCK, buffers=buffers)
    try:
        assert [len(block) for block in stream] == [BLOCK] * 3
    finally:
        stream.close()
    assert buffers.made == 0
