"""Raw coordinates against the province: which CRS they are in, or a refusal to guess.

:func:`check_coordinates` decides which CRS a file's coordinates are in: the declared one
when it puts the points inside Bình Định, WGS 84 degrees when none is declared and the
values are degrees inside the province, and otherwise a :class:`~geodata.errors.CRSProblem`
that names the file, the value ranges and the fix (x and y swapped, another CRS that
fits, a datum PROJ cannot relate to WGS 84). :func:`swap_xy_geometries` applies
``--swap-xy``; :func:`to_work` and :func:`to_store` reproject, refusing a datum that PROJ
could only relate to WGS 84 by a zero ("ballpark") shift.

The CRS definitions themselves are in :mod:`geodata.crs`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import geopandas as gpd  # type: ignore[import-untyped,unused-ignore]
import numpy as np
import numpy.typing as npt
import pyproj
import shapely  # type: ignore[import-untyped,unused-ignore]
from pyproj.transformer import TransformerGroup

from geodata.crs import (
    SHORT_NAMES,
    STORE_CRS,
    WORK_CRS,
    current_extent,
    describe_crs,
)
from geodata.errors import CRSProblem

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "INSIDE_FRACTION",
    "check_coordinates",
    "swap_xy_geometries",
    "to_store",
    "to_work",
]

log = logging.getLogger(__name__)

INSIDE_FRACTION: Final = 0.5
"""Share of points that must fall inside the province for a CRS to fit (``>=``).

At least half, not all: deciding the CRS is this module's job, and a few stray features
outside the province are then reported one by one by validation (with their rows)
instead of refusing the whole file with a CRS message that would mislead."""

_MAX_CHECK_POINTS: Final = 20_000
"""Larger inputs are thinned evenly to this many points before testing CRSs."""

_CANDIDATE_CODES: Final[tuple[int, ...]] = (
    9217,  # VN-2000 / TM-3 108-15: Bình Định's provincial zone
    9218,  # VN-2000 / TM-3 108-30: Gia Lai, Phú Yên, ...
    5898,  # VN-2000 / TM-3 zone 491: central meridian 108-00
    5899,  # VN-2000 / TM-3 107-45: Quảng Nam, Đà Nẵng, ...
    3406,  # VN-2000 / UTM zone 49N
    3405,  # VN-2000 / UTM zone 48N
    32649,  # WGS 84 / UTM zone 49N
    32648,  # WGS 84 / UTM zone 48N
    4326,  # WGS 84 degrees
    4756,  # VN-2000 degrees
)
"""CRSs tried, in order of preference, when a file's CRS is missing or wrong."""

_EN_DASH: Final = "\u2013"

FloatArray = npt.NDArray[np.float64]


_CODE_TO_SHORT: Final[Mapping[int, str]] = MappingProxyType(
    {int(v.split(":")[1]): k for k, v in SHORT_NAMES.items()},
)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _candidate_label(code: int) -> str:
    short = _CODE_TO_SHORT.get(code)
    name = _crs_from_code(code).name
    if short is not None:
        return f"{short} (EPSG:{code}, {name})"
    return f"EPSG:{code} ({name})"


def _crs_option(code: int) -> str:
    return _CODE_TO_SHORT.get(code, f"EPSG:{code}")


@functools.cache
def _crs_from_code(code: int) -> pyproj.CRS:
    return pyproj.CRS.from_epsg(code)


