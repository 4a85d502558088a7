"""Tables officials send: CSV and Excel with title blocks, totals and legacy encodings.

The table is located in its sheet (:mod:`geodata.sheets`, :mod:`geodata.sheet_table`), its
columns named by the data contract's aliases (or by hand: :func:`preview_table` for the
mapping page), coordinates read from its X/Y columns with the CRS from the header or the
caller, and its text decoded.
:func:`read_table` reads a plain table (the evidence importers); the layer reader is
:func:`geodata.load.raw.read_raw`.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geodata.coordinates import check_coordinates
from geodata.crs import describe_crs, resolve_crs
from geodata.errors import CRSProblem, InputFileError, Problem
from geodata.load.cells import _find_column, _parse_coordinates
from geodata.load.common import (
    LEGACY,
    TABLE_SUFFIXES,
    X_ALIASES,
    Y_ALIASES,
    RawLayer,
    _decode_cell,
    _decode_text,
    _settle_crs,
    _to_store,
    log,
)
from geodata.mapping import id_preference
from geodata.schemas import LAYERS, column_key, layer_schema
from geodata.sheet_table import Table, describe_skipped, locate_table
from geodata.sheets import (
    HEADER_SEARCH_ROWS,
    Grid,
    crs_hint,
    grid_from_text,
    header_keys,
    read_excel_grid,
    split_header,
)
from geodata.text import LegacyEncoding, detect_legacy, to_nfc

__all__ = [
    "TablePreview",
    "known_column_keys",
    "preview_table",
    "read_table",
]


def _read_table(  # noqa: PLR0913
    path: Path,
    declared: pyproj.CRS | None,
    legacy: str | None,
    codec: str | None,
    encoding_arg: str | None,
    swap_xy: bool,
    sheet: str | int | None,
    layer: str,
    columns: Mapping[str, str] | None,
) -> RawLayer:
    name = path.name
    grid, table, first_note = _locate(path, sheet, legacy, codec, layer)
    notes = [*first_note, *_table_notes(name, grid, table)]
    frame = pd.DataFrame(table.rows, columns=table.columns, dtype=object)
    if not len(table.columns):
        msg = f"{name}: the {'sheet' if grid.sheet else 'file'} is empty. Check the file."
        raise InputFileError(msg)
    problems: list[Problem] = []
    frame = _decode_text(frame, name, None, encoding_arg or legacy, problems)
    frame, used = _apply_columns(frame, name, columns, notes)
    x_col = used.get("x") or _find_column(frame, X_ALIASES)
    y_col = used.get("y") or _find_column(frame, Y_ALIASES)
    if x_col is None or y_col is None:
        raise InputFileError(_no_coordinates(name, grid, table, frame))
    row_numbers = table.row_numbers
    xs = _parse_coordinates(frame[x_col], x_col, row_numbers, problems)
    ys = _parse_coordinates(frame[y_col], y_col, row_numbers, problems)
    ok = ~(np.isnan(xs) | np.isnan(ys))
    geoms = np.full(len(frame), None, dtype=object)
    geoms[ok] = shapely.points(xs[ok], ys[ok])
    gdf = gpd.GeoDataFrame(frame.drop(columns=[x_col, y_col]), geometry=list(geoms), crs=None)
    source = f"{name} (columns {x_col!r}, {y_col!r})"
    if not ok.any():
        msg = f"{name}: no row has usable coordinates in columns {x_col!r} and {y_col!r}."
        raise InputFileError(msg)
    if declared is None:
        declared = _crs_from_header(x_col, y_col, xs[ok], ys[ok], source, swap_xy, notes)
    crs_used = _settle_crs(gdf, source, None, declared, swap_xy)
    for note in notes:
        log.info("%s", note)
    return RawLayer(
        frame=_to_store(gdf, crs_used, swap_xy),
        source=name,
        row_label="row",
        row_numbers=row_numbers,
        problems=problems,
        crs=crs_used,
        notes=notes,
        title=" / ".join(table.title),
        columns={**used, "x": x_col, "y": y_col},
        sheet=grid.sheet,
    )


@dataclass
class TablePreview:
    """A table file's first rows as the reader sees them, for mapping columns by hand.

    Attributes
    ----------
    columns
        The table's columns (a multi-row header combined), as a mapping names them.
    head
        The first data rows, every cell as text.
    suggested
        Contract column (``x``/``y``: coordinates) -> the column recognised for it.
    notes
        What the reader decided (sheet, header rows, rows skipped).
    """

    columns: list[str]
    head: pd.DataFrame
    suggested: dict[str, str]
    notes: list[str]


def preview_table(
    path: str | Path,
    *,
    layer: str,
    sheet: str | int | None = None,
    encoding: str | None = None,
    rows: int = 5,
) -> TablePreview:
    """Return a table's columns, first rows and recognised columns, without validating.

    Parameters
    ----------
    path
        A CSV or Excel file.
    layer
        The contract layer it is meant to be.
    sheet, encoding
        As for :func:`read_raw`.
    rows
        How many data rows to show.

    Returns
    -------
    TablePreview

    Raises
    ------
    InputFileError
        Not a table, or unreadable.
    """
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        msg = f"{path.name}: only a table (CSV, Excel) can be mapped column by column."
        raise InputFileError(msg)
    legacy = encoding.lower() if encoding and encoding.lower() in LEGACY else None
    codec = None if legacy or not encoding or encoding.lower() == "none" else encoding
    grid, table, first_note = _locate(path, sheet, legacy, codec, layer)
    head = pd.DataFrame(table.rows[:rows], columns=table.columns, dtype=object)
    head = head.map(lambda v: "" if v is None else str(v))
    frame = pd.DataFrame(table.rows, columns=table.columns, dtype=object)
    suggested: dict[str, str] = {}
    try:
        alias_map = layer_schema(layer).alias_map()
    except KeyError:
        alias_map = {}
    claims: dict[str, list[str]] = {}
    for col in table.columns:
        target = next((alias_map[k] for k in header_keys(col) if k in alias_map), None)
        if target is not None:
            claims.setdefault(target, []).append(col)
    for target, cols in claims.items():  # a code beats a name (geodata.mapping)
        suggested[target] = min(
            cols, key=lambda c: id_preference(header_keys(c)[0], list(frame[c].to_numpy()))
        )
    for target, aliases in (("x", X_ALIASES), ("y", Y_ALIASES)):
        found = _find_column(frame, aliases)
        if found is not None:
            suggested[target] = found
    notes = [*first_note, *_table_notes(path.name, grid, table)]
    return TablePreview(list(table.columns), head, suggested, notes)


def _locate(
    path: Path, sheet: str | int | None, legacy: str | None, codec: str | None, layer: str
) -> tuple[Grid, Table, list[str]]:
    """Read a table's cells and find its header.

    Without ``sheet``, a workbook whose first sheet holds no recognisable table (a cover
    page, instructions) is read from the first sheet that does, and said so.
    """
    keys = known_column_keys(layer)
    excel = path.suffix.lower().startswith(".xls")
    grid = read_excel_grid(path, sheet) if excel else grid_from_text(_csv_text(path, legacy, codec))
    _decode_grid(grid, legacy)
    table = locate_table(grid, keys)
    if not excel or sheet is not None or table.found or len(grid.sheets) < 2:
        return grid, table, []
    for other in grid.sheets[1:]:
        candidate = read_excel_grid(path, other)
        _decode_grid(candidate, legacy)
        found = locate_table(candidate, keys)
        if found.found:
            note = f"{path.name}: the first sheet {grid.sheet!r} holds no table of {layer}."
            return candidate, found, [note]
    return grid, table, []


def _decode_grid(grid: Grid, legacy: str | None) -> None:
    if legacy:
        codec_name: LegacyEncoding = "vni" if legacy == "vni" else "tcvn3"
        grid.map_text(functools.partial(_decode_cell, encoding=codec_name))


def known_column_keys(layer: str) -> set[str]:
    """Return the column keys that mark a header for ``layer``: its names and aliases.

    Parameters
    ----------
    layer
        A contract layer (any name :func:`~geodata.schemas.layer_schema` accepts).

    Returns
    -------
    set of str
        Keys as :func:`~geodata.schemas.column_key` writes them, with the coordinate
        aliases.
    """
    keys = set(X_ALIASES) | set(Y_ALIASES)
    try:
        keys |= set(layer_schema(layer).alias_map())
    except KeyError:
        for schema in LAYERS.values():
            keys |= set(schema.alias_map())
    return keys


def _table_notes(name: str, grid: Grid, table: Table) -> list[str]:
    """Say which sheet was read, where the header is, and which rows were left out."""
    notes: list[str] = []
    if len(grid.sheets) > 1:
        others = ", ".join(repr(s) for s in grid.sheets if s != grid.sheet)
        notes.append(
            f"{name}: read sheet {grid.sheet!r} (the workbook also has {others}; choose "
            "another with --sheet)."
        )
    if table.found and table.header_rows != [1]:
        rows = table.header_rows
        where = f"row {rows[0]}" if len(rows) == 1 else f"rows {rows[0]}–{rows[-1]}"
        notes.append(f"{name}: header found on {where}.")
    if table.skipped:
        notes.append(f"{name}: skipped {describe_skipped(table.skipped)}.")
    return notes


def _apply_columns(
    frame: pd.DataFrame, name: str, columns: Mapping[str, str] | None, notes: list[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename the file's columns as a mapping says (contract column -> file column).

    The coordinates' columns are under ``"x"`` and ``"y"``; they keep their names. A
    header is found as written, else by its key, else by its key without its notes in
    brackets. A mapped column the file does not have is left to the automatic recognition,
    and said so (next month's file may have renamed it). Returns the renamed frame and
    contract column -> the file's column of every column found.
    """
    if not columns:
        return frame, {}
    by_key: dict[str, str] = {}
    by_bare: dict[str, str] = {}
    for col in frame.columns:
        by_key.setdefault(column_key(str(col)), str(col))
        by_bare.setdefault(header_keys(str(col))[0], str(col))
    renames: dict[str, str] = {}
    used: dict[str, str] = {}
    missing: list[str] = []
    for target, wanted in columns.items():
        found = (
            wanted
            if wanted in frame.columns
            else by_key.get(column_key(str(wanted))) or by_bare.get(header_keys(str(wanted))[0])
        )
        if found is None:
            missing.append(f"{wanted!r} (for {target})")
        else:
            used[target] = found
            if target not in ("x", "y"):
                renames[found] = target
    if missing:
        notes.append(
            f"{name}: the column mapping names {', '.join(missing)}, which this file does "
            "not have; recognised from the header instead."
        )
    clash = {c: f"{c} #file" for c in frame.columns if c in renames.values() and c not in renames}
    frame = frame.rename(columns=clash).rename(columns=renames)
    return frame, used


