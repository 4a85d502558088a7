"""What the evidence readers share: the rejected rows, column reading, the outcome.

A row is kept or refused for the first reason found (:class:`_Rejections`); every check is
one vectorised call, and text is decoded and matched once per distinct value
(:func:`_by_value`), so reading a million samples costs seconds. The underscore names are
private to :mod:`geodata.evidence` and shared by its modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geodata.crs import current_extent
from geodata.errors import LayerValidationError, Problem
from geodata.load import parse_number
from geodata.schemas import choice_lookup, column_key
from geodata.text import decode_legacy, to_nfc
from geodata.validate import ValidatedLayer, ValidationContext
from geodata.validate_checks import PROVINCE_TOLERANCE_DEG

__all__ = ["EvidenceLayer", "row_ranges"]


@dataclass
class EvidenceLayer(ValidatedLayer):
    """An evidence file read in bulk: the rows kept, and every row rejected with its reason.

    Attributes
    ----------
    rejected
        One row a rejected row: ``row`` (as the spreadsheet numbers it), ``reason``,
        ``column`` and ``value``.
    skipped
        Rows left out on purpose, not errors, by reason (e.g. a neighbouring cell's
        reading, a speed tile outside the province) -> count.
    batch
        The contract columns and values that name this file's rows in the store (an
        import replaces the earlier rows of the same batch and keeps the others).
    read_rows
        How many rows the file had.
    """

    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: dict[str, int] = field(default_factory=dict)
    batch: dict[str, str | None] = field(default_factory=dict)
    read_rows: int = 0


# --------------------------------------------------------------------------- rejections


class _Rejections:
    """The first reason each row is refused for; every check is one vectorised call."""

    def __init__(self, row_numbers: npt.NDArray[np.int64]) -> None:
        self.rows = row_numbers
        n = len(row_numbers)
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)
        self.fix: dict[str, str] = {}

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        return np.asarray(pd.isna(self.reason), dtype=bool)

    def add(
        self,
        mask: npt.ArrayLike,
        reason: str,
        *,
        fix: str,
        column: str | None = None,
        values: pd.Series | np.ndarray | None = None,
    ) -> None:
        hit = np.asarray(mask, dtype=bool) & self.ok
        if not hit.any():
            return
        self.reason[hit] = reason
        self.column[hit] = column
        if values is not None:
            shown = np.asarray(values, dtype=object)[hit]
            self.value[hit] = [None if _blank(v) else str(v) for v in shown]
        self.fix.setdefault(reason, fix)

    def table(self) -> pd.DataFrame:
        bad = ~self.ok
        return pd.DataFrame(
            {
                "row": self.rows[bad],
                "reason": self.reason[bad],
                "column": self.column[bad],
                "value": self.value[bad],
            }
        )

    def problems(self, *, strict: bool, label: str) -> list[Problem]:
        table = self.table()
        out: list[Problem] = []
        for (reason, column), group in table.groupby(
            ["reason", table["column"].fillna("")], sort=False
        ):
            rows = group["row"].to_numpy()
            n = len(rows)
            out.append(
                Problem(
                    f"{n} {label}{'s' * (n != 1)} rejected ({label}{'s' * (n != 1)} "
                    f"{row_ranges(rows)}): {reason}.",
                    fix=self.fix.get(str(reason), ""),
                    column=str(column) or None,
                    severity="error" if strict else "warning",
                )
            )
        return out


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def row_ranges(rows: npt.ArrayLike) -> str:
    """Write row numbers compactly: consecutive runs as ranges.

    Examples
    --------
    >>> row_ranges([2, 3, 4, 7, 9, 10])
    '2-4, 7, 9-10'
    """
    values = np.unique(np.asarray(rows, dtype=np.int64))
    if not len(values):
        return ""
    breaks = np.flatnonzero(np.diff(values) != 1)
    starts = np.concatenate([[values[0]], values[breaks + 1]])
    ends = np.concatenate([values[breaks], [values[-1]]])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in zip(starts, ends, strict=True))


# --------------------------------------------------------------------------- columns


def _by_value(series: pd.Series, convert: Callable[[object], object]) -> pd.Series:
    """Apply ``convert`` once per distinct non-empty value; empty cells become ``None``."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    converted = np.empty(len(uniques) + 1, dtype=object)
    converted[:-1] = [convert(v) for v in uniques]
    converted[-1] = None
    return pd.Series(converted[codes], index=series.index, dtype=object)


