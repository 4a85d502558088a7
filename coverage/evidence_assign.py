"""Samples assigned to units and aggregated: the vectorised core of :mod:`coverage.evidence`.

:func:`assign_to_units` pairs samples with villages or clusters (one bulk ``STRtree`` query
for the polygons, one for the points), :func:`aggregate_samples` counts them per integer
group code (samples, distinct drives and devices, exact median and 10th percentile, share at
or above the threshold), :func:`sample_window` is the period's window and
:func:`sample_arrays` the samples in it as integer codes and arrays (:class:`SampleArrays`).
The classes and the confusion table that use them are in :mod:`coverage.evidence`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from coverage.settings import CoverageSettings
from geodata.errors import InputError

__all__ = [
    "SampleArrays",
    "aggregate_samples",
    "assign_to_units",
    "in_window",
    "sample_arrays",
    "sample_window",
]

_TZ_VN = dt.timezone(dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")


def sample_window(period: str | dt.date, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the window of the samples of a period: ``[start, end)`` in UTC.

    ``end`` is the end of the period's date in Vietnam (midnight after it,
    Asia/Ho_Chi_Minh), ``start`` the same moment ``months`` calendar months earlier.

    Parameters
    ----------
    period
        The period's date (``YYYY-MM-DD``).
    months
        The window's length.

    Returns
    -------
    tuple of pandas.Timestamp

    Examples
    --------
    >>> [t.isoformat() for t in sample_window("2024-12-31", 12)]
    ['2023-12-31T17:00:00+00:00', '2024-12-31T17:00:00+00:00']
    """
    day = dt.date.fromisoformat(str(period)[:10])
    end_local = pd.Timestamp(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), _TZ_VN))
    start_local = end_local - pd.DateOffset(months=months)
    return start_local.tz_convert("UTC"), end_local.tz_convert("UTC")


