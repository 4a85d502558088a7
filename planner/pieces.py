"""Road pieces the root cannot reach: report them, and bridge those that hold villages.

A road layer is seldom one connected network. :func:`road_pieces` lists the pieces not
connected to the root's piece (as :class:`RoadPiece`); :func:`bridge_components` joins
the pieces that hold terminals by priced off-road links, chosen as a minimum spanning
tree over the pieces pruned to the ones needed.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString, Point

from planner.costs import FiberCosts
from planner.graph import (
    FIBER_ROOT,
    UnreachableTerminalsError,
    check_reachable,
    edge_attrs,
    graph_costs,
    node_loc,
    node_xy,
    oriented,
    split_edge,
)

__all__ = ["RoadPiece", "bridge_components", "road_pieces"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoadPiece:
    """A piece of the road graph not connected to the piece holding the root.

    Attributes
    ----------
    piece
        Number of the piece (1, 2, ... by decreasing size).
    n_nodes
        Nodes in the piece.
    length_m
        Total length of its edges.
    terminals
        The terminals (attached villages) in it.
    bridged
        Whether an off-road bridge now joins it to the root's piece.
    bridge_length_m, bridge_cost_vnd
        Length and cost of the bridges added for it (0 when not bridged).
    x, y
        A point of the piece (for the report).
    """

    piece: int
    n_nodes: int
    length_m: float
    terminals: tuple[Hashable, ...]
    bridged: bool
    bridge_length_m: float
    bridge_cost_vnd: float
    x: float
    y: float

    def describe(self) -> str:
        """Return a one-line description for logs and reports."""
        head = (
            f"road piece {self.piece}: {self.n_nodes} nodes, {self.length_m / 1000:.1f} km "
            f"near ({self.x:.0f}, {self.y:.0f}), {len(self.terminals)} terminal(s)"
        )
        if self.bridged:
            head += (
                f"; bridged off-road ({self.bridge_length_m:.0f} m, "
                f"{self.bridge_cost_vnd:,.0f} VND)"
            )
        return head


def _piece_geometry(G: nx.Graph, nodes: set[Hashable]) -> shapely.Geometry | None:
    lines = [
        d["geometry"]
        for u, v, d in G.edges(nodes, data=True)
        if d.get("geometry") is not None and d["geometry"].length > 0
    ]
    if lines:
        return shapely.MultiLineString(lines)
    pts = [node_loc(G, n) for n in nodes if node_xy(G, n) is not None]
    return shapely.MultiPoint(pts) if pts else None


def road_pieces(
    G: nx.Graph, *, root: Hashable = FIBER_ROOT, terminals: Iterable[Hashable] = ()
) -> list[RoadPiece]:
    """Report the pieces of the graph that are not connected to the root's piece.

    Parameters
    ----------
    G
        The graph.
    root
        The root; when it is not in the graph the largest piece counts as the main one.
    terminals
        Terminals to list per piece.

    Returns
    -------
    list of RoadPiece
        One per piece other than the main one, largest first (none bridged).
    """
    comps = sorted(nx.connected_components(G), key=len, reverse=True)
    main = next((c for c in comps if root in c), comps[0] if comps else set())
    tset = set(terminals)
    out: list[RoadPiece] = []
    for comp in comps:
        if comp is main:
            continue
        geom = _piece_geometry(G, comp)
        point = shapely.point_on_surface(geom) if geom is not None else Point(math.nan, math.nan)
        length = sum(d.get("length_m", 0.0) for _, _, d in G.edges(comp, data=True))
        out.append(
            RoadPiece(
                piece=len(out) + 1,
                n_nodes=len(comp),
                length_m=float(length),
                terminals=tuple(t for t in comp if t in tset),
                bridged=False,
                bridge_length_m=0.0,
                bridge_cost_vnd=0.0,
                x=float(point.x),
                y=float(point.y),
            )
        )
    return out


def bridge_components(
    G: nx.Graph,
    terminals: Iterable[Hashable],
    *,
    costs: FiberCosts | None = None,
    root: Hashable = FIBER_ROOT,
) -> list[RoadPiece]:
    """Report disconnected road pieces and bridge the ones that hold terminals, in place.

    Pieces of the graph that hold terminals but are not connected to the root's piece
    are joined by priced off-road links between the closest points of two pieces (an
    edge is split there). The links chosen form a minimum spanning tree over the pieces,
    pruned to those needed to reach the terminals, so a chain of pieces may be used when
    that is shorter than one long link. Pieces without terminals are only reported.

    Parameters
    ----------
    G
        The graph (modified in place).
    terminals
        The nodes that must become reachable (attached villages).
    costs
        Price of off-road metres (default: the graph's ``costs``).
    root
        The root whose piece is the main one (the largest piece when absent).

    Returns
    -------
    list of RoadPiece
        Every piece other than the main one, with ``bridged`` set (also logged).

    Raises
    ------
    UnreachableTerminalsError
        If a terminal has no coordinates and its piece cannot be bridged.
    """
    tset = [t for t in dict.fromkeys(terminals) if t in G]
    pieces = road_pieces(G, root=root, terminals=tset)
    if not pieces:
        return []
    comps = sorted(nx.connected_components(G), key=len, reverse=True)
    main_i = next((i for i, c in enumerate(comps) if root in c), 0)
    comp_of = {n: i for i, c in enumerate(comps) for n in c}
    needed = {comp_of[t] for t in tset} - {main_i}
    bridges: dict[int, list[tuple[float, float]]] = defaultdict(list)
    if needed:
        per_m = graph_costs(G, costs).per_m("off_road")
        geoms = [_piece_geometry(G, c) for c in comps]
        for i, j in _bridge_plan(geoms, main_i, needed):
            gi, gj = geoms[i], geoms[j]
            if gi is None or gj is None:  # pragma: no cover - the plan uses located pieces
                continue
            length, cost = _add_bridge(G, comps[i], comps[j], gi, gj, per_m)
            for k in (i, j):
                bridges[k].append((length, cost))
        if root in G:
            check_reachable(G, root, tset)
    out: list[RoadPiece] = []
    index_of_piece = [i for i in range(len(comps)) if i != main_i]
    for piece, i in zip(pieces, index_of_piece, strict=True):
        b = bridges.get(i, [])
        report = RoadPiece(
            piece=piece.piece,
            n_nodes=piece.n_nodes,
            length_m=piece.length_m,
            terminals=piece.terminals,
            bridged=bool(b),
            bridge_length_m=float(sum(x[0] for x in b)),
            bridge_cost_vnd=float(sum(x[1] for x in b)),
            x=piece.x,
            y=piece.y,
        )
        if report.terminals:
            log.warning("%s", report.describe())
        else:
            log.info("%s (no terminal; left alone)", report.describe())
        out.append(report)
    return out


def _bridge_plan(
    geoms: Sequence[shapely.Geometry | None], main: int, needed: set[int]
) -> list[tuple[int, int]]:
    """Choose the piece pairs to bridge: an MST over pieces, pruned to the needed ones."""
    usable = [i for i, g in enumerate(geoms) if g is not None]
    if main not in usable:
        return []
    arr = np.array([geoms[i] for i in usable], dtype=object)
    tree = shapely.STRtree(arr)
    radius = 500.0
    span = shapely.union_all(arr).envelope.length + 1.0
    while True:
        left, right = tree.query(arr, predicate="dwithin", distance=radius)
        keep = left < right
        pairs = [(usable[a], usable[b]) for a, b in zip(left[keep], right[keep], strict=True)]
        H = nx.Graph()
        H.add_nodes_from(usable)
        for a, b in pairs:
            H.add_edge(a, b, weight=float(shapely.distance(geoms[a], geoms[b])))
        mst = nx.minimum_spanning_tree(H)
        reach = nx.node_connected_component(mst, main)
        if needed <= reach or radius > span:
            break
        radius *= 2.0
    keep_nodes = {main} | (needed & reach)
    sub = mst.subgraph(nx.node_connected_component(mst, main)).copy()
    leaves = [n for n in sub if sub.degree(n) <= 1 and n not in keep_nodes]
    while leaves:
        n = leaves.pop()
        nbrs = list(sub.neighbors(n))
        sub.remove_node(n)
        leaves += [m for m in nbrs if sub.degree(m) <= 1 and m not in keep_nodes]
    return [(int(a), int(b)) for a, b in sub.edges()]


def _node_on_piece(G: nx.Graph, comp: set[Hashable], point: Point) -> Hashable:
    """Return a node of `comp` at `point`: an existing end or a split of its nearest edge."""
    edges = [
        (u, v, d["geometry"])
        for u, v, d in G.edges(comp, data=True)
        if d.get("geometry") is not None and d["geometry"].length > 0
    ]
    located = [n for n in comp if node_xy(G, n) is not None]
    if edges:
        dists = shapely.distance(np.array([e[2] for e in edges], dtype=object), point)
        u, v, geom = edges[int(np.argmin(dists))]
        uxy = node_xy(G, u)
        if uxy is not None:
            pos = float(oriented(geom, uxy).project(point))
            return split_edge(G, u, v, [pos])[0]
    pts = shapely.points([node_loc(G, n) for n in located])
    return located[int(np.argmin(shapely.distance(pts, point)))]


def _add_bridge(  # noqa: PLR0913 - both pieces and their geometries
    G: nx.Graph,
    comp_a: set[Hashable],
    comp_b: set[Hashable],
    geom_a: shapely.Geometry,
    geom_b: shapely.Geometry,
    per_m: float,
) -> tuple[float, float]:
    line = shapely.shortest_line(geom_a, geom_b)
    pa, pb = shapely.get_point(line, 0), shapely.get_point(line, 1)
    na = _node_on_piece(G, comp_a, pa)
    nb = _node_on_piece(G, comp_b, pb)
    a_xy, b_xy = node_xy(G, na), node_xy(G, nb)
    if a_xy is None or b_xy is None:  # pragma: no cover
        msg = "cannot bridge road pieces without coordinates"
        raise UnreachableTerminalsError(msg)
    link = LineString([a_xy, b_xy])
    attrs = edge_attrs(link, per_m=per_m, build="off_road", kind="bridge")
    G.add_edge(na, nb, **attrs)
    comp_a.update({na})
    comp_b.update({nb})
    return float(attrs["length_m"]), float(attrs["cost_vnd"])
