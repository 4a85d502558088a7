"""Run the planners on a data set: what the ``hatangso plan`` command and the app share.

Every function takes the layers as read from a store (``Store.read_all(crs=WORK_CRS)``: a
mapping of contract layer name -> frame in the metric working CRS) and a coverage
result, never a path:

* :func:`uncovered_villages` — the villages of an area still without fiber or 4G;
* :func:`plan_fiber_for` — fiber extensions to those villages (all of them, the most
  households within a budget, or a number of households at least cost);
* :func:`plan_sites_for` — new 4G sites for the villages without it;
* :func:`with_plans` — the coverage inputs with the proposed routes and sites added, to
  compute the indicators as they would be once the plan is built.

Examples
--------
>>> from geodata import Store                                            # doctest: +SKIP
>>> layers = Store("bd.gpkg").read_all(crs=WORK_CRS)                     # doctest: +SKIP
>>> inputs = CoverageInputs.from_layers(layers)                          # doctest: +SKIP
>>> result = compute_coverage(inputs)                                    # doctest: +SKIP
>>> plan = plan_fiber_for(layers, uncovered_villages(result, need="fiber"))  # doctest: +SKIP
>>> after = compute_coverage(with_plans(inputs, fiber=plan))             # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Literal

import geopandas as gpd
import pandas as pd
import pyproj

from coverage.engine import CoverageInputs, CoverageResult
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.raster import Grid
from planner.attach import attach_existing_fiber
from planner.costs import DEFAULT_COSTS, FiberCosts
from planner.fiber import FiberPlan, plan_fiber
from planner.graph import NoFiberError, PlannerInputError, build_road_graph
from planner.sites import SitePlan, candidate_sites, plan_sites

__all__ = [
    "PROPOSED_OPERATOR",
    "fiber_of",
    "plan_fiber_for",
    "plan_sites_for",
    "uncovered_villages",
    "with_plans",
]

log = logging.getLogger(__name__)

#: Operator recorded on proposed fiber routes when they are added to the network.
PROPOSED_OPERATOR = "Proposed"


def uncovered_villages(
    result: CoverageResult,
    *,
    need: Literal["fiber", "4g"],
    district_id: str | None = None,
    commune_id: str | None = None,
) -> list[str]:
    """Return the ids of the villages without fiber (or without 4G) in an area.

    Parameters
    ----------
    result
        The coverage of the data set.
    need
        ``"fiber"`` or ``"4g"``.
    district_id, commune_id
        Restrict to one district or commune (``None``: the province).

    Returns
    -------
    list of str
        Village ids, sorted.
    """
    villages = result.villages
    column = {"fiber": "fiber_reached", "4g": "mobile_4g"}[need]
    keep = ~villages[column].astype(bool)
    if commune_id is not None:
        keep &= villages["commune_id"].astype(str) == str(commune_id)
    elif district_id is not None:
        keep &= villages["district_id"].astype(str) == str(district_id)
    return sorted(villages.loc[keep, "village_id"].astype(str))


def _require(layers: Mapping[str, gpd.GeoDataFrame], *names: str) -> None:
    missing = [n for n in names if n not in layers or layers[n] is None]
    if missing:
        msg = (
            f"the plan needs the layer(s) {', '.join(missing)}; import them first "
            "(hatangso import FILE --layer NAME --into STORE)."
        )
        raise PlannerInputError(msg)


def _villages(layers: Mapping[str, gpd.GeoDataFrame], ids: Sequence[str]) -> gpd.GeoDataFrame:
    villages = layers["villages"]
    wanted = set(map(str, ids))
    chosen = villages[villages["village_id"].astype(str).isin(wanted)]
    unknown = sorted(wanted - set(chosen["village_id"].astype(str)))
    if unknown:
        msg = f"unknown village ids {unknown[:10]!r}; they are not in the villages layer."
        raise PlannerInputError(msg)
    return chosen


def plan_fiber_for(  # noqa: PLR0913 - the planner's options, keyword-only
    layers: Mapping[str, gpd.GeoDataFrame],
    village_ids: Sequence[str],
    *,
    budget_vnd: float | None = None,
    target_households: float | None = None,
    costs: FiberCosts = DEFAULT_COSTS,
    method: str = "auto",
    time_limit_s: float | None = None,
    operator: str | None = None,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> FiberPlan:
    """Plan fiber extensions from the existing network to some villages.

    Builds the road graph (:func:`~planner.graph.build_road_graph`), links the existing
    fiber the plan extends to it (:func:`~planner.attach.attach_existing_fiber`: the
    `operator`'s, or every operator's for a shared plan) and calls
    :func:`~planner.fiber.plan_fiber`, which plans to the indicator's rule: households
    are counted by cluster when the ``clusters`` layer is there, and what every
    operator's fiber already reaches is not counted again.

    Parameters
    ----------
    layers
        Store layers in the metric working CRS: ``roads``, ``villages`` and at least one
        of ``fiber_routes`` and ``fiber_nodes``.
    village_ids
        The villages to consider (e.g. :func:`uncovered_villages`); not empty.
    budget_vnd, target_households
        At most one: connect the most households within the budget, or this many
        households at least cost. Neither: connect them all.
    costs
        Unit prices.
    method, time_limit_s
        As for :func:`~planner.fiber.plan_fiber`.
    operator
        Extend this operator's network only (its routes and nodes are the sources);
        None plans on the shared network of every operator.
    settings
        The coverage rules the plan is made to (reach distance, route levels).

    Returns
    -------
    FiberPlan

    Raises
    ------
    planner.graph.PlannerInputError
        Missing layers, no village given or unknown ids (and the planner's own errors:
        no existing fiber, of that operator, unreachable villages, an infeasible
        target).
    """
    _require(layers, "roads", "villages")
    if not village_ids:
        msg = "no village to connect: every village of the area already has fiber."
        raise PlannerInputError(msg)
    graph = build_road_graph(layers["roads"], costs=costs)
    routes, nodes = layers.get("fiber_routes"), layers.get("fiber_nodes")
    try:
        attach_existing_fiber(
            graph, fiber_of(routes, operator), fiber_of(nodes, operator), settings=settings
        )
    except NoFiberError as err:
        if operator is None:
            raise
        msg = f"{operator} has no usable fiber to extend: {err}"
        raise NoFiberError(msg) from None
    clusters = layers.get("clusters")
    return plan_fiber(
        graph,
        _villages(layers, village_ids),
        budget_vnd=budget_vnd,
        target_households=target_households,
        method=method,
        time_limit_s=time_limit_s,
        clusters=clusters if clusters is not None and len(clusters) else None,
        existing_routes=routes,
        existing_nodes=nodes,
        settings=settings,
        operator=operator,
    )


def fiber_of(layer: gpd.GeoDataFrame | None, operator: str | None) -> gpd.GeoDataFrame | None:
    """Return the features of one operator (all of them when `operator` is None).

    Parameters
    ----------
    layer
        ``fiber_routes`` or ``fiber_nodes`` (an ``operator`` column), or None.
    operator
        The canonical operator name (``hatangso.access.canonical_operator``).

    Returns
    -------
    geopandas.GeoDataFrame or None
    """
    if layer is None or operator is None:
        return layer
    return layer[layer["operator"].astype(str) == operator]


def plan_sites_for(  # noqa: PLR0913 - the planner's options, keyword-only
    layers: Mapping[str, gpd.GeoDataFrame],
    village_ids: Sequence[str],
    *,
    density: Grid | None = None,
    elevation: Grid | None = None,
    land_cover: Grid | None = None,
    tech: str = "4G",
    max_sites: int | None = None,
    budget_vnd: float | None = None,
    operator: str | None = None,
    method: str = "auto",
    time_limit_s: float = 30.0,
) -> SitePlan:
    """Propose new mobile sites for some villages (candidates near them, then the choice).

    Parameters
    ----------
    layers
        Store layers in the metric working CRS: ``villages``; ``roads`` (candidates
        along them), ``mobile_sites``, ``fiber_routes``, ``fiber_nodes`` and
        ``power_lines`` (backhaul and power) when present.
    village_ids
        The villages to serve (e.g. :func:`uncovered_villages` with ``need="4g"``).
    density, elevation, land_cover
        Rasters for the radio model; an elevation raster that is not in the layers' CRS
        is left out (the candidates and the line of sight then ignore terrain). Land
        cover is sampled in any CRS (nearest pixel).
    tech, max_sites, budget_vnd, operator, method, time_limit_s
        As for :func:`~planner.sites.plan_sites`.

    Returns
    -------
    SitePlan

    Raises
    ------
    planner.graph.PlannerInputError
        Missing villages layer, no village given or unknown ids.
    """
    _require(layers, "villages")
    if not village_ids:
        msg = "no village to serve: every village of the area already has 4G."
        raise PlannerInputError(msg)
    targets = _villages(layers, village_ids)
    crs = pyproj.CRS.from_user_input(targets.crs)
    if elevation is not None and not pyproj.CRS.from_user_input(elevation.crs).equals(crs):
        log.info("elevation raster not in %s: planning sites without terrain", crs.to_string())
        elevation = None
    candidates = candidate_sites(targets, roads=layers.get("roads"), elevation=elevation)
    return plan_sites(
        targets,
        candidates,
        existing_sites=layers.get("mobile_sites"),
        tech=tech,
        max_sites=max_sites,
        budget_vnd=budget_vnd,
        density=density,
        elevation=elevation,
        land_cover=land_cover,
        fiber_routes=layers.get("fiber_routes"),
        fiber_nodes=layers.get("fiber_nodes"),
        power_lines=layers.get("power_lines"),
        villages=layers["villages"],
        operator=operator,
        method=method,
        time_limit_s=time_limit_s,
    )


def with_plans(
    inputs: CoverageInputs,
    *,
    fiber: FiberPlan | None = None,
    sites: SitePlan | None = None,
) -> CoverageInputs:
    """Return the coverage inputs with a plan's routes and sites built.

    Proposed routes join ``fiber_routes`` as access cables of :data:`PROPOSED_OPERATOR`;
    proposed sites join ``mobile_sites`` with their operator, technology and height.
    Computing coverage on the result gives the indicators after the plan.

    Parameters
    ----------
    inputs
        The current coverage inputs.
    fiber, sites
        The plans (either may be ``None``).

    Returns
    -------
    CoverageInputs
    """
    changes: dict[str, gpd.GeoDataFrame] = {}
    if fiber is not None and len(fiber.routes):
        new = gpd.GeoDataFrame(
            {
                "route_id": fiber.routes["route_id"].astype(str).to_numpy(),
                "operator": PROPOSED_OPERATOR,
                "level": "access",
            },
            geometry=fiber.routes.geometry.to_numpy(),
            crs=fiber.routes.crs,
        )
        changes["fiber_routes"] = _append(inputs.fiber_routes, new)
    if sites is not None and len(sites.sites):
        new = gpd.GeoDataFrame(
            {
                "site_id": sites.sites["site_id"].astype(str).to_numpy(),
                "operator": sites.sites["operator"].astype(str).to_numpy(),
                "tech": sites.sites["tech"].astype(str).to_numpy(),
                "height_m": sites.sites["height_m"].astype(float).to_numpy(),
            },
            geometry=sites.sites.geometry.to_numpy(),
            crs=sites.sites.crs,
        )
        changes["mobile_sites"] = _append(inputs.mobile_sites, new)
    return dataclasses.replace(inputs, **changes) if changes else inputs


def _append(current: gpd.GeoDataFrame | None, new: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if current is None or not len(current):
        return new
    new = new.to_crs(current.crs)
    both = pd.concat([current, new], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry=current.geometry.name, crs=current.crs)
