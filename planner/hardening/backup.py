"""Backup power to add before the season: which sites get longer batteries or a generator.

An outage of ``outage_hours`` cuts the grid over the hazard's areas (every site when no
area is given). At its last moment a site inside is down for power when it has no
generator and its batteries last less than the outage (the scenario's rule,
:func:`coverage.resilience.run_scenario`, told at that hour); sites whose backhaul goes
through a site down are down too. The coverage engine runs on what survives, and the
clusters that had 4G before the outage and have lost it are the ones backup can save.

A site down for power is given the cheaper of two upgrades that carry it through the
outage (:class:`planner.costs.BackupCosts`): batteries extended to ``outage_hours``
(offered up to ``battery_max_hours``) or a generator. The households it **protects** are
those of the clusters it alone brings back: a cluster is covered when one site's signal
reaches its requirement, so each site's own signal tells (:func:`coverage.mobile.best_signal`
with the site alone), and a cluster another chosen site already brings back is not
counted twice. Sites are chosen greedily by households protected per VND, the gains
recomputed after each choice. Not counted: the sites whose microwave backhaul a hub's
upgrade would bring back with it (a cautious figure for hubs).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Final, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from coverage.calibration import Calibration
from coverage.engine import CoverageInputs
from coverage.resilience.scenario import Hazard, run_scenario
from coverage.resilience.settings import DEFAULT_RESILIENCE, ResilienceSettings
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import WORK_CRS
from geodata.errors import InputError
from planner.costs import DEFAULT_BACKUP_COSTS, BackupCosts
from planner.restoration import _site_cover

__all__ = ["BACKUP_COLUMNS", "BackupPlan", "outage_everywhere", "propose_backup", "with_backup"]

#: The columns of :attr:`BackupPlan.sites` (and ``geometry``).
BACKUP_COLUMNS: Final = [
    "site_id",
    "operator",
    "option",
    "battery_hours",
    "to_hours",
    "cost_vnd",
    "households",
    "households_per_billion_vnd",
    "villages",
    "communes",
]


@dataclass(frozen=True)
class BackupPlan:
    """The backup upgrades proposed, best first.

    Attributes
    ----------
    sites
        :data:`BACKUP_COLUMNS` and the site's point (metric CRS), in the order chosen.
    outage_hours
        The outage the plan is made for.
    households_without_4g
        Households that had 4G before and lose it at the end of the outage, before the
        upgrades.
    sites_down_power
        Sites down for power at the end of the outage (the candidates).
    """

    sites: gpd.GeoDataFrame
    outage_hours: float
    households_without_4g: int
    sites_down_power: int

    def totals(self) -> dict[str, Any]:
        """Return the plan's totals (JSON-ready)."""
        n = len(self.sites)
        return {
            "outage_hours": self.outage_hours,
            "upgrades": n,
            "generators": int((self.sites["option"] == "generator").sum()) if n else 0,
            "batteries": int((self.sites["option"] == "battery").sum()) if n else 0,
            "cost_vnd": float(self.sites["cost_vnd"].sum()) if n else 0.0,
            "households_protected": int(self.sites["households"].sum()) if n else 0,
            "households_without_4g": self.households_without_4g,
            "sites_down_power": self.sites_down_power,
        }


def outage_everywhere(inputs: CoverageInputs, outage_hours: float) -> Hazard:
    """Return a power cut over every site of the inputs (one area around all of them)."""
    frames = [f for f in (inputs.villages, inputs.mobile_sites) if f is not None and len(f)]
    geoms = np.concatenate([f.to_crs(WORK_CRS).geometry.to_numpy() for f in frames])
    area = shapely.buffer(shapely.envelope(shapely.union_all(geoms)), 1000.0)
    frame = gpd.GeoDataFrame(
        {"kind": ["power_outage"], "name": ["toàn tỉnh"]}, geometry=[area], crs=WORK_CRS
    )
    return Hazard(frame, float(outage_hours))


def _option(battery_h: float, outage_hours: float, costs: BackupCosts) -> tuple[str, float, float]:
    """Return the cheaper upgrade lasting the outage: option, hours it lasts, price."""
    generator = ("generator", math.inf, costs.generator_vnd)
    if outage_hours > costs.battery_max_hours:
        return generator
    battery = ("battery", outage_hours, costs.battery_vnd(battery_h, outage_hours))
    return battery if battery[2] <= generator[2] else generator


def propose_backup(  # noqa: PLR0913 - the inputs and rules, keyword-only
    inputs: CoverageInputs,
    hazard: Hazard,
    *,
    costs: BackupCosts = DEFAULT_BACKUP_COSTS,
    operator: str | None = None,
    budget_vnd: float | None = None,
    top: int | None = None,
    settings: ResilienceSettings = DEFAULT_RESILIENCE,
    coverage_settings: CoverageSettings = DEFAULT_SETTINGS,
    calibration: Calibration | None = None,
) -> BackupPlan:
    """Choose the sites whose backup power keeps the most households on 4G per VND.

    Parameters
    ----------
    inputs
        The period's layers and rasters.
    hazard
        The areas without grid power and for how long (:func:`outage_everywhere` for
        the whole province).
    costs
        Prices of batteries and generators.
    operator
        Only this operator's sites.
    budget_vnd, top
        Stop when the next upgrade does not fit the budget (a cheaper one that fits is
        still taken), or after ``top`` upgrades.
    settings, coverage_settings, calibration
        As for :func:`coverage.resilience.run_scenario`.

    Returns
    -------
    BackupPlan
    """
    outage = float(hazard.outage_hours)
    if not outage > 0:
        msg = f"--outage-hours must be more than 0 hours, got {outage:g}."
        raise InputError(msg)
    hour = float(np.nextafter(outage, 0.0))  # the last moment of the outage
    result = run_scenario(
        inputs,
        hazard,
        settings=settings,
        coverage_settings=coverage_settings,
        calibration=calibration,
        hours=(hour,),
    )
    state = result.states[0]
    sites = cast("gpd.GeoDataFrame", result.sites)
    before = result.before.coverage.clusters
    now = state.coverage.clusters
    dark = before["mobile_4g"].to_numpy(bool) & ~now["mobile_4g"].to_numpy(bool)
    hh = now["households"].to_numpy(np.int64)
    power = set(state.sites_down.loc[state.sites_down["reason"] == "power", "site_id"].astype(str))
    candidates = _candidates(sites, power, set(state.sites_down["site_id"].astype(str)), operator)
    xy = _points(inputs, now)
    cover = _site_cover(inputs, sites, candidates, xy, dark, coverage_settings)
    battery = sites["battery_hours"].to_numpy(np.float64)
    option = {int(k): _option(float(battery[k]), outage, costs) for k in candidates.tolist()}
    table = _choose(
        sites,
        cover,
        option,
        now,
        budget_vnd=budget_vnd,
        top=top,
    )
    return BackupPlan(table, outage, int(hh[dark].sum()), len(power))


