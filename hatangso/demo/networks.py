"""Synthetic fiber and mobile networks of the demo, calibrated to the published status.

Two build steps of :func:`geodata.demo.build_demo`, run after the base layers:

* :func:`step_fiber_network` makes ``fiber_routes`` and ``fiber_nodes``: the VNPT and
  Viettel backbones along the real major roads (road ids ``M…``), distribution cables
  from the backbone to every commune centre and access cables from there into the
  villages, all routed on a :mod:`networkx` graph of the demo's roads (shortest paths),
  so every cable follows road geometry; a small FPT network in the towns of Quy Nhơn
  and An Nhơn. OLTs sit at commune centres, ODFs near district centres, splice
  closures where a distribution cable leaves the backbone, splitters where an access
  cable ends in a village.
* :func:`step_mobile_sites` makes ``mobile_sites``: Viettel, VNPT (VinaPhone),
  MobiFone and Vietnamobile sites placed by households (denser in towns), with legacy
  2G/3G on part of them, sites added where a village still lacks 4G, and Viettel's
  five 5G pilot sites in Quy Nhơn.

Both steps calibrate with the real coverage functions and the default rules
(:data:`coverage.settings.DEFAULT_SETTINGS`), never by changing a rule:
:func:`coverage.fiber.fiber_reach` decides which villages and households the fiber
reaches and :func:`coverage.mobile.best_signal` (clutter from the WorldPop density
raster, no terrain) which villages have 4G. The targets are the province's published
mid-2024 status (:data:`PUBLISHED_MID_2024`): 1,161 of 1,176 villages with fiber, the
15 without it being làng O2 and 14 villages of An Lão, Vĩnh Thạnh and Vân Canh; 75 %
of households; 4G in every village but làng O2, where no site of any technology comes
within 3 dB of the coverage threshold and no cable within 1 km of the fiber reach.

The household figure is approached by a bisection over how many access cables stop at
the edge of the village they serve (up to 450 m before its centre) instead of running
into it. Whether it can be met depends on the clusters layer: when even the sparsest
such network reaches more households than the target, the step keeps that network and
logs a warning with the figure reached.

Thôn Canh Giao (xã Canh Hiệp, Vân Canh; grid power since April 2024) is served by an
18 m, two-sector Viettel 4G site on grid power, on air since June 2024, placed next to it
so that it is the best 4G server there (:data:`CANH_GIAO`).

:func:`step_later_networks` builds the network layers of the later period, the
province's published end-2024 status (:data:`PUBLISHED_END_2024`), from the first
period's: new access cables along the roads toward 7 of the 15 villages without fiber
(the shortest extensions, each by the operator whose network is nearest; nothing is
moved), leaving 8 villages without fiber in An Lão, Vĩnh Thạnh and Vân Canh, làng O2
among them; 1,168/1,176 villages is 99.3 % where the press says 99.2 %, and the demo
keeps the 8 villages, the list the department acts on. 4G stays as it was (every
village but làng O2) while a few sites per operator are added or decommissioned, and
Viettel adds 5G to its sites around every district centre (more than 70 5G sites).

Everything is drawn from generators keyed by the seed and the step (``ctx.rng``), so
the networks are reproducible and do not change the layers built before them.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from coverage.fiber import fiber_reach
from coverage.mobile import best_signal
from coverage.pathloss import bearing_deg
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.raster import Grid, grid_from_bytes
from geodata.store import LayerMeta

__all__ = [
    "CANH_GIAO",
    "LATER_META",
    "NETWORK_META",
    "PUBLISHED_END_2024",
    "PUBLISHED_MID_2024",
    "SAMPLE_LATER",
    "SAMPLE_TARGETS",
    "LaterTargets",
    "NetworkTargets",
    "StepContext",
    "later_targets_for",
    "step_fiber_network",
    "step_later_networks",
    "step_mobile_sites",
    "targets_for",
]

log = logging.getLogger(__name__)

_WORK_CRS: Final = "EPSG:32649"
_OUT_CRS: Final = "EPSG:4326"

_Floats = npt.NDArray[np.float64]
_Bools = npt.NDArray[np.bool_]
_Layers = dict[str, gpd.GeoDataFrame]
_Node = tuple[float, float]
_Edge = tuple[_Node, _Node]


# ------------------------------------------------------------------------------ context


class _BaseLike(Protocol):
    """What the network steps read from the demo's base layers."""

    @property
    def communes(self) -> gpd.GeoDataFrame:
        """Communes in EPSG:4326 with ``unit_id``, ``parent_id`` and ``style``."""

    @property
    def density_tif(self) -> bytes:
        """The population-density GeoTIFF (people per km²)."""


class StepContext(Protocol):
    """The part of the demo's build context a network step uses."""

    @property
    def base(self) -> _BaseLike:
        """The base layers."""

    @property
    def progress(self) -> Callable[[str], None]:
        """Reports a short message after the step."""

    def rng(self, *keys: str) -> np.random.Generator:
        """Return a generator keyed by the seed and ``keys``."""

    def domains(self) -> dict[str, BaseGeometry]:
        """Return, per commune, its part inside the province (metres, slightly inset)."""


# ------------------------------------------------------------------------------ targets


@dataclass(frozen=True)
class NetworkTargets:
    """What the synthetic networks are calibrated to.

    Attributes
    ----------
    unreached_by_district
        District code -> villages left without fiber there, besides the villages
        without electricity (which never get fiber).
    households_fiber_pct
        Share of households whose cluster fiber reaches, in percent; ``None`` to
        build the full access network without calibrating it.
    households_tolerance_pct
        Accepted distance from ``households_fiber_pct``, percentage points.
    site_counts
        Operator -> number of sites placed by households before the 4G gaps are
        filled, for the province's 434,379 households (scaled to the area's).
    five_g_places
        Priority places (``place_id``) next to which the 5G pilot sites stand.
    five_g_operator
        The operator of the 5G pilot.
    fpt_districts
        Districts whose towns and wards get FPT's small fiber network.
    """

    unreached_by_district: Mapping[str, int]
    households_fiber_pct: float | None
    households_tolerance_pct: float = 0.5
    site_counts: Mapping[str, int] = field(
        default_factory=lambda: {
            "Viettel": 980,
            "VNPT": 680,
            "MobiFone": 580,
            "Vietnamobile": 150,
        }
    )
    five_g_places: tuple[str, ...] = ()
    five_g_operator: str = "Viettel"
    fpt_districts: tuple[str, ...] = ()


PUBLISHED_MID_2024: Final = NetworkTargets(
    unreached_by_district={"542": 5, "546": 4, "551": 5},  # An Lão, Vĩnh Thạnh, Vân Canh
    households_fiber_pct=75.0,
    five_g_places=("DC540", "HO01", "SC01", "TO08", "IP01"),
    fpt_districts=("540", "549"),  # Quy Nhơn, An Nhơn
)
"""The province's published mid-2024 status (98.7 % of villages, 75 % of households)."""

SAMPLE_TARGETS: Final = NetworkTargets(unreached_by_district={}, households_fiber_pct=None)
"""The synthetic sample area: every village with electricity gets fiber and 4G."""

_PROVINCE_ID: Final = "52"
_PROVINCE_HOUSEHOLDS: Final = 434_379


def targets_for(admin_units: gpd.GeoDataFrame) -> NetworkTargets:
    """Return the targets of the area: the published status for Bình Định, else the sample's.

    Parameters
    ----------
    admin_units
        The ``admin_units`` layer of the demo.

    Returns
    -------
    NetworkTargets
    """
    province = admin_units.loc[admin_units["level"] == "province", "unit_id"].astype(str)
    return PUBLISHED_MID_2024 if _PROVINCE_ID in set(province) else SAMPLE_TARGETS


# --------------------------------------------------------------------------- constants

_FIBER_OPERATORS: Final = ("VNPT", "Viettel")
_MOBILE_OPERATORS: Final = ("Viettel", "VNPT", "MobiFone", "Vietnamobile")
_CODE: Final[dict[str, str]] = {
    "VNPT": "VNPT",
    "Viettel": "VTL",
    "FPT": "FPT",
    "MobiFone": "MBF",
    "Vietnamobile": "VNM",
}
_LEVEL_CODE: Final[dict[str, str]] = {"backbone": "BB", "distribution": "DS", "access": "AC"}

_KEY_DECIMALS: Final = 2  # graph nodes: road ends rounded to 1 cm
_ZONE_M: Final = 600.0  # no eligible cable this close to a village left without fiber
# ... nor this close to a village without electricity (the first that leaves the others
# reachable; in the province, 1.5 km: 1 km beyond the fiber reach)
_DARK_ZONES_M: Final = (1500.0, 1200.0, 1000.0, 800.0, _ZONE_M)
_TRIM_M: Final = 450.0  # an access cable may stop this far (along the road) before a village
_MAX_UNREACHED_PER_COMMUNE: Final = 2
_RSRP_MARGIN_DB: Final = 3.0  # dark villages stay this far below every threshold
_RSRP_SAFETY_DB: Final = 0.5  # ... and the generator keeps this much more in hand

# rural access: probability that a village is served by VNPT only, Viettel only (else both)
_ACCESS_SPLIT: Final[dict[str, tuple[float, float]]] = {
    "ward": (0.0, 0.0),
    "town": (0.1, 0.1),
    "lowland": (0.35, 0.35),
    "mountain": (0.5, 0.5),
}