def _lonlat_transformer(crs: pyproj.CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(crs, STORE_CRS, always_xy=True)


def _to_lonlat(crs: pyproj.CRS, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Transform to WGS 84 lon/lat; impossible inputs become non-finite."""
    lon_t, lat_t = _lonlat_transformer(crs).transform(x, y, errcheck=False)
    lon = np.array(lon_t, dtype=np.float64, ndmin=1)
    lat = np.array(lat_t, dtype=np.float64, ndmin=1)
    with np.errstate(invalid="ignore"):
        bad = ~((np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0))
    lon[bad] = np.nan
    lat[bad] = np.nan
    return lon, lat


def _inside_mask(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    minx, miny, maxx, maxy = current_extent().bbox_lonlat
    with np.errstate(invalid="ignore"):
        return (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)


def _inside_fraction(lon: FloatArray, lat: FloatArray) -> float:
    if lon.size == 0:
        return 0.0
    return float(np.count_nonzero(_inside_mask(lon, lat))) / lon.size


def _fits(crs: pyproj.CRS, x: FloatArray, y: FloatArray) -> bool:
    lon, lat = _to_lonlat(crs, x, y)
    return _inside_fraction(lon, lat) >= INSIDE_FRACTION


def _looks_like_degrees(x: FloatArray, y: FloatArray) -> bool:
    return bool(np.all(np.abs(x) <= 180.0) and np.all(np.abs(y) <= 90.0))


def _fmt_range(values: FloatArray) -> str:
    lo, hi = float(values.min()), float(values.max())
    if max(abs(lo), abs(hi)) < 1000.0:
        return f"{lo:.4f}{_EN_DASH}{hi:.4f}"
    return f"{lo:,.0f}{_EN_DASH}{hi:,.0f}".replace(",", " ")


def _fmt_ranges(x: FloatArray, y: FloatArray) -> str:
    return f"x {_fmt_range(x)}, y {_fmt_range(y)}"


def _distance_note(lon: FloatArray, lat: FloatArray) -> str:
    """Describe, in one sentence, where transformed points lie relative to the province."""
    finite = np.isfinite(lon) & np.isfinite(lat)
    if not finite.any():
        return "They are not valid positions in that CRS at all (the transformation fails)."
    share = _inside_fraction(lon, lat)
    c_lon = float(np.median(lon[finite]))
    c_lat = float(np.median(lat[finite]))
    minx, miny, maxx, maxy = current_extent().bbox_lonlat
    near_lon = min(max(c_lon, minx), maxx)
    near_lat = min(max(c_lat, miny), maxy)
    _, _, dist_m = pyproj.Geod(ellps="WGS84").inv(c_lon, c_lat, near_lon, near_lat)
    note = (
        f"Only {share:.0%} of them fall inside {current_extent().name}; "
        f"they are centred on lon {c_lon:.4f}, lat {c_lat:.4f}"
    )
    if dist_m >= 1000.0:
        km = f"{dist_m / 1000.0:,.0f}".replace(",", " ")
        note += f", about {km} km from {current_extent().name}"
    return note + "."


def _fitting_candidates(
    x: FloatArray,
    y: FloatArray,
    *,
    exclude: pyproj.CRS | None = None,
) -> list[int]:
    fitting = []
    for code in _CANDIDATE_CODES:
        candidate = _crs_from_code(code)
        if exclude is not None and candidate == exclude:
            continue
        if _fits(candidate, x, y):
            fitting.append(code)
    return fitting


def _labels(codes: list[int]) -> str:
    return ", ".join(_candidate_label(c) for c in codes)


def _clean_points(
    xs: npt.ArrayLike,
    ys: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(xs, dtype=np.float64).ravel()
    y = np.asarray(ys, dtype=np.float64).ravel()
    if x.shape != y.shape:
        msg = f"xs and ys differ in length ({x.size} vs {y.size})"
        raise ValueError(msg)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def _thin(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    if x.size <= _MAX_CHECK_POINTS:
        return x, y
    idx = np.linspace(0, x.size - 1, _MAX_CHECK_POINTS).astype(np.intp)
    return x[idx], y[idx]


@functools.lru_cache(maxsize=128)
def _ballpark_only(source: pyproj.CRS, target: pyproj.CRS) -> bool:
    """Whether PROJ knows no real datum transformation from `source` to `target`."""
    group = TransformerGroup(source, target, always_xy=True)
    descriptions = [t.description.lower() for t in group.transformers]
    if not descriptions:
        return True
    return all(
        "ballpark geographic offset" in d or "ballpark geocentric" in d for d in descriptions
    )


def _check_datum_link(crs: pyproj.CRS, target: pyproj.CRS, *, source: str) -> None:
    """Refuse CRSs that PROJ can relate to WGS 84 only by a zero ("ballpark") shift.

    Such CRSs (e.g. a .prj whose datum is named "VN2000" instead of
    "Vietnam 2000", or ``+ellps=WGS84`` without ``+datum``/``+towgs84``)
    cannot be told apart from WGS 84, yet VN-2000 differs from WGS 84 by
    about 226 m in Bình Định.
    """
    if not _ballpark_only(crs, target):
        return
    datum = crs.datum.name if crs.datum is not None else "unknown"
    looks_like = crs.to_epsg()
    guess = ""
    if looks_like is not None and looks_like != target.to_epsg():
        guess = f" It looks like {_candidate_label(looks_like)} without its datum."
    msg = (
        f"{source}: its CRS {describe_crs(crs)} uses datum '{datum}', which PROJ cannot "
        f"relate to {target.name}: it would apply no datum shift at all, while "
        f"VN-2000 and WGS 84 differ by about 226 m in {current_extent().name}.{guess} "
        "Declare the CRS explicitly - vn2000-binhdinh (EPSG:9217) for VN-2000 TM-3 "
        "108°15' data (other VN-2000 zones by EPSG code), or utm49n / wgs84 if the "
        "data really are WGS 84 - by fixing the file's .prj / CRS, or by removing it "
        "and passing --crs."
    )
    raise CRSProblem(msg)


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sample:
    """Points under test plus what the messages need to say about them."""

    x: FloatArray
    y: FloatArray
    source: str
    ranges: str
    swap_xy: bool

    def swap_hint(self) -> str:
        return "Drop --swap-xy" if self.swap_xy else "Pass --swap-xy"

    def swapped(self) -> str:
        if self.swap_xy:
            return "in the order as read (without --swap-xy)"
        return "with x and y swapped"


def check_coordinates(
    xs: npt.ArrayLike,
    ys: npt.ArrayLike,
    *,
    crs: pyproj.CRS | None,
    source: str,
    swap_xy: bool = False,
) -> pyproj.CRS:
    """Decide which CRS a file's raw coordinates are in, or refuse to guess.

    Parameters
    ----------
    xs, ys : array_like
        Raw x and y of representative points (feature centroids, CSV
        columns, ...) exactly as read from the file.  Non-finite pairs are
        ignored; inputs beyond 20 000 points are thinned evenly.
    crs : pyproj.CRS or None
        The CRS declared by the file or the user, if any.
    source : str
        The file name, used in messages.
    swap_xy : bool, default False
        The user asked to swap x and y (``--swap-xy``); the swap is applied
        before every check.  The caller still has to swap the geometries
        (:func:`swap_xy_geometries`).

    Returns
    -------
    pyproj.CRS
        `crs` when it puts at least :data:`INSIDE_FRACTION` (half) of the points
        inside Bình Định's extent; EPSG:4326 when no CRS was declared and the
        values are longitude / latitude degrees, at least that share of them
        inside the province (logged at INFO). With no finite point to check,
        `crs` (EPSG:4326 when None) unverified, logged at INFO.

    Raises
    ------
    CRSProblem
        With a message naming `source`, the value ranges (as read) and the
        fix, when the CRS is missing and cannot be assumed, when x and y look
        swapped, when the declared CRS puts the data outside the province
        (the CRSs that would fit are listed), or when the declared CRS has a
        datum that PROJ cannot relate to WGS 84.

    """
    raw_x, raw_y = _clean_points(xs, ys)
    x, y = (raw_y, raw_x) if swap_xy else (raw_x, raw_y)
    if x.size == 0:
        chosen = crs if crs is not None else STORE_CRS
        log.info("%s: no coordinates to check; using %s unverified", source, describe_crs(chosen))
        return chosen
    x, y = _thin(x, y)
    ranges = _fmt_ranges(raw_x, raw_y)
    if swap_xy:
        ranges += " as read, before --swap-xy"
    sample = _Sample(x, y, source=source, ranges=ranges, swap_xy=swap_xy)
    if crs is None:
        return _check_undeclared(sample)
    _check_declared(sample, crs)
    return crs


def _check_undeclared(s: _Sample) -> pyproj.CRS:
    x, y = s.x, s.y
    degrees = _looks_like_degrees(x, y)
    if degrees and _inside_fraction(x, y) >= INSIDE_FRACTION:
        log.info(
            "%s: no CRS declared; assuming WGS 84 longitude/latitude (EPSG:4326) "
            "because the coordinates (%s) are degrees inside %s",
            s.source,
            s.ranges,
            current_extent().name,
        )
        return STORE_CRS
    if _looks_like_degrees(y, x) and _inside_fraction(y, x) >= INSIDE_FRACTION:
        if s.swap_xy:
            msg = (
                f"{s.source}: the coordinates ({s.ranges}) are already "
                "longitude/latitude in the right order; --swap-xy turns them into "
                "latitude/longitude. Drop --swap-xy."
            )
        else:
            msg = (
                f"{s.source}: coordinates look like latitude/longitude in the wrong "
                f"order ({s.ranges}: x looks like latitude, y like longitude). "
                "Pass --swap-xy (or fix the columns)."
            )
        raise CRSProblem(msg)
    head = f"{s.source}: has no CRS and its coordinates ({s.ranges})"
    if degrees:
        head += f" look like longitude/latitude degrees. {_distance_note(x, y)}"
    else:
        head += " are not degrees."
    straight = _fitting_candidates(x, y)
    swapped = [] if straight else _fitting_candidates(y, x)
    if straight:
        msg = (
            f"{head} They fall inside {current_extent().name} if read as: {_labels(straight)}. "
            f"Declare the CRS with --crs {_crs_option(straight[0])} "
            "(or set it on the file, e.g. a .prj)."
        )
    elif swapped:
        msg = (
            f"{head} They fall inside {current_extent().name} only {s.swapped()} "
            "(surveyors write X = northing, Y = easting) and read as: "
            f"{_labels(swapped)}. {s.swap_hint()} and declare "
            f"--crs {_crs_option(swapped[0])} (or fix the columns and set the CRS "
            "on the file)."
        )
    else:
        tried = ", ".join(f"EPSG:{c}" for c in _CANDIDATE_CODES)
        msg = (
            f"{head} None of the usual CRSs ({tried}) puts them inside "
            f"{current_extent().name}, with or without swapping x and y. Check the file and "
            "declare its CRS with --crs (a short name, EPSG:n, WKT or PROJ text)."
        )
    raise CRSProblem(msg)


def _check_declared(s: _Sample, crs: pyproj.CRS) -> None:
    x, y = s.x, s.y
    lon, lat = _to_lonlat(crs, x, y)
    if _inside_fraction(lon, lat) >= INSIDE_FRACTION:
        _check_datum_link(crs, STORE_CRS, source=s.source)
        log.debug("%s: coordinates fit the declared CRS %s", s.source, describe_crs(crs))
        return
    if _fits(crs, y, x):
        msg = (
            f"{s.source}: with the declared CRS {describe_crs(crs)} the coordinates "
            f"({s.ranges}) fall inside {current_extent().name} only {s.swapped()} "
            "(latitude/longitude or northing/easting order). "
            f"{s.swap_hint()} (or fix the columns)."
        )
        raise CRSProblem(msg)
    head = (
        f"{s.source}: its coordinates ({s.ranges}) do not fit the declared CRS "
        f"{describe_crs(crs)}. {_distance_note(lon, lat)} Check the declared CRS."
    )
    straight = _fitting_candidates(x, y, exclude=crs)
    swapped = [] if straight else _fitting_candidates(y, x, exclude=crs)
    if straight:
        msg = (
            f"{head} They would fall inside {current_extent().name} read as: {_labels(straight)}; "
            f"if that is right, declare {_crs_option(straight[0])} instead (fix the "
            f"file's .prj / CRS, or pass --crs {_crs_option(straight[0])} if the "
            "wrong CRS came from --crs)."
        )
    elif swapped:
        msg = (
            f"{head} They would fall inside {current_extent().name} {s.swapped()} and "
            f"read as: {_labels(swapped)}; if that is right, "
            f"{s.swap_hint().lower()} and declare {_crs_option(swapped[0])} instead "
            "(in the file's .prj / CRS, or with --crs)."
        )
    else:
        msg = (
            f"{head} None of the usual CRSs for {current_extent().name} fits them either; "
            "the file may not cover the province."
        )
    raise CRSProblem(msg)


# ---------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------


def _swap_columns(coords: FloatArray) -> FloatArray:
    order = [1, 0, *range(2, coords.shape[1])]
    return coords[:, order]


def swap_xy_geometries(geoseries: gpd.GeoSeries) -> gpd.GeoSeries:
    """Swap the x and y coordinates of every geometry.

    Parameters
    ----------
    geoseries : geopandas.GeoSeries
        Geometries of any type; missing and empty geometries are kept.

    Returns
    -------
    geopandas.GeoSeries
        A new series with the same index, name and CRS; z values (if any)
        are kept.

    """
    swapped = shapely.transform(
        np.asarray(geoseries.values, dtype=object),
        _swap_columns,
        include_z=True,
    )
    return gpd.GeoSeries(swapped, index=geoseries.index, crs=geoseries.crs, name=geoseries.name)


def _reproject(gdf: gpd.GeoDataFrame, target: pyproj.CRS, *, source: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        msg = (
            f"{source}: has no CRS, so it cannot be transformed to {describe_crs(target)}. "
            "Determine the CRS first (check_coordinates / --crs)."
        )
        raise CRSProblem(msg)
    current = pyproj.CRS.from_user_input(gdf.crs)
    if current != target:
        _check_datum_link(current, target, source=source)
    return gdf.to_crs(target)


def to_work(gdf: gpd.GeoDataFrame, *, source: str = "data") -> gpd.GeoDataFrame:
    """Transform to :data:`WORK_CRS` (WGS 84 / UTM 49N).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or geopandas.GeoSeries
        Data with a CRS.
    source : str, default "data"
        Name used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        A transformed copy.

    Raises
    ------
    CRSProblem
        If `gdf` has no CRS, or its datum cannot be related to WGS 84.

    """
    return _reproject(gdf, WORK_CRS, source=source)


def to_store(gdf: gpd.GeoDataFrame, *, source: str = "data") -> gpd.GeoDataFrame:
    """Transform to :data:`STORE_CRS` (WGS 84 longitude/latitude).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or geopandas.GeoSeries
        Data with a CRS.
    source : str, default "data"
        Name used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame or geopandas.GeoSeries
        A transformed copy.

    Raises
    ------
    CRSProblem
        If `gdf` has no CRS, or its datum cannot be related to WGS 84.

    """
    return _reproject(gdf, STORE_CRS, source=source)
