"""Benchmark of the coverage engine: the province, and a national-sized scaled run.

Run (after ``bash scripts/setup``)::

    .venv/bin/python bench/coverage_bench.py [--base ../shared/data] [--scale 100] [--quick]
        [--compare-with DIR]

It builds the Bình Định demo in memory, then times, in the same run and on the same data:

* the province (1,176 villages, their clusters, every site; fiber and 4G) with the
  engine, against a straightforward baseline: row-by-row shapely distances for fiber and
  every site-point pair evaluated for mobile (no spatial index, no range cut-off);
* a scaled run with about ``--scale`` times the clusters and sites (the province tiled
  side by side: a national-sized load), engine only, and the baseline on a sample of the
  points to extrapolate its time;
* the province's 4G with a synthetic elevation raster (``--dem-cell-m``, 30 m like SRTM
  by default; the demo has no elevation), the terrain model's cost (diffraction over
  the profiles and the effective antenna height).

It prints the machine, times, peak memory (tracemalloc, Python-side allocations) and the
ratios. Shared machines are noisy: compare ratios from one run, not absolute times.

``--compare-with DIR`` times another version of the code on the same data, in the same
run: DIR is a checkout of it (``git worktree add DIR main``, or
``git archive main | tar -x -C DIR``). The layers built here are handed to fresh
processes that import the engine from DIR ("before") and from this checkout ("after"),
alternately, twice each; the table gives the better of the two times of each and the
ratio after / before. The script imports only what both versions have
(:envvar:`HATANGSO_BENCH_CODE` selects the code a process imports).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
#: The code under test: this checkout, or another version (``--compare-with``).
CODE = Path(os.environ.get("HATANGSO_BENCH_CODE", str(ROOT))).resolve()
sys.path.insert(0, str(CODE))

from coverage import antenna, pathloss  # noqa: E402
from coverage.engine import CoverageInputs, compute_coverage  # noqa: E402
from coverage.fiber import eligible_fiber, fiber_reach  # noqa: E402
from coverage.mobile import best_signal  # noqa: E402
from coverage.settings import DEFAULT_SETTINGS  # noqa: E402
from geodata.crs import WORK_CRS  # noqa: E402
from geodata.raster import Grid, grid_from_bytes  # noqa: E402
from hatangso.demo import build_demo  # noqa: E402


def machine() -> str:
    """Describe the machine and the library versions."""
    import networkx as nx
    import shapely as shp

    cpu = platform.processor() or platform.machine()
    try:
        with Path("/proc/cpuinfo").open() as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{platform.platform()} | {cpu} | {os.cpu_count()} CPUs | Python "
        f"{platform.python_version()} | numpy {np.__version__} | pandas {pd.__version__} | "
        f"shapely {shp.__version__} | geopandas {gpd.__version__} | networkx {nx.__version__}"
    )


def measure(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Return (seconds, peak MiB of Python allocations, result)."""
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, result


def baseline_fiber(targets: gpd.GeoDataFrame, fiber: gpd.GeoDataFrame) -> np.ndarray:
    """Row by row: the distance from each target to every fiber feature with shapely."""
    geoms = list(fiber.geometry)
    reach = DEFAULT_SETTINGS.fiber_reach_m
    out = np.zeros(len(targets), dtype=bool)
    for i, target in enumerate(targets.geometry):
        out[i] = min(target.distance(g) for g in geoms) <= reach
    return out


