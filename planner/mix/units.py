"""The units the mix serves, where each village's new site would stand, what must be served.

:func:`unserved_units` lists the residential clusters the fiber indicator does not count
yet (or the villages, without a clusters layer) with their households, grid power and
position; :func:`site_villages` places a candidate new site at each of their villages
(required for a village without 4G under the 4G target); :func:`mandatory_units` picks
the unit nearest the centre of each village without fiber (the village target).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage.engine import CoverageResult

__all__ = ["mandatory_units", "site_villages", "unserved_units"]


def unserved_units(
    layers: Mapping[str, gpd.GeoDataFrame], result: CoverageResult
) -> tuple[pd.DataFrame, str]:
    """Return the units the fiber indicator does not count yet, with power and position."""
    villages = layers["villages"]
    power = {
        str(v): bool(pd.isna(e) or e)
        for v, e in zip(
            villages["village_id"],
            villages["has_electricity"]
            if "has_electricity" in villages
            else [None] * len(villages),
            strict=True,
        )
    }
    clusters = layers.get("clusters")
    if clusters is not None and len(clusters) and "cluster_id" in result.clusters:
        reached = result.clusters.set_index("cluster_id")["fiber_reached"].astype(bool)
        todo = clusters[~clusters["cluster_id"].map(reached).fillna(value=False).astype(bool)]
        ids, kind = todo["cluster_id"].astype(str), "clusters"
    else:
        reached = result.villages.set_index("village_id")["fiber_reached"].astype(bool)
        todo = villages[~villages["village_id"].map(reached).fillna(value=False).astype(bool)]
        ids, kind = todo["village_id"].astype(str), "villages"
    pts = shapely.point_on_surface(np.asarray(todo.geometry.to_numpy(), dtype=object))
    xy = shapely.get_coordinates(pts) if len(todo) else np.empty((0, 2))
    hh = pd.to_numeric(todo["households"], errors="coerce").fillna(0.0).clip(lower=0.0)
    units = pd.DataFrame(
        {
            "unit_id": ids.to_numpy(),
            "village_id": todo["village_id"].astype(str).to_numpy(),
            "households": hh.to_numpy(dtype=np.float64),
            "has_power": [power.get(str(v), True) for v in todo["village_id"]],
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )
    return units[units["households"] > 0].reset_index(drop=True), kind


def site_villages(
    layers: Mapping[str, gpd.GeoDataFrame],
    result: CoverageResult,
    units: pd.DataFrame,
    *,
    mobile: bool,
) -> pd.DataFrame:
    """Where each village's new site would stand: its point; required without 4G."""
    villages = layers["villages"]
    no4g = set(
        result.villages.loc[~result.villages["mobile_4g"].astype(bool), "village_id"].astype(str)
    )
    wanted = set(units["village_id"]) | (no4g if mobile else set())
    chosen = villages[villages["village_id"].astype(str).isin(wanted)]
    pts = shapely.point_on_surface(np.asarray(chosen.geometry.to_numpy(), dtype=object))
    xy = shapely.get_coordinates(pts) if len(chosen) else np.empty((0, 2))
    ids = chosen["village_id"].astype(str).to_numpy()
    return pd.DataFrame(
        {
            "village_id": ids,
            "x": xy[:, 0],
            "y": xy[:, 1],
            "mandatory": [mobile and v in no4g for v in ids],
        }
    )


def mandatory_units(
    layers: Mapping[str, gpd.GeoDataFrame], result: CoverageResult, units: pd.DataFrame
) -> np.ndarray:
    """Return the unit nearest the centre of each village without fiber."""
    out = np.zeros(len(units), dtype=bool)
    villages = layers["villages"].set_index(layers["villages"]["village_id"].astype(str))
    todo = result.villages.loc[~result.villages["fiber_reached"].astype(bool), "village_id"]
    for v in todo.astype(str):
        mine = np.flatnonzero(units["village_id"].to_numpy() == v)
        if not len(mine) or v not in villages.index:
            continue
        c = villages.loc[v].geometry.representative_point()
        d = np.hypot(units["x"].to_numpy()[mine] - c.x, units["y"].to_numpy()[mine] - c.y)
        out[mine[int(np.argmin(d))]] = True
    return out


def unit_points(units: pd.DataFrame, layers: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Return the units (a mix plan's rows) as points: each cluster's, else village's.

    Parameters
    ----------
    units
        Rows with ``unit_id`` (a cluster id, or a village id without clusters).
    layers
        ``clusters`` and/or ``villages`` (any CRS).

    Returns
    -------
    geopandas.GeoDataFrame
        ``units`` with a representative point each, in the layers' CRS (empty point when
        the id is unknown).
    """
    places = layers.get("clusters")
    id_col = "cluster_id"
    if places is None or not len(places):
        places, id_col = layers["villages"], "village_id"
    where = places.set_index(places[id_col].astype(str)).geometry
    geometry = gpd.GeoSeries(
        [where.get(str(u)) for u in units["unit_id"]], index=units.index, crs=places.crs
    ).representative_point()
    return gpd.GeoDataFrame(units, geometry=geometry, crs=places.crs)
