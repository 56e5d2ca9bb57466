"""A real one-node Ceph (monitor + in-memory OSD + radosgw) serving S3 on 127.0.0.1.

The suite runs against Ceph's own S3 implementation because it differs from AWS and
from moto in ways osiris depends on (checksum trailers over TLS, short listing
pages, conditional writes, lifecycle). The bootstrap recipe comes from the team's
notes on Ceph 16 (Debian bookworm packages, installed by ``scripts/install-system-deps``).

Everything lives in one working directory: config, keyrings, logs, pid files and a
self-signed certificate. The OSD keeps its objects in RAM (memstore), so nothing
touches a disk and ``stop()`` is instant (SIGKILL, then the directory is removed).

Library use::

    with CephCluster(Path("/tmp/ceph")) as ceph:
        ceph.http_endpoint, ceph.https_endpoint, ceph.ca_bundle
        ceph.access_key, ceph.secret_key, ceph.region

Command line (used by the benchmarks)::

    python -m tests.support.ceph up --dir .ceph-test

boots a cluster in ``.ceph-test``, writes ``.ceph-test/env`` once S3 answers, and
stays in the foreground until SIGINT or SIGTERM, then kills the daemons and removes
the directory. It exits non-zero if a daemon dies meanwhile. ``env`` holds shell
exports, so a benchmark can ``. .ceph-test/env``:

- ``OSIRIS_TEST_S3_ENDPOINT`` (the HTTPS endpoint), ``OSIRIS_TEST_S3_CA_BUNDLE``,
  ``OSIRIS_TEST_S3_ACCESS_KEY``, ``OSIRIS_TEST_S3_SECRET_KEY``, ``OSIRIS_TEST_S3_REGION``
  (the variables ``tests/support/s3.py`` reads, so pytest can reuse the cluster);
- ``OSIRIS_TEST_S3_HTTP_ENDPOINT`` and ``OSIRIS_TEST_S3_HTTPS_ENDPOINT``.

The file appears atomically, only when the cluster is ready: wait for it to exist
(after removing a stale one, e.g. ``rm -rf .ceph-test``, which is safe: the daemons
die with the process that started them, even when it is SIGKILLed).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import json
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

GiB = 1024**3

DEFAULT_ACCESS_KEY = "OSIRISTESTACCESSKEY0"
DEFAULT_SECRET_KEY = "osiris-test-secret-key-0000000000000000000"
S3_USER_ID = "osiris-test"
REGION = "us-east-1"

# Memstore reports this as the device size but allocates only what is stored, so a
# generous figure costs nothing and leaves room for 1 GiB benchmark uploads.
DEFAULT_MEMSTORE_BYTES = 6 * GiB

# Marks a directory as ours, so a leftover from a killed run may be wiped safely.
MARKER_FILE = ".osiris-ceph"

DAEMON_BINARIES = ("ceph-mon", "ceph-osd", "radosgw")
RGW = "client.rgw.a"
REQUIRED_TOOLS = (
    *DAEMON_BINARIES,
    "ceph",
    "ceph-authtool",
    "monmaptool",
    "radosgw-admin",
    "openssl",
)

# Ports come from below Linux's default ephemeral range (32768-60999), where the
# kernel never hands out outgoing connection ports that could steal ours later.
PORT_SEARCH_RANGE = (20000, 32000)
# mon, HTTP, HTTPS, then the messenger range for the OSD (4 sockets) and spares.
PORT_BLOCK_SIZE = 16

COMMAND_TIMEOUT = 30.0
BOOT_TIMEOUT = 60.0
LOG_TAIL_LINES = 40

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

# A UNIX socket path must fit in sun_path (108 bytes with the terminating NUL).
MAX_UNIX_SOCKET_PATH = 100


class CephBootError(RuntimeError):
    """The cluster could not be started; the message carries the relevant log tail."""


@dataclass(frozen=True)
class Ports:
    mon: int
    http: int
    https: int
    messenger_min: int
    messenger_max: int


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def find_free_ports(attempts: int = 200) -> Ports:
    """A block of consecutive free loopback ports, randomly placed to avoid parallel runs."""
    low, high = PORT_SEARCH_RANGE
    for _ in range(attempts):
        base = random.randrange(low, high - PORT_BLOCK_SIZE)
        if all(_port_is_free(port) for port in range(base, base + PORT_BLOCK_SIZE)):
            return Ports(
                mon=base,
                http=base + 1,
                https=base + 2,
                messenger_min=base + 3,
                messenger_max=base + PORT_BLOCK_SIZE - 1,
            )
    raise CephBootError(f"no block of {PORT_BLOCK_SIZE} free ports found in {PORT_SEARCH_RANGE}")


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"<{path} unreadable: {error}>"
    return "\n".join(text.splitlines()[-lines:])


def _process_state(pid: int) -> str | None:
    """The state letter from /proc (``Z`` = zombie), or None once the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is parenthesised and may contain spaces: the state follows ")".
    return stat.rsplit(")", 1)[1].split()[0]


