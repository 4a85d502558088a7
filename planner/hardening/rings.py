"""Rings to close: the cheapest second path along the roads for fiber hanging on one route.

On the dependency graph (:func:`coverage.resilience.build_network`), a *bridge* is a
piece of route whose cut separates part of the network from the core
(:func:`coverage.resilience.single_points_of_failure`). A village or cluster is
*vulnerable* when some bridge cuts off every piece of fiber within its reach; the bridges
that do so form a chain towards the core, the deepest of which is its **deepest bridge**.

A ring closes the network below a bridge ``c``: a new cable from the **block** of ``c``
(the network just below ``c``, above any deeper bridge) back to the **safe side** of its
operator (the network no route bridge separates from the core). The new cable puts every
bridge on the way from ``c`` to the core on a cycle, so each of them can be cut without
anyone losing fiber; a vulnerable cluster is **protected** once its deepest bridge is on
such a cycle. The cable must not share the cut: road edges that run along the bridges it
protects (more than half of their length within ``tolerance_m``) are left out, and it may
not end on the safe side within ``tolerance_m`` of them (it would run beside the cable
it is meant to replace).

Exactness: each ring is the least-cost path along the roads (with an off-road connector
at each end, from the cable to the road) between the block and the safe side, a Steiner
tree of two terminals, which Dijkstra's algorithm solves exactly. Which rings to close is
chosen greedily by households protected per VND, with the gains recomputed after each
choice (one ring may protect what another would): closing several rings at least cost is
a tree-augmentation problem, NP-hard in general, and the greedy choice is not proven
optimal.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString

from coverage.resilience.network import CORE, Network
from coverage.resilience.spof import Dependents, _representatives, dependents
from coverage.resilience.spof import _search as dfs_search
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from planner.costs import DEFAULT_COSTS, FiberCosts
from planner.graph import FIBER_ROOT, node_loc, node_xy, oriented

__all__ = ["RING_COLUMNS", "RingPlan", "propose_rings"]

Ints = npt.NDArray[np.int64]

#: The columns of :attr:`RingPlan.routes` (and ``geometry``).
RING_COLUMNS: Final = [
    "route_id",
    "operator",
    "level",
    "build",
    "bridge_route",
    "length_m",
    "cost_vnd",
    "households",
    "households_per_billion_vnd",
    "villages",
    "communes",
]

_SOURCE: Final = "ring:source"
_TARGET: Final = "ring:target"


@dataclass(frozen=True)
class RingPlan:
    """The rings proposed, best first.

    Attributes
    ----------
    routes
        :data:`RING_COLUMNS` and the ring's line (metric CRS), in the order chosen.
    vulnerable_households
        Households (clusters) some single route cut takes off fiber, before the rings.
    no_path
        Bridges (route ids) whose block has no road path to the safe side avoiding them.
    candidates
        Blocks for which a ring was sought.
    protected
        The clusters (villages, without clusters) the rings protect.
    """

    routes: gpd.GeoDataFrame
    vulnerable_households: int
    no_path: list[str] = field(default_factory=list)
    candidates: int = 0
    protected: tuple[str, ...] = ()

    def totals(self) -> dict[str, Any]:
        """Return the plan's totals (JSON-ready)."""
        return {
            "rings": len(self.routes),
            "length_m": float(self.routes["length_m"].sum()) if len(self.routes) else 0.0,
            "cost_vnd": float(self.routes["cost_vnd"].sum()) if len(self.routes) else 0.0,
            "households_protected": int(self.routes["households"].sum()) if len(self.routes) else 0,
            "vulnerable_households": self.vulnerable_households,
            "candidates": self.candidates,
            "no_path": len(self.no_path),
            "exact": "each ring a least-cost path (exact); the choice of rings greedy",
        }


@dataclass
class _Bridges:
    """The route bridges of the search tree and, per entity, its deepest one."""

    is_bridge: npt.NDArray[np.bool_]
    up: Ints  # each node's nearest route-bridge ancestor, itself included (-1: none)
    parent: Ints
    parent_edge: Ints
    deep: Ints  # per entity: its deepest bridge (-1: not vulnerable)

    def chain(self, c: int) -> list[int]:
        """Return the bridges from ``c`` up to the core."""
        out = []
        b = c
        while b >= 0:
            out.append(b)
            p = int(self.parent[b])
            b = int(self.up[p]) if p >= 0 else -1
        return out


