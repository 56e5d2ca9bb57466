"""The plugin against a lookup whose store is a real Ceph bucket (RGW)."""

from __future__ import annotations

import pytest

from osiris.plugin.errors import EXIT_OK
from tests.maintenance.archived import NAMESPACE
from tests.plugin.conftest import World
from tests.support.s3 import S3Bucket

pytestmark = pytest.mark.s3


@pytest.fixture
def storage_environment(s3_bucket: S3Bucket) -> dict[str, str]:
    return s3_bucket.environ()


def test_logs_and_listing_from_ceph(world: World) -> None:
    pruned = world.factory.build("api", "Complete", log_size=2_000_000)
    world.factory.cluster.delete_build(NAMESPACE, pruned.ref.name)
    kept = world.factory.build("web", "Failed", log_size=50_000)
    result = world.kubectl("logs", f"build/{pruned.ref.name}")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == pruned.log
    listing = world.kubectl("get", "builds", "-o", "name")
    assert listing.stdout.decode().split() == [
        f"build.build.openshift.io/{kept.ref.name}",
        f"build.build.openshift.io/{pruned.ref.name}",
    ]