def _unit_shapes(
    units: gpd.GeoDataFrame,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    geoms = np.asarray(units.geometry.to_numpy(), dtype=object)
    is_area = np.asarray(shapely.get_dimensions(geoms) == 2, dtype=bool)
    return geoms, is_area


def assign_to_units(
    points_xy: npt.NDArray[np.float64],
    units: gpd.GeoDataFrame,
    *,
    radius_m: float,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Return the (sample, unit) pairs: inside a unit's polygon, or near its point.

    One bulk query of a spatial index (``shapely.STRtree``) for the polygons
    (``intersects``: a sample on the boundary belongs to both neighbours) and one for the
    points (``dwithin`` ``radius_m``); a unit given as a line counts by ``radius_m`` too.

    Parameters
    ----------
    points_xy
        Sample coordinates, shape ``(n, 2)``, in the units' metric CRS.
    units
        Villages or clusters (positions ``0 … len - 1`` are the unit indices returned).
    radius_m
        Reach around a unit that is not a polygon.

    Returns
    -------
    tuple of numpy.ndarray
        Sample positions and unit positions, one entry a pair.
    """
    if not len(points_xy) or not len(units):
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    points = np.asarray(shapely.points(points_xy), dtype=object)
    geoms, is_area = _unit_shapes(units)
    out_s: list[npt.NDArray[np.intp]] = []
    out_u: list[npt.NDArray[np.intp]] = []
    for polygons in (True, False):
        chosen = np.flatnonzero(is_area if polygons else ~is_area)
        if not len(chosen):
            continue
        tree = shapely.STRtree(geoms[chosen])
        if polygons:
            s, u = tree.query(points, predicate="intersects")
        else:
            s, u = tree.query(points, predicate="dwithin", distance=radius_m)
        out_s.append(np.asarray(s, dtype=np.intp))
        out_u.append(chosen[np.asarray(u, dtype=np.intp)])
    if not out_s:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    return np.concatenate(out_s), np.concatenate(out_u)


def _order_statistic(
    sorted_values: npt.NDArray[np.float64],
    starts: npt.NDArray[np.intp],
    sizes: npt.NDArray[np.intp],
    q: float,
) -> npt.NDArray[np.float64]:
    """Quantile ``q`` of each group of a sorted array, numpy's ``"linear"`` method."""
    h = (sizes - 1) * q
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, sizes - 1)
    frac = h - lo
    a = sorted_values[starts + lo]
    b = sorted_values[starts + hi]
    return np.asarray(a + frac * (b - a), dtype=np.float64)


def aggregate_samples(
    group: npt.NDArray[np.int64],
    rsrp_dbm: npt.NDArray[np.float64],
    threshold_dbm: npt.NDArray[np.float64],
    drive: npt.NDArray[np.int64],
    device: npt.NDArray[np.int64],
) -> pd.DataFrame:
    """Aggregate samples by an integer group code, vectorised.

    Parameters
    ----------
    group
        The group code of each sample (e.g. unit × operator × technology), >= 0.
    rsrp_dbm
        Each sample's level.
    threshold_dbm
        The threshold each sample is held against (its technology's).
    drive, device
        Integer codes of each sample's drive and device.

    Returns
    -------
    pandas.DataFrame
        Indexed by group code: ``n_samples``, ``n_drives``, ``n_devices``,
        ``median_dbm``, ``p10_dbm`` (exact, numpy's ``"linear"`` percentile),
        ``share_above_pct`` (samples ``>= threshold``, percent).

    Examples
    --------
    >>> g = np.array([0, 0, 0, 1]); r = np.array([-100.0, -120.0, -90.0, -80.0])
    >>> t = np.full(4, -110.0); d = np.array([0, 1, 1, 2])
    >>> aggregate_samples(g, r, t, d, d)[["n_samples", "n_drives", "median_dbm"]].to_dict("list")
    {'n_samples': [3, 1], 'n_drives': [2, 1], 'median_dbm': [-100.0, -80.0]}
    """
    columns = ["n_samples", "n_drives", "n_devices", "median_dbm", "p10_dbm", "share_above_pct"]
    if not len(group):
        return pd.DataFrame({c: [] for c in columns}, index=pd.Index([], dtype=np.int64))
    order = np.lexsort((rsrp_dbm, group))
    g = group[order]
    r = rsrp_dbm[order]
    starts_mask = np.empty(len(g), dtype=bool)
    starts_mask[0] = True
    starts_mask[1:] = g[1:] != g[:-1]
    starts = np.flatnonzero(starts_mask)
    sizes = np.diff(np.append(starts, len(g)))
    keys = g[starts]
    above = np.add.reduceat((rsrp_dbm >= threshold_dbm)[order].astype(np.int64), starts)

    def distinct(codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        # One int64 key a (group, code) pair; sorted unique keys come grouped by group.
        width = np.int64(codes.max()) + 1
        pairs = np.sort(group * width + codes)
        first = np.empty(len(pairs), dtype=bool)
        first[0] = True
        first[1:] = pairs[1:] != pairs[:-1]
        groups = pairs[first] // width  # sorted, as ``keys``
        change = np.empty(len(groups), dtype=bool)
        change[0] = True
        change[1:] = groups[1:] != groups[:-1]
        return np.diff(np.append(np.flatnonzero(change), len(groups))).astype(np.int64)

    return pd.DataFrame(
        {
            "n_samples": sizes.astype(np.int64),
            "n_drives": distinct(drive),
            "n_devices": distinct(device),
            "median_dbm": _order_statistic(r, starts, sizes, 0.5),
            "p10_dbm": _order_statistic(r, starts, sizes, 0.1),
            "share_above_pct": 100.0 * above / sizes,
        },
        index=pd.Index(keys, dtype=np.int64),
    )


def _codes(values: pd.Series) -> tuple[npt.NDArray[np.int64], list[str]]:
    codes, uniques = pd.factorize(values.astype("string").fillna(""), sort=True)
    return codes.astype(np.int64), [str(u) for u in uniques]


def in_window(
    measurements: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> npt.NDArray[np.bool_]:
    """Return which samples were measured in ``[start, end)``."""
    when = pd.to_datetime(measurements["measured_at"], utc=True, format="ISO8601", errors="coerce")
    return np.asarray(((when >= start) & (when < end)).fillna(value=False), dtype=bool)


@dataclass(frozen=True)
class SampleArrays:
    """The samples in the window, as integer codes and arrays."""

    xy: npt.NDArray[np.float64]
    rsrp: npt.NDArray[np.float64]
    threshold: npt.NDArray[np.float64]
    operator: npt.NDArray[np.int64]
    operators: list[str]
    tech: npt.NDArray[np.int64]
    techs: list[str]
    drive: npt.NDArray[np.int64]
    device: npt.NDArray[np.int64]

    def combos(self, techs: Sequence[str]) -> list[tuple[str, str]]:
        """Return the (operator, tech) pairs measured, among ``techs``, sorted."""
        if not len(self.operator):
            return []
        width = len(self.techs)
        pairs = np.unique(self.operator * width + self.tech)
        found = [(self.operators[p // width], self.techs[p % width]) for p in pairs]
        return sorted(p for p in found if p[1] in techs)

    def combo_index(self, combos: Sequence[tuple[str, str]]) -> npt.NDArray[np.int64]:
        """Return each sample's position in ``combos`` (-1 when its pair is not among them)."""
        table = np.full((len(self.operators), len(self.techs)), -1, dtype=np.int64)
        for i, (op, tech) in enumerate(combos):
            table[self.operators.index(op), self.techs.index(tech)] = i
        return table[self.operator, self.tech] if len(self.operator) else table.ravel()[:0]


def sample_arrays(
    measurements: gpd.GeoDataFrame, coverage_settings: CoverageSettings
) -> SampleArrays:
    """Return the samples of ``measurements`` as integer codes and arrays.

    Raises
    ------
    InputError
        A technology without an RSRP threshold in ``coverage_settings``.
    """
    xy = shapely.get_coordinates(measurements.geometry.to_numpy())
    operator, operators = _codes(measurements["operator"])
    tech, techs = _codes(measurements["tech"])
    limits = dict(coverage_settings.min_rsrp_dbm)
    missing = [t for t in techs if t not in limits]
    if missing:
        msg = f"measurements: no RSRP threshold for technology {', '.join(missing)}."
        raise InputError(msg)
    threshold = np.array([limits[t] for t in techs], dtype=float)[tech]
    unknown = pd.Series("", index=measurements.index)
    drive, _ = _codes(measurements.get("drive_id", measurements.get("campaign", unknown)))
    device, _ = _codes(measurements.get("device_id", unknown))
    return SampleArrays(
        xy=np.asarray(xy, dtype=float),
        rsrp=measurements["rsrp_dbm"].to_numpy(dtype=float),
        threshold=threshold,
        operator=operator,
        operators=operators,
        tech=tech,
        techs=techs,
        drive=drive,
        device=device,
    )