def _bridges(network: Network, deps: Dependents) -> _Bridges:
    search = dfs_search(network)
    rep = _representatives(search, deps)
    n = network.n_nodes
    kinds = network.edges["kind"].to_numpy()
    pe = search.parent_edge
    has_parent = pe >= 0
    is_bridge = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(has_parent)
    is_bridge[idx] = (search.low[idx] > search.tin[search.parent[idx]]) & (
        kinds[pe[idx]] == "route"
    )
    up = np.full(n, -1, dtype=np.int64)
    node_at = np.full(int(search.tin.max()) + 1, -1, dtype=np.int64)
    reached = np.flatnonzero(search.tin >= 0)
    node_at[search.tin[reached]] = reached
    parent = search.parent
    for x in node_at.tolist():  # in entry order: a parent before its children
        if x < 0:
            continue
        if is_bridge[x]:
            up[x] = x
        elif parent[x] >= 0:
            up[x] = up[parent[x]]
    n_ent = len(deps.entity_id)
    ok = rep >= 0
    lo = np.full(n_ent, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_ent, -1, dtype=np.int64)
    np.minimum.at(lo, deps.pair_entity[ok], rep[ok])
    np.maximum.at(hi, deps.pair_entity[ok], rep[ok])
    deep = np.full(n_ent, -1, dtype=np.int64)
    tout = search.tout
    for e in np.flatnonzero(hi >= 0).tolist():
        b = int(up[node_at[lo[e]]])
        while b >= 0 and tout[b] < hi[e]:
            p = int(parent[b])
            b = int(up[p]) if p >= 0 else -1
        deep[e] = b
    return _Bridges(is_bridge, up, parent, pe.astype(np.int64), deep)


def _lines(network: Network, rows: Ints) -> npt.NDArray[np.object_]:
    e = network.edges
    a = np.stack([e["x0"].to_numpy()[rows], e["y0"].to_numpy()[rows]], axis=1)
    b = np.stack([e["x1"].to_numpy()[rows], e["y1"].to_numpy()[rows]], axis=1)
    if not len(rows):
        return np.asarray([], dtype=object)
    return np.asarray(shapely.linestrings(np.stack([a, b], axis=1)), dtype=object)


class _Roads:
    """The road graph's located nodes and edges, indexed for the searches."""

    def __init__(self, G: nx.Graph, costs: FiberCosts) -> None:
        self.G = G
        self.keys = [n for n in G if n != FIBER_ROOT and node_xy(G, n) is not None]
        self.xy = np.asarray([node_xy(G, n) for n in self.keys], dtype=np.float64).reshape(-1, 2)
        self.points: npt.NDArray[np.object_] = np.asarray(
            shapely.points(self.xy) if len(self.keys) else [], dtype=object
        )
        self.tree = shapely.STRtree(self.points)
        self.edges = [
            (u, v, d["geometry"]) for u, v, d in G.edges(data=True) if d.get("geometry") is not None
        ]
        self.edge_tree = shapely.STRtree(np.asarray([g for _, _, g in self.edges], dtype=object))
        self.off_road = costs.off_road_vnd_per_m

    def near(self, geoms: npt.NDArray[np.object_], tolerance_m: float) -> Ints:
        """Return the road nodes within ``tolerance_m`` of any of ``geoms``."""
        if not len(geoms) or not len(self.keys):
            return np.zeros(0, dtype=np.int64)
        _, hit = self.tree.query(geoms, predicate="dwithin", distance=tolerance_m)
        return np.unique(hit).astype(np.int64)

    def along(self, geoms: npt.NDArray[np.object_], tolerance_m: float) -> set[frozenset[Hashable]]:
        """Return the road edges that run along ``geoms`` (over half their length)."""
        if not len(geoms):
            return set()
        zone = shapely.buffer(shapely.union_all(geoms), tolerance_m)
        hit = np.unique(self.edge_tree.query(zone, predicate="intersects"))
        out: set[frozenset[Hashable]] = set()
        for k in hit.tolist():
            u, v, g = self.edges[k]
            if g.length > 0 and shapely.intersection(g, zone).length > 0.5 * g.length:
                out.add(frozenset((u, v)))
        return out


