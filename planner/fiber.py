"""Fiber extensions: which cables to lay so that villages without fiber get it.

:func:`plan_fiber` takes the road graph (:mod:`planner.graph`, with the existing fiber
linked to :data:`~planner.graph.FIBER_ROOT`) and the villages to connect, and answers
three questions:

* connect them all at least cost (a Steiner tree rooted at the existing fiber);
* what does a budget buy: the most households within it (prize-collecting Steiner tree,
  prize = households);
* what does it cost to reach a number of households (the cheapest tree reaching it).

Routes
------
The tree is cut wherever it touches existing fiber (at :data:`FIBER_ROOT` and at every
node linked to it): a route is a maximal part of the tree that does not pass through
existing fiber. Each route therefore starts on existing fiber (at one point, or more
when it joins two fiber points), can be built on its own, and brings fiber to all its
villages at once; ranking the routes by cost per household gives a valid build order.
Branches leaving the same fiber point are separate routes; a route that branches off
the fiber is one MultiLineString (its segments merged where they join end to end).
Villages on existing fiber (within the attach tolerance) need no route.
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

from geodata.crs import check_metric
from geodata.errors import CRSProblem
from planner.attach import attach_points
from planner.graph import FIBER_ROOT, PlannerInputError, check_reachable, point_node
from planner.pieces import RoadPiece, bridge_components
from planner.steiner import prize_collecting_steiner, steiner_tree

__all__ = ["ROUTE_COLUMNS", "FiberPlan", "plan_fiber"]

log = logging.getLogger(__name__)

ROUTE_COLUMNS: tuple[str, ...] = (
    "route_id",
    "rank",
    "length_m",
    "cost_vnd",
    "villages",
    "n_villages",
    "households",
    "cost_per_household_vnd",
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
        Households of the villages connected.
    villages_connected
        How many villages the plan connects.
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
        Villages connected without a route: already within the fiber tolerance of
        :func:`~planner.attach.attach_existing_fiber` (counted as connected).
    pieces
        Disconnected road pieces found, and whether they were bridged.
    tree
        The Steiner tree (a subgraph of the road graph with FIBER_ROOT).
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
        }


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


def plan_fiber(  # noqa: PLR0913 - the question and its options, keyword-only
    G: nx.Graph,
    villages: gpd.GeoDataFrame,
    *,
    root: Hashable = FIBER_ROOT,
    budget_vnd: float | None = None,
    target_households: float | None = None,
    method: str = "auto",
    time_limit_s: float | None = None,
) -> FiberPlan:
    """Plan fiber extensions from the existing network to villages.

    Parameters
    ----------
    G
        Road graph from :func:`~planner.graph.build_road_graph` with the existing fiber
        attached (:func:`~planner.attach.attach_existing_fiber`). It is not modified:
        villages not attached yet are attached, and disconnected road pieces bridged,
        on a copy.
    villages
        The villages to consider (``village_id``, ``households``, point or polygon
        geometry in the graph's metric CRS; polygons join at a representative point).
    root
        The node standing for existing fiber.
    budget_vnd
        Connect the most households for at most this cost.
    target_households
        Connect at least this many households at least cost.
    method
        ``"auto"``, ``"ilp"``, ``"heuristic"`` (or ``"networkx"`` without budget and
        target), see :mod:`planner.steiner`.
    time_limit_s
        Time allowed to the solver.

    Returns
    -------
    FiberPlan
        Without `budget_vnd` and `target_households`: all given villages connected.

    Raises
    ------
    ValueError
        If both `budget_vnd` and `target_households` are given, or one is negative.
    planner.graph.NoFiberError
        If the graph has no existing fiber (`root` missing).
    planner.steiner.InfeasibleTargetError
        If `target_households` exceeds the households of the given villages.
    planner.graph.PlannerInputError
        For villages without id, households or geometry.
    geodata.CRSProblem
        If the villages are not in the graph's metric CRS.
    """
    if budget_vnd is not None and target_households is not None:
        msg = "give `budget_vnd` or `target_households`, not both"
        raise ValueError(msg)
    check_reachable(G, root, [])
    _check_villages(villages, G.graph.get("crs"))
    H = G.copy()
    ids = [str(v) for v in villages["village_id"]]
    households = dict(zip(ids, pd.to_numeric(villages["households"]).astype(float), strict=True))
    nodes = {v: point_node(v) for v in ids}
    todo = [i for i, v in enumerate(ids) if nodes[v] not in H]
    if todo:
        geoms = villages.geometry.to_numpy()[todo]
        points = shapely.get_coordinates(
            np.array([g if g.geom_type == "Point" else g.representative_point() for g in geoms])
        )
        attach_points(H, points, [ids[i] for i in todo])
    terminals = [nodes[v] for v in ids]
    pieces = tuple(bridge_components(H, terminals, root=root))
    check_reachable(H, root, terminals)
    extra: dict[str, Any] = {}
    if budget_vnd is None and target_households is None:
        T = steiner_tree(H, terminals, root=root, method=method, time_limit_s=time_limit_s)
    else:
        prizes: dict[Hashable, float] = {nodes[v]: households[v] for v in ids}
        extra = {"budget": budget_vnd, "min_prize": target_households}
        T = prize_collecting_steiner(
            H,
            root,
            prizes,
            method=method,
            time_limit_s=time_limit_s,
            **{k: v for k, v in extra.items() if v is not None},
        )
    node_to_village: dict[Hashable, str] = {n: v for v, n in nodes.items()}
    routes = _routes(T, root, node_to_village, households, H.graph.get("crs"))
    connected = sorted(node_to_village[n] for n in T if n in node_to_village)
    on_fiber = tuple(
        sorted(node_to_village[n] for n in T if n in node_to_village and T.has_edge(n, root))
    )
    plan = FiberPlan(
        routes=routes,
        total_length_m=float(routes["length_m"].sum()),
        total_cost_vnd=float(routes["cost_vnd"].sum()),
        households_gained=round(sum(households[v] for v in connected)),
        villages_connected=len(connected),
        village_ids=tuple(connected),
        method=str(T.graph["method"]),
        optimal=bool(T.graph["optimal"]),
        gap=float(T.graph["gap"]),
        budget_vnd=budget_vnd,
        target_households=target_households,
        on_fiber=on_fiber,
        pieces=pieces,
        tree=T,
    )
    log.info(
        "fiber plan: %d route(s), %.1f km, %.3g VND, %d villages, %d households (%s%s)",
        len(routes),
        plan.total_length_m / 1000.0,
        plan.total_cost_vnd,
        plan.villages_connected,
        plan.households_gained,
        plan.method,
        ", optimal" if plan.optimal else f", gap {plan.gap:.2%}",
    )
    return plan


def _routes(
    T: nx.Graph,
    root: Hashable,
    node_to_village: Mapping[Hashable, str],
    households: Mapping[str, float],
    crs: pyproj.CRS | None,
) -> gpd.GeoDataFrame:
    """Cut the tree wherever it touches existing fiber; describe each part as a route."""
    on_fiber = {n for n in T if n != root and T.has_edge(n, root)}
    groups = _edge_groups(T, root, on_fiber)
    rows: list[dict[str, Any]] = []
    geoms: list[MultiLineString] = []
    for edges in groups:
        nodes = {n for e in edges for n in e}
        vill = sorted(node_to_village[n] for n in nodes - on_fiber if n in node_to_village)
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
        hh = float(sum(households[v] for v in vill))
        rows.append(
            {
                "length_m": length,
                "cost_vnd": cost,
                "villages": ",".join(vill),
                "n_villages": len(vill),
                "households": round(hh),
                "cost_per_household_vnd": cost / hh if hh > 0 else math.nan,
                "aerial_m": by_build["aerial"],
                "buried_m": by_build["buried"],
                "off_road_m": by_build["off_road"],
            }
        )
        geoms.append(_merged(lines))
    frame = pd.DataFrame(rows, columns=[c for c in ROUTE_COLUMNS if c not in ("route_id", "rank")])
    order = (
        frame.assign(_k=frame["cost_per_household_vnd"].fillna(math.inf))
        .sort_values(["_k", "cost_vnd", "villages"], kind="stable")
        .index.to_numpy()
    )
    frame = frame.loc[order].reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1, dtype=np.int64))
    frame.insert(0, "route_id", [f"F{r:03d}" for r in frame["rank"]])
    geometry = gpd.GeoSeries([geoms[i] for i in order], crs=crs)
    return gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=crs)


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