# technology mix per operator, mid-2024: most sites 4G, legacy 2G/3G on part of them
_TECH_MIX: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "Viettel": (("2G,3G,4G", 0.40), ("2G,4G", 0.15), ("3G,4G", 0.15), ("4G", 0.30)),
    "VNPT": (("2G,3G,4G", 0.35), ("3G,4G", 0.25), ("4G", 0.35), ("2G,3G", 0.05)),
    "MobiFone": (("2G,3G,4G", 0.35), ("3G,4G", 0.20), ("4G", 0.35), ("2G,3G", 0.10)),
    "Vietnamobile": (("2G,3G,4G", 0.30), ("3G,4G", 0.30), ("4G", 0.30), ("2G,3G", 0.10)),
}
# site weight per commune: households share + this times the area share
_AREA_WEIGHT: Final[dict[str, float]] = {
    "Viettel": 0.8,
    "VNPT": 0.6,
    "MobiFone": 0.4,
    "Vietnamobile": 0.0,
}
_MIN_SITES_PER_COMMUNE: Final[dict[str, int]] = {
    "Viettel": 1,
    "VNPT": 1,
    "MobiFone": 0,
    "Vietnamobile": 0,
}
# Vietnamobile stays in the towns: weight of its sites by commune style
_VNM_STYLE_WEIGHT: Final[dict[str, float]] = {
    "ward": 1.0,
    "town": 1.0,
    "lowland": 0.12,
    "mountain": 0.0,
}
_HEIGHTS_M: Final[dict[str, tuple[int, int]]] = {  # inclusive range by commune style
    "ward": (15, 30),
    "town": (21, 36),
    "lowland": (27, 42),
    "mountain": (30, 45),
}
_JITTER_M: Final[dict[str, float]] = {
    "ward": 60.0,
    "town": 100.0,
    "lowland": 150.0,
    "mountain": 200.0,
}
_FIVE_G_TECH: Final = "3G,4G,5G"
_FILL_TECH: Final = "4G"  # sites of the 2020-2024 dead-zone programme carry 4G only
_FILL_HEIGHT_M: Final = (30, 42)
_SITE_OFFSET_M: Final = (80.0, 220.0)  # a new site stands this far from the village centre
_MAX_TRIES: Final = 20_000

CANH_GIAO: Final = "Thôn Canh Giao"
"""The village of xã Canh Hiệp (Vân Canh) that got grid power in April 2024 and 4G in June."""
_CANH_GIAO_OPERATOR: Final = "Viettel"
_CANH_GIAO_HEIGHT_M: Final = 18.0
_CANH_GIAO_OFFSETS_M: Final = (40.0, 30.0, 20.0)  # tried in turn until it is the best server


# ------------------------------------------------------------------------------ helpers


def _key(x: float, y: float) -> _Node:
    return (round(float(x), _KEY_DECIMALS), round(float(y), _KEY_DECIMALS))


def _xy(frame: gpd.GeoDataFrame) -> _Floats:
    return np.asarray(shapely.get_coordinates(frame.geometry.to_numpy()), dtype=np.float64)


def _points(xy: _Floats) -> list[BaseGeometry]:
    return list(np.asarray(shapely.points(xy), dtype=object).reshape(-1))


def _cut(coords: _Floats, length: float) -> _Floats:
    """Return the first ``length`` metres of a polyline (a new end vertex where it stops)."""
    seg = np.hypot(*np.diff(coords, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(seg)])
    if length >= along[-1]:
        return coords
    k = int(np.searchsorted(along, length, side="right"))  # along[k-1] <= length < along[k]
    t = (length - along[k - 1]) / seg[k - 1]
    end = coords[k - 1] + t * (coords[k] - coords[k - 1])
    return np.vstack([coords[:k], end])


def _commune_style(base: _BaseLike) -> dict[str, str]:
    communes = base.communes
    return dict(zip(communes["unit_id"].astype(str), communes["style"].astype(str), strict=True))


def _district_of(admin_units: gpd.GeoDataFrame) -> dict[str, str]:
    communes = admin_units[admin_units["level"] == "commune"]
    return dict(
        zip(communes["unit_id"].astype(str), communes["parent_id"].astype(str), strict=True)
    )


def _allocate(total: int, weights: _Floats, minimum: npt.NDArray[np.int64]) -> list[int]:
    """Split ``total`` proportionally to ``weights`` with a minimum per part."""
    base = minimum.astype(np.int64).copy()
    rest = max(total - int(base.sum()), 0)
    w = np.asarray(weights, dtype=np.float64)
    if rest == 0 or w.sum() <= 0:
        return [int(b) for b in base]
    share = rest * w / w.sum()
    out = np.floor(share).astype(np.int64)
    left = rest - int(out.sum())
    order = np.lexsort((np.arange(len(w)), -(share - out)))
    out[order[:left]] += 1
    return [int(b) for b in base + out]


# ------------------------------------------------------------------------------- roads


@dataclass
class _Roads:
    """The demo's roads as a graph (metres): nodes at segment ends, one edge per segment."""

    graph: nx.Graph
    coords: list[_Floats]  # per road row, metres
    major: _Bools  # per road row: a real major road (road_id M…)
    major_nodes: set[_Node]
    geoms: npt.NDArray[np.object_]  # per road row, LineString in metres

    def edge_coords(self, a: _Node, b: _Node) -> _Floats:
        """Return the coordinates of the segment between ``a`` and ``b``, from ``a``."""
        coords = self.coords[int(self.graph.edges[a, b]["row"])]
        return coords if _key(*coords[0]) == a else coords[::-1]

    def edge_length(self, a: _Node, b: _Node) -> float:
        """Return the length of the segment between ``a`` and ``b``, m."""
        return float(self.graph.edges[a, b]["length"])


def _road_graph(roads: gpd.GeoDataFrame) -> _Roads:
    """Build the road graph; of parallel segments between two ends, keep the shortest."""
    geoms = roads.geometry.to_numpy()
    coords = [np.asarray(shapely.get_coordinates(g), dtype=np.float64) for g in geoms]
    lengths = shapely.length(geoms)
    major = roads["road_id"].astype(str).str.startswith("M").to_numpy()
    graph = nx.Graph()
    major_nodes: set[_Node] = set()
    for row, xy in enumerate(coords):
        a, b = _key(*xy[0]), _key(*xy[-1])
        if a == b:
            continue
        if major[row]:
            major_nodes.update((a, b))
        if graph.has_edge(a, b) and graph.edges[a, b]["length"] <= lengths[row]:
            continue
        graph.add_edge(a, b, length=float(lengths[row]), row=row)
    return _Roads(graph, coords, major, major_nodes, np.asarray(geoms, dtype=object))


# ------------------------------------------------------------------------------- fiber


@dataclass
class _FiberPlan:
    """The fiber network in the making: graph paths and how far each is built."""

    roads: _Roads
    dist_paths: dict[str, list[_Node]]  # commune id -> path from the backbone to its centre
    access_paths: dict[str, list[_Node]]  # village id -> path from the distribution network
    trims: dict[str, float] = field(default_factory=dict)  # village id -> metres left out

    def extents(self, village_ids: Iterable[str]) -> dict[_Edge, float]:
        """Return, per directed access edge, how many metres of it are built from its start."""
        out: dict[_Edge, float] = {}
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


def _edges_near(roads: _Roads, xy: _Floats, radius: float) -> set[_Edge]:
    """Return the graph edges with a segment within ``radius`` of ``xy``."""
    near = shapely.dwithin(roads.geoms, shapely.Point(xy), radius)
    rows = {int(r) for r in np.flatnonzero(near)}
    return {(a, b) for a, b, row in roads.graph.edges(data="row") if row in rows}


def _cut_off(roads: _Roads, removed: set[_Edge], targets: Iterable[_Node]) -> set[_Node]:
    """Return the targets that no longer connect to the backbone without ``removed``."""
    view = nx.restricted_view(roads.graph, [], list(removed))
    wanted = set(targets)
    out: set[_Node] = set()
    for comp in nx.connected_components(view):
        if comp.isdisjoint(roads.major_nodes):
            out |= wanted & comp
    return out | {t for t in wanted if not view.has_node(t)}


def _keep_dark(
    villages: gpd.GeoDataFrame, vxy: _Floats, roads: _Roads
) -> tuple[list[int], set[_Edge]]:
    """Keep fiber away from the villages without electricity.

    Each gets the widest zone of ``_DARK_ZONES_M`` that leaves the other villages
    reachable; a village reachable only through one of them stays without fiber too.

    Returns
    -------
    tuple
        The villages left without fiber (positions) and the road edges kept free.
    """
    keys = [_key(*p) for p in vxy]
    chosen = [int(i) for i in np.flatnonzero(~villages["has_electricity"].to_numpy(dtype=bool))]
    removed: set[_Edge] = set()
    for i in list(chosen):
        others = [keys[j] for j in range(len(keys)) if j not in chosen]
        for radius in _DARK_ZONES_M:
            trial = removed | _edges_near(roads, vxy[i], radius)
            lost = _cut_off(roads, trial, others)
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


def _choose_unreached(  # noqa: PLR0913
    villages: gpd.GeoDataFrame,
    vxy: _Floats,
    roads: _Roads,
    district: Mapping[str, str],
    targets: NetworkTargets,
    rng: np.random.Generator,
) -> tuple[list[int], set[_Edge]]:
    """Choose the villages left without fiber and the road segments that must stay dark.

    Villages without electricity always stay without fiber (:func:`_keep_dark`);
    ``targets.unreached_by_district`` more are picked among the remote villages of
    those districts (far from the next village, seeded jitter), each only when every
    other village can still be reached without coming within ``_ZONE_M`` of it.

    Returns
    -------
    tuple
        The villages left without fiber (positions, sorted) and the road edges kept free.
    """
    keys = [_key(*p) for p in vxy]
    powered = villages["has_electricity"].to_numpy(dtype=bool)
    centre = villages["is_commune_centre"].to_numpy(dtype=bool)
    commune = villages["commune_id"].astype(str).to_numpy()
    in_district = np.array([district.get(c, "") for c in commune])
    chosen, removed = _keep_dark(villages, vxy, roads)
    pts = np.asarray(_points(vxy), dtype=object)
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
            trial = removed | _edges_near(roads, vxy[i], _ZONE_M)
            others = [keys[j] for j in range(len(keys)) if j != i and j not in chosen]
            if not _cut_off(roads, trial, others):
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
    vxy: _Floats,
    roads: _Roads,
    unreached: Sequence[int],
    removed: set[_Edge],
) -> _FiberPlan:
    """Route distribution cables to every commune centre and access cables to the villages."""
    view = nx.restricted_view(roads.graph, [], list(removed))
    keys = [_key(*p) for p in vxy]
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


