"""``CephCluster``: one monitor, one memstore OSD and one radosgw, booted in a directory."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path
from types import TracebackType

from tests.support.ceph_bootstrap import (
    RGW,
    bootstrap_monitor,
    create_s3_user,
    run_radosgw,
    start_osd,
    start_radosgw,
)
from tests.support.ceph_config import ceph_conf
from tests.support.ceph_daemons import Daemons, check_tools
from tests.support.ceph_errors import CephBootError
from tests.support.ceph_ports import find_free_ports
from tests.support.ceph_processes import kill_daemons_by_pid_files
from tests.support.ceph_tls import certificate_path, self_signed_certificate_command

GiB = 1024**3

DEFAULT_ACCESS_KEY = "OSIRISTESTACCESSKEY0"
DEFAULT_SECRET_KEY = "osiris-test-secret-key-0000000000000000000"
REGION = "us-east-1"

# Memstore reports this as the device size but allocates only what is stored, so a
# generous figure costs nothing and leaves room for 1 GiB benchmark uploads.
DEFAULT_MEMSTORE_BYTES = 6 * GiB

# Marks a directory as ours, so a leftover from a killed run may be wiped safely.
MARKER_FILE = ".osiris-ceph"

BOOT_TIMEOUT = 60.0


class CephCluster:
    """One monitor, one memstore OSD and one radosgw, all on 127.0.0.1, in ``workdir``.

    ``workdir`` must be absent, empty, or a leftover of an earlier cluster (which is
    killed and wiped). ``stop()`` kills the daemons and removes ``workdir``.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        access_key: str = DEFAULT_ACCESS_KEY,
        secret_key: str = DEFAULT_SECRET_KEY,
        memstore_bytes: int = DEFAULT_MEMSTORE_BYTES,
        boot_timeout: float = BOOT_TIMEOUT,
    ) -> None:
        self.workdir = workdir.absolute()
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = REGION
        self.memstore_bytes = memstore_bytes
        self.boot_timeout = boot_timeout
        self.ports = find_free_ports()
        self.fsid = str(uuid.uuid4())
        self.boot_seconds: float | None = None
        self._daemons = Daemons(self.workdir, self.conf_path, boot_timeout)

    # -- public surface -------------------------------------------------------------

    @property
    def http_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports.http}"

    @property
    def https_endpoint(self) -> str:
        return f"https://127.0.0.1:{self.ports.https}"

    @property
    def ca_bundle(self) -> str:
        """The self-signed certificate (PEM) that clients must trust for HTTPS."""
        return str(certificate_path(self.workdir / "tls"))

    @property
    def conf_path(self) -> Path:
        return self.workdir / "ceph.conf"

    def env_exports(self) -> dict[str, str]:
        """The variables ``tests/support/s3.py`` and the benchmarks read."""
        return {
            "OSIRIS_TEST_S3_ENDPOINT": self.https_endpoint,
            "OSIRIS_TEST_S3_HTTP_ENDPOINT": self.http_endpoint,
            "OSIRIS_TEST_S3_HTTPS_ENDPOINT": self.https_endpoint,
            "OSIRIS_TEST_S3_CA_BUNDLE": self.ca_bundle,
            "OSIRIS_TEST_S3_ACCESS_KEY": self.access_key,
            "OSIRIS_TEST_S3_SECRET_KEY": self.secret_key,
            "OSIRIS_TEST_S3_REGION": self.region,
        }

    def __enter__(self) -> CephCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> CephCluster:
        """Boot the cluster; on any failure everything started so far is torn down."""
        check_tools()
        started = time.monotonic()
        self._daemons.deadline = started + self.boot_timeout
        self._prepare_workdir()
        try:
            self._daemons.run(self_signed_certificate_command(self.workdir / "tls"))
            self.conf_path.write_text(
                ceph_conf(self.workdir, self.ports, self.fsid, self.memstore_bytes)
            )
            bootstrap_monitor(self._daemons, self.fsid, self.ports.mon)
            start_osd(self._daemons)
            start_radosgw(self._daemons, self.http_endpoint, self.ports.https)
            create_s3_user(self._daemons, self.access_key, self.secret_key)
        except BaseException:
            self.stop()
            raise
        self.boot_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """SIGKILL the daemons (memstore has nothing to flush) and remove ``workdir``."""
        self._daemons.kill_all()
        if not (self.workdir / MARKER_FILE).exists():
            return  # never ours (start() refused it) or already removed
        run_dir = self.workdir / "run"
        if run_dir.is_dir():
            kill_daemons_by_pid_files(run_dir)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def dead_daemons(self) -> list[str]:
        """Names of daemons that have exited since boot (empty while healthy)."""
        return self._daemons.dead()

    def log_path(self, name: str) -> Path:
        return self._daemons.log_path(name)

    def log_excerpt(self, name: str | None) -> str:
        return self._daemons.log_excerpt(name)

    def kill_radosgw(self) -> None:
        """SIGKILL radosgw, as a crash or an OOM kill would (the tests of faults)."""
        self._daemons.kill(RGW)

    def restart_radosgw(self, timeout: float = 60.0) -> None:
        """Start radosgw again after :meth:`kill_radosgw`; returns once it serves."""
        self._daemons.deadline = time.monotonic() + timeout
        run_radosgw(self._daemons, self.http_endpoint, self.ports.https)

    def _prepare_workdir(self) -> None:
        if self.workdir.exists() and any(self.workdir.iterdir()):
            if not (self.workdir / MARKER_FILE).exists():
                raise CephBootError(
                    f"{self.workdir} is not empty and was not made by CephCluster; "
                    "refusing to delete it"
                )
            # A leftover of a run that was killed before it could clean up.
            if (self.workdir / "run").is_dir():
                kill_daemons_by_pid_files(self.workdir / "run")
            shutil.rmtree(self.workdir)
        for sub in ("run", "log", "tls", "mon/ceph-a", "osd/ceph-0", "rgw"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        (self.workdir / MARKER_FILE).write_text("made by tests/support/ceph.py\n")
