"""Benchmark of the app: from page load to the map drawn, on the Bình Định demo.

Run (after ``bash scripts/setup``; needs Debian's chromium at /usr/bin/chromium)::

    .venv/bin/python bench/app_load_bench.py [--store STORE.gpkg | --base ../shared/data] [--runs 5]

It starts ``streamlit run app.py`` on a free localhost port with the store (without
``--store`` it builds the demo from ``--base`` into a temporary folder), then opens the
Map page (``/?page=map``) in headless Chromium through Playwright and times, from
navigation to the map drawn (Leaflet's container, its canvas and the layer control in the
map's frame):

* **cold**: the first load after the server starts, which also reads the store and
  computes the coverage (Streamlit caches them for every later session);
* **warm**: ``--runs`` further loads, each in a fresh browser context (no browser cache),
  as a second official opening the app.

It prints the machine, the payload (bytes the server sent over the WebSocket, the map
frame's HTML, and the HTTP assets), whether any request left for another host (none
should: the map is drawn offline), and the target: warm median under 5 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Response, Route, WebSocket

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.server import CHROMIUM, CHROMIUM_ARGS, MAP_FRAME, running_app  # noqa: E402 - after the path

TARGET_S = 5.0


def machine(browser_version: str) -> str:
    """Describe the machine and the versions that matter here."""

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    cpu = platform.processor() or platform.machine()
    try:
        with Path("/proc/cpuinfo").open() as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        with Path("/proc/meminfo").open() as fh:
            kib = int(next(line.split()[1] for line in fh if line.startswith("MemTotal")))
        memory = f" | {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return (
        f"{platform.platform()} | {cpu} | {os.cpu_count()} CPUs{memory} | Python "
        f"{platform.python_version()} | streamlit {package('streamlit')} | streamlit-folium "
        f"{package('streamlit-folium')} | folium {package('folium')} | "
        f"Chromium {browser_version}"
    )


def build_demo(base: Path, out: Path) -> None:
    """Build the Bình Định demo store from the base layers."""
    from geodata import Store
    from hatangso.demo import build_demo as build
    from hatangso.demo import write_demo

    write_demo(build(base), Store(out))
    # As scripts/run-app does: the coverage result and rasters saved in the store, so
    # the first page load reads them instead of predicting the rasters.
    import contextlib
    import io

    from hatangso.cli import main as hatangso

    with contextlib.redirect_stdout(io.StringIO()):
        hatangso(["-q", "coverage", str(out), "--save"])


def load_map(browser: Browser, url: str) -> dict[str, Any]:
    """Open the Map page in a fresh context; return the time to the map drawn and sizes."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(120_000)
    external: list[str] = []
    http_bytes = 0
    ws_bytes = 0

    def guard(route: Route) -> None:
        if route.request.url.startswith((url, "data:", "blob:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    def on_response(response: Response) -> None:
        nonlocal http_bytes
        try:
            http_bytes += len(response.body())
        except Exception:  # noqa: BLE001 - redirects and aborted requests have no body
            return

    def on_socket(ws: WebSocket) -> None:
        def count(payload: str | bytes) -> None:
            nonlocal ws_bytes
            ws_bytes += len(payload.encode() if isinstance(payload, str) else payload)

        ws.on("framereceived", count)

    context.route("**/*", guard)
    page = context.new_page()
    page.on("response", on_response)
    page.on("websocket", on_socket)
    start = time.perf_counter()
    page.goto(f"{url}/?page=map")
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(state="attached")
    frame.locator("canvas").first.wait_for(state="attached")
    frame.locator(".leaflet-control-layers").wait_for(state="attached")
    seconds = time.perf_counter() - start
    map_frame = next(f for f in page.frames if "streamlit_folium" in f.url)
    frame_html = len(map_frame.content().encode())
    context.close()
    return {
        "seconds": seconds,
        "ws_bytes": ws_bytes,
        "http_bytes": http_bytes,
        "frame_html_bytes": frame_html,
        "external": external,
    }


def main() -> None:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an existing store (default: build the demo)")
    parser.add_argument(
        "--base",
        type=Path,
        default=Path(os.environ.get("HATANGSO_BASE", ROOT.parent / "shared" / "data")),
        help="base layers for the demo (default ../shared/data or $HATANGSO_BASE)",
    )
    parser.add_argument("--runs", type=int, default=5, help="warm loads to time")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} not found: apt-get install -y chromium"
        raise SystemExit(msg)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hatangso-bench-") as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "bd.gpkg"
            started = time.perf_counter()
            build_demo(args.base, store)
            print(f"demo built in {time.perf_counter() - started:.1f} s: {store}")
        with running_app(store, Path(tmp) / "streamlit.log") as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            print(machine(browser.version))
            cold = load_map(browser, url)
            warm = [load_map(browser, url) for _ in range(args.runs)]
            browser.close()
    times = [w["seconds"] for w in warm]
    median = statistics.median(times)
    last = warm[-1]
    print(f"store: {store}")
    print(f"cold load (reads the store, computes coverage): {cold['seconds']:.2f} s")
    print(
        f"warm loads ({len(times)}): median {median:.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s"
    )
    print(
        f"payload: WebSocket {last['ws_bytes'] / 1e6:.2f} MB (page and map data), "
        f"map frame HTML {last['frame_html_bytes'] / 1e6:.2f} MB, "
        f"HTTP {last['http_bytes'] / 1e6:.2f} MB (scripts, styles, fonts)"
    )
    external = sorted({u for run in [cold, *warm] for u in run["external"]})
    print(f"requests to other hosts: {len(external)}" + (f" {external[:5]}" if external else ""))
    verdict = "met" if median < TARGET_S else "NOT met"
    print(f"target: map drawn in < {TARGET_S:.0f} s (warm median): {verdict}")


if __name__ == "__main__":
    main()
