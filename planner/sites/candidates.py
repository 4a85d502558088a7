"""Candidate places for new sites, and which targets a site at each would cover.

:func:`candidate_sites` proposes the targets themselves, points along the roads around
them and, with an elevation raster, the high ground. :func:`coverage_pairs` predicts
the signal of a hypothetical site at each candidate at every target nearby with the
coverage engine's model (:func:`coverage.mobile.best_signal`) and keeps the pairs that
meet the engine's outdoor rule (the threshold plus the location-probability margin of
the target's environment): the data of the covering problem.
"""

from __future__ import annotations

import logging
import math
from typing import Final

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from coverage._checks import check_work_crs
from coverage.mobile import best_signal
from coverage.radio import max_reach_m
from coverage.settings import CoverageSettings
from geodata.raster import Grid
from planner.sites.inputs import (
    FloatArray,
    IntArray,
    SiteInputError,
    check_grid_crs,
    check_same_crs,
    points_xy,
    positive,
    target_ids,
)

__all__ = [
    "candidate_sites",
    "coverage_pairs",
]

log = logging.getLogger(__name__)

#: Candidates evaluated per call of :func:`coverage.mobile.best_signal`.
_CANDIDATE_BATCH: Final = 128


def _road_points(
    centres: FloatArray, roads: gpd.GeoDataFrame, spacing_m: float, radius_m: float
) -> tuple[FloatArray, IntArray]:
    """Return points every ``spacing_m`` along the roads within ``radius_m`` of each centre."""
    buffers = shapely.buffer(shapely.points(centres), radius_m, quad_segs=16)
    geoms = np.asarray(roads.geometry.to_numpy(), dtype=object)
    tree = shapely.STRtree(geoms)
    t_idx, r_idx = tree.query(buffers, predicate="intersects")
    order = np.lexsort((r_idx, t_idx))
    t_idx, r_idx = t_idx[order], r_idx[order]
    pieces = np.asarray(
        shapely.intersection(geoms[r_idx], np.asarray(buffers, dtype=object)[t_idx]), dtype=object
    )
    xy: list[FloatArray] = []
    owner: list[IntArray] = []
    for target, piece in zip(t_idx.tolist(), pieces.tolist(), strict=True):
        for part in shapely.get_parts(piece):
            if shapely.get_type_id(part) != 1:  # only LineStrings carry a road
                continue
            length = float(shapely.length(part))
            steps = (
                np.arange(spacing_m / 2.0, length, spacing_m)
                if length >= spacing_m
                else np.array([length / 2.0])
            )
            pts = shapely.get_coordinates(shapely.line_interpolate_point(part, steps))
            xy.append(np.asarray(pts, dtype=np.float64))
            owner.append(np.full(len(pts), target, dtype=np.intp))
    if not xy:
        return np.empty((0, 2)), np.empty(0, dtype=np.intp)
    return np.vstack(xy), np.concatenate(owner)


def _high_ground(
    centres: FloatArray, elevation: Grid, radius_m: float, separation_m: float, per_target: int
) -> tuple[FloatArray, IntArray]:
    """Return the highest cells within ``radius_m`` of each centre, ``separation_m`` apart."""
    array = np.asarray(elevation.array, dtype=np.float64)
    rows, cols = array.shape
    fwd = elevation.transform
    inv = ~fwd
    xy: list[tuple[float, float]] = []
    owner: list[int] = []
    for i, (x, y) in enumerate(centres.tolist()):
        corners = [(x - radius_m, y - radius_m), (x + radius_m, y + radius_m)]
        cr = [
            (inv.a * cx + inv.b * cy + inv.c, inv.d * cx + inv.e * cy + inv.f) for cx, cy in corners
        ]
        c0 = max(0, math.floor(min(c for c, _ in cr)))
        c1 = min(cols, math.ceil(max(c for c, _ in cr)) + 1)
        r0 = max(0, math.floor(min(r for _, r in cr)))
        r1 = min(rows, math.ceil(max(r for _, r in cr)) + 1)
        if c0 >= c1 or r0 >= r1:
            continue
        cc, rr = np.meshgrid(np.arange(c0, c1) + 0.5, np.arange(r0, r1) + 0.5)
        gx = fwd.a * cc + fwd.b * rr + fwd.c
        gy = fwd.d * cc + fwd.e * rr + fwd.f
        values = array[r0:r1, c0:c1]
        ok = np.isfinite(values) & (np.hypot(gx - x, gy - y) <= radius_m)
        if not ok.any():
            continue
        vx, vy, vz = gx[ok], gy[ok], values[ok]
        order = np.argsort(-vz, kind="stable")  # highest first; ties in row-major order
        picked: list[tuple[float, float]] = []
        for k in order.tolist():
            px, py = float(vx[k]), float(vy[k])
            if all(math.hypot(px - qx, py - qy) >= separation_m for qx, qy in picked):
                picked.append((px, py))
                if len(picked) == per_target:
                    break
        xy.extend(picked)
        owner.extend([i] * len(picked))
    if not xy:
        return np.empty((0, 2)), np.empty(0, dtype=np.intp)
    return np.asarray(xy, dtype=np.float64), np.asarray(owner, dtype=np.intp)


