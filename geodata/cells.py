"""Values of a table cell that more than one reader needs: lists of angles.

A sector azimuth list is read the same way when a file is imported
(:mod:`geodata.validate`, which refuses what it cannot read) and when the coverage engine
reads ``mobile_sites`` (:mod:`coverage.radio`, which refuses it too): one definition, so
a value that passes import is a value the engine reads.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["parse_angles"]

_ANGLE_SPLIT = re.compile(r"[,;/|\s]+")


def parse_angles(value: object) -> tuple[float, ...] | str | None:
    """Read a list of angles in degrees (sector azimuths) as officials write it.

    Parameters
    ----------
    value
        A cell: ``"0,120,240"``, ``"0; 120; 240"``, ``"0/120/240"``, ``"0 120 240"``
        (a decimal comma is read as a separator: ``"32,5"`` is two angles), or a single
        number (``90``).

    Returns
    -------
    tuple of float, str or None
        The angles; ``None`` for a missing value (empty, ``None``, NaN); the text as
        given when it is unreadable (not numbers, or outside 0-360°), so the caller can
        name it. Never a silent default.

    Examples
    --------
    >>> parse_angles("0, 120;240")
    (0.0, 120.0, 240.0)
    >>> parse_angles(90), parse_angles(""), parse_angles("north")
    ((90.0,), None, 'north')
    >>> parse_angles("0,120,400")
    '0,120,400'
    """
    if isinstance(value, bool | np.bool_):
        return str(value)
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, int | float | np.number):
        parts = [str(float(value))]
    else:
        parts = [p for p in _ANGLE_SPLIT.split(str(value).strip()) if p]
    try:
        angles = tuple(float(p) for p in parts)
    except ValueError:
        return str(value)
    if not all(np.isfinite(a) and 0.0 <= a <= 360.0 for a in angles):
        return str(value)
    return angles or None
