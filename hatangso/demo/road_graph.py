"""The demo's roads as a :mod:`networkx` graph, and cables drawn along it.

Nodes are road segment ends (rounded to 1 cm) and edges the segments, so every cable
follows road geometry. The fiber networks of both periods are routed on it
(:mod:`hatangso.demo.fiber`, :mod:`hatangso.demo.periods`), keeping the road segments
around the villages without electricity free of cables; the later period extends the
network of the operator nearest a village by road.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely

from hatangso.demo.common import Bools, Edge, Floats, Node

__all__ = [
    "ZONE_M",
    "Roads",
    "cut_off",
    "edges_near",
    "keep_dark",
    "nearest_network",
    "network_nodes",
    "node_key",
    "path_coords",
    "path_lines",
    "road_graph",
]

log = logging.getLogger(__name__)

_KEY_DECIMALS: Final = 2  # graph nodes: road ends rounded to 1 cm
ZONE_M: Final = 600.0
"""No eligible cable comes this close (m) to a village left without fiber."""

# Nor this close to a village without electricity: the first of these zones that leaves
# the other villages reachable (in the province, 1.5 km: 1 km beyond the fiber reach).
_DARK_ZONES_M: Final = (1500.0, 1200.0, 1000.0, 800.0, ZONE_M)


# ------------------------------------------------------------------------------ the graph


def node_key(x: float, y: float) -> Node:
    """Return the graph node at ``(x, y)``: the coordinates rounded to 1 cm."""
    return (round(float(x), _KEY_DECIMALS), round(float(y), _KEY_DECIMALS))


def _cut(coords: Floats, length: float) -> Floats:
    """Return the first ``length`` metres of a polyline (a new end vertex where it stops)."""
    seg = np.hypot(*np.diff(coords, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(seg)])
    if length >= along[-1]:
        return coords
    k = int(np.searchsorted(along, length, side="right"))  # along[k-1] <= length < along[k]
    t = (length - along[k - 1]) / seg[k - 1]
    end = coords[k - 1] + t * (coords[k] - coords[k - 1])
    return np.vstack([coords[:k], end])


@dataclass
class Roads:
    """The demo's roads as a graph (metres): nodes at segment ends, one edge per segment."""

    graph: nx.Graph
    coords: list[Floats]  # per road row, metres
    major: Bools  # per road row: a real major road (road_id M…)
    major_nodes: set[Node]
    geoms: npt.NDArray[np.object_]  # per road row, LineString in metres

    def edge_coords(self, a: Node, b: Node) -> Floats:
        """Return the coordinates of the segment between ``a`` and ``b``, from ``a``."""
        coords = self.coords[int(self.graph.edges[a, b]["row"])]
        return coords if node_key(*coords[0]) == a else coords[::-1]

    def edge_length(self, a: Node, b: Node) -> float:
        """Return the length of the segment between ``a`` and ``b``, m."""
        return float(self.graph.edges[a, b]["length"])


def road_graph(roads: gpd.GeoDataFrame) -> Roads:
    """Build the road graph; of parallel segments between two ends, keep the shortest."""
    geoms = roads.geometry.to_numpy()
    coords = [np.asarray(shapely.get_coordinates(g), dtype=np.float64) for g in geoms]
    lengths = shapely.length(geoms)
    major = roads["road_id"].astype(str).str.startswith("M").to_numpy()
    graph = nx.Graph()
    major_nodes: set[Node] = set()
    for row, xy in enumerate(coords):
        a, b = node_key(*xy[0]), node_key(*xy[-1])
        if a == b:
            continue
        if major[row]:
            major_nodes.update((a, b))
        if graph.has_edge(a, b) and graph.edges[a, b]["length"] <= lengths[row]:
            continue
        graph.add_edge(a, b, length=float(lengths[row]), row=row)
    return Roads(graph, coords, major, major_nodes, np.asarray(geoms, dtype=object))


# ------------------------------------------------------------------ keeping villages dark


def edges_near(roads: Roads, xy: Floats, radius: float) -> set[Edge]:
    """Return the graph edges with a segment within ``radius`` of ``xy``."""
    near = shapely.dwithin(roads.geoms, shapely.Point(xy), radius)
    rows = {int(r) for r in np.flatnonzero(near)}
    return {(a, b) for a, b, row in roads.graph.edges(data="row") if row in rows}


def cut_off(roads: Roads, removed: set[Edge], targets: Iterable[Node]) -> set[Node]:
    """Return the targets that no longer connect to the backbone without ``removed``."""
    view = nx.restricted_view(roads.graph, [], list(removed))
    wanted = set(targets)
    out: set[Node] = set()
    for comp in nx.connected_components(view):
        if comp.isdisjoint(roads.major_nodes):
            out |= wanted & comp
    return out | {t for t in wanted if not view.has_node(t)}