def _thin(xy: FloatArray, cell_m: float) -> IntArray:
    """Return the indices of the first point in each ``cell_m`` grid cell, in order."""
    if not len(xy):
        return np.empty(0, dtype=np.intp)
    keys = np.floor(xy / cell_m).astype(np.int64)
    _, first = np.unique(keys, axis=0, return_index=True)
    return np.sort(first).astype(np.intp)


def candidate_sites(  # noqa: PLR0913 - the candidate generator's inputs, keyword-only
    targets: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    elevation: Grid | None = None,
    spacing_m: float = 500.0,
    radius_m: float = 3_000.0,
    high_ground_per_target: int = 3,
    id_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Return candidate locations for new sites near the targets.

    Three kinds of candidates, in this order: each target itself (``"target"``; a point
    on the surface of a polygon); points every ``spacing_m`` along the roads within
    ``radius_m`` of a target (``"road"``: access for building and power); and, with an
    elevation raster, the ``high_ground_per_target`` highest cells within ``radius_m``
    of each target, at least ``spacing_m`` apart (``"high_ground"``). Road points closer
    than about ``spacing_m / 2`` to one another, and exact duplicates, are dropped. The
    result depends only on the inputs.

    Parameters
    ----------
    targets
        Villages or clusters to serve, in a metric CRS.
    roads
        ``roads`` layer, same CRS; ``None`` for no road candidates.
    elevation
        Terrain (m) in the same CRS; ``None`` for no high-ground candidates.
    spacing_m
        Distance between road candidates, and the least separation of high-ground ones.
    radius_m
        How far from a target candidates are sought.
    high_ground_per_target
        High-ground candidates per target.
    id_column
        The targets' id column; by default the first of ``target_id``, ``cluster_id``,
        ``village_id``, ``place_id``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate_id`` (``"C-00001"``, ...), ``kind``, ``target_id`` (the target the
        candidate was generated for) and point geometry, in the targets' CRS, with a
        RangeIndex.

    Raises
    ------
    geodata.CRSProblem
        A layer is not in a metric CRS, the layers' CRSs differ, or the raster is not
        in the targets' CRS.
    SiteInputError
        No id column, or a non-positive ``spacing_m`` or ``radius_m``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> t = gpd.GeoDataFrame({"village_id": ["V1"]}, geometry=[shapely.Point(0, 0)], crs=32649)
    >>> r = gpd.GeoDataFrame(geometry=[shapely.LineString([(-5000, 0), (5000, 0)])], crs=32649)
    >>> candidate_sites(t, roads=r, spacing_m=1000, radius_m=2000)["kind"].tolist()
    ['target', 'road', 'road', 'road', 'road']
    """
    check_work_crs(targets, "targets")
    spacing_m = positive("spacing_m", spacing_m)
    radius_m = positive("radius_m", radius_m)
    if high_ground_per_target < 0:
        msg = f"`high_ground_per_target` must be >= 0; got {high_ground_per_target!r}."
        raise SiteInputError(msg)
    ids = target_ids(targets, id_column)
    centres = points_xy(targets)
    crs = pyproj.CRS.from_user_input(targets.crs)
    parts: list[tuple[str, FloatArray, IntArray]] = [
        ("target", centres, np.arange(len(centres), dtype=np.intp))
    ]
    if roads is not None and len(roads) and len(centres):
        check_same_crs(targets, roads, "roads")
        xy, owner = _road_points(centres, roads, spacing_m, radius_m)
        keep = _thin(xy, spacing_m / 2.0)
        parts.append(("road", xy[keep], owner[keep]))
    if elevation is not None and high_ground_per_target and len(centres):
        check_grid_crs(elevation, crs, "elevation")
        xy, owner = _high_ground(centres, elevation, radius_m, spacing_m, high_ground_per_target)
        parts.append(("high_ground", xy, owner))
    kinds = np.concatenate([np.full(len(xy), kind, dtype=object) for kind, xy, _ in parts])
    xy_all = np.vstack([xy for _, xy, _ in parts])
    owners = np.concatenate([owner for _, _, owner in parts])
    # Drop exact duplicates (to the metre), keeping the first: a target on a road, or a
    # road point shared by two targets' circles.
    _, first = np.unique(np.round(xy_all), axis=0, return_index=True)
    keep = np.sort(first)
    kinds, xy_all, owners = kinds[keep], xy_all[keep], owners[keep]
    frame = gpd.GeoDataFrame(
        {
            "candidate_id": [f"C-{k + 1:05d}" for k in range(len(keep))],
            "kind": kinds.astype(str),
            "target_id": ids[owners].astype(str) if len(owners) else np.array([], dtype=str),
        },
        geometry=shapely.points(xy_all) if len(xy_all) else gpd.GeoSeries([]),
        crs=crs,
    )
    counts = frame["kind"].value_counts().to_dict()
    log.info("candidate sites: %d (%s) for %d targets", len(frame), counts, len(targets))
    return frame


def coverage_pairs(  # noqa: PLR0913
    cand_xy: FloatArray,
    target_xy: FloatArray,
    *,
    tech: str,
    height_m: float,
    density: Grid | None,
    elevation: Grid | None,
    settings: CoverageSettings,
    crs: pyproj.CRS,
    land_cover: Grid | None = None,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Return (target, candidate, rsrp_dbm) of every pair that meets the outdoor rule.

    One hypothetical omni site per candidate, default radio parameters of ``tech`` at
    ``height_m``, each its own "operator" so that :func:`coverage.mobile.best_signal`
    returns one column per candidate.
    """
    n_c, n_t = len(cand_xy), len(target_xy)
    empty = (np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp), np.empty(0))
    if not n_c or not n_t:
        return empty
    reach = max_reach_m(tech, height_m, settings)
    tree = shapely.STRtree(np.asarray(shapely.points(target_xy), dtype=object))
    out_t: list[IntArray] = []
    out_c: list[IntArray] = []
    out_r: list[FloatArray] = []
    for start in range(0, n_c, _CANDIDATE_BATCH):
        batch = np.arange(start, min(n_c, start + _CANDIDATE_BATCH), dtype=np.intp)
        _, near = tree.query(shapely.points(cand_xy[batch]), predicate="dwithin", distance=reach)
        tsel = np.unique(near).astype(np.intp)
        if not len(tsel):
            continue
        names = [f"c{k}" for k in batch.tolist()]
        sites = gpd.GeoDataFrame(
            {"site_id": names, "operator": names, "tech": tech, "height_m": height_m},
            geometry=shapely.points(cand_xy[batch]),
            crs=crs,
        )
        result = best_signal(
            sites,
            target_xy[tsel],
            tech=tech,
            density=density,
            elevation=elevation,
            settings=settings,
            land_cover=land_cover,
        )
        rsrp = result.rsrp_dbm.reindex(columns=names).to_numpy(dtype=np.float64)
        required = result.required_dbm.to_numpy(dtype=np.float64)
        rows, cols = np.nonzero(rsrp >= required[:, None])
        out_t.append(tsel[rows])
        out_c.append(batch[cols])
        out_r.append(rsrp[rows, cols])
    if not out_t:
        return empty
    t = np.concatenate(out_t)
    c = np.concatenate(out_c)
    r = np.concatenate(out_r)
    order = np.lexsort((c, t))
    return t[order], c[order], r[order]
