"""Rasters (GeoTIFF): population density, elevation and land cover.

Rasters follow rasterio's model: a dense ``array[row, col]``, north-up, with an affine
``transform`` (``transform @ (col, row)`` gives the pixel corner's x, y) and a ``crs``.
``land_cover`` is categorical (ESA WorldCover class codes, :data:`LAND_COVER_CLASSES`):
it is only ever sampled or resampled at the nearest pixel, never averaged.
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

from geodata.crs import current_extent, resolve_crs
from geodata.errors import CRSProblem, InputFileError

if TYPE_CHECKING:
    from affine import Affine

__all__ = [
    "CATEGORICAL_RASTERS",
    "LAND_COVER_CLASSES",
    "LAND_COVER_NODATA",
    "RASTER_LAYERS",
    "Grid",
    "check_land_cover",
    "check_raster",
    "grid_from_bytes",
    "grid_to_bytes",
]

log = logging.getLogger(__name__)

#: Raster layers of the data contract and their units.
RASTER_LAYERS = {
    "population_density": "people/km²",
    "elevation": "m",
    "land_cover": "ESA WorldCover class",
}
#: Rasters whose values are classes: nearest pixel only, never interpolated.
CATEGORICAL_RASTERS = frozenset({"land_cover"})
#: ESA WorldCover 10 m (2020 v100, 2021 v200) class codes and names (product user
#: manual, Table 1). ``coverage.landcover`` gives each its clutter and excess loss.
LAND_COVER_CLASSES: dict[int, str] = {
    10: "tree cover",
    20: "shrubland",
    30: "grassland",
    40: "cropland",
    50: "built-up",
    60: "bare / sparse vegetation",
    70: "snow and ice",
    80: "permanent water bodies",
    90: "herbaceous wetland",
    95: "mangroves",
    100: "moss and lichen",
}
#: The land-cover code for "no data" (WorldCover's nodata value).
LAND_COVER_NODATA = 0


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


def check_raster(
    path: str | Path,
    *,
    crs: str | int | pyproj.CRS | None = None,
    layer: str | None = None,
) -> bytes:
    """Check a GeoTIFF and return its bytes for the store.

    Parameters
    ----------
    path
        The GeoTIFF.
    crs
        The CRS when the file declares none (a declared CRS is never overridden).
    layer
        The raster layer it is imported as; ``"land_cover"`` is also checked to hold
        integer ESA WorldCover class codes (:func:`check_land_cover`).

    Returns
    -------
    bytes
        The GeoTIFF, with ``crs`` set on it when it was given.

    Raises
    ------
    InputFileError
        Not a readable GeoTIFF, or a land cover that is not integer WorldCover codes.
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
    extent = current_extent()
    bw, bs, be, bn = extent.bbox_lonlat
    if east < bw or west > be or north < bs or south > bn:
        msg = (
            f"{path.name}: the raster ({west:.3f}–{east:.3f} E, {south:.3f}–{north:.3f} N) "
            f"does not overlap {extent.name}. Check its CRS."
        )
        raise CRSProblem(msg)
    if layer == "land_cover":
        check_land_cover(data[0], profile.get("dtype"), profile.get("nodata"), name=path.name)
    profile.update(crs=use, driver="GTiff")
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(data)
        return bytes(mem.read())


def check_land_cover(
    array: np.ndarray, dtype: object, nodata: float | None, *, name: str = "land_cover"
) -> None:
    """Refuse a land-cover band that is not integer ESA WorldCover class codes.

    Parameters
    ----------
    array
        Band 1 as read (before any masking).
    dtype
        The band's data type as the file declares it.
    nodata
        The file's nodata value; its pixels are no data whatever it is.
    name
        The file, for the message.

    Raises
    ------
    InputFileError
        A floating-point band (land cover is classes: averaging them is meaningless), or
        codes outside :data:`LAND_COVER_CLASSES` and 0, each named with its pixel count.

    Examples
    --------
    >>> check_land_cover(np.array([[10, 50], [0, 80]], dtype="uint8"), "uint8", 0)
    >>> try:
    ...     check_land_cover(np.array([[10, 12, 12]], dtype="uint8"), "uint8", 0)
    ... except InputFileError as err:
    ...     print(str(err)[:62])
    land_cover: codes that are not ESA WorldCover classes: 12 (2 p
    """
    kind = np.dtype(str(dtype)).kind
    if kind not in "iu":
        msg = (
            f"{name}: land cover is stored as {dtype}, not as integer class codes. Export "
            "it as an integer raster (e.g. Byte/uint8) of ESA WorldCover codes; never "
            "resample it by averaging (nearest neighbour or mode only)."
        )
        raise InputFileError(msg)
    values = np.asarray(array)
    if nodata is not None and np.isfinite(nodata):
        values = values[values != nodata]
    codes, counts = np.unique(values, return_counts=True)
    known = set(LAND_COVER_CLASSES) | {LAND_COVER_NODATA}
    bad = [
        (int(c), int(n))
        for c, n in zip(codes.tolist(), counts.tolist(), strict=True)
        if int(c) not in known
    ]
    if bad:
        listed = ", ".join(f"{c} ({n} pixel{'s' if n != 1 else ''})" for c, n in bad)
        classes = ", ".join(f"{c} {label}" for c, label in LAND_COVER_CLASSES.items())
        msg = (
            f"{name}: codes that are not ESA WorldCover classes: {listed}. Give the "
            f"WorldCover class codes ({classes}; 0 = no data), e.g. by reclassifying the "
            "raster."
        )
        raise InputFileError(msg)
