"""Layers and rasters prepared for a web map: EPSG:4326, simplified, small.

The app draws what this module returns and does no geometry of its own. Simplification
happens in the metric working CRS (a tolerance in metres means the same everywhere in the
province), coordinates are rounded to ~1 m (5 decimals of a degree) so that the page stays
light, and rasters are resampled onto Web Mercator, the projection Leaflet stretches an
image overlay in, so that an overlay lies where its pixels are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from affine import Affine
from rasterio.warp import Resampling, calculate_default_transform, reproject

from geodata.crs import STORE_CRS, WORK_CRS
from geodata.raster import Grid

__all__ = [
    "WEB_MERCATOR",
    "Bounds",
    "Overlay",
    "bounds_latlon",
    "for_display",
    "overlay",
    "point_latlon",
]

log = logging.getLogger(__name__)

#: The projection of web map tiles and of Leaflet's image overlays.
WEB_MERCATOR = pyproj.CRS.from_epsg(3857)

#: ``((south, west), (north, east))`` in degrees, the order Leaflet takes.
Bounds = tuple[tuple[float, float], tuple[float, float]]


def for_display(
    frame: gpd.GeoDataFrame, *, tolerance_m: float = 0.0, digits: int = 5
) -> gpd.GeoDataFrame:
    """Return a copy of a layer ready for a web map.

    Parameters
    ----------
    frame
        Any layer with a CRS.
    tolerance_m
        Douglas–Peucker tolerance in metres (0: no simplification). Polygons keep their
        topology (``preserve_topology``), so no commune loses its outline.
    digits
        Decimals of a degree to keep (5 ≈ 1 m).

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows and columns in EPSG:4326, with empty geometries dropped.

    Examples
    --------
    >>> import shapely
    >>> line = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (500, 1), (1000, 0)])],
    ...                         crs=WORK_CRS)
    >>> len(for_display(line, tolerance_m=10).geometry.iloc[0].coords)
    2
    """
    if frame.crs is None:
        msg = "the layer has no CRS; read it through geodata.Store so that it has one."
        raise ValueError(msg)
    out = frame.copy()
    if tolerance_m > 0 and len(out):
        metric = out.geometry.to_crs(WORK_CRS)
        simple = shapely.simplify(metric.to_numpy(), tolerance_m, preserve_topology=True)
        out = out.set_geometry(gpd.GeoSeries(simple, index=out.index, crs=WORK_CRS))
    out = out.to_crs(STORE_CRS)
    scale = 10.0**digits
    rounded = shapely.transform(out.geometry.to_numpy(), lambda xy: np.round(xy * scale) / scale)
    out = out.set_geometry(gpd.GeoSeries(rounded, index=out.index, crs=STORE_CRS))
    keep = ~(out.geometry.isna() | out.geometry.is_empty)
    return out.loc[keep]


def point_latlon(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return one ``lat``, ``lon`` a row: the point itself, or a point inside the polygon.

    Parameters
    ----------
    frame
        Points or polygons with a CRS.

    Returns
    -------
    pandas.DataFrame
        Columns ``lat`` and ``lon`` (degrees), indexed like ``frame``.
    """
    geo = frame.geometry.to_crs(STORE_CRS)
    points = shapely.point_on_surface(geo.to_numpy())
    xy = shapely.get_coordinates(points)
    return pd.DataFrame({"lat": xy[:, 1], "lon": xy[:, 0]}, index=frame.index)


def bounds_latlon(frame: gpd.GeoDataFrame) -> Bounds | None:
    """Return a layer's extent as ``((south, west), (north, east))``, ``None`` when empty."""
    if not len(frame):
        return None
    west, south, east, north = (float(v) for v in frame.geometry.to_crs(STORE_CRS).total_bounds)
    if not np.isfinite([west, south, east, north]).all():
        return None
    return (south, west), (north, east)


@dataclass(frozen=True)
class Overlay:
    """An RGBA image to lay over a web map.

    Attributes
    ----------
    rgba
        ``uint8`` array ``(rows, cols, 4)`` in Web Mercator, north up.
    bounds
        Where its corners go, ``((south, west), (north, east))``.
    """

    rgba: np.ndarray
    bounds: Bounds


def overlay(  # noqa: PLR0913
    grid: Grid,
    *,
    colour: tuple[int, int, int],
    threshold: float,
    best: float | None = None,
    min_alpha: int = 70,
    max_alpha: int = 170,
) -> Overlay:
    """Colour the pixels of a raster at or above ``threshold`` for a web map.

    Parameters
    ----------
    grid
        The raster (any CRS), e.g. predicted RSRP in dBm with NaN where nothing reaches.
    colour
        RGB of the covered pixels.
    threshold
        Pixels below it (and NaN) are transparent.
    best
        Value at which the colour is most opaque (default: the raster's maximum); the
        opacity rises from ``min_alpha`` at ``threshold`` to ``max_alpha`` at ``best``.
    min_alpha, max_alpha
        Opacity range (0–255).

    Returns
    -------
    Overlay
    """
    rows, cols = grid.array.shape
    left, top = grid.transform @ (0, 0)
    right, bottom = grid.transform @ (cols, rows)
    transform, width, height = calculate_default_transform(
        grid.crs, WEB_MERCATOR, cols, rows, left=left, bottom=bottom, right=right, top=top
    )
    out = np.full((int(height), int(width)), np.nan, dtype="float64")
    reproject(
        source=grid.array.astype("float64"),
        destination=out,
        src_transform=grid.transform,
        src_crs=grid.crs,
        dst_transform=transform,
        dst_crs=WEB_MERCATOR,
        src_nodata=np.nan,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    covered = np.isfinite(out) & (np.nan_to_num(out, nan=-np.inf) >= threshold)
    top_value = best if best is not None else (float(np.nanmax(out)) if covered.any() else 0.0)
    span = max(top_value - threshold, 1e-9)
    strength = np.clip((np.nan_to_num(out, nan=threshold) - threshold) / span, 0.0, 1.0)
    rgba = np.zeros((*out.shape, 4), dtype="uint8")
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = colour
    rgba[..., 3] = np.where(covered, min_alpha + strength * (max_alpha - min_alpha), 0).astype(
        "uint8"
    )
    return Overlay(rgba=rgba, bounds=_mercator_bounds(transform, int(width), int(height)))


def _mercator_bounds(transform: Affine, width: int, height: int) -> Bounds:
    to_lonlat = pyproj.Transformer.from_crs(WEB_MERCATOR, STORE_CRS, always_xy=True)
    x0, y0 = transform @ (0, 0)
    x1, y1 = transform @ (width, height)
    west, north = to_lonlat.transform(x0, y0)
    east, south = to_lonlat.transform(x1, y1)
    return (float(south), float(west)), (float(north), float(east))
