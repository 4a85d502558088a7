"""Coordinate reference systems of Hạ tầng số: the definitions and their names.

What the tool knows about coordinate reference systems (CRS):

* the working CRS (:data:`WORK_CRS`, WGS 84 / UTM 49N, metres) in which every
  computation is done, and the storage CRS (:data:`STORE_CRS`, WGS 84
  longitude/latitude) used on disk;
* VN-2000, the Vietnamese national datum, in Bình Định's provincial 3° TM zone
  (:data:`VN2000_BINHDINH`);
* short CRS names accepted on the command line (:data:`SHORT_NAMES`,
  :func:`resolve_crs`);
* the province extent (:data:`BINH_DINH_BBOX_LONLAT`), and the extent files are
  expected in, which follows the province of the date imported (:class:`Extent`,
  :func:`extent_on`, :func:`expected_extent`).

Deciding which CRS a file's raw coordinates are in (and refusing to guess silently when
it is missing or wrong) is :mod:`geodata.coordinates`.

VN-2000 → WGS 84
----------------
Quyết định 05/2007/QĐ-BTNMT gives the seven parameters dX -191.90441429 m,
dY -39.30318279 m, dZ -111.45032835 m, rotations -0.00928836", +0.01975479",
-0.00427372" and scale k = 1.000000252906278 (+0.252906278 ppm).  EPSG
registers them unchanged as transformation EPSG:6960 "VN-2000 to WGS 84 (2)"
with the *coordinate frame* rotation convention (method EPSG:9607).  PROJ's
``+towgs84`` uses the *position vector* convention (EPSG:9606), so a
``+towgs84`` string must carry the rotations with their signs flipped
(:data:`VN2000_TOWGS84`).  Pasting the decree's signs into ``+towgs84``, as
many published recipes do, is wrong by about 0.6 m in Bình Định.

:data:`VN2000_BINHDINH` is EPSG:9217 "VN-2000 / TM-3 108-15".  PROJ transforms
it to WGS 84 with EPSG:6960 (a Helmert transformation, never a ballpark),
which agrees with the ``+towgs84`` definition :data:`VN2000_BINHDINH_TOWGS84`
to well under a millimetre; the EPSG code is kept because it survives in
file metadata (.prj, GeoPackage) and is recognised by other GIS software.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import pyproj
from pyproj.exceptions import CRSError

from geodata.errors import CRSProblem

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = [
    "BINH_DINH_BBOX_LONLAT",
    "BINH_DINH_BBOX_WORK",
    "BINH_DINH_EXTENT",
    "GIA_LAI_2025_EXTENT",
    "PROVINCE_MERGER_DATE",
    "SHORT_NAMES",
    "STORE_CRS",
    "VN2000_BINHDINH",
    "VN2000_BINHDINH_TOWGS84",
    "VN2000_TM3_BINHDINH_PROJ",
    "VN2000_TOWGS84",
    "VN2000_TO_WGS84_CF",
    "WORK_CRS",
    "CRSProblem",
    "Extent",
    "check_metric",
    "current_extent",
    "describe_crs",
    "expected_extent",
    "extent_on",
    "resolve_crs",
]

# ---------------------------------------------------------------------------
# Working and storage CRS
# ---------------------------------------------------------------------------

WORK_CRS: Final[pyproj.CRS] = pyproj.CRS.from_epsg(32649)
"""WGS 84 / UTM zone 49N (metres); every computation happens in this CRS."""

STORE_CRS: Final[pyproj.CRS] = pyproj.CRS.from_epsg(4326)
"""WGS 84 longitude/latitude (degrees); the CRS of everything written to disk."""

_METRE_UNIT_NAMES: Final = frozenset({"metre", "meter", "m"})


def check_metric(crs: pyproj.CRS | None) -> None:
    """Require a projected CRS whose horizontal axes are in metres.

    Parameters
    ----------
    crs : pyproj.CRS or None
        The CRS to check.

    Raises
    ------
    CRSProblem
        If `crs` is None, not projected, or its horizontal axes are not metres.

    """
    if crs is None:
        msg = "no CRS given; a projected CRS in metres is required (e.g. EPSG:32649)"
        raise CRSProblem(msg)
    if not crs.is_projected:
        msg = (
            f"CRS {describe_crs(crs)} is not projected; distances and areas need a "
            f"projected CRS in metres such as {describe_crs(WORK_CRS)}"
        )
        raise CRSProblem(msg)
    units = [axis.unit_name for axis in crs.axis_info[:2]]
    if len(units) < 2 or any(u.lower() not in _METRE_UNIT_NAMES for u in units):
        msg = (
            f"CRS {describe_crs(crs)} has axis units {units}, not metres; "
            f"use a metric CRS such as {describe_crs(WORK_CRS)}"
        )
        raise CRSProblem(msg)


# ---------------------------------------------------------------------------
# VN-2000
# ---------------------------------------------------------------------------

VN2000_TO_WGS84_CF: Final[tuple[float, float, float, float, float, float, float]] = (
    -191.90441429,
    -39.30318279,
    -111.45032835,
    -0.00928836,
    0.01975479,
    -0.00427372,
    0.252906278,
)
"""VN-2000 → WGS 84 as published (QĐ 05/2007/QĐ-BTNMT = EPSG:6960).

