"""What the readers of :mod:`geodata.load` share: suffixes, aliases, the raw layer, CRS, text.

The file suffixes each reader takes, the coordinate column aliases, :class:`RawLayer` (what
every reader returns), and the steps every reader ends with: decoding text (Unicode NFC;
legacy TCVN3/VNI decoded when declared, flagged when obvious but undeclared), settling the
coordinates' CRS without guessing (:func:`geodata.coordinates.check_coordinates`) and the
frame in EPSG:4326.
"""

from __future__ import annotations

import functools
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geodata.coordinates import check_coordinates, swap_xy_geometries
from geodata.crs import STORE_CRS
from geodata.errors import InputFileError, LegacyEncodingWarning, Problem
from geodata.text import LegacyEncoding, decode_legacy, detect_legacy, to_nfc

__all__ = [
    "LEGACY",
    "RASTER_SUFFIXES",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "X_ALIASES",
    "Y_ALIASES",
    "RawLayer",
]

log = logging.getLogger("geodata.load")  # one logger for the readers, as before the split

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", *TABLE_SUFFIXES)
RASTER_SUFFIXES = (".tif", ".tiff")
LEGACY = ("tcvn3", "vni")

#: Column names that hold x (longitude / easting) and y (latitude / northing).
X_ALIASES = ("lon", "lng", "long", "longitude", "kinh_do", "kinhdo", "x", "easting", "toa_do_x")
Y_ALIASES = ("lat", "latitude", "vi_do", "vido", "y", "northing", "toa_do_y")


@dataclass
class RawLayer:
    """A file's rows as read, geometry in EPSG:4326, before contract validation.

    Attributes
    ----------
    frame
        The file's own columns (text in NFC) and a geometry column in EPSG:4326.
    source
        The file name shown in messages.
    row_label
        ``"row"`` for spreadsheets (numbered as the spreadsheet shows them) or
        ``"feature"`` for vector files (1-based).
    row_numbers
        The number shown for each row of ``frame``.
    problems
        Findings made while reading (bad coordinates, legacy encodings).
    crs
        The CRS the coordinates were read in.
    notes
        What the reader decided, for the user: the sheet read, the header's rows, the
        rows left out (title, total …), a CRS taken from a header.
    title
        The text above a table's header (the title block), for the file's operator.
    columns
        The file's columns read as coordinates: ``{"x": …, "y": …}`` (tables).
    sheet
        The Excel sheet read.
    """

    frame: gpd.GeoDataFrame
    source: str
    row_label: str
    row_numbers: list[int]
    problems: list[Problem] = field(default_factory=list)
    crs: pyproj.CRS | None = None
    notes: list[str] = field(default_factory=list)
    title: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None


def _unreadable(path: Path, err: Exception) -> InputFileError:
    detail = str(err).splitlines()[0] if str(err) else type(err).__name__
    kind = {
        ".gpkg": "GeoPackage",
        ".geojson": "GeoJSON",
        ".json": "GeoJSON",
        ".shp": "Shapefile",
        ".zip": "zipped Shapefile",
    }.get(path.suffix.lower(), "vector file")
    msg = (
        f"{path.name}: is not a readable {kind} (truncated or corrupted?): {detail}. "
        "Export the file again from its source."
    )
    return InputFileError(msg)


def _decode_text(
    frame: pd.DataFrame,
    name: str,
    legacy: str | None,
    encoding_arg: str | None,
    problems: list[Problem],
) -> pd.DataFrame:
    """NFC every text cell; decode declared legacy encodings, flag obvious undeclared ones."""
    text_cols = [
        c
        for c in frame.columns
        if c != getattr(frame, "_geometry_column_name", None)
        and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
    ]
    for col in text_cols:
        series = frame[col]
        mask = series.map(lambda v: isinstance(v, str))
        if not mask.any():
            continue
        values = series[mask]
        if legacy:
            codec: LegacyEncoding = "vni" if legacy == "vni" else "tcvn3"
            decoded = values.map(functools.partial(_decode_cell, encoding=codec))
        else:
            decoded = values.map(to_nfc)
            if encoding_arg is None:
                guess = detect_legacy(values.tolist())
                if guess is not None:
                    example = next(
                        (v for v in values.tolist() if decode_legacy(v, guess) != v), values.iloc[0]
                    )
                    msg = (
                        f"{name}: text in column {col!r} looks {guess.upper()}-encoded "
                        f"({example!r} reads as {decode_legacy(example, guess)!r})."
                    )
                    warnings.warn(msg, LegacyEncodingWarning, stacklevel=4)
                    problems.append(
                        Problem(
                            f"text looks {guess.upper()}-encoded: {example!r} reads as "
                            f"{decode_legacy(example, guess)!r}.",
                            fix=f"re-run with --encoding {guess} (or --encoding none to keep "
                            "the text as it is).",
                            column=col,
                        )
                    )
        frame[col] = series.astype(object).where(~mask, decoded)
    frame.columns = [to_nfc(str(c)) for c in frame.columns]
    return frame


def _decode_cell(value: str, *, encoding: LegacyEncoding) -> str:
    return decode_legacy(value, encoding)


def _representative_xy(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Return up to 20,000 coordinates spread over the geometries, for the CRS checks."""
    valid = geoms[~(geoms.isna() | geoms.is_empty)]
    coords = shapely.get_coordinates(valid.to_numpy())
    if len(coords) > 20_000:
        coords = coords[:: len(coords) // 20_000 + 1]
    return coords[:, 0], coords[:, 1]


def _settle_crs(
    frame: gpd.GeoDataFrame,
    source: str,
    file_crs: pyproj.CRS | None,
    declared: pyproj.CRS | None,
    swap_xy: bool,
) -> pyproj.CRS:
    if file_crs is not None and declared is not None and not file_crs.equals(declared):
        msg = (
            f"{source}: the file declares its CRS as {file_crs.to_string()!r} but --crs says "
            f"{declared.to_string()!r}. Drop --crs, or fix the CRS stored with the file."
        )
        raise InputFileError(msg)
    xs, ys = _representative_xy(frame.geometry)
    if len(xs) == 0:
        msg = f"{source}: has no geometry with coordinates. Check the file."
        raise InputFileError(msg)
    return check_coordinates(
        xs, ys, crs=file_crs if file_crs is not None else declared, source=source, swap_xy=swap_xy
    )


def _to_store(frame: gpd.GeoDataFrame, crs: pyproj.CRS, swap_xy: bool) -> gpd.GeoDataFrame:
    geometry = frame.geometry
    if swap_xy:
        geometry = swap_xy_geometries(geometry)
    out = frame.set_geometry(gpd.GeoSeries(geometry.to_numpy(), index=frame.index, crs=None))
    out = out.set_crs(crs, allow_override=True)
    if not out.crs.equals(STORE_CRS):
        out = out.to_crs(STORE_CRS)
    return out.rename_geometry("geometry") if out.geometry.name != "geometry" else out