def _no_coordinates(name: str, grid: Grid, table: Table, frame: pd.DataFrame) -> str:
    shown = ", ".join(map(str, frame.columns))
    where = ""
    if table.header_rows:
        rows = table.header_rows
        first = rows[0]
        at = f"row {first}" if len(rows) == 1 else f"rows {first}–{rows[-1]}"
        where = f" on {at}" if table.found else f" (no header recognised; row {first} read)"
    msg = (
        f"{name}: no coordinate columns found (columns{where}: {shown}). Add "
        "longitude/latitude columns named lon/lat (or Kinh độ/Vĩ độ, x/y), or map the "
        "columns by hand (the app's column mapping, or a saved --profile)."
    )
    strings = [v for row in grid.rows[:HEADER_SEARCH_ROWS] for v in row if isinstance(v, str)]
    guess = detect_legacy(strings)
    if guess is not None:
        msg += f" The text looks {guess.upper()}-encoded: re-run with --encoding {guess}."
    if len(grid.sheets) > 1:
        msg += (
            f" This is sheet {grid.sheet!r}; the workbook's sheets are "
            f"{', '.join(repr(s) for s in grid.sheets)} (choose one with --sheet)."
        )
    return msg


def _crs_from_header(  # noqa: PLR0913
    x_col: str,
    y_col: str,
    xs: np.ndarray,
    ys: np.ndarray,
    source: str,
    swap_xy: bool,
    notes: list[str],
) -> pyproj.CRS | None:
    """Return the CRS a coordinate header names ("Kinh độ (WGS84)", "X (VN-2000)"), if any.

    WGS 84 is EPSG:4326 for degrees and UTM 49N for metres; VN-2000 is EPSG:4756 for
    degrees, else the first of Bình Định's TM-3 zone (EPSG:9217) and UTM 49N
    (EPSG:3406) that puts the points inside the province.
    """
    hint = crs_hint([*split_header(x_col).notes, *split_header(y_col).notes])
    if hint is None:
        return None
    degrees = bool(np.nanmax(np.abs(xs)) <= 180 and np.nanmax(np.abs(ys)) <= 180)
    if hint == "wgs84":
        candidates = ["wgs84"] if degrees else ["utm49n"]
    else:
        candidates = ["vn2000"] if degrees else ["vn2000-binhdinh", "vn2000-utm49"]
    for short in candidates:
        crs = resolve_crs(short)
        try:
            check_coordinates(xs, ys, crs=crs, source=source, swap_xy=swap_xy)
        except CRSProblem:
            continue
        if crs is not None:
            notes.append(
                f"{source}: CRS taken from the header: {describe_crs(crs)} (--crs {short})."
            )
        return crs
    return None


