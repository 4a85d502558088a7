"""The road network (real major roads and synthetic local roads) and the power lines.

Road ids starting with ``M`` are pieces of the real major roads, cut to the province
plus a margin and split where local roads join; ids starting with ``S`` are synthetic
local roads: a spanning tree over each commune's villages (tracks to villages without
electricity), links from villages near a major road, and district roads over the
commune centres and the pieces of the major network. The network is checked to be
connected. The real power lines are cut to the province plus the same margin.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from geodata.crs import STORE_CRS, WORK_CRS
from hatangso.demo.common import Floats, Ints, Layers, make_frame
from hatangso.demo.context import Base, Context

__all__ = ["step_power_lines", "step_roads"]

_NODE_TOL_M: Final = 0.01
_MAJOR_SNAP_M: Final = 30.0
_LINE_MARGIN_M: Final = 500.0  # real lines are kept up to this far outside the province
_VILLAGE_LINK_M: Final = 1000.0
_CENTRE_LINK_M: Final = 3000.0
_MIN_LINK_M: Final = 5.0


# ---------------------------------------------------------------------------------- roads


def step_roads(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Build ``roads``: the major roads cut and noded, plus local roads to every village."""
    rng = ctx.rng("roads")
    major = _clip_lines(ctx.base, ctx.base.major_roads)
    major_lines = _snap_major_ends(
        [shapely.get_coordinates(g) for g in major.geometry], _MAJOR_SNAP_M
    )
    major_pieces = _node_lines(major_lines)
    labels = _component_labels([p for _, p in major_pieces])
    comp_of_line = np.zeros(len(major_lines), dtype=np.int64)
    for (src, _), label in zip(major_pieces, labels, strict=True):
        comp_of_line[src] = label
    major_geoms = [LineString(c) for c in major_lines]

    villages = layers["villages"]
    vxy = shapely.get_coordinates(villages.to_crs(WORK_CRS).geometry.to_numpy())
    local = _LocalRoads()
    _commune_roads(villages, vxy, local, rng)
    _village_links(villages, vxy, major_geoms, local)
    _district_roads(villages, vxy, major_geoms, comp_of_line, local)

    all_lines = [*major_lines, *local.lines]
    pieces = _node_lines(all_lines)
    n_major = len(major_lines)
    n_comp = int(_component_labels([p for _, p in pieces]).max()) + 1
    if n_comp != 1:
        msg = f"Internal error: the demo road network has {n_comp} components, expected 1."
        raise RuntimeError(msg)
    road_class = [*major["class"], *local.classes]
    road_name = [*major["name"], *([None] * len(local.lines))]
    records: list[dict[str, object]] = []
    n_m = n_s = 0
    for src, _ in pieces:
        if src < n_major:
            n_m += 1
            rid = f"M{n_m:04d}"
        else:
            n_s += 1
            rid = f"S{n_s:05d}"
        records.append({"road_id": rid, "class": road_class[src], "name": road_name[src]})
    geoms = [LineString(p) for _, p in pieces]
    roads = make_frame(records, ["road_id", "class", "name"], geoms, WORK_CRS).to_crs(STORE_CRS)
    length_km = float(sum(g.length for g in geoms)) / 1000.0
    ctx.progress(
        f"roads: {len(roads)} segments, {length_km:.0f} km ({n_m} real, {n_s} synthetic), connected"
    )
    return {"roads": roads}


# ----------------------------------------------------------------------- noding the lines


def _split_coords(coords: Floats, cuts: Sequence[tuple[float, float]]) -> list[Floats]:
    """Split a polyline at ``cuts``, inserting each cut point exactly as a shared vertex."""
    if not cuts:
        return [coords]
    pts = np.unique(np.array(cuts, dtype=np.float64), axis=0)
    dist = shapely.line_locate_point(LineString(coords), shapely.points(pts))
    seg = np.hypot(*np.diff(coords, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(seg)])
    ev_d = np.concatenate([along, dist])
    ev_cut = np.concatenate([np.zeros(len(coords)), np.ones(len(pts))])
    ev_xy = np.vstack([coords, pts])
    pieces: list[Floats] = []
    current: list[tuple[float, float]] = []
    for k in np.lexsort((ev_cut, ev_d)):
        point = (float(ev_xy[k, 0]), float(ev_xy[k, 1]))
        if not current or current[-1] != point:
            current.append(point)
        if ev_cut[k]:
            if len(current) >= 2:
                pieces.append(np.array(current))
            current = [point]
    if len(current) >= 2:
        pieces.append(np.array(current))
    return pieces


def _points_of(geom: BaseGeometry) -> Iterator[tuple[float, float]]:
    if geom.is_empty:
        return
    if isinstance(geom, Point):
        yield (geom.x, geom.y)
    elif isinstance(geom, LineString):
        coords = np.asarray(geom.coords)
        yield (float(coords[0, 0]), float(coords[0, 1]))
        yield (float(coords[-1, 0]), float(coords[-1, 1]))
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _points_of(part)