def _text(series: pd.Series, legacy: str | None) -> pd.Series:
    """Return NFC text (``None`` for empty), decoding each distinct value once."""

    def convert(value: object) -> str | None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if legacy:
            text = decode_legacy(text, "vni" if legacy == "vni" else "tcvn3")
        return to_nfc(text).strip() or None

    return _by_value(series, convert)


def _canonical(series: pd.Series, choices: Mapping[str, tuple[str, ...]]) -> pd.Series:
    """Map an enumeration's spellings onto canonical values; unknown and empty -> None."""
    lookup = choice_lookup(choices)
    return _by_value(series, lambda v: lookup.get(column_key(to_nfc(str(v)))))


def _empty(series: pd.Series) -> npt.NDArray[np.bool_]:
    values = series.to_numpy(dtype=object)
    return np.asarray(pd.isna(values) | (values == ""), dtype=bool)


def _numbers(series: pd.Series) -> tuple[np.ndarray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Return ``(values, empty, unreadable)``; decimal commas and thin spaces are read.

    Plain numbers are converted in one call; only the cells that are not (``-95,5``,
    ``1 000``) are cleaned, as text.
    """
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        empty = np.isnan(values)
        return values, empty, np.zeros(len(values), dtype=bool)
    empty = _empty(series)
    values = np.array(pd.to_numeric(series, errors="coerce"), dtype=float)
    retry = ~empty & np.isnan(values)
    if retry.any():
        text = series[retry].astype(str).str.replace(r"[\s\u00a0]", "", regex=True)
        comma = text.str.contains(",", regex=False) & ~text.str.contains(".", regex=False)
        text = text.where(~comma, text.str.replace(",", ".", regex=False))
        values[retry] = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    return values, empty, ~empty & np.isnan(values)


def _coordinates(series: pd.Series) -> tuple[np.ndarray, npt.NDArray[np.bool_]]:
    """Read a coordinate column: numbers in bulk, DMS text cell by cell (rare)."""
    values, empty, unreadable = _numbers(series)
    for pos in np.flatnonzero(unreadable):
        number = parse_number(series.iloc[pos])
        if number is not None:
            values[pos] = number
    return values, ~empty & np.isnan(values)


# --------------------------------------------------------------------------- outcome


def _outcome(  # noqa: PLR0913
    out: _Rejections,
    skipped: Mapping[str, int],
    *,
    strict: bool,
    source: str,
    layer: str,
    total: int,
) -> list[Problem]:
    """Return the report's problems; refuse the file (strict, or nothing valid)."""
    rejected = int((~out.ok).sum())
    problems = out.problems(strict=strict, label="row")
    problems += [
        Problem(f"{count} row{'s' * (count != 1)} skipped: {reason}.", severity="warning")
        for reason, count in skipped.items()
    ]
    if strict and rejected:
        problems.insert(
            0,
            Problem(
                f"--strict: the file is refused because {rejected} of its {total} rows are "
                "invalid; nothing was written.",
                fix="fix or drop those rows, or import without --strict to keep the valid rows.",
            ),
        )
        raise LayerValidationError(source, layer, problems)
    if not out.ok.any():
        what = "sample" if layer == "measurements" else "tile inside the province"
        problems.insert(0, Problem(f"no valid {what} among the file's {total} rows."))
        problems = [Problem(p.message, p.fix, p.row, p.feature_id, p.column) for p in problems]
        raise LayerValidationError(source, layer, problems)
    return problems


def _duplicates(
    frame: pd.DataFrame, rows: npt.NDArray[np.int64], out: _Rejections, fix: str
) -> None:
    """Reject rows equal in every column to an earlier row, naming that row."""
    dup = frame.duplicated(keep="first").to_numpy(dtype=bool)
    if not dup.any():
        return
    members = frame.duplicated(keep=False).to_numpy(dtype=bool)
    sub = frame[members]
    group = sub.groupby(list(sub.columns), sort=False, dropna=False).ngroup().to_numpy()
    positions = np.flatnonzero(members)
    first = pd.Series(positions).groupby(group).transform("min").to_numpy()
    shown = np.full(len(frame), None, dtype=object)
    shown[positions] = [f"same as row {r}" for r in rows[first]]
    out.add(dup, "an exact duplicate of an earlier row", fix=fix, values=shown)


def _province_zone(context: ValidationContext | None) -> shapely.Geometry:
    area = context.province if context is not None else None
    if area is None:
        area = shapely.box(*current_extent().bbox_lonlat)
    zone = shapely.buffer(area, PROVINCE_TOLERANCE_DEG)
    shapely.prepare(zone)
    return zone
