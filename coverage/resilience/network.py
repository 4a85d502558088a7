"""The network as a graph of what depends on what: cables, fiber nodes, sites, the core.

Nodes are the points where cables of one operator meet or change (a route's vertices,
keyed by operator and position to the millimetre, so two operators' cables along the
same road never join), the fiber nodes placed on them, the mobile sites and one virtual
node, :data:`CORE`, standing for the national network. Edges carry a ``kind``:

``route``
    a straight piece of a fiber route between two nodes (``route_id``, ``operator``,
    ``level``, ``build``, its two ends ``x0, y0, x1, y1``): what a cut cuts;
``splice``
    a route's end joined to another route of its operator passing within
    :attr:`~coverage.resilience.settings.ResilienceSettings.snap_m`;
``drop``
    a site with fiber backhaul joined to the nearest fiber (its operator's, else leased);
``microwave``
    a site's microwave link to its hub site;
``core``
    a core point (a backbone cable's point, a ``pop`` node; else the operator's OLTs)
    joined to :data:`CORE`; a satellite site and a site whose fiber is not located are
    joined to it too (``satellite``, ``assumed``).

The graph holds the pieces of the network as arrays (:class:`Network`), and answers one
question fast: which nodes still reach the core when some edges and nodes are gone
(:meth:`Network.reaching_core`).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from coverage._checks import check_work_crs
from coverage.resilience.settings import DEFAULT_RESILIENCE, ResilienceSettings

__all__ = ["CORE", "Network", "build_network"]

log = logging.getLogger(__name__)

CORE: Final = 0
"""The index of the virtual node standing for the national network."""

_END_M: Final = 1e-3  # a split this close to a segment's end reuses the end

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@dataclass
class Network:
    """The dependency graph (see the module's docstring).

    Attributes
    ----------
    node_xy
        ``(n, 2)`` node coordinates, metric CRS (``nan`` for :data:`CORE`).
    edges
        One row an edge: ``u``, ``v``, ``kind``, ``route_id``, ``operator``, ``level``,
        ``build``, ``x0``, ``y0``, ``x1``, ``y1``.
    equipment
        ``fiber node id -> graph node`` (several fiber nodes may share a graph node).
    equipment_xy
        ``fiber node id -> (x, y)`` where the fiber node stands.
    sites
        ``site id -> graph node``.
    unlocated
        Sites with fiber backhaul but no fiber within reach (assumed to reach the core).
    crs
        The metric CRS of the coordinates.
    """

    node_xy: npt.NDArray[np.float64]
    edges: pd.DataFrame
    equipment: dict[str, int]
    equipment_xy: dict[str, tuple[float, float]]
    sites: dict[str, int]
    unlocated: list[str] = field(default_factory=list)
    crs: object = None
    _adjacency: list[list[tuple[int, int]]] | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        """The number of nodes, :data:`CORE` included."""
        return len(self.node_xy)

    def reaching_core(
        self, dead_edges: Bools | None = None, dead_nodes: Bools | None = None
    ) -> Bools:
        """Return which nodes reach :data:`CORE` once some edges and nodes are gone.

        Parameters
        ----------
        dead_edges
            One flag an edge (row of :attr:`edges`).
        dead_nodes
            One flag a node; a dead node reaches nothing.

        Returns
        -------
        numpy.ndarray
            One flag a node.
        """
        dead_e = dead_edges.tolist() if dead_edges is not None else None
        dead_n = dead_nodes.tolist() if dead_nodes is not None else None
        out = [False] * self.n_nodes
        out[CORE] = True
        todo = [CORE]
        adjacency = self.adjacency()
        while todo:
            node = todo.pop()
            for other, e in adjacency[node]:
                if out[other] or (dead_e is not None and dead_e[e]):
                    continue
                if dead_n is not None and dead_n[other]:
                    continue
                out[other] = True
                todo.append(other)
        return np.asarray(out, dtype=bool)

    def adjacency(self) -> list[list[tuple[int, int]]]:
        """Each node's ``(neighbour, edge row)`` pairs (built once)."""
        if self._adjacency is None:
            adj: list[list[tuple[int, int]]] = [[] for _ in range(self.n_nodes)]
            u = self.edges["u"].to_numpy(dtype=np.int64).tolist()
            v = self.edges["v"].to_numpy(dtype=np.int64).tolist()
            for e, (a, b) in enumerate(zip(u, v, strict=True)):
                adj[a].append((b, e))
                adj[b].append((a, e))
            self._adjacency = adj
        return self._adjacency


class _Builder:
    """Nodes and edges in the making."""

    def __init__(self) -> None:
        self.xy: list[tuple[float, float]] = [(np.nan, np.nan)]
        self.keys: dict[tuple[str, float, float], int] = {}
        self.rows: list[dict[str, object]] = []

    def node(self, operator: str, x: float, y: float) -> int:
        key = (operator, round(x, 3), round(y, 3))
        found = self.keys.get(key)
        if found is None:
            found = len(self.xy)
            self.keys[key] = found
            self.xy.append((x, y))
        return found

    def free_node(self, x: float, y: float) -> int:
        self.xy.append((x, y))
        return len(self.xy) - 1

    def edge(self, u: int, v: int, kind: str, **attrs: object) -> None:
        self.rows.append({"u": u, "v": v, "kind": kind, **attrs})


class _Cables:
    """The routes cut into straight segments, indexed, split where things join them."""

    def __init__(self, b: _Builder, routes: gpd.GeoDataFrame, settings: ResilienceSettings) -> None:
        self.b = b
        self.settings = settings
        self.info = pd.DataFrame(
            {
                "route_id": routes["route_id"].astype(str).to_numpy(),
                "operator": routes["operator"].astype(str).to_numpy(),
                "level": routes["level"].astype(str).to_numpy(),
                "build": _column(routes, "build", "aerial"),
            }
        )
        parts, owner = shapely.get_parts(routes.geometry.to_numpy(), return_index=True)
        coords, coord_part = shapely.get_coordinates(parts, return_index=True)
        self.part_op = self.info["operator"].to_numpy()[owner] if len(owner) else np.array([])
        ids = [b.node(self.part_op[p], x, y) for (x, y), p in zip(coords, coord_part, strict=True)]
        keep = [
            k
            for k in range(len(coords) - 1)
            if coord_part[k] == coord_part[k + 1] and ids[k] != ids[k + 1]
        ]
        self.u = np.asarray([ids[k] for k in keep], dtype=np.int64)
        self.v = np.asarray([ids[k + 1] for k in keep], dtype=np.int64)
        self.part = np.asarray(coord_part[keep], dtype=np.int64)
        self.route = owner[self.part].astype(np.int64) if keep else self.part
        self.op = self.info["operator"].to_numpy()[self.route]
        xy = np.asarray(b.xy, dtype=np.float64)
        self.geoms = np.asarray(
            shapely.linestrings(np.stack([xy[self.u], xy[self.v]], axis=1)) if keep else [],
            dtype=object,
        )
        self.tree = shapely.STRtree(self.geoms)
        self.splits: dict[int, list[tuple[float, int]]] = defaultdict(list)
        starts = np.flatnonzero(np.diff(coord_part, prepend=-1) != 0)
        stops = np.r_[starts[1:] - 1, len(coord_part) - 1].astype(np.int64)[: len(starts)]
        self.part_ends = [
            (ids[k], int(coord_part[k])) for pair in zip(starts, stops, strict=True) for k in pair
        ]

    def split_at(self, seg: int, px: float, py: float, operator: str) -> int:
        """Return the node of segment ``seg`` nearest ``(px, py)``, splitting it if need be.

        An end within ``snap_m`` is taken (fiber nodes stand at junctions).
        """
        ends = (int(self.u[seg]), int(self.v[seg]))
        gaps = [math.hypot(self.b.xy[n][0] - px, self.b.xy[n][1] - py) for n in ends]
        if min(gaps) <= self.settings.snap_m:
            return ends[int(np.argmin(gaps))]
        line = self.geoms[seg]
        t = float(shapely.line_locate_point(line, shapely.Point(px, py)))
        if t <= _END_M:
            return ends[0]
        if t >= float(line.length) - _END_M:
            return ends[1]
        point = shapely.line_interpolate_point(line, t)
        node = self.b.node(operator, point.x, point.y)
        self.splits[seg].append((t, node))
        return node

    def nearest(self, px: float, py: float, reach: float, keep: Bools) -> int | None:
        """Return the nearest segment within ``reach`` among ``keep``, ``None`` if none."""
        found = self.tree.query(shapely.Point(px, py), predicate="dwithin", distance=reach)
        found = found[keep[found]] if len(found) else found
        if not len(found):
            return None
        dist = shapely.distance(shapely.Point(px, py), self.geoms[found])
        return int(found[int(np.argmin(dist))])

    def splice_ends(self) -> None:
        """Join each route end to a cable of its operator passing within ``snap_m``."""
        for node, part in self.part_ends:
            op = str(self.part_op[part])
            at = shapely.Point(*self.b.xy[node])
            found = self.tree.query(at, predicate="dwithin", distance=self.settings.snap_m)
            found = found[(self.op[found] == op) & (self.part[found] != part)]
            if not len(found) or ((self.u[found] == node) | (self.v[found] == node)).any():
                continue  # nothing near, or already joined at a shared vertex
            seg = int(found[int(np.argmin(shapely.distance(at, self.geoms[found])))])
            joint = self.split_at(seg, at.x, at.y, op)
            if joint != node:
                self.b.edge(node, joint, "splice", operator=op)

    def emit(self) -> None:
        """Add one ``route`` edge a piece of segment between its splits."""
        records = self.info.to_dict("records")
        for seg, route in enumerate(self.route.tolist()):
            inner = [n for _, n in sorted(self.splits.get(seg, []))]
            chain = [int(self.u[seg]), *inner, int(self.v[seg])]
            for a, c in itertools.pairwise(chain):
                if a != c:
                    self.b.edge(a, c, "route", **records[route])


def build_network(
    routes: gpd.GeoDataFrame | None,
    nodes: gpd.GeoDataFrame | None,
    sites: gpd.GeoDataFrame | None,
    *,
    settings: ResilienceSettings = DEFAULT_RESILIENCE,
) -> Network:
    """Build the dependency graph of a period's network.

    Parameters
    ----------
    routes
        ``fiber_routes`` (``route_id``, ``operator``, ``level``, optional ``build``:
        default ``aerial``), metric CRS.
    nodes
        ``fiber_nodes`` (``node_id``, ``operator``, ``kind``), metric CRS.
    sites
        ``mobile_sites`` (``site_id``, ``operator``, optional ``backhaul``: default
        ``fiber``, ``backhaul_to``), metric CRS.
    settings
        Splicing tolerance, backhaul reach, what the core is.

    Returns
    -------
    Network
    """
    b = _Builder()
    if routes is None or not len(routes):
        routes = gpd.GeoDataFrame(
            {"route_id": [], "operator": [], "level": []}, geometry=[], crs=None
        )
    else:
        check_work_crs(routes, "fiber_routes")
    cables = _Cables(b, routes, settings)
    cables.splice_ends()
    equipment, equipment_xy, kinds = _place_equipment(nodes, cables)
    site_nodes, unlocated = _place_sites(sites, cables)
    cables.emit()
    _core_edges(b, cables.info, equipment, kinds, settings)
    edges = pd.DataFrame(
        b.rows, columns=["u", "v", "kind", "route_id", "operator", "level", "build"]
    )
    node_xy = np.asarray(b.xy, dtype=np.float64)
    for end, (cx, cy) in ((edges["u"], ("x0", "y0")), (edges["v"], ("x1", "y1"))):
        at = node_xy[end.to_numpy(dtype=np.int64)]
        edges[cx], edges[cy] = at[:, 0], at[:, 1]
    if unlocated:
        log.info("%d sites with fiber backhaul have no fiber within reach", len(unlocated))
    return Network(node_xy, edges, equipment, equipment_xy, site_nodes, unlocated, routes.crs)


def _column(frame: pd.DataFrame, name: str, default: str) -> npt.NDArray[np.object_]:
    """Return a column's values as text, ``default`` where absent or empty."""
    if name not in frame:
        return np.full(len(frame), default, dtype=object)
    values = frame[name].astype(object).where(frame[name].notna(), default)
    return np.asarray(values.astype(str).to_numpy(), dtype=object)


def _place_equipment(
    nodes: gpd.GeoDataFrame | None, cables: _Cables
) -> tuple[dict[str, int], dict[str, tuple[float, float]], dict[str, str]]:
    """Put each fiber node on its operator's cable within ``snap_m`` (else on its own)."""
    equipment: dict[str, int] = {}
    where: dict[str, tuple[float, float]] = {}
    kinds: dict[str, str] = {}
    if nodes is None or not len(nodes):
        return equipment, where, kinds
    check_work_crs(nodes, "fiber_nodes")
    pts = shapely.get_coordinates(nodes.geometry.to_numpy())
    rows = zip(
        nodes["node_id"].astype(str),
        nodes["operator"].astype(str),
        nodes["kind"].astype(str),
        pts,
        strict=True,
    )
    for node_id, op, kind, (x, y) in rows:
        seg = cables.nearest(x, y, cables.settings.snap_m, cables.op == op)
        on = cables.b.node(op, x, y) if seg is None else cables.split_at(seg, x, y, op)
        equipment[node_id] = on
        where[node_id] = (float(x), float(y))
        kinds[node_id] = kind
    return equipment, where, kinds


def _place_sites(
    sites: gpd.GeoDataFrame | None, cables: _Cables
) -> tuple[dict[str, int], list[str]]:
    """Add each site and its backhaul: a drop to fiber, a microwave hop, or the core."""
    out: dict[str, int] = {}
    unlocated: list[str] = []
    if sites is None or not len(sites):
        return out, unlocated
    check_work_crs(sites, "mobile_sites")
    b = cables.b
    reach = cables.settings.backhaul_reach_m
    pts = shapely.get_coordinates(sites.geometry.to_numpy())
    ids = sites["site_id"].astype(str).tolist()
    ops = sites["operator"].astype(str).tolist()
    backhaul = _column(sites, "backhaul", "fiber")
    hub = _column(sites, "backhaul_to", "")
    for site_id, (x, y) in zip(ids, pts, strict=True):
        out[site_id] = b.free_node(float(x), float(y))
    anyone = np.ones(len(cables.op), dtype=bool)
    for k, site_id in enumerate(ids):
        node = out[site_id]
        x, y = pts[k]
        if backhaul[k] == "satellite":
            b.edge(node, CORE, "satellite", operator=ops[k])
            continue
        if backhaul[k] == "microwave" and hub[k] in out:
            b.edge(node, out[hub[k]], "microwave", operator=ops[k])
            continue
        seg = cables.nearest(x, y, reach, cables.op == ops[k])  # its own fiber, else leased
        seg = seg if seg is not None else cables.nearest(x, y, reach, anyone)
        if seg is None:
            unlocated.append(site_id)
            b.edge(node, CORE, "assumed", operator=ops[k])
        else:
            joint = cables.split_at(seg, x, y, str(cables.op[seg]))
            b.edge(node, joint, "drop", operator=ops[k])
    return out, unlocated


def _core_edges(
    b: _Builder,
    info: pd.DataFrame,
    equipment: dict[str, int],
    kinds: dict[str, str],
    settings: ResilienceSettings,
) -> None:
    """Join the core points to :data:`CORE`: backbone cables, ``pop`` nodes, else OLTs."""
    core: dict[str, set[int]] = defaultdict(set)
    operators = set(info["operator"]) if len(info) else set()
    for row in b.rows:
        if row["kind"] == "route" and row["level"] in settings.core_levels:
            core[str(row["operator"])].update((int(row["u"]), int(row["v"])))  # type: ignore[call-overload]
    ops_of = {n: op for (op, _, _), n in b.keys.items()}
    for node_id, node in equipment.items():
        op = ops_of.get(node, "")
        operators.add(op)
        if kinds[node_id] in settings.core_node_kinds:
            core[op].add(node)
    for node_id, node in equipment.items():
        op = ops_of.get(node, "")
        if not core.get(op) and kinds[node_id] == "olt":
            core.setdefault(f"olt:{op}", set()).add(node)
    for nodes in core.values():
        for node in sorted(nodes):
            b.edge(node, CORE, "core")