dX, dY, dZ (m), rX, rY, rZ (arc-seconds, coordinate frame convention), dS (ppm).
"""

_CF = VN2000_TO_WGS84_CF
VN2000_TOWGS84: Final[tuple[float, float, float, float, float, float, float]] = (
    _CF[0],
    _CF[1],
    _CF[2],
    -_CF[3],
    -_CF[4],
    -_CF[5],
    _CF[6],
)
"""The same transformation for PROJ ``+towgs84`` (position vector: rotations negated)."""

VN2000_TM3_BINHDINH_PROJ: Final = (
    "+proj=tmerc +lat_0=0 +lon_0=108.25 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m +no_defs"
)
"""Bình Định's TM-3 zone (central meridian 108°15' E) on the WGS 84 ellipsoid, no datum shift."""

VN2000_BINHDINH: Final[pyproj.CRS] = pyproj.CRS.from_epsg(9217)
"""VN-2000 / TM-3 108-15 (EPSG:9217), the provincial plane coordinates of Bình Định."""

VN2000_BINHDINH_TOWGS84: Final[pyproj.CRS] = pyproj.CRS.from_proj4(
    VN2000_TM3_BINHDINH_PROJ + " +towgs84=" + ",".join(repr(v) for v in VN2000_TOWGS84)
)
"""The same zone as an explicit ``+towgs84`` definition; transforms like EPSG:9217."""

# ---------------------------------------------------------------------------
# Short names
# ---------------------------------------------------------------------------

SHORT_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "vn2000-binhdinh": "EPSG:9217",
        "vn2000": "EPSG:4756",
        "vn2000-utm49": "EPSG:3406",
        "vn2000-utm48": "EPSG:3405",
        "utm49n": "EPSG:32649",
        "utm48n": "EPSG:32648",
        "wgs84": "EPSG:4326",
    },
)
"""Short CRS names accepted by :func:`resolve_crs` (and ``--crs``)."""


def _short_names_help() -> str:
    parts = [
        f"{name} ({code}, {pyproj.CRS.from_user_input(code).name})"
        for name, code in SHORT_NAMES.items()
    ]
    return "; ".join(parts)


def resolve_crs(value: str | int | pyproj.CRS | None) -> pyproj.CRS | None:
    """Turn a user-supplied CRS description into a :class:`pyproj.CRS`.

    Parameters
    ----------
    value : str, int, pyproj.CRS or None
        A short name from :data:`SHORT_NAMES` (case-insensitive), an EPSG
        code as ``"EPSG:9217"``, ``"9217"`` or ``9217``, WKT or a PROJ
        string, an existing CRS (returned unchanged), or None.

    Returns
    -------
    pyproj.CRS or None
        The CRS, or None when `value` is None.

    Raises
    ------
    CRSProblem
        If the value is not understood; the message lists the short names.

    """
    if value is None or isinstance(value, pyproj.CRS):
        return value
    if isinstance(value, bool):
        msg = f"not a CRS: {value!r}. Known short names: {_short_names_help()}"
        raise CRSProblem(msg)
    try:
        if isinstance(value, int):
            return pyproj.CRS.from_epsg(value)
        text = value.strip()
        short = SHORT_NAMES.get(text.lower())
        return pyproj.CRS.from_user_input(short if short is not None else text)
    except CRSError as exc:
        msg = (
            f"unknown CRS {value!r}. Use a short name — {_short_names_help()} — "
            "or an EPSG code such as EPSG:9217, or WKT / PROJ text"
        )
        raise CRSProblem(msg) from exc


# ---------------------------------------------------------------------------
# Province extent
# ---------------------------------------------------------------------------

BINH_DINH_BBOX_LONLAT: Final[tuple[float, float, float, float]] = (
    108.55,
    13.45,
    109.42,
    14.76,
)
"""Bình Định (108.602 to 109.363 E, 13.515 to 14.703 N) plus a margin: minx, miny, maxx, maxy."""

_WORK_BOUNDS = pyproj.Transformer.from_crs(STORE_CRS, WORK_CRS, always_xy=True).transform_bounds(
    *BINH_DINH_BBOX_LONLAT,
)
BINH_DINH_BBOX_WORK: Final[tuple[float, float, float, float]] = (
    float(math.floor(_WORK_BOUNDS[0])),
    float(math.floor(_WORK_BOUNDS[1])),
    float(math.ceil(_WORK_BOUNDS[2])),
    float(math.ceil(_WORK_BOUNDS[3])),
)
""":data:`BINH_DINH_BBOX_LONLAT` in :data:`WORK_CRS` metres (enclosing box)."""


@dataclass(frozen=True)
class Extent:
    """Where a file's coordinates are expected to lie: a name for messages and a box.

    Parameters
    ----------
    name
        The area's name as messages say it ("Bình Định").
    bbox_lonlat
        ``(minx, miny, maxx, maxy)`` in degrees of longitude and latitude, with a margin.
    """

    name: str
    bbox_lonlat: tuple[float, float, float, float]


BINH_DINH_EXTENT: Final = Extent("Bình Định", BINH_DINH_BBOX_LONLAT)
"""The province until 30 June 2025."""

GIA_LAI_2025_EXTENT: Final = Extent(
    "Gia Lai (the province since 1 July 2025, with the former Bình Định)",
    (107.40, 12.95, 109.42, 14.76),
)
"""The new Gia Lai (107.451 to 109.371 E, 12.996 to 14.703 N in the 135 communes of Nghị
quyết 1664/NQ-UBTVQH15) plus a margin: Bình Định and the former Gia Lai."""

PROVINCE_MERGER_DATE: Final = dt.date(2025, 7, 1)
"""Bình Định is part of Gia Lai from this date (Nghị quyết 202/2025/QH15)."""

_EXTENT: ContextVar[Extent] = ContextVar("hatangso_expected_extent", default=BINH_DINH_EXTENT)


def extent_on(day: dt.date | str | None) -> Extent:
    """Return the province's extent on ``day``: Bình Định before 1 July 2025, then Gia Lai.

    Parameters
    ----------
    day
        A date or ``YYYY-MM-DD``; ``None`` means Bình Định (the demo's base period).

    Returns
    -------
    Extent
        :data:`BINH_DINH_EXTENT` or :data:`GIA_LAI_2025_EXTENT`.

    Examples
    --------
    >>> extent_on("2024-12-31").name
    'Bình Định'
    >>> extent_on("2025-07-01") is GIA_LAI_2025_EXTENT
    True
    """
    if day is None:
        return BINH_DINH_EXTENT
    when = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
    return GIA_LAI_2025_EXTENT if when >= PROVINCE_MERGER_DATE else BINH_DINH_EXTENT


def current_extent() -> Extent:
    """Return the extent coordinates are checked against here (default Bình Định)."""
    return _EXTENT.get()


@contextlib.contextmanager
def expected_extent(extent: Extent) -> Iterator[Extent]:
    """Check coordinates against ``extent`` inside the ``with`` block (per thread/task).

    Parameters
    ----------
    extent
        The area files read inside the block are expected in, e.g. ``extent_on(as_of)``.

    Yields
    ------
    Extent
        ``extent``.
    """
    token = _EXTENT.set(extent)
    try:
        yield extent
    finally:
        _EXTENT.reset(token)


def describe_crs(crs: pyproj.CRS) -> str:
    """Name a CRS for messages: ``EPSG:n (name)``, or its quoted name without a code.

    Examples
    --------
    >>> describe_crs(WORK_CRS)
    'EPSG:32649 (WGS 84 / UTM zone 49N)'
    """
    code = crs.to_epsg(min_confidence=100)
    if code is None:
        return f"'{crs.name}'"
    return f"EPSG:{code} ({crs.name})"
