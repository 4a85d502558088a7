"""The fiber network of the first period (``fiber_routes``, ``fiber_nodes``), calibrated.

The VNPT and Viettel backbones run along the real major roads (road ids ``M…``),
distribution cables from the backbone to every commune centre and access cables from
there into the villages, all routed on the road graph (shortest paths); FPT has a small
network in the towns of Quy Nhơn and An Nhơn. OLTs sit at commune centres, ODFs near
district centres, splice closures where a distribution cable leaves the backbone,
splitters where an access cable ends in a village.

:func:`coverage.fiber.fiber_reach` decides which villages and households the cables
reach. The villages left without fiber are chosen first (``ZONE_M`` keeps every
cable away from them); the household figure is approached by a bisection over how many
access cables stop at the edge of the village they serve (up to 450 m before its
centre) instead of running into it. Whether it can be met depends on the clusters
layer: when even the sparsest such network reaches more households than the target,
the step keeps that network and logs a warning with the figure reached.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from coverage.fiber import fiber_reach
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import STORE_CRS, WORK_CRS
from hatangso.demo.common import (
    FIBER_OPERATORS,
    OPERATOR_CODE,
    Edge,
    Floats,
    Layers,
    Node,
    coords_of,
    district_of,
    point_geoms,
)
from hatangso.demo.context import Context, commune_style
from hatangso.demo.road_graph import (
    ZONE_M,
    Roads,
    cut_off,
    edges_near,
    keep_dark,
    node_key,
    path_coords,
    path_lines,
    road_graph,
)
from hatangso.demo.targets import NetworkTargets, targets_for

__all__ = ["FiberOut", "check_fiber", "household_share", "step_fiber_network"]

log = logging.getLogger(__name__)

_LEVEL_CODE: Final[dict[str, str]] = {"backbone": "BB", "distribution": "DS", "access": "AC"}
_TRIM_M: Final = 450.0  # an access cable may stop this far (along the road) before a village
_MAX_UNREACHED_PER_COMMUNE: Final = 2


# rural access: probability that a village is served by VNPT only, Viettel only (else both)
_ACCESS_SPLIT: Final[dict[str, tuple[float, float]]] = {
    "ward": (0.0, 0.0),
    "town": (0.1, 0.1),
    "lowland": (0.35, 0.35),
    "mountain": (0.5, 0.5),
}


# ------------------------------------------------------------------------------- the step


def step_fiber_network(ctx: Context, layers: Mapping[str, gpd.GeoDataFrame]) -> Layers:
    """Build ``fiber_routes`` and ``fiber_nodes``, calibrated to the published status.

    Parameters
    ----------
    ctx
        The demo's build context (seeded generators, base layers, progress).
    layers
        The layers built so far: ``admin_units``, ``villages``, ``clusters``, ``roads``
        and ``priority_places`` are used.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``fiber_routes`` (route_id, operator, level; LineString) and ``fiber_nodes``
        (node_id, operator, kind; Point), in EPSG:4326.

    Raises
    ------
    RuntimeError
        If the network does not meet the village and commune targets (a generator bug
        or base layers unlike the demo's).
    """
    settings = DEFAULT_SETTINGS
    admin = layers["admin_units"]
    targets = targets_for(admin)
    villages = layers["villages"].to_crs(WORK_CRS)
    clusters = layers["clusters"].to_crs(WORK_CRS)
    vxy = coords_of(villages)
    roads = road_graph(layers["roads"].to_crs(WORK_CRS))
    district = district_of(admin)
    style = commune_style(ctx.base)
    unreached, removed = _choose_unreached(
        villages, vxy, roads, district, targets, ctx.rng("fiber", "unreached")
    )
    plan = _plan_fiber(villages, vxy, roads, unreached, removed)
    share = _calibrate_households(
        plan, clusters, targets, settings, ctx.rng("fiber", "households"), ctx.progress
    )

    out = FiberOut()
    _backbone(out, roads, FIBER_OPERATORS)
    owners = _fiber_operators(villages, style, district, targets, ctx.rng("fiber", "operators"))
    commune_of = dict(
        zip(villages["village_id"].astype(str), villages["commune_id"].astype(str), strict=True)
    )
    admin_utm = admin.to_crs(WORK_CRS)
    places = layers["priority_places"].to_crs(WORK_CRS)
    for op in FIBER_OPERATORS:
        network = _distribution(out, plan, op, plan.dist_paths)
        _odfs(out, op, network, places, admin_utm)
        _access(out, plan, op, owners[op])
    if owners["FPT"]:
        served = {commune_of[v] for v in owners["FPT"]}
        feeding = _feeding_communes(plan, owners["FPT"], commune_of)
        _distribution(out, plan, "FPT", feeding, served)
        _access(out, plan, "FPT", owners["FPT"])

    routes = gpd.GeoDataFrame(
        pd.DataFrame(out.routes, columns=["route_id", "operator", "level"]),
        geometry=out.route_geoms,
        crs=WORK_CRS,
    )
    nodes = gpd.GeoDataFrame(
        pd.DataFrame(out.nodes, columns=["node_id", "operator", "kind"]),
        geometry=point_geoms(np.array(out.node_xy).reshape(-1, 2)),
        crs=WORK_CRS,
    )
    check_fiber(villages, routes, nodes, unreached, settings)
    km = routes.assign(km=routes.length / 1000.0).groupby("level")["km"].sum()
    reached = len(villages) - len(unreached)
    ctx.progress(
        f"fiber: {len(routes)} routes (all operators: "
        + ", ".join(f"{level} {km.get(level, 0.0):.0f} km" for level in _LEVEL_CODE)
        + f"), {len(nodes)} nodes; villages reached {reached}/{len(villages)}, "
        f"households {share:.1f} %"
    )
    return {"fiber_routes": routes.to_crs(STORE_CRS), "fiber_nodes": nodes.to_crs(STORE_CRS)}


def check_fiber(
    villages: gpd.GeoDataFrame,
    routes: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    unreached: Sequence[int],
    settings: CoverageSettings,
) -> None:
    """Raise unless exactly the chosen villages are without fiber, every commune has it."""
    reach = fiber_reach(villages, routes, nodes, settings=settings)
    reached = reach["fiber_reached"].to_numpy(dtype=bool)
    expected = np.ones(len(villages), dtype=bool)
    expected[list(unreached)] = False
    problems: list[str] = []
    if not np.array_equal(reached, expected):
        problems.append(f"{int((reached != expected).sum())} villages off their fiber status")
    distance = reach["fiber_distance_m"].to_numpy()
    if (distance[~expected] < ZONE_M).any():
        problems.append(f"fiber within {ZONE_M:.0f} m of a village left without it")
    if problems:
        msg = "Internal error, the demo fiber network misses its targets: " + "; ".join(problems)
        raise RuntimeError(msg)


@dataclass
# -------------------------------------------------------------------- where the cables go


class _FiberPlan:
    """The fiber network in the making: graph paths and how far each is built."""

    roads: Roads
    dist_paths: dict[str, list[Node]]  # commune id -> path from the backbone to its centre
    access_paths: dict[str, list[Node]]  # village id -> path from the distribution network
    trims: dict[str, float] = field(default_factory=dict)  # village id -> metres left out

    def extents(self, village_ids: Iterable[str]) -> dict[Edge, float]:
        """Return, per directed access edge, how many metres of it are built from its start."""
        out: dict[Edge, float] = {}
        for vid in village_ids:
            path = self.access_paths[vid]
            lengths = [self.roads.edge_length(a, b) for a, b in itertools.pairwise(path)]
            keep = sum(lengths) - self.trims.get(vid, 0.0)
            done = 0.0
            for (a, b), length in zip(itertools.pairwise(path), lengths, strict=True):
                if keep <= done:
                    break
                used = min(length, keep - done)
                out[a, b] = max(out.get((a, b), 0.0), used)
                done += length
        return out


def _choose_unreached(  # noqa: PLR0913
    villages: gpd.GeoDataFrame,
    vxy: Floats,
    roads: Roads,
    district: Mapping[str, str],
    targets: NetworkTargets,
    rng: np.random.Generator,
) -> tuple[list[int], set[Edge]]:
    """Choose the villages left without fiber and the road segments that must stay dark.

    Villages without electricity always stay without fiber (:func:`keep_dark`);
    ``targets.unreached_by_district`` more are picked among the remote villages of
    those districts (far from the next village, seeded jitter), each only when every
    other village can still be reached without coming within ``ZONE_M`` of it.

    Returns
    -------
    tuple
        The villages left without fiber (positions, sorted) and the road edges kept free.
    """
    keys = [node_key(*p) for p in vxy]
    powered = villages["has_electricity"].to_numpy(dtype=bool)
    centre = villages["is_commune_centre"].to_numpy(dtype=bool)
    commune = villages["commune_id"].astype(str).to_numpy()
    in_district = np.array([district.get(c, "") for c in commune])
    chosen, removed = keep_dark(villages, vxy, roads)
    pts = np.asarray(point_geoms(vxy), dtype=object)
    (src, _), dist = shapely.STRtree(pts).query_nearest(
        pts, return_distance=True, exclusive=True, all_matches=False
    )
    nearest = np.full(len(vxy), np.inf)
    nearest[src] = dist  # distance to the nearest other village
    for dist_id, quota in sorted(targets.unreached_by_district.items()):
        pool = np.flatnonzero(powered & ~centre & (in_district == dist_id))
        score = nearest[pool] * rng.uniform(0.6, 1.4, len(pool))
        picked = 0
        for i in pool[np.argsort(-score, kind="stable")]:
            full = sum(commune[j] == commune[i] for j in chosen) >= _MAX_UNREACHED_PER_COMMUNE
            if picked == quota or full:
                continue
            trial = removed | edges_near(roads, vxy[i], ZONE_M)
            others = [keys[j] for j in range(len(keys)) if j != i and j not in chosen]
            if not cut_off(roads, trial, others):
                chosen.append(int(i))
                removed = trial
                picked += 1
        if picked < quota:
            msg = (
                f"Cannot leave {quota} villages of district {dist_id} without fiber while "
                f"reaching the others (found {picked})."
            )
            raise RuntimeError(msg)
    return sorted(chosen), removed


def _plan_fiber(
    villages: gpd.GeoDataFrame,
    vxy: Floats,
    roads: Roads,
    unreached: Sequence[int],
    removed: set[Edge],
) -> _FiberPlan:
    """Route distribution cables to every commune centre and access cables to the villages."""
    view = nx.restricted_view(roads.graph, [], list(removed))
    keys = [node_key(*p) for p in vxy]
    sources = sorted(n for n in roads.major_nodes if view.has_node(n) and view.degree(n) > 0)
    _, back = nx.multi_source_dijkstra(view, sources, weight="length")
    centre = villages["is_commune_centre"].to_numpy(dtype=bool)
    commune = villages["commune_id"].astype(str).to_numpy()
    dist_paths = {
        str(commune[i]): list(back[keys[i]]) for i in np.flatnonzero(centre) if keys[i] in back
    }
    network = sorted({n for path in dist_paths.values() for n in path})
    _, paths = nx.multi_source_dijkstra(view, network, weight="length")
    skip = set(unreached)
    ids = villages["village_id"].astype(str).to_numpy()
    access = {str(ids[i]): list(paths[keys[i]]) for i in range(len(ids)) if i not in skip}
    return _FiberPlan(roads, dist_paths, access)


def _leaves(plan: _FiberPlan) -> list[str]:
    """Villages at the end of an access cable: no other village's cable runs through them."""
    through = {n for path in plan.access_paths.values() for n in path[:-1]}
    return sorted(
        vid for vid, path in plan.access_paths.items() if len(path) > 1 and path[-1] not in through
    )


def _union_lines(plan: _FiberPlan, extents: Mapping[Edge, float]) -> list[LineString]:
    """All eligible cables (distribution and access) of all operators, as lines."""
    full = {
        (a, b): plan.roads.edge_length(a, b)
        for path in plan.dist_paths.values()
        for a, b in itertools.pairwise(path)
    }
    out = [LineString(xy) for _, xy in path_lines(plan.roads, plan.dist_paths, full)]
    out += [LineString(xy) for _, xy in path_lines(plan.roads, plan.access_paths, extents)]
    return out


def household_share(
    lines: Sequence[LineString], clusters: gpd.GeoDataFrame, settings: CoverageSettings
) -> float:
    """Share of households (percent) whose cluster the cables reach, by fiber_reach."""
    routes = gpd.GeoDataFrame(
        {"operator": ["all"] * len(lines), "level": ["access"] * len(lines)},
        geometry=list(lines),
        crs=WORK_CRS,
    )
    reached = fiber_reach(clusters, routes, None, settings=settings)["fiber_reached"]
    hh = clusters["households"].to_numpy(dtype=np.int64)
    return 100.0 * float(hh[reached.to_numpy(dtype=bool)].sum()) / max(int(hh.sum()), 1)


def _calibrate_households(  # noqa: PLR0913
    plan: _FiberPlan,
    clusters: gpd.GeoDataFrame,
    targets: NetworkTargets,
    settings: CoverageSettings,
    rng: np.random.Generator,
    report: Callable[[str], None],
) -> float:
    """Choose which access cables stop at the edge of their village (sets ``plan.trims``).

    The leaves are taken in a seeded random order; the first ``k`` of them stop
    ``_TRIM_M`` before the village centre. The reached share falls as ``k`` grows, so
    ``k`` is found by bisection on the share that :func:`fiber_reach` measures.

    Returns
    -------
    float
        The share of households reached, percent.
    """
    villages = list(plan.access_paths)

    def share(k: int) -> float:
        plan.trims = dict.fromkeys(order[:k], _TRIM_M)
        return household_share(_union_lines(plan, plan.extents(villages)), clusters, settings)

    leaves = _leaves(plan)
    order = [leaves[int(i)] for i in rng.permutation(len(leaves))]
    target = targets.households_fiber_pct
    if target is None:
        return share(0)
    lo, hi = 0, len(order)
    f_lo, f_hi = share(lo), share(hi)
    if f_hi > target + targets.households_tolerance_pct:
        report(
            f"fiber: households reached cannot go below {f_hi:.1f} % with these clusters "
            f"(target {target:.1f} %); every access cable stops at the village edge"
        )
        log.warning(
            "fiber: household target %.1f %% not reachable; the sparsest network reaches %.2f %%",
            target,
            f_hi,
        )
        return f_hi
    if f_lo <= target:
        return share(0)
    while hi - lo > 1:  # invariant: share(lo) > target >= share(hi)
        mid = (lo + hi) // 2
        f_mid = share(mid)
        if f_mid > target:
            lo, f_lo = mid, f_mid
        else:
            hi, f_hi = mid, f_mid
    k = lo if abs(f_lo - target) < abs(f_hi - target) else hi
    return share(k)


def _fiber_operators(
    villages: gpd.GeoDataFrame,
    style: Mapping[str, str],
    district: Mapping[str, str],
    targets: NetworkTargets,
    rng: np.random.Generator,
) -> dict[str, set[str]]:
    """Return operator -> the villages whose access cable it owns (every village has one)."""
    out: dict[str, set[str]] = {op: set() for op in (*FIBER_OPERATORS, "FPT")}
    ids = villages["village_id"].astype(str).to_numpy()
    communes = villages["commune_id"].astype(str).to_numpy()
    draws = rng.random(len(ids))
    for vid, commune, u in zip(ids, communes, draws, strict=True):
        only_vnpt, only_viettel = _ACCESS_SPLIT[style.get(commune, "lowland")]
        if u < only_vnpt:
            out["VNPT"].add(vid)
        elif u < only_vnpt + only_viettel:
            out["Viettel"].add(vid)
        else:
            out["VNPT"].add(vid)
            out["Viettel"].add(vid)
        if district.get(commune) in targets.fpt_districts and style.get(commune) in {
            "ward",
            "town",
        }:
            out["FPT"].add(vid)
    return out


@dataclass
# --------------------------------------------------------------------- drawing the cables


class FiberOut:
    """Fiber routes and nodes in the making (metres); a node is added once per place and kind."""

    routes: list[dict[str, object]] = field(default_factory=list)
    route_geoms: list[LineString] = field(default_factory=list)
    nodes: list[dict[str, object]] = field(default_factory=list)
    node_xy: list[Floats] = field(default_factory=list)
    _node_seen: set[tuple[str, str, Node]] = field(default_factory=set)

    def route(self, route_id: str, operator: str, level: str, xy: Floats) -> None:
        """Add a route along ``xy``."""
        self.routes.append({"route_id": route_id, "operator": operator, "level": level})
        self.route_geoms.append(LineString(xy))

    def node(self, node_id: str, operator: str, kind: str, xy: Floats) -> None:
        """Add a node at ``xy`` unless the operator has one of that kind there already."""
        key = (operator, kind, node_key(*xy))
        if key in self._node_seen:
            return
        self._node_seen.add(key)
        self.nodes.append({"node_id": node_id, "operator": operator, "kind": kind})
        self.node_xy.append(np.asarray(xy, dtype=np.float64))


def _backbone(out: FiberOut, roads: Roads, operators: Sequence[str]) -> None:
    """Backbone cables along the real major roads, merged into continuous lines."""
    rows = np.flatnonzero(roads.major)
    if not len(rows):
        return
    merged = shapely.line_merge(shapely.MultiLineString([roads.coords[r] for r in rows]))
    parts = list(getattr(merged, "geoms", [merged]))
    parts.sort(key=lambda g: (round(g.coords[0][0], 2), round(g.coords[0][1], 2)))
    for op in operators:
        for k, part in enumerate(parts, start=1):
            out.route(f"{OPERATOR_CODE[op]}-BB-{k:03d}", op, "backbone", np.asarray(part.coords))


def _distribution(
    out: FiberOut,
    plan: _FiberPlan,
    operator: str,
    communes: Iterable[str],
    olt_communes: Iterable[str] | None = None,
) -> set[Node]:
    """Distribution cables of one operator to the centres of ``communes``; their nodes.

    An OLT stands at the centre of each of ``olt_communes`` (default: ``communes``), a
    splice closure where a cable leaves the backbone or another cable elsewhere.
    """
    paths = {c: plan.dist_paths[c] for c in sorted(communes) if c in plan.dist_paths}
    with_olt = set(paths if olt_communes is None else olt_communes)
    full = {
        (a, b): plan.roads.edge_length(a, b)
        for path in paths.values()
        for a, b in itertools.pairwise(path)
    }
    code = OPERATOR_CODE[operator]
    olts = {node_key(*path[-1]) for c, path in paths.items() if c in with_olt}
    for commune, path in paths.items():
        if commune in with_olt:
            out.node(f"{code}-OLT-{commune}", operator, "olt", np.asarray(path[-1]))
    for commune, xy in path_lines(plan.roads, paths, full):
        out.route(f"{code}-DS-{commune}", operator, "distribution", xy)
        if node_key(*xy[0]) not in olts:  # a cable leaving an OLT site is spliced there
            out.node(f"{code}-CL-{commune}", operator, "closure", xy[0])
    return {n for path in paths.values() for n in path}


def _feeding_communes(
    plan: _FiberPlan, village_ids: Iterable[str], commune_of: Mapping[str, str]
) -> set[str]:
    """Communes whose distribution cables an operator needs to feed ``village_ids``.

    That is the villages' own communes plus, for an access cable that starts on another
    commune's distribution cable, that commune.
    """
    ids = sorted(v for v in village_ids if v in plan.access_paths)
    out = {commune_of[v] for v in ids}
    on_path: dict[Node, str] = {}
    for commune in sorted(plan.dist_paths, reverse=True):  # the smallest id wins
        for node in plan.dist_paths[commune]:
            on_path[node] = commune
    for vid in ids:
        start = plan.access_paths[vid][0]
        if not any(start in plan.dist_paths[c] for c in out if c in plan.dist_paths):
            out.add(on_path[start])
    return out


def _access(
    out: FiberOut,
    plan: _FiberPlan,
    operator: str,
    village_ids: Iterable[str],
) -> None:
    """Access cables of one operator to ``village_ids``, a splitter where each one ends."""
    ids = sorted(v for v in village_ids if v in plan.access_paths)
    extents = plan.extents(ids)
    paths = {v: plan.access_paths[v] for v in ids}
    code = OPERATOR_CODE[operator]
    ends: dict[str, Floats] = {}
    for vid, xy in path_lines(plan.roads, paths, extents):
        out.route(f"{code}-AC-{vid}", operator, "access", xy)
        ends[vid] = xy[-1]
    for vid in ids:
        path = plan.access_paths[vid]
        end = ends.get(vid)
        if end is None:  # on another cable: the splitter stands where that cable stops
            xy = path_coords(plan.roads, path, extents)
            end = xy[-1] if len(xy) else np.asarray(path[0])
        out.node(f"{code}-SPL-{vid}", operator, "splitter", end)


def _odfs(
    out: FiberOut,
    operator: str,
    network: set[Node],
    places: gpd.GeoDataFrame,
    admin: gpd.GeoDataFrame,
) -> None:
    """Add an ODF per district, at the node of the distribution network nearest its centre."""
    if not network:
        return
    nodes = np.array(sorted(network), dtype=np.float64)
    centres = places[places["kind"] == "district_centre"]
    districts = admin[admin["level"] == "district"]
    for geom in centres.geometry:
        inside = districts[districts.contains(geom)]
        if not len(inside):
            continue
        k = int(np.argmin(np.hypot(nodes[:, 0] - geom.x, nodes[:, 1] - geom.y)))
        out.node(
            f"{OPERATOR_CODE[operator]}-ODF-{inside['unit_id'].iloc[0]}", operator, "odf", nodes[k]
        )
