"""Running Ceph's tools and daemons for one cluster, against one ``ceph.conf``.

Every step of a boot shares one deadline, and every failure carries the output and
the log tail that explain it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.support.ceph_errors import CephBootError
from tests.support.ceph_processes import DAEMON_BINARIES, tail

REQUIRED_TOOLS = (
    *DAEMON_BINARIES,
    "ceph",
    "ceph-authtool",
    "monmaptool",
    "radosgw-admin",
    "openssl",
)
COMMAND_TIMEOUT = 30.0

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def check_tools() -> None:
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        raise CephBootError(
            f"Ceph tools not found on PATH: {', '.join(missing)}. "
            "Install them with scripts/install-system-deps (Debian: ceph-mon ceph-osd "
            "radosgw ceph-common openssl)."
        )


class Daemons:
    """The daemons started in ``workdir`` (by name) and the tools run to set them up.

    ``deadline`` (``time.monotonic()``) bounds every tool run and every wait; the
    cluster sets it before a boot or a restart.
    """

    def __init__(self, workdir: Path, conf_path: Path, boot_timeout: float) -> None:
        self.workdir = workdir
        self.conf_path = conf_path
        self.boot_timeout = boot_timeout
        self.deadline = 0.0
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def env(self) -> dict[str, str]:
        return {**os.environ, "CEPH_CONF": str(self.conf_path)}

    def _timeout_message(self, detail: str) -> str:
        return f"Ceph did not boot within {self.boot_timeout} s: {detail}"

    def _remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise CephBootError(self._timeout_message("out of time before the next step"))
        return remaining

    def run(self, argv: Sequence[str], *, log_name: str | None = None) -> str:
        """Run a tool to completion; failures carry its output and the daemon log."""
        timeout = min(COMMAND_TIMEOUT, self._remaining())
        try:
            result = subprocess.run(
                argv,
                env=self.env(),
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

    def ceph(self, args: Sequence[str], *, waiting_for: str | None = None) -> str:
        # --connect-timeout bounds the wait for the monitor; the CLI otherwise retries forever.
        return self.run(["ceph", "--connect-timeout", "15", *args], log_name=waiting_for)

    def spawn(self, name: str, argv: Sequence[str]) -> None:
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
            self.processes[name] = subprocess.Popen(
                [*argv, "-f"],
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,  # noqa: PLW1509 - only calls prctl, no locks
            )
        # radosgw writes no pid file when it runs in the foreground; the others write
        # this same pid. stop() and the next run's leftover cleanup rely on the files.
        (self.workdir / "run" / f"{name}.pid").write_text(f"{self.processes[name].pid}\n")

    def wait_until(self, name: str, what: str, ready: Callable[[], bool]) -> None:
        while True:
            process = self.processes[name]
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
            if time.monotonic() > self.deadline:
                raise CephBootError(
                    self._timeout_message(f"still waiting for {what}") + self.log_excerpt(name)
                )
            time.sleep(0.05)

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.kill()
        process.wait(timeout=10)

    def kill_all(self) -> None:
        """SIGKILL every daemon started here (memstore has nothing to flush) and reap it."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        for process in self.processes.values():
            # Our own children: reap them so they do not linger as zombies.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        self.processes.clear()

    def dead(self) -> list[str]:
        """Names of daemons that have exited since they started (empty while healthy)."""
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def log_path(self, name: str) -> Path:
        return self.workdir / "log" / f"{name}.log"

    def log_excerpt(self, name: str | None) -> str:
        if name is None:
            return ""
        parts = []
        for path in (self.log_path(name), self.workdir / "log" / f"{name}.stdout"):
            if path.exists() and path.stat().st_size > 0:
                parts.append(f"\n--- last lines of {path} ---\n{tail(path)}")
        return "".join(parts)