def baseline_mobile(sites: gpd.GeoDataFrame, xy: np.ndarray, clutter: np.ndarray) -> np.ndarray:
    """Every site-point pair, no index and no range cut-off (all distances in memory)."""
    from coverage import linkbudget  # this checkout's model only (not in older versions)
    from coverage.radio import site_parameters

    params = site_parameters(sites, "4G")
    sx, sy = params["x"].to_numpy(), params["y"].to_numpy()
    widest = max((len(a) for a in params["azimuths"] if a), default=1)
    azimuths = np.full((len(params), widest), np.nan)
    for j, az in enumerate(params["azimuths"]):
        if az:
            azimuths[j, : len(az)] = az
    re_eirp = linkbudget.re_eirp_dbm(
        params["eirp_dbm"].to_numpy(), ports=params["ports"].to_numpy(), n_rb=params["n_rb"]
    )
    required = DEFAULT_SETTINGS.min_rsrp_dbm["4G"] + np.asarray(DEFAULT_SETTINGS.margin_db())
    best = np.full(len(xy), -np.inf)
    step = max(1, 2_000_000 // max(len(sx), 1))  # points a chunk: ~4 M pairs in memory
    for start in range(0, len(xy), step):  # chunks of points; all sites at once
        p = xy[start : start + step]
        d = np.hypot(p[:, None, 0] - sx[None, :], p[:, None, 1] - sy[None, :])
        loss = pathloss.path_loss_db(
            d,
            freq_mhz=params["band_mhz"].to_numpy()[None, :],
            h_base_m=params["height_m"].to_numpy()[None, :],
            h_mobile_m=DEFAULT_SETTINGS.mobile_height_m,
            clutter=clutter[start : start + step, None],
        )
        bearings = antenna.bearing_deg(p[:, None, 0] - sx[None, :], p[:, None, 1] - sy[None, :])
        gain = antenna.sector_gain_rows_db(
            bearings, np.broadcast_to(azimuths, (*bearings.shape, azimuths.shape[1]))
        )
        rsrp = re_eirp[None, :] + gain - loss
        best[start : start + step] = rsrp.max(axis=1)
    covered: np.ndarray = best >= required[clutter]
    return covered


def _shift(offset: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A coordinate transform for :func:`shapely.transform` that moves by ``offset``."""

    def move(coords: np.ndarray) -> np.ndarray:
        moved: np.ndarray = coords + offset
        return moved

    return move


def tiled(layers: dict[str, gpd.GeoDataFrame], scale: int) -> dict[str, gpd.GeoDataFrame]:
    """Copies of the province side by side (metric CRS): about ``scale`` times the load."""
    side = int(np.ceil(np.sqrt(scale)))
    minx, miny, maxx, maxy = layers["admin_units"].total_bounds
    w, h = maxx - minx + 5_000, maxy - miny + 5_000
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in ("villages", "clusters", "mobile_sites", "fiber_routes", "fiber_nodes"):
        frame = layers[name]
        copies = []
        for k in range(scale):
            dx, dy = (k % side) * w, (k // side) * h
            moved = frame.copy()
            moved["geometry"] = shapely.transform(
                frame.geometry.to_numpy(), _shift(np.array([dx, dy]))
            )
            id_col = {
                "villages": "village_id",
                "clusters": "cluster_id",
                "mobile_sites": "site_id",
                "fiber_routes": "route_id",
                "fiber_nodes": "node_id",
            }[name]
            moved[id_col] = moved[id_col].astype(str) + f"#{k}"
            copies.append(moved)
        out[name] = gpd.GeoDataFrame(pd.concat(copies, ignore_index=True), crs=frame.crs)
    return out


#: The engine cases timed for ``--compare-with``, in order.
ENGINE_CASES = (
    "province: whole engine",
    "province: 1 km village polygons, no clusters",
    "province 4G (villages + clusters)",
    "province 4G, synthetic elevation raster",
    "scaled fiber",
    "scaled 4G (no density raster: rural)",
)


def synthetic_dem(layers: dict[str, gpd.GeoDataFrame], cell_m: float) -> Grid:
    """A deterministic hilly terrain over the province's extent, ``cell_m`` pixels.

    Ridges 300 +- 250 m on a 7 x 9 km pattern with 150 m hills on a 2-3 km one, clipped
    at sea level: the demo has no elevation, and this gives the profiles real work
    (Bình Định rises from the coast to about 1,000 m in the west).
    """
    from affine import Affine

    minx, miny, maxx, maxy = layers["admin_units"].total_bounds
    cols = int((maxx - minx) // cell_m) + 1
    rows = int((maxy - miny) // cell_m) + 1
    x = minx + cell_m * (np.arange(cols) + 0.5)
    y = maxy - cell_m * (np.arange(rows) + 0.5)
    gx, gy = np.meshgrid(x, y)
    z = 300.0 + 250.0 * np.sin(gx / 7000.0) * np.cos(gy / 9000.0)
    z += 150.0 * np.sin(gx / 2300.0 + gy / 3100.0)
    return Grid(
        array=np.clip(z, 0.0, None),
        transform=Affine(cell_m, 0.0, minx, 0.0, -cell_m, maxy),
        crs=WORK_CRS,
    )


def as_polygons(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The layers with each village a 1 km disc and no clusters.

    A village's share covered is then sampled over its area (about 50 points a village),
    the costliest basis (:mod:`coverage.villages`).
    """
    out = {k: v for k, v in layers.items() if k != "clusters"}
    villages = layers["villages"].copy()
    villages["geometry"] = villages.geometry.buffer(1000.0)
    out["villages"] = villages
    return out


def engine_times(data_path: Path) -> dict[str, float]:
    """Time the engine cases on the pickled layers, with the code this process imports."""
    with data_path.open("rb") as fh:
        data = pickle.load(fh)  # noqa: S301 - written by this script a moment ago
    layers: dict[str, gpd.GeoDataFrame] = data["layers"]
    density = grid_from_bytes(data["density"])
    inputs = CoverageInputs.from_layers(layers, density=density)
    targets = pd.concat([layers["villages"].geometry, layers["clusters"].geometry])
    xy = shapely.get_coordinates(targets.to_numpy())
    big = tiled(layers, int(data["scale"]))
    big_xy = shapely.get_coordinates(
        pd.concat([big["villages"].geometry, big["clusters"].geometry]).to_numpy()
    )
    points = gpd.GeoDataFrame(geometry=shapely.points(big_xy), crs=WORK_CRS)
    areas = CoverageInputs.from_layers(as_polygons(layers), density=density)
    dem = synthetic_dem(layers, float(data["dem_cell_m"]))
    runs: list[Callable[[], Any]] = [
        lambda: compute_coverage(inputs),
        lambda: compute_coverage(areas),
        lambda: best_signal(layers["mobile_sites"], xy, tech="4G", density=density),
        lambda: best_signal(layers["mobile_sites"], xy, tech="4G", density=density, elevation=dem),
        lambda: fiber_reach(points, big["fiber_routes"], big["fiber_nodes"]),
        lambda: best_signal(big["mobile_sites"], big_xy, tech="4G"),
    ]
    return {name: measure(run)[0] for name, run in zip(ENGINE_CASES, runs, strict=True)}


def compare(
    layers: dict[str, gpd.GeoDataFrame],
    density: bytes,
    scale: int,
    other: Path,
    dem_cell_m: float,
) -> None:
    """Time this checkout against ``other`` on the same layers; print the table."""
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "layers.pickle"
        with data_path.open("wb") as fh:
            data = {"layers": layers, "density": density, "scale": scale, "dem_cell_m": dem_cell_m}
            pickle.dump(data, fh)
        best: dict[str, dict[str, float]] = {"before": {}, "after": {}}
        for _ in range(2):
            for label, code in (("before", other), ("after", ROOT)):
                env = {**os.environ, "HATANGSO_BENCH_CODE": str(code)}
                done = subprocess.run(  # noqa: S603 - this script, this interpreter
                    [sys.executable, __file__, "--engine-times", str(data_path)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                times = json.loads(done.stdout.strip().splitlines()[-1])
                for case, seconds in times.items():
                    best[label][case] = min(seconds, best[label].get(case, float("inf")))
    print()
    print(f"before: the code in {other}; after: the code in {ROOT} (same layers, best of 2)")
    print(f"{'case':<46} {'before s':>9} {'after s':>9} {'after/before':>13}")
    for case in ENGINE_CASES:
        before, after = best["before"][case], best["after"][case]
        print(f"{case:<46} {before:>9.3f} {after:>9.3f} {after / before:>12.2f}x")
    total_after = (
        best["after"]["scaled fiber"] + best["after"]["scaled 4G (no density raster: rural)"]
    )
    print(
        f"after: province < 2 s: {best['after']['province: whole engine']:.2f} s; "
        f"scaled x{scale} < 60 s: {total_after:.1f} s"
    )


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="scale 10 instead")
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="DIR",
        help="a checkout of another version: time it against this one on the same data",
    )
    parser.add_argument(
        "--dem-cell-m",
        type=float,
        default=30.0,
        help="pixel size of the synthetic elevation raster, m (default 30, like SRTM)",
    )
    parser.add_argument("--engine-times", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine_times is not None:  # a child of --compare-with
        print(json.dumps(engine_times(args.engine_times)))
        return
    scale = 10 if args.quick else args.scale

    print(f"machine: {machine()}")
    demo = build_demo(Path(args.base))
    layers = {k: v.to_crs(WORK_CRS) for k, v in demo.layers.items()}
    if "mobile_sites" not in layers or "fiber_routes" not in layers:
        sys.exit("the demo has no networks yet; nothing to benchmark")
    density = grid_from_bytes(demo.rasters["population_density"])
    inputs = CoverageInputs.from_layers(layers, density=density)
    sites = layers["mobile_sites"]
    clusters = layers["clusters"]
    villages = layers["villages"]
    print(
        f"province: {len(villages):,} villages, {len(clusters):,} clusters, "
        f"{len(sites):,} sites, {len(layers['fiber_routes']):,} fiber routes, "
        f"{len(layers['fiber_nodes']):,} fiber nodes"
    )
    rows: list[tuple[str, float, float]] = []

    t, mem, _ = measure(lambda: compute_coverage(inputs))
    rows.append(("province: whole engine (fiber + 2G/3G/4G/5G + places)", t, mem))
    areas = CoverageInputs.from_layers(as_polygons(layers), density=density)
    t_a, mem_a, _ = measure(lambda: compute_coverage(areas))
    rows.append(("province: whole engine, 1 km village polygons, no clusters", t_a, mem_a))
    fiber = eligible_fiber(layers["fiber_routes"], layers["fiber_nodes"])
    targets = pd.concat([villages.geometry, clusters.geometry], ignore_index=True)
    targets = gpd.GeoDataFrame(geometry=targets, crs=WORK_CRS)
    t_f, mem_f, fast = measure(
        lambda: fiber_reach(targets, layers["fiber_routes"], layers["fiber_nodes"])
    )
    t_fb, mem_fb, slow = measure(lambda: baseline_fiber(targets, fiber))
    assert (fast["fiber_reached"].to_numpy() == slow).all(), "fiber baseline disagrees"
    rows += [
        ("province fiber: engine (STRtree)", t_f, mem_f),
        ("province fiber: baseline (row-by-row shapely)", t_fb, mem_fb),
    ]
    xy = shapely.get_coordinates(targets.geometry.to_numpy())
    clutter = pathloss.clutter_from_density(
        __import__("coverage.grid", fromlist=["sample"]).sample(density, xy, crs=WORK_CRS)
    )
    t_m, mem_m, fast_m = measure(
        lambda: best_signal(sites, xy, tech="4G", density=density).covered.to_numpy()
    )
    t_mb, mem_mb, slow_m = measure(lambda: baseline_mobile(sites, xy, clutter))
    agree = float((fast_m == slow_m).mean())
    rows += [
        ("province 4G: engine (index + range cut-off, chunks)", t_m, mem_m),
        ("province 4G: baseline (all site-point pairs)", t_mb, mem_mb),
    ]
    dem = synthetic_dem(layers, args.dem_cell_m)
    t_e, mem_e, hilly = measure(
        lambda: best_signal(sites, xy, tech="4G", density=density, elevation=dem)
    )
    rows.append(
        (f"province 4G: engine, synthetic {args.dem_cell_m:g} m elevation raster", t_e, mem_e)
    )

    big = tiled(layers, scale)
    big_xy = shapely.get_coordinates(
        pd.concat([big["villages"].geometry, big["clusters"].geometry]).to_numpy()
    )
    print(
        f"scaled x{scale}: {len(big['villages']):,} villages, {len(big['clusters']):,} "
        f"clusters ({int(big['clusters']['households'].sum()):,} households), "
        f"{len(big['mobile_sites']):,} sites"
    )
    t_sf, mem_sf, _ = measure(
        lambda: fiber_reach(
            gpd.GeoDataFrame(geometry=shapely.points(big_xy), crs=WORK_CRS),
            big["fiber_routes"],
            big["fiber_nodes"],
        )
    )
    t_sm, mem_sm, _ = measure(lambda: best_signal(big["mobile_sites"], big_xy, tech="4G"))
    rows += [
        (f"scaled x{scale} fiber: engine", t_sf, mem_sf),
        (f"scaled x{scale} 4G: engine (no density raster: rural)", t_sm, mem_sm),
    ]
    sample_n = 1000
    rural = np.full(sample_n, pathloss.RURAL, dtype=np.int8)
    t_sb, _, _ = measure(lambda: baseline_mobile(big["mobile_sites"], big_xy[:sample_n], rural))
    extrapolated = t_sb * len(big_xy) / sample_n

    print()
    print(f"{'case':<58} {'seconds':>9} {'peak MiB':>9}")
    for name, seconds, peak in rows:
        print(f"{name:<58} {seconds:>9.3f} {peak:>9.1f}")
    print(
        f"{'scaled 4G: baseline, extrapolated from ' + str(sample_n) + ' points':<58} "
        f"{extrapolated:>9.1f}"
    )
    print()
    print(f"ratio fiber, province: baseline / engine = {t_fb / t_f:,.1f}x")
    print(
        f"ratio 4G, province:    baseline / engine = {t_mb / t_m:,.1f}x "
        f"(same covered flag on {agree:.2%} of points)"
    )
    print(f"ratio 4G, scaled:      baseline (extrapolated) / engine = {extrapolated / t_sm:,.1f}x")
    print(
        f"terrain, province 4G:  with / without the elevation raster = {t_e / t_m:,.1f}x "
        f"({int(hilly.covered.sum()):,} of {len(xy):,} points covered with terrain, "
        f"{int(fast_m.sum()):,} without)"
    )
    total = rows[0][1]
    print(
        f"targets: province < 2 s: {total:.2f} s -> {'met' if total < 2 else 'NOT met'}; "
        f"scaled < 60 s: {t_sf + t_sm:.1f} s -> {'met' if t_sf + t_sm < 60 else 'NOT met'}"
    )
    if args.compare_with is not None:
        del big
        gc.collect()
        compare(
            layers,
            demo.rasters["population_density"],
            scale,
            args.compare_with.resolve(),
            args.dem_cell_m,
        )


if __name__ == "__main__":
    main()