def _path_coords(roads: _Roads, path: Sequence[_Node], extents: Mapping[_Edge, float]) -> _Floats:
    """Concatenate the road coordinates along ``path``, each edge cut to its extent."""
    parts: list[_Floats] = []
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


def _lines(
    roads: _Roads, paths: Mapping[str, Sequence[_Node]], extents: Mapping[_Edge, float]
) -> Iterator[tuple[str, _Floats]]:
    """Yield ``(key, coords)``: each path's part not drawn yet, shortest paths first.

    Every edge is drawn once: a path's new part is a suffix of it (the paths form a
    tree), cut where the cable stops.
    """
    drawn: set[_Edge] = set()
    order = sorted(paths, key=lambda k: (len(paths[k]), k))
    for name in order:
        path = list(paths[name])
        start = 0
        while start < len(path) - 1 and (path[start], path[start + 1]) in drawn:
            start += 1
        tail = path[start:]
        edges = list(itertools.pairwise(tail))
        drawn.update(edges)
        xy = _path_coords(roads, tail, extents)
        if len(xy) >= 2:
            yield name, xy


def _union_lines(plan: _FiberPlan, extents: Mapping[_Edge, float]) -> list[LineString]:
    """All eligible cables (distribution and access) of all operators, as lines."""
    full = {
        (a, b): plan.roads.edge_length(a, b)
        for path in plan.dist_paths.values()
        for a, b in itertools.pairwise(path)
    }
    out = [LineString(xy) for _, xy in _lines(plan.roads, plan.dist_paths, full)]
    out += [LineString(xy) for _, xy in _lines(plan.roads, plan.access_paths, extents)]
    return out


