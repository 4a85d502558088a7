"""The indicator's rule in the planner: a place is reached when the cable comes within reach.

The fiber indicator (:func:`coverage.fiber.fiber_reach`) counts a village or cluster as
reached when a fiber node or a distribution/access cable lies within
:attr:`~coverage.settings.CoverageSettings.fiber_reach_m` (500 m) of it, and a household
as reached when its cluster is. The planner plans to the same rule:

* :func:`reach_groups` gives each place its *group*: the road-graph nodes within reach.
  Reaching any one of them reaches the place (a group Steiner problem,
  :mod:`planner.steiner.groups`). So that a cable passing within reach always has a node
  within reach, every edge that passes within reach of a place is first split at its
  point nearest the place and where it enters and leaves the reach (so the tree can
  stop where the cable first comes within reach). Nodes on existing fiber (linked to
  the fiber root) are left out of the groups: the plan lays no cable there, so the
  indicator would not count them. A place with no edge within reach is joined to its
  nearest road by an off-road link, as villages were before, so it can be reached too.
* :func:`unreached` and :func:`reached_by` ask the indicator's own function which places
  fiber does not reach yet and which the planned cables would reach; the households a
  plan claims are counted by :func:`reached_by` on the plan's cables, so computing the
  indicator on the network with the plan added gives exactly the households claimed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Hashable, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from coverage.fiber import fiber_reach
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from planner.attach import attach_points
from planner.graph import FIBER_ROOT, node_loc, node_xy, oriented, split_edge
from planner.pieces import bridge_components

__all__ = ["PLANNED_LEVEL", "reach_groups", "reached_by", "unreached"]

log = logging.getLogger(__name__)

_QUAD_SEGS = 64
"""Segments of a quarter circle in a reach buffer (chord error 500 m x (1 - cos(pi/256)))."""

PLANNED_LEVEL = "access"
"""Level of the planned cables when the indicator is asked about them."""


def unreached(
    places: gpd.GeoDataFrame,
    routes: gpd.GeoDataFrame | None,
    nodes: gpd.GeoDataFrame | None,
    *,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> np.ndarray:
    """Return, per place, whether existing fiber leaves it unreached (the indicator's rule).

    Parameters
    ----------
    places
        Villages or clusters in the metric working CRS.
    routes, nodes
        The existing fiber (every operator's: the indicator does not ask whose it is).
    settings
        The coverage rules (reach distance, route levels).

    Returns
    -------
    numpy.ndarray
        Booleans, in the order of `places`.
    """
    if not len(places):
        return np.zeros(0, dtype=bool)
    status = fiber_reach(places, routes, nodes, settings=settings)
    return ~status["fiber_reached"].to_numpy(dtype=bool)


def reached_by(
    places: gpd.GeoDataFrame,
    cables: Sequence[shapely.Geometry],
    *,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Ask the indicator which places the planned cables alone would reach, and by which.

    Parameters
    ----------
    places
        Villages or clusters in the metric working CRS.
    cables
        The planned routes' geometries, same CRS; counted as access cables.
    settings
        The coverage rules.

    Returns
    -------
    pandas.DataFrame
        Indexed like `places`: ``fiber_reached`` and ``fiber_distance_m`` as
        :func:`coverage.fiber.fiber_reach` says, and ``cable``, the position in `cables`
        of the nearest cable (-1 where none is within reach).
    """
    keep = [i for i, g in enumerate(cables) if g is not None and not shapely.is_empty(g)]
    geoms = [cables[i] for i in keep]
    frame = gpd.GeoDataFrame(
        {"operator": ["plan"] * len(geoms), "level": [PLANNED_LEVEL] * len(geoms)},
        geometry=gpd.GeoSeries(geoms, crs=places.crs),
        crs=places.crs,
    )
    rules = settings
    if PLANNED_LEVEL not in settings.fiber_route_levels:  # pragma: no cover - a setting
        levels = (*settings.fiber_route_levels, PLANNED_LEVEL)
        rules = dataclasses.replace(settings, fiber_route_levels=levels)
    status = fiber_reach(places, frame if len(frame) else None, None, settings=rules)
    out = status[["fiber_reached", "fiber_distance_m"]].copy()
    cable = np.full(len(places), -1, dtype=np.int64)
    hit = np.flatnonzero(out["fiber_reached"].to_numpy(dtype=bool))
    if len(hit):
        targets = np.asarray(places.geometry.to_numpy(), dtype=object)[hit]
        tree = shapely.STRtree(np.asarray(geoms, dtype=object))
        (src, dst), _ = tree.query_nearest(targets, return_distance=True, all_matches=False)
        cable[hit[src]] = np.asarray(keep)[dst]
    out["cable"] = cable
    return out


def _cable_edges(G: nx.Graph) -> list[tuple[Hashable, Hashable, shapely.LineString]]:
    return [
        (u, v, d["geometry"])
        for u, v, d in G.edges(data=True)
        if d.get("geometry") is not None and d["geometry"].length > 0 and FIBER_ROOT not in (u, v)
    ]


def _split_near(G: nx.Graph, geoms: np.ndarray, reach_m: float) -> int:
    """Split every edge within reach of a place where it enters and leaves the reach.

    The cuts are where the edge crosses the edge of the place's reach (its buffer, a
    polygon inscribed in the true disc: the cut lies at most 4 cm inside it) and at its
    point nearest the place. Each piece of the edge then lies within reach or outside
    it, and one within reach ends at a node within reach; a tree that only needs to
    come within reach can stop at the cut.
    """
    edges = _cable_edges(G)
    if not edges or not len(geoms):
        return 0
    egeoms = np.array([e[2] for e in edges], dtype=object)
    p_idx, e_idx = shapely.STRtree(egeoms).query(geoms, predicate="dwithin", distance=reach_m)
    if not len(p_idx):
        return 0
    lines = np.empty(len(edges), dtype=object)
    for e in np.unique(e_idx).tolist():
        u, _, geom = edges[e]
        uxy = node_xy(G, u)
        lines[e] = geom if uxy is None else oriented(geom, uxy)
    zones = shapely.buffer(geoms, reach_m, quad_segs=_QUAD_SEGS)
    inside = shapely.intersection(lines[e_idx], zones[p_idx])
    parts, pair = shapely.get_parts(inside, return_index=True)
    is_line = shapely.get_type_id(parts) == 1
    ends = np.where(is_line, shapely.boundary(parts), parts)
    xy, k = shapely.get_coordinates(ends, return_index=True)
    near = shapely.get_point(shapely.shortest_line(lines[e_idx], geoms[p_idx]), 0)
    cut_edges = np.concatenate([e_idx[pair[k]], e_idx])
    cut_points = np.concatenate([shapely.points(xy), near])
    positions = shapely.line_locate_point(lines[cut_edges], cut_points)
    cuts: dict[int, list[float]] = defaultdict(list)
    for e, pos in zip(cut_edges.tolist(), positions.tolist(), strict=True):
        cuts[e].append(float(pos))
    for e, at in cuts.items():
        u, v, _ = edges[e]
        if G.has_edge(u, v):
            split_edge(G, u, v, at)
    return len(cuts)


def _groups(
    G: nx.Graph, ids: Sequence[str], geoms: np.ndarray, reach_m: float
) -> dict[str, list[Hashable]]:
    """Return each place's nodes within reach (nodes on existing fiber left out)."""
    nodes = [
        n
        for n, d in G.nodes(data=True)
        if n != FIBER_ROOT and not d.get("fiber") and node_xy(G, n) is not None
    ]
    groups: dict[str, list[Hashable]] = {i: [] for i in ids}
    if not nodes or not len(geoms):
        return groups
    pts = np.asarray(shapely.points([node_loc(G, n) for n in nodes]), dtype=object)
    p_idx, n_idx = shapely.STRtree(pts).query(geoms, predicate="dwithin", distance=reach_m)
    for p, n in zip(p_idx.tolist(), n_idx.tolist(), strict=True):
        groups[ids[p]].append(nodes[n])
    return groups


def reach_groups(
    G: nx.Graph,
    places: gpd.GeoDataFrame,
    id_column: str,
    *,
    reach_m: float,
    root: Hashable = FIBER_ROOT,
) -> tuple[dict[str, list[Hashable]], list[object]]:
    """Give each place its group of road nodes within reach, preparing the graph in place.

    Parameters
    ----------
    G
        The road graph with existing fiber attached (modified: edges split, places with
        no road within reach linked to the nearest road, road pieces bridged).
    places
        The places (points or polygons) in the graph's CRS.
    id_column
        Their id column (ids as text).
    reach_m
        The reach distance.
    root
        The fiber root.

    Returns
    -------
    groups
        Place id -> the nodes whose reaching reaches it (connected to the root).
    pieces
        The disconnected road pieces found (:func:`planner.pieces.bridge_components`).
    """
    ids = places[id_column].astype(str).tolist()
    geoms = np.asarray(places.geometry.to_numpy(), dtype=object)
    edges = _cable_edges(G)
    near = np.zeros(len(ids), dtype=bool)
    if edges and len(ids):
        egeoms = np.array([e[2] for e in edges], dtype=object)
        hit, _ = shapely.STRtree(egeoms).query(geoms, predicate="dwithin", distance=reach_m)
        near[np.unique(hit)] = True
    far = np.flatnonzero(~near)
    if len(far):
        points = [g if g.geom_type == "Point" else g.representative_point() for g in geoms[far]]
        attach_points(G, shapely.get_coordinates(points), [ids[i] for i in far], kind="reach")
    _split_near(G, geoms, reach_m)
    groups = _groups(G, ids, geoms, reach_m)
    main = nx.node_connected_component(G, root)
    cut_off = [i for i in ids if groups[i] and not any(n in main for n in groups[i])]
    pieces: list[object] = []
    if cut_off:
        pieces = list(bridge_components(G, [groups[i][0] for i in cut_off], root=root))
        _split_near(G, geoms, reach_m)
        groups = _groups(G, ids, geoms, reach_m)
        main = nx.node_connected_component(G, root)
    groups = {i: [n for n in nodes if n in main] for i, nodes in groups.items()}
    log.info(
        "reach %g m: %d place(s), %d linked to the roads, %d nodes in groups",
        reach_m,
        len(ids),
        len(far),
        sum(len(g) for g in groups.values()),
    )
    return groups, pieces
