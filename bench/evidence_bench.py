"""Benchmark predicted against measured at a national campaign's size (issue 13 item 7).

Run from the repository root::

    .venv/bin/python bench/evidence_bench.py                    # 1,000,000 samples
    .venv/bin/python bench/evidence_bench.py --points 200000    # quicker

It builds a synthetic province in Bình Định's extent (``--villages`` villages, two thirds
square polygons of 1.2 km, one third points, each with a predicted operator list) and a
campaign of ``--points`` samples (four operators, 4G and 5G, 400 drives, 120 devices,
RSRP ~ N(−100, 12) dBm) written as a CSV in the generic layout, then times:

* **import**: ``geodata.importer.import_file`` of the CSV into a new GeoPackage store
  (read, every check of docs/EVIDENCE.md, drive identity, write);
* **read**: ``Store.read("measurements")`` in the working CRS;
* **compare**: ``coverage.evidence.compare_evidence`` (villages, grid cells, classes) and
  the confusion table;
* **upsert**: a later file of 1,000 samples added to the same period (the import reads
  and rewrites the period's whole measurement table);
* **baseline**: the straightforward way in the same run, ``geopandas.sjoin`` of the
  samples on the villages (points buffered by the radius) then ``groupby(...).apply`` of
  a function computing the same aggregates; the script checks that both give the same
  samples, drives, devices, median, 10th percentile and share for every group.

It prints the machine, the figures and the ratio baseline / compare. Target: import, read
and compare of 1,000,000 samples under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage.evidence import EvidenceSettings, compare_evidence, confusion_table
from geodata.crs import WORK_CRS
from geodata.importer import import_file
from geodata.store import Store

T = TypeVar("T")

BASE = "baseline (geopandas.sjoin + groupby.apply)"
COMPARE = "compare (villages, cells, classes, confusion)"
OPERATORS = ("Viettel", "VNPT", "MobiFone", "Vietnamobile")


def _province(n_villages: int, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    lonlat = gpd.GeoSeries([shapely.box(108.80, 13.65, 109.25, 14.55)], crs=4326).to_crs(WORK_CRS)
    x0, y0, x1, y1 = lonlat.total_bounds
    side = int(np.ceil(np.sqrt(n_villages)))
    xs = np.linspace(x0 + 1000, x1 - 1000, side)
    ys = np.linspace(y0 + 1000, y1 - 1000, side)
    cx, cy = (a.ravel()[:n_villages] for a in np.meshgrid(xs, ys))
    polygon = rng.random(n_villages) < 2 / 3
    boxes = np.asarray(shapely.box(cx - 600, cy - 600, cx + 600, cy + 600), dtype=object)
    geoms = np.where(polygon, boxes, np.asarray(shapely.points(cx, cy), dtype=object))
    ids = [f"V{i:05d}" for i in range(n_villages)]
    villages = gpd.GeoDataFrame({"village_id": ids}, geometry=geoms, crs=WORK_CRS)
    lists = [",".join(op for op in OPERATORS if rng.random() < 0.7) for _ in range(n_villages)]
    status = pd.DataFrame(
        {
            "village_id": ids,
            "name": ids,
            "commune_id": [f"C{i // 12:04d}" for i in range(n_villages)],
            "district_id": "D1",
            "operators_2g": "",
            "operators_3g": "",
            "operators_4g": lists,
            "operators_5g": [
                ",".join(o for o in s.split(",") if rng.random() < 0.3) for s in lists
            ],
        }
    )
    return villages, status


def _campaign(n: int, villages: gpd.GeoDataFrame, rng: np.random.Generator, path: Path) -> None:
    # Most samples near villages (where people live and drive), the rest anywhere.
    centre = shapely.get_coordinates(shapely.centroid(villages.geometry.to_numpy()))
    near = rng.random(n) < 0.8
    pick = rng.integers(0, len(centre), n)
    x0, y0, x1, y1 = villages.total_bounds
    xy = np.where(
        near[:, None],
        centre[pick] + rng.normal(0, 400, (n, 2)),
        np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)]),
    )
    lonlat = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=WORK_CRS).to_crs(4326)
    drive = rng.integers(0, 400, n)
    start = pd.Timestamp("2024-06-01T00:00:00Z")
    frame = pd.DataFrame(
        {
            "time": (start + pd.to_timedelta(np.arange(n) * 7 + drive * 1_000, unit="s")).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "longitude": np.round(lonlat.x.to_numpy(), 6),
            "latitude": np.round(lonlat.y.to_numpy(), 6),
            "operator": np.asarray(OPERATORS)[rng.integers(0, 4, n)],
            "technology": np.where(rng.random(n) < 0.8, "4G", "5G"),
            "rsrp_dbm": np.round(np.clip(rng.normal(-100, 12, n), -150, -40), 1),
            "source_kind": "drive test",
            "campaign": "bench",
            "device": np.char.add("D", (drive % 120).astype(str)),
            "track": np.char.add("T", drive.astype(str)),
        }
    )
    frame.to_csv(path, index=False)


def _baseline(
    measurements: gpd.GeoDataFrame, villages: gpd.GeoDataFrame, radius_m: float
) -> pd.DataFrame:
    """The straightforward way: sjoin on the villages, then groupby-apply."""
    is_point = villages.geom_type == "Point"
    joined = pd.concat(
        [
            gpd.sjoin(measurements, villages[~is_point], predicate="intersects", how="inner"),
            gpd.sjoin(
                measurements,
                villages[is_point],
                predicate="dwithin",
                distance=radius_m,
                how="inner",
            ),
        ]
    )
    joined = joined[joined["measured_at"] < "2024-12-31T17"]
    threshold = -110.0

    def stats(g: pd.DataFrame) -> pd.Series:
        r = g["rsrp_dbm"]
        return pd.Series(
            {
                "n_samples": len(g),
                "n_drives": g["drive_id"].nunique(),
                "n_devices": g["device_id"].nunique(),
                "median_dbm": r.median(),
                "p10_dbm": r.quantile(0.1),
                "share_above_pct": 100.0 * (r >= threshold).mean(),
            }
        )

    out: pd.DataFrame = joined.groupby(["village_id", "operator", "tech"]).apply(
        stats, include_groups=False
    )
    return out


def _timed(label: str, fn: Callable[[], T], times: dict[str, float]) -> T:
    start = time.perf_counter()
    out = fn()
    times[label] = time.perf_counter() - start
    print(f"  {label:<44} {times[label]:8.2f} s", flush=True)
    return out


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--villages", type=int, default=3_000)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    import geopandas
    import pyogrio
    import shapely as shp

    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, shapely {shp.__version__}, geopandas "
        f"{geopandas.__version__}, pyogrio {pyogrio.__version__}"
    )
    rng = np.random.default_rng(13)
    villages, status = _province(args.villages, rng)
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "campaign.csv"
        _campaign(args.points, villages, rng, csv)
        print(
            f"{args.points:,} samples, {args.villages:,} villages "
            f"({int((villages.geom_type != 'Point').sum()):,} polygons)"
        )
        store = Store(Path(tmp) / "bench.gpkg")
        _timed(
            "import (CSV -> checks -> GeoPackage)",
            lambda: import_file(
                csv, layer="measurements", into=store, as_of="2024-12-31", synthetic=True
            ),
            times,
        )
        measurements = _timed(
            "read measurements (working CRS)",
            lambda: store.read("measurements", crs=WORK_CRS),
            times,
        )
        settings = EvidenceSettings()
        result = _timed(
            COMPARE,
            lambda: compare_evidence(villages, status, measurements, period="2024-12-31"),
            times,
        )
        confusion_table(result.villages, result.villages_total)
        total = sum(times.values())
        print(f"  {'import + read + compare':<44} {total:8.2f} s (target < 60 s)")
        # A later file of 1,000 samples added to the period: the upsert reads and
        # rewrites the whole measurement table (docs/EVIDENCE.md, Periods).
        small = Path(tmp) / "later.csv"
        later = pd.read_csv(csv, nrows=1_000)
        later["campaign"] = "later"
        later.to_csv(small, index=False)
        _timed(
            "add 1,000 samples to the period (upsert)",
            lambda: import_file(
                small, layer="measurements", into=store, as_of="2024-12-31", synthetic=True
            ),
            times,
        )
        if args.no_baseline:
            return
        base = _timed(
            BASE,
            lambda: _baseline(measurements, villages, settings.point_radius_m),
            times,
        )
        ours = result.villages[result.villages["n_samples"] > 0].set_index(
            ["village_id", "operator", "tech"]
        )
        ours = ours.loc[base.index]
        for col in base.columns:
            np.testing.assert_allclose(
                ours[col].to_numpy(float), base[col].to_numpy(float), rtol=0, atol=1e-9
            )
        print(
            f"  same figures for all {len(base):,} village x operator x technology groups; "
            f"ratio baseline / compare: {times[BASE] / times[COMPARE]:.1f}x"
        )


if __name__ == "__main__":
    main()