def _cheapest(
    roads: _Roads,
    source: tuple[shapely.Geometry, Ints],
    target: tuple[shapely.Geometry, Ints],
    banned: set[frozenset[Hashable]],
) -> tuple[float, LineString, str] | None:
    """Return the least-cost ring from a block to the safe side: cost, line, main build.

    ``source`` and ``target``: the network's geometry there and the road nodes near it.
    """
    G = roads.G
    G.add_node(_SOURCE)
    G.add_node(_TARGET)
    try:
        for end, (geom, nodes) in ((_SOURCE, source), (_TARGET, target)):
            for k in nodes.tolist():
                d = float(shapely.distance(roads.points[k], geom))
                G.add_edge(end, roads.keys[k], cost_vnd=d * roads.off_road, length_m=d)

        def weight(u: Hashable, v: Hashable, data: dict[str, Any]) -> float | None:
            if frozenset((u, v)) in banned:
                return None
            return float(data["cost_vnd"])

        try:
            cost, path = nx.single_source_dijkstra(G, _SOURCE, _TARGET, weight=weight)
        except nx.NetworkXNoPath:
            return None
        line, build = _ring_line(G, path[1:-1], source[0], target[0])
        return float(cost), line, build
    finally:
        G.remove_node(_SOURCE)
        G.remove_node(_TARGET)


def _ring_line(
    G: nx.Graph, inner: list[Hashable], block: shapely.Geometry, safe: shapely.Geometry
) -> tuple[LineString, str]:
    """Return the ring's line, cable end to cable end, and the build of most of it."""
    first, last = node_loc(G, inner[0]), node_loc(G, inner[-1])
    start = shapely.get_coordinates(shapely.shortest_line(block, shapely.Point(first)))[0]
    end = shapely.get_coordinates(shapely.shortest_line(shapely.Point(last), safe))[-1]
    coords: list[tuple[float, float]] = [(float(start[0]), float(start[1])), first]
    by_build: dict[str, float] = {}
    for a, b in itertools.pairwise(inner):
        data = G.edges[a, b]
        coords += [
            (float(x), float(y)) for x, y in oriented(data["geometry"], node_loc(G, a)).coords
        ][1:]
        build = str(data.get("build"))
        by_build[build] = by_build.get(build, 0.0) + float(data["length_m"])
    coords.append((float(end[0]), float(end[1])))
    main = max(by_build, key=lambda b: by_build[b]) if by_build else "off_road"
    return LineString(coords), main


@dataclass
class _Search:
    """One search of rings: the network, its bridges, the candidates and their chains."""

    network: Network
    br: _Bridges
    deps: Dependents
    deep: Ints  # per entity: its deepest bridge of the operators searched (-1: none)
    hh_deep: dict[int, int]  # households per deepest bridge
    chains: dict[int, list[int]]

    def find(
        self, ranked: list[int], rg: _Roads, tolerance_m: float
    ) -> tuple[dict[int, tuple[float, LineString, str]], list[str]]:
        """Return the cheapest ring of each candidate block, and the bridges without one."""
        network, br = self.network, self.br
        edges = network.edges
        ops = edges["operator"].astype(str).to_numpy()
        route_ids = edges["route_id"].astype(str).to_numpy()
        site_nodes = set(network.sites.values())
        up = br.up
        is_route = (edges["kind"] == "route").to_numpy()
        u = edges["u"].to_numpy(np.int64)
        v = edges["v"].to_numpy(np.int64)
        safe_node = up < 0
        safe_node[CORE] = False
        safe_rows = np.flatnonzero(is_route & safe_node[u] & safe_node[v])
        found: dict[int, tuple[float, LineString, str]] = {}
        no_path: list[str] = []
        for c in ranked:
            e = int(br.parent_edge[c])
            members = [m for m in np.flatnonzero(up == c).tolist() if m not in site_nodes]
            inner = np.flatnonzero(is_route & (up[u] == c) & (up[v] == c))
            block_geoms = np.concatenate(
                [_lines(network, inner), shapely.points(network.node_xy[members])]
            )
            safe_geoms = _lines(network, safe_rows[ops[safe_rows] == ops[e]])
            chain_geoms = _lines(network, br.parent_edge[np.asarray(self.chains[c], np.int64)])
            sources = rg.near(block_geoms, tolerance_m)
            near_chain = set(rg.near(chain_geoms, tolerance_m).tolist())
            targets = np.asarray(
                [k for k in rg.near(safe_geoms, tolerance_m).tolist() if k not in near_chain],
                dtype=np.int64,
            )
            ring = None
            if len(sources) and len(targets):
                ring = _cheapest(
                    rg,
                    (shapely.union_all(block_geoms), sources),
                    (shapely.union_all(safe_geoms), targets),
                    rg.along(chain_geoms, tolerance_m),
                )
            if ring is None:
                no_path.append(str(route_ids[e]))
            else:
                found[c] = ring
        return found, no_path

    def choose(
        self,
        found: dict[int, tuple[float, LineString, str]],
        budget_vnd: float | None,
        top: int | None,
    ) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
        """Choose rings greedily by households protected per VND (gains recomputed)."""
        deps, deep, edges = self.deps, self.deep, self.network.edges
        protected = np.zeros(len(deep), dtype=bool)
        covered: set[int] = set()
        rows: list[dict[str, Any]] = []
        geoms: list[LineString] = []
        left = math.inf if budget_vnd is None else float(budget_vnd)
        while found and (top is None or len(rows) < top):
            best: tuple[tuple[float, float, int], int] | None = None
            for c, (cost, _, _) in found.items():
                gain = sum(self.hh_deep.get(b, 0) for b in set(self.chains[c]) - covered)
                if gain <= 0 or cost > left:
                    continue
                score = (gain / max(cost, 1.0), -cost, -c)
                if best is None or score > best[0]:
                    best = (score, c)
            if best is None:
                break
            cost, line, build = found.pop(best[1])
            covered |= set(self.chains[best[1]])
            now = (deep >= 0) & np.isin(deep, list(covered)) & ~protected
            protected |= now
            left -= cost
            e = int(self.br.parent_edge[best[1]])
            households = int(deps.households[now].sum())
            rows.append(
                {
                    "route_id": f"ring-{len(rows) + 1}",
                    "operator": str(edges["operator"].iloc[e]),
                    "level": str(edges["level"].iloc[e]),
                    "build": build,
                    "bridge_route": str(edges["route_id"].iloc[e]),
                    "length_m": float(line.length),
                    "cost_vnd": cost,
                    "households": households,
                    "households_per_billion_vnd": households / max(cost, 1.0) * 1e9,
                    "villages": ",".join(sorted(set(deps.village_id[now].tolist()))),
                    "communes": ",".join(sorted({x for x in deps.commune_id[now].tolist() if x})),
                }
            )
            geoms.append(line)
        table = gpd.GeoDataFrame(rows, columns=RING_COLUMNS, geometry=geoms, crs=self.network.crs)
        return table, tuple(sorted(str(x) for x in deps.entity_id[protected].tolist()))


