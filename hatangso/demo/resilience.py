"""What the demo's network depends on, and an illustrative storm (synthetic, labelled).

Every site gets backup power, a tower type and its backhaul; every fiber route its
build. None of it is surveyed: the values are drawn per id (stable across the periods,
independent of the other steps' random streams) from shares stated here, by the
commune's style (ward, town, lowland, mountain). The backhaul follows the network of
the period: fiber when a cable of the site's operator, else of another operator
(leased), passes within 500 m; else a microwave hop to the nearest site of its operator
with fiber within 20 km; else satellite.

:func:`demo_storm` draws an illustrative scenario: a storm coming in from the sea and
landing just north of Quy Nhơn, damaging wind 40 km either side of its track, and a
power cut over the coastal communes. It echoes the kind of event the province lived
through (typhoon Kalmaegi, November 2025) without being it: its figures are the
model's on synthetic networks, not what happened.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS, WORK_CRS
from hatangso.demo.common import Layers
from hatangso.demo.context import Context, commune_style

__all__ = ["STORM_NAME", "demo_storm", "with_resilience"]

#: Battery hours and their shares (a cautious spread around the 2-4 h usual for sites).
_BATTERY_H: Final = ((2.0, 0.35), (3.0, 0.25), (4.0, 0.3), (8.0, 0.1))
#: Share of sites with a generator, by commune style (more in towns, where hubs stand).
_GENERATOR: Final = {"ward": 0.3, "town": 0.2, "lowland": 0.1, "mountain": 0.15}
#: Tower types and their shares, by commune style.
_TOWERS: Final = {
    "ward": (("rooftop", 0.45), ("monopole", 0.3), ("self_supporting", 0.25)),
    "town": (("monopole", 0.3), ("self_supporting", 0.4), ("guyed", 0.2), ("rooftop", 0.1)),
    "lowland": (("self_supporting", 0.55), ("guyed", 0.35), ("monopole", 0.1)),
    "mountain": (("self_supporting", 0.6), ("guyed", 0.4)),
}
#: Share of buried cable by level (backbones in ducts along the national roads; access
#: cables hung on poles), and of distribution cable in wards.
_BURIED: Final = {"backbone": 0.8, "distribution": 0.15, "access": 0.05}
_BURIED_WARD_DISTRIBUTION: Final = 0.5
_FIBER_REACH_M: Final = 500.0
_MICROWAVE_M: Final = 20_000.0

STORM_NAME: Final = "Bão minh họa (giả định, không phải số liệu thật)"
_TRACK_LONLAT: Final = ((110.6, 13.45), (109.25, 13.80), (108.55, 14.05))
_WIND_RADIUS_M: Final = 40_000.0


def _uniform(seed: int, key: str, ids: pd.Series) -> npt.NDArray[np.float64]:
    """Return a uniform draw in [0, 1) per id, fixed by the seed, a key and the id alone."""
    return np.asarray(
        [zlib.crc32(f"{seed}:{key}:{i}".encode()) / 2**32 for i in ids.astype(str)],
        dtype=np.float64,
    )


def _pick(u: npt.NDArray[np.float64], choices: tuple[tuple[object, float], ...]) -> list[object]:
    values = [c for c, _ in choices]
    edges = np.cumsum([p for _, p in choices])
    return [values[min(int(np.searchsorted(edges, x, side="right")), len(values) - 1)] for x in u]


def with_resilience(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Add the resilience attributes to ``mobile_sites`` and ``fiber_routes``.

    Parameters
    ----------
    ctx
        The build context (seed, base layers).
    layers
        A period's layers (``admin_units``, ``fiber_routes``, ``mobile_sites``).

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``mobile_sites`` and ``fiber_routes`` with their new columns, EPSG:4326.
    """
    style = commune_style(ctx.base)
    communes = layers["admin_units"]
    communes = communes[communes["level"] == "commune"][["unit_id", "geometry"]]
    sites = layers["mobile_sites"].copy()
    routes = layers["fiber_routes"].copy()
    where = gpd.sjoin(sites[["geometry"]], communes, how="left", predicate="within")
    where = where[~where.index.duplicated(keep="first")]["unit_id"].reindex(sites.index)
    site_style = [style.get(str(c), "lowland") for c in where]
    ids = sites["site_id"]
    seed = ctx.seed
    sites["battery_hours"] = _pick(_uniform(seed, "battery", ids), _BATTERY_H)
    u = _uniform(seed, "generator", ids)
    sites["generator"] = [bool(x < _GENERATOR[s]) for x, s in zip(u, site_style, strict=True)]
    u = _uniform(seed, "tower", ids)
    sites["tower_type"] = [
        _pick(np.array([x]), _TOWERS[s])[0] for x, s in zip(u, site_style, strict=True)
    ]
    backhaul, hub = _backhaul(sites, routes)
    sites["backhaul"] = backhaul
    sites["backhaul_to"] = hub
    rwhere = gpd.sjoin(
        gpd.GeoDataFrame(geometry=routes.geometry.representative_point(), crs=routes.crs),
        communes,
        how="left",
        predicate="within",
    )
    rwhere = rwhere[~rwhere.index.duplicated(keep="first")]["unit_id"].reindex(routes.index)
    u = _uniform(seed, "build", routes["route_id"])
    share = [
        _BURIED_WARD_DISTRIBUTION
        if level == "distribution" and style.get(str(c)) == "ward"
        else _BURIED[str(level)]
        for level, c in zip(routes["level"], rwhere, strict=True)
    ]
    routes["build"] = np.where(u < np.asarray(share), "buried", "aerial")
    return {"mobile_sites": _geometry_last(sites), "fiber_routes": _geometry_last(routes)}


