"""Boundary checks of the coverage package.

Layers handed to the engine must be in a metric CRS (:func:`check_work_crs`); the radio
model's frequencies and heights are finite and positive (:func:`check_positive`); numbers
read from saved JSON payloads are finite or missing (:func:`finite_or_none`).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt

from geodata.crs import check_metric
from geodata.errors import CRSProblem

__all__ = ["check_positive", "check_work_crs", "finite_or_none"]


def check_work_crs(frame: gpd.GeoDataFrame, name: str) -> None:
    """Raise unless ``frame`` is in a projected CRS with metre units.

    Parameters
    ----------
    frame
        A layer handed to the engine.
    name
        Its name, for the message.

    Raises
    ------
    geodata.CRSProblem
        Naming the layer and the fix (``Store.read_work`` or ``to_crs(32649)``).
    """
    try:
        check_metric(frame.crs)
    except CRSProblem as err:
        msg = (
            f"layer {name!r} must be in a metric CRS for coverage ({err}). Read it with "
            "Store.read_work() or reproject it with .to_crs(geodata.crs.WORK_CRS)."
        )
        raise CRSProblem(msg) from None


def finite_or_none(value: Any) -> float | None:  # noqa: ANN401 - JSON values
    """Return a finite float, or ``None`` for missing, null or NaN.

    Parameters
    ----------
    value
        A value read from a coverage payload or a table cell (booleans count as missing).

    Returns
    -------
    float or None

    Examples
    --------
    >>> finite_or_none("2.5"), finite_or_none(float("nan")), finite_or_none(True)
    (2.5, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def check_positive(name: str, value: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return ``value`` as float64, raising unless every element is finite and > 0.

    Parameters
    ----------
    name
        The argument's name, for the message.
    value
        Anything that converts to a float array.

    Returns
    -------
    numpy.ndarray
        ``value`` as ``float64``.

    Raises
    ------
    ValueError
        Naming the argument and up to five offending values.
    """
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr) & (arr > 0.0)):
        bad = np.unique(arr[~(np.isfinite(arr) & (arr > 0.0))])[:5].tolist()
        msg = f"`{name}` must be finite and > 0; got {bad!r}."
        raise ValueError(msg)
    return arr
