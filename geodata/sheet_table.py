"""Locating the table in a sheet: its header row(s) found by score, every other row classified.

The sheet is read by :mod:`geodata.sheets` (every cell, merged cells filled; the header
names split from their units and notes). :func:`locate_table` scores each of the first
:data:`~geodata.sheets.HEADER_SEARCH_ROWS` rows by how many of its cells are known column
names (the layer's aliases, after :func:`~geodata.sheets.split_header`) and whether the
rows below look like data, combines a two- or three-row header into one name a column, and
classifies every other row: title, blank, column numbers, total ("Tổng cộng", "Tổng",
"Cộng", or a row of sums without text), heading or note (:class:`Table`).
:func:`describe_skipped` writes what was left out: ``rows 1–4 (title), row 57 (total
'Tổng cộng')``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

from geodata.schemas import column_key
from geodata.sheets import _NOTE_RE, HEADER_SEARCH_ROWS, Grid, header_keys, split_header

__all__ = [
    "GENERIC_HEADER_KEYS",
    "TOTAL_KEYS",
    "Table",
    "describe_skipped",
    "locate_table",
]

#: Header words that are not contract columns but mark a header row (ordinal, notes, the
#: group headings over two-row headers).
GENERIC_HEADER_KEYS: Final = frozenset(
    {
        "stt",
        "tt",
        "so_tt",
        "so_thu_tu",
        "ghi_chu",
        "dia_chi",
        "dia_diem",
        "vi_tri",
        "toa_do",
        "huyen",
        "xa",
        "phuong",
        "tinh",
        "thon",
        "ten",
        "ma",
        "ten_tram",
        "ma_tram",
        "don_vi",
        "loai",
    }
)


#: First cells of a total row, as :func:`~geodata.schemas.column_key` keys.
TOTAL_KEYS: Final = frozenset(
    {"tong", "cong", "tong_cong", "tong_so", "total", "grand_total", "sum", "tong_toan_tinh"}
)


_NUMBER_RE: Final = re.compile(r"^[-+]?\d+(?:[.,]\d+)?$|^\d+\s*°")


_ORDINAL_RE: Final = re.compile(r"^\(?(\d+)\)?$")


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return not (isinstance(value, float) and math.isnan(value))
    return isinstance(value, str) and bool(_NUMBER_RE.match(value.strip()))


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


@dataclass
class Table:
    """A sheet's table: its header and data rows, and what was left out.

    Attributes
    ----------
    columns
        One name a column (a multi-row header combined; unique).
    rows
        The data rows' cells.
    row_numbers
        The spreadsheet's row number of each data row.
    header_rows
        The spreadsheet rows the header was read from.
    title
        The text of the rows above the header (the title block), one item a distinct cell.
    skipped
        ``(row number, reason)`` of every row left out, in order.
    found
        Whether a header was recognised (otherwise the first non-blank row is taken).
    """

    columns: list[str]
    rows: list[list[object]]
    row_numbers: list[int]
    header_rows: list[int]
    title: list[str]
    skipped: list[tuple[int, str]]
    found: bool


def locate_table(grid: Grid, known: Collection[str]) -> Table:
    """Find the header row(s) of a sheet and classify every other row.

    Parameters
    ----------
    grid
        The sheet's cells.
    known
        Column keys that mark a header (the layer's column names and aliases and the
        coordinate aliases); :data:`GENERIC_HEADER_KEYS` are added.

    Returns
    -------
    Table
    """
    keys = set(known) | GENERIC_HEADER_KEYS
    rows = grid.rows
    nonblank = [i for i, row in enumerate(rows) if any(v is not None for v in row)]
    if not nonblank:
        return Table([], [], [], [], [], [], found=False)
    best, best_score = nonblank[0], 0.0
    for i in nonblank[:HEADER_SEARCH_ROWS]:
        score = _header_score(rows, i, keys, nonblank)
        if score > best_score:
            best, best_score = i, score
    found = best_score >= 2
    if not found:  # no row reads as a header: the first non-blank one, as a plain CSV
        best = nonblank[0]
    first, last = _band(rows, best, keys) if found else (best, best)
    columns = _combine(rows[first : last + 1], keys)
    title = list(dict.fromkeys(_text(v) for i in range(first) for v in rows[i] if v is not None))
    skipped = [(grid.row_numbers[i], "title") for i in range(first)]
    start = last + 1
    if found and start < len(rows) and _is_units_row(rows[start]):
        for j, v in enumerate(rows[start]):
            if v is not None and j < len(columns) and not split_header(columns[j]).notes:
                columns[j] = f"{columns[j]} {_text(v)}"
        skipped.append((grid.row_numbers[start], "units"))
        start += 1
    data, numbers, _ = _classify(rows, start, grid.row_numbers, skipped)
    width = len(columns)
    keep = [
        j
        for j in range(width)
        if not columns[j].startswith("column ") or any(_at(r, j) is not None for r in data)
    ]
    names = _unique([columns[j] for j in keep])
    table_rows = [[_at(r, j) for j in keep] for r in data]
    header_rows = [grid.row_numbers[i] for i in range(first, last + 1)]
    skipped.sort()
    return Table(names, table_rows, numbers, header_rows, title, skipped, found=found)


def _at(row: Sequence[object], j: int) -> object:
    return row[j] if j < len(row) else None


def _keys_of(row: Sequence[object]) -> list[str]:
    return [key for v in row if v is not None and not _is_number(v) for key in header_keys(v)[:1]]


def _header_score(rows: list[list[object]], i: int, keys: set[str], nonblank: list[int]) -> float:
    row = rows[i]
    cells = [v for v in row if v is not None]
    if 2 * sum(_is_number(v) for v in cells) >= len(cells):  # a data row, not a header
        return 0.0
    matched = {k for k in _keys_of(row) if k in keys}
    if not matched:
        return 0.0
    below = [j for j in nonblank if j > i][:5]
    data_like = sum(1 for j in below if sum(_is_number(v) for v in rows[j]) >= 2)
    return len(matched) + (1.0 if data_like else 0.0)


def _band(rows: list[list[object]], b: int, keys: set[str]) -> tuple[int, int]:
    """Return the first and last row of the header around row ``b`` (at most 3 rows)."""
    first = last = b
    while (
        last + 1 < len(rows) and last - first < 2 and _continues(rows[last + 1], rows[last], keys)
    ):
        last += 1
    while first > 0 and last - first < 2 and _parent(rows[first - 1], rows[first], keys):
        first -= 1
    return first, last


def _continues(child: Sequence[object], above: Sequence[object], keys: set[str]) -> bool:
    """Whether ``child`` is a header row under ``above`` (sub-headings, no data)."""
    cells = [v for v in child if v is not None]
    if not cells or any(_is_number(v) for v in cells):
        return False
    known = any(
        v is not None and header_keys(v)[0] in keys and v != _at(above, j)
        for j, v in enumerate(child)
    )
    # sub-headings under a merged group heading: "Tọa độ" over "Đông | Bắc"
    under_group = [
        v
        for j, v in enumerate(child)
        if v is not None
        and v != _at(above, j)
        and _at(above, j) is not None
        and ((j > 0 and _at(above, j) == _at(above, j - 1)) or _at(above, j) == _at(above, j + 1))
    ]
    return known or len(set(map(_text, under_group))) >= 2


def _parent(row: Sequence[object], below: Sequence[object], keys: set[str]) -> bool:
    """Whether ``row`` is a group heading row over ``below`` (not a title)."""
    cells = [v for v in row if v is not None]
    if len(set(map(_text, cells))) < 2 or any(_is_number(v) for v in cells):
        return False
    same = any(v is not None and v == _at(below, j) for j, v in enumerate(row))
    known = any(header_keys(v)[0] in keys for v in cells)
    return same or known


def _combine(band: list[list[object]], keys: set[str]) -> list[str]:
    """One name a column from a header of one to three rows (merged cells filled)."""
    width = max((len(r) for r in band), default=0)
    filled = [[_at(r, j) for j in range(width)] for r in band]
    last = filled[-1]
    for row in filled[:-1]:  # a CSV's merged group heading is in its first column only
        for j in range(1, width):
            if (
                row[j] is None
                and row[j - 1] is not None
                and last[j] is not None
                and (last[j - 1] is not None and row[j - 1] != last[j - 1])
            ):
                row[j] = row[j - 1]
    names: list[str] = []
    for j in range(width):
        parts: list[str] = []
        for row in filled:
            text = _text(row[j])
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        names.append(_name(parts, keys, j))
    return names


def _name(parts: list[str], keys: set[str], j: int) -> str:
    if not parts:
        return f"column {_letter(j)}"
    if len(parts) == 1:
        return parts[0]
    child = split_header(parts[-1])
    if child.key in keys:
        if child.notes:
            return parts[-1]
        notes = [n for p in parts[:-1] for n in split_header(p).notes]
        return parts[-1] + "".join(f" ({n})" for n in notes)
    return " ".join(parts)


def _letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return out


def _classify(
    rows: list[list[object]], start: int, row_numbers: list[int], skipped: list[tuple[int, str]]
) -> tuple[list[list[object]], list[int], list[int]]:
    """Split the rows below the header into data and rows left out (with their reason)."""
    data: list[list[object]] = []
    numbers: list[int] = []
    totals: list[int] = []
    sums: dict[int, float] = {}
    pending: list[tuple[int, str]] = []  # headings wait: after the last data row, notes
    last_nonblank = max(
        (i for i in range(start, len(rows)) if any(v is not None for v in rows[i])), default=-1
    )
    for i in range(start, last_nonblank + 1):
        row = rows[i]
        number = row_numbers[i]
        cells = [(j, v) for j, v in enumerate(row) if v is not None]
        if not cells:
            skipped.append((number, "blank"))
            continue
        texts = [_text(v) for _, v in cells if not _is_number(v)]
        first_key = column_key(texts[0]) if texts else ""
        if _is_ordinal_row(cells):
            skipped.append((number, "column numbers"))
        elif (
            first_key in TOTAL_KEYS
            or first_key.startswith(("tong_cong", "tong_so", "cong_"))
            or (first_key.startswith("tong_") and 2 * len(cells) <= len(row))
        ):
            skipped.append((number, f"total {texts[0]!r}"))
            totals.append(number)
        elif not texts and len(data) >= 2 and _is_sum_row(cells, sums):
            skipped.append((number, "total (sums)"))
            totals.append(number)
        elif not any(_is_number(v) for _, v in cells) and len(set(texts)) == 1:
            shown = texts[0] if len(texts[0]) <= 40 else texts[0][:39] + "…"
            pending.append((number, repr(shown)))
        else:
            skipped.extend((n, f"heading {t}") for n, t in pending)
            pending = []
            data.append(row)
            numbers.append(number)
            for j, v in cells:
                value = _as_float(v)
                if value is not None:
                    sums[j] = sums.get(j, 0.0) + value
    skipped.extend((n, f"note {t}") for n, t in pending)
    return data, numbers, totals


def _is_units_row(row: Sequence[object]) -> bool:
    """Tell whether a row under the header holds only units in brackets: "(m)", "(độ)"."""
    cells = [_text(v) for v in row if v is not None]
    return bool(cells) and all(_NOTE_RE.fullmatch(c) for c in cells)


def _is_ordinal_row(cells: list[tuple[int, object]]) -> bool:
    """Tell whether a row is the column numbers under a header: 1, 2, 3 … or (1), (2) …."""
    if len(cells) < 3:
        return False
    values: list[int] = []
    for _, v in cells:
        if isinstance(v, bool):
            return False
        if isinstance(v, int | float) and float(v).is_integer():
            values.append(int(v))
            continue
        match = _ORDINAL_RE.match(_text(v))
        if not match:
            return False
        values.append(int(match.group(1)))
    return values == list(range(values[0], values[0] + len(values))) and values[0] in (0, 1)


def _as_float(value: object) -> float | None:
    """Return a cell's number (a CSV's "108,70" too), ``None`` when it is not one."""
    if isinstance(value, bool) or not _is_number(value):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def _is_sum_row(cells: list[tuple[int, object]], sums: dict[int, float]) -> bool:
    """Tell whether a row without text holds the sums of its columns above."""
    hits = 0
    for j, v in cells:
        number = _as_float(v)
        if number is None or j not in sums:
            continue
        if math.isclose(number, sums[j], rel_tol=1e-9, abs_tol=1e-6):
            hits += 1
    return hits >= 1


def describe_skipped(skipped: Sequence[tuple[int, str]]) -> str:
    """Write the rows left out, runs of the same reason as ranges.

    Examples
    --------
    >>> describe_skipped([(1, "title"), (2, "title"), (3, "title"), (9, "total 'Tổng cộng'")])
    "rows 1–3 (title), row 9 (total 'Tổng cộng')"
    """
    parts: list[str] = []
    run: list[int] = []
    reason = ""

    def flush() -> None:
        if not run:
            return
        where = f"row {run[0]}" if len(run) == 1 else f"rows {run[0]}–{run[-1]}"
        parts.append(f"{where} ({reason})")

    for number, why in skipped:
        if run and why == reason and number == run[-1] + 1:
            run.append(number)
            continue
        flush()
        run, reason = [number], why
    flush()
    return ", ".join(parts)