def _node_lines(lines: Sequence[Floats], tol: float = _NODE_TOL_M) -> list[tuple[int, Floats]]:
    """Split lines where they cross or where an end touches another line.

    Returns ``(index of the source line, piece coordinates)``; pieces meet at exactly
    equal coordinates, so a graph built from their end points is properly noded.
    """
    geoms = np.array([LineString(c) for c in lines], dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=tol)
    keep = left < right
    left, right = left[keep], right[keep]
    ends = np.array([[c[0], c[-1]] for c in lines], dtype=np.float64)  # (n, 2, 2)
    cuts: list[list[tuple[float, float]]] = [[] for _ in lines]
    for a_idx, b_idx in ((left, right), (right, left)):
        for end in (0, 1):
            pts = ends[a_idx, end]
            near = shapely.distance(shapely.points(pts), geoms[b_idx]) <= tol
            for b, p in zip(b_idx[near], pts[near], strict=True):
                if not ((ends[b] == p).all(axis=1)).any():
                    cuts[b].append((float(p[0]), float(p[1])))
    inter = shapely.intersection(geoms[left], geoms[right])
    for k in np.flatnonzero(~shapely.is_empty(inter)):
        i, j = int(left[k]), int(right[k])
        four = np.vstack([ends[i], ends[j]])
        for p in _points_of(inter[k]):
            if np.hypot(four[:, 0] - p[0], four[:, 1] - p[1]).min() > tol:
                cuts[i].append(p)
                cuts[j].append(p)
    return [
        (idx, piece)
        for idx, coords in enumerate(lines)
        for piece in _split_coords(coords, cuts[idx])
    ]


def _component_labels(pieces: Sequence[Floats]) -> Ints:
    """Label the connected component of each piece, numbered by first appearance."""
    ends = [((float(p[0, 0]), float(p[0, 1])), (float(p[-1, 0]), float(p[-1, 1]))) for p in pieces]
    components = nx.utils.UnionFind()
    for a, b in ends:
        components.union(a, b)
    numbering: dict[tuple[float, float], int] = {}
    return np.array(
        [numbering.setdefault(components[a], len(numbering)) for a, _ in ends], dtype=np.int64
    )


def _snap_major_ends(lines: list[Floats], tol: float) -> list[Floats]:
    """Move road ends that stop short of (or overshoot onto) another road onto it."""
    out = [c.copy() for c in lines]
    for i in range(len(out)):
        for end in (0, -1):
            point = Point(out[i][end])
            others = [j for j in range(len(out)) if j != i]
            dists = [LineString(out[j]).distance(point) for j in others]
            if not dists:
                continue
            k = int(np.argmin(dists))
            if 0.0 < dists[k] <= tol:
                target = LineString(out[others[k]])
                snapped = shapely.line_interpolate_point(
                    target, shapely.line_locate_point(target, point)
                )
                out[i][end] = np.asarray(snapped.coords[0])
    return out


def _nearest_on(lines: Sequence[LineString], point: Floats) -> tuple[int, Floats]:
    pt = Point(point)
    k = int(np.argmin(shapely.distance(np.array(lines, dtype=object), pt)))
    line = lines[k]
    snapped = shapely.line_interpolate_point(line, shapely.line_locate_point(line, pt))
    return k, np.asarray(snapped.coords[0], dtype=np.float64)


@dataclass
# ---------------------------------------------------------------------------- local roads


class _LocalRoads:
    lines: list[Floats] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)

    def add(self, coords: Floats, road_class: str) -> None:
        self.lines.append(np.asarray(coords, dtype=np.float64))
        self.classes.append(road_class)


def _track(a: Floats, b: Floats, rng: np.random.Generator) -> Floats:
    """Return a mountain track from ``a`` to ``b``: one bend, 2–4 % longer than straight."""
    d = b - a
    normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
    mid = (a + b) / 2 + normal * float(np.hypot(*d)) * rng.uniform(0.1, 0.14) * rng.choice(
        [-1.0, 1.0]
    )
    return np.vstack([a, mid, b])


def _spanning_tree(dist: Floats) -> list[tuple[int, int]]:
    """Return the edges of a minimum spanning tree of a dense distance matrix.

    The edges come in the order Prim's algorithm adds them, from node 0, each as
    ``(node in the tree, new node)``: the local roads are drawn (and numbered, and
    their tracks bent) in that order, so Kruskal's order (networkx's default) would
    give another demo. Zero distances are edges too (``from_numpy_array`` drops them).
    """
    n = dist.shape[0]
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(
        (i, j, float(dist[i, j])) for i in range(n) for j in range(i + 1, n)
    )
    edges = nx.minimum_spanning_edges(graph, algorithm="prim", data=False)
    return [(int(a), int(b)) for a, b in edges]


