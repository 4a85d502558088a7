"""Cells of officials' tables: finding a column by its aliases, numbers and coordinates.

Numbers written the Vietnamese way (``1.234,5``), degrees-minutes-seconds, and the
coordinate columns of a table turned into points (:mod:`geodata.load`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geodata.errors import Problem
from geodata.schemas import column_key
from geodata.sheets import (
    header_keys,
)

__all__ = [
    "find_column",
    "parse_number",
]


def find_column(frame: pd.DataFrame, aliases: tuple[str, ...]) -> str | None:
    """Return the frame's column whose :func:`~geodata.schemas.column_key` is the first alias."""
    return _find_column(frame, aliases)


def parse_number(value: object) -> float | None:
    """Parse one coordinate or number: decimal comma, DMS (``13°46'12"N``); ``None`` if not."""
    return _parse_number(value)


def _find_column(frame: pd.DataFrame, aliases: tuple[str, ...]) -> str | None:
    """Return the column of the first alias: its key as written, else without its notes.

    "Kinh độ (WGS84)" is ``kinh_do`` once its note in brackets is stripped.
    """
    exact: dict[str, str] = {}
    stripped: dict[str, str] = {}
    for c in frame.columns:
        keys = header_keys(str(c))
        exact.setdefault(column_key(str(c)), str(c))
        stripped.setdefault(keys[0], str(c))
    for alias in aliases:
        if alias in exact:
            return exact[alias]
    for alias in aliases:
        if alias in stripped:
            return stripped[alias]
    return None


_DMS = re.compile(
    r"^\s*(?P<d>\d+(?:\.\d+)?)\s*[°º]\s*(?:(?P<m>\d+(?:\.\d+)?)\s*['′]\s*)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:\"|″|'')\s*)?(?P<h>[NSEW])?\s*$",
    re.IGNORECASE,
)


def _parse_number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, int | float | np.number):
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    match = _DMS.match(text)
    if match:
        deg = float(match["d"]) + float(match["m"] or 0) / 60 + float(match["s"] or 0) / 3600
        return -deg if (match["h"] or "").upper() in ("S", "W") else deg
    if "," in text and "." not in text:  # Vietnamese decimal comma: 108,95
        text = text.replace(",", ".")
    text = text.replace(" ", "")
    try:
        return float(text)
    except ValueError:
        return None


def _parse_coordinates(
    column: pd.Series, name: str, row_numbers: list[int], problems: list[Problem]
) -> np.ndarray:
    out = np.full(len(column), np.nan)
    for i, value in enumerate(column.tolist()):
        number = _parse_number(value)
        if number is None:
            empty = value is None or (isinstance(value, str) and not value.strip())
            problems.append(
                Problem(
                    "coordinate is empty." if empty else f"coordinate {value!r} is not a number.",
                    fix="enter decimal degrees (e.g. 108.95) or the CRS's metres.",
                    row=row_numbers[i],
                    column=name,
                )
            )
        else:
            out[i] = number
    return out
