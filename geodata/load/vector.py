"""Vector files officials send: GeoJSON, GeoPackage, Shapefile (also zipped).

:func:`list_source_layers` names a file's layers; the reading itself (layer chosen,
declared CRS, text decoded, frame in EPSG:4326) is called by
:func:`geodata.load.raw.read_raw`.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pyogrio
import pyproj
from pyogrio.errors import DataLayerError, DataSourceError

from geodata.errors import InputFileError, Problem
from geodata.load.common import RawLayer, _decode_text, _settle_crs, _to_store, _unreadable
from geodata.load.tables import _apply_columns

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "list_source_layers",
]


def list_source_layers(path: Path) -> list[str]:
    """Return the layer names inside a multi-layer file (GeoPackage).

    Parameters
    ----------
    path
        A vector file.

    Returns
    -------
    list of str
    """
    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError) as err:
        raise _unreadable(path, err) from None


def _read_vector(  # noqa: PLR0913
    path: Path,
    layer: str,
    declared: pyproj.CRS | None,
    legacy: str | None,
    codec: str | None,
    encoding_arg: str | None,
    swap_xy: bool,
    source_layer: str | None,
    columns: Mapping[str, str] | None = None,
) -> RawLayer:
    name = path.name
    target = _vector_target(path)
    chosen_layer = _choose_layer(target, name, layer, source_layer)
    read_encoding = "latin1" if legacy else codec
    try:
        with warnings.catch_warnings():
            # pyogrio warns about e.g. measured geometries; the report covers what matters
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(
                target, layer=chosen_layer, encoding=read_encoding, on_invalid="ignore"
            )
    except (DataSourceError, DataLayerError, OSError, ValueError) as err:
        raise _unreadable(path, err) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name is None:
        msg = f"{name}: has no geometry column. Layers of this tool need geometries."
        raise InputFileError(msg)
    file_crs = _declared_file_crs(path, frame)
    problems: list[Problem] = []
    frame = _decode_text(frame, name, legacy, encoding_arg, problems)
    crs_used = _settle_crs(frame, name, file_crs, declared, swap_xy)
    rows = list(range(1, len(frame) + 1))
    notes: list[str] = []
    renamed, used = _apply_columns(frame, name, columns, notes)  # --column, a profile's
    return RawLayer(
        frame=_to_store(gpd.GeoDataFrame(renamed, geometry=frame.geometry.name), crs_used, swap_xy),
        source=name,
        row_label="feature",
        row_numbers=rows,
        problems=problems,
        crs=crs_used,
        notes=notes,
        columns=used,
    )


def _vector_target(path: Path) -> str | Path:
    """Return what GDAL should open: the file, the .shp in a folder, or a /vsizip/ path."""
    if path.is_dir():
        shps = sorted(path.glob("*.shp"))
        if len(shps) != 1:
            found = ", ".join(p.name for p in shps) or "none"
            msg = f"{path.name}: expected one .shp file in the folder, found {found}."
            raise InputFileError(msg)
        return shps[0]
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist() if not m.startswith("__MACOSX")]
        except zipfile.BadZipFile:
            msg = f"{path.name}: is not a readable .zip archive (truncated?). Re-create it."
            raise InputFileError(msg) from None
        vectors = [m for m in members if m.lower().endswith((".shp", ".geojson", ".gpkg"))]
        if len(vectors) != 1:
            found = ", ".join(vectors) or "none"
            msg = f"{path.name}: expected one .shp/.geojson/.gpkg in the archive, found {found}."
            raise InputFileError(msg)
        return f"/vsizip/{path.resolve()}/{vectors[0]}"
    return path


def _choose_layer(
    target: str | Path, name: str, layer: str, source_layer: str | None
) -> str | None:
    if source_layer is not None:
        return source_layer
    if not str(target).lower().endswith(".gpkg"):
        return None
    try:
        layers = [str(n) for n, _ in pyogrio.list_layers(target)]
    except (DataSourceError, DataLayerError) as err:
        raise _unreadable(Path(str(target)), err) from None
    if len(layers) == 1:
        return layers[0]
    if layer in layers:
        return layer
    msg = (
        f"{name}: holds several layers ({', '.join(layers)}) and none is called "
        f"{layer!r}. Name the one to read with --source-layer."
    )
    raise InputFileError(msg)


def _declared_file_crs(path: Path, frame: gpd.GeoDataFrame) -> pyproj.CRS | None:
    """Return the CRS the file itself declares, ``None`` when it declares none.

    GDAL reports EPSG:4326 for every GeoJSON without a ``crs`` member (RFC 7946), so a
    GeoJSON counts as declaring a CRS only when it has that member.
    """
    if frame.crs is None:
        return None
    declared = pyproj.CRS.from_user_input(frame.crs)
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            with path.open(encoding="utf-8", errors="replace") as fh:
                head = json.load(fh)
        except (json.JSONDecodeError, OSError):
            return declared
        if isinstance(head, dict) and "crs" not in head:
            return None
    return declared
