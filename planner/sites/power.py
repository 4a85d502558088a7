"""Power of a proposed site: the grid when a distribution line or a lit village is near.

:func:`site_power` gives grid power when a distribution line (at most
``rules.max_power_line_kv``) or an electrified village lies within reach, else solar.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.sites.inputs import ID_COLUMNS, FloatArray
from planner.sites.rules import SiteRules

__all__ = [
    "site_power",
]


def site_power(
    xy: FloatArray,
    power_lines: gpd.GeoDataFrame | None,
    villages: gpd.GeoDataFrame | None,
    rules: SiteRules,
) -> tuple[list[str], list[str]]:
    """Return the power (``"grid"`` or ``"solar"``) of a site at each point, with a note."""
    n = len(xy)
    power, notes = ["solar"] * n, [""] * n
    pts = shapely.points(xy) if n else np.empty(0, dtype=object)
    line_d = np.full(n, np.inf)
    line_id = np.full(n, "", dtype=object)
    if power_lines is not None and len(power_lines) and n:
        volts = (
            pd.to_numeric(power_lines["voltage_kv"], errors="coerce").to_numpy(dtype=np.float64)
            if "voltage_kv" in power_lines
            else np.full(len(power_lines), np.nan)
        )
        usable = power_lines.loc[~(volts > rules.max_power_line_kv)]
        if len(usable):
            ids = (
                usable["line_id"].astype(str).to_numpy()
                if "line_id" in usable
                else np.array([f"#{k}" for k in range(len(usable))])
            )
            tree = shapely.STRtree(np.asarray(usable.geometry.to_numpy(), dtype=object))
            (src, dst), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
            line_d[src] = dist
            line_id[src] = ids[dst]
    village_d = np.full(n, np.inf)
    village_name = np.full(n, "", dtype=object)
    if villages is not None and len(villages) and "has_electricity" in villages and n:
        # A missing value means electrified: the data contract's default.
        lit_mask = np.array([bool(pd.isna(v) or v) for v in villages["has_electricity"]])
        lit = villages.loc[lit_mask]
        if len(lit):
            label = next((c for c in ("name", *ID_COLUMNS) if c in lit.columns), None)
            names = (
                lit[label].astype(str).to_numpy()
                if label is not None
                else np.array([f"#{k}" for k in range(len(lit))])
            )
            tree = shapely.STRtree(np.asarray(lit.geometry.to_numpy(), dtype=object))
            (src, dst), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
            village_d[src] = dist
            village_name[src] = names[dst]
    for i in range(n):
        if line_d[i] <= rules.power_line_m:
            power[i] = "grid"
            notes[i] = f"power line {line_id[i]} at {line_d[i]:.0f} m"
        elif village_d[i] <= rules.electrified_village_m:
            power[i] = "grid"
            notes[i] = f"electrified village {village_name[i]!r} at {village_d[i]:.0f} m"
        else:
            notes[i] = (
                f"no distribution line (<= {rules.max_power_line_kv:g} kV) within "
                f"{rules.power_line_m:.0f} m and no electrified village within "
                f"{rules.electrified_village_m:.0f} m"
            )
    return power, notes
