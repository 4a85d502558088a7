"""Fiber extensions: which cables to lay so that villages without fiber get it.

:func:`plan_fiber` takes the road graph (:mod:`planner.graph`, with the existing fiber
linked to :data:`~planner.graph.FIBER_ROOT`) and the villages to connect, and answers
three questions:

* reach them all at least cost (a group Steiner tree rooted at the existing fiber);
* what does a budget buy: the most households within it (prize-collecting, prize =
  households, cost = cables plus the equipment of each connection);
* what does it cost to reach a number of households (the cheapest tree reaching it).

It plans to the fiber indicator's rule (:mod:`planner.reach`): a village or cluster is
reached when a planned cable comes within the reach distance (500 m) of it, so the tree
need only reach one of the road nodes within that distance (its group); the prizes are
the households the indicator does not count yet; and the households a plan claims are
counted by the indicator's own function on the plan's cables, so the indicator computed
on the network with the plan built gains exactly those households.

Routes
------
The tree is cut wherever it touches existing fiber (at :data:`FIBER_ROOT` and at every
node linked to it): a route is a maximal part of the tree that does not pass through
existing fiber. Each route therefore starts on existing fiber (at one point, or more
when it joins two fiber points), can be built on its own, and brings fiber to all its
villages at once; ranking the routes by cost per household gives a valid build order.
Branches leaving the same fiber point are separate routes; a route that branches off
the fiber is one MultiLineString (its segments merged where they join end to end).
Villages already within reach of existing fiber need no route. A household reached by
two routes is counted once, on the nearest.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from networkx.utils import UnionFind
from shapely.geometry import LineString, MultiLineString

from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import check_metric
from geodata.errors import CRSProblem
from planner.graph import FIBER_ROOT, PlannerInputError, check_reachable, graph_costs
from planner.pieces import RoadPiece
from planner.reach import reach_groups, reached_by, unreached
from planner.steiner import group_prize_collecting_steiner, group_steiner_tree

__all__ = ["ROUTE_COLUMNS", "FiberPlan", "plan_fiber"]

log = logging.getLogger(__name__)

_REPAIRS = 25
"""Budget repairs (see :func:`plan_fiber`) before falling back to an empty plan."""

ROUTE_COLUMNS: tuple[str, ...] = (
    "route_id",
    "rank",
    "length_m",
    "cost_vnd",
    "villages",
    "n_villages",
    "households",
    "cost_per_household_vnd",
    "cable_cost_vnd",
    "equipment_cost_vnd",
    "aerial_m",
    "buried_m",
    "off_road_m",
)
"""Columns of :attr:`FiberPlan.routes` (besides ``geometry``)."""


@dataclass(frozen=True)
class FiberPlan:
    """A fiber extension plan.

    Attributes
    ----------
    routes
        One row per route, ranked by cost per household (:data:`ROUTE_COLUMNS` and
        ``geometry``, MultiLineStrings in the graph's metric CRS).
    total_length_m, total_cost_vnd
        Of all routes.
    households_gained
        Households the fiber indicator counts on the plan's cables and did not count
        before (by cluster when clusters are given).
    villages_connected
        How many of the given villages are reached once the plan is built.
    village_ids
        Which, sorted.
    method
        The method that produced the tree (``"ilp"``, ``"heuristic"``, ``"networkx"``).
    optimal
        Whether the tree is proven optimal.
    gap
        Relative gap to the best bound (0 when optimal; NaN when unknown). For a budget,
        relative to the most households the budget could buy.
    budget_vnd, target_households
        The question asked (None when not asked).
    on_fiber
        Given villages reached without a route: existing fiber is within reach already
        (counted as connected).
    pieces
        Disconnected road pieces found, and whether they were bridged.
    tree
        The Steiner tree (a subgraph of the road graph with FIBER_ROOT).
    total_cable_cost_vnd, total_equipment_cost_vnd
        The cost split: cables, and equipment of the households reached (drop,
        splitter and OLT port, ONT; ``equipment_vnd_per_household`` each).
        ``total_cost_vnd`` is their sum.
    reach_m
        The reach distance planned to (the indicator's).
    operator
        Whose network the plan extends (None: the shared network of every operator).
    groups
        Each place planned for -> the road nodes whose reaching reaches it (its group;
        the tree reaches the place through any of them that it holds).
    """

    routes: gpd.GeoDataFrame
    total_length_m: float
    total_cost_vnd: float
    households_gained: int
    villages_connected: int
    village_ids: tuple[str, ...]
    method: str
    optimal: bool
    gap: float
    budget_vnd: float | None = None
    target_households: float | None = None
    on_fiber: tuple[str, ...] = ()
    pieces: tuple[RoadPiece, ...] = ()
    tree: nx.Graph = field(default_factory=nx.Graph, repr=False, compare=False)
    total_cable_cost_vnd: float = math.nan
    total_equipment_cost_vnd: float = 0.0
    equipment_vnd_per_household: float = 0.0
    reach_m: float = math.nan
    operator: str | None = None
    groups: Mapping[str, tuple[Hashable, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def totals(self) -> dict[str, Any]:
        """Return the plan's totals as a JSON-ready mapping (NaN as None)."""
        gap = None if math.isnan(self.gap) else float(self.gap)
        return {
            "routes": len(self.routes),
            "total_length_m": round(float(self.total_length_m), 1),
            "total_cost_vnd": round(float(self.total_cost_vnd)),
            "households_gained": int(self.households_gained),
            "villages_connected": int(self.villages_connected),
            "village_ids": list(self.village_ids),
            "method": self.method,
            "optimal": bool(self.optimal),
            "gap": gap,
            "budget_vnd": self.budget_vnd,
            "target_households": self.target_households,
            "villages_on_fiber": list(self.on_fiber),
            "road_pieces_bridged": sum(p.bridged for p in self.pieces),
            "total_cable_cost_vnd": _round_or_none(self.total_cable_cost_vnd),
            "total_equipment_cost_vnd": round(float(self.total_equipment_cost_vnd)),
            "equipment_vnd_per_household": round(float(self.equipment_vnd_per_household)),
            "reach_m": None if math.isnan(self.reach_m) else float(self.reach_m),
            "network": self.operator or "shared",
        }


def _round_or_none(value: float) -> int | None:
    return None if math.isnan(value) else round(float(value))


def _check_villages(villages: gpd.GeoDataFrame, crs: pyproj.CRS | None) -> None:
    missing = [c for c in ("village_id", "households") if c not in villages]
    if missing:
        msg = (
            f"the villages frame lacks column(s) {missing}; it needs 'village_id', "
            "'households' and a geometry (read it with Store.read_work('villages'))"
        )
        raise PlannerInputError(msg)
    try:
        check_metric(None if villages.crs is None else pyproj.CRS.from_user_input(villages.crs))
    except CRSProblem as err:
        msg = (
            f"the villages must be in a metric CRS ({err}). Read them with "
            "Store.read_work('villages') or reproject with .to_crs(geodata.crs.WORK_CRS)."
        )
        raise CRSProblem(msg) from None
    if crs is not None and pyproj.CRS.from_user_input(villages.crs) != crs:
        msg = (
            f"the villages are in {villages.crs}, the road graph in {crs}. Use one CRS "
            "(Store.read_work() gives the working CRS for both)."
        )
        raise CRSProblem(msg)
    dup = villages["village_id"][villages["village_id"].duplicated()].astype(str).tolist()
    if dup:
        msg = f"village ids {sorted(set(dup))[:10]!r} are duplicated; ids must be unique"
        raise PlannerInputError(msg)
    if villages.geometry.isna().any() or villages.geometry.is_empty.any():
        bad = villages["village_id"][villages.geometry.isna() | villages.geometry.is_empty]
        msg = f"villages {bad.astype(str).tolist()[:10]!r} have no geometry; fix or drop them"
        raise PlannerInputError(msg)
    hh = pd.to_numeric(villages["households"], errors="coerce")
    if hh.isna().any() or (hh < 0).any():
        bad = villages["village_id"][hh.isna() | (hh < 0)]
        msg = (
            f"villages {bad.astype(str).tolist()[:10]!r} have missing or negative "
            "households; the plan counts households gained"
        )
        raise PlannerInputError(msg)


def _check_clusters(clusters: gpd.GeoDataFrame, crs: object) -> None:
    missing = [c for c in ("cluster_id", "village_id", "households") if c not in clusters]
    if missing:
        msg = (
            f"the clusters frame lacks column(s) {missing}; it needs 'cluster_id', "
            "'village_id', 'households' and a geometry (Store.read_work('clusters'))"
        )
        raise PlannerInputError(msg)
    if crs is not None and clusters.crs is not None and clusters.crs != crs:
        msg = (
            f"the clusters are in {clusters.crs}, the villages in {crs}. Use one CRS "
            "(Store.read_work() gives the working CRS for both)."
        )
        raise CRSProblem(msg)
    hh = pd.to_numeric(clusters["households"], errors="coerce")
    if hh.isna().any() or (hh < 0).any():
        bad = clusters["cluster_id"][hh.isna() | (hh < 0)].astype(str).tolist()[:10]
        msg = f"clusters {bad!r} have missing or negative households; fix or drop them"
        raise PlannerInputError(msg)


def _existing(
    G: nx.Graph, routes: gpd.GeoDataFrame | None, nodes: gpd.GeoDataFrame | None, crs: object
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """Return the existing fiber the indicator sees: given, else the graph's linked fiber."""
    if routes is not None or nodes is not None:
        return routes, nodes
    geoms = G.graph.get("fiber", {}).get("geometries", [])
    frame = gpd.GeoDataFrame(
        {"operator": ["existing"] * len(geoms)}, geometry=gpd.GeoSeries(list(geoms), crs=crs)
    )
    return None, frame


def plan_fiber(  # noqa: PLR0913, PLR0915 - the question, its options, the budget repair
    G: nx.Graph,
    villages: gpd.GeoDataFrame,
    *,
    root: Hashable = FIBER_ROOT,
    budget_vnd: float | None = None,
    target_households: float | None = None,
    method: str = "auto",
    time_limit_s: float | None = None,
    clusters: gpd.GeoDataFrame | None = None,
    existing_routes: gpd.GeoDataFrame | None = None,
    existing_nodes: gpd.GeoDataFrame | None = None,
    settings: CoverageSettings = DEFAULT_SETTINGS,
    operator: str | None = None,
) -> FiberPlan:
    """Plan fiber extensions from the existing network, to the fiber indicator's rule.

    A place (village or cluster) is reached when a planned cable comes within
    ``settings.fiber_reach_m`` of it (:mod:`planner.reach`): the tree need only reach one
    road node within that distance (a group Steiner problem). The households a plan
    claims are those the indicator (:func:`coverage.fiber.fiber_reach`) counts on its
    cables and did not count before, so the indicator computed on the network with the
    plan added gains exactly :attr:`FiberPlan.households_gained`.

    Every household counted is priced with its connection equipment
    (``FiberCosts.equipment_vnd_per_household``). Under a budget, the solver prices the
    households it aims at; a tree may also pass within reach of households it did not
    aim at (clusters of villages not given), which are counted and priced too. When that
    takes the cost over the budget, the plan is made again with the excess taken off
    the budget (until it fits); such a plan is not proven optimal (``optimal`` False,
    ``gap`` NaN).

    Parameters
    ----------
    G
        Road graph from :func:`~planner.graph.build_road_graph` with the fiber the plan
        may extend attached (:func:`~planner.attach.attach_existing_fiber`: one
        operator's, or every operator's for a shared plan). It is not modified.
    villages
        The places to consider (``village_id``, ``households``, point or polygon
        geometry in the graph's metric CRS): all reached without a budget or target;
        their households (or, with `clusters`, their clusters') are the prizes with one.
    root
        The node standing for existing fiber.
    budget_vnd
        Reach the most households for at most this cost (cables and equipment).
    target_households
        Reach at least this many households at least cost.
    method
        ``"auto"``, ``"ilp"`` or ``"heuristic"``, see :mod:`planner.steiner`.
    time_limit_s
        Time allowed to the solver.
    clusters
        Clusters (``cluster_id``, ``village_id``, ``households``, geometry): households
        are counted by cluster, as the indicator does; None counts each village's
        households at the village.
    existing_routes, existing_nodes
        Every operator's fiber, to know what the indicator counts as reached already
        (default: the fiber attached to `G`).
    settings
        The coverage rules: reach distance and the route levels that serve.
    operator
        Whose network the plan extends (None: shared); recorded on the plan.

    Returns
    -------
    FiberPlan
        Without `budget_vnd` and `target_households`: every given village reached.

    Raises
    ------
    ValueError
        If both `budget_vnd` and `target_households` are given, or one is negative.
    planner.graph.NoFiberError
        If the graph has no existing fiber (`root` missing).
    planner.steiner.InfeasibleTargetError
        If `target_households` exceeds the households that can be reached.
    planner.graph.PlannerInputError
        For villages or clusters without id, households or geometry.
    geodata.CRSProblem
        If the villages are not in the graph's metric CRS.
    """
    if budget_vnd is not None and target_households is not None:
        msg = "give `budget_vnd` or `target_households`, not both"
        raise ValueError(msg)
    check_reachable(G, root, [])
    _check_villages(villages, G.graph.get("crs"))
    if clusters is not None:
        _check_clusters(clusters, villages.crs)
    H = G.copy()
    equipment = graph_costs(H, None).equipment_vnd_per_household
    routes_x, nodes_x = _existing(H, existing_routes, existing_nodes, villages.crs)
    villages = villages.assign(village_id=villages["village_id"].astype(str))
    v_open = unreached(villages, routes_x, nodes_x, settings=settings)
    if clusters is None:
        count = villages.rename(columns={"village_id": "unit_id"})
    else:
        count = clusters.assign(unit_id=clusters["cluster_id"].astype(str))
    count = count.loc[unreached(count, routes_x, nodes_x, settings=settings)]
    count_hh = pd.to_numeric(count["households"]).astype(float)
    if budget_vnd is None and target_households is None:
        places, id_col = villages.loc[v_open], "village_id"
    elif clusters is None:
        places, id_col = count, "unit_id"
    else:
        chosen = count["village_id"].astype(str).isin(set(villages["village_id"]))
        places, id_col = count.loc[chosen], "unit_id"
    groups, pieces = reach_groups(H, places, id_col, reach_m=settings.fiber_reach_m, root=root)
    empty = sorted(k for k, nodes in groups.items() if not nodes)
    if empty and budget_vnd is None and target_households is None:
        msg = f"places {empty[:10]!r} cannot be reached from the existing fiber by road"
        raise PlannerInputError(msg)
    hh = dict(zip(places[id_col].astype(str), pd.to_numeric(places["households"]), strict=True))

    def solve(budget: float | None) -> tuple[nx.Graph, gpd.GeoDataFrame, pd.DataFrame]:
        if budget_vnd is None and target_households is None:
            T = group_steiner_tree(H, groups, root=root, method=method, time_limit_s=time_limit_s)
        else:
            T = group_prize_collecting_steiner(
                H,
                root,
                groups,
                {k: float(v) for k, v in hh.items()},
                join_cost={k: equipment * float(v) for k, v in hh.items()},
                budget=budget,
                min_prize=target_households,
                method=method,
                time_limit_s=time_limit_s,
            )
        routes = _routes(T, root, H.graph.get("crs"))
        by_route = _reached(routes, count, count_hh, settings)
        v_by_route = _reached(routes, villages.loc[v_open], None, settings, id_col="village_id")
        return T, _finish_routes(routes, by_route, v_by_route, equipment), v_by_route

    T, routes, v_by_route = solve(budget_vnd)
    repaired = 0
    while budget_vnd is not None and float(routes["cost_vnd"].sum()) > budget_vnd + 1.0:
        # Households the tree passes within reach of without aiming at them (clusters of
        # other villages) are counted, with their equipment: the cost can then exceed
        # the budget the solver kept. Ask again with the excess taken off.
        excess = float(routes["cost_vnd"].sum()) - budget_vnd
        repaired += 1
        lower = float(T.graph["cost"]) - max(excess, 0.01 * budget_vnd)
        T, routes, v_by_route = solve(max(lower, 0.0) if repaired < _REPAIRS else 0.0)
    on_fiber = tuple(sorted(villages.loc[~v_open, "village_id"]))
    connected = sorted({*on_fiber, *v_by_route["unit_id"]})
    gained = float(routes["households"].sum())
    cable = float(routes["cable_cost_vnd"].sum())
    plan = FiberPlan(
        routes=routes,
        total_length_m=float(routes["length_m"].sum()),
        total_cost_vnd=float(routes["cost_vnd"].sum()),
        households_gained=round(gained),
        villages_connected=len(connected),
        village_ids=tuple(connected),
        method=str(T.graph["method"]),
        optimal=bool(T.graph["optimal"]) and not repaired,
        gap=float(T.graph["gap"]) if not repaired else math.nan,
        budget_vnd=budget_vnd,
        target_households=target_households,
        on_fiber=on_fiber,
        pieces=tuple(p for p in pieces if isinstance(p, RoadPiece)),
        tree=T,
        total_cable_cost_vnd=cable,
        total_equipment_cost_vnd=float(routes["equipment_cost_vnd"].sum()),
        equipment_vnd_per_household=equipment,
        reach_m=float(settings.fiber_reach_m),
        operator=operator,
        groups={k: tuple(v) for k, v in groups.items()},
    )
    log.info(
        "fiber plan (%s): %d route(s), %.1f km, %.3g VND, %d villages, %d households (%s%s)",
        operator or "shared",
        len(routes),
        plan.total_length_m / 1000.0,
        plan.total_cost_vnd,
        plan.villages_connected,
        plan.households_gained,
        plan.method,
        ", optimal" if plan.optimal else f", gap {plan.gap:.2%}",
    )
    return plan


def _routes(T: nx.Graph, root: Hashable, crs: pyproj.CRS | None) -> gpd.GeoDataFrame:
    """Cut the tree wherever it touches existing fiber; each part is a route (unranked)."""
    on_fiber = {n for n in T if n != root and T.has_edge(n, root)}
    rows: list[dict[str, Any]] = []
    geoms: list[MultiLineString] = []
    for edges in _edge_groups(T, root, on_fiber):
        by_build = {"aerial": 0.0, "buried": 0.0, "off_road": 0.0}
        lines: list[LineString] = []
        length = cost = 0.0
        for u, v in edges:
            d = T.edges[u, v]
            length += float(d.get("length_m", 0.0))
            cost += float(d.get("cost_vnd", 0.0))
            build = d.get("build")
            if build in by_build:
                by_build[build] += float(d.get("length_m", 0.0))
            geom = d.get("geometry")
            if geom is not None and geom.length > 0:
                lines.append(geom)
        rows.append(
            {
                "length_m": length,
                "cable_cost_vnd": cost,
                "aerial_m": by_build["aerial"],
                "buried_m": by_build["buried"],
                "off_road_m": by_build["off_road"],
            }
        )
        geoms.append(_merged(lines))
    columns = ["length_m", "cable_cost_vnd", "aerial_m", "buried_m", "off_road_m"]
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=columns), geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs
    )


def _reached(
    routes: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    households: pd.Series | None,
    settings: CoverageSettings,
    *,
    id_col: str = "unit_id",
) -> pd.DataFrame:
    """Which places the routes reach (the indicator's rule), each given to one route.

    A place within reach of several routes goes to the nearest.
    """
    if not len(places) or not len(routes):
        return pd.DataFrame({"unit_id": [], "route": [], "households": []})
    status = reached_by(places, list(routes.geometry), settings=settings)
    hit = status["fiber_reached"].to_numpy(dtype=bool)
    first = status["cable"].to_numpy()
    hh = np.zeros(len(places)) if households is None else households.to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "unit_id": places[id_col].astype(str).to_numpy()[hit],
            "route": np.asarray(first)[hit],
            "households": hh[hit],
        }
    )