def _geometry_last(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    columns = [c for c in frame.columns if c != "geometry"]
    return gpd.GeoDataFrame(frame[[*columns, "geometry"]], geometry="geometry", crs=frame.crs)


def _backhaul(
    sites: gpd.GeoDataFrame, routes: gpd.GeoDataFrame
) -> tuple[list[str], list[str | None]]:
    """Each site's backhaul (fiber, microwave, satellite) and microwave hub."""
    s = sites.to_crs(WORK_CRS)
    r = routes.to_crs(WORK_CRS)
    pts = s.geometry.to_numpy()
    ops = s["operator"].astype(str).to_numpy()
    tree = shapely.STRtree(r.geometry.to_numpy())
    src, dst = tree.query(pts, predicate="dwithin", distance=_FIBER_REACH_M)
    del dst  # any operator's cable will do: an operator without its own leases one
    fiber = np.zeros(len(s), dtype=bool)
    fiber[src] = True
    kinds = np.where(fiber, "fiber", "satellite").astype(object)
    hub: list[str | None] = [None] * len(s)
    ids = s["site_id"].astype(str).to_numpy()
    for op in sorted(set(ops)):
        fed = np.flatnonzero(fiber & (ops == op))
        lone = np.flatnonzero(~fiber & (ops == op))
        if not len(fed) or not len(lone):
            continue
        hubs = shapely.STRtree(pts[fed])
        (a, b), dist = hubs.query_nearest(pts[lone], return_distance=True, all_matches=False)
        for k, j, d in zip(a.tolist(), b.tolist(), dist.tolist(), strict=True):
            if d <= _MICROWAVE_M:
                kinds[lone[k]] = "microwave"
                hub[lone[k]] = str(ids[fed[j]])
    return [str(k) for k in kinds], hub


def demo_storm(admin_units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the illustrative storm: its track and the power cut over the coast.

    Parameters
    ----------
    admin_units
        The demo's units (province and communes), EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        Two features, EPSG:4326: the track (``kind`` storm, ``wind_radius_m``) and the
        coastal communes' power cut (``kind`` power_outage), each named as synthetic.
    """
    units = admin_units.to_crs(WORK_CRS)
    province = shapely.union_all(units[units["level"] == "province"].geometry.to_numpy())
    communes = units[units["level"] == "commune"]
    coastal = [geom for geom in communes.geometry if _faces_the_sea(geom, province)]
    outage = shapely.union_all(coastal) if coastal else shapely.Polygon()
    track = shapely.LineString(_TRACK_LONLAT)
    frame = gpd.GeoDataFrame(
        {
            "hazard_id": ["BAO-1", "MD-1"],
            "kind": ["storm", "power_outage"],
            "wind_radius_m": [_WIND_RADIUS_M, None],
            "name": [STORM_NAME, "Mất điện các xã ven biển (giả định)"],
        },
        geometry=[
            gpd.GeoSeries([track], crs=STORE_CRS).to_crs(WORK_CRS).iloc[0],
            shapely.simplify(outage, 50.0),
        ],
        crs=WORK_CRS,
    )
    return frame.to_crs(STORE_CRS)


def _faces_the_sea(commune: BaseGeometry, province: BaseGeometry) -> bool:
    """Whether points 3 km and 15 km east of the commune's eastern edge are out at sea."""
    minx, miny, maxx, maxy = commune.bounds
    ys = np.linspace(miny, maxy, 7)[1:-1]
    for y in ys:
        row = shapely.intersection(commune, shapely.LineString([(minx - 1, y), (maxx + 1, y)]))
        if row.is_empty:
            continue
        east = row.bounds[2]
        probes = [shapely.Point(east + d, y) for d in (3000.0, 15000.0)]
        if not any(province.contains(p) for p in probes):
            return True
    return False
