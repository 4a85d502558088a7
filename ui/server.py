"""The app as a server process, for the browser tests and the app benchmark.

``tests/test_browser*.py`` and ``bench/app_load_bench.py`` both start ``streamlit run
app.py -- --store STORE`` on a free localhost port and drive Debian's Chromium through
Playwright (its own browser download never works on these machines). This module is the
one copy of that harness: the command, the wait for Streamlit's health check, the
shutdown, and Chromium's path and flags.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "MAP_FRAME",
    "ROOT",
    "AppServerError",
    "free_port",
    "running_app",
]

ROOT = Path(__file__).resolve().parents[1]
"""The checkout (where ``app.py`` is)."""

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium, which Playwright drives with ``executable_path``."""

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Flags for a headless Chromium that never calls home."""

MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
"""The selector of the folium map's frame in the page."""


class AppServerError(RuntimeError):
    """The app did not start, or stopped before it answered."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now.

    Returns
    -------
    int
        The port number.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"streamlit exited with status {proc.returncode}; see {log}"
            raise AppServerError(msg)
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    msg = f"streamlit did not answer at {url} within {timeout_s:.0f} s; see {log}"
    raise AppServerError(msg)


@contextlib.contextmanager
def running_app(store: str | Path, log: Path, *, timeout_s: float = 60.0) -> Iterator[str]:
    """Run ``streamlit run app.py -- --store STORE`` until the block ends.

    Parameters
    ----------
    store : str or Path
        The store the app opens.
    log : Path
        File that receives the server's output.
    timeout_s : float
        How long to wait for the server to answer its health check.

    Yields
    ------
    str
        The app's URL, ``http://127.0.0.1:PORT``.

    Raises
    ------
    AppServerError
        If the server exits or does not answer in time.
    """
    if not (ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").exists():
        msg = "static/vendor is empty: run `bash scripts/vendor-assets` (scripts/setup does)"
        raise AppServerError(msg)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless=true",
                "--server.address=127.0.0.1",
                f"--server.port={port}",
                "--server.fileWatcherType=none",
                "--browser.gatherUsageStats=false",
                "--",
                "--store",
                str(store),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, log, timeout_s)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
