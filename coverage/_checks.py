"""Boundary checks of the coverage engine: inputs must be in a metric CRS."""

from __future__ import annotations

import geopandas as gpd

from geodata.crs import check_metric
from geodata.errors import CRSProblem

__all__ = ["check_work_crs"]


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
