"""The app under uvicorn on a free loopback port, for the scripts, benchmarks and tests that need a
real server:  proc, base = serve(data_dir, "--workers", "2")  …  proc.terminate()"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(
    data_dir: str | Path, *args: str, timeout: float = 60, root: Path = ROOT
) -> tuple[subprocess.Popen, str]:
    """Start uvicorn (plus command-line `args`) with NATURALLY_DATA_DIR=data_dir and the rest of this
    environment, and return once /healthz answers. `root`: the checkout whose app to serve."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *args,
        ],
        cwd=root,
        env={**os.environ, "NATURALLY_DATA_DIR": str(data_dir)},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"uvicorn did not answer on {base} within {timeout:.0f} s")
