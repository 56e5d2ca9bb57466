"""Suite-wide setup: the S3 fixtures (real Ceph) and hypothesis settings."""

from hypothesis import settings

pytest_plugins = ["tests.support.s3"]

# Shared 2-core CI machines run Ceph beside the tests: time limits per example only add noise.
settings.register_profile("osiris", deadline=None)
settings.load_profile("osiris")