def keep_dark(villages: gpd.GeoDataFrame, vxy: Floats, roads: Roads) -> tuple[list[int], set[Edge]]:
    """Keep fiber away from the villages without electricity.

    Each gets the widest zone of ``_DARK_ZONES_M`` that leaves the other villages
    reachable; a village reachable only through one of them stays without fiber too.

    Returns
    -------
    tuple
        The villages left without fiber (positions) and the road edges kept free.
    """
    keys = [node_key(*p) for p in vxy]
    chosen = [int(i) for i in np.flatnonzero(~villages["has_electricity"].to_numpy(dtype=bool))]
    removed: set[Edge] = set()
    for i in list(chosen):
        others = [keys[j] for j in range(len(keys)) if j not in chosen]
        for radius in _DARK_ZONES_M:
            trial = removed | edges_near(roads, vxy[i], radius)
            lost = cut_off(roads, trial, others)
            if not lost:
                break
        removed = trial
        if lost:
            log.warning(
                "fiber: %d villages reachable only through village %s (no electricity) "
                "stay without fiber",
                len(lost),
                villages["village_id"].iloc[i],
            )
            chosen += [j for j in range(len(keys)) if keys[j] in lost]
    return chosen, removed


# --------------------------------------------------------------------- cables along paths


def path_coords(roads: Roads, path: Sequence[Node], extents: Mapping[Edge, float]) -> Floats:
    """Concatenate the road coordinates along ``path``, each edge cut to its extent."""
    parts: list[Floats] = []
    for a, b in itertools.pairwise(path):
        used = extents.get((a, b), 0.0)
        if used <= 0.0:
            break
        xy = roads.edge_coords(a, b)
        full = used >= roads.edge_length(a, b) - 1e-6
        xy = xy if full else _cut(xy, used)
        parts.append(xy if not parts else xy[1:])
        if not full:
            break
    return np.vstack(parts) if parts else np.empty((0, 2))


def path_lines(
    roads: Roads, paths: Mapping[str, Sequence[Node]], extents: Mapping[Edge, float]
) -> Iterator[tuple[str, Floats]]:
    """Yield ``(key, coords)``: each path's part not drawn yet, shortest paths first.

    Every edge is drawn once: a path's new part is a suffix of it (the paths form a
    tree), cut where the cable stops.
    """
    drawn: set[Edge] = set()
    order = sorted(paths, key=lambda k: (len(paths[k]), k))
    for name in order:
        path = list(paths[name])
        start = 0
        while start < len(path) - 1 and (path[start], path[start + 1]) in drawn:
            start += 1
        tail = path[start:]
        edges = list(itertools.pairwise(tail))
        drawn.update(edges)
        xy = path_coords(roads, tail, extents)
        if len(xy) >= 2:
            yield name, xy


# --------------------------------------------------------------- networks on the graph


def network_nodes(roads: Roads, routes: gpd.GeoDataFrame) -> set[Node]:
    """Return the graph nodes that lie on ``routes`` (within 5 cm of one of their vertices)."""
    if not len(routes):
        return set()
    nodes = sorted(roads.graph.nodes)
    tree = shapely.STRtree(np.asarray(shapely.points(np.array(nodes)), dtype=object))
    vertices = shapely.points(shapely.get_coordinates(routes.geometry.to_numpy()))
    _, hit = tree.query(vertices, predicate="dwithin", distance=0.05)
    return {nodes[int(k)] for k in np.unique(hit)}


def nearest_network(
    roads: Roads,
    removed: set[Edge],
    sources: Mapping[str, set[Node]],
    target: Node,
    rng: np.random.Generator | None = None,
) -> tuple[str, float, list[Node]] | None:
    """Return the operator whose network is nearest ``target`` by road: (op, m, path).

    Operators within 1 m of the shortest (they often share a road) are drawn from
    with ``rng``, else the first by name wins.
    """
    view = nx.restricted_view(roads.graph, [], list(removed))
    found: list[tuple[str, float, list[Node]]] = []
    for op in sorted(sources):
        start = sorted(n for n in sources[op] if view.has_node(n))
        if not start or not view.has_node(target):
            continue
        try:
            length, path = nx.multi_source_dijkstra(view, start, target=target, weight="length")
        except nx.NetworkXNoPath:
            continue
        found.append((op, float(length), list(path)))
    if not found:
        return None
    shortest = min(length for _, length, _ in found)
    tied = [f for f in found if f[1] <= shortest + 1.0]
    return tied[int(rng.integers(len(tied)))] if rng is not None else tied[0]
