"""Run a function the way its container does: functions-framework in its own process.

Used by ``osiris dev`` and by the integration tests, so both exercise the real HTTP
stack (gunicorn, functions-framework's CloudEvent parsing and status codes).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from osiris.contract import FUNCTION_SOURCE, SIGNATURE_TYPES

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class FunctionProcess:
    """One function served on 127.0.0.1; its output goes to ``log_path``."""

    def __init__(
        self,
        target: str,
        environ: Mapping[str, str],
        log_path: Path,
        *,
        port: int | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.target = target
        self.port = port or free_port()
        self.log_path = log_path
        self._environ = dict(environ)
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FunctionProcess:
        source = PROJECT_ROOT / FUNCTION_SOURCE
        if not source.is_file():
            raise RuntimeError(f"{source} is missing: run osiris from a checkout of the project")
        env = {
            **self._environ,
            "FUNCTION_TARGET": self.target,
            "FUNCTION_SIGNATURE_TYPE": SIGNATURE_TYPES[self.target],
            "FUNCTION_SOURCE": str(source),
            "PYTHONUNBUFFERED": "1",
        }
        command = [sys.executable, "-m", "functions_framework", "--host", "127.0.0.1"]
        command += ["--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"the {self.target} function exited with {self._process.returncode}:\n"
                    + self.output()[-3000:]
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the {self.target} function did not listen within the timeout")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

    def __enter__(self) -> FunctionProcess:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
