"""Writing files for people: CSV (Excel-friendly UTF-8), Excel, GeoJSON, KML, and any bytes.

Every file the project writes is written here, atomically: :func:`atomic_path` gives a
temporary file beside the target that replaces it (``os.replace``) only once it is whole,
so a reader never sees half a file and a failure leaves the old one; :func:`atomic_write`
writes bytes or text that way. Every spreadsheet passes the formula guard: text that a
spreadsheet would run as a formula (``=HYPERLINK(…)`` typed by one user) opens as text
for the next (:func:`guard_formulas` for workbook cells; in CSV, which has no cell types,
such text gets a leading apostrophe).

KML is what officials open in Google Earth; :func:`write_kml` writes it without GDAL
(placemarks with a name, a description table, every column as extended data and an
optional colour a feature). :func:`write_workbook` writes tables as the sheets of one
workbook. :func:`export_bytes` and :func:`workbook_bytes` return the same files as bytes
for a download button.
"""

from __future__ import annotations

import html
import io
import logging
import math
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS
from geodata.errors import InputError

__all__ = [
    "EXPORT_SUFFIXES",
    "atomic_path",
    "atomic_write",
    "export_bytes",
    "guard_formulas",
    "kml_text",
    "workbook_bytes",
    "write_kml",
    "write_table",
    "write_workbook",
]

log = logging.getLogger(__name__)

EXPORT_SUFFIXES = (".csv", ".xlsx", ".geojson")


# --------------------------------------------------------------------------- atomic writing


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without error it replaces it.

    The temporary file is in the same folder (so ``os.replace`` is atomic) and hidden
    (``.NAME.<random>.SUFFIX``, the suffix in lower case for writers that choose their
    format by it); it is removed if the block fails. The folder is created if needed.

    Parameters
    ----------
    path
        The file to write.

    Yields
    ------
    pathlib.Path
        Where to write it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}{path.suffix.lower()}")
    try:
        yield tmp
        tmp.replace(path)  # os.replace: atomic within a folder
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: str | Path, data: bytes | str) -> Path:
    """Write bytes, or text as UTF-8, to ``path`` atomically (see :func:`atomic_path`).

    Parameters
    ----------
    path
        The file to write.
    data
        Its content.

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     atomic_write(Path(folder) / "a.txt", "Làng O2").read_text(encoding="utf-8")
    'Làng O2'
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return path


# --------------------------------------------------------------------------- tables and layers


def write_table(frame: pd.DataFrame, path: str | Path, *, sheet_name: str = "data") -> Path:
    """Write a table (or a GeoDataFrame) to CSV, Excel or GeoJSON, atomically.

    Parameters
    ----------
    frame
        The rows; a GeoDataFrame for GeoJSON.
    path
        Where; the suffix picks the format. CSV is UTF-8 with a byte-order mark so that
        Excel shows Vietnamese correctly.
    sheet_name
        Sheet name for Excel.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        For an unknown suffix, or GeoJSON asked of a table without geometry.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        what = suffix or "files without a suffix"
        msg = f"{path.name}: cannot write {what}; use .csv, .xlsx or .geojson."
        raise InputError(msg)
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            table = _quote_formulas(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            table = _quote_formulas(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))
            _save_sheets({sheet_name: table}, tmp)
        else:
            if not isinstance(frame, gpd.GeoDataFrame):
                msg = f"{path.name}: this table has no geometry; write it as .csv or .xlsx."
                raise InputError(msg)
            frame.to_crs(STORE_CRS).to_file(tmp, driver="GeoJSON")
    log.info("wrote %s (%d rows)", path, len(frame))
    return path


