"""Tables as officials lay them out: a title block, a header over one or two rows, totals.

An operator's site list rarely starts with its header on row 1. It opens with a title
block ("DANH SÁCH TRẠM BTS TRÊN ĐỊA BÀN TỈNH …", the covering letter's number and date),
its header may span two rows with merged cells ("Tọa độ" over "Kinh độ | Vĩ độ"), a row
of column numbers ("1 | 2 | 3 …") may follow, and it ends with a "Tổng cộng" row and a
signature block. This module and :mod:`geodata.sheet_table` turn such a sheet into a plain
table and say what they left out (this one reads the sheet and the header names, that one
locates the table in it):

* :func:`read_excel_grid` and :func:`grid_from_text` read every cell of a sheet or a CSV,
  merged cells filled with their value (so a merged header names every column it spans);
* :func:`~geodata.sheet_table.locate_table` scores each of the first
  :data:`HEADER_SEARCH_ROWS` rows by how many of its cells are known column names (the
  layer's aliases, after :func:`split_header`) and whether the rows below look like
  data, combines a two- or three-row header into one name a column, and classifies
  every other row: title, blank, column numbers, total ("Tổng cộng", "Tổng", "Cộng", or
  a row of sums without text), heading or note;
* :func:`split_header` strips units and notes in brackets ("Độ cao anten (m)",
  "Kinh độ (WGS84)") from a header, keeping them as hints (:func:`crs_hint`: "(WGS84)"
  or "(VN-2000)" decides the CRS of the coordinates when none is declared);
* :func:`~geodata.sheet_table.describe_skipped` writes what was left out:
  ``rows 1–4 (title), row 57 (total 'Tổng cộng')``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from geodata.errors import InputFileError
from geodata.schemas import column_key
from geodata.text import fold, to_nfc

__all__ = [
    "HEADER_SEARCH_ROWS",
    "Grid",
    "HeaderName",
    "crs_hint",
    "grid_from_text",
    "header_keys",
    "pick_sheet",
    "read_excel_grid",
    "split_header",
]

#: How many non-blank rows from the top are tried as the header.
HEADER_SEARCH_ROWS: Final = 30


_NOTE_RE: Final = re.compile(r"[\(\[]([^\(\)\[\]]*)[\)\]]")


@dataclass(frozen=True)
class HeaderName:
    """A header cell read apart: its matching key and its notes.

    Attributes
    ----------
    text
        The header as written (NFC, trimmed).
    key
        :func:`~geodata.schemas.column_key` of the text without its bracketed notes
        (``"Độ cao anten (m)"`` → ``"do_cao_anten"``).
    notes
        The bracketed notes, as written (``("m",)``).
    """

    text: str
    key: str
    notes: tuple[str, ...]


def split_header(text: object) -> HeaderName:
    """Split a header into its key and its notes in brackets.

    Parameters
    ----------
    text
        A header cell.

    Returns
    -------
    HeaderName

    Examples
    --------
    >>> split_header("Kinh độ (WGS84)")
    HeaderName(text='Kinh độ (WGS84)', key='kinh_do', notes=('WGS84',))
    >>> split_header("Độ cao anten [m]").key
    'do_cao_anten'
    """
    shown = to_nfc(str(text)).strip()
    notes = tuple(n.strip() for n in _NOTE_RE.findall(shown) if n.strip())
    bare = _NOTE_RE.sub(" ", shown)
    key = column_key(bare) or column_key(shown)
    return HeaderName(shown, key, notes)


def header_keys(text: object) -> tuple[str, ...]:
    """Return the keys a header may match: with its notes stripped, then as written."""
    name = split_header(text)
    whole = column_key(name.text)
    return (name.key,) if whole == name.key else (name.key, whole)


def crs_hint(notes: Sequence[str]) -> str | None:
    """Return ``"wgs84"`` or ``"vn2000"`` when a header's notes name the datum.

    Examples
    --------
    >>> crs_hint(["VN-2000"]), crs_hint(["WGS 84"]), crs_hint(["m"])
    ('vn2000', 'wgs84', None)
    """
    for note in notes:
        key = re.sub(r"[^0-9a-z]", "", fold(note))
        if "vn2000" in key:
            return "vn2000"
        if "wgs84" in key:
            return "wgs84"
    return None


@dataclass
class Grid:
    """Every cell of a sheet, merged cells filled with their value.

    Attributes
    ----------
    rows
        The cells of each row (``None`` when empty); text in NFC.
    row_numbers
        The row number the spreadsheet shows for each row (CSV: the line).
    sheet
        The sheet's name (``None`` for CSV).
    sheets
        Every sheet of the workbook, in order.
    """

    rows: list[list[object]]
    row_numbers: list[int]
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)

    def map_text(self, function: Callable[[str], str]) -> None:
        """Apply ``function`` to every text cell, in place (e.g. legacy decoding)."""
        self.rows = [[function(v) if isinstance(v, str) else v for v in row] for row in self.rows]


def read_excel_grid(path: Path, sheet: str | int | None) -> Grid:
    """Read one sheet of an ``.xlsx``/``.xlsm`` workbook (``.xls`` through pandas).

    Parameters
    ----------
    path
        The workbook.
    sheet
        A sheet name (matched ignoring case and diacritics), a 0-based index, or
        ``None``: the first sheet.

    Returns
    -------
    Grid

    Raises
    ------
    InputFileError
        The workbook is unreadable, or has no such sheet (the sheets are listed).
    """
    if path.suffix.lower() == ".xls":
        return _read_xls_grid(path, sheet)
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        msg = f"{path.name}: is not a readable Excel workbook ({type(err).__name__}: {err})."
        raise InputFileError(msg) from None
    names = [str(n) for n in book.sheetnames]
    chosen = pick_sheet(path.name, names, sheet)
    ws = book[chosen]
    width = ws.max_column or 0
    rows = [
        [_cell(v) for v in row]
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row or 0, max_col=width, values_only=True)
    ]
    for merged in ws.merged_cells.ranges:
        value = _cell(ws.cell(merged.min_row, merged.min_col).value)
        for r in range(merged.min_row - 1, min(merged.max_row, len(rows))):
            for c in range(merged.min_col - 1, min(merged.max_col, width)):
                rows[r][c] = value
    return Grid(rows, list(range(1, len(rows) + 1)), chosen, names)


def pick_sheet(name: str, sheets: Sequence[str], sheet: str | int | None) -> str:
    """Return the sheet asked for (by name, folded, or 0-based index), the first by default.

    Raises
    ------
    InputFileError
        No such sheet; the message lists the workbook's sheets.
    """
    listed = ", ".join(repr(s) for s in sheets)
    if sheet is None or sheet == "":
        return sheets[0]
    text = str(sheet).strip()
    for candidate in sheets:
        if candidate == text or fold(candidate) == fold(text):
            return candidate
    if text.isdigit() and int(text) < len(sheets):
        return sheets[int(text)]
    msg = f"{name}: has no sheet {text!r}. Its sheets are {listed}; name one with --sheet."
    raise InputFileError(msg)


def _read_xls_grid(path: Path, sheet: str | int | None) -> Grid:
    import pandas as pd

    try:
        book = pd.ExcelFile(path)
        names = [str(n) for n in book.sheet_names]
        chosen = pick_sheet(path.name, names, sheet)
        frame = book.parse(chosen, header=None, dtype=object)
    except ImportError as err:
        msg = f"{path.name}: reading this Excel format needs {err.name}; save it as .xlsx."
        raise InputFileError(msg) from None
    except InputFileError:
        raise
    except Exception as err:  # noqa: BLE001 - xlrd raises many types for corrupt files
        msg = f"{path.name}: is not a readable Excel workbook ({type(err).__name__}: {err})."
        raise InputFileError(msg) from None
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    return Grid(rows, list(range(1, len(rows) + 1)), chosen, names)


def grid_from_text(text: str) -> Grid:
    """Split CSV text into cells; the separator (tab, ``;`` or ``,``) is the one most used.

    The separator is judged on the first lines that have any (a title line above the
    header often has none), so a title block does not hide it.
    """
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    counts = {sep: max((line.count(sep) for line in lines), default=0) for sep in ("\t", ";", ",")}
    sep = max(counts, key=lambda k: counts[k]) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    rows: list[list[object]] = [[_cell(v) for v in row] for row in reader]
    return Grid(rows, list(range(1, len(rows) + 1)))


def _cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        text = to_nfc(value).strip()
        return text or None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