def _commune_roads(
    villages: gpd.GeoDataFrame, vxy: Floats, local: _LocalRoads, rng: np.random.Generator
) -> None:
    """Commune roads: a minimum spanning tree over each commune's villages."""
    powered = villages["has_electricity"].to_numpy(dtype=bool)
    commune_ids = villages["commune_id"].to_numpy(dtype=str)
    for commune_id in sorted(set(commune_ids)):
        idx = np.flatnonzero(commune_ids == commune_id)
        pts = vxy[idx]
        dist = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
        for a, b in _spanning_tree(dist):
            ia, ib = idx[a], idx[b]
            if powered[ia] and powered[ib]:
                local.add(np.vstack([vxy[ia], vxy[ib]]), "commune")
            else:
                local.add(_track(vxy[ia], vxy[ib], rng), "track")


def _village_links(
    villages: gpd.GeoDataFrame, vxy: Floats, major_geoms: Sequence[LineString], local: _LocalRoads
) -> None:
    """Village roads from villages close to a major road straight onto it."""
    if not major_geoms:
        return
    union = shapely.union_all(major_geoms)
    dist = shapely.distance(shapely.points(vxy), union)
    eligible = (
        villages["has_electricity"].to_numpy(dtype=bool)
        & ~villages["is_commune_centre"].to_numpy(dtype=bool)
        & (dist > _MIN_LINK_M)
        & (dist <= _VILLAGE_LINK_M)
    )
    for i in np.flatnonzero(eligible):
        _, target = _nearest_on(major_geoms, vxy[i])
        local.add(np.vstack([vxy[i], target]), "village")


def _district_roads(
    villages: gpd.GeoDataFrame,
    vxy: Floats,
    major_geoms: Sequence[LineString],
    comp_of_line: Ints,
    local: _LocalRoads,
) -> None:
    """District roads: a spanning tree over commune centres and the major-road pieces.

    Each connected piece of the major network is one node; a centre joins it at its
    nearest point. Centres within a few kilometres of a major road also get a direct
    link, which adds loops.
    """
    centres = vxy[villages["is_commune_centre"].to_numpy(dtype=bool)]
    n_c = len(centres)
    comps = [
        [major_geoms[int(k)] for k in np.flatnonzero(comp_of_line == c)]
        for c in range(len(set(comp_of_line.tolist())))
    ]
    comp_geoms = np.array([shapely.MultiLineString(c) for c in comps], dtype=object)
    n = n_c + len(comps)
    dist = np.zeros((n, n))
    dist[:n_c, :n_c] = np.hypot(
        centres[:, None, 0] - centres[None, :, 0], centres[:, None, 1] - centres[None, :, 1]
    )
    pts = shapely.points(centres)
    if comps:
        dist[:n_c, n_c:] = shapely.distance(pts[:, None], comp_geoms[None, :])
        dist[n_c:, :n_c] = dist[:n_c, n_c:].T
        dist[n_c:, n_c:] = shapely.distance(comp_geoms[:, None], comp_geoms[None, :])
    linked: set[tuple[int, int]] = set()
    for a, b in _spanning_tree(dist):
        u, v = min(a, b), max(a, b)
        if v < n_c:
            local.add(np.vstack([centres[u], centres[v]]), "district")
        elif u < n_c:
            _, target = _nearest_on(comps[v - n_c], centres[u])
            if dist[u, v] > 0:
                local.add(np.vstack([centres[u], target]), "district")
            linked.add((u, v - n_c))
        else:
            link = shapely.shortest_line(comp_geoms[u - n_c], comp_geoms[v - n_c])
            if link.length > 0:
                local.add(shapely.get_coordinates(link), "district")
    if not major_geoms:
        return
    for u in range(n_c):
        c = int(np.argmin(dist[u, n_c:]))
        if (u, c) not in linked and _MIN_LINK_M < dist[u, n_c + c] <= _CENTRE_LINK_M:
            _, target = _nearest_on(comps[c], centres[u])
            local.add(np.vstack([centres[u], target]), "district")


# ---------------------------------------------------------------------------- power lines


def _clip_lines(base: Base, lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``lines`` in metres, cut to the province plus a margin, as LineStrings."""
    zone = base.province.to_crs(WORK_CRS).geometry.iloc[0].buffer(_LINE_MARGIN_M)
    utm = lines.to_crs(WORK_CRS)
    parts = utm.set_geometry(utm.geometry.intersection(zone)).explode(index_parts=False)
    keep = (parts.geom_type == "LineString") & (parts.geometry.length > 1.0)
    return parts[keep].reset_index(drop=True)


def step_power_lines(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Build ``power_lines``: the real lines cut to the province plus a margin."""
    del layers
    lines = _clip_lines(ctx.base, ctx.base.power_lines)
    out = gpd.GeoDataFrame(
        {
            "line_id": [f"PL{k + 1:03d}" for k in range(len(lines))],
            "voltage_kv": lines["voltage_kv"].to_numpy(dtype=np.float64),
        },
        geometry=lines.geometry.to_numpy(),
        crs=WORK_CRS,
    ).to_crs(STORE_CRS)
    ctx.progress(f"power lines: {len(out)}")
    return {"power_lines": out}
