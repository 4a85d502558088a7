"""Benchmark of the terrain models: Deygout here against Longley-Rice (ITM, ``itmlogic``).

Run (after ``bash scripts/setup``; ITM needs ``pip install itmlogic``, optional)::

    .venv/bin/python bench/terrain_bench.py [--base ../shared/data] [--profiles 300]
        [--dem-cell-m 30]

On the synthetic elevation raster of ``bench/coverage_bench.py`` over the Bình Định
demo, it times, in the same run and on the same site-point profiles:

* the former model: the single dominant knife edge over 64 fixed samples;
* this one: Deygout's three edges over samples every cell size, and the effective
  antenna height (:func:`coverage.terrain.terrain_terms`);
* the Longley-Rice Irregular Terrain Model in point-to-point mode (``itmlogic``, a pure
  Python port of ITM 1.2.2), on the same profiles sampled at the same spacing.

It prints the time per profile of each, the number of site-point profiles the province's
4G needs with terrain (counted by running the engine), and the province time projected
from each per-profile time, with the machine. It also runs ITM on the Crystal Palace -
Mursley path (the model's own reference case, as digitised in ``itmlogic``'s tests) and
prints the median loss next to the reference's published quantiles, as a check that the
call is right.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coverage_bench import ROOT, machine, synthetic_dem

from coverage import terrain
from coverage.grid import sample
from coverage.mobile import best_signal
from coverage.radio import site_parameters
from geodata.crs import WORK_CRS
from geodata.raster import Grid, grid_from_bytes
from hatangso.demo import build_demo

#: Crystal Palace - Mursley (77.8 km, 41.5 MHz, 143.9 m and 8.5 m antennas): the ground
#: profile (m, 145 points, rounded to the mm) as digitised in itmlogic's tests (``setup_z``), the
#: reference case of the ITM's original qkpfl test program.
CRYSTAL_PALACE_MURSLEY_M = [
    *(46, 51.694, 52.378, 37.139, 29.795, 24.658, 20.452, 16.246),
    *([15.0] * 10),
    *(15.51, 17.613, 19.716, 21.819, 23.922, 26.025, 28.128, 32.694, 42.339, 42.407),
    *(36.379, 30.892, 32.619, 34.849, 36.952, 39.862, 34.604, 32.744, 53.004, 65.271),
    *(67.445, 46, 46, 46, 46, 46, 48.377, 53.874, 63.669, 96.198, 87.596, 93.22, 110.354),
    *(135.867, 136.623, 77.558, 105.075, 122, 113.724, 79.836, 67.848, 62.1, 65.255),
    *(68.879, 72.564, 75.718, 78.248, 83.73, 89.636, 84.77, 77.189, 68.946, 63.334),
    *(75.801, 107, 107, 108.671, 120.526, 128.453, 133.587, 135.69, 138.984, 144.689),
    *(149.999, 152, 124.877, 126.627, 113.71, 94.156, 97.47, 117.065, 149.176, 152),
    *(137.457, 168, 162.583, 124.539, 137, 145.985, 174.209, 183, 184.707, 190.348),
    *(197.708, 195.769, 166.689, 152, 162.301, 174.66, 194.614, 160.608, 128.688, 116.074),
    *(106.866, 103.711, 100.557, 97.402, 97.006, 99.372, 93.123, 99.026, 104.284, 107),
    *(107, 104.555, 99.686, 95.143, 91.703, 102.442, 119.77, 122, 122, 122, 123.122),
    *([137.0] * 7),
    *(138.461, 142.153, 145.77, 148.924, 151.386, 157.21),
]
#: The quantiles itmlogic's own point-to-point test asserts for that path (confidence
#: 50 %, reliability 1 % and 99 %), dB, on its newer fixture of the profile, which this
#: digitisation is not: a check of the order of magnitude, not of the decimals.
CRYSTAL_PALACE_PUBLISHED_DB = {1: 128.6, 99: 139.7}


def itm_loss_db(
    ground_m: list[float], distance_km: float, freq_mhz: float, heights_m: tuple[float, float]
) -> float:
    """Median basic transmission loss of ITM point-to-point (itmlogic), dB.

    Continental temperate climate, N_s = 314, average ground (ε 15, σ 0.005 S/m),
    horizontal polarisation, 50 % reliability and confidence: itmlogic's own example.
    """
    from itmlogic.misc.qerfi import qerfi
    from itmlogic.preparatory_subroutines.qlrpfl import qlrpfl
    from itmlogic.statistics.avar import avar

    n = len(ground_m) - 1
    prop: dict[str, Any] = {
        "eps": 15,
        "sgm": 0.005,
        "ipol": 0,
        "fmhz": freq_mhz,
        "hg": list(heights_m),
        "klim": 5,
        "ens0": 314,
        "lvar": 5,
        "gma": 157e-9,
        "d": distance_km,
        "pfl": [n, distance_km * 1000.0 / n, *ground_m],
        "kwx": 0,
        "wn": freq_mhz / 47.7,
        "ens": 314,
        "klimx": 0,
        "mdvarx": 11,
    }
    prop["gme"] = prop["gma"] * (1 - 0.04665 * math.exp(prop["ens"] / 179.3))
    zq = complex(prop["eps"], 376.62 * prop["sgm"] / prop["wn"])
    prop["zgnd"] = np.sqrt(zq - 1)
    prop = qlrpfl(prop)
    free_space = 8.685890 * math.log(2 * prop["wn"] * prop["dist"])
    z50 = qerfi([0.5])[0]
    variability, _ = avar(z50, 0, z50, prop)
    return float(free_space + variability)


def itm_quantile_db(reliability_pct: float) -> float:
    """ITM on Crystal Palace - Mursley at a reliability, confidence 50 %, dB."""
    from itmlogic.misc.qerfi import qerfi
    from itmlogic.preparatory_subroutines.qlrpfl import qlrpfl
    from itmlogic.statistics.avar import avar

    ground = CRYSTAL_PALACE_MURSLEY_M
    n = len(ground) - 1
    prop: dict[str, Any] = {
        "eps": 15,
        "sgm": 0.005,
        "ipol": 0,
        "fmhz": 41.5,
        "hg": [143.9, 8.5],
        "klim": 5,
        "ens0": 314,
        "lvar": 5,
        "gma": 157e-9,
        "d": 77.8,
        "pfl": [n, 77_800.0 / n, *ground],
        "kwx": 0,
        "wn": 41.5 / 47.7,
        "ens": 314,
        "klimx": 0,
        "mdvarx": 11,
    }
    prop["gme"] = prop["gma"] * (1 - 0.04665 * math.exp(prop["ens"] / 179.3))
    zq = complex(prop["eps"], 376.62 * prop["sgm"] / prop["wn"])
    prop["zgnd"] = np.sqrt(zq - 1)
    prop = qlrpfl(prop)
    free_space = 8.685890 * math.log(2 * prop["wn"] * prop["dist"])
    zr = qerfi([reliability_pct / 100.0])[0]
    zc = qerfi([0.5])[0]
    variability, _ = avar(zr, 0, zc, prop)
    return float(free_space + variability)


def ground_profile(dem: Grid, a: np.ndarray, b: np.ndarray, cell_m: float) -> list[float]:
    """The ground from ``a`` to ``b`` every ``cell_m`` (ends included), nearest cell, m."""
    length = float(np.hypot(*(b - a)))
    n = max(int(length // cell_m), 2)
    t = np.linspace(0.0, 1.0, n + 1)
    xy = a[None, :] + t[:, None] * (b - a)[None, :]
    z = sample(dem, xy, crs=WORK_CRS)
    return [float(v) for v in np.nan_to_num(z)]


def count_profiles(sites: gpd.GeoDataFrame, xy: np.ndarray, density: Grid, dem: Grid) -> int:
    """Site-point profiles the engine walks for the province's 4G with terrain."""
    calls = {"profiles": 0}
    original = terrain.terrain_terms

    def counting(*args: Any, **kwargs: Any) -> terrain.TerrainTerms:  # noqa: ANN401
        calls["profiles"] += len(args[3])
        return original(*args, **kwargs)

    terrain.terrain_terms = counting
    try:
        best_signal(sites, xy, tech="4G", density=density, elevation=dem)
    finally:
        terrain.terrain_terms = original
    return calls["profiles"]


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--profiles", type=int, default=300, help="profiles timed with ITM")
    parser.add_argument("--dem-cell-m", type=float, default=30.0)
    args = parser.parse_args()

    print(f"machine: {machine()}")
    demo = build_demo(Path(args.base))
    layers = {k: v.to_crs(WORK_CRS) for k, v in demo.layers.items()}
    density = grid_from_bytes(demo.rasters["population_density"])
    dem = synthetic_dem(layers, args.dem_cell_m)
    sites = layers["mobile_sites"]
    xy = shapely.get_coordinates(
        pd.concat([layers["villages"].geometry, layers["clusters"].geometry]).to_numpy()
    )
    start = time.perf_counter()
    n_profiles = count_profiles(sites, xy, density, dem)
    engine_s = time.perf_counter() - start
    print(
        f"synthetic elevation: {dem.array.shape[1]} x {dem.array.shape[0]} cells of "
        f"{args.dem_cell_m:g} m; province 4G: {len(xy):,} points, {n_profiles:,} site-point "
        f"profiles with terrain, engine {engine_s:.2f} s"
    )

    # The same profiles for every model: random 4G sites, each to points 0.5-10 km away.
    rng = np.random.default_rng(12)
    params = site_parameters(sites, "4G")
    picks = rng.choice(len(params), size=args.profiles, replace=True)
    site_xy = params[["x", "y"]].to_numpy()[picks]
    bearing = rng.uniform(0.0, 2 * np.pi, args.profiles)
    reach = rng.uniform(500.0, 10_000.0, args.profiles)
    end_xy = site_xy + reach[:, None] * np.column_stack([np.sin(bearing), np.cos(bearing)])
    site_ground = np.nan_to_num(sample(dem, site_xy, crs=WORK_CRS))
    end_ground = np.nan_to_num(sample(dem, end_xy, crs=WORK_CRS))
    height = params["height_m"].to_numpy()[picks]
    freq = params["band_mhz"].to_numpy()[picks]

    def run(**kwargs: Any) -> float:  # noqa: ANN401
        start = time.perf_counter()
        for i in range(args.profiles):
            terrain.terrain_terms(
                tuple(site_xy[i]),
                float(site_ground[i]),
                float(height[i]),
                end_xy[i : i + 1],
                end_ground[i],
                1.5,
                elevation=dem.array,
                transform=dem.transform,
                freq_mhz=float(freq[i]),
                **kwargs,
            )
        return float((time.perf_counter() - start) / args.profiles)

    old_s = run(samples=64, method="single")
    new_s = run()
    # The engine walks many profiles of a site at once: its per-profile cost.
    engine_per_profile = engine_s / max(n_profiles, 1)

    rows = [
        ("single edge, 64 fixed samples (former), 1 profile a call", old_s),
        ("Deygout + effective height, cell-size samples, 1 a call", new_s),
        ("Deygout in the engine (all of a site's profiles at once)", engine_per_profile),
    ]
    try:
        import itmlogic  # noqa: F401
    except ImportError:
        itm_s = None
        print("itmlogic is not installed (pip install itmlogic): ITM not timed")
    else:
        grounds = [
            ground_profile(dem, site_xy[i], end_xy[i], args.dem_cell_m)
            for i in range(args.profiles)
        ]
        start = time.perf_counter()
        for i in range(args.profiles):
            itm_loss_db(grounds[i], reach[i] / 1000.0, float(freq[i]), (float(height[i]), 1.5))
        itm_s = (time.perf_counter() - start) / args.profiles
        rows.append(("Longley-Rice ITM (itmlogic), 1 profile a call", itm_s))
        samples = np.mean([len(g) for g in grounds])
        print(f"ITM profiles: {args.profiles}, mean {samples:.0f} ground points each")
        got = {q: itm_quantile_db(q) for q in (1, 50, 99)}
        print(
            "ITM check, Crystal Palace - Mursley, 41.5 MHz, 77.8 km, confidence 50 %: "
            + ", ".join(f"{q} % reliability {v:.1f} dB" for q, v in got.items())
            + "; itmlogic's test on its newer fixture of the path: "
            + ", ".join(f"{q} % {v} dB" for q, v in CRYSTAL_PALACE_PUBLISHED_DB.items())
        )

    print()
    print(f"{'model':<60} {'ms/profile':>11} {'province s':>11}")
    for name, seconds in rows:
        print(f"{name:<60} {seconds * 1e3:>11.3f} {seconds * n_profiles:>11.1f}")
    if itm_s is not None:
        print()
        print(
            f"ITM / Deygout (1 profile a call) = {itm_s / new_s:,.1f}x; ITM projected for the "
            f"province's 4G: {itm_s * n_profiles:,.0f} s against the engine's "
            f"{engine_s:.1f} s with Deygout (target: province < 2 s without terrain)"
        )


if __name__ == "__main__":
    main()