def kml_text(  # noqa: PLR0913
    frame: gpd.GeoDataFrame,
    *,
    name_column: str | None = None,
    description_columns: Sequence[str] | None = None,
    colour_column: str | None = None,
    document_name: str = "Hạ tầng số",
    width: float = 3.0,
) -> str:
    """Return a layer as KML 2.2 text (EPSG:4326, as KML requires).

    Parameters
    ----------
    frame
        Points, lines or polygons (single or multi) with a CRS.
    name_column
        Column shown as each placemark's name.
    description_columns
        Columns shown, in this order, as a table in each placemark's balloon (default: every
        column). Every column is also written as ``ExtendedData``.
    colour_column
        Column of ``#rrggbb`` colours, one a feature (lines, outlines and icons).
    document_name
        The document's name in Google Earth's list.
    width
        Line width in pixels.

    Returns
    -------
    str
        The KML document.

    Examples
    --------
    >>> import shapely
    >>> frame = gpd.GeoDataFrame({"name": ["Làng O2"]}, geometry=[shapely.Point(108.7, 14.3)],
    ...                          crs=4326)
    >>> "<coordinates>108.7,14.3</coordinates>" in kml_text(frame, name_column="name")
    True
    """
    if frame.crs is None:
        msg = "the layer has no CRS; a KML file needs to know where its coordinates are."
        raise InputError(msg)
    data = frame.to_crs(STORE_CRS)
    geom_name = data.geometry.name
    columns = [c for c in data.columns if c != geom_name]
    shown = list(description_columns) if description_columns is not None else columns
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
        f"<name>{escape(document_name)}</name>",
    ]
    styles: dict[str, str] = {}
    placemarks: list[str] = []
    for row, geom in zip(data[columns].to_dict(orient="records"), data.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        style = ""
        if colour_column is not None and isinstance(row.get(colour_column), str):
            colour = str(row[colour_column])
            style_id = f"c{colour.lstrip('#').lower()}"
            styles.setdefault(style_id, _kml_style(style_id, colour, width))
            style = f"<styleUrl>#{style_id}</styleUrl>"
        name = "" if name_column is None else _kml_value(row.get(name_column))
        table = "".join(
            f"<tr><th>{html.escape(str(c))}</th><td>{html.escape(_kml_value(row.get(c)))}</td></tr>"
            for c in shown
        )
        extended = "".join(
            f"<Data name={quoteattr(str(c))}><value>{escape(_kml_value(row.get(c)))}</value></Data>"
            for c in columns
        )
        placemarks.append(
            f"<Placemark><name>{escape(name)}</name>{style}"
            f"<description>{escape(f'<table>{table}</table>')}</description>"
            f"<ExtendedData>{extended}</ExtendedData>{_kml_geometry(geom)}</Placemark>"
        )
    parts += list(styles.values()) + placemarks + ["</Document></kml>"]
    return "\n".join(parts) + "\n"


def write_kml(frame: gpd.GeoDataFrame, path: str | Path, **options: object) -> Path:
    """Write a layer as KML, atomically.

    Parameters
    ----------
    frame
        The layer (any CRS).
    path
        Where (``.kml``).
    **options
        As for :func:`kml_text`.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    if path.suffix.lower() != ".kml":
        msg = f"{path.name}: a KML file must end in .kml."
        raise InputError(msg)
    atomic_write(path, kml_text(frame, **options))  # type: ignore[arg-type]
    log.info("wrote %s (%d features)", path, len(frame))
    return path


def export_bytes(
    frame: pd.DataFrame, fmt: str, *, sheet_name: str = "data", **kml_options: object
) -> bytes:
    """Return a table or layer as the bytes of a ``csv``, ``xlsx``, ``geojson`` or ``kml`` file.

    The bytes are exactly those :func:`write_table` or :func:`write_kml` write (for a
    download button, say).

    Parameters
    ----------
    frame
        The rows; a GeoDataFrame for GeoJSON and KML.
    fmt
        ``"csv"``, ``"xlsx"``, ``"geojson"`` or ``"kml"``.
    sheet_name
        Sheet name for Excel.
    **kml_options
        As for :func:`kml_text`.

    Returns
    -------
    bytes
    """
    suffix = "." + fmt.lower().lstrip(".")
    if suffix == ".kml":
        if not isinstance(frame, gpd.GeoDataFrame):
            msg = "this table has no geometry; write it as .csv or .xlsx."
            raise InputError(msg)
        return kml_text(frame, **kml_options).encode("utf-8")  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="hatangso-export-") as tmp:
        path = write_table(frame, Path(tmp) / f"export{suffix}", sheet_name=sheet_name)
        return path.read_bytes()


def _kml_value(value: object) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _kml_style(style_id: str, colour: str, width: float) -> str:
    hex_rgb = colour.lstrip("#").lower()
    if len(hex_rgb) != 6:
        hex_rgb = "3388ff"
    abgr = "ff" + hex_rgb[4:6] + hex_rgb[2:4] + hex_rgb[0:2]
    return (
        f'<Style id="{style_id}"><LineStyle><color>{abgr}</color><width>{width:g}</width>'
        f"</LineStyle><PolyStyle><color>55{abgr[2:]}</color></PolyStyle>"
        f"<IconStyle><color>{abgr}</color></IconStyle></Style>"
    )


def _kml_coords(geom: BaseGeometry) -> str:
    return " ".join(f"{x:.7g},{y:.7g}" for x, y in shapely.get_coordinates(geom))


def _kml_ring(tag: str, ring: BaseGeometry) -> str:
    coords = f"<coordinates>{_kml_coords(ring)}</coordinates>"
    return f"<{tag}><LinearRing>{coords}</LinearRing></{tag}>"


def _kml_geometry(geom: BaseGeometry) -> str:
    if isinstance(geom, Point):
        return f"<Point><coordinates>{_kml_coords(geom)}</coordinates></Point>"
    if isinstance(geom, LineString):
        coords = f"<coordinates>{_kml_coords(geom)}</coordinates>"
        return f"<LineString><tessellate>1</tessellate>{coords}</LineString>"
    if isinstance(geom, Polygon):
        rings = [_kml_ring("outerBoundaryIs", geom.exterior)]
        rings += [_kml_ring("innerBoundaryIs", ring) for ring in geom.interiors]
        return f"<Polygon>{''.join(rings)}</Polygon>"
    parts = "".join(_kml_geometry(part) for part in shapely.get_parts(geom))
    return f"<MultiGeometry>{parts}</MultiGeometry>"


# --------------------------------------------------------------------------- workbooks


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables as the sheets of an Excel workbook, atomically, formulas kept as text.

    Parameters
    ----------
    sheets
        Sheet name (cut to Excel's 31 characters) -> its rows, written without the index.
    path
        The ``.xlsx`` file.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        For another suffix.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        msg = f"{path.name}: a workbook must end in .xlsx."
        raise InputError(msg)
    with atomic_path(path) as tmp:
        _save_sheets(sheets, tmp)
    log.info("wrote %s", path)
    return path


def workbook_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """Return the bytes of the workbook :func:`write_workbook` writes (for a download).

    Examples
    --------
    >>> workbook_bytes({"data": pd.DataFrame({"a": [1]})})[:2]
    b'PK'
    """
    buffer = io.BytesIO()
    _save_sheets(sheets, buffer)
    return buffer.getvalue()


def _save_sheets(sheets: Mapping[str, pd.DataFrame], target: Path | BinaryIO) -> None:
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            guard_formulas(writer.sheets[name[:31]])


# --------------------------------------------------------------------------- formula guard

#: What a spreadsheet takes as the start of a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_STARTS)


def guard_formulas(sheet: Any) -> None:  # noqa: ANN401 - an openpyxl worksheet
    """Keep every text cell of a workbook sheet text, even one a spreadsheet would run.

    openpyxl stores a text starting with ``=`` as a formula; a comment such as
    ``=HYPERLINK(...)`` typed by one user must open as the text it is for the next. The
    cell keeps its value, typed as text (no apostrophe is added).

    Parameters
    ----------
    sheet
        An ``openpyxl`` worksheet, changed in place.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if _looks_like_formula(cell.value):
                cell.data_type = "s"


def _quote_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with text cells that a spreadsheet would run as formulas made inert.

    For CSV, which has no cell types (and, as ever, for :func:`write_table`'s workbooks):
    the cell gets a leading apostrophe, which Excel and LibreOffice show as text.
    """
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(lambda v: f"'{v}" if _looks_like_formula(v) else v)
    return out