def propose_rings(  # noqa: PLR0913 - the inputs and the options, keyword-only
    network: Network,
    villages: gpd.GeoDataFrame,
    clusters: gpd.GeoDataFrame | None,
    roads: nx.Graph,
    *,
    costs: FiberCosts = DEFAULT_COSTS,
    operator: str | None = None,
    budget_vnd: float | None = None,
    top: int | None = None,
    tolerance_m: float = 50.0,
    max_candidates: int = 60,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> RingPlan:
    """Propose the rings that protect the most households from a single cut per VND.

    Parameters
    ----------
    network
        The dependency graph (:func:`coverage.resilience.build_network`).
    villages, clusters
        As for :func:`coverage.resilience.single_points_of_failure` (metric CRS).
    roads
        The road graph (:func:`planner.graph.build_road_graph`, nothing attached).
    costs
        Prices of the roads' cable and of off-road connectors.
    operator
        Only this operator's bridges (a ring joins its operator's own network).
    budget_vnd, top
        Stop when the next ring does not fit the budget (a cheaper one that fits is
        still taken), or after ``top`` rings.
    tolerance_m
        How near the cable a road counts as along it (ends, disjointness).
    max_candidates
        Blocks searched, those with the most households behind them first.
    settings
        The coverage rules (fiber reach, the route levels that serve villages).

    Returns
    -------
    RingPlan
    """
    deps = dependents(network, villages, clusters, settings=settings)
    br = _bridges(network, deps)
    key = "cluster" if (deps.kind == "cluster").any() else "village"
    ops = network.edges["operator"].astype(str).to_numpy()
    deep = np.where((deps.kind == key) & (deps.households > 0), br.deep, -1)
    if operator is not None and len(deep):
        mine = np.asarray([d >= 0 and ops[br.parent_edge[d]] == operator for d in deep.tolist()])
        deep = np.where(mine, deep, -1)
    hh_deep: dict[int, int] = {}
    for d, h in zip(deep.tolist(), deps.households.tolist(), strict=True):
        if d >= 0:
            hh_deep[d] = hh_deep.get(d, 0) + int(h)
    chains = {c: br.chain(c) for c in hh_deep}
    potential = {c: sum(hh_deep.get(b, 0) for b in chain) for c, chain in chains.items()}
    ranked = sorted(potential, key=lambda c: (-potential[c], c))[:max_candidates]
    search = _Search(network, br, deps, deep, hh_deep, chains)
    found, no_path = search.find(ranked, _Roads(roads, costs), tolerance_m)
    table, protected = search.choose(found, budget_vnd, top)
    vulnerable = int(deps.households[deep >= 0].sum())
    return RingPlan(table, vulnerable, sorted(set(no_path)), len(ranked), protected)
