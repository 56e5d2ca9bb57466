"""Ceph daemons as processes: whether one lives, killing them by pid file, log tails."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

DAEMON_BINARIES = ("ceph-mon", "ceph-osd", "radosgw")
LOG_TAIL_LINES = 40


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


def kill_daemons_by_pid_files(run_dir: Path, timeout: float = 10.0) -> None:
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
