"""Small helpers the demo's build steps share: array types, CRS transforms, frames, operators.

Computation happens in metres in :data:`geodata.crs.WORK_CRS` (WGS 84 / UTM 49N); layers
are returned in :data:`geodata.crs.STORE_CRS` (EPSG:4326).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS, WORK_CRS

__all__ = [
    "FIBER_OPERATORS",
    "MOBILE_OPERATORS",
    "OPERATOR_CODE",
    "Bools",
    "Edge",
    "Floats",
    "Ints",
    "Layers",
    "Node",
    "coords_of",
    "district_of",
    "make_frame",
    "point_geoms",
    "to_lonlat",
    "to_work_xy",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Layers = dict[str, gpd.GeoDataFrame]
"""Layers by name, as a build step returns them."""
Node = tuple[float, float]
"""A road graph node: a road segment end in metres, rounded to 1 cm."""
Edge = tuple[Node, Node]
"""A road graph edge: its two end nodes."""


# ------------------------------------------------------------------------- coordinates


@functools.cache
def _transformer(src: pyproj.CRS, dst: pyproj.CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def to_lonlat(xy: Floats) -> tuple[Floats, Floats]:
    """Return the longitudes and latitudes of points given in metres, shape ``(n, 2)``."""
    lon, lat = _transformer(WORK_CRS, STORE_CRS).transform(xy[:, 0], xy[:, 1])
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def to_work_xy(lon: Floats, lat: Floats) -> Floats:
    """Return points given by longitude and latitude in metres, shape ``(n, 2)``."""
    x, y = _transformer(STORE_CRS, WORK_CRS).transform(lon, lat)
    return np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])


def point_geoms(xy: Floats) -> list[BaseGeometry]:
    """Return one shapely Point per row of ``xy``."""
    return list(np.asarray(shapely.points(xy), dtype=object).reshape(-1))


def coords_of(frame: gpd.GeoDataFrame) -> Floats:
    """Return the coordinates of a frame's geometries, shape ``(n, 2)`` for points."""
    return np.asarray(shapely.get_coordinates(frame.geometry.to_numpy()), dtype=np.float64)


def make_frame(
    records: Sequence[Mapping[str, object]],
    columns: Sequence[str],
    geoms: Sequence[BaseGeometry],
    crs: pyproj.CRS,
) -> gpd.GeoDataFrame:
    """Return a frame of ``records`` (in ``columns`` order) with one geometry per record."""
    data = pd.DataFrame(list(records), columns=list(columns))
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=crs)


# ---------------------------------------------------------------------------- operators

FIBER_OPERATORS: Final = ("VNPT", "Viettel")
"""Operators with a province-wide fiber network (FPT has a small one in two towns)."""
MOBILE_OPERATORS: Final = ("Viettel", "VNPT", "MobiFone", "Vietnamobile")
"""Mobile operators, in the order the progress message lists them."""
OPERATOR_CODE: Final[dict[str, str]] = {
    "VNPT": "VNPT",
    "Viettel": "VTL",
    "FPT": "FPT",
    "MobiFone": "MBF",
    "Vietnamobile": "VNM",
}
"""Operator -> the code that starts its route, node and site ids."""


def district_of(admin_units: gpd.GeoDataFrame) -> dict[str, str]:
    """Return commune id -> district id, from the ``admin_units`` layer."""
    communes = admin_units[admin_units["level"] == "commune"]
    return dict(
        zip(communes["unit_id"].astype(str), communes["parent_id"].astype(str), strict=True)
    )
