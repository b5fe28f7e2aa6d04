"""The 20-line Python backend of docs/AUTH.md, run as written, behind a real wsevent-service."""

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def backend(tmp_path):
    """Extracts the one python block of docs/AUTH.md and runs it on a free port."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "AUTH.md").read_text(), re.S)
    assert len(blocks) == 1, "docs/AUTH.md has one python block: the example backend"
    assert len(blocks[0].strip().splitlines()) <= 20, "the example backend is 20 lines at most"
    script = tmp_path / "backend.py"
    script.write_text(blocks[0])
    port = free_port()
    process = subprocess.Popen([sys.executable, str(script), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            assert time.monotonic() < deadline, "the example backend did not start"
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    process.wait(timeout=10)


def status(url, method="GET", token=None, body=None):
    headers = {"Accept": "text/event-stream", "Content-Type": "text/plain"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(0).decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_documented_backend_decides(start_service, backend):
    # A timeout no loaded machine reaches: the answers, not the backend's speed, are tested here.
    service = start_service("-no-produce", "-create-streams", "-authorize-url", backend, "-authorize-timeout", "30s")
    assert status(f"{service.base}/rooms/1", token="alice-token")[0] == 200
    assert status(f"{service.base}/rooms/2", token="bob-token")[0] == 200
    assert status(f"{service.base}/rooms/1", token="bob-token") == (403, "not allowed\n")
    assert status(f"{service.base}/rooms/1", token="nobody")[0] == 401
    assert status(f"{service.base}/rooms/1")[0] == 401
    assert status(f"{service.base}/rooms/1", method="POST", token="alice-token", body=b"hi")[0] == 200
    assert status(f"{service.base}/rooms/1", method="POST", token="bob-token", body=b"hi")[0] == 403
