"""Web-mercator tiles named by quadkey (Bing Maps tile system), as speed-test open data uses.

A quadkey of *n* digits names one tile of zoom level *n*: each digit (0-3) picks a quarter
of the tile before it, the bit 1 for the right half (x) and the bit 2 for the lower half
(y). A tile's corners are (Bing Maps Tile System, Microsoft, "Bing Maps Tile System")::

    lon = x / 2**n * 360 - 180
    lat = atan(sinh(pi * (1 - 2 * y / 2**n))) in degrees

for tile column x (west edge x, east edge x + 1) and row y (north edge y, south edge y + 1).
Ookla's open data uses zoom 16 (about 610 m at the equator, 575 m in Bình Định).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

__all__ = ["is_quadkey", "quadkey_bounds", "quadkey_polygons", "quadkey_tiles"]


def is_quadkey(values: pd.Series) -> npt.NDArray[np.bool_]:
    """Return which values are quadkeys: 1 to 23 digits, each 0, 1, 2 or 3.

    Examples
    --------
    >>> is_quadkey(pd.Series(["1320", "0123456", "", None])).tolist()
    [True, False, False, False]
    """
    text = values.astype("string")
    return text.str.fullmatch(r"[0-3]{1,23}").fillna(value=False).to_numpy(dtype=bool)


def quadkey_tiles(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the tile column x, row y and zoom of valid quadkeys (vectorised over digits).

    Parameters
    ----------
    values
        Quadkeys as text, all valid (see :func:`is_quadkey`).

    Returns
    -------
    x, y, zoom : numpy.ndarray of int64

    Examples
    --------
    >>> x, y, z = quadkey_tiles(pd.Series(["1", "21", "3"]))
    >>> x.tolist(), y.tolist(), z.tolist()
    ([1, 1, 1], [0, 2, 1], [1, 2, 1])
    """
    text = values.astype(str).to_numpy()
    zoom = np.char.str_len(text.astype("U")).astype(np.int64)
    width = int(zoom.max()) if len(zoom) else 0
    padded = np.char.ljust(text.astype(f"U{max(width, 1)}"), max(width, 1), "0")
    digits = padded.view("U1").reshape(len(text), max(width, 1)).astype(np.int64)
    x = np.zeros(len(text), dtype=np.int64)
    y = np.zeros(len(text), dtype=np.int64)
    for i in range(width):
        live = i < zoom
        d = digits[:, i]
        x = np.where(live, (x << 1) | (d & 1), x)
        y = np.where(live, (y << 1) | ((d >> 1) & 1), y)
    return x, y, zoom


def quadkey_bounds(values: pd.Series) -> np.ndarray:
    """Return ``(west, south, east, north)`` in degrees of each quadkey's tile.

    Examples
    --------
    >>> quadkey_bounds(pd.Series(["0"])).round(6).tolist()
    [[-180.0, 0.0, 0.0, 85.051129]]
    """
    x, y, zoom = quadkey_tiles(values)
    n = np.power(2.0, zoom)
    west = x / n * 360.0 - 180.0
    east = (x + 1) / n * 360.0 - 180.0
    north = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * y / n))))
    south = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * (y + 1) / n))))
    return np.column_stack([west, south, east, north])


def quadkey_polygons(values: pd.Series) -> np.ndarray:
    """Return each quadkey's tile as a shapely polygon in EPSG:4326."""
    b = quadkey_bounds(values)
    return shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3])
