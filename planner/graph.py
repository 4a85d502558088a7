"""The road graph on which fiber extensions are planned.

Built in four steps, each a function of this module::

    G = build_road_graph(roads, costs=costs)             # junctions and road edges
    nodes = attach_points(G, xy, ids, costs=costs)        # villages joined to the nearest road
    attach_existing_fiber(G, fiber_routes, fiber_nodes)   # existing fiber: free, one root
    pieces = bridge_components(G, list(nodes.values()))   # unconnected road pieces

Nodes are road junctions and end points keyed by their coordinates (``(x, y)`` rounded
to the millimetre), attached points keyed ``"<kind>:<id>"`` (``"village:21550-01"``)
and the virtual root :data:`FIBER_ROOT`, which stands for all existing fiber: every
node on or near existing fiber is linked to it at zero cost, so a Steiner tree rooted
there connects to the nearest fiber wherever it is.

Every edge carries ``length_m``, ``cost_vnd``, ``cost_per_m_vnd``, ``road_id``,
``road_class``, ``build`` (``"aerial"``, ``"buried"``, ``"off_road"``, or ``"existing"``
for the links to the root), ``kind`` (``"road"``, ``"link"`` from an attached point to
its road, ``"bridge"`` between road pieces, ``"fiber"`` to the root) and ``geometry``
(a shapely LineString in the graph's CRS; None on links to the root). ``G.graph["crs"]``
is the graph's CRS (metric, checked) and ``G.graph["costs"]`` the :class:`FiberCosts`.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from coverage.fiber import eligible_fiber
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import check_metric
from geodata.errors import CRSProblem, InputError
from planner.costs import DEFAULT_COSTS, FiberCosts

__all__ = [
    "FIBER_ROOT",
    "EmptyRoadsError",
    "NoFiberError",
    "PlannerInputError",
    "RoadPiece",
    "UnreachableTerminalsError",
    "attach_existing_fiber",
    "attach_points",
    "bridge_components",
    "build_road_graph",
    "check_reachable",
    "point_node",
    "road_pieces",
]

log = logging.getLogger(__name__)

FIBER_ROOT: Final = "FIBER_ROOT"
"""The virtual node standing for all existing fiber (zero-cost links to it)."""

_KEY_DECIMALS: Final = 3
"""Node keys are coordinates rounded to the millimetre."""

_SNAP_M: Final = 1e-3
"""A split closer than this to an end of its edge reuses that end."""

_MAX_LISTED: Final = 10


class PlannerInputError(InputError, ValueError):
    """The planner cannot work on these inputs; the message says why and what to do."""


class EmptyRoadsError(PlannerInputError):
    """There is no road to plan on."""


class NoFiberError(PlannerInputError):
    """There is no existing fiber to connect to."""


class UnreachableTerminalsError(PlannerInputError):
    """Some terminals cannot be reached from the root through the graph."""


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


# ---------------------------------------------------------------------------------- helpers


def _key(x: float, y: float) -> tuple[float, float]:
    return (round(float(x), _KEY_DECIMALS), round(float(y), _KEY_DECIMALS))


def point_node(point_id: object, kind: str = "village") -> str:
    """Return the graph node of an attached point.

    Parameters
    ----------
    point_id
        The point's id (a village id).
    kind
        The kind given to :func:`attach_points`.

    Returns
    -------
    str
        ``"<kind>:<id>"``.

    Examples
    --------
    >>> point_node("21550-01")
    'village:21550-01'
    """
    return f"{kind}:{point_id}"


def _graph_costs(G: nx.Graph, costs: FiberCosts | None) -> FiberCosts:
    if costs is not None:
        return costs
    stored = G.graph.get("costs")
    return stored if isinstance(stored, FiberCosts) else DEFAULT_COSTS


def _xy(G: nx.Graph, node: Hashable) -> tuple[float, float] | None:
    data = G.nodes[node]
    if "x" in data and "y" in data:
        return float(data["x"]), float(data["y"])
    return None


def _loc(G: nx.Graph, node: Hashable) -> tuple[float, float]:
    """Return the coordinates of a node that has them (road nodes, attached points)."""
    xy = _xy(G, node)
    if xy is None:  # pragma: no cover - only FIBER_ROOT has none, and it is excluded
        msg = f"node {node!r} has no coordinates"
        raise ValueError(msg)
    return xy


def _substring(geom: LineString, start: float, end: float) -> LineString:
    """Return the part of `geom` between two distances along it, as a LineString."""
    piece = substring(geom, start, end)
    if isinstance(piece, LineString):
        return piece
    return LineString([piece, piece])  # degenerate: a point


def _add_node(G: nx.Graph, x: float, y: float, kind: str) -> tuple[float, float]:
    node = _key(x, y)
    if node not in G:
        G.add_node(node, x=float(x), y=float(y), kind=kind)
    return node


def _oriented(geom: LineString, start_xy: tuple[float, float]) -> LineString:
    """Return ``geom`` running from the end nearer ``start_xy``."""
    coords = np.asarray(geom.coords)
    d0 = math.hypot(coords[0, 0] - start_xy[0], coords[0, 1] - start_xy[1])
    d1 = math.hypot(coords[-1, 0] - start_xy[0], coords[-1, 1] - start_xy[1])
    return geom if d0 <= d1 else LineString(coords[::-1])


def _edge_attrs(  # noqa: PLR0913 - the edge attributes, keyword-only
    geom: LineString,
    *,
    per_m: float,
    build: str,
    kind: str,
    road_id: object = None,
    road_class: object = None,
) -> dict[str, Any]:
    length = float(geom.length)
    return {
        "length_m": length,
        "cost_vnd": length * per_m,
        "cost_per_m_vnd": float(per_m),
        "road_id": road_id,
        "road_class": road_class,
        "build": build,
        "kind": kind,
        "geometry": geom,
    }


def _split_edge(
    G: nx.Graph, u: Hashable, v: Hashable, positions: Sequence[float]
) -> list[Hashable]:
    """Split edge ``(u, v)`` at distances ``positions`` along its geometry.

    Returns the node at each position, in the order given: an end of the edge when the
    position is within a millimetre of it, otherwise a new ``"split"`` node.
    """
    data = G.edges[u, v]
    uxy = _xy(G, u)
    if uxy is None:  # pragma: no cover - road edges always join located nodes
        msg = f"edge {(u, v)!r} has no located end; it cannot be split"
        raise ValueError(msg)
    geom = _oriented(data["geometry"], uxy)
    length = float(geom.length)
    cuts = sorted({float(p) for p in positions if _SNAP_M < p < length - _SNAP_M})
    at: dict[float, Hashable] = {}
    for p in positions:
        if p <= _SNAP_M:
            at[float(p)] = u
        elif p >= length - _SNAP_M:
            at[float(p)] = v
    if not cuts:
        return [at[float(p)] for p in positions]
    per_m = float(data["cost_per_m_vnd"])
    common: dict[str, Any] = {k: data[k] for k in ("road_id", "road_class", "build", "kind")}
    G.remove_edge(u, v)
    previous, prev_pos = u, 0.0
    for pos in [*cuts, length]:
        if pos == length:
            node: Hashable = v
        else:
            point = geom.interpolate(pos)
            node = _add_node(G, point.x, point.y, "split")  # reuses a node already there
            at[pos] = node
        piece = _substring(geom, prev_pos, pos)
        if node != previous and piece.length > 0:
            attrs = _edge_attrs(piece, per_m=per_m, **common)
            if (
                not G.has_edge(previous, node)
                or G.edges[previous, node]["cost_vnd"] > attrs["cost_vnd"]
            ):
                G.add_edge(previous, node, **attrs)
        previous, prev_pos = node, pos
    return [at[float(p)] for p in positions]


def _road_edges(G: nx.Graph) -> list[tuple[Hashable, Hashable, LineString]]:
    return [
        (u, v, d["geometry"])
        for u, v, d in G.edges(data=True)
        if d.get("kind") == "road" and d.get("geometry") is not None
    ]


# --------------------------------------------------------------------------- the road graph


def build_road_graph(
    roads: gpd.GeoDataFrame,
    *,
    costs: FiberCosts = DEFAULT_COSTS,
    class_column: str = "class",
    id_column: str = "road_id",
) -> nx.Graph:
    """Build the graph of a noded road network, priced for fiber.

    Parameters
    ----------
    roads
        The ``roads`` layer in a metric CRS (``Store.read_work("roads")``): LineStrings
        (MultiLineStrings are split into their parts) that meet at shared end points.
    costs
        Unit prices and the build type of each road class.
    class_column, id_column
        Columns holding the road class and id (the index is used when the id column
        is absent; a missing class is priced with ``costs.default_build``).

    Returns
    -------
    networkx.Graph
        Nodes: junctions and end points keyed ``(x, y)`` (rounded to the mm) with ``x``,
        ``y`` and ``kind="junction"``. Edges: one per road segment with ``length_m``,
        ``cost_vnd``, ``cost_per_m_vnd``, ``road_id``, ``road_class``, ``build``,
        ``kind="road"`` and ``geometry``. A closed road (a ring) and the second of two
        roads joining the same two junctions are split at their middle so that no road
        is lost. ``G.graph`` holds ``crs`` and ``costs``.

    Raises
    ------
    EmptyRoadsError
        If there is no road with a geometry.
    geodata.CRSProblem
        If the layer is not in a metric CRS.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> roads = gpd.GeoDataFrame(
    ...     {"road_id": ["A"], "class": ["commune"]},
    ...     geometry=[shapely.LineString([(0, 0), (100, 0)])],
    ...     crs=32649,
    ... )
    >>> G = build_road_graph(roads)
    >>> G.edges[(0.0, 0.0), (100.0, 0.0)]["cost_vnd"]
    13000000.0
    """
    if roads is None or len(roads) == 0:
        msg = (
            "the roads layer is empty: the fiber planner routes cables along roads. "
            "Import a roads layer (hatangso import FILE --layer roads) or build the demo."
        )
        raise EmptyRoadsError(msg)
    try:
        check_metric(None if roads.crs is None else pyproj.CRS.from_user_input(roads.crs))
    except CRSProblem as err:
        msg = (
            f"the roads layer must be in a metric CRS ({err}). Read it with "
            "Store.read_work('roads') or reproject it with .to_crs(geodata.crs.WORK_CRS)."
        )
        raise CRSProblem(msg) from None
    ids = roads[id_column].to_numpy() if id_column in roads else roads.index.to_numpy()
    classes = (
        roads[class_column].to_numpy()
        if class_column in roads
        else np.full(len(roads), None, dtype=object)
    )
    parts, src = shapely.get_parts(roads.geometry.to_numpy(), return_index=True)
    keep = np.array(
        [isinstance(g, LineString) and not g.is_empty and g.length > 0 for g in parts],
        dtype=bool,
    )
    dropped = int((~keep).sum()) + int(roads.geometry.isna().sum())
    if dropped:
        log.warning("roads: %d empty, zero-length or non-line geometries ignored", dropped)
    parts, src = parts[keep], src[keep]
    if len(parts) == 0:
        msg = (
            "the roads layer has no usable line geometry (all empty, zero-length or not "
            "lines). Check the file's geometries."
        )
        raise EmptyRoadsError(msg)
    G = nx.Graph(crs=pyproj.CRS.from_user_input(roads.crs), costs=costs)
    unknown: set[str] = set()
    for geom, i in zip(parts, src, strict=True):
        raw_class = classes[i]
        road_class = None if pd.isna(raw_class) else str(raw_class)
        if road_class is not None and road_class not in costs.build_by_class:
            unknown.add(road_class)
        build, per_m = costs.for_road(road_class)
        _add_road(G, geom, per_m=per_m, build=build, road_id=ids[i], road_class=road_class)
    if unknown:
        log.warning(
            "roads: class(es) %s have no build type in the costs; priced as %r",
            sorted(unknown),
            costs.default_build,
        )
    n_comp = nx.number_connected_components(G)
    log.info(
        "road graph: %d nodes, %d edges, %.0f km, %d connected piece(s)",
        G.number_of_nodes(),
        G.number_of_edges(),
        sum(d["length_m"] for _, _, d in G.edges(data=True)) / 1000.0,
        n_comp,
    )
    if n_comp > 1:
        sizes = sorted((len(c) for c in nx.connected_components(G)), reverse=True)
        log.warning(
            "road graph: %d disconnected pieces (nodes per piece: %s); "
            "bridge_components() links the ones that hold villages",
            n_comp,
            sizes[:_MAX_LISTED],
        )
    return G


def _add_road(  # noqa: PLR0913 - the road attributes, keyword-only
    G: nx.Graph, geom: LineString, *, per_m: float, build: str, road_id: object, road_class: object
) -> None:
    coords = np.asarray(geom.coords)
    u = _add_node(G, coords[0, 0], coords[0, 1], "junction")
    v = _add_node(G, coords[-1, 0], coords[-1, 1], "junction")
    common: dict[str, Any] = {"per_m": per_m, "build": build, "kind": "road", "road_id": road_id}
    if u != v and not G.has_edge(u, v):
        G.add_edge(u, v, **_edge_attrs(geom, road_class=road_class, **common))
        return
    # A ring (split in three) or a second road between the same two junctions (split in
    # two): a simple graph keeps one edge per pair of nodes, and no road may be lost.
    n_parts = 3 if u == v else 2
    cuts = [geom.length * k / n_parts for k in range(n_parts + 1)]
    ends = [u]
    for pos in cuts[1:-1]:
        point = geom.interpolate(pos)
        ends.append(_add_node(G, point.x, point.y, "junction"))
    ends.append(v)
    for a, b, lo, hi in zip(ends, ends[1:], cuts, cuts[1:], strict=False):
        if a != b and not G.has_edge(a, b):
            piece = _substring(geom, lo, hi)
            G.add_edge(a, b, **_edge_attrs(piece, road_class=road_class, **common))


# ------------------------------------------------------------------------- attached points


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
    off_road = _graph_costs(G, costs).per_m("off_road")
    dist, road_nodes = _nearest_road_points(G, xy)
    new_nodes: list[Hashable] = []
    for i, road_node in enumerate(road_nodes):
        rxy = _xy(G, road_node)
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
        start = rxy if dist[i] <= _SNAP_M else (float(xy[i, 0]), float(xy[i, 1]))
        link = LineString([start, rxy])
        G.add_edge(
            node, road_node, **_edge_attrs(link, per_m=off_road, build="off_road", kind="link")
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
        bad = [ids[i] for i in np.flatnonzero(~np.isfinite(xy).all(axis=1))][:_MAX_LISTED]
        msg = f"points {bad!r} have missing or infinite coordinates; fix their geometry"
        raise ValueError(msg)
    counts = Counter(nodes)
    dup = sorted({str(i) for i, n in zip(ids, nodes, strict=True) if counts[n] > 1})
    if dup:
        msg = f"point ids {dup[:_MAX_LISTED]!r} are duplicated; ids must be unique"
        raise ValueError(msg)
    already = [n for n in nodes if n in G]
    if already:
        msg = f"points {already[:_MAX_LISTED]!r} are attached already; attach each point once"
        raise ValueError(msg)


def _nearest_road_points(
    G: nx.Graph, xy: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], list[Hashable]]:
    """Distance of each point to the nearest road edge and the node where it meets it.

    The edges are split at the nearest points (all points of one edge at once).
    """
    edges = _road_edges(G)
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
        uxy = _xy(G, u)
        if uxy is None:  # pragma: no cover - road nodes are located
            continue
        start = np.asarray(geom.coords[0])
        flipped = math.hypot(start[0] - uxy[0], start[1] - uxy[1]) > _SNAP_M
        length = float(geom.length)
        positions = [length - float(along[k]) if flipped else float(along[k]) for k in ks]
        for k, node in zip(ks, _split_edge(G, u, v, positions), strict=True):
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
    located = [n for n in G if n != FIBER_ROOT and _xy(G, n) is not None]
    linked = _link_to_fiber(G, located)
    if not linked:
        pts = np.asarray(shapely.points([_loc(G, n) for n in located]), dtype=object)
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
    edges = _road_edges(G)
    if not edges or not len(geoms):
        return
    tree = shapely.STRtree(geoms)
    egeoms = np.array([e[2] for e in edges], dtype=object)
    e_idx, f_idx = tree.query(egeoms, predicate="dwithin", distance=tolerance_m)
    if not len(e_idx):
        return
    ends_u = np.asarray(shapely.points([_loc(G, e[0]) for e in edges]), dtype=object)
    ends_v = np.asarray(shapely.points([_loc(G, e[1]) for e in edges]), dtype=object)
    near_u = shapely.dwithin(ends_u[e_idx], geoms[f_idx], tolerance_m)
    near_v = shapely.dwithin(ends_v[e_idx], geoms[f_idx], tolerance_m)
    cut: dict[int, float] = {}
    for k in np.flatnonzero(~near_u & ~near_v):
        e = int(e_idx[k])
        if e in cut:
            continue
        u, v, geom = edges[e]
        point = shapely.get_point(shapely.shortest_line(geom, geoms[f_idx[k]]), 0)
        uxy = _xy(G, u)
        if uxy is None:  # pragma: no cover
            continue
        cut[e] = float(_oriented(geom, uxy).project(point))
    for e, pos in cut.items():
        u, v, _ = edges[e]
        if G.has_edge(u, v):
            _split_edge(G, u, v, [pos])
    if cut:
        log.debug("existing fiber: %d road edge(s) split where fiber crosses them", len(cut))


def _link_to_fiber(G: nx.Graph, candidates: Iterable[Hashable]) -> list[Hashable]:
    info = G.graph.get("fiber")
    if not info:
        return []
    cands = [n for n in dict.fromkeys(candidates) if n != FIBER_ROOT and _xy(G, n) is not None]
    if not cands:
        return []
    pts = shapely.points([_loc(G, n) for n in cands])
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


def check_reachable(G: nx.Graph, root: Hashable, terminals: Iterable[Hashable]) -> None:
    """Raise unless every terminal is connected to `root` in `G`.

    Parameters
    ----------
    G
        The graph.
    root
        The root node (:data:`FIBER_ROOT` for the fiber plan).
    terminals
        Nodes that must be reachable.

    Raises
    ------
    NoFiberError
        If `root` is :data:`FIBER_ROOT` and not in the graph.
    networkx.NodeNotFound
        If another root or a terminal is not in the graph.
    UnreachableTerminalsError
        Naming the unreachable terminals and the fix.
    """
    if root not in G:
        if root == FIBER_ROOT:
            msg = (
                "the graph has no existing fiber to connect to: call "
                "attach_existing_fiber(G, fiber_routes, fiber_nodes) first"
            )
            raise NoFiberError(msg)
        msg = f"root {root!r} is not in the graph"
        raise nx.NodeNotFound(msg)
    terminals = list(terminals)
    missing = [t for t in terminals if t not in G]
    if missing:
        msg = (
            f"terminal(s) {missing[:_MAX_LISTED]!r} are not in the graph; attach them "
            "first with attach_points()"
        )
        raise nx.NodeNotFound(msg)
    reach = nx.node_connected_component(G, root)
    lost = [t for t in terminals if t not in reach]
    if lost:
        n_comp = nx.number_connected_components(G)
        msg = (
            f"{len(lost)} terminal(s) cannot be reached from {root!r}: "
            f"{lost[:_MAX_LISTED]!r}{' ...' if len(lost) > _MAX_LISTED else ''}. The graph "
            f"has {n_comp} separate pieces; link them with bridge_components(G, terminals) "
            "(priced off-road) or complete the roads layer."
        )
        raise UnreachableTerminalsError(msg)


def _piece_geometry(G: nx.Graph, nodes: set[Hashable]) -> shapely.Geometry | None:
    lines = [
        d["geometry"]
        for u, v, d in G.edges(nodes, data=True)
        if d.get("geometry") is not None and d["geometry"].length > 0
    ]
    if lines:
        return shapely.MultiLineString(lines)
    pts = [_loc(G, n) for n in nodes if _xy(G, n) is not None]
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
        per_m = _graph_costs(G, costs).per_m("off_road")
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
    located = [n for n in comp if _xy(G, n) is not None]
    if edges:
        dists = shapely.distance(np.array([e[2] for e in edges], dtype=object), point)
        u, v, geom = edges[int(np.argmin(dists))]
        uxy = _xy(G, u)
        if uxy is not None:
            pos = float(_oriented(geom, uxy).project(point))
            return _split_edge(G, u, v, [pos])[0]
    pts = shapely.points([_loc(G, n) for n in located])
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
    a_xy, b_xy = _xy(G, na), _xy(G, nb)
    if a_xy is None or b_xy is None:  # pragma: no cover
        msg = "cannot bridge road pieces without coordinates"
        raise UnreachableTerminalsError(msg)
    link = LineString([a_xy, b_xy])
    attrs = _edge_attrs(link, per_m=per_m, build="off_road", kind="bridge")
    G.add_edge(na, nb, **attrs)
    comp_a.update({na})
    comp_b.update({nb})
    return float(attrs["length_m"]), float(attrs["cost_vnd"])
