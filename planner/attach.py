"""Join points and the existing fiber to the road graph (:mod:`planner.graph`), in place.

:func:`attach_points` links each point (a village) to the nearest point of the nearest
road, splitting the road there; :func:`attach_existing_fiber` links every node on or
near existing fiber to :data:`~planner.graph.FIBER_ROOT` at zero cost (splitting the
roads that fiber crosses mid-segment), and points attached afterwards are linked too.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from shapely.geometry import LineString

from coverage.fiber import eligible_fiber
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.errors import CRSProblem
from planner.costs import FiberCosts
from planner.graph import (
    FIBER_ROOT,
    MAX_LISTED,
    SNAP_M,
    EmptyRoadsError,
    NoFiberError,
    edge_attrs,
    graph_costs,
    node_loc,
    node_xy,
    oriented,
    point_node,
    road_edges,
    split_edge,
)

__all__ = ["attach_existing_fiber", "attach_points"]

log = logging.getLogger(__name__)


def attach_points(
    G: nx.Graph,
    points_xy: npt.ArrayLike,
    ids: Sequence[object],
    *,
    costs: FiberCosts | None = None,
    kind: str = "village",
) -> dict[object, str]:
    """Join points to the graph at the nearest point of the nearest road, in place.

    Each point becomes a node ``"<kind>:<id>"`` linked off-road to the nearest point of
    the nearest road edge, which is split there (a point within a millimetre of an end
    of the edge uses that end). A point on the road gets a zero-length link.

    Parameters
    ----------
    G
        A graph from :func:`build_road_graph` (modified in place).
    points_xy
        ``(n, 2)`` coordinates in the graph's CRS.
    ids
        The ``n`` point ids (village ids), unique.
    costs
        Prices of the off-road links (default: the graph's ``costs``).
    kind
        Prefix of the node keys and the nodes' ``kind``.

    Returns
    -------
    dict
        Point id -> its node. Nodes also carry ``point_id``, ``attach_distance_m`` and
        ``attach_node`` (the road node they are linked to).

    Raises
    ------
    EmptyRoadsError
        If the graph has no road edge.
    ValueError
        For ids that are duplicated or already attached, or coordinates that are not
        ``(n, 2)`` finite numbers.
    """
    xy = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    ids = list(ids)
    nodes = [point_node(i, kind) for i in ids]
    _check_points(G, xy, ids, nodes)
    if not len(xy):
        return {}
    off_road = graph_costs(G, costs).per_m("off_road")
    dist, road_nodes = _nearest_road_points(G, xy)
    new_nodes: list[Hashable] = []
    for i, road_node in enumerate(road_nodes):
        rxy = node_xy(G, road_node)
        if rxy is None:  # pragma: no cover - road nodes are located
            continue
        node = nodes[i]
        G.add_node(
            node,
            x=float(xy[i, 0]),
            y=float(xy[i, 1]),
            kind=kind,
            point_id=ids[i],
            attach_distance_m=float(dist[i]),
            attach_node=road_node,
        )
        # On the road (within a millimetre): a zero-length link at the road point.
        start = rxy if dist[i] <= SNAP_M else (float(xy[i, 0]), float(xy[i, 1]))
        link = LineString([start, rxy])
        G.add_edge(
            node, road_node, **edge_attrs(link, per_m=off_road, build="off_road", kind="link")
        )
        new_nodes.extend([node, road_node])
    log.info(
        "attached %d %s point(s) to the roads (off-road links: median %.0f m, max %.0f m)",
        len(xy),
        kind,
        float(np.median(dist)),
        float(dist.max()),
    )
    if "fiber" in G.graph:
        _link_to_fiber(G, new_nodes)
    return dict(zip(ids, nodes, strict=True))


def _check_points(
    G: nx.Graph, xy: npt.NDArray[np.float64], ids: list[object], nodes: list[str]
) -> None:
    if len(ids) != len(xy):
        msg = f"`ids` has {len(ids)} entries for {len(xy)} points; give one id per point"
        raise ValueError(msg)
    if not np.isfinite(xy).all():
        bad = [ids[i] for i in np.flatnonzero(~np.isfinite(xy).all(axis=1))][:MAX_LISTED]
        msg = f"points {bad!r} have missing or infinite coordinates; fix their geometry"
        raise ValueError(msg)
    counts = Counter(nodes)
    dup = sorted({str(i) for i, n in zip(ids, nodes, strict=True) if counts[n] > 1})
    if dup:
        msg = f"point ids {dup[:MAX_LISTED]!r} are duplicated; ids must be unique"
        raise ValueError(msg)
    already = [n for n in nodes if n in G]
    if already:
        msg = f"points {already[:MAX_LISTED]!r} are attached already; attach each point once"
        raise ValueError(msg)


def _nearest_road_points(
    G: nx.Graph, xy: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], list[Hashable]]:
    """Distance of each point to the nearest road edge and the node where it meets it.

    The edges are split at the nearest points (all points of one edge at once).
    """
    edges = road_edges(G)
    if not edges:
        msg = "the graph has no road edge to attach points to; build it from a roads layer"
        raise EmptyRoadsError(msg)
    geoms = np.array([e[2] for e in edges], dtype=object)
    pts = np.asarray(shapely.points(xy), dtype=object)
    (src, dst), dist = shapely.STRtree(geoms).query_nearest(
        pts, return_distance=True, all_matches=False
    )
    along = np.asarray(shapely.line_locate_point(geoms[dst], pts[src]), dtype=np.float64)
    per_edge: dict[int, list[int]] = defaultdict(list)
    for k, e in enumerate(dst):
        per_edge[int(e)].append(k)
    road_nodes: list[Hashable] = [None] * len(xy)
    out = np.zeros(len(xy))
    out[src] = dist
    for e, ks in per_edge.items():
        u, v, geom = edges[e]
        uxy = node_xy(G, u)
        if uxy is None:  # pragma: no cover - road nodes are located
            continue
        start = np.asarray(geom.coords[0])
        flipped = math.hypot(start[0] - uxy[0], start[1] - uxy[1]) > SNAP_M
        length = float(geom.length)
        positions = [length - float(along[k]) if flipped else float(along[k]) for k in ks]
        for k, node in zip(ks, split_edge(G, u, v, positions), strict=True):
            road_nodes[int(src[k])] = node
    return out, road_nodes


# --------------------------------------------------------------------------- existing fiber


def attach_existing_fiber(
    G: nx.Graph,
    routes: gpd.GeoDataFrame | None,
    nodes: gpd.GeoDataFrame | None,
    *,
    tolerance_m: float = 50.0,
    settings: CoverageSettings = DEFAULT_SETTINGS,
) -> list[Hashable]:
    """Link every graph node on or near existing fiber to :data:`FIBER_ROOT`, in place.

    Existing fiber is free to connect to: each node within `tolerance_m` of an eligible
    fiber route or node (``coverage.fiber.eligible_fiber``: nodes, and routes of the
    levels that serve villages) gets a zero-cost edge to the root. A road edge that
    passes within `tolerance_m` of fiber while both its ends are farther is split at its
    point nearest the fiber, so a route that crosses a road mid-segment is usable.
    Points attached later with :func:`attach_points` are linked too.

    Parameters
    ----------
    G
        The road graph (modified in place).
    routes, nodes
        The ``fiber_routes`` and ``fiber_nodes`` layers in the graph's CRS (either may
        be None).
    tolerance_m
        How far from fiber a node still counts as on it.
    settings
        Which route levels can be tapped (``fiber_route_levels``).

    Returns
    -------
    list
        The nodes linked to the root.

    Raises
    ------
    NoFiberError
        If there is no eligible fiber, or no node lies within `tolerance_m` of it.
    geodata.CRSProblem
        If the fiber layers are not in the graph's CRS.
    """
    if not (tolerance_m >= 0 and math.isfinite(tolerance_m)):
        msg = f"`tolerance_m` must be a finite distance >= 0, got {tolerance_m!r}"
        raise ValueError(msg)
    fiber = eligible_fiber(routes, nodes, settings=settings)
    if len(fiber) == 0:
        msg = (
            "there is no existing fiber to connect to: the fiber_routes and fiber_nodes "
            f"layers are missing, empty or hold only routes of levels other than "
            f"{list(settings.fiber_route_levels)}. Import the operators' fiber "
            "(hatangso import FILE --layer fiber_routes / fiber_nodes)."
        )
        raise NoFiberError(msg)
    crs = G.graph.get("crs")
    if crs is not None and fiber.crs is not None and pyproj.CRS.from_user_input(fiber.crs) != crs:
        msg = (
            f"the fiber layers are in {fiber.crs}, the road graph in {crs}. Read both with "
            "Store.read_work() (or reproject with .to_crs(geodata.crs.WORK_CRS))."
        )
        raise CRSProblem(msg)
    geoms = fiber.geometry.to_numpy()
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    G.graph["fiber"] = {"geometries": geoms, "tolerance_m": float(tolerance_m)}
    _split_at_fiber(G, geoms, tolerance_m)
    located = [n for n in G if n != FIBER_ROOT and node_xy(G, n) is not None]
    linked = _link_to_fiber(G, located)
    if not linked:
        pts = np.asarray(shapely.points([node_loc(G, n) for n in located]), dtype=object)
        nearest = (
            float(shapely.distance(pts, shapely.union_all(geoms)).min()) if located else math.inf
        )
        msg = (
            f"no road node lies within {tolerance_m:g} m of existing fiber (the nearest is "
            f"{nearest:,.0f} m away): the plan would have nothing to connect to. Check that "
            "the fiber and road layers overlap (same area, same CRS) or raise `tolerance_m`."
        )
        raise NoFiberError(msg)
    log.info(
        "existing fiber: %d node(s) of the road graph within %g m, linked to %s",
        len(linked),
        tolerance_m,
        FIBER_ROOT,
    )
    return linked


def _split_at_fiber(G: nx.Graph, geoms: npt.NDArray[Any], tolerance_m: float) -> None:
    edges = road_edges(G)
    if not edges or not len(geoms):
        return
    tree = shapely.STRtree(geoms)
    egeoms = np.array([e[2] for e in edges], dtype=object)
    e_idx, f_idx = tree.query(egeoms, predicate="dwithin", distance=tolerance_m)
    if not len(e_idx):
        return
    ends_u = np.asarray(shapely.points([node_loc(G, e[0]) for e in edges]), dtype=object)
    ends_v = np.asarray(shapely.points([node_loc(G, e[1]) for e in edges]), dtype=object)
    near_u = shapely.dwithin(ends_u[e_idx], geoms[f_idx], tolerance_m)
    near_v = shapely.dwithin(ends_v[e_idx], geoms[f_idx], tolerance_m)
    cut: dict[int, float] = {}
    for k in np.flatnonzero(~near_u & ~near_v):
        e = int(e_idx[k])
        if e in cut:
            continue
        u, v, geom = edges[e]
        point = shapely.get_point(shapely.shortest_line(geom, geoms[f_idx[k]]), 0)
        uxy = node_xy(G, u)
        if uxy is None:  # pragma: no cover
            continue
        cut[e] = float(oriented(geom, uxy).project(point))
    for e, pos in cut.items():
        u, v, _ = edges[e]
        if G.has_edge(u, v):
            split_edge(G, u, v, [pos])
    if cut:
        log.debug("existing fiber: %d road edge(s) split where fiber crosses them", len(cut))


def _link_to_fiber(G: nx.Graph, candidates: Iterable[Hashable]) -> list[Hashable]:
    info = G.graph.get("fiber")
    if not info:
        return []
    cands = [n for n in dict.fromkeys(candidates) if n != FIBER_ROOT and node_xy(G, n) is not None]
    if not cands:
        return []
    pts = shapely.points([node_loc(G, n) for n in cands])
    hit, _ = shapely.STRtree(info["geometries"]).query(
        pts, predicate="dwithin", distance=info["tolerance_m"]
    )
    linked = [cands[i] for i in np.unique(hit)]
    if linked and FIBER_ROOT not in G:
        G.add_node(FIBER_ROOT, kind="root")
    for n in linked:
        G.nodes[n]["fiber"] = True
        G.add_edge(
            n,
            FIBER_ROOT,
            length_m=0.0,
            cost_vnd=0.0,
            cost_per_m_vnd=0.0,
            road_id=None,
            road_class=None,
            build="existing",
            kind="fiber",
            geometry=None,
        )
    return linked


# ------------------------------------------------------------------ disconnected road pieces
