"""Rasters (GeoTIFF): population density and elevation.

Rasters follow rasterio's model: a dense ``array[row, col]``, north-up, with an affine
``transform`` (``transform @ (col, row)`` gives the pixel corner's x, y) and a ``crs``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyproj
import rasterio
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile
from rasterio.warp import transform_bounds

from geodata.crs import BINH_DINH_BBOX_LONLAT, resolve_crs
from geodata.errors import CRSProblem, InputFileError

if TYPE_CHECKING:
    from affine import Affine

__all__ = ["RASTER_LAYERS", "Grid", "check_raster", "grid_from_bytes", "grid_to_bytes"]

log = logging.getLogger(__name__)

#: Raster layers of the data contract and their units.
RASTER_LAYERS = {"population_density": "people/km²", "elevation": "m"}


@dataclass(frozen=True)
class Grid:
    """A north-up raster: ``array[row, col]`` with its affine transform and CRS.

    Attributes
    ----------
    array
        Values, ``nan`` where the source had no data.
    transform
        Affine from (col, row) to (x, y) of the pixel's upper-left corner.
    crs
        The raster's CRS.
    """

    array: np.ndarray
    transform: Affine
    crs: pyproj.CRS

    def xy(self, row: int, col: int) -> tuple[float, float]:
        """Return the x, y of a pixel's centre."""
        x, y = self.transform @ (col + 0.5, row + 0.5)
        return float(x), float(y)


def grid_from_bytes(data: bytes) -> Grid:
    """Open GeoTIFF bytes (as stored in a store) as a :class:`Grid` of band 1."""
    with MemoryFile(data) as mem, mem.open() as src:
        array = src.read(1, masked=True).astype("float64").filled(np.nan)
        return Grid(array=array, transform=src.transform, crs=pyproj.CRS.from_user_input(src.crs))


def grid_to_bytes(grid: Grid, *, nodata: float = -9999.0) -> bytes:
    """Encode a :class:`Grid` as a compressed single-band float32 GeoTIFF (NaN -> nodata).

    Examples
    --------
    >>> import numpy as np, pyproj
    >>> from affine import Affine
    >>> g = Grid(np.ones((2, 3)), Affine(10, 0, 0, 0, -10, 20), pyproj.CRS(32649))
    >>> grid_from_bytes(grid_to_bytes(g)).array.shape
    (2, 3)
    """
    array = np.where(np.isfinite(grid.array), grid.array, nodata).astype("float32")
    rows, cols = array.shape
    with MemoryFile() as mem:
        with mem.open(
            driver="GTiff",
            width=cols,
            height=rows,
            count=1,
            dtype="float32",
            crs=grid.crs.to_wkt(),
            transform=grid.transform,
            nodata=nodata,
            compress="deflate",
        ) as dst:
            dst.write(array, 1)
        return bytes(mem.read())


def check_raster(path: str | Path, *, crs: str | int | pyproj.CRS | None = None) -> bytes:
    """Check a GeoTIFF and return its bytes for the store.

    Parameters
    ----------
    path
        The GeoTIFF.
    crs
        The CRS when the file declares none (a declared CRS is never overridden).

    Returns
    -------
    bytes
        The GeoTIFF, with ``crs`` set on it when it was given.

    Raises
    ------
    InputFileError
        Not a readable GeoTIFF.
    CRSProblem
        No CRS, or the raster does not overlap Bình Định.
    """
    path = Path(path)
    try:
        with rasterio.open(path) as src:
            profile = src.profile
            data = src.read()
            src_crs = src.crs
            bounds = src.bounds
    except RasterioError as err:
        msg = f"{path.name}: is not a readable GeoTIFF ({err}). Export it again."
        raise InputFileError(msg) from None
    given = resolve_crs(crs)
    if src_crs is None and given is None:
        msg = (
            f"{path.name}: the raster has no CRS. Declare it with --crs (e.g. wgs84, "
            "vn2000-binhdinh, utm49n) or set it on the file."
        )
        raise CRSProblem(msg)
    if src_crs is not None and given is not None and not given.equals(src_crs):
        msg = f"{path.name}: the raster declares {src_crs} but --crs says {given}. Drop --crs."
        raise CRSProblem(msg)
    use = src_crs or rasterio.crs.CRS.from_user_input(given.to_wkt())  # type: ignore[union-attr]
    west, south, east, north = transform_bounds(use, "EPSG:4326", *bounds)
    bw, bs, be, bn = BINH_DINH_BBOX_LONLAT
    if east < bw or west > be or north < bs or south > bn:
        msg = (
            f"{path.name}: the raster ({west:.3f}–{east:.3f} E, {south:.3f}–{north:.3f} N) "
            "does not overlap Bình Định. Check its CRS."
        )
        raise CRSProblem(msg)
    profile.update(crs=use, driver="GTiff")
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(data)
        return bytes(mem.read())
