"""Starts the built wsevent-service for the interop tests and stops it afterwards."""

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("WSEVENT_BIN_DIR", ROOT / ".build" / "debug"))


class Service:
    """One wsevent-service process on 127.0.0.1 with a port the OS picked."""

    def __init__(self, *args, port=0):
        self.args = list(args)
        self.log = tempfile.NamedTemporaryFile(prefix="wsevent-interop-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [str(BIN_DIR / "wsevent-service"), "-serve-address", f"127.0.0.1:{port}", *self.args],
            stdout=self.log,
            stderr=self.log,
            stdin=subprocess.DEVNULL,
        )
        self.port = self._wait_for_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def _wait_for_port(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = Path(self.log.name).read_text()
            match = re.search(r"serving ws://[^:]+:(\d+)/", text)
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                raise RuntimeError(f"wsevent-service exited: {text}")
            time.sleep(0.05)
        raise RuntimeError("wsevent-service did not start serving within 30s")

    def kill(self):
        """SIGKILL: the process vanishes mid-stream, its connections reset, nothing flushed."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        Path(self.log.name).unlink(missing_ok=True)
        return self.process.returncode


@pytest.fixture
def start_service():
    """Factory: start_service(*flags, port=0) -> Service; all are stopped after the test."""
    started = []

    def start(*args, port=0):
        service = Service(*args, port=port)
        started.append(service)
        return service

    yield start
    errors = []
    for service in started:
        try:
            service.stop()
        except Exception as error:  # stop the others all the same
            errors.append(error)
    if errors:
        raise errors[0]
