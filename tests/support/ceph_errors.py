"""The one error the Ceph harness raises when a cluster will not come up."""

from __future__ import annotations


class CephBootError(RuntimeError):
    """The cluster could not be started; the message carries the relevant log tail."""
