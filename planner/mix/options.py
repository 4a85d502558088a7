"""The ways to serve each unserved unit (a cluster or village), priced and checked.

For every unit the fiber indicator does not count yet, :func:`unit_options` lists

* ``fiber``: a connection on the fiber tree (the connection equipment here; its share of
  the tree, edge costs split by the households downstream, is added by
  :mod:`planner.mix.tree`);
* ``fwa_existing``: fixed wireless access (an outdoor 4G CPE) from the nearest existing
  4G site within reach, with that site's spare capacity shared by every unserved unit
  around it;
* ``site_fwa``: fixed wireless access from a new 4G site built for the unit's village
  (a *group*: one site shared by the village's units within reach, up to its capacity;
  power from the grid when within reach, else solar and batteries; backhaul by a fiber
  spur, a microwave hop with line of sight, or a satellite link, through
  :mod:`planner.sites.power` and :mod:`planner.sites.backhaul`);
* ``leo_household``: a LEO satellite terminal per household, as many as the beam's
  capacity per km² allows at the busy-hour target;
* ``leo_community``: one LEO terminal feeding a community Wi-Fi point (own solar power).

Each option has its capital cost, yearly operating cost, ten-year cost
(:meth:`planner.cost_table.CostTable.npv`), households served (fewer than the unit's when
capacity is short), busy-hour capacity per household against
:attr:`OptionRules.target_mbps_per_household`, and a reason when it cannot serve: no
power (a village without grid electricity: a household's CPE, ONT or terminal needs it),
out of range, capacity short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geodata.raster import Grid
from planner.cost_table import CostTable
from planner.sites.backhaul import fiber_distance, microwave
from planner.sites.power import site_power
from planner.sites.rules import DEFAULT_RULES, SiteRules

__all__ = [
    "OPTION_COLUMNS",
    "SITE_TYPES",
    "TECHS",
    "OptionRules",
    "SiteGroups",
    "unit_options",
    "vn_number",
]

#: The technologies, in the order they are listed.
TECHS: Final = ("fiber", "fwa_existing", "site_fwa", "leo_household", "leo_community")

#: The types of new site the cost table prices (``site.<type>_vnd``).
SITE_TYPES: Final = ("macro_30m", "macro_45m", "pole_15m")

#: Columns of the options frame.
OPTION_COLUMNS: Final = (
    "unit_id",
    "tech",
    "group",
    "capex_vnd",
    "opex_vnd_per_year",
    "npv_vnd",
    "households_served",
    "capacity_mbps_per_household",
    "reason",
)


@dataclass(frozen=True)
class OptionRules:
    """Capacities, reaches and the service target that decide which option can serve.

    Every default is a stated planning assumption (``giả định``), to be replaced by the
    operators' figures.

    Attributes
    ----------
    target_mbps_per_household
        Busy-hour throughput each household must get (2 Mbit/s: a 25-30 Mbit/s plan at
        the usual 1:12-1:15 busy-hour contention).
    pon_mbps, households_per_pon
        GPON downstream (2,488 Mbit/s) shared by the households of one port (32).
    fwa_range_m
        Reach of fixed wireless access from a site to an outdoor CPE (5 km).
    fwa_existing_spare_mbps
        Busy-hour capacity an existing rural 4G site can spare for fixed wireless (40
        Mbit/s), shared by every unserved unit whose nearest site it is.
    fwa_new_site_mbps
        Busy-hour capacity of a new three-sector site with two 20 MHz LTE carriers at
        about 1.6 bit/s/Hz (≈ 190 Mbit/s).
    leo_mbps_per_km2
        Busy-hour LEO capacity per km² (10 Mbit/s: a few Gbit/s per beam cell of about
        250 km², shared).
    leo_terminal_mbps
        Busy-hour throughput of one LEO terminal (a community point's ceiling).
    leo_share_radius_m
        Households of unserved units within this distance share the same km² (564 m: a
        circle of 1 km²).
    site_type
        The new site's type, priced by the cost table row ``site.<type>_vnd``:
        ``"macro_30m"`` (default), ``"macro_45m"`` or ``"pole_15m"``.
    site_height_m
        Its antenna height, for the microwave line of sight (30 m).
    site_rules
        Backhaul and power reaches (:class:`planner.sites.rules.SiteRules`).
    """

    target_mbps_per_household: float = 2.0
    pon_mbps: float = 2488.0
    households_per_pon: int = 32
    fwa_range_m: float = 5_000.0
    fwa_existing_spare_mbps: float = 40.0
    fwa_new_site_mbps: float = 190.0
    leo_mbps_per_km2: float = 10.0
    leo_terminal_mbps: float = 100.0
    leo_share_radius_m: float = 564.19
    site_type: str = "macro_30m"
    site_height_m: float = 30.0
    site_rules: SiteRules = field(default_factory=lambda: DEFAULT_RULES)

    def __post_init__(self) -> None:
        """Refuse capacities and reaches that are not positive numbers."""
        bad = [
            name
            for name in (
                "target_mbps_per_household",
                "pon_mbps",
                "households_per_pon",
                "fwa_range_m",
                "fwa_existing_spare_mbps",
                "fwa_new_site_mbps",
                "leo_mbps_per_km2",
                "leo_terminal_mbps",
                "leo_share_radius_m",
                "site_height_m",
            )
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) > 0)
        ]
        if bad:
            msg = f"option rules {bad} must be positive numbers"
            raise ValueError(msg)
        if self.site_type not in SITE_TYPES:
            msg = f"site_type {self.site_type!r} is not one of {list(SITE_TYPES)}"
            raise ValueError(msg)


@dataclass(frozen=True)
class SiteGroups:
    """New 4G sites, one per village with unserved units (or without 4G).

    ``frame`` has ``group``, ``village_id``, ``x``, ``y``, ``power``, ``power_note``,
    ``backhaul``, ``backhaul_note``, ``capex_vnd``, ``opex_vnd_per_year``, ``npv_vnd``
    and ``mandatory`` (the village has no 4G and the 4G target is asked).
    """

    frame: pd.DataFrame


def _nearest_4g(xy: np.ndarray, sites: gpd.GeoDataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Index and distance of the nearest existing 4G site of each point (-1, inf: none)."""
    n = len(xy)
    idx, dist = np.full(n, -1, dtype=np.intp), np.full(n, np.inf)
    if sites is None or not len(sites) or not n:
        return idx, dist
    tech = sites["tech"].fillna("").astype(str) if "tech" in sites else pd.Series("", sites.index)
    has4g = tech.map(lambda s: "4G" in [p.strip() for p in s.split(",")]).to_numpy(dtype=bool)
    geoms = np.asarray(sites.geometry.to_numpy(), dtype=object)[has4g]
    if not len(geoms):
        return idx, dist
    tree = shapely.STRtree(geoms)
    (src, dst), d = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    idx[src], dist[src] = dst, d
    return idx, dist


def vn_number(value: float, digits: int = 0) -> str:
    """Return a number the Vietnamese way (``1.234,5``) for the reasons' text.

    ``planner`` sits below ``hatangso.formatting``; this is the one number format its
    Vietnamese texts need.

    Examples
    --------
    >>> vn_number(5000), vn_number(0.0512, 2)
    ('5.000', '0,05')
    """
    return f"{value:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _served(households: float, capacity_per_household: float, target: float) -> int:
    """Households served: all when capacity meets the target, else the share it carries."""
    if capacity_per_household >= target:
        return round(households)
    return math.floor(households * capacity_per_household / target + 1e-9)


def unit_options(  # noqa: PLR0913 - the option set of the issue, keyword-only
    units: pd.DataFrame,
    *,
    costs: CostTable,
    rules: OptionRules = OptionRules(),
    existing_sites: gpd.GeoDataFrame | None = None,
    fiber_routes: gpd.GeoDataFrame | None = None,
    fiber_nodes: gpd.GeoDataFrame | None = None,
    power_lines: gpd.GeoDataFrame | None = None,
    villages: gpd.GeoDataFrame | None = None,
    site_villages: pd.DataFrame | None = None,
    elevation: Grid | None = None,
    crs: pyproj.CRS | None = None,
) -> tuple[pd.DataFrame, SiteGroups]:
    """Price and check every option of every unit.

    Parameters
    ----------
    units
        One row per unserved unit: ``unit_id``, ``village_id``, ``households``,
        ``has_power`` (bool), ``x``, ``y`` (metres, the working CRS).
    costs
        The cost table.
    rules
        Capacities, reaches and the service target.
    existing_sites
        ``mobile_sites`` (``tech``; 4G sites serve fixed wireless), same CRS.
    fiber_routes, fiber_nodes, power_lines, villages, elevation
        For a new site's backhaul and power (:func:`planner.sites.power.site_power`,
        :func:`planner.sites.backhaul.microwave`); ``elevation`` in the layers' CRS.
    site_villages
        The villages that get a site group: ``village_id``, ``x``, ``y``, ``mandatory``;
        by default every village of `units` at its units' household-weighted centre.
    crs
        The layers' metric CRS (for the line of sight).

    Returns
    -------
    options : pandas.DataFrame
        One row per unit and technology (:data:`OPTION_COLUMNS`); an option that cannot
        serve has 0 households served and its ``reason``. For ``site_fwa`` the costs are
        the unit's own (CPE, upkeep) and the site itself is in the groups.
    groups : SiteGroups
        The new sites.
    """
    groups = _site_groups(
        units,
        costs=costs,
        rules=rules,
        site_villages=site_villages,
        existing_sites=existing_sites,
        fiber_routes=fiber_routes,
        fiber_nodes=fiber_nodes,
        power_lines=power_lines,
        villages=villages,
        elevation=elevation,
        crs=crs,
    )
    rows = _Rows(units, costs.annuity_factor())
    _fiber_options(rows, costs, rules)
    _fwa_existing_options(rows, costs, rules, existing_sites)
    _site_options(rows, costs, rules, groups)
    _leo_options(rows, costs, rules)
    frame = pd.DataFrame(rows.rows, columns=list(OPTION_COLUMNS))
    return frame, groups


_NO_POWER: Final = "không có điện lưới (thôn chưa có điện): thiết bị tại hộ cần điện"


class _Rows:
    """The units as arrays, and the option rows collected."""

    def __init__(self, units: pd.DataFrame, annuity: float) -> None:
        self.ids = units["unit_id"].astype(str).to_numpy()
        self.hh = units["households"].to_numpy(dtype=np.float64)
        self.power = units["has_power"].to_numpy(dtype=bool)
        self.xy = units[["x", "y"]].to_numpy(dtype=np.float64)
        self.village = units["village_id"].astype(str).to_numpy()
        self.annuity = annuity
        self.rows: list[dict[str, object]] = []

    def add(  # noqa: PLR0913
        self,
        i: int,
        tech: str,
        cost: tuple[float, float],
        served: int,
        cap: float,
        reason: str,
        group: str = "",
    ) -> None:
        """Add unit `i`'s option (capex, opex a year); no power outranks other reasons."""
        if not self.power[i] and tech != "leo_community":
            reason = _NO_POWER
        ok = served > 0 and not reason
        capex, opex = cost
        self.rows.append(
            {
                "unit_id": self.ids[i],
                "tech": tech,
                "group": group,
                "capex_vnd": float(capex) if ok else math.nan,
                "opex_vnd_per_year": float(opex) if ok else math.nan,
                "npv_vnd": float(capex + opex * self.annuity) if ok else math.nan,
                "households_served": int(served) if ok else 0,
                "capacity_mbps_per_household": float(cap),
                "reason": reason,
            }
        )


def _fiber_options(rows: _Rows, costs: CostTable, rules: OptionRules) -> None:
    """Add fiber: the connection equipment here; the tree's share is added by the tree."""
    pon_cap = rules.pon_mbps / rules.households_per_pon
    for i, hh in enumerate(rows.hh.tolist()):
        rows.add(i, "fiber", (costs.connection_vnd() * hh, 0.0), round(hh), pon_cap, "")


def _fwa_existing_options(
    rows: _Rows, costs: CostTable, rules: OptionRules, existing: gpd.GeoDataFrame | None
) -> None:
    """Add fixed wireless from the nearest existing 4G site (its spare capacity shared)."""
    target = rules.target_mbps_per_household
    near, dist = _nearest_4g(rows.xy, existing)
    in_range = (near >= 0) & (dist <= rules.fwa_range_m)
    load = pd.Series(rows.hh[in_range]).groupby(near[in_range]).sum()
    cpe, upkeep = costs["fwa.cpe_vnd"], costs["fwa.opex_vnd_per_household_per_year"]
    for i in range(len(rows.ids)):
        if not in_range[i]:
            far = (
                "không có trạm 4G nào"
                if near[i] < 0
                else f"trạm 4G gần nhất cách {vn_number(dist[i])} m"
            )
            reason = f"ngoài vùng phục vụ: {far} (> {vn_number(rules.fwa_range_m)} m)"
            rows.add(i, "fwa_existing", (0.0, 0.0), 0, 0.0, reason)
            continue
        cap = rules.fwa_existing_spare_mbps / max(float(load[near[i]]), 1.0)
        served = _served(rows.hh[i], cap, target)
        reason = (
            ""
            if served
            else f"thiếu dung lượng: {vn_number(cap, 2)} Mbit/s/hộ < {vn_number(target, 1)}"
        )
        rows.add(i, "fwa_existing", (cpe * served, upkeep * served), served, cap, reason)


def _site_options(rows: _Rows, costs: CostTable, rules: OptionRules, groups: SiteGroups) -> None:
    """Add fixed wireless from each village's new site (units in reach, smallest first)."""
    target = rules.target_mbps_per_household
    g_index = groups.frame.set_index("village_id")
    left = dict.fromkeys(groups.frame["group"].astype(str), rules.fwa_new_site_mbps)
    cpe, upkeep = costs["fwa.cpe_vnd"], costs["fwa.opex_vnd_per_household_per_year"]
    for i in np.lexsort((rows.ids, rows.hh, rows.village)).tolist():
        if rows.village[i] not in g_index.index:
            rows.add(i, "site_fwa", (0.0, 0.0), 0, 0.0, "không có trạm mới cho thôn này")
            continue
        g = g_index.loc[rows.village[i]]
        d = math.hypot(float(g["x"]) - rows.xy[i, 0], float(g["y"]) - rows.xy[i, 1])
        if d > rules.fwa_range_m:
            reach = vn_number(rules.fwa_range_m)
            reason = f"ngoài vùng phục vụ: trạm mới cách {vn_number(d)} m (> {reach} m)"
            rows.add(i, "site_fwa", (0.0, 0.0), 0, 0.0, reason, group=str(g["group"]))
            continue
        cap_left = left[str(g["group"])]
        served = min(round(rows.hh[i]), math.floor(cap_left / target + 1e-9))
        reason = "" if served > 0 else "thiếu dung lượng: trạm mới đã đầy"
        if not reason and rows.power[i]:
            left[str(g["group"])] = cap_left - served * target
        cap = min(cap_left / max(rows.hh[i], 1.0), rules.fwa_new_site_mbps)
        cost = (cpe * served, upkeep * served)
        rows.add(i, "site_fwa", cost, served, cap, reason, group=str(g["group"]))


def _leo_options(rows: _Rows, costs: CostTable, rules: OptionRules) -> None:
    """Add LEO: the beam's capacity per km² shared by the unserved households around."""
    target = rules.target_mbps_per_household
    n = len(rows.ids)
    area_km2 = math.pi * rules.leo_share_radius_m**2 / 1e6
    pts = np.asarray(shapely.points(rows.xy), dtype=object) if n else np.empty(0, dtype=object)
    src, dst = shapely.STRtree(pts).query(
        pts, predicate="dwithin", distance=rules.leo_share_radius_m
    )
    around = np.bincount(src, weights=rows.hh[dst], minlength=n) if n else np.zeros(0)
    terminal, service = costs["leo.terminal_vnd"], costs["leo.service_vnd_per_month"] * 12.0
    point = costs["leo.community_point_vnd"]
    point_service = costs["leo.community_service_vnd_per_month"] * 12.0
    for i in range(n):
        hh = float(rows.hh[i])
        cap = rules.leo_mbps_per_km2 * area_km2 / max(float(around[i]), 1.0)
        served = _served(hh, min(cap, rules.leo_terminal_mbps), target)
        reason = (
            ""
            if served
            else f"thiếu dung lượng vệ tinh: {vn_number(cap, 2)} Mbit/s/hộ < {vn_number(target, 1)}"
        )
        rows.add(i, "leo_household", (terminal * served, service * served), served, cap, reason)
        share = hh / max(float(around[i]), 1.0)
        cap_point = min(rules.leo_terminal_mbps, rules.leo_mbps_per_km2 * area_km2 * share)
        served = min(round(hh), math.floor(cap_point / target + 1e-9))
        reason = (
            ""
            if served
            else f"thiếu dung lượng vệ tinh: {vn_number(cap_point, 2)} Mbit/s < "
            f"{vn_number(target, 1)}"
        )
        cap_ph = cap_point / max(hh, 1.0)
        rows.add(i, "leo_community", (point, point_service), served, cap_ph, reason)


def _site_groups(  # noqa: PLR0913
    units: pd.DataFrame,
    *,
    costs: CostTable,
    rules: OptionRules,
    site_villages: pd.DataFrame | None,
    existing_sites: gpd.GeoDataFrame | None,
    fiber_routes: gpd.GeoDataFrame | None,
    fiber_nodes: gpd.GeoDataFrame | None,
    power_lines: gpd.GeoDataFrame | None,
    villages: gpd.GeoDataFrame | None,
    elevation: Grid | None,
    crs: pyproj.CRS | None,
) -> SiteGroups:
    """One new site per village: where, its power and backhaul, and what it costs."""
    if site_villages is None:
        w = units.assign(_wx=units["x"] * units["households"], _wy=units["y"] * units["households"])
        agg = w.groupby(units["village_id"].astype(str)).agg(
            _wx=("_wx", "sum"),
            _wy=("_wy", "sum"),
            households=("households", "sum"),
            x=("x", "mean"),
            y=("y", "mean"),
        )
        has = agg["households"] > 0
        agg.loc[has, "x"] = agg.loc[has, "_wx"] / agg.loc[has, "households"]
        agg.loc[has, "y"] = agg.loc[has, "_wy"] / agg.loc[has, "households"]
        site_villages = pd.DataFrame(
            {
                "village_id": agg.index,
                "x": agg["x"].to_numpy(),
                "y": agg["y"].to_numpy(),
                "mandatory": False,
            }
        )
    sv = site_villages.sort_values("village_id").reset_index(drop=True)
    xy = sv[["x", "y"]].to_numpy(dtype=np.float64)
    sr = rules.site_rules
    power, power_note = site_power(xy, power_lines, villages, sr)
    fiber_d = fiber_distance(xy, fiber_routes, fiber_nodes)
    if crs is None:
        crs = pyproj.CRS.from_epsg(32649)
    mw = microwave(
        xy,
        ["Shared"] * len(xy),
        existing_sites,
        height_m=rules.site_height_m,
        elevation=elevation,
        rules=sr,
        crs=crs,
    )
    site = costs[f"site.{rules.site_type}_vnd"]
    records: list[dict[str, object]] = []
    for k in range(len(sv)):
        capex, opex = site, costs["site.opex_vnd_per_year"]
        if power[k] == "grid":
            capex += costs["site.grid_connection_vnd"]
        else:
            capex += costs["site.solar_battery_vnd"]
            opex += costs["site.solar_opex_vnd_per_year"]
        fd = float(np.nan_to_num(fiber_d[k], nan=np.inf))
        if fd <= sr.fiber_backhaul_m:
            backhaul, note = "fiber", f"cáp quang hiện có cách {vn_number(fd)} m"
            capex += fd * costs["backhaul.fiber_spur_vnd_per_m"]
        elif mw.kind[k] == "microwave":
            backhaul, note = "microwave", mw.note[k]
            capex += costs["backhaul.microwave_link_vnd"]
            opex += costs["backhaul.microwave_opex_vnd_per_year"]
        else:
            backhaul, note = "satellite", f"vệ tinh: {mw.note[k]}"
            capex += costs["backhaul.vsat_terminal_vnd"]
            opex += costs["backhaul.vsat_service_vnd_per_month"] * 12.0
        records.append(
            {
                "group": f"S-{sv['village_id'].iloc[k]}",
                "village_id": str(sv["village_id"].iloc[k]),
                "x": float(xy[k, 0]),
                "y": float(xy[k, 1]),
                "power": power[k],
                "power_note": power_note[k],
                "backhaul": backhaul,
                "backhaul_note": note,
                "capex_vnd": capex,
                "opex_vnd_per_year": opex,
                "npv_vnd": costs.npv(capex, opex),
                "mandatory": bool(sv["mandatory"].iloc[k]),
            }
        )
    columns = [
        "group",
        "village_id",
        "x",
        "y",
        "power",
        "power_note",
        "backhaul",
        "backhaul_note",
        "capex_vnd",
        "opex_vnd_per_year",
        "npv_vnd",
        "mandatory",
    ]
    return SiteGroups(pd.DataFrame(records, columns=columns))
