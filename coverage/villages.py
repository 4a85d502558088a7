"""A village is more than one point: how much of it is covered, and so its status.

For each technology of :data:`SHARE_TECHS` and each indicator (outdoor and indoor), the
share of a village that the rule covers, by any operator and by each, on one of three
bases (``share_basis``):

* ``"clusters"`` — the village has residential clusters: the share of its households
  living in a covered cluster (each cluster at its point; a village whose clusters
  all have 0 households counts its clusters instead);
* ``"area"`` — a polygon village without clusters: the share of the points of a regular
  grid laid over the polygon (:func:`sample_points`, ``village_sample_spacing_m`` apart,
  at most about ``village_sample_max_points``; a polygon too small to hold a grid point
  is sampled at its interior point);
* ``"point"`` — a point village without clusters: its point, so 0 or 100 %.

A village *has* 4G when its share reaches ``village_min_share_pct`` (50 % by default:
most of its households, or of its area), and an operator covers it when that operator's
own share does; so ``mobile_4g`` and ``operators_4g`` of a village are not the status of
one point. ``share_samples`` is the number of clusters or points the share rests on.
The village's ``rsrp_4g_dbm`` stays the median prediction at its interior point.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from coverage.mobile import best_signal
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.raster import Grid

if TYPE_CHECKING:
    from coverage.calibration import Calibration

__all__ = ["SHARE_BASES", "SHARE_TECHS", "sample_points", "village_shares", "weighted_share"]

#: Technologies whose share covered a village carries.
SHARE_TECHS = ("4G", "5G")
#: The bases of a share, in the order of precedence.
SHARE_BASES = ("clusters", "area", "point")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def sample_points(
    geoms: npt.ArrayLike, *, spacing_m: float, max_points: int
) -> tuple[FloatArray, IntArray]:
    """Return a regular grid of points inside each polygon, and which polygon each is in.

    The grid is centred on the polygon's bounding box, ``spacing_m`` apart, or wider for a
    polygon whose area would hold more than ``max_points``. A polygon that holds no grid
    point is sampled at its interior point (``shapely.point_on_surface``).

    Parameters
    ----------
    geoms
        Polygons (or any geometries) in a metric CRS.
    spacing_m
        Grid spacing.
    max_points
        About the most points a polygon gets.

    Returns
    -------
    xy, owner
        Points ``(n, 2)`` and, per point, the position of its polygon in ``geoms``.

    Examples
    --------
    >>> xy, owner = sample_points([shapely.box(0, 0, 1000, 500)], spacing_m=250, max_points=400)
    >>> len(xy), sorted(set(xy[:, 0].tolist())), sorted(set(xy[:, 1].tolist()))
    (8, [125.0, 375.0, 625.0, 875.0], [125.0, 375.0])
    >>> sample_points([shapely.box(0, 0, 10, 10)], spacing_m=250, max_points=400)[0].tolist()
    [[5.0, 5.0]]
    """
    geoms = np.asarray(geoms, dtype=object)
    parts_xy: list[FloatArray] = []
    parts_owner: list[IntArray] = []
    for k, geom in enumerate(geoms.tolist()):
        xy = _grid_inside(geom, spacing_m, max_points)
        if not len(xy):
            xy = shapely.get_coordinates(shapely.point_on_surface(geom)).reshape(-1, 2)
        parts_xy.append(xy)
        parts_owner.append(np.full(len(xy), k, dtype=np.intp))
    if not parts_xy:
        return np.empty((0, 2)), np.empty(0, dtype=np.intp)
    return np.concatenate(parts_xy), np.concatenate(parts_owner)


def _grid_inside(geom: shapely.Geometry, spacing_m: float, max_points: int) -> FloatArray:
    area = float(shapely.area(geom))
    if not area > 0:
        return np.empty((0, 2))
    spacing = max(float(spacing_m), math.sqrt(area / max_points))
    minx, miny, maxx, maxy = shapely.bounds(geom).tolist()
    # A thin diagonal polygon has a bounding box far larger than itself: widen the spacing
    # so that the candidates stay bounded too.
    while math.ceil((maxx - minx) / spacing) * math.ceil((maxy - miny) / spacing) > 50 * max_points:
        spacing *= 2.0
    xs = _axis(minx, maxx, spacing)
    ys = _axis(miny, maxy, spacing)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    inside = shapely.contains_xy(geom, gx, gy)
    return np.column_stack([gx[inside], gy[inside]]).astype(np.float64)


def _axis(low: float, high: float, spacing: float) -> FloatArray:
    """Grid coordinates ``spacing`` apart, centred between ``low`` and ``high``."""
    n = max(1, math.ceil((high - low) / spacing))
    start = low + ((high - low) - (n - 1) * spacing) / 2.0
    return start + spacing * np.arange(n, dtype=np.float64)


def weighted_share(
    covered: npt.ArrayLike, weights: npt.ArrayLike, owner: npt.ArrayLike, n: int
) -> FloatArray:
    """Return, per owner ``0 … n-1``, the weighted share of its items covered, in percent.

    An owner whose weights sum to 0 counts its items alike; an owner without items gets
    NaN.

    Examples
    --------
    >>> weighted_share([False, True, True], [30, 70, 0], [0, 0, 1], 3).tolist()
    [70.0, 100.0, nan]
    """
    hit = np.asarray(covered, dtype=bool)
    w = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0).clip(min=0.0)
    who = np.asarray(owner, dtype=np.intp)
    total = np.bincount(who, weights=w, minlength=n)
    part = np.bincount(who, weights=w * hit, minlength=n)
    count = np.bincount(who, minlength=n).astype(np.float64)
    count_hit = np.bincount(who, weights=hit.astype(np.float64), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, part / total, count_hit / count)
    return np.asarray(100.0 * share, dtype=np.float64)


def _operators(status: npt.ArrayLike) -> list[str]:
    """Operators named in comma-separated operator lists, sorted."""
    names: set[str] = set()
    for text in (
        pd.Series(np.asarray(status, dtype=object)).fillna("").astype(str).unique().tolist()
    ):
        names.update(x for x in text.split(",") if x)
    return sorted(names)


def _has(lists: npt.ArrayLike, operator: str) -> npt.NDArray[np.bool_]:
    """Whether ``operator`` is in each comma-separated list."""
    text = pd.Series(np.asarray(lists, dtype=object)).fillna("").astype(str)
    return np.asarray(("," + text + ",").str.contains("," + operator + ",", regex=False))


def _indicator_shares(
    covered_by: npt.ArrayLike, weights: npt.ArrayLike, owner: npt.ArrayLike, n: int
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Share covered by any operator, and per operator, of each owner's items."""
    lists = np.asarray(covered_by, dtype=object)
    anyone = pd.Series(lists).fillna("").astype(str).to_numpy() != ""
    total = weighted_share(anyone, weights, owner, n)
    per = {op: weighted_share(_has(lists, op), weights, owner, n) for op in _operators(lists)}
    return total, per


