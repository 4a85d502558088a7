"""A hazard played hour by hour: which sites go down, who loses fiber and mobile service.

A hazard is a set of areas (polygons; a storm's track is widened by its wind radius)
with a power cut of ``outage_hours`` over all of them. At each hour ``t`` of
:attr:`~coverage.resilience.settings.ResilienceSettings.hours`:

* a site inside an area is **down for power** when it has no generator (``generator``,
  or ``power`` = generator) and its batteries are spent, ``battery_hours <= t``, while
  the grid is still off, ``t < outage_hours``;
* a site is **down, its tower broken**, when a storm's area holds it and its tower type
  is one the wind brings down, or a landslide's area holds it (:data:`DAMAGES`);
* a route piece inside an area that breaks its build (aerial or buried) is **cut**;
* a site is **down for backhaul** when, with the cut pieces and the sites down removed,
  its node no longer reaches the core (a microwave hub down, a feeding cable cut).

Then the coverage engine (:func:`coverage.engine.compute_coverage`) runs on what
survives: the sites up, and the fiber pieces still reaching the core. A neighbour's site
may still reach a village. Fiber equipment is assumed to keep its power (exchanges and
OLT cabinets have their own backup); homes' power is not modelled. A site or a piece of
fiber that did not reach the core in the intact network (its backhaul is not in the
data) is judged by its own power and tower only, so that the hour before the hazard is
exactly the engine's result on the period's layers.

Mobile service is 4G outdoors (the clusters' ``mobile_4g``), the indicator the targets use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from coverage.calibration import Calibration
from coverage.engine import CoverageInputs, CoverageResult, compute_coverage
from coverage.fiber import fiber_reach
from coverage.mobile import best_signal
from coverage.resilience.network import Network, build_network
from coverage.resilience.settings import DEFAULT_RESILIENCE, ResilienceSettings
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import WORK_CRS
from geodata.schemas import DEFAULT_BATTERY_HOURS

__all__ = ["Damage", "Hazard", "HourState", "ScenarioResult", "run_scenario"]

Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Hazard:
    """The areas a hazard strikes and how long the power stays off.

    Attributes
    ----------
    areas
        ``kind``, ``name`` and polygon geometry, metric CRS.
    outage_hours
        Hours the grid stays off over every area.
    """

    areas: gpd.GeoDataFrame
    outage_hours: float

    @classmethod
    def from_frame(cls, frame: gpd.GeoDataFrame, outage_hours: float) -> Hazard:
        """Build a hazard from a checked file (:func:`geodata.hazard.read_hazard`).

        Parameters
        ----------
        frame
            ``kind``, ``wind_radius_m`` (lines), optional ``name``; any CRS.
        outage_hours
            Hours without grid power.

        Returns
        -------
        Hazard
            Lines widened by their wind radius into areas, in the metric CRS.
        """
        work = frame.to_crs(WORK_CRS)
        geoms = work.geometry.to_numpy()
        is_line = shapely.get_dimensions(geoms) == 1
        radius = work["wind_radius_m"] if "wind_radius_m" in work else pd.Series(0.0, work.index)
        radius_m = np.nan_to_num(
            np.asarray(pd.to_numeric(radius, errors="coerce"), dtype=np.float64), nan=0.0
        )
        areas = np.where(is_line, shapely.buffer(geoms, radius_m), geoms)
        names = work["name"] if "name" in work else pd.Series([None] * len(work))
        return cls(
            gpd.GeoDataFrame(
                {"kind": work["kind"].astype(str).to_numpy(), "name": names.to_numpy()},
                geometry=list(areas),
                crs=WORK_CRS,
            ),
            float(outage_hours),
        )


@dataclass(frozen=True)
class HourState:
    """The network and its coverage at one hour.

    Attributes
    ----------
    hour
        Hours after the hazard struck.
    sites_down
        ``site_id``, ``operator``, ``reason`` (``tower``, ``power``, ``backhaul``).
    routes_cut
        The routes with a piece cut.
    coverage
        The engine's result on what survives.
    places
        Priority places: ``place_id``, ``name``, ``kind``, ``fiber``, ``mobile_4g``.
    """

    hour: float
    sites_down: pd.DataFrame
    routes_cut: tuple[str, ...]
    coverage: CoverageResult
    places: pd.DataFrame


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario: the state before the hazard and at each hour after it."""

    hazard: Hazard
    before: HourState
    states: tuple[HourState, ...]
    unlocated_sites: tuple[str, ...]
    network: Network | None = None
    damage: Damage | None = None
    sites: gpd.GeoDataFrame | None = None

    def _lost(self, state: HourState) -> pd.DataFrame:
        was, now = self.before.coverage.clusters, state.coverage.clusters
        fiber = was["fiber_reached"].to_numpy(bool) & ~now["fiber_reached"].to_numpy(bool)
        mobile = was["mobile_4g"].to_numpy(bool) & ~now["mobile_4g"].to_numpy(bool)
        served = was["fiber_reached"].to_numpy(bool) | was["mobile_4g"].to_numpy(bool)
        left = now["fiber_reached"].to_numpy(bool) | now["mobile_4g"].to_numpy(bool)
        hh = was["households"].to_numpy(np.int64)
        return pd.DataFrame(
            {
                "commune_id": was["commune_id"].astype(str).to_numpy(),
                "village_id": was["village_id"].astype(str).to_numpy(),
                "households_without_fiber": hh * fiber,
                "households_without_4g": hh * mobile,
                "households_cut_off": hh * (served & ~left),
            }
        )

    def summary(self) -> pd.DataFrame:
        """Return one row an hour: sites down by reason, routes cut, what is lost.

        ``households_without_fiber`` / ``_4g``: households that had it before the hazard
        and have lost it; ``households_cut_off``: that had either and have neither;
        ``places_cut_off``: priority places that had fiber or 4G and have neither.
        """
        rows = []
        had = self.before.places
        served = had["fiber"].to_numpy(bool) | had["mobile_4g"].to_numpy(bool)
        for state in self.states:
            lost = self._lost(state)
            reasons = state.sites_down["reason"].value_counts()
            now = state.places
            left = now["fiber"].to_numpy(bool) | now["mobile_4g"].to_numpy(bool)
            villages = lost.groupby("village_id")["households_cut_off"].sum()
            rows.append(
                {
                    "hour": state.hour,
                    "sites_down": len(state.sites_down),
                    **{f"sites_down_{r}": int(reasons.get(r, 0)) for r in _REASONS},
                    "routes_cut": len(state.routes_cut),
                    "households_without_fiber": int(lost["households_without_fiber"].sum()),
                    "households_without_4g": int(lost["households_without_4g"].sum()),
                    "households_cut_off": int(lost["households_cut_off"].sum()),
                    "villages_cut_off": int((villages > 0).sum()),
                    "places_cut_off": int((served & ~left).sum()),
                }
            )
        return pd.DataFrame(rows)

    def by_commune(self, hour: float) -> pd.DataFrame:
        """Return the households without service at ``hour``, by commune (most first)."""
        state = next(s for s in self.states if s.hour == hour)
        lost = self._lost(state).drop(columns="village_id")
        table = lost.groupby("commune_id", as_index=False).sum()
        table = table[table.drop(columns="commune_id").sum(axis=1) > 0]
        return table.sort_values(
            ["households_cut_off", "households_without_4g", "commune_id"],
            ascending=[False, False, True],
        ).reset_index(drop=True)

    def places_cut_off(self, hour: float) -> pd.DataFrame:
        """Return the priority places that had fiber or 4G before and have neither."""
        state = next(s for s in self.states if s.hour == hour)
        had = self.before.places
        served = had["fiber"].to_numpy(bool) | had["mobile_4g"].to_numpy(bool)
        now = state.places
        left = now["fiber"].to_numpy(bool) | now["mobile_4g"].to_numpy(bool)
        return pd.DataFrame(now[served & ~left]).reset_index(drop=True)


