"""The fiber tree the mix chooses from: every unserved unit's cable, as a rooted tree.

:func:`fiber_tree` asks the fiber planner (:func:`planner.fiber.plan_fiber`, its public
function) for the least-cost tree from the existing network to every unserved unit, and
turns it into arrays rooted at the existing fiber: each node's parent, the ten-year cost
of the edge into it (build cost plus upkeep per km over the horizon), and the node of
each unit. Serving a set of units by fiber costs the union of their paths to the root;
:meth:`FiberTree.shares` splits each edge among the households downstream, the unit's
"share of the tree".
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.attach import attach_existing_fiber
from planner.cost_table import CostTable
from planner.fiber import plan_fiber
from planner.graph import FIBER_ROOT, NoFiberError, build_road_graph, point_node

__all__ = ["FiberTree", "fiber_tree", "tree_from_graph"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class FiberTree:
    """A fiber tree rooted at the existing network, as arrays.

    Attributes
    ----------
    parent
        Parent of each node (node 0 is the root: -1).
    order
        Nodes with every parent before its children (node 0 first).
    edge_npv_vnd
        Ten-year cost of the edge into each node (0 for the root).
    edge_capex_vnd, edge_length_m
        Its build cost and length.
    unit_node
        Node of each unit (aligned with the units given; -1 when not in the tree).
    method, optimal, gap
        How the fiber planner found the tree.
    """

    parent: IntArray
    order: IntArray
    edge_npv_vnd: FloatArray
    edge_capex_vnd: FloatArray
    edge_length_m: FloatArray
    unit_node: IntArray
    method: str = "given"
    optimal: bool = False
    gap: float = float("nan")

    def shares(self, households: FloatArray, *, of: str = "npv") -> FloatArray:
        """Return each unit's share of the tree (edges split by households downstream).

        Parameters
        ----------
        households
            Households of each unit (aligned with :attr:`unit_node`).
        of
            ``"npv"`` (ten-year cost) or ``"capex"`` (build cost).

        Returns
        -------
        numpy.ndarray
            VND (ten-year); NaN for a unit not in the tree. The shares sum to the cost
            of the edges that lead to some household.
        """
        n = len(self.parent)
        down = np.zeros(n)
        inside = self.unit_node >= 0
        np.add.at(down, self.unit_node[inside], households[inside])
        for v in self.order[::-1].tolist():
            p = int(self.parent[v])
            if p >= 0:
                down[p] += down[v]
        edge = self.edge_capex_vnd if of == "capex" else self.edge_npv_vnd
        per_hh = np.zeros(n)
        for v in self.order.tolist():
            p = int(self.parent[v])
            if p >= 0:
                rate = edge[v] / down[v] if down[v] > 0 else 0.0
                per_hh[v] = per_hh[p] + rate
        out = np.full(len(self.unit_node), np.nan)
        out[inside] = per_hh[self.unit_node[inside]] * households[inside]
        return out


def tree_from_graph(
    T: nx.Graph,
    unit_nodes: Sequence[Hashable],
    *,
    costs: CostTable,
    root: Hashable = FIBER_ROOT,
    reach_m: float = 0.0,
) -> FiberTree:
    """Root a tree graph (edges with ``cost_vnd`` and ``length_m``) at ``root``.

    The off-road link from the road to a unit (an edge of ``kind="link"`` into a unit's
    node) is charged only beyond `reach_m`: the fiber indicator counts a unit reached
    when a cable comes within that distance (``CoverageSettings.fiber_reach_m``), so the
    cable stops there.

    Parameters
    ----------
    T
        The tree (e.g. :attr:`planner.fiber.FiberPlan.tree`).
    unit_nodes
        The graph node of each unit.
    costs
        For the upkeep of the cable (``fiber.opex_vnd_per_km_per_year``) over the horizon.
    root
        The node standing for the existing fiber.
    reach_m
        The indicator's reach distance (0: cable to the unit's point).

    Returns
    -------
    FiberTree
    """
    index: dict[Hashable, int] = {root: 0}
    parent, capex, length = [-1], [0.0], [0.0]
    units = set(unit_nodes)
    if root in T:
        for u, v in nx.bfs_edges(T, root):
            index[v] = len(parent)
            parent.append(index[u])
            d = T.edges[u, v]
            cost, metres = float(d.get("cost_vnd", 0.0)), float(d.get("length_m", 0.0))
            if reach_m > 0 and d.get("kind") == "link" and v in units and metres > 0:
                kept = max(0.0, metres - reach_m) / metres  # the cable stops within reach
                cost, metres = cost * kept, metres * kept
            capex.append(cost)
            length.append(metres)
    cap = np.asarray(capex)
    length_m = np.asarray(length)
    upkeep = costs["fiber.opex_vnd_per_km_per_year"] * length_m / 1000.0
    npv = cap + upkeep * costs.annuity_factor()
    return FiberTree(
        parent=np.asarray(parent, dtype=np.intp),
        order=np.arange(len(parent), dtype=np.intp),  # BFS order: parents first
        edge_npv_vnd=npv,
        edge_capex_vnd=cap,
        edge_length_m=length_m,
        unit_node=np.asarray([index.get(n, -1) for n in unit_nodes], dtype=np.intp),
        method=str(T.graph.get("method", "given")),
        optimal=bool(T.graph.get("optimal", False)),
        gap=float(T.graph.get("gap", float("nan"))),
    )


def fiber_tree(  # noqa: PLR0913 - the planner's options, keyword-only
    layers: dict[str, gpd.GeoDataFrame],
    units: pd.DataFrame,
    *,
    costs: CostTable,
    method: str = "heuristic",
    time_limit_s: float | None = 30.0,
    reach_m: float = 0.0,
) -> FiberTree:
    """Plan fiber to every unit with the fiber planner and root its tree.

    Parameters
    ----------
    layers
        ``roads``, ``fiber_routes`` and/or ``fiber_nodes`` in the working CRS.
    units
        ``unit_id``, ``households``, ``x``, ``y`` (working CRS) of the units.
    costs
        The cost table (its fiber prices build the road graph).
    method, time_limit_s
        As for :func:`planner.fiber.plan_fiber`.
    reach_m
        The indicator's reach distance (see :func:`tree_from_graph`).

    Returns
    -------
    FiberTree
        Only the root when there is no existing fiber (then no unit has a fiber option).
    """
    roads = layers["roads"]
    graph = build_road_graph(roads, costs=costs.fiber_costs())
    try:
        attach_existing_fiber(graph, layers.get("fiber_routes"), layers.get("fiber_nodes"))
    except NoFiberError as err:  # no existing fiber: no fiber option, the rest stands
        log.warning("the mix has no fiber option: %s", err)
        return tree_from_graph(nx.Graph(), [None] * len(units), costs=costs)
    terminals = gpd.GeoDataFrame(
        {
            "village_id": units["unit_id"].astype(str).to_numpy(),
            "households": units["households"].to_numpy(dtype=np.float64),
        },
        geometry=gpd.points_from_xy(units["x"], units["y"]),
        crs=roads.crs,
    )
    plan = plan_fiber(graph, terminals, method=method, time_limit_s=time_limit_s)
    if plan.groups:
        # The planner plans to the indicator's reach (planner.reach): a unit is served
        # where the tree first holds a node of its group; the cable stops there.
        nodes = _reaching_nodes(plan.tree, plan.groups, terminals["village_id"].tolist())
        tree = tree_from_graph(plan.tree, nodes, costs=costs)
    else:
        nodes = [point_node(u) for u in terminals["village_id"]]
        tree = tree_from_graph(plan.tree, nodes, costs=costs, reach_m=reach_m)
    missing = int((tree.unit_node < 0).sum())
    if missing:  # the fiber planner left units out: they get no fiber option
        log.warning(
            "fiber tree: %d of %d unit(s) not on the tree; no fiber option", missing, len(nodes)
        )
    return tree


def _reaching_nodes(
    T: nx.Graph, groups: Mapping[str, Sequence[Hashable]], unit_ids: Sequence[str]
) -> list[Hashable | None]:
    """Return, per unit, the node of its group the tree reaches first from the root."""
    if FIBER_ROOT not in T:
        return [None] * len(unit_ids)
    depth = nx.single_source_dijkstra_path_length(T, FIBER_ROOT, weight="cost_vnd")
    out: list[Hashable | None] = []
    for uid in unit_ids:
        held = [n for n in groups.get(str(uid), ()) if n in depth]
        out.append(min(held, key=lambda n: depth[n]) if held else None)
    return out