def _csv_text(path: Path, legacy: str | None, codec: str | None) -> str:
    raw = path.read_bytes()
    if legacy:
        return raw.decode("latin-1")
    if codec:
        try:
            return raw.decode(codec)
        except (UnicodeDecodeError, LookupError) as err:
            msg = f"{path.name}: cannot be decoded as {codec!r}: {err}. Check --encoding."
            raise InputFileError(msg) from None
    return _decode_unknown(raw)


def _read_csv(path: Path, legacy: str | None, codec: str | None) -> pd.DataFrame:
    text = _csv_text(path, legacy, codec)
    header = text[: text.find("\n")] if "\n" in text[:4096] else text[:4096]
    counts = {sep: header.count(sep) for sep in ("\t", ";", ",")}
    sep = max(counts, key=lambda k: counts[k]) if any(counts.values()) else ","
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        msg = f"{path.name}: is not a readable CSV table: {str(err).strip()}."
        raise InputFileError(msg) from None


def read_table(
    path: str | Path, *, encoding: str | None = None, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a table file's rows as they are, for the bulk readers of evidence layers.

    The columns' names are in NFC; the cells are left as read (text for CSV; numbers, dates
    or text for Excel; typed for Parquet): a reader of a million rows decodes and checks
    the columns it keeps, value by distinct value, instead of every cell here.

    Parameters
    ----------
    path
        CSV or tab-separated text (``.csv``, ``.txt``; the separator is the header line's
        commonest of tab, ``;`` and ``,``), Excel (``.xlsx``) or Apache Parquet
        (``.parquet``).
    encoding
        A Python codec for text files (default: UTF-8, else Windows-1258, else Latin-1);
        ``tcvn3``/``vni`` read the bytes as Latin-1 for the caller to decode.
    sheet
        The Excel sheet (name or 0-based index); default the first.

    Returns
    -------
    pandas.DataFrame
        Spreadsheet row ``i + 2`` is frame row ``i`` (the header is row 1).

    Raises
    ------
    InputFileError
        The file is missing, of another kind, or unreadable.
    """
    path = Path(path)
    if not path.exists():
        msg = f"{path}: no such file. Check the path."
        raise InputFileError(msg)
    suffix = path.suffix.lower()
    legacy = encoding.lower() if encoding and encoding.lower() in LEGACY else None
    codec = None if legacy or not encoding or encoding.lower() == "none" else encoding
    if suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError, ImportError) as err:
            msg = f"{path.name}: is not a readable Parquet file ({err}). Download it again."
            raise InputFileError(msg) from None
    elif suffix.startswith(".xls"):
        frame = _read_excel(path, sheet)
    elif suffix in TABLE_SUFFIXES:
        frame = _read_csv(path, legacy, codec)
    else:
        msg = f"{path.name}: expected a table (.csv, .txt, .xlsx or .parquet), not {suffix!r}."
        raise InputFileError(msg)
    frame.columns = [to_nfc(str(c)).strip() for c in frame.columns]
    return frame


def _decode_unknown(raw: bytes) -> str:
    """Decode bytes of undeclared encoding: UTF-8 if valid, else Windows-1258, else Latin-1."""
    for codec in ("utf-8-sig", "cp1258"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _read_excel(path: Path, sheet: str | int | None) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object)
    except ValueError as err:
        msg = f"{path.name}: {err}. Name an existing sheet with --sheet."
        raise InputFileError(msg) from None
    except ImportError as err:
        msg = f"{path.name}: reading this Excel format needs {err.name}; save it as .xlsx."
        raise InputFileError(msg) from None
    except Exception as err:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        msg = f"{path.name}: is not a readable Excel workbook ({type(err).__name__}: {err})."
        raise InputFileError(msg) from None
    if not isinstance(frame, pd.DataFrame):  # pragma: no cover - sheet_name=None not used
        msg = f"{path.name}: expected one sheet."
        raise InputFileError(msg)
    frame = frame.dropna(how="all")
    return frame.reset_index(drop=True)