def _is_alive(pid: int) -> bool:
    # A SIGKILLed daemon whose parent does not reap it stays a zombie: it holds no
    # ports or memory any more, so it counts as dead.
    return _process_state(pid) not in (None, "Z")


def _process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _kill_daemons_by_pid_files(run_dir: Path, timeout: float = 10.0) -> None:
    """SIGKILL every daemon whose pid file is in ``run_dir`` and wait until each is dead."""
    pids: list[int] = []
    for pid_file in sorted(run_dir.glob("*.pid")):
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            continue
        # A stale pid file may name an unrelated process that reused the pid.
        if _process_name(pid) not in DAEMON_BINARIES:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        pids.append(pid)
    deadline = time.monotonic() + timeout
    while any(_is_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            survivors = [pid for pid in pids if _is_alive(pid)]
            raise RuntimeError(f"Ceph daemons {survivors} survived SIGKILL for {timeout} s")
        time.sleep(0.02)


def _check_tools() -> None:
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        raise CephBootError(
            f"Ceph tools not found on PATH: {', '.join(missing)}. "
            "Install them with scripts/install-system-deps (Debian: ceph-mon ceph-osd "
            "radosgw ceph-common openssl)."
        )


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
        self._daemons: dict[str, subprocess.Popen[bytes]] = {}
        self._deadline = 0.0

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
        return str(self.workdir / "tls" / "cert.pem")

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
        _check_tools()
        started = time.monotonic()
        self._deadline = started + self.boot_timeout
        self._prepare_workdir()
        try:
            self._write_certificate()
            self._write_config()
            self._bootstrap_monitor()
            self._start_osd()
            self._start_radosgw()
            self._create_s3_user()
        except BaseException:
            self.stop()
            raise
        self.boot_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """SIGKILL the daemons (memstore has nothing to flush) and remove ``workdir``."""
        for process in self._daemons.values():
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        for process in self._daemons.values():
            # Our own children: reap them so they do not linger as zombies.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        self._daemons.clear()
        if not (self.workdir / MARKER_FILE).exists():
            return  # never ours (start() refused it) or already removed
        run_dir = self.workdir / "run"
        if run_dir.is_dir():
            _kill_daemons_by_pid_files(run_dir)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def dead_daemons(self) -> list[str]:
        """Names of daemons that have exited since boot (empty while healthy)."""
        return [name for name, process in self._daemons.items() if process.poll() is not None]

    def log_path(self, name: str) -> Path:
        return self.workdir / "log" / f"{name}.log"

    # -- bootstrap steps --------------------------------------------------------------

    def _prepare_workdir(self) -> None:
        if self.workdir.exists() and any(self.workdir.iterdir()):
            if not (self.workdir / MARKER_FILE).exists():
                raise CephBootError(
                    f"{self.workdir} is not empty and was not made by CephCluster; "
                    "refusing to delete it"
                )
            # A leftover of a run that was killed before it could clean up.
            if (self.workdir / "run").is_dir():
                _kill_daemons_by_pid_files(self.workdir / "run")
            shutil.rmtree(self.workdir)
        for sub in ("run", "log", "tls", "mon/ceph-a", "osd/ceph-0", "rgw"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        (self.workdir / MARKER_FILE).write_text("made by tests/support/ceph.py\n")

    def _write_certificate(self) -> None:
        tls = self.workdir / "tls"
        self._run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(tls / "key.pem"),
                "-out",
                str(tls / "cert.pem"),
            ]
        )

    def _write_config(self) -> None:
        d = self.workdir
        p = self.ports
        admin_socket = str(d / "run" / "$name.asok")
        if len(admin_socket) > MAX_UNIX_SOCKET_PATH:
            # Too long for a UNIX socket; the sockets are a debugging aid only.
            admin_socket = ""
        # tcp_nodelay: with Nagle's algorithm on, beast's second write of a PUT's answer
        # waited for the client's delayed ACK, so every write on a kept-alive connection
        # took 44 ms instead of ~5 (measured; GETs and the first request of a connection
        # were not affected). Production gateways are tuned the same way.
        frontend = (
            f"beast endpoint=127.0.0.1:{p.http} ssl_endpoint=127.0.0.1:{p.https}"
            f" ssl_certificate={d}/tls/cert.pem ssl_private_key={d}/tls/key.pem"
            " tcp_nodelay=1"
        )
        self.conf_path.write_text(
            f"""\
[global]
fsid = {self.fsid}
mon host = v2:127.0.0.1:{p.mon}
mon initial members = a
public addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
ms bind ipv6 = false
ms bind port min = {p.messenger_min}
ms bind port max = {p.messenger_max}
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = {d}/$name.keyring
run dir = {d}/run
admin socket = {admin_socket}
log file = {d}/log/$name.log
pid file = {d}/run/$name.pid
mon data = {d}/mon/$cluster-$id
osd data = {d}/osd/$cluster-$id
# One OSD: every pool has a single replica and placement stays on this host.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
# A nearly full CI disk must not stop the monitor: its store is tiny.
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = {self.memstore_bytes}

[mon]
# Without these each pool creation waits ~1 s for a paxos round (13 s boot instead of 2 s).
paxos propose interval = 0.05
paxos min wait = 0.01

[client.rgw.a]
rgw frontends = {frontend}
rgw data = {d}/rgw
# One lifecycle "day" lasts 10 s, and lifecycle processing may run at any hour.
rgw lc debug interval = 10
rgw lifecycle work time = 00:00-23:59
"""
        )

    def _bootstrap_monitor(self) -> None:
        d = self.workdir
        mon_keyring = d / "mon.keyring"
        admin_keyring = d / "client.admin.keyring"
        self._run(
            [
                "ceph-authtool",
                "--create-keyring",
                str(mon_keyring),
                "--gen-key",
                "-n",
                "mon.",
                "--cap",
                "mon",
                "allow *",
            ]
        )
        self._run(
            [
                "ceph-authtool",
                "--create-keyring",
                str(admin_keyring),
                "--gen-key",
                "-n",
                "client.admin",
                "--cap",
                "mon",
                "allow *",
                "--cap",
                "osd",
                "allow *",
                "--cap",
                "mds",
                "allow *",
                "--cap",
                "mgr",
                "allow *",
            ]
        )
        self._run(["ceph-authtool", str(mon_keyring), "--import-keyring", str(admin_keyring)])
        monmap = d / "monmap"
        self._run(
            [
                "monmaptool",
                "--create",
                "--fsid",
                self.fsid,
                "--addv",
                "a",
                f"[v2:127.0.0.1:{self.ports.mon}]",
                str(monmap),
            ]
        )
        self._run(
            [
                "ceph-mon",
                "--mkfs",
                "-i",
                "a",
                "--monmap",
                str(monmap),
                "--keyring",
                str(mon_keyring),
            ]
        )
        self._spawn("mon.a", ["ceph-mon", "-i", "a"])
        self._wait_until(
            "mon.a", "the monitor to listen", lambda: self._accepts_tcp(self.ports.mon)
        )

    def _start_osd(self) -> None:
        d = self.workdir
        osd_uuid = str(uuid.uuid4())
        secret = self._run(["ceph-authtool", "--gen-print-key"]).strip()
        secret_file = d / "osd-secret.json"
        secret_file.write_text(json.dumps({"cephx_secret": secret}))
        osd_id = self._ceph(
            ["osd", "new", osd_uuid, "-i", str(secret_file)], waiting_for="mon.a"
        ).strip()
        if osd_id != "0":
            raise CephBootError(f"expected the first OSD to get id 0, got {osd_id!r}")
        (d / "osd.0.keyring").write_text(f"[osd.0]\n\tkey = {secret}\n")
        self._run(["ceph-osd", "-i", "0", "--mkfs", "--osd-uuid", osd_uuid], log_name="osd.0")
        self._spawn("osd.0", ["ceph-osd", "-i", "0"])
        self._wait_until("osd.0", "osd.0 to be up", self._osd_is_up)

    def _osd_is_up(self) -> bool:
        dump = json.loads(self._ceph(["osd", "dump", "--format", "json"]))
        return any(osd["osd"] == 0 and osd["up"] == 1 for osd in dump["osds"])

    def _start_radosgw(self) -> None:
        self._ceph(
            [
                "auth",
                "get-or-create",
                "client.rgw.a",
                "mon",
                "allow rw",
                "osd",
                "allow rwx",
                "-o",
                str(self.workdir / "client.rgw.a.keyring"),
            ]
        )
        self._run_radosgw()

    def kill_radosgw(self) -> None:
        """SIGKILL radosgw, as a crash or an OOM kill would (the tests of faults)."""
        process = self._daemons[RGW]
        process.kill()
        process.wait(timeout=10)

    def restart_radosgw(self, timeout: float = 60.0) -> None:
        """Start radosgw again after :meth:`kill_radosgw`; returns once it serves."""
        self._deadline = time.monotonic() + timeout
        self._run_radosgw()

    def _run_radosgw(self) -> None:
        self._spawn(RGW, ["radosgw", "-n", RGW])
        self._wait_until(RGW, "radosgw to answer HTTP", lambda: self._answers(self.http_endpoint))
        self._wait_until(
            "client.rgw.a",
            "radosgw to accept TLS connections",
            lambda: self._accepts_tcp(self.ports.https),
        )

    def _create_s3_user(self) -> None:
        # Only now: creating the user before radosgw listens races with its creation
        # of the default zone.
        self._run(
            [
                "radosgw-admin",
                "user",
                "create",
                f"--uid={S3_USER_ID}",
                "--display-name=osiris tests",
                f"--access-key={self.access_key}",
                f"--secret-key={self.secret_key}",
            ],
            log_name="client.rgw.a",
        )

    # -- helpers ----------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return {**os.environ, "CEPH_CONF": str(self.conf_path)}

    def _timeout_message(self, detail: str) -> str:
        return f"Ceph did not boot within {self.boot_timeout} s: {detail}"

    def _remaining(self) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise CephBootError(self._timeout_message("out of time before the next step"))
        return remaining

    def _run(self, argv: Sequence[str], *, log_name: str | None = None) -> str:
        """Run a tool to completion; failures carry its output and the daemon log."""
        timeout = min(COMMAND_TIMEOUT, self._remaining())
        try:
            result = subprocess.run(
                argv,
                env=self._env(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as error:
            raise CephBootError(
                self._timeout_message(f"{shlex.join(argv)} was still running")
                + self.log_excerpt(log_name)
            ) from error
        if result.returncode != 0:
            raise CephBootError(
                f"{shlex.join(argv)} failed with exit code {result.returncode}:\n"
                f"{result.stdout}{result.stderr}" + self.log_excerpt(log_name)
            )
        return result.stdout

    def _ceph(self, args: Sequence[str], *, waiting_for: str | None = None) -> str:
        # --connect-timeout bounds the wait for the monitor; the CLI otherwise retries forever.
        return self._run(["ceph", "--connect-timeout", "15", *args], log_name=waiting_for)

    def _spawn(self, name: str, argv: Sequence[str]) -> None:
        # Foreground (-f) daemons stay our children, so we notice at once if one dies
        # and can reap it. A new session keeps a terminal's Ctrl-C away from them: the
        # CLI stops them itself, with SIGKILL rather than their slow graceful shutdown.
        # PR_SET_PDEATHSIG: if the test run or the CLI is killed outright (a CI timeout),
        # the kernel kills the daemons too instead of leaving gigabytes of memstore behind.
        die_with_parent = functools.partial(
            ctypes.CDLL(None, use_errno=True).prctl, PR_SET_PDEATHSIG, signal.SIGKILL
        )
        output = (self.workdir / "log" / f"{name}.stdout").open("wb")
        with output:
            self._daemons[name] = subprocess.Popen(
                [*argv, "-f"],
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,  # noqa: PLW1509 - only calls prctl, no locks
            )
        # radosgw writes no pid file when it runs in the foreground; the others write
        # this same pid. stop() and the next run's leftover cleanup rely on the files.
        (self.workdir / "run" / f"{name}.pid").write_text(f"{self._daemons[name].pid}\n")

    def _wait_until(self, name: str, what: str, ready: Callable[[], bool]) -> None:
        while True:
            process = self._daemons[name]
            if process.poll() is not None:
                raise CephBootError(
                    f"{name} exited with code {process.returncode} while waiting for {what}"
                    + self.log_excerpt(name)
                )
            try:
                if ready():
                    return
            except CephBootError:
                raise
            except Exception:  # noqa: BLE001 - not ready yet; the deadline bounds the retries
                pass
            if time.monotonic() > self._deadline:
                raise CephBootError(
                    self._timeout_message(f"still waiting for {what}") + self.log_excerpt(name)
                )
            time.sleep(0.05)

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP status means the frontend is serving
        except OSError:
            return False

    @staticmethod
    def _accepts_tcp(port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        except OSError:
            return False

    def log_excerpt(self, name: str | None) -> str:
        if name is None:
            return ""
        parts = []
        for path in (self.log_path(name), self.workdir / "log" / f"{name}.stdout"):
            if path.exists() and path.stat().st_size > 0:
                parts.append(f"\n--- last lines of {path} ---\n{tail(path)}")
        return "".join(parts)


# -- command line -------------------------------------------------------------------


class _TerminatedError(Exception):
    """Raised from the SIGTERM handler to unwind into the cleanup path."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _TerminatedError(signal.Signals(signum).name)


def write_env_file(cluster: CephCluster) -> Path:
    """Write ``<workdir>/env`` atomically, so its existence means "ready"."""
    target = cluster.workdir / "env"
    partial = target.with_suffix(".partial")
    lines = [f"export {name}={shlex.quote(value)}" for name, value in cluster.env_exports().items()]
    partial.write_text("\n".join(lines) + "\n")
    partial.rename(target)
    return target


def _up(workdir: Path, boot_timeout: float) -> int:
    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python then
    # installs no KeyboardInterrupt handler, so `kill -INT` would otherwise do nothing.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_stop)
    cluster = CephCluster(workdir, boot_timeout=boot_timeout)
    try:
        cluster.start()
        env_file = write_env_file(cluster)
        print(
            f"ceph: ready in {cluster.boot_seconds:.1f} s; S3 at {cluster.http_endpoint} and "
            f"{cluster.https_endpoint}; exports in {env_file}; Ctrl-C or SIGTERM stops it",
            flush=True,
        )
        while not (dead := cluster.dead_daemons()):
            time.sleep(1)
        for name in dead:
            print(f"ceph: {name} died" + cluster.log_excerpt(name), file=sys.stderr, flush=True)
        return 1
    except CephBootError as error:
        print(f"ceph: boot failed: {error}", file=sys.stderr, flush=True)
        return 1
    except _TerminatedError:
        print("ceph: stopping", flush=True)
        return 0
    finally:
        cluster.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.ceph",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="boot a cluster and keep it running until SIGINT/SIGTERM")
    up.add_argument(
        "--dir", type=Path, required=True, help="working directory (created; removed again on exit)"
    )
    up.add_argument(
        "--boot-timeout",
        type=float,
        default=BOOT_TIMEOUT,
        help="seconds to wait for the cluster before giving up (default %(default)s)",
    )
    args = parser.parse_args(argv)
    return _up(args.dir, args.boot_timeout)


if __name__ == "__main__":
    sys.exit(main())
