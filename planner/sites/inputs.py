"""Checks and readings of the site planner's inputs, shared by its modules.

The error (:class:`SiteInputError`), the CRS checks of layers and rasters, the targets'
ids and households, a representative point per feature and the technology test of the
existing sites; and the array types the modules use.
"""

from __future__ import annotations

import math
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from coverage._checks import check_work_crs
from geodata.errors import CRSProblem, InputError
from geodata.raster import Grid

__all__ = [
    "ID_COLUMNS",
    "BoolArray",
    "FloatArray",
    "IntArray",
    "SiteInputError",
    "check_grid_crs",
    "check_same_crs",
    "has_tech",
    "points_xy",
    "positive",
    "target_households",
    "target_ids",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


#: Id columns looked for in the targets, in this order (a cluster also has ``village_id``).
ID_COLUMNS: Final = ("target_id", "cluster_id", "village_id", "place_id")


class SiteInputError(InputError, ValueError):
    """The inputs of the site planner are inconsistent (columns, parameters, raster CRS)."""


def check_same_crs(reference: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, name: str) -> None:
    """Raise unless `frame` is in a metric CRS and in the CRS of `reference`."""
    check_work_crs(frame, name)
    if not pyproj.CRS.from_user_input(frame.crs).equals(reference.crs):
        msg = (
            f"CRS mismatch between the targets and {name!r}. Use `to_crs()` to reproject "
            f"{name!r} to the targets' CRS.\nTargets CRS: {reference.crs}\n"
            f"{name} CRS: {frame.crs}"
        )
        raise CRSProblem(msg)


def check_grid_crs(grid: Grid, crs: pyproj.CRS, name: str) -> None:
    """Raise unless the raster `grid` is in `crs`."""
    grid_crs = pyproj.CRS.from_user_input(grid.crs)
    if not grid_crs.equals(crs):
        msg = (
            f"raster {name!r} is in {grid_crs.to_string()!r}, not in the layers' CRS "
            f"{crs.to_string()!r}: terrain profiles need metres. Reproject the raster to "
            "the working CRS (e.g. rasterio.warp.reproject to EPSG:32649) first."
        )
        raise CRSProblem(msg)


def positive(name: str, value: float) -> float:
    """Return `value` as a float, raising unless it is finite and > 0."""
    if not (math.isfinite(value) and value > 0):
        msg = f"`{name}` must be finite and > 0; got {value!r}."
        raise SiteInputError(msg)
    return float(value)


def target_ids(targets: gpd.GeoDataFrame, id_column: str | None) -> npt.NDArray[np.object_]:
    """Return the targets' ids as strings (from `id_column` or the first id column found)."""
    column = id_column
    if column is None:
        column = next((c for c in ID_COLUMNS if c in targets.columns), None)
    if column is None or column not in targets.columns:
        msg = (
            f"the targets need an id column; none of {list(ID_COLUMNS)!r} is present "
            f"(columns: {list(targets.columns)!r}). Pass `id_column`."
        )
        raise SiteInputError(msg)
    ids: npt.NDArray[np.object_] = np.asarray(targets[column].astype(str), dtype=object)
    if len(set(ids)) != len(ids):
        dupes = sorted(pd.Series(ids).loc[pd.Series(ids).duplicated()].unique())[:5]
        msg = f"target ids in {column!r} must be unique; duplicated: {dupes!r}."
        raise SiteInputError(msg)
    return ids


def target_households(targets: gpd.GeoDataFrame) -> FloatArray:
    """Return the targets' households (the weights of the covering problem)."""
    if "households" not in targets.columns:
        msg = (
            "the targets need a `households` column (the weights of the maximal covering "
            "problem); add it, e.g. 1 per target to count targets."
        )
        raise SiteInputError(msg)
    values = np.asarray(pd.to_numeric(targets["households"], errors="coerce"), dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        shown = targets["households"].to_numpy()[bad][:5].tolist()
        msg = f"`households` must be numbers >= 0; got {shown!r}. Fix or drop those targets."
        raise SiteInputError(msg)
    return values


def points_xy(frame: gpd.GeoDataFrame) -> FloatArray:
    """Return one point per feature (a point on its surface) as ``(n, 2)`` coordinates."""
    if not len(frame):
        return np.empty((0, 2))
    pts = shapely.point_on_surface(np.asarray(frame.geometry.to_numpy(), dtype=object))
    return np.asarray(shapely.get_coordinates(pts), dtype=np.float64)


def has_tech(frame: gpd.GeoDataFrame, tech: str) -> BoolArray:
    """Return whether each row's ``tech`` (comma-separated) lists `tech`."""
    values = frame["tech"].fillna("").astype(str) if "tech" in frame else pd.Series("", frame.index)
    return values.map(lambda s: tech in [p.strip() for p in s.split(",")]).to_numpy(dtype=bool)
