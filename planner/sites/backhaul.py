"""Backhaul of a proposed site: the distance to existing fiber, or a microwave hop.

:func:`fiber_distance` measures how far existing fiber (routes or nodes) is;
:func:`microwave` finds the nearest existing site within range with line of sight over
the terrain (the proposed operator's own first). The plan chooses fiber, then
microwave, then satellite (:func:`planner.sites.plan.plan_sites`).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from coverage import terrain
from coverage.grid import sample
from geodata.raster import Grid
from planner.sites.inputs import FloatArray, points_xy
from planner.sites.rules import SiteRules

__all__ = [
    "Backhaul",
    "fiber_distance",
    "microwave",
]


def fiber_distance(
    xy: FloatArray, routes: gpd.GeoDataFrame | None, nodes: gpd.GeoDataFrame | None
) -> FloatArray:
    """Return the distance from each point to the nearest existing fiber (NaN without any)."""
    geoms = [
        np.asarray(layer.geometry.to_numpy(), dtype=object)
        for layer in (routes, nodes)
        if layer is not None and len(layer)
    ]
    out = np.full(len(xy), np.nan)
    if not geoms or not len(xy):
        return out
    tree = shapely.STRtree(np.concatenate(geoms))
    (src, _), dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    out[src] = dist
    return out


@dataclass(frozen=True)
class Backhaul:
    """Microwave backhaul per point: kind, the site linked to, its distance and a note."""

    kind: list[str]
    to: list[str]
    distance_m: FloatArray
    note: list[str]


def microwave(  # noqa: PLR0913
    xy: FloatArray,
    operators: list[str],
    existing: gpd.GeoDataFrame | None,
    *,
    height_m: float,
    elevation: Grid | None,
    rules: SiteRules,
    crs: pyproj.CRS,
) -> Backhaul:
    """Find, for each point, the nearest existing site with line of sight within range."""
    n = len(xy)
    to, dist_out = [""] * n, np.full(n, np.nan)
    notes = [""] * n
    kind = ["satellite/none"] * n
    if existing is None or not len(existing) or not n:
        return Backhaul(
            kind, to, dist_out, [f"no existing site within {rules.microwave_range_m:.0f} m"] * n
        )
    ex_xy = points_xy(existing)
    ex_ids = (
        existing["site_id"].astype(str).to_numpy()
        if "site_id" in existing
        else np.array([f"#{k}" for k in range(len(existing))])
    )
    ex_ops = existing["operator"].astype(str).to_numpy() if "operator" in existing else None
    heights = (
        pd.to_numeric(existing["height_m"], errors="coerce").to_numpy(dtype=np.float64)
        if "height_m" in existing
        else np.full(len(existing), np.nan)
    )
    heights = np.where(np.isfinite(heights) & (heights > 0), heights, 30.0)
    tree = shapely.STRtree(np.asarray(shapely.points(ex_xy), dtype=object))
    src, dst = tree.query(shapely.points(xy), predicate="dwithin", distance=rules.microwave_range_m)
    ground_here = ground_there = None
    if elevation is not None:
        ground_here = np.nan_to_num(sample(elevation, xy, crs=crs))
        ground_there = np.nan_to_num(sample(elevation, ex_xy, crs=crs))
    for i in range(n):
        near = dst[src == i]
        if not len(near):
            notes[i] = f"no existing site within {rules.microwave_range_m:.0f} m"
            continue
        d = np.hypot(ex_xy[near, 0] - xy[i, 0], ex_xy[near, 1] - xy[i, 1])
        other = (
            ex_ops[near] != operators[i] if ex_ops is not None else np.zeros(len(near), dtype=bool)
        )
        order = np.lexsort((near, d, other))  # own operator first, then the nearest
        near, d = near[order], d[order]
        if elevation is None or ground_here is None or ground_there is None:
            k = 0
            note = (
                f"line of sight assumed (no elevation raster) to site {ex_ids[near[k]]} "
                f"at {d[k]:.0f} m"
            )
        else:
            clear = terrain.line_of_sight(
                (float(xy[i, 0]), float(xy[i, 1])),
                float(ground_here[i]),
                height_m,
                ex_xy[near],
                ground_there[near],
                heights[near],
                elevation=np.asarray(elevation.array, dtype=np.float64),
                transform=elevation.transform,
                freq_mhz=rules.microwave_freq_mhz,
                fresnel_fraction=rules.fresnel_fraction,
            )
            hits = np.flatnonzero(clear)
            if not len(hits):
                notes[i] = (
                    f"terrain blocks the {len(near)} existing site(s) within "
                    f"{rules.microwave_range_m:.0f} m"
                )
                continue
            k = int(hits[0])
            note = (
                f"line of sight ({rules.fresnel_fraction:g} Fresnel zone clear at "
                f"{rules.microwave_freq_mhz:.0f} MHz) to site {ex_ids[near[k]]} at {d[k]:.0f} m"
            )
        kind[i], to[i], dist_out[i], notes[i] = "microwave", str(ex_ids[near[k]]), d[k], note
    return Backhaul(kind, to, dist_out, notes)
