"""The road graph on which fiber extensions are planned.

Built in four steps: this module builds the graph, :mod:`planner.attach` joins points
and the existing fiber to it, :mod:`planner.pieces` reports and bridges the road pieces
the root cannot reach::

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

Here too is what the planner's modules share about the graph: its errors, the node
coordinates (:func:`node_xy`, :func:`node_loc`), the edge attributes
(:func:`edge_attrs`), the split of an edge at given distances (:func:`split_edge`) and
:func:`check_reachable`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Final

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from geodata.crs import check_metric
from geodata.errors import CRSProblem, InputError
from planner.costs import DEFAULT_COSTS, FiberCosts

__all__ = [
    "FIBER_ROOT",
    "EmptyRoadsError",
    "NoFiberError",
    "PlannerInputError",
    "UnreachableTerminalsError",
    "build_road_graph",
    "check_reachable",
    "point_node",
]

log = logging.getLogger(__name__)

FIBER_ROOT: Final = "FIBER_ROOT"
"""The virtual node standing for all existing fiber (zero-cost links to it)."""

_KEY_DECIMALS: Final = 3
"""Node keys are coordinates rounded to the millimetre."""

SNAP_M: Final = 1e-3
"""A split closer than this to an end of its edge reuses that end."""

MAX_LISTED: Final = 10


class PlannerInputError(InputError, ValueError):
    """The planner cannot work on these inputs; the message says why and what to do."""


class EmptyRoadsError(PlannerInputError):
    """There is no road to plan on."""


class NoFiberError(PlannerInputError):
    """There is no existing fiber to connect to."""


class UnreachableTerminalsError(PlannerInputError):
    """Some terminals cannot be reached from the root through the graph."""


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


def graph_costs(G: nx.Graph, costs: FiberCosts | None) -> FiberCosts:
    """Return `costs`, else the graph's ``costs``, else :data:`DEFAULT_COSTS`."""
    if costs is not None:
        return costs
    stored = G.graph.get("costs")
    return stored if isinstance(stored, FiberCosts) else DEFAULT_COSTS


def node_xy(G: nx.Graph, node: Hashable) -> tuple[float, float] | None:
    """Return the coordinates of a node (None for :data:`FIBER_ROOT`, which has none)."""
    data = G.nodes[node]
    if "x" in data and "y" in data:
        return float(data["x"]), float(data["y"])
    return None


def node_loc(G: nx.Graph, node: Hashable) -> tuple[float, float]:
    """Return the coordinates of a node that has them (road nodes, attached points)."""
    xy = node_xy(G, node)
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


def oriented(geom: LineString, start_xy: tuple[float, float]) -> LineString:
    """Return ``geom`` running from the end nearer ``start_xy``."""
    coords = np.asarray(geom.coords)
    d0 = math.hypot(coords[0, 0] - start_xy[0], coords[0, 1] - start_xy[1])
    d1 = math.hypot(coords[-1, 0] - start_xy[0], coords[-1, 1] - start_xy[1])
    return geom if d0 <= d1 else LineString(coords[::-1])


def edge_attrs(  # noqa: PLR0913 - the edge attributes, keyword-only
    geom: LineString,
    *,
    per_m: float,
    build: str,
    kind: str,
    road_id: object = None,
    road_class: object = None,
) -> dict[str, Any]:
    """Return the attributes of an edge along `geom` priced at `per_m` VND a metre."""
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


def split_edge(G: nx.Graph, u: Hashable, v: Hashable, positions: Sequence[float]) -> list[Hashable]:
    """Split edge ``(u, v)`` at distances ``positions`` along its geometry.

    Returns the node at each position, in the order given: an end of the edge when the
    position is within a millimetre of it, otherwise a new ``"split"`` node.
    """
    data = G.edges[u, v]
    uxy = node_xy(G, u)
    if uxy is None:  # pragma: no cover - road edges always join located nodes
        msg = f"edge {(u, v)!r} has no located end; it cannot be split"
        raise ValueError(msg)
    geom = oriented(data["geometry"], uxy)
    length = float(geom.length)
    cuts = sorted({float(p) for p in positions if SNAP_M < p < length - SNAP_M})
    at: dict[float, Hashable] = {}
    for p in positions:
        if p <= SNAP_M:
            at[float(p)] = u
        elif p >= length - SNAP_M:
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
            attrs = edge_attrs(piece, per_m=per_m, **common)
            if (
                not G.has_edge(previous, node)
                or G.edges[previous, node]["cost_vnd"] > attrs["cost_vnd"]
            ):
                G.add_edge(previous, node, **attrs)
        previous, prev_pos = node, pos
    return [at[float(p)] for p in positions]


def road_edges(G: nx.Graph) -> list[tuple[Hashable, Hashable, LineString]]:
    """Return the road edges (``kind="road"``) with their geometry."""
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
            sizes[:MAX_LISTED],
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
        G.add_edge(u, v, **edge_attrs(geom, road_class=road_class, **common))
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
            G.add_edge(a, b, **edge_attrs(piece, road_class=road_class, **common))


# ------------------------------------------------------------------------- reachability


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
            f"terminal(s) {missing[:MAX_LISTED]!r} are not in the graph; attach them "
            "first with attach_points()"
        )
        raise nx.NodeNotFound(msg)
    reach = nx.node_connected_component(G, root)
    lost = [t for t in terminals if t not in reach]
    if lost:
        n_comp = nx.number_connected_components(G)
        msg = (
            f"{len(lost)} terminal(s) cannot be reached from {root!r}: "
            f"{lost[:MAX_LISTED]!r}{' ...' if len(lost) > MAX_LISTED else ''}. The graph "
            f"has {n_comp} separate pieces; link them with bridge_components(G, terminals) "
            "(priced off-road) or complete the roads layer."
        )
        raise UnreachableTerminalsError(msg)