_REASONS = ("tower", "power", "backhaul")


def _sites_frame(sites: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    if sites is None:
        sites = gpd.GeoDataFrame({"site_id": [], "operator": []}, geometry=[], crs=WORK_CRS)
    out = sites.copy()
    battery = pd.to_numeric(out.get("battery_hours"), errors="coerce")
    out["battery_hours"] = np.nan_to_num(
        np.asarray(battery, dtype=np.float64), nan=DEFAULT_BATTERY_HOURS
    )
    generator = out["generator"] if "generator" in out else pd.Series(data=False, index=out.index)
    power = out["power"] if "power" in out else pd.Series(None, index=out.index, dtype=object)
    out["generator"] = generator.fillna(value=False).astype(bool) | (power == "generator")
    if "tower_type" not in out:
        out["tower_type"] = None
    return out


@dataclass(frozen=True)
class Damage:
    """What the hazard hits, whatever the hour.

    Attributes
    ----------
    in_area
        Per site (rows of :attr:`ScenarioResult.sites`): inside an area, so without grid
        power for the outage.
    tower
        Per site: its tower brought down.
    cut
        Per edge of :attr:`ScenarioResult.network`: a route piece cut.
    """

    in_area: Bools
    tower: Bools
    cut: Bools


def _damage(
    hazard: Hazard, sites: gpd.GeoDataFrame, network: Network, settings: ResilienceSettings
) -> Damage:
    areas = hazard.areas
    n_sites = len(sites)
    in_area = np.zeros(n_sites, dtype=bool)
    tower = np.zeros(n_sites, dtype=bool)
    edges = network.edges
    cut = np.zeros(len(edges), dtype=bool)
    if not len(areas):
        return Damage(in_area, tower, cut)
    site_geoms = sites.geometry.to_numpy()
    weak = sites["tower_type"].isin(settings.wind_tower_types).to_numpy(bool)
    routes = np.flatnonzero((edges["kind"] == "route").to_numpy())
    pieces = (
        shapely.linestrings(
            np.stack(
                [
                    edges[["x0", "y0"]].to_numpy()[routes],
                    edges[["x1", "y1"]].to_numpy()[routes],
                ],
                axis=1,
            )
        )
        if len(routes)
        else np.array([])
    )
    build = edges["build"].to_numpy()[routes]
    for kind, geom in zip(areas["kind"], areas.geometry, strict=True):
        damages = settings.damages.get(str(kind), ())
        shapely.prepare(geom)
        inside = shapely.contains(geom, site_geoms) if n_sites else in_area
        in_area |= inside
        if "sites" in damages:
            tower |= inside
        if "towers" in damages:
            tower |= inside & weak
        hit = [b for b in ("aerial", "buried") if b in damages]
        if hit and len(routes):
            crosses = shapely.intersects(geom, pieces) & np.isin(build, hit)
            cut[routes[crosses]] = True
    return Damage(in_area, tower, cut)


def run_scenario(  # noqa: PLR0913 - the inputs and rules, keyword-only
    inputs: CoverageInputs,
    hazard: Hazard,
    *,
    settings: ResilienceSettings = DEFAULT_RESILIENCE,
    coverage_settings: CoverageSettings = DEFAULT_SETTINGS,
    calibration: Calibration | None = None,
    hours: Sequence[float] | None = None,
) -> ScenarioResult:
    """Play a hazard over the network, hour by hour, through the coverage engine.

    Parameters
    ----------
    inputs
        The period's layers and rasters (:meth:`CoverageInputs.from_store`).
    hazard
        The areas and the outage.
    settings
        What the core is, what each hazard breaks (:class:`ResilienceSettings`).
    coverage_settings, calibration
        As for :func:`~coverage.engine.compute_coverage`.
    hours
        The hours to tell (default ``settings.hours``).

    Returns
    -------
    ScenarioResult
    """
    sites = _sites_frame(inputs.mobile_sites)
    network = build_network(inputs.fiber_routes, inputs.fiber_nodes, sites, settings=settings)
    damage = _damage(hazard, sites, network, settings)
    site_node = np.asarray([network.sites[s] for s in sites["site_id"].astype(str)], dtype=np.int64)
    intact = network.reaching_core()
    runs: dict[bytes, tuple[CoverageResult, pd.DataFrame]] = {}
    edges = network.edges
    is_route = (edges["kind"] == "route").to_numpy()
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    eq_ids = list(network.equipment)
    eq_node = np.asarray([network.equipment[n] for n in eq_ids], dtype=np.int64)

    def state(hour: float | None) -> HourState:
        if hour is None:  # before the hazard
            power = np.zeros(len(sites), dtype=bool)
            tower = power
            cut = np.zeros(len(edges), dtype=bool)
        else:
            battery = sites["battery_hours"].to_numpy(np.float64)
            power = (
                damage.in_area
                & ~sites["generator"].to_numpy(bool)
                & (battery <= hour)
                & (hour < hazard.outage_hours)
            )
            tower = damage.tower
            cut = damage.cut
        dead_nodes = np.zeros(network.n_nodes, dtype=bool)
        dead_nodes[site_node[power | tower]] = True
        reach = network.reaching_core(dead_edges=cut, dead_nodes=dead_nodes)
        ok = reach | ~intact  # not reaching the core before: judged on its own
        backhaul = ~ok[site_node] & ~(power | tower)
        site_up = ~(power | tower | backhaul)
        edge_up = ~cut & ok[u] & ok[v]
        node_up = ok[eq_node]
        key = site_up.tobytes() + edge_up.tobytes() + node_up.tobytes()
        if key not in runs:
            runs[key] = _coverage(
                inputs,
                sites,
                site_up,
                network,
                edge_up & is_route,
                node_up,
                eq_ids,
                dirty=bool((~edge_up & is_route).any() or (~node_up).any()),
                settings=coverage_settings,
                calibration=calibration,
            )
        result, places = runs[key]
        reason = np.where(tower, "tower", np.where(power, "power", "backhaul"))
        down = ~site_up
        sites_down = pd.DataFrame(
            {
                "site_id": sites["site_id"].astype(str).to_numpy()[down],
                "operator": sites["operator"].astype(str).to_numpy()[down],
                "reason": reason[down],
            }
        )
        routes_cut = tuple(sorted(set(edges["route_id"][cut & is_route].astype(str))))
        return HourState(
            -1.0 if hour is None else float(hour), sites_down, routes_cut, result, places
        )

    chosen = tuple(float(h) for h in (settings.hours if hours is None else hours))
    return ScenarioResult(
        hazard,
        state(None),
        tuple(state(h) for h in chosen),
        tuple(network.unlocated),
        network,
        damage,
        sites,
    )


def _coverage(  # noqa: PLR0913 - what survives
    inputs: CoverageInputs,
    sites: gpd.GeoDataFrame,
    site_up: Bools,
    network: Network,
    edge_up: Bools,
    node_up: Bools,
    eq_ids: list[str],
    *,
    dirty: bool,
    settings: CoverageSettings,
    calibration: Calibration | None,
) -> tuple[CoverageResult, pd.DataFrame]:
    """Run the engine on the surviving sites and fiber; the priority places' service."""
    routes, nodes = inputs.fiber_routes, inputs.fiber_nodes
    if dirty:  # the pieces still reaching the core stand for the routes
        edges = network.edges[edge_up]
        routes = gpd.GeoDataFrame(
            {
                "route_id": edges["route_id"].to_numpy(),
                "operator": edges["operator"].to_numpy(),
                "level": edges["level"].to_numpy(),
            },
            geometry=shapely.linestrings(
                np.stack([edges[["x0", "y0"]].to_numpy(), edges[["x1", "y1"]].to_numpy()], axis=1)
            )
            if len(edges)
            else [],
            crs=WORK_CRS,
        )
        if nodes is not None:
            alive = set(np.asarray(eq_ids, dtype=object)[node_up].tolist())
            nodes = nodes[nodes["node_id"].astype(str).isin(alive)]
    up = sites[site_up]
    survived = dataclasses.replace(inputs, mobile_sites=up, fiber_routes=routes, fiber_nodes=nodes)
    result = compute_coverage(survived, settings=settings, calibration=calibration)
    return result, _places(survived, settings, calibration)


def _places(
    inputs: CoverageInputs, settings: CoverageSettings, calibration: Calibration | None
) -> pd.DataFrame:
    """Each priority place's fiber and 4G (outdoors, at a point inside it)."""
    places = inputs.priority_places
    if places is None or not len(places):
        return pd.DataFrame({"place_id": [], "name": [], "kind": [], "fiber": [], "mobile_4g": []})
    fiber = fiber_reach(places, inputs.fiber_routes, inputs.fiber_nodes, settings=settings)
    xy = shapely.get_coordinates(shapely.point_on_surface(places.geometry.to_numpy()))
    signal = best_signal(
        inputs.mobile_sites,
        xy,
        tech="4G",
        density=inputs.density,
        elevation=inputs.elevation,
        settings=settings,
        index=places.index,
        land_cover=inputs.land_cover,
        calibration=calibration,
    )
    return pd.DataFrame(
        {
            "place_id": places["place_id"].astype(str).to_numpy(),
            "name": places["name"].astype(str).to_numpy(),
            "kind": places["kind"].astype(str).to_numpy(),
            "fiber": fiber["fiber_reached"].to_numpy(bool),
            "mobile_4g": np.asarray(signal.covered, dtype=bool),
        }
    )