def _finish_routes(
    routes: gpd.GeoDataFrame, by_route: pd.DataFrame, v_by_route: pd.DataFrame, equipment: float
) -> gpd.GeoDataFrame:
    """Add each route's places, households and equipment; rank by cost per household."""
    frame = pd.DataFrame(routes.drop(columns="geometry"))
    hh = by_route.groupby("route")["households"].sum()
    names = v_by_route.groupby("route")["unit_id"].agg(lambda ids: ",".join(sorted(ids)))
    count = v_by_route.groupby("route")["unit_id"].size()
    idx = frame.index
    frame["households"] = np.round(hh.reindex(idx, fill_value=0.0).to_numpy()).astype(np.int64)
    frame["villages"] = names.reindex(idx, fill_value="").to_numpy()
    frame["n_villages"] = count.reindex(idx, fill_value=0).to_numpy().astype(np.int64)
    frame["equipment_cost_vnd"] = frame["households"] * equipment
    frame["cost_vnd"] = frame["cable_cost_vnd"] + frame["equipment_cost_vnd"]
    frame["cost_per_household_vnd"] = np.where(
        frame["households"] > 0,
        frame["cost_vnd"] / frame["households"].where(frame["households"] > 0, 1),
        math.nan,
    )
    order = (
        frame.assign(_k=frame["cost_per_household_vnd"].fillna(math.inf))
        .sort_values(["_k", "cost_vnd", "villages"], kind="stable")
        .index.to_numpy()
    )
    frame = frame.loc[order].reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1, dtype=np.int64))
    frame.insert(0, "route_id", [f"F{r:03d}" for r in frame["rank"]])
    frame = frame[list(ROUTE_COLUMNS)]
    geometry = routes.geometry.to_numpy()[order]
    return gpd.GeoDataFrame(frame, geometry=list(geometry), crs=routes.crs)


def _edge_groups(
    T: nx.Graph, root: Hashable, on_fiber: set[Hashable]
) -> list[list[tuple[Hashable, Hashable]]]:
    """Group the tree's edges: two edges belong together when they meet off the fiber."""
    edges = [(u, v) for u, v in T.edges() if root not in (u, v)]
    parts = UnionFind(range(len(edges)))
    first_at: dict[Hashable, int] = {}
    for i, (u, v) in enumerate(edges):
        for n in (u, v):
            if n in on_fiber:
                continue
            parts.union(i, first_at.setdefault(n, i))
    groups: dict[int, list[tuple[Hashable, Hashable]]] = {}
    for i, e in enumerate(edges):
        groups.setdefault(parts[i], []).append(e)
    return list(groups.values())


def _merged(lines: list[LineString]) -> MultiLineString:
    if not lines:
        return MultiLineString()
    merged = shapely.line_merge(shapely.MultiLineString(lines))
    parts = list(shapely.get_parts(merged))
    return MultiLineString(parts)
