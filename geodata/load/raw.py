"""The entry of the readers: :func:`read_raw` reads any vector or table file officials send.

It dispatches on the suffix to :mod:`geodata.load.vector` or :mod:`geodata.load.tables`,
both ending in the same :class:`~geodata.load.common.RawLayer` in EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyproj

from geodata.crs import resolve_crs
from geodata.errors import InputFileError
from geodata.load.common import LEGACY, TABLE_SUFFIXES, RawLayer
from geodata.load.tables import _read_table
from geodata.load.vector import _read_vector

__all__ = [
    "read_raw",
]


def read_raw(  # noqa: PLR0913 - the reading options of the CLI, all keyword-only
    path: str | Path,
    *,
    layer: str,
    crs: str | int | pyproj.CRS | None = None,
    encoding: str | None = None,
    swap_xy: bool = False,
    source_layer: str | None = None,
    sheet: str | int | None = None,
    columns: Mapping[str, str] | None = None,
) -> RawLayer:
    """Read a vector or table file for a contract layer.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile (``.shp``, a folder or a ``.zip``), CSV or Excel.
    layer
        The contract layer the file is meant to be (used to pick a GeoPackage layer).
    crs
        The CRS of the coordinates when the file does not declare one (short names such
        as ``"vn2000-binhdinh"``, ``"EPSG:9217"``). A file that declares a different CRS
        is refused rather than silently overridden.
    encoding
        ``"tcvn3"`` or ``"vni"`` for legacy Vietnamese text, any Python codec name, or
        ``"none"`` to keep the text as it is (no check for undeclared legacy text).
    swap_xy
        Swap x and y (latitude and longitude given in the wrong order).
    source_layer
        The layer inside a GeoPackage, when it is not named like ``layer``.
    sheet
        The Excel sheet (name, matched ignoring case and diacritics, or 0-based index);
        default the first.
    columns
        A column mapping (contract column -> the file's header; for a table ``"x"`` and
        ``"y"`` for the coordinates), as saved in an import profile or given with
        ``--column``; the rest is recognised from the header.

    Returns
    -------
    RawLayer

    Raises
    ------
    InputFileError
        The file is missing, unreadable or of an unknown kind.
    CRSProblem
        The coordinates do not fit the province in the declared CRS, or no CRS is given
        and they are not degrees.
    """
    path = Path(path)
    if not path.exists():
        msg = f"{path}: no such file. Check the path."
        raise InputFileError(msg)
    legacy = encoding.lower() if encoding and encoding.lower() in LEGACY else None
    codec = None if legacy or not encoding or encoding.lower() == "none" else encoding
    declared = resolve_crs(crs)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return _read_table(path, declared, legacy, codec, encoding, swap_xy, sheet, layer, columns)
    if path.is_dir() or suffix in (".geojson", ".json", ".gpkg", ".shp", ".zip"):
        return _read_vector(
            path, layer, declared, legacy, codec, encoding, swap_xy, source_layer, columns
        )
    msg = (
        f"{path.name}: cannot read files of type {suffix or '(none)'!r}. Use GeoJSON, "
        "GeoPackage, Shapefile (.shp, folder or .zip), CSV or Excel (.xlsx) with "
        "coordinate columns."
    )
    raise InputFileError(msg)