def _candidates(
    sites: gpd.GeoDataFrame, power: set[str], down: set[str], operator: str | None
) -> npt.NDArray[np.int64]:
    """Return the sites down for power an upgrade brings back (a microwave hub up)."""
    ids = sites["site_id"].astype(str).to_numpy()
    candidates = np.flatnonzero(np.isin(ids, list(power)))
    if operator is not None:
        candidates = candidates[sites["operator"].astype(str).to_numpy()[candidates] == operator]
    if "backhaul" in sites and "backhaul_to" in sites:  # a microwave hop needs its hub up
        hop = sites["backhaul"].astype(str).to_numpy() == "microwave"
        hub = sites["backhaul_to"].astype(str).to_numpy()
        candidates = np.asarray(
            [k for k in candidates.tolist() if not (hop[k] and hub[k] in down)], dtype=np.int64
        )
    return candidates.astype(np.int64)


def _points(inputs: CoverageInputs, clusters: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Return each cluster's point (its centroid), in the order of the status frame."""
    frame = inputs.clusters if inputs.clusters is not None and len(inputs.clusters) else None
    if frame is None:
        frame = inputs.villages
    key = "cluster_id" if frame is not inputs.villages else "village_id"
    if key not in clusters:
        key = "village_id"
    row_of = {str(k): i for i, k in enumerate(frame[key].astype(str))}
    order = np.asarray([row_of[str(k)] for k in clusters[key].astype(str)], dtype=np.int64)
    return np.asarray(shapely.get_coordinates(shapely.centroid(frame.geometry.to_numpy()))[order])


def _choose(  # noqa: PLR0913 - the candidates, what they cover, the options
    sites: gpd.GeoDataFrame,
    cover: dict[int, npt.NDArray[np.int64]],
    option: dict[int, tuple[str, float, float]],
    clusters: pd.DataFrame,
    *,
    budget_vnd: float | None,
    top: int | None,
) -> gpd.GeoDataFrame:
    """Choose upgrades greedily by households brought back per VND (gains recomputed)."""
    hh = clusters["households"].to_numpy(np.int64)
    villages = clusters["village_id"].astype(str).to_numpy()
    communes = clusters["commune_id"].astype(str).to_numpy()
    ids = sites["site_id"].astype(str).to_numpy()
    battery = sites["battery_hours"].to_numpy(np.float64)
    saved = np.zeros(len(hh), dtype=bool)
    left = math.inf if budget_vnd is None else float(budget_vnd)
    rows: list[dict[str, Any]] = []
    points = []
    todo = {k for k in cover if len(cover[k])}
    while todo and (top is None or len(rows) < top):
        best: tuple[tuple[float, float, str], int] | None = None
        for k in todo:
            gain = int(hh[cover[k][~saved[cover[k]]]].sum())
            price = option[k][2]
            if gain <= 0 or price > left:
                continue
            score = (gain / max(price, 1.0), -price, str(ids[k]))
            if best is None or score > best[0]:
                best = (score, k)
        if best is None:
            break
        k = best[1]
        todo.discard(k)
        new = cover[k][~saved[cover[k]]]
        saved[new] = True
        name, lasts, price = option[k]
        left -= price
        got = int(hh[new].sum())
        rows.append(
            {
                "site_id": str(ids[k]),
                "operator": str(sites["operator"].iloc[k]),
                "option": name,
                "battery_hours": float(battery[k]),
                "to_hours": lasts if math.isfinite(lasts) else None,
                "cost_vnd": float(price),
                "households": got,
                "households_per_billion_vnd": got / max(price, 1.0) * 1e9,
                "villages": ",".join(sorted(set(villages[new].tolist()))),
                "communes": ",".join(sorted(set(communes[new].tolist()))),
            }
        )
        points.append(sites.geometry.iloc[k])
    return gpd.GeoDataFrame(rows, columns=BACKUP_COLUMNS, geometry=points, crs=WORK_CRS)


def with_backup(inputs: CoverageInputs, plan: BackupPlan) -> CoverageInputs:
    """Return the inputs with the plan's sites given a generator (to re-run a scenario)."""
    sites = inputs.mobile_sites
    if sites is None or not len(plan.sites):
        return inputs
    out = sites.copy()
    chosen = out["site_id"].astype(str).isin(set(plan.sites["site_id"]))
    gen = out["generator"] if "generator" in out else pd.Series(data=False, index=out.index)
    out["generator"] = gen.fillna(value=False).astype(bool) | chosen
    return dataclasses.replace(inputs, mobile_sites=out)