def village_shares(  # noqa: PLR0913 - the layers and rasters of the engine, keyword-only
    villages: gpd.GeoDataFrame,
    village_status: pd.DataFrame,
    *,
    clusters: pd.DataFrame | None,
    sites: gpd.GeoDataFrame | None,
    density: Grid | None = None,
    elevation: Grid | None = None,
    settings: CoverageSettings = DEFAULT_SETTINGS,
    land_cover: Grid | None = None,
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Return each village's share covered by 4G and 5G, its basis, and its status.

    For each technology of :data:`SHARE_TECHS` and each indicator (outdoor, indoor), the
    share of the village covered by any operator and by each operator; the village is
    covered when the share reaches ``settings.village_min_share_pct``, and an operator
    covers it when its own share does.

    Parameters
    ----------
    villages
        The villages layer (metric CRS), positions aligned with ``village_status``.
    village_status
        The villages' status at their interior point, with ``village_id`` and, per
        technology, ``operators_4g`` and ``operators_4g_indoor`` (the ``"point"`` basis).
    clusters
        Cluster status with ``village_id``, ``households`` and the same operator
        columns; ``None`` when the data has no clusters.
    sites, density, elevation, settings, land_cover, calibration
        As for :func:`coverage.mobile.best_signal`, to predict the area samples.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``village_status``: ``share_4g_pct``, ``share_4g_indoor_pct`` (and
        5G), ``share_basis`` (``"clusters"``, ``"area"`` or ``"point"``),
        ``share_samples``, and the village status by the share rule: ``mobile_4g``,
        ``operators_4g``, ``mobile_4g_indoor``, ``operators_4g_indoor`` (and 5G).
    """
    n = len(village_status)
    ids = village_status["village_id"].astype(str).to_numpy()
    basis = np.full(n, "point", dtype=object)
    samples = np.ones(n, dtype=np.int64)
    columns = [f"operators_{t.lower()}{s}" for t in SHARE_TECHS for s in ("", "_indoor")]
    # Every village starts on the point basis: its interior point's lists, 0 or 100 %.
    point_owner = np.arange(n, dtype=np.intp)
    shares = {
        col: _indicator_shares(village_status[col].to_numpy(), np.ones(n), point_owner, n)
        for col in columns
    }

    def put(
        col: str, where: npt.NDArray[np.intp], part: tuple[FloatArray, dict[str, FloatArray]]
    ) -> None:
        total, per = shares[col]
        total[where] = part[0]
        for op in set(per) | set(part[1]):
            per.setdefault(op, np.zeros(n))[where] = part[1].get(op, np.zeros(len(where)))

    if clusters is not None and len(clusters):
        position = pd.Series(np.arange(n), index=ids)
        owner = clusters["village_id"].astype(str).map(position)
        known = owner.notna().to_numpy()
        who = owner[known].to_numpy(dtype=np.intp)
        counts = np.bincount(who, minlength=n)
        has = np.flatnonzero(counts > 0)
        weights = clusters["households"].to_numpy(dtype=np.float64)[known]
        for col in columns:
            total, per = _indicator_shares(clusters[col].to_numpy()[known], weights, who, n)
            put(col, has, (total[has], {op: v[has] for op, v in per.items()}))
        basis[has] = "clusters"
        samples[has] = counts[has]
    geom_type = shapely.get_type_id(np.asarray(villages.geometry.to_numpy(), dtype=object))
    polygonal = np.isin(geom_type, (3, 6))  # Polygon, MultiPolygon
    area = np.flatnonzero(polygonal & (basis == "point"))
    if len(area):
        xy, owner_local = sample_points(
            villages.geometry.to_numpy()[area],
            spacing_m=settings.village_sample_spacing_m,
            max_points=settings.village_sample_max_points,
        )
        ones = np.ones(len(xy))
        for tech in SHARE_TECHS:
            signal = best_signal(
                sites,
                xy,
                tech=tech,
                density=density,
                elevation=elevation,
                settings=settings,
                land_cover=land_cover,
                calibration=calibration,
            )
            key = tech.lower()
            for suffix, lists in (("", signal.covered_by), ("_indoor", signal.indoor_covered_by)):
                part = _indicator_shares(lists.to_numpy(), ones, owner_local, len(area))
                put(f"operators_{key}{suffix}", area, part)
        basis[area] = "area"
        samples[area] = np.bincount(owner_local, minlength=len(area))
    minimum = float(settings.village_min_share_pct)
    out = pd.DataFrame(index=village_status.index)
    for col in columns:
        suffix = col.removeprefix("operators_")  # "4g", "4g_indoor" …
        total, per = shares[col]
        out[f"share_{suffix}_pct"] = total
        out[f"mobile_{suffix}"] = total >= minimum
        chosen = np.column_stack([per[op] >= minimum for op in sorted(per)]) if per else None
        out[col] = _join(chosen, sorted(per), n)
    out["share_basis"] = basis
    out["share_samples"] = samples
    return out


def _join(flags: npt.NDArray[np.bool_] | None, names: list[str], n: int) -> npt.NDArray[np.object_]:
    """Per row, the names whose flag is set, comma-joined."""
    if flags is None:
        return np.full(n, "", dtype=object)
    return np.array(
        [
            ",".join(name for name, hit in zip(names, row, strict=True) if hit)
            for row in flags.tolist()
        ],
        dtype=object,
    )