def _household_share(
    lines: Sequence[LineString], clusters: gpd.GeoDataFrame, settings: CoverageSettings
) -> float:
    """Share of households (percent) whose cluster the cables reach, by fiber_reach."""
    routes = gpd.GeoDataFrame(
        {"operator": ["all"] * len(lines), "level": ["access"] * len(lines)},
        geometry=list(lines),
        crs=_WORK_CRS,
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
        return _household_share(_union_lines(plan, plan.extents(villages)), clusters, settings)

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
    out: dict[str, set[str]] = {op: set() for op in (*_FIBER_OPERATORS, "FPT")}
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
class _FiberOut:
    routes: list[dict[str, object]] = field(default_factory=list)
    route_geoms: list[LineString] = field(default_factory=list)
    nodes: list[dict[str, object]] = field(default_factory=list)
    node_xy: list[_Floats] = field(default_factory=list)
    _node_seen: set[tuple[str, str, _Node]] = field(default_factory=set)

    def route(self, route_id: str, operator: str, level: str, xy: _Floats) -> None:
        self.routes.append({"route_id": route_id, "operator": operator, "level": level})
        self.route_geoms.append(LineString(xy))

    def node(self, node_id: str, operator: str, kind: str, xy: _Floats) -> None:
        key = (operator, kind, _key(*xy))
        if key in self._node_seen:
            return
        self._node_seen.add(key)
        self.nodes.append({"node_id": node_id, "operator": operator, "kind": kind})
        self.node_xy.append(np.asarray(xy, dtype=np.float64))


def _backbone(out: _FiberOut, roads: _Roads, operators: Sequence[str]) -> None:
    """Backbone cables along the real major roads, merged into continuous lines."""
    rows = np.flatnonzero(roads.major)
    if not len(rows):
        return
    merged = shapely.line_merge(shapely.MultiLineString([roads.coords[r] for r in rows]))
    parts = list(getattr(merged, "geoms", [merged]))
    parts.sort(key=lambda g: (round(g.coords[0][0], 2), round(g.coords[0][1], 2)))
    for op in operators:
        for k, part in enumerate(parts, start=1):
            out.route(f"{_CODE[op]}-BB-{k:03d}", op, "backbone", np.asarray(part.coords))


def _distribution(
    out: _FiberOut,
    plan: _FiberPlan,
    operator: str,
    communes: Iterable[str],
    olt_communes: Iterable[str] | None = None,
) -> set[_Node]:
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
    code = _CODE[operator]
    olts = {_key(*path[-1]) for c, path in paths.items() if c in with_olt}
    for commune, path in paths.items():
        if commune in with_olt:
            out.node(f"{code}-OLT-{commune}", operator, "olt", np.asarray(path[-1]))
    for commune, xy in _lines(plan.roads, paths, full):
        out.route(f"{code}-DS-{commune}", operator, "distribution", xy)
        if _key(*xy[0]) not in olts:  # a cable leaving an OLT site is spliced there
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
    on_path: dict[_Node, str] = {}
    for commune in sorted(plan.dist_paths, reverse=True):  # the smallest id wins
        for node in plan.dist_paths[commune]:
            on_path[node] = commune
    for vid in ids:
        start = plan.access_paths[vid][0]
        if not any(start in plan.dist_paths[c] for c in out if c in plan.dist_paths):
            out.add(on_path[start])
    return out


def _access(
    out: _FiberOut,
    plan: _FiberPlan,
    operator: str,
    village_ids: Iterable[str],
) -> None:
    """Access cables of one operator to ``village_ids``, a splitter where each one ends."""
    ids = sorted(v for v in village_ids if v in plan.access_paths)
    extents = plan.extents(ids)
    paths = {v: plan.access_paths[v] for v in ids}
    code = _CODE[operator]
    ends: dict[str, _Floats] = {}
    for vid, xy in _lines(plan.roads, paths, extents):
        out.route(f"{code}-AC-{vid}", operator, "access", xy)
        ends[vid] = xy[-1]
    for vid in ids:
        path = plan.access_paths[vid]
        end = ends.get(vid)
        if end is None:  # on another cable: the splitter stands where that cable stops
            xy = _path_coords(plan.roads, path, extents)
            end = xy[-1] if len(xy) else np.asarray(path[0])
        out.node(f"{code}-SPL-{vid}", operator, "splitter", end)


def _odfs(
    out: _FiberOut,
    operator: str,
    network: set[_Node],
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
        out.node(f"{_CODE[operator]}-ODF-{inside['unit_id'].iloc[0]}", operator, "odf", nodes[k])


def step_fiber_network(ctx: StepContext, layers: Mapping[str, gpd.GeoDataFrame]) -> _Layers:
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
    villages = layers["villages"].to_crs(_WORK_CRS)
    clusters = layers["clusters"].to_crs(_WORK_CRS)
    vxy = _xy(villages)
    roads = _road_graph(layers["roads"].to_crs(_WORK_CRS))
    district = _district_of(admin)
    style = _commune_style(ctx.base)
    unreached, removed = _choose_unreached(
        villages, vxy, roads, district, targets, ctx.rng("fiber", "unreached")
    )
    plan = _plan_fiber(villages, vxy, roads, unreached, removed)
    share = _calibrate_households(
        plan, clusters, targets, settings, ctx.rng("fiber", "households"), ctx.progress
    )

    out = _FiberOut()
    _backbone(out, roads, _FIBER_OPERATORS)
    owners = _fiber_operators(villages, style, district, targets, ctx.rng("fiber", "operators"))
    commune_of = dict(
        zip(villages["village_id"].astype(str), villages["commune_id"].astype(str), strict=True)
    )
    admin_utm = admin.to_crs(_WORK_CRS)
    places = layers["priority_places"].to_crs(_WORK_CRS)
    for op in _FIBER_OPERATORS:
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
        crs=_WORK_CRS,
    )
    nodes = gpd.GeoDataFrame(
        pd.DataFrame(out.nodes, columns=["node_id", "operator", "kind"]),
        geometry=_points(np.array(out.node_xy).reshape(-1, 2)),
        crs=_WORK_CRS,
    )
    _check_fiber(villages, routes, nodes, unreached, settings)
    km = routes.assign(km=routes.length / 1000.0).groupby("level")["km"].sum()
    reached = len(villages) - len(unreached)
    ctx.progress(
        f"fiber: {len(routes)} routes (all operators: "
        + ", ".join(f"{level} {km.get(level, 0.0):.0f} km" for level in _LEVEL_CODE)
        + f"), {len(nodes)} nodes; villages reached {reached}/{len(villages)}, "
        f"households {share:.1f} %"
    )
    return {"fiber_routes": routes.to_crs(_OUT_CRS), "fiber_nodes": nodes.to_crs(_OUT_CRS)}


def _check_fiber(
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
    if (distance[~expected] < _ZONE_M).any():
        problems.append(f"fiber within {_ZONE_M:.0f} m of a village left without it")
    if problems:
        msg = "Internal error, the demo fiber network misses its targets: " + "; ".join(problems)
        raise RuntimeError(msg)


# ------------------------------------------------------------------------------ mobile


@dataclass
class _Sites:
    """Mobile sites in the making (metres)."""

    records: list[dict[str, object]] = field(default_factory=list)
    xy: list[_Floats] = field(default_factory=list)

    def add(self, record: dict[str, object], xy: _Floats) -> None:
        self.records.append(record)
        self.xy.append(np.asarray(xy, dtype=np.float64))

    def frame(self) -> gpd.GeoDataFrame:
        columns = [
            "site_id",
            "operator",
            "tech",
            "height_m",
            "eirp_dbm",
            "band_mhz",
            "azimuths_deg",
            "power",
        ]
        data = pd.DataFrame(self.records, columns=columns)
        data = data.astype({"height_m": "float64", "eirp_dbm": "float64", "band_mhz": "float64"})
        return gpd.GeoDataFrame(
            data,
            geometry=_points(np.array(self.xy).reshape(-1, 2)),
            crs=_WORK_CRS,
        )


def _three_sectors(rng: np.random.Generator) -> str:
    first = int(rng.integers(0, 12)) * 10
    return ",".join(str((first + k * 120) % 360) for k in range(3))


def _facing_away(bearing_to_dark: float) -> str:
    """Two sectors whose back lobes face ``bearing_to_dark`` (gain there −25 dB)."""
    away = (bearing_to_dark + 180.0) % 360.0
    return ",".join(str(round((away + d) % 360.0)) for d in (-60.0, 60.0))


def _single_tech_radio(tech: str) -> tuple[float, float]:
    """EIRP and band recorded for a single-technology site (NaN for mixed ones)."""
    if tech == "4G":
        return 61.0, 1800.0
    return math.nan, math.nan


def _site_record(  # noqa: PLR0913
    site_id: str,
    operator: str,
    tech: str,
    height: float,
    azimuths: str,
    power: str = "grid",
) -> dict[str, object]:
    eirp, band = _single_tech_radio(tech)
    return {
        "site_id": site_id,
        "operator": operator,
        "tech": tech,
        "height_m": float(height),
        "eirp_dbm": eirp,
        "band_mhz": band,
        "azimuths_deg": azimuths,
        "power": power,
    }


@dataclass(frozen=True)
class _Area:
    """What site placement needs to know, in metres."""

    villages: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame  # unit_id, parent_id, style, households, geometry
    density: Grid
    dark_xy: _Floats


def _place_sites(area: _Area, targets: NetworkTargets, sites: _Sites, ctx: StepContext) -> None:
    """Place every operator's sites by households (and area), densest in the towns."""
    communes = area.communes
    hh = communes["households"].to_numpy(dtype=np.float64)
    areas = communes.geometry.area.to_numpy(dtype=np.float64)
    styles = communes["style"].astype(str).to_numpy()
    scale = float(hh.sum()) / _PROVINCE_HOUSEHOLDS
    cluster_commune = area.clusters["village_id"].map(
        dict(zip(area.villages["village_id"], area.villages["commune_id"], strict=True))
    )
    cxy = _xy(area.clusters)
    chh = area.clusters["households"].to_numpy(dtype=np.float64)
    centre_xy = {
        str(c): xy
        for c, xy, is_c in zip(
            area.villages["commune_id"],
            _xy(area.villages),
            area.villages["is_commune_centre"],
            strict=True,
        )
        if is_c
    }
    for op in _MOBILE_OPERATORS:
        total = round(targets.site_counts[op] * scale)
        weights = hh / hh.sum() + _AREA_WEIGHT[op] * areas / areas.sum()
        if op == "Vietnamobile":
            weights = hh / hh.sum() * np.array([_VNM_STYLE_WEIGHT[s] for s in styles])
        minimum = np.full(len(communes), _MIN_SITES_PER_COMMUNE[op], dtype=np.int64)
        counts = _allocate(total, weights, minimum)
        for row, n in enumerate(counts):
            if n == 0:
                continue
            commune_id = str(communes["unit_id"].iloc[row])
            rng = ctx.rng("mobile", op, commune_id)
            mask = (cluster_commune == commune_id).to_numpy(dtype=bool)
            spots = _site_spots(
                communes.geometry.iloc[row],
                centre_xy[commune_id],
                cxy[mask],
                chh[mask],
                n,
                styles[row],
                rng,
            )
            mix = _TECH_MIX[op]
            techs = rng.choice(len(mix), size=n, p=[p for _, p in mix])
            low, high = _HEIGHTS_M[styles[row]]
            for k, xy in enumerate(spots):
                sites.add(
                    _site_record(
                        f"{_CODE[op]}-{commune_id}-{k + 1:02d}",
                        op,
                        mix[int(techs[k])][0],
                        float(rng.integers(low // 3, high // 3 + 1) * 3),
                        _three_sectors(rng),
                    ),
                    xy,
                )


def _site_spots(  # noqa: PLR0913
    polygon: BaseGeometry,
    centre: _Floats,
    cxy: _Floats,
    chh: _Floats,
    n: int,
    style: str,
    rng: np.random.Generator,
) -> list[_Floats]:
    """Return ``n`` site positions in a commune: the centre first, then by households."""
    spacing = float(np.clip(0.45 * math.sqrt(polygon.area / n), 150.0, 2500.0))
    jitter = _JITTER_M[style]
    spots: list[_Floats] = [_jittered(polygon, centre, jitter, rng)]
    weights = chh / chh.sum() if len(chh) and chh.sum() > 0 else None
    tries = 0
    while len(spots) < n:
        tries += 1
        if tries % 200 == 0:
            spacing *= 0.7
        if tries > _MAX_TRIES:
            msg = f"Internal error: cannot place {n} sites in a commune of {polygon.area:.0f} m²."
            raise RuntimeError(msg)
        if weights is not None and rng.random() < 0.85:
            anchor = cxy[int(rng.choice(len(cxy), p=weights))]
        else:
            minx, miny, maxx, maxy = polygon.bounds
            anchor = np.array([rng.uniform(minx, maxx), rng.uniform(miny, maxy)])
            if not polygon.contains(shapely.Point(anchor)):
                continue
        spot = _jittered(polygon, anchor, jitter, rng)
        near = np.array(spots)
        if np.hypot(near[:, 0] - spot[0], near[:, 1] - spot[1]).min() >= spacing:
            spots.append(spot)
    return spots


def _jittered(
    polygon: BaseGeometry, xy: _Floats, radius: float, rng: np.random.Generator
) -> _Floats:
    angle = rng.uniform(0.0, 2 * math.pi)
    r = radius * math.sqrt(rng.random())
    spot = np.array([xy[0] + r * math.cos(angle), xy[1] + r * math.sin(angle)])
    return spot if polygon.contains(shapely.Point(spot)) else np.asarray(xy, dtype=np.float64)


def _five_g_pilot(
    places: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    targets: NetworkTargets,
    sites: _Sites,
    rng: np.random.Generator,
) -> None:
    """Add the 5G pilot: one site next to each of ``targets.five_g_places``."""
    if not targets.five_g_places:
        return
    by_id = places.set_index(places["place_id"].astype(str))
    op = targets.five_g_operator
    for k, place_id in enumerate(targets.five_g_places, start=1):
        point = by_id.geometry[place_id]
        home = communes[communes.contains(point)]
        polygon = home.geometry.iloc[0] if len(home) else point.buffer(1.0)
        xy = _jittered(polygon, np.array([point.x, point.y]), 200.0, rng)
        sites.add(
            _site_record(
                f"{_CODE[op]}-5G-{k:02d}",
                op,
                _FIVE_G_TECH,
                float(rng.integers(10, 13) * 3),
                _three_sectors(rng),
            ),
            xy,
        )


def _per_site_rsrp(
    frame: gpd.GeoDataFrame, xy: _Floats, tech: str, area: _Area, settings: CoverageSettings
) -> pd.DataFrame:
    """RSRP of every site carrying ``tech`` at each point (points x sites), by best_signal."""
    alone = frame.assign(operator=frame["site_id"].astype(str))
    return best_signal(alone, xy, tech=tech, density=area.density, settings=settings).rsrp_dbm


def _loud_sites(
    frame: gpd.GeoDataFrame, tech: str, area: _Area, settings: CoverageSettings
) -> set[str]:
    """Sites whose ``tech`` signal at a dark village is within the margin of the threshold."""
    limit = settings.min_rsrp_dbm[tech] - _RSRP_MARGIN_DB - _RSRP_SAFETY_DB
    rsrp = _per_site_rsrp(frame, area.dark_xy, tech, area, settings)
    loud = np.asarray((rsrp.to_numpy() >= limit).any(axis=0), dtype=bool)
    return {str(s) for s, is_loud in zip(rsrp.columns, loud, strict=True) if is_loud}


def _darken(frame: gpd.GeoDataFrame, area: _Area, settings: CoverageSettings) -> gpd.GeoDataFrame:
    """Keep the villages without electricity dark: every site ≥ 3 dB below the threshold.

    A site that comes too close drops its 2G/3G, turns its 4G/5G sectors away (two
    sectors whose back lobes face the village), and is removed when that is not enough.
    """
    if not len(area.dark_xy):
        return frame
    ids = frame["site_id"].astype(str).to_numpy()
    techs = [str(t).split(",") for t in frame["tech"]]
    azimuths = frame["azimuths_deg"].astype(str).to_numpy(dtype=object)
    sxy = _xy(frame)
    for tech in ("2G", "3G", "4G", "5G"):
        loud = _loud_sites(frame, tech, area, settings)
        for i in np.flatnonzero(np.isin(ids, sorted(loud))):
            if tech in {"2G", "3G"}:
                techs[i] = [t for t in techs[i] if t != tech]
                continue
            d = area.dark_xy - sxy[i]
            k = int(np.argmin(np.hypot(d[:, 0], d[:, 1])))
            azimuths[i] = _facing_away(float(bearing_deg(d[k, 0], d[k, 1])))
    joined = [",".join(t) for t in techs]
    radio = [_single_tech_radio(t) for t in joined]
    frame = frame.assign(
        tech=joined,
        azimuths_deg=azimuths,
        eirp_dbm=[e for e, _ in radio],
        band_mhz=[b for _, b in radio],
    )
    frame = frame[frame["tech"] != ""]
    for tech in ("4G", "5G"):  # what turning away did not silence goes
        loud = _loud_sites(frame, tech, area, settings)
        frame = frame[~frame["site_id"].astype(str).isin(loud)]
    return frame.reset_index(drop=True)


def _fill_4g(
    frame: gpd.GeoDataFrame,
    area: _Area,
    operator: str,
    settings: CoverageSettings,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Add a 4G site at each village still without 4G (largest first) until none is left."""
    vxy = _xy(area.villages)
    dark = ~area.villages["has_electricity"].to_numpy(dtype=bool)
    signal = best_signal(frame, vxy, tech="4G", density=area.density, settings=settings)
    todo = ~signal.covered.to_numpy(dtype=bool) & ~dark
    order = np.lexsort(
        (
            area.villages["village_id"].astype(str).to_numpy(),
            -area.villages["households"].to_numpy(),
        )
    )
    commune_poly = dict(
        zip(area.communes["unit_id"].astype(str), area.communes.geometry, strict=True)
    )
    added: list[gpd.GeoDataFrame] = []
    taken = set(frame["site_id"].astype(str))
    for i in order:
        if not todo[i]:
            continue
        commune_id = str(area.villages["commune_id"].iloc[i])
        site_id = _free_id(taken, f"{_CODE[operator]}-{commune_id}-P")
        taken.add(site_id)
        site = _fill_site(
            vxy[i],
            commune_poly[commune_id],
            site_id,
            operator,
            area,
            settings,
            rng,
        )
        covered = best_signal(
            site, vxy[todo], tech="4G", density=area.density, settings=settings
        ).covered.to_numpy(dtype=bool)
        idx = np.flatnonzero(todo)
        if not covered[np.searchsorted(idx, i)]:
            msg = f"Internal error: a new site does not cover its village {i}."
            raise RuntimeError(msg)
        todo[idx[covered]] = False
        added.append(site)
    if not added:
        return frame
    out = pd.concat([frame, *added], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=_WORK_CRS)


def _fill_site(  # noqa: PLR0913
    village_xy: _Floats,
    polygon: BaseGeometry,
    site_id: str,
    operator: str,
    area: _Area,
    settings: CoverageSettings,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Return a 4G site next to a village, turned (then lowered) so the dark ones stay dark."""
    away = 0.0
    if len(area.dark_xy):
        d = area.dark_xy - village_xy
        k = int(np.argmin(np.hypot(d[:, 0], d[:, 1])))
        away = math.atan2(-d[k, 0], -d[k, 1])  # bearing (from north) away from it
    r = rng.uniform(*_SITE_OFFSET_M)
    xy = village_xy + r * np.array([math.sin(away), math.cos(away)])
    if not polygon.contains(shapely.Point(xy)):
        xy = np.asarray(village_xy, dtype=np.float64)
    height = float(rng.integers(_FILL_HEIGHT_M[0] // 3, _FILL_HEIGHT_M[1] // 3 + 1) * 3)
    options: list[tuple[str, float]] = [(_three_sectors(rng), height)]
    if len(area.dark_xy):
        d = area.dark_xy - xy
        k = int(np.argmin(np.hypot(d[:, 0], d[:, 1])))
        back = _facing_away(float(bearing_deg(d[k, 0], d[k, 1])))
        options += [(back, height), (back, 18.0), (back, 15.0)]
    for azimuths, h in options:
        sites = _Sites()
        sites.add(_site_record(site_id, operator, _FILL_TECH, h, azimuths), xy)
        site = sites.frame()
        if not len(area.dark_xy):
            return site
        if not _loud_sites(site, "4G", area, settings):
            return site
    msg = f"Internal error: no 4G site next to village at {village_xy} keeps the dark ones dark."
    raise RuntimeError(msg)


def _mobile_area(ctx: StepContext, layers: Mapping[str, gpd.GeoDataFrame]) -> _Area:
    """Return what site placement needs (metres), from the first period's layers."""
    admin_utm = layers["admin_units"].to_crs(_WORK_CRS)
    villages = layers["villages"].to_crs(_WORK_CRS)
    communes = admin_utm[admin_utm["level"] == "commune"].copy()
    communes["style"] = communes["unit_id"].astype(str).map(_commune_style(ctx.base))
    domains = ctx.domains()  # inside the province: sites must pass its validation
    communes = communes.set_geometry([domains[str(u)] for u in communes["unit_id"]], crs=_WORK_CRS)
    dark = ~villages["has_electricity"].to_numpy(dtype=bool)
    return _Area(
        villages=villages,
        clusters=layers["clusters"].to_crs(_WORK_CRS),
        communes=communes.reset_index(drop=True),
        density=grid_from_bytes(ctx.base.density_tif),
        dark_xy=_xy(villages)[dark],
    )


def _free_id(taken: Iterable[str], prefix: str, start: int = 1) -> str:
    """Return ``f"{prefix}{k:02d}"`` for the first ``k >= start`` not in ``taken``."""
    used = set(taken)
    k = start
    while f"{prefix}{k:02d}" in used:
        k += 1
    return f"{prefix}{k:02d}"


def _canh_giao_site(
    frame: gpd.GeoDataFrame,
    area: _Area,
    settings: CoverageSettings,
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Add the site of thôn Canh Giao: 18 m, two sectors, 4G, grid power (June 2024).

    It stands a few tens of metres from the village, one sector facing it and one the
    other way (back to back, along the valley), and is moved closer until it is the
    best 4G server at the village. Without a village named :data:`CANH_GIAO` (the
    sample area) ``frame`` is returned as is.
    """
    names = area.villages["name"].astype(str).to_numpy()
    hits = np.flatnonzero(names == CANH_GIAO)
    if not len(hits):
        return frame
    i = int(hits[0])
    village_xy = _xy(area.villages)[i]
    commune_id = str(area.villages["commune_id"].iloc[i])
    polygon = area.communes.set_index(area.communes["unit_id"].astype(str)).geometry[commune_id]
    op = _CANH_GIAO_OPERATOR
    site_id = _free_id(frame["site_id"].astype(str), f"{_CODE[op]}-{commune_id}-P")
    angle = rng.uniform(0.0, 2 * math.pi)
    out = frame
    for offset in _CANH_GIAO_OFFSETS_M:
        for turn in (0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi):
            xy = village_xy + offset * np.array([math.sin(angle + turn), math.cos(angle + turn)])
            if polygon.contains(shapely.Point(xy)):
                break
        else:
            xy = np.asarray(village_xy, dtype=np.float64)
        d = village_xy - xy
        facing = float(bearing_deg(d[0], d[1])) if np.hypot(*d) > 0 else 0.0
        azimuths = ",".join(str(round(facing + k) % 360) for k in (0.0, 180.0))
        sites = _Sites()
        sites.add(
            _site_record(site_id, op, _FILL_TECH, _CANH_GIAO_HEIGHT_M, azimuths, power="grid"),
            xy,
        )
        out = gpd.GeoDataFrame(
            pd.concat([frame, sites.frame()], ignore_index=True), geometry="geometry", crs=_WORK_CRS
        )
        rsrp = _per_site_rsrp(out, village_xy[None, :], "4G", area, settings).iloc[0]
        if str(rsrp.idxmax()) == site_id:
            return out
    log.warning("mobile: the site of %s is not the best 4G server there", CANH_GIAO)
    return out


def step_mobile_sites(ctx: StepContext, layers: Mapping[str, gpd.GeoDataFrame]) -> _Layers:
    """Build ``mobile_sites``: four operators, 4G in every village with electricity.

    Parameters
    ----------
    ctx
        The demo's build context (seeded generators, base layers, progress).
    layers
        The layers built so far: ``admin_units``, ``villages``, ``clusters`` and
        ``priority_places`` are used.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``mobile_sites`` (site_id, operator, tech, height_m, eirp_dbm, band_mhz,
        azimuths_deg, power; Point) in EPSG:4326.

    Raises
    ------
    RuntimeError
        If a village with electricity is left without 4G or a village without it gets
        a signal (a generator bug).
    """
    settings = DEFAULT_SETTINGS
    targets = targets_for(layers["admin_units"])
    area = _mobile_area(ctx, layers)
    sites = _Sites()
    _place_sites(area, targets, sites, ctx)
    _five_g_pilot(
        layers["priority_places"].to_crs(_WORK_CRS),
        area.communes,
        targets,
        sites,
        ctx.rng("mobile", "5g"),
    )
    frame = _darken(sites.frame(), area, settings)
    frame = _canh_giao_site(frame, area, settings, ctx.rng("mobile", "canh-giao"))
    placed = len(frame)
    frame = _fill_4g(frame, area, "Viettel", settings, ctx.rng("mobile", "fill"))
    frame = frame.sort_values("site_id", kind="stable").reset_index(drop=True)
    _check_mobile(frame, area, settings)
    counts = frame["operator"].value_counts()
    ctx.progress(
        f"mobile sites: {len(frame)} ("
        + ", ".join(f"{op} {int(counts.get(op, 0))}" for op in _MOBILE_OPERATORS)
        + f"; {len(frame) - placed} added for 4G gaps), "
        f"5G {int(frame['tech'].str.contains('5G').sum())}"
    )
    return {"mobile_sites": frame.to_crs(_OUT_CRS)}


def _check_mobile(frame: gpd.GeoDataFrame, area: _Area, settings: CoverageSettings) -> None:
    """Raise unless exactly the villages without electricity lack 4G and get no signal."""
    vxy = _xy(area.villages)
    dark = ~area.villages["has_electricity"].to_numpy(dtype=bool)
    covered = best_signal(
        frame, vxy, tech="4G", density=area.density, settings=settings
    ).covered.to_numpy(dtype=bool)
    problems: list[str] = []
    if not np.array_equal(covered, ~dark):
        problems.append(f"{int((covered == dark).sum())} villages off their 4G status")
    for tech in ("2G", "3G", "4G", "5G"):
        best = best_signal(
            frame, area.dark_xy, tech=tech, density=area.density, settings=settings
        ).best_rsrp_dbm.to_numpy()
        if (best >= settings.min_rsrp_dbm[tech] - _RSRP_MARGIN_DB).any():
            problems.append(f"{tech} signal at a village without electricity")
    if problems:
        msg = "Internal error, the demo mobile network misses its targets: " + "; ".join(problems)
        raise RuntimeError(msg)


# ------------------------------------------------------------------------ later period


@dataclass(frozen=True)
class LaterTargets:
    """What changes in the networks between the first period and the later one.

    Attributes
    ----------
    fiber_extensions
        Villages without fiber (with electricity) that new access cables reach: the
        cheapest extensions along the roads, each by the fiber operator whose network
        is nearest.
    keep_per_district
        At least this many villages stay without fiber in each district that had some.
    second_operator
        Villages served by one fiber operator that the other one reaches too (the
        largest first); used by the sample area, where every village has fiber.
    new_sites
        Operator -> new 4G sites, in the communes with the most households per own site.
    removed_sites
        Operator -> decommissioned sites (2G/3G-only ones first, then redundant ones),
        never changing which villages or clusters have 4G.
    five_g_sites
        Sites of ``five_g_operator`` carrying 5G at the end (pilots included); 0 keeps
        them as they are.
    five_g_kinds
        Kinds of priority places that ``five_g_operator``'s 5G must cover.
    five_g_operator
        The operator upgrading its sites to 5G.
    """

    fiber_extensions: int = 0
    keep_per_district: int = 1
    second_operator: int = 0
    new_sites: Mapping[str, int] = field(default_factory=dict)
    removed_sites: Mapping[str, int] = field(default_factory=dict)
    five_g_sites: int = 0
    five_g_kinds: tuple[str, ...] = ("district_centre",)
    five_g_operator: str = "Viettel"


PUBLISHED_END_2024: Final = LaterTargets(
    fiber_extensions=7,
    keep_per_district=1,
    new_sites={"Viettel": 6, "VNPT": 4, "MobiFone": 4, "Vietnamobile": 3},
    removed_sites={"Viettel": 2, "VNPT": 3, "MobiFone": 3, "Vietnamobile": 2},
    five_g_sites=76,
)
"""The province's published end-2024 status.

Fiber in 159/159 communes and in 1,168 of 1,176 villages: the 8 without it (làng O2,
still without grid power, among them) are in An Lão, Vĩnh Thạnh and Vân Canh. The press
gives 99.2 % of villages, but 1,168/1,176 is 99.3 %; the demo keeps the 8 villages,
the list the department acts on. 4G is unchanged (every village but làng O2); Viettel
carries 5G at every district centre on more than 70 sites.
"""

SAMPLE_LATER: Final = LaterTargets(second_operator=1, new_sites={"Viettel": 1, "MobiFone": 1})
"""The sample area's later period: one fiber extension and two new sites."""


def later_targets_for(admin_units: gpd.GeoDataFrame) -> LaterTargets:
    """Return the later period's targets: end-2024 for Bình Định, else the sample's.

    Parameters
    ----------
    admin_units
        The ``admin_units`` layer of the demo.

    Returns
    -------
    LaterTargets
    """
    province = admin_units.loc[admin_units["level"] == "province", "unit_id"].astype(str)
    return PUBLISHED_END_2024 if _PROVINCE_ID in set(province) else SAMPLE_LATER


@dataclass(frozen=True)
class _Extension:
    """A new access cable: operator, the village it serves, its road path."""

    operator: str
    village_id: str
    path: list[_Node]


def _network_nodes(roads: _Roads, routes: gpd.GeoDataFrame) -> set[_Node]:
    """Graph nodes that lie on ``routes`` (within 5 cm of one of their vertices)."""
    if not len(routes):
        return set()
    nodes = sorted(roads.graph.nodes)
    tree = shapely.STRtree(np.asarray(shapely.points(np.array(nodes)), dtype=object))
    vertices = shapely.points(shapely.get_coordinates(routes.geometry.to_numpy()))
    _, hit = tree.query(vertices, predicate="dwithin", distance=0.05)
    return {nodes[int(k)] for k in np.unique(hit)}


def _nearest_network(
    roads: _Roads,
    removed: set[_Edge],
    sources: Mapping[str, set[_Node]],
    target: _Node,
    rng: np.random.Generator | None = None,
) -> tuple[str, float, list[_Node]] | None:
    """Return the operator whose network is nearest ``target`` by road: (op, m, path).

    Operators within 1 m of the shortest (they often share a road) are drawn from
    with ``rng``, else the first by name wins.
    """
    view = nx.restricted_view(roads.graph, [], list(removed))
    found: list[tuple[str, float, list[_Node]]] = []
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


def _plan_extensions(  # noqa: PLR0913
    villages: gpd.GeoDataFrame,
    vxy: _Floats,
    roads: _Roads,
    routes: gpd.GeoDataFrame,
    reached: _Bools,
    district: Mapping[str, str],
    targets: LaterTargets,
    ctx: StepContext,
) -> tuple[list[_Extension], list[int]]:
    """Choose the new access cables, cheapest first; return them and the villages left out.

    A village without fiber (with electricity) is a candidate when a road path from an
    operator's distribution or access network reaches it without coming within
    ``_ZONE_M`` of another village without fiber (nor the zone of a village without
    electricity); the ``fiber_extensions`` shortest are built, keeping
    ``keep_per_district`` villages without fiber in each district.
    """
    keys = [_key(*p) for p in vxy]
    ids = villages["village_id"].astype(str).to_numpy()
    commune = villages["commune_id"].astype(str).to_numpy()
    powered = villages["has_electricity"].to_numpy(dtype=bool)
    eligible = routes[routes["level"].isin(["distribution", "access"])]
    sources = {
        op: _network_nodes(roads, eligible[eligible["operator"] == op]) for op in _FIBER_OPERATORS
    }
    dark_idx, dark_edges = _keep_dark(villages, vxy, roads)
    unreached = [int(i) for i in np.flatnonzero(~reached)]
    candidates = [i for i in unreached if powered[i] and i not in dark_idx]
    zones = {i: _edges_near(roads, vxy[i], _ZONE_M) for i in unreached}
    options: list[tuple[float, str, int, str, list[_Node]]] = []
    for i in candidates if targets.fiber_extensions else []:
        removed = set(dark_edges)
        for j in unreached:
            if j != i:
                removed |= zones[j]
        rng = ctx.rng("later", "fiber", str(ids[i]))
        found = _nearest_network(roads, removed, sources, keys[i], rng)
        if found is not None:
            op, length, path = found
            options.append((length, str(ids[i]), i, op, path))
    left = {
        d: sum(district.get(commune[j], "") == d for j in unreached) for d in set(district.values())
    }
    out: list[_Extension] = []
    for _, vid, i, op, path in sorted(options):
        if len(out) == targets.fiber_extensions:
            break
        home = district.get(commune[i], "")
        if left.get(home, 0) <= targets.keep_per_district:
            continue
        left[home] -= 1
        out.append(_Extension(op, vid, path))
    if len(out) < targets.fiber_extensions:
        msg = (
            f"Internal error: only {len(out)} of {targets.fiber_extensions} fiber extensions "
            "can be built."
        )
        raise RuntimeError(msg)
    served = {e.village_id for e in out}
    return out, [i for i in unreached if str(ids[i]) not in served]


def _second_operator(  # noqa: PLR0913
    villages: gpd.GeoDataFrame,
    vxy: _Floats,
    roads: _Roads,
    routes: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    count: int,
) -> list[_Extension]:
    """Access cables of the other operator to the largest villages served by only one."""
    if count <= 0:
        return []
    node_ids = set(nodes["node_id"].astype(str))
    ids = villages["village_id"].astype(str).to_numpy()
    powered = villages["has_electricity"].to_numpy(dtype=bool)
    _, dark_edges = _keep_dark(villages, vxy, roads)
    eligible = routes[routes["level"].isin(["distribution", "access"])]
    order = np.lexsort((ids, -villages["households"].to_numpy()))
    out: list[_Extension] = []
    for i in order:
        served = [op for op in _FIBER_OPERATORS if f"{_CODE[op]}-SPL-{ids[i]}" in node_ids]
        if len(out) == count:
            break
        if not powered[i] or len(served) != 1:
            continue
        (other,) = [op for op in _FIBER_OPERATORS if op not in served]
        sources = {other: _network_nodes(roads, eligible[eligible["operator"] == other])}
        found = _nearest_network(roads, dark_edges, sources, _key(*vxy[i]))
        if found is not None and len(found[2]) > 1:
            out.append(_Extension(other, str(ids[i]), found[2]))
    return out


def _extension_frames(
    roads: _Roads, extensions: Sequence[_Extension]
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the new access routes and their nodes (a splice closure, a splitter at the end)."""
    out = _FiberOut()
    for ext in extensions:
        full = {(a, b): roads.edge_length(a, b) for a, b in itertools.pairwise(ext.path)}
        xy = _path_coords(roads, ext.path, full)
        if len(xy) < 2:
            continue
        code = _CODE[ext.operator]
        out.route(f"{code}-AC-{ext.village_id}", ext.operator, "access", xy)
        out.node(f"{code}-CL-{ext.village_id}", ext.operator, "closure", xy[0])
        out.node(f"{code}-SPL-{ext.village_id}", ext.operator, "splitter", xy[-1])
    routes = gpd.GeoDataFrame(
        pd.DataFrame(out.routes, columns=["route_id", "operator", "level"]),
        geometry=out.route_geoms,
        crs=_WORK_CRS,
    )
    nodes = gpd.GeoDataFrame(
        pd.DataFrame(out.nodes, columns=["node_id", "operator", "kind"]),
        geometry=_points(np.array(out.node_xy).reshape(-1, 2)),
        crs=_WORK_CRS,
    )
    return routes, nodes


def _appended(first: gpd.GeoDataFrame, added: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``first`` (EPSG:4326, untouched) followed by ``added`` (metres), in EPSG:4326."""
    if not len(added):
        return first.copy()
    extra = added.to_crs(_OUT_CRS)[list(first.columns)].astype(first.dtypes.to_dict())
    out = pd.concat([first, extra], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=_OUT_CRS)


def _later_fiber(
    ctx: StepContext, layers: Mapping[str, gpd.GeoDataFrame], targets: LaterTargets
) -> _Layers:
    """Return the fiber network of the later period: the first one plus new access cables."""
    settings = DEFAULT_SETTINGS
    admin = layers["admin_units"]
    villages = layers["villages"].to_crs(_WORK_CRS)
    vxy = _xy(villages)
    roads = _road_graph(layers["roads"].to_crs(_WORK_CRS))
    routes1 = layers["fiber_routes"].to_crs(_WORK_CRS)
    nodes1 = layers["fiber_nodes"].to_crs(_WORK_CRS)
    reached = fiber_reach(villages, routes1, nodes1, settings=settings)["fiber_reached"]
    before = reached.to_numpy(dtype=bool)
    extensions, unreached = _plan_extensions(
        villages, vxy, roads, routes1, before, _district_of(admin), targets, ctx
    )
    extensions += _second_operator(villages, vxy, roads, routes1, nodes1, targets.second_operator)
    new_routes, new_nodes = _extension_frames(roads, extensions)
    routes = _appended(layers["fiber_routes"], new_routes)
    nodes = _appended(layers["fiber_nodes"], new_nodes)
    routes_w = routes.to_crs(_WORK_CRS)
    _check_fiber(villages, routes_w, nodes.to_crs(_WORK_CRS), unreached, settings)
    share = _household_share(
        list(routes_w.geometry[routes_w["level"].isin(settings.fiber_route_levels)]),
        layers["clusters"].to_crs(_WORK_CRS),
        settings,
    )
    ctx.progress(
        f"fiber, later period: {len(new_routes)} new access routes "
        f"({new_routes.length.sum() / 1000.0:.1f} km: "
        + ", ".join(
            f"{op} {int((new_routes['operator'] == op).sum())}"
            for op in sorted(set(new_routes["operator"]))
        )
        + f"), villages reached {len(villages) - len(unreached)}/{len(villages)}, "
        f"households {share:.2f} %"
    )
    return {"fiber_routes": routes, "fiber_nodes": nodes}


_REGULAR_SITE = r"^[A-Z]+-\d{5}-\d{2}$"  # a site placed by households: CODE-commune-NN


def _site_commune(site_ids: pd.Series) -> pd.Series:
    """Commune of the regular sites (from their id), ``""`` for the others."""
    ids = site_ids.astype(str)
    regular = ids.str.match(_REGULAR_SITE)
    return ids.str.split("-").str[1].where(regular, "")


def _covered_4g(frame: gpd.GeoDataFrame, xy: _Floats, area: _Area) -> _Bools:
    signal = best_signal(frame, xy, tech="4G", density=area.density, settings=DEFAULT_SETTINGS)
    return np.asarray(signal.covered.to_numpy(dtype=bool), dtype=bool)


def _decommission(
    frame: gpd.GeoDataFrame, area: _Area, targets: LaterTargets, rng: np.random.Generator
) -> set[str]:
    """Sites switched off: 2G/3G-only ones first, then the most redundant 4G ones in towns.

    A 4G site goes only when every village and cluster it covers stays covered by
    another site; a 2G/3G-only site never changes 4G.
    """
    style = dict(zip(area.communes["unit_id"].astype(str), area.communes["style"], strict=True))
    commune = _site_commune(frame["site_id"])
    urban = commune.map(style).isin(["ward", "town"]).to_numpy(dtype=bool)
    has_4g = frame["tech"].astype(str).str.split(",").map(lambda t: "4G" in t).to_numpy()
    has_5g = frame["tech"].astype(str).str.contains("5G").to_numpy()
    regular = (commune != "").to_numpy()
    sxy = _xy(frame)
    points = np.vstack([_xy(area.villages), _xy(area.clusters)])
    removed: set[str] = set()
    current = frame
    for op in sorted(targets.removed_sites):
        own = (frame["operator"] == op).to_numpy() & regular & ~has_5g
        legacy = np.flatnonzero(own & ~has_4g)
        legacy = legacy[rng.permutation(len(legacy))]
        idx = np.flatnonzero(own & urban & has_4g)
        others = np.flatnonzero(own)
        near = np.hypot(
            sxy[idx, None, 0] - sxy[None, others, 0], sxy[idx, None, 1] - sxy[None, others, 1]
        )
        near[near == 0] = np.inf
        order = np.argsort(near.min(axis=1), kind="stable") if len(idx) else np.array([], int)
        partner = {int(idx[k]): int(others[int(np.argmin(near[k]))]) for k in order}
        redundant = idx[order]
        gone: set[int] = set()
        count = 0
        for i in [*legacy.tolist(), *redundant.tolist()]:
            if count == targets.removed_sites[op]:
                break
            if partner.get(i, -1) in gone:  # the other site of a redundant pair stays
                continue
            site_id = str(frame["site_id"].iloc[i])
            if has_4g[i]:
                alone = _covered_4g(frame.iloc[[i]], points, area)
                rest = current[current["site_id"] != site_id]
                if not _covered_4g(rest, points[alone], area).all():
                    continue
            current = current[current["site_id"] != site_id]
            removed.add(site_id)
            gone.add(i)
            count += 1
    return removed


def _new_sites(  # noqa: PLR0913
    frame: gpd.GeoDataFrame,
    area: _Area,
    targets: LaterTargets,
    settings: CoverageSettings,
    ctx: StepContext,
    taken: Iterable[str],
) -> gpd.GeoDataFrame:
    """Return new 4G sites: one each in the communes with the most households per own site.

    Each stands near the cluster of the commune that is farthest from the operator's
    sites in ``frame`` (weighted by households); ids continue the operator's numbering
    there after every id in ``taken`` (decommissioned sites' ids are not reused).
    """
    communes = area.communes
    hh = communes.set_index(communes["unit_id"].astype(str))["households"]
    style = communes.set_index(communes["unit_id"].astype(str))["style"].astype(str)
    polygon = communes.set_index(communes["unit_id"].astype(str)).geometry
    site_commune = _site_commune(frame["site_id"])
    cluster_commune = (
        area.clusters["village_id"]
        .map(dict(zip(area.villages["village_id"], area.villages["commune_id"], strict=True)))
        .astype(str)
        .to_numpy()
    )
    cxy = _xy(area.clusters)
    chh = area.clusters["households"].to_numpy(dtype=np.float64)
    taken = set(taken)
    sites = _Sites()
    for op in sorted(targets.new_sites):
        allowed = {"ward", "town"} if op == "Vietnamobile" else {"ward", "town", "lowland"}
        own = frame[(frame["operator"] == op).to_numpy()]
        per = site_commune[own.index].value_counts()
        load = {c: float(hh[c]) / (int(per.get(c, 0)) + 1) for c in hh.index if style[c] in allowed}
        ranked = sorted(load, key=lambda c: (-load[c], c))
        oxy = _xy(own) if len(own) else np.empty((0, 2))
        placed = 0
        for commune_id in ranked:
            if placed == targets.new_sites[op]:
                break
            rng = ctx.rng("later", "site", op, commune_id)
            mask = cluster_commune == commune_id
            pts, w = cxy[mask], chh[mask]
            if not len(pts):
                continue
            if len(oxy):
                far = np.hypot(pts[:, None, 0] - oxy[None, :, 0], pts[:, None, 1] - oxy[None, :, 1])
                score = far.min(axis=1) * np.sqrt(w)
            else:
                score = w
            anchor = pts[int(np.argmax(score))]
            xy = _jittered(polygon[commune_id], anchor, _JITTER_M[style[commune_id]], rng)
            low, high = _HEIGHTS_M[style[commune_id]]
            numbers = [
                int(s.rsplit("-", 1)[1])
                for s in taken
                if s.startswith(f"{_CODE[op]}-{commune_id}-") and s.rsplit("-", 1)[1].isdigit()
            ]
            site_id = f"{_CODE[op]}-{commune_id}-{max(numbers, default=0) + 1:02d}"
            record = _site_record(
                site_id,
                op,
                _FILL_TECH,
                float(rng.integers(low // 3, high // 3 + 1) * 3),
                _three_sectors(rng),
            )
            one = _Sites()
            one.add(record, xy)
            if len(area.dark_xy) and _loud_sites(one.frame(), "4G", area, settings):
                continue  # too close to a village without electricity: the next commune
            taken.add(site_id)
            sites.add(record, xy)
            placed += 1
    return sites.frame()


def _five_g_upgrades(
    frame: gpd.GeoDataFrame,
    area: _Area,
    places: gpd.GeoDataFrame,
    targets: LaterTargets,
    settings: CoverageSettings,
) -> set[str]:
    """Sites of ``targets.five_g_operator`` that add 5G, around each district centre.

    The upgrades are shared among the places of ``targets.five_g_kinds`` (at least 3
    each, the rest by the households of their district's towns and wards), the
    operator's 4G sites nearest each place first; more are upgraded where a place is
    still not covered. A site that would bring 5G near a village without electricity
    is skipped.
    """
    op = targets.five_g_operator
    techs = frame["tech"].astype(str).str.split(",")
    mine = (frame["operator"] == op).to_numpy()
    already = int((mine & techs.map(lambda t: "5G" in t).to_numpy()).sum())
    todo = targets.five_g_sites - already
    chosen_places = places[places["kind"].isin(targets.five_g_kinds)].sort_values("place_id")
    if todo <= 0 or not len(chosen_places):
        return set()
    communes = area.communes
    where = gpd.sjoin(
        chosen_places[["place_id", "geometry"]],
        communes[["unit_id", "parent_id", "geometry"]],
        how="left",
        predicate="intersects",
    )
    where = where[~where.index.duplicated(keep="first")]
    urban = communes[communes["style"].isin(["ward", "town"])]
    urban_hh = urban.groupby(urban["parent_id"].astype(str))["households"].sum()
    weights = np.array(
        [float(urban_hh.get(str(d), 0.0)) for d in where["parent_id"]], dtype=np.float64
    )
    quota = _allocate(todo, weights, np.full(len(where), 3, dtype=np.int64))
    pool = np.flatnonzero(mine & techs.map(lambda t: "4G" in t and "5G" not in t).to_numpy())
    sxy = _xy(frame)
    ids = frame["site_id"].astype(str).to_numpy()
    upgraded: set[str] = set()

    def five_g(site_ids: Iterable[str]) -> gpd.GeoDataFrame:
        wanted = set(site_ids)
        rows = frame[frame["site_id"].astype(str).isin(wanted)]
        return rows.assign(
            tech=[_with_5g(t) for t in rows["tech"]], eirp_dbm=np.nan, band_mhz=np.nan
        )

    def quiet(site_id: str) -> bool:
        return not len(area.dark_xy) or not _loud_sites(five_g([site_id]), "5G", area, settings)

    def covered(xy: _Floats) -> bool:
        current = pd.concat([frame[~frame["site_id"].astype(str).isin(upgraded)], five_g(upgraded)])
        sig = best_signal(
            gpd.GeoDataFrame(current, geometry="geometry", crs=_WORK_CRS),
            xy[None, :],
            tech="5G",
            density=area.density,
            settings=settings,
        )
        return op in str(sig.covered_by.iloc[0]).split(",")

    pxy = _xy(chosen_places)
    order = [
        [str(ids[i]) for i in pool[np.argsort(np.hypot(*(sxy[pool] - p).T), kind="stable")]]
        for p in pxy
    ]
    for nearest, n in zip(order, quota, strict=True):
        fresh = (s for s in nearest if s not in upgraded and quiet(s))
        upgraded.update(itertools.islice(fresh, n))
    for nearest, xy in zip(order, pxy, strict=True):  # then make sure every place is covered
        for site_id in nearest:
            if covered(xy):
                break
            if site_id not in upgraded and quiet(site_id):
                upgraded.add(site_id)
    return upgraded


def _with_5g(tech: object) -> str:
    """Add 5G to a comma-separated technology list (kept sorted)."""
    return ",".join(sorted({*str(tech).split(","), "5G"} - {""}))


def _later_mobile(
    ctx: StepContext, layers: Mapping[str, gpd.GeoDataFrame], targets: LaterTargets
) -> _Layers:
    """Return the later period's sites: some decommissioned, some new, some with 5G."""
    settings = DEFAULT_SETTINGS
    area = _mobile_area(ctx, layers)
    first = layers["mobile_sites"]
    work = first.to_crs(_WORK_CRS)
    removed = _decommission(work, area, targets, ctx.rng("later", "decommission"))
    kept = work[~work["site_id"].astype(str).isin(removed)]
    added = _new_sites(kept, area, targets, settings, ctx, work["site_id"].astype(str))
    upgraded = _five_g_upgrades(
        kept, area, layers["priority_places"].to_crs(_WORK_CRS), targets, settings
    )
    out = first[~first["site_id"].astype(str).isin(removed)].copy()
    up = out["site_id"].astype(str).isin(upgraded).to_numpy()
    out.loc[up, "tech"] = [_with_5g(t) for t in out.loc[up, "tech"]]
    out.loc[up, ["eirp_dbm", "band_mhz"]] = np.nan
    out = _appended(out, added).sort_values("site_id", kind="stable").reset_index(drop=True)
    work_out = out.to_crs(_WORK_CRS)
    _check_mobile(work_out, area, settings)
    _check_five_g(work_out, layers["priority_places"].to_crs(_WORK_CRS), area, targets, settings)
    five_g = int(
        ((out["operator"] == targets.five_g_operator) & out["tech"].str.contains("5G")).sum()
    )
    ctx.progress(
        f"mobile sites, later period: {len(out)} ({len(added)} new, {len(removed)} "
        f"decommissioned, {len(upgraded)} upgraded to 5G; "
        f"{targets.five_g_operator} 5G {five_g})"
    )
    return {"mobile_sites": out}


def _check_five_g(
    frame: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    area: _Area,
    targets: LaterTargets,
    settings: CoverageSettings,
) -> None:
    """Raise unless the operator's 5G covers every place of the kinds it must cover."""
    if targets.five_g_sites <= 0:
        return
    chosen = places[places["kind"].isin(targets.five_g_kinds)]
    sig = best_signal(frame, _xy(chosen), tech="5G", density=area.density, settings=settings)
    missing = [
        str(pid)
        for pid, ops in zip(chosen["place_id"], sig.covered_by, strict=True)
        if targets.five_g_operator not in str(ops).split(",")
    ]
    if missing:
        msg = f"Internal error: no {targets.five_g_operator} 5G at {', '.join(missing)}."
        raise RuntimeError(msg)


def step_later_networks(ctx: StepContext, layers: Mapping[str, gpd.GeoDataFrame]) -> _Layers:
    """Build the network layers of the later period from those of the first one.

    The fiber network keeps every route and node and gains access cables (a splice
    closure where each leaves the network, a splitter at its end); the mobile sites
    lose a few decommissioned ones, gain a few new 4G ones per operator, and part of
    Viettel's add 5G. Unchanged features keep their ids and geometry. The changes are
    checked with the coverage engine's default rules: the villages that the fiber
    reaches and those that have 4G are exactly the ones intended.

    Parameters
    ----------
    ctx
        The demo's build context (seeded generators, base layers, progress).
    layers
        The first period's layers, all of them.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``fiber_routes``, ``fiber_nodes`` and ``mobile_sites`` of the later period,
        complete, in EPSG:4326 with the first period's columns.

    Raises
    ------
    RuntimeError
        If the later networks miss their targets (a generator bug).
    """
    targets = later_targets_for(layers["admin_units"])
    out = _later_fiber(ctx, layers, targets)
    out.update(_later_mobile(ctx, layers, targets))
    return out


# ---------------------------------------------------------------------------- metadata

_NOTE: Final = (
    "synthetic, generated by geodata.demo_networks (seeded) on the demo's roads, villages "
    "and clusters; calibrated with the coverage engine's default rules (coverage.fiber, "
    "coverage.mobile) to the province's published mid-2024 status"
)

NETWORK_META: Final[Mapping[str, LayerMeta]] = {
    "fiber_routes": LayerMeta(
        source=(
            f"{_NOTE}: VNPT and Viettel backbone along the real major roads, distribution "
            "cables to every commune centre and access cables into the villages along "
            "shortest road paths (networkx), FPT in the towns of Quy Nhơn and An Nhơn; "
            "15 villages left without fiber (làng O2 and 14 in An Lão, Vĩnh Thạnh, Vân "
            "Canh); which access cables stop at the village edge is chosen by bisection on "
            "the share of households reached, toward the published 75 % (the sparsest such "
            "network when the clusters do not allow 75 %)"
        ),
        licence="synthetic (no operator data)",
        synthetic=True,
    ),
    "fiber_nodes": LayerMeta(
        source=(
            f"{_NOTE}: OLTs at commune centres, ODFs near district centres, splice "
            "closures where distribution cables leave the backbone, splitters where "
            "access cables end; all on the synthetic cables"
        ),
        licence="synthetic (no operator data)",
        synthetic=True,
    ),
    "mobile_sites": LayerMeta(
        source=(
            f"{_NOTE}: Viettel, VNPT, MobiFone and Vietnamobile sites placed by households "
            "and area (Vietnamobile in towns), 2G/3G on part of them; 4G-only sites added "
            "where a village lacked 4G (COST-231 Hata, WorldPop clutter, no terrain); no "
            "site within 3 dB of the threshold at làng O2; Viettel's 5 pilot 5G sites in "
            "Quy Nhơn; thôn Canh Giao (xã Canh Hiệp, Vân Canh; grid power since April "
            "2024) served by an 18 m two-sector Viettel 4G site on grid power, on air since "
            "June 2024 (the contract has no date column); radio parameters left empty take "
            "the per-technology defaults"
        ),
        licence="synthetic (no operator data)",
        synthetic=True,
    ),
}
"""Provenance of the network layers (synthetic)."""

_LATER_NOTE: Final = (
    "synthetic, generated by geodata.demo_networks (seeded) from the demo's mid-2024 "
    "networks; calibrated with the coverage engine's default rules to the province's "
    "published end-2024 status (2024-12-31)"
)

LATER_META: Final[Mapping[str, LayerMeta]] = {
    "fiber_routes": LayerMeta(
        source=(
            f"{_LATER_NOTE}: the mid-2024 routes unchanged (same ids) plus new access "
            "cables along the roads toward 7 of the 15 villages without fiber, each by the "
            "operator whose network is nearest; 8 villages stay without fiber, all in An "
            "Lão, Vĩnh Thạnh and Vân Canh, làng O2 (no grid power yet) among them. "
            "1,168/1,176 villages is 99.3 %; the press gives 99.2 % with 8 villages, the "
            "demo keeps the 8 villages"
        ),
        licence="synthetic (no operator data)",
        synthetic=True,
    ),
    "fiber_nodes": LayerMeta(
        source=(
            f"{_LATER_NOTE}: the mid-2024 nodes unchanged (same ids) plus a splice closure "
            "where each new access cable leaves the network and a splitter where it ends"
        ),
        licence="synthetic (no operator data)",
        synthetic=True,
    ),
    "mobile_sites": LayerMeta(
        source=(
            f"{_LATER_NOTE}: the mid-2024 sites (same ids) less a few decommissioned ones "
            "(2G/3G-only first, then redundant town sites; 4G in villages unchanged), plus a "
            "few new 4G sites per operator in the communes with the most households per "
            "site; Viettel adds 5G to its sites around every district centre (5G at every "
            "district centre, more than 70 sites with the 5 Quy Nhơn pilots); 4G still in "
            "every village but làng O2; thôn Canh Giao's 18 m two-sector site (June 2024) "
            "unchanged"
        ),
        licence="synthetic (no operator data)",
        synthetic=True,
    ),
}
"""Provenance of the network layers of the later period (end of 2024, synthetic)."""
