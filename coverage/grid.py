"""Rasters as the engine uses them: sampling at points, grids of points, reprojection.

A :class:`geodata.raster.Grid` is indexed ``array[row, col]`` and north-up; the pixel of
a point is found with the inverse affine transform, never by swapping x/y and row/col.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pyproj
from affine import Affine

from geodata.raster import Grid

__all__ = ["grid_centres", "reproject_grid", "sample"]

FloatArray = npt.NDArray[np.float64]


def sample(grid: Grid, xy: npt.ArrayLike, *, crs: pyproj.CRS) -> FloatArray:
    """Return the grid's value at each point (nearest pixel), NaN outside the grid.

    Parameters
    ----------
    grid
        The raster.
    xy
        Points, shape ``(n, 2)``, in ``crs``.
    crs
        The points' CRS (transformed to the grid's CRS when they differ).

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``.
    """
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    x, y = pts[:, 0], pts[:, 1]
    if not pyproj.CRS.from_user_input(crs).equals(grid.crs):
        to_grid = pyproj.Transformer.from_crs(crs, grid.crs, always_xy=True)
        x, y = to_grid.transform(x, y)
    inv = ~grid.transform
    col = np.floor(inv.a * x + inv.b * y + inv.c).astype(np.int64)
    row = np.floor(inv.d * x + inv.e * y + inv.f).astype(np.int64)
    rows, cols = grid.array.shape
    inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
    out = np.full(len(pts), np.nan)
    out[inside] = grid.array[row[inside], col[inside]]
    return out


def grid_centres(
    bounds: tuple[float, float, float, float], resolution_m: float
) -> tuple[FloatArray, Affine, tuple[int, int]]:
    """Return the centres of a north-up grid covering ``bounds``.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in a metric CRS.
    resolution_m
        Pixel size.

    Returns
    -------
    centres
        Shape ``(rows * cols, 2)``, row-major (``array.ravel()`` order).
    transform
        The grid's affine transform (``transform @ (col, row)`` is a pixel's corner).
    shape
        ``(rows, cols)``.
    """
    minx, miny, maxx, maxy = bounds
    cols = max(1, int(np.ceil((maxx - minx) / resolution_m)))
    rows = max(1, int(np.ceil((maxy - miny) / resolution_m)))
    transform = Affine(resolution_m, 0.0, minx, 0.0, -resolution_m, miny + rows * resolution_m)
    col, row = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    x = transform.c + col.ravel() * transform.a
    y = transform.f + row.ravel() * transform.e
    return np.column_stack([x, y]), transform, (rows, cols)


def reproject_grid(
    grid: Grid,
    crs: pyproj.CRS,
    *,
    resolution_m: float | None = None,
    resampling: Literal["bilinear", "nearest"] = "bilinear",
) -> Grid:
    """Return ``grid`` resampled into ``crs``; itself when already there.

    Terrain profiles are walked in the working CRS, so an elevation raster in degrees is
    brought into metres first rather than indexed with metric coordinates. A categorical
    raster (land cover: class codes) must use ``resampling="nearest"``: a bilinear mean
    of two class codes is a code of neither (tree cover 10 and built-up 50 would give
    cropland 40).

    Parameters
    ----------
    grid
        The raster.
    crs
        Target CRS (metric).
    resolution_m
        Pixel size in the target CRS; default GDAL's suggestion.
    resampling
        ``"bilinear"`` for continuous values (elevation, density), ``"nearest"`` for
        classes.

    Returns
    -------
    Grid
    """
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    target = pyproj.CRS.from_user_input(crs)
    if grid.crs.equals(target):
        return grid
    rows, cols = grid.array.shape
    west, north = grid.transform.c, grid.transform.f
    east = west + grid.transform.a * cols
    south = north + grid.transform.e * rows
    kwargs = {"resolution": resolution_m} if resolution_m else {}
    transform, width, height = calculate_default_transform(
        grid.crs.to_wkt(), target.to_wkt(), cols, rows, west, south, east, north, **kwargs
    )
    out = np.full((int(height), int(width)), np.nan)
    reproject(
        source=grid.array.astype("float64"),
        destination=out,
        src_transform=grid.transform,
        src_crs=grid.crs.to_wkt(),
        dst_transform=transform,
        dst_crs=target.to_wkt(),
        resampling=Resampling.nearest if resampling == "nearest" else Resampling.bilinear,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    return Grid(array=out, transform=transform, crs=target)
