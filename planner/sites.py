"""New mobile sites for the villages and clusters without 4G: a maximal covering location problem.

:func:`candidate_sites` proposes places where a mast could stand near the targets (the
targets themselves, points along the roads around them and, with an elevation raster,
the high ground). :func:`plan_sites` predicts what a hypothetical site at each candidate
would cover with the *same* model as :mod:`coverage.mobile` (COST-231 Hata, clutter from
population density, terrain diffraction), then chooses:

* without ``max_sites`` or ``budget_vnd``: the fewest sites that give every coverable
  target the technology (set cover; ties broken by the lower cost);
* with them: the sites that cover the most households within the number of sites and
  the budget (maximal covering location problem, Church & ReVelle 1974).

Both are solved exactly as integer programmes with HiGHS (``highspy``), with a greedy
heuristic as a fallback (:func:`solve_covering`). Each proposed site then carries the
operator it is proposed to, its backhaul (fiber, microwave or satellite) and its power
(grid or solar), and a cost built from the documented defaults of :class:`SiteRules`.

References
----------
.. [1] R. Church and C. ReVelle, "The maximal covering location problem", Papers of the
   Regional Science Association, vol. 32, pp. 101-118, 1974.
.. [2] S. Khuller, A. Moss and J. Naor, "The budgeted maximum coverage problem",
   Information Processing Letters, vol. 70, no. 1, pp. 39-45, 1999 (the greedy with a
   best-single-set guard used under a budget).
.. [3] Q. Huangfu and J. A. J. Hall, "Parallelizing the dual revised simplex method",
   Mathematical Programming Computation, vol. 10, pp. 119-142, 2018 (HiGHS).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from coverage import pathloss, terrain
from coverage._checks import check_work_crs
from coverage.grid import sample
from coverage.mobile import best_signal
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.errors import CRSProblem, InputError
from geodata.raster import Grid
from planner._highs import highspy_module, new_highs

__all__ = [
    "DEFAULT_RULES",
    "METHODS",
    "SITE_COST_VND",
    "CoverSolution",
    "SiteInputError",
    "SitePlan",
    "SiteRules",
    "candidate_sites",
    "plan_sites",
    "solve_covering",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: Ways to solve the covering problem: exact ILP (HiGHS), greedy, or ILP falling back to
#: greedy when highspy is missing or the ILP hits its time limit.
METHODS: Final = ("auto", "ilp", "greedy")

#: Id columns looked for in the targets, in this order (a cluster also has ``village_id``).
_ID_COLUMNS: Final = ("target_id", "cluster_id", "village_id", "place_id")

#: Candidates evaluated per call of :func:`coverage.mobile.best_signal`.
_CANDIDATE_BATCH: Final = 128

#: Cost of one new rural 4G macro site (VND): a 30 m self-supporting steel mast with its
#: foundation, an outdoor cabinet with rectifiers and batteries, a three-sector LTE 1800
#: eNodeB with antennas and feeders, site acquisition and installation. A planning
#: assumption, not a quote: about US$ 48,000 at 25,000 VND/US$ (the rate of
#: ``planner.costs.VND_PER_USD``; every US$ figure below uses it). Public US figures
#: for a complete rural tower are far higher (US$ 200,000-300,000 with generator and
#: microwave; RCR Wireless, "Cost to build out rural U.S. is enormous", 2003-11-10) and
#: Vietnamese labour and steel are cheaper; replace it with the operators' own unit
#: costs when they are available.
SITE_COST_VND: Final = 1_200_000_000.0


class SiteInputError(InputError, ValueError):
    """The inputs of the site planner are inconsistent (columns, parameters, raster CRS)."""


@dataclass(frozen=True)
class SiteRules:
    """Distances and unit costs that decide a proposed site's backhaul, power and cost.

    Every default is a documented planning assumption; an operator's own figures should
    replace them.

    Attributes
    ----------
    fiber_backhaul_m
        Fiber backhaul when an existing fiber route or node lies within this distance
        (2 km: a short aerial spur on the existing low-voltage poles).
    fiber_cost_per_m_vnd
        Cost of that spur per metre (VND): a cable on existing poles, the aerial default
        of ``planner.costs`` (130,000 VND/m, about US$ 5.2/m: UN ESCAP 2018's buried
        cost per km scaled by the aerial/underground ratio of the Fiber Broadband
        Association and Cartesian's 2023 cost report; sources in ``planner.costs``).
    microwave_range_m
        Longest microwave hop to an existing site (15 km: a 15 GHz hop with 0.6 m
        dishes in the tropics; ITU-R P.530 rain fade limits longer hops at that band).
    microwave_freq_mhz
        Frequency of the hop, MHz, for the Fresnel-zone clearance.
    fresnel_fraction
        Share of the first Fresnel zone that must clear the terrain (0.6, the usual
        criterion for microwave line of sight; see
        :func:`coverage.terrain.line_of_sight`).
    microwave_cost_vnd
        One microwave hop (VND): two split-mount radios, two 0.6 m antennas and
        installation at both ends; planning assumption (about US$ 10,000).
    satellite_cost_vnd
        A VSAT terminal with installation when neither fiber nor microwave reaches
        (VND; planning assumption, about US$ 8,000; the monthly capacity fee, which
        dominates the life-cycle cost, is not included).
    power_line_m
        Grid power when a distribution line lies within this distance (1 km).
    max_power_line_kv
        Lines above this voltage are transmission lines that cannot feed a site without
        a substation and are ignored (35 kV: the top of the medium-voltage range of
        Vietnam's distribution grid, Circular 39/2015/TT-BCT art. 3; the 110 kV and
        220 kV lines of the demo do not count). A line without a voltage counts.
    electrified_village_m
        Grid power also when an electrified village (``has_electricity``) lies within
        this distance (1 km): its low-voltage network can be extended to the site.
    solar_extra_cost_vnd
        Extra cost of an off-grid solar power system (VND): about 9 kWp of panels and
        60 kWh of lithium (LFP) batteries for two days' autonomy of a rural 4G site
        drawing 1.2 kW (29 kWh a day at about 4.2 kWh/kWp/day in Bình Định, Global
        Solar Atlas, with 25 % losses), with controller, racks and installation; at
        about 14 million VND/kWp and 7 million VND/kWh installed. Planning assumption.
    """

    fiber_backhaul_m: float = 2_000.0
    fiber_cost_per_m_vnd: float = 130_000.0
    microwave_range_m: float = 15_000.0
    microwave_freq_mhz: float = 15_000.0
    fresnel_fraction: float = 0.6
    microwave_cost_vnd: float = 250_000_000.0
    satellite_cost_vnd: float = 200_000_000.0
    power_line_m: float = 1_000.0
    max_power_line_kv: float = 35.0
    electrified_village_m: float = 1_000.0
    solar_extra_cost_vnd: float = 650_000_000.0


#: The default rules.
DEFAULT_RULES: Final = SiteRules()


@dataclass(frozen=True)
class CoverSolution:
    """A solution of the covering problem of :func:`solve_covering`.

    Attributes
    ----------
    chosen
        Indices of the chosen candidates, ascending.
    covered
        ``bool`` per target: covered by a chosen candidate.
    method
        ``"ilp"`` or ``"greedy"``: what produced the solution.
    optimal
        ``True`` when the ILP proved the solution optimal.
    """

    chosen: tuple[int, ...]
    covered: BoolArray
    method: str
    optimal: bool


@dataclass(frozen=True)
class SitePlan:
    """New mobile sites proposed for the targets, with their coverage, backhaul and power.

    Attributes
    ----------
    sites
        One row per proposed site, ranked by households served: ``site_id``
        (``"P-001"``), ``candidate_id``, ``candidate_kind``, ``tech``, ``height_m``,
        ``operator``, ``operator_note``, ``target_ids`` (comma-separated), ``n_targets``,
        ``households``, ``target_rsrp_dbm`` (comma-separated, aligned with
        ``target_ids``), ``min_rsrp_dbm``, ``fiber_distance_m`` (NaN without a fiber
        layer), ``backhaul`` (``"fiber"``, ``"microwave"``, ``"satellite/none"``),
        ``backhaul_to``, ``backhaul_distance_m``, ``backhaul_note``, ``power``
        (``"grid"``, ``"solar"``), ``power_note``, ``site_cost_vnd``,
        ``backhaul_cost_vnd``, ``power_cost_vnd``, ``cost_vnd`` and the point geometry,
        in the targets' CRS. Each target is credited to the chosen site with its best
        signal, so ``households`` sums to :attr:`households_covered`.
    covered_targets
        Ids of the targets the plan covers.
    uncoverable_targets
        Ids of the targets that no candidate can cover: they need other candidates (a
        larger ``radius_m``, high ground, a taller mast) or another technology.
    unserved_targets
        Ids of the targets a candidate could cover but the plan leaves out (limited by
        ``max_sites`` or ``budget_vnd``).
    households_covered
        Households of the covered targets.
    households_total
        Households of all the targets.
    total_cost_vnd
        Sum of the sites' ``cost_vnd``.
    method
        ``"ilp"`` or ``"greedy"``.
    optimal
        ``True`` when the ILP proved the choice optimal.
    parameters
        The parameters of the run, JSON-ready (for saving a named plan).
    """

    sites: gpd.GeoDataFrame
    covered_targets: tuple[str, ...]
    uncoverable_targets: tuple[str, ...]
    unserved_targets: tuple[str, ...]
    households_covered: int
    households_total: int
    total_cost_vnd: float
    method: str
    optimal: bool
    parameters: dict[str, Any] = field(default_factory=dict)

    def totals(self) -> dict[str, Any]:
        """Return the headline figures of the plan, JSON-ready.

        Returns
        -------
        dict
            ``n_sites``, ``households_covered``, ``households_total``,
            ``total_cost_vnd``, the target lists, ``method``, ``optimal`` and
            ``parameters``.
        """
        return {
            "n_sites": len(self.sites),
            "households_covered": self.households_covered,
            "households_total": self.households_total,
            "total_cost_vnd": self.total_cost_vnd,
            "covered_targets": list(self.covered_targets),
            "uncoverable_targets": list(self.uncoverable_targets),
            "unserved_targets": list(self.unserved_targets),
            "method": self.method,
            "optimal": self.optimal,
            "parameters": dict(self.parameters),
        }


# --- input checks ---------------------------------------------------------------------------


def _check_same_crs(reference: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, name: str) -> None:
    check_work_crs(frame, name)
    if not pyproj.CRS.from_user_input(frame.crs).equals(reference.crs):
        msg = (
            f"CRS mismatch between the targets and {name!r}. Use `to_crs()` to reproject "
            f"{name!r} to the targets' CRS.\nTargets CRS: {reference.crs}\n"
            f"{name} CRS: {frame.crs}"
        )
        raise CRSProblem(msg)


def _check_grid_crs(grid: Grid, crs: pyproj.CRS, name: str) -> None:
    grid_crs = pyproj.CRS.from_user_input(grid.crs)
    if not grid_crs.equals(crs):
        msg = (
            f"raster {name!r} is in {grid_crs.to_string()!r}, not in the layers' CRS "
            f"{crs.to_string()!r}: terrain profiles need metres. Reproject the raster to "
            "the working CRS (e.g. rasterio.warp.reproject to EPSG:32649) first."
        )
        raise CRSProblem(msg)


def _positive(name: str, value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        msg = f"`{name}` must be finite and > 0; got {value!r}."
        raise SiteInputError(msg)
    return float(value)


def _target_ids(targets: gpd.GeoDataFrame, id_column: str | None) -> npt.NDArray[np.object_]:
    column = id_column
    if column is None:
        column = next((c for c in _ID_COLUMNS if c in targets.columns), None)
    if column is None or column not in targets.columns:
        msg = (
            f"the targets need an id column; none of {list(_ID_COLUMNS)!r} is present "
            f"(columns: {list(targets.columns)!r}). Pass `id_column`."
        )
        raise SiteInputError(msg)
    ids: npt.NDArray[np.object_] = np.asarray(targets[column].astype(str), dtype=object)
    if len(set(ids)) != len(ids):
        dupes = sorted(pd.Series(ids).loc[pd.Series(ids).duplicated()].unique())[:5]
        msg = f"target ids in {column!r} must be unique; duplicated: {dupes!r}."
        raise SiteInputError(msg)
    return ids


def _households(targets: gpd.GeoDataFrame) -> FloatArray:
    if "households" not in targets.columns:
        msg = (
            "the targets need a `households` column (the weights of the maximal covering "
            "problem); add it, e.g. 1 per target to count targets."
        )
        raise SiteInputError(msg)
    values = np.asarray(pd.to_numeric(targets["households"], errors="coerce"), dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        shown = targets["households"].to_numpy()[bad][:5].tolist()
        msg = f"`households` must be numbers >= 0; got {shown!r}. Fix or drop those targets."
        raise SiteInputError(msg)
    return values


def _points_xy(frame: gpd.GeoDataFrame) -> FloatArray:
    if not len(frame):
        return np.empty((0, 2))
    pts = shapely.point_on_surface(np.asarray(frame.geometry.to_numpy(), dtype=object))
    return np.asarray(shapely.get_coordinates(pts), dtype=np.float64)


def _has_tech(frame: gpd.GeoDataFrame, tech: str) -> BoolArray:
    values = frame["tech"].fillna("").astype(str) if "tech" in frame else pd.Series("", frame.index)
    return values.map(lambda s: tech in [p.strip() for p in s.split(",")]).to_numpy(dtype=bool)


# --- candidates -----------------------------------------------------------------------------


def _road_points(
    centres: FloatArray, roads: gpd.GeoDataFrame, spacing_m: float, radius_m: float
) -> tuple[FloatArray, IntArray]:
    """Return points every ``spacing_m`` along the roads within ``radius_m`` of each centre."""
    buffers = shapely.buffer(shapely.points(centres), radius_m, quad_segs=16)
    geoms = np.asarray(roads.geometry.to_numpy(), dtype=object)
    tree = shapely.STRtree(geoms)
    t_idx, r_idx = tree.query(buffers, predicate="intersects")
    order = np.lexsort((r_idx, t_idx))
    t_idx, r_idx = t_idx[order], r_idx[order]
    pieces = np.asarray(
        shapely.intersection(geoms[r_idx], np.asarray(buffers, dtype=object)[t_idx]), dtype=object
    )
    xy: list[FloatArray] = []
    owner: list[IntArray] = []
    for target, piece in zip(t_idx.tolist(), pieces.tolist(), strict=True):
        for part in shapely.get_parts(piece):
            if shapely.get_type_id(part) != 1:  # only LineStrings carry a road
                continue
            length = float(shapely.length(part))
            steps = (
                np.arange(spacing_m / 2.0, length, spacing_m)
                if length >= spacing_m
                else np.array([length / 2.0])
            )
            pts = shapely.get_coordinates(shapely.line_interpolate_point(part, steps))
            xy.append(np.asarray(pts, dtype=np.float64))
            owner.append(np.full(len(pts), target, dtype=np.intp))
    if not xy:
        return np.empty((0, 2)), np.empty(0, dtype=np.intp)
    return np.vstack(xy), np.concatenate(owner)


def _high_ground(
    centres: FloatArray, elevation: Grid, radius_m: float, separation_m: float, per_target: int
) -> tuple[FloatArray, IntArray]:
    """Return the highest cells within ``radius_m`` of each centre, ``separation_m`` apart."""
    array = np.asarray(elevation.array, dtype=np.float64)
    rows, cols = array.shape
    fwd = elevation.transform
    inv = ~fwd
    xy: list[tuple[float, float]] = []
    owner: list[int] = []
    for i, (x, y) in enumerate(centres.tolist()):
        corners = [(x - radius_m, y - radius_m), (x + radius_m, y + radius_m)]
        cr = [
            (inv.a * cx + inv.b * cy + inv.c, inv.d * cx + inv.e * cy + inv.f) for cx, cy in corners
        ]
        c0 = max(0, math.floor(min(c for c, _ in cr)))
        c1 = min(cols, math.ceil(max(c for c, _ in cr)) + 1)
        r0 = max(0, math.floor(min(r for _, r in cr)))
        r1 = min(rows, math.ceil(max(r for _, r in cr)) + 1)
        if c0 >= c1 or r0 >= r1:
            continue
        cc, rr = np.meshgrid(np.arange(c0, c1) + 0.5, np.arange(r0, r1) + 0.5)
        gx = fwd.a * cc + fwd.b * rr + fwd.c
        gy = fwd.d * cc + fwd.e * rr + fwd.f
        values = array[r0:r1, c0:c1]
        ok = np.isfinite(values) & (np.hypot(gx - x, gy - y) <= radius_m)
        if not ok.any():
            continue
        vx, vy, vz = gx[ok], gy[ok], values[ok]
        order = np.argsort(-vz, kind="stable")  # highest first; ties in row-major order
        picked: list[tuple[float, float]] = []
        for k in order.tolist():
            px, py = float(vx[k]), float(vy[k])
            if all(math.hypot(px - qx, py - qy) >= separation_m for qx, qy in picked):
                picked.append((px, py))
                if len(picked) == per_target:
                    break
        xy.extend(picked)
        owner.extend([i] * len(picked))
    if not xy:
        return np.empty((0, 2)), np.empty(0, dtype=np.intp)
    return np.asarray(xy, dtype=np.float64), np.asarray(owner, dtype=np.intp)


def _thin(xy: FloatArray, cell_m: float) -> IntArray:
    """Return the indices of the first point in each ``cell_m`` grid cell, in order."""
    if not len(xy):
        return np.empty(0, dtype=np.intp)
    keys = np.floor(xy / cell_m).astype(np.int64)
    _, first = np.unique(keys, axis=0, return_index=True)
    return np.sort(first).astype(np.intp)


def candidate_sites(  # noqa: PLR0913 - the candidate generator's inputs, keyword-only
    targets: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    elevation: Grid | None = None,
    spacing_m: float = 500.0,
    radius_m: float = 3_000.0,
    high_ground_per_target: int = 3,
    id_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Return candidate locations for new sites near the targets.

    Three kinds of candidates, in this order: each target itself (``"target"``; a point
    on the surface of a polygon); points every ``spacing_m`` along the roads within
    ``radius_m`` of a target (``"road"``: access for building and power); and, with an
    elevation raster, the ``high_ground_per_target`` highest cells within ``radius_m``
    of each target, at least ``spacing_m`` apart (``"high_ground"``). Road points closer
    than about ``spacing_m / 2`` to one another, and exact duplicates, are dropped. The
    result depends only on the inputs.

    Parameters
    ----------
    targets
        Villages or clusters to serve, in a metric CRS.
    roads
        ``roads`` layer, same CRS; ``None`` for no road candidates.
    elevation
        Terrain (m) in the same CRS; ``None`` for no high-ground candidates.
    spacing_m
        Distance between road candidates, and the least separation of high-ground ones.
    radius_m
        How far from a target candidates are sought.
    high_ground_per_target
        High-ground candidates per target.
    id_column
        The targets' id column; by default the first of ``target_id``, ``cluster_id``,
        ``village_id``, ``place_id``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate_id`` (``"C-00001"``, ...), ``kind``, ``target_id`` (the target the
        candidate was generated for) and point geometry, in the targets' CRS, with a
        RangeIndex.

    Raises
    ------
    geodata.CRSProblem
        A layer is not in a metric CRS, the layers' CRSs differ, or the raster is not
        in the targets' CRS.
    SiteInputError
        No id column, or a non-positive ``spacing_m`` or ``radius_m``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> t = gpd.GeoDataFrame({"village_id": ["V1"]}, geometry=[shapely.Point(0, 0)], crs=32649)
    >>> r = gpd.GeoDataFrame(geometry=[shapely.LineString([(-5000, 0), (5000, 0)])], crs=32649)
    >>> candidate_sites(t, roads=r, spacing_m=1000, radius_m=2000)["kind"].tolist()
    ['target', 'road', 'road', 'road', 'road']
    """
    check_work_crs(targets, "targets")
    spacing_m = _positive("spacing_m", spacing_m)
    radius_m = _positive("radius_m", radius_m)
    if high_ground_per_target < 0:
        msg = f"`high_ground_per_target` must be >= 0; got {high_ground_per_target!r}."
        raise SiteInputError(msg)
    ids = _target_ids(targets, id_column)
    centres = _points_xy(targets)
    crs = pyproj.CRS.from_user_input(targets.crs)
    parts: list[tuple[str, FloatArray, IntArray]] = [
        ("target", centres, np.arange(len(centres), dtype=np.intp))
    ]
    if roads is not None and len(roads) and len(centres):
        _check_same_crs(targets, roads, "roads")
        xy, owner = _road_points(centres, roads, spacing_m, radius_m)
        keep = _thin(xy, spacing_m / 2.0)
        parts.append(("road", xy[keep], owner[keep]))
    if elevation is not None and high_ground_per_target and len(centres):
        _check_grid_crs(elevation, crs, "elevation")
        xy, owner = _high_ground(centres, elevation, radius_m, spacing_m, high_ground_per_target)
        parts.append(("high_ground", xy, owner))
    kinds = np.concatenate([np.full(len(xy), kind, dtype=object) for kind, xy, _ in parts])
    xy_all = np.vstack([xy for _, xy, _ in parts])
    owners = np.concatenate([owner for _, _, owner in parts])
    # Drop exact duplicates (to the metre), keeping the first: a target on a road, or a
    # road point shared by two targets' circles.
    _, first = np.unique(np.round(xy_all), axis=0, return_index=True)
    keep = np.sort(first)
    kinds, xy_all, owners = kinds[keep], xy_all[keep], owners[keep]
    frame = gpd.GeoDataFrame(
        {
            "candidate_id": [f"C-{k + 1:05d}" for k in range(len(keep))],
            "kind": kinds.astype(str),
            "target_id": ids[owners].astype(str) if len(owners) else np.array([], dtype=str),
        },
        geometry=shapely.points(xy_all) if len(xy_all) else gpd.GeoSeries([]),
        crs=crs,
    )
    counts = frame["kind"].value_counts().to_dict()
    log.info("candidate sites: %d (%s) for %d targets", len(frame), counts, len(targets))
    return frame


# --- coverage matrix ------------------------------------------------------------------------


def _reach_m(tech: str, height_m: float, settings: CoverageSettings) -> float:
    """Distance beyond which a default site of ``tech`` misses the threshold in open terrain."""
    defaults = pathloss.TECH_DEFAULTS[tech]
    budget = (
        defaults.eirp_dbm - 10.0 * math.log10(12.0 * defaults.n_rb) - settings.min_rsrp_dbm[tech]
    )
    lo, hi = 1.0, float(settings.max_range_m)
    for _ in range(60):  # bisection on log distance; the loss grows with distance
        mid = math.sqrt(lo * hi)
        loss = float(
            pathloss.hata_cost231_db(
                mid,
                freq_mhz=defaults.band_mhz,
                h_base_m=height_m,
                h_mobile_m=settings.mobile_height_m,
                clutter=pathloss.OPEN,
            )
        )
        lo, hi = (mid, hi) if loss <= budget else (lo, mid)
    return min(hi * 1.05, float(settings.max_range_m))


def _coverage_pairs(  # noqa: PLR0913
    cand_xy: FloatArray,
    target_xy: FloatArray,
    *,
    tech: str,
    height_m: float,
    density: Grid | None,
    elevation: Grid | None,
    settings: CoverageSettings,
    crs: pyproj.CRS,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Return (target, candidate, rsrp_dbm) of every pair at or above the threshold.

    One hypothetical omni site per candidate, default radio parameters of ``tech`` at
    ``height_m``, each its own "operator" so that :func:`coverage.mobile.best_signal`
    returns one column per candidate.
    """
    n_c, n_t = len(cand_xy), len(target_xy)
    empty = (np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp), np.empty(0))
    if not n_c or not n_t:
        return empty
    reach = _reach_m(tech, height_m, settings)
    tree = shapely.STRtree(np.asarray(shapely.points(target_xy), dtype=object))
    threshold = float(settings.min_rsrp_dbm[tech])
    out_t: list[IntArray] = []
    out_c: list[IntArray] = []
    out_r: list[FloatArray] = []
    for start in range(0, n_c, _CANDIDATE_BATCH):
        batch = np.arange(start, min(n_c, start + _CANDIDATE_BATCH), dtype=np.intp)
        _, near = tree.query(shapely.points(cand_xy[batch]), predicate="dwithin", distance=reach)
        tsel = np.unique(near).astype(np.intp)
        if not len(tsel):
            continue
        names = [f"c{k}" for k in batch.tolist()]
        sites = gpd.GeoDataFrame(
            {"site_id": names, "operator": names, "tech": tech, "height_m": height_m},
            geometry=shapely.points(cand_xy[batch]),
            crs=crs,
        )
        result = best_signal(
            sites,
            target_xy[tsel],
            tech=tech,
            density=density,
            elevation=elevation,
            settings=settings,
        )
        rsrp = result.rsrp_dbm.reindex(columns=names).to_numpy(dtype=np.float64)
        rows, cols = np.nonzero(rsrp >= threshold)
        out_t.append(tsel[rows])
        out_c.append(batch[cols])
        out_r.append(rsrp[rows, cols])
    if not out_t:
        return empty
    t = np.concatenate(out_t)
    c = np.concatenate(out_c)
    r = np.concatenate(out_r)
    order = np.lexsort((c, t))
    return t[order], c[order], r[order]


# --- the covering problem -------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    """A mixed-integer programme in row-wise sparse form (the first ``n_int`` are binary)."""

    cost: FloatArray
    upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    start: IntArray
    index: IntArray
    value: FloatArray
    n_int: int
    maximize: bool


def _row_slices(t: IntArray, n_t: int) -> tuple[IntArray, IntArray, IntArray]:
    """Return the coverable targets and where their pairs start and end (``t`` sorted)."""
    rows = np.flatnonzero(np.bincount(t, minlength=n_t) > 0).astype(np.intp)
    return rows, np.searchsorted(t, rows).astype(np.intp), np.searchsorted(t, rows, "right")


def _set_cover_model(t: IntArray, c: IntArray, n_t: int, rel_cost: FloatArray) -> _Model:
    """Fewest sites covering every coverable target, then the cheapest.

    Each site costs ``1 + rel_cost / (n_c + 1)``: the tie-breaks of all sites together
    stay below one site.
    """
    n_c = len(rel_cost)
    rows, starts, ends = _row_slices(t, n_t)
    parts = [c[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    index = np.concatenate(parts).astype(np.intp) if parts else np.empty(0, dtype=np.intp)
    return _Model(
        cost=1.0 + rel_cost / (n_c + 1.0),
        upper=np.ones(n_c),
        row_lower=np.ones(len(rows)),
        row_upper=np.full(len(rows), np.inf),
        start=np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.intp),
        index=index,
        value=np.ones(len(index)),
        n_int=n_c,
        maximize=False,
    )


def _max_cover_model(  # noqa: PLR0913
    t: IntArray,
    c: IntArray,
    weights: FloatArray,
    rel_cost: FloatArray,
    max_sites: int | None,
    rel_budget: float | None,
) -> _Model:
    """Most households; then most targets; then lowest cost (weights nested to keep order).

    Columns: ``x`` per candidate (binary), then ``y`` per target (covered, in [0, 1]);
    rows ``y_i - sum_j x_j <= 0`` per coverable target, ``sum x <= max_sites`` and
    ``sum rel_cost x <= rel_budget``.
    """
    n_t, n_c = len(weights), len(rel_cost)
    rows, starts, ends = _row_slices(t, n_t)
    coverable = np.zeros(n_t)
    coverable[rows] = 1.0
    w_unit = float(weights[weights > 0].min()) if (weights > 0).any() else 1.0
    eta = 0.5 * w_unit / (n_t + 1.0)
    delta = 0.25 * eta / (n_c + 1.0)
    index: list[IntArray] = []
    value: list[FloatArray] = []
    for i, s, e in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        index.append(np.concatenate([[n_c + i], c[s:e]]).astype(np.intp))
        value.append(np.concatenate([[1.0], -np.ones(e - s)]))
    upper_rows = [0.0] * len(rows)
    if max_sites is not None:
        index.append(np.arange(n_c, dtype=np.intp))
        value.append(np.ones(n_c))
        upper_rows.append(float(max_sites))
    if rel_budget is not None:
        index.append(np.arange(n_c, dtype=np.intp))
        value.append(rel_cost)
        upper_rows.append(rel_budget)
    return _Model(
        cost=np.concatenate([-delta * rel_cost, weights + eta]),
        upper=np.concatenate([np.ones(n_c), coverable]),
        row_lower=np.full(len(upper_rows), -np.inf),
        row_upper=np.asarray(upper_rows, dtype=np.float64),
        start=np.concatenate([[0], np.cumsum([len(p) for p in index])]).astype(np.intp),
        index=np.concatenate(index) if index else np.empty(0, dtype=np.intp),
        value=np.concatenate(value) if value else np.empty(0),
        n_int=n_c,
        maximize=True,
    )


def _run_highs(model: _Model, time_limit_s: float) -> tuple[FloatArray | None, bool]:
    """Solve ``model`` with HiGHS; return (column values or None, proven optimal)."""
    hs = highspy_module()
    if hs is None:
        msg = (
            "highspy must be installed to solve the site plan exactly "
            "(`pip install highspy`); or use method='greedy'."
        )
        raise ImportError(msg)
    inf = float(hs.kHighsInf)
    n_col, n_row = len(model.cost), len(model.row_upper)
    lp = hs.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = model.cost
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = model.upper
    lp.row_lower_ = np.where(np.isfinite(model.row_lower), model.row_lower, -inf)
    lp.row_upper_ = np.where(np.isfinite(model.row_upper), model.row_upper, inf)
    lp.a_matrix_.format_ = hs.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = n_row
    lp.a_matrix_.start_ = model.start.astype(np.int32)
    lp.a_matrix_.index_ = model.index.astype(np.int32)
    lp.a_matrix_.value_ = model.value
    lp.integrality_ = [hs.HighsVarType.kInteger] * model.n_int + [hs.HighsVarType.kContinuous] * (
        n_col - model.n_int
    )
    lp.sense_ = hs.ObjSense.kMaximize if model.maximize else hs.ObjSense.kMinimize
    h = new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("random_seed", 0)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    optimal = bool(status == hs.HighsModelStatus.kOptimal)
    if not optimal and h.getInfo().primal_solution_status != hs.kSolutionStatusFeasible:
        log.warning("site ILP: no solution (%s)", h.modelStatusToString(status))
        return None, False
    if not optimal:
        log.warning("site ILP stopped early (%s)", h.modelStatusToString(status))
    return np.asarray(h.getSolution().col_value, dtype=np.float64), optimal


def _ilp(  # noqa: PLR0913
    t: IntArray,
    c: IntArray,
    weights: FloatArray,
    costs: FloatArray,
    max_sites: int | None,
    budget: float | None,
    time_limit_s: float,
) -> tuple[BoolArray | None, bool]:
    """Solve the covering problem exactly; return (chosen mask or None, proven optimal)."""
    scale = float(costs.max()) if len(costs) and costs.max() > 0 else 1.0
    rel_cost = costs / scale  # costs in VND scaled to <= 1: a well-conditioned budget row
    if max_sites is None and budget is None:
        model = _set_cover_model(t, c, len(weights), rel_cost)
    else:
        rel_budget = None if budget is None else float(budget) / scale
        model = _max_cover_model(t, c, weights, rel_cost, max_sites, rel_budget)
    x, optimal = _run_highs(model, time_limit_s)
    if x is None:
        return None, False
    return x[: len(costs)] > 0.5, optimal


def _covered(t: IntArray, c: IntArray, chosen: BoolArray, n_t: int) -> BoolArray:
    return np.bincount(t, weights=chosen[c].astype(np.float64), minlength=n_t) > 0


def _greedy(  # noqa: PLR0913
    t: IntArray,
    c: IntArray,
    weights: FloatArray,
    costs: FloatArray,
    max_sites: int | None,
    budget: float | None,
) -> BoolArray:
    """Greedy covering: most targets (set cover) or most households (gain per cost)."""
    n_t, n_c = len(weights), len(costs)
    chosen = np.zeros(n_c, dtype=bool)
    coverable = np.bincount(t, minlength=n_t) > 0
    uncovered = coverable.copy()
    index = np.arange(n_c)
    if max_sites is None and budget is None:
        while uncovered.any():
            count = np.bincount(c, weights=uncovered[t].astype(np.float64), minlength=n_c)
            gain = np.bincount(c, weights=(weights * uncovered)[t], minlength=n_c)
            best = int(np.lexsort((index, costs, -gain, -count))[0])
            chosen[best] = True
            uncovered &= ~_covered(t, c, chosen, n_t)
        # Clean-up: drop sites whose targets all stay covered, costliest first.
        for j in sorted(np.flatnonzero(chosen).tolist(), key=lambda k: (-costs[k], -k)):
            chosen[j] = False
            if (_covered(t, c, chosen, n_t) != coverable).any():
                chosen[j] = True
        return chosen
    w_unit = float(weights[weights > 0].min()) if (weights > 0).any() else 1.0
    value = weights + 0.5 * w_unit / (n_t + 1.0)  # a target with no households still counts
    limit = n_c if max_sites is None else max_sites
    left = math.inf if budget is None else float(budget)
    while int(chosen.sum()) < limit:
        gain = np.bincount(c, weights=(value * uncovered)[t], minlength=n_c)
        ok = ~chosen & (costs <= left + 1e-6) & (gain > 0)
        if not ok.any():
            break
        score = gain / np.maximum(costs, 1.0) if budget is not None else gain
        score = np.where(ok, score, -np.inf)
        best = int(np.lexsort((index, costs, -score))[0])
        chosen[best] = True
        left -= float(costs[best])
        uncovered &= ~_covered(t, c, chosen, n_t)
    if budget is not None and limit >= 1:
        # Guard of the budgeted greedy: the best single affordable site may beat it.
        single = np.bincount(c, weights=value[t], minlength=n_c)
        single = np.where(costs <= float(budget) + 1e-6, single, -np.inf)
        j = int(np.lexsort((index, costs, -single))[0])
        total = float(np.sum(value[_covered(t, c, chosen, n_t)]))
        if np.isfinite(single[j]) and single[j] > total + 1e-9:
            chosen[:] = False
            chosen[j] = True
    return chosen


def _score(
    t: IntArray, c: IntArray, chosen: BoolArray, weights: FloatArray, set_cover: bool
) -> tuple[float, float]:
    """Key to compare two solutions (higher is better)."""
    covered = _covered(t, c, chosen, len(weights))
    if set_cover:
        return (-float(chosen.sum()), float(weights[covered].sum()))
    return (float(weights[covered].sum()), -float(chosen.sum()))


def _check_method(method: str) -> None:
    if method not in METHODS:
        msg = f"{method!r} is not a valid choice for a method; choose one of {METHODS!r}."
        raise ValueError(msg)


def _check_problem(  # noqa: PLR0913
    target_idx: npt.ArrayLike,
    candidate_idx: npt.ArrayLike,
    weights: npt.ArrayLike,
    costs: npt.ArrayLike,
    max_sites: int | None,
    budget: float | None,
    method: str,
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Return the problem's arrays, raising ``ValueError`` on anything inconsistent."""
    _check_method(method)
    w = np.asarray(weights, dtype=np.float64)
    cost = np.asarray(costs, dtype=np.float64)
    t = np.asarray(target_idx, dtype=np.intp).ravel()
    c = np.asarray(candidate_idx, dtype=np.intp).ravel()
    problems: list[str] = []
    if len(t) != len(c):
        problems.append(f"`target_idx` and `candidate_idx` differ in length: {len(t)}, {len(c)}")
    elif len(t) and (t.min() < 0 or t.max() >= len(w) or c.min() < 0 or c.max() >= len(cost)):
        problems.append(
            f"pairs out of range: targets must be in [0, {len(w)}) and candidates in "
            f"[0, {len(cost)})"
        )
    if not (np.isfinite(w).all() and np.isfinite(cost).all() and (w >= 0).all()):
        problems.append("`weights` and `costs` must be finite and >= 0")
    elif (cost < 0).any():
        problems.append("`costs` must be >= 0")
    if max_sites is not None and max_sites < 0:
        problems.append(f"`max_sites` must be >= 0; got {max_sites!r}")
    if budget is not None and not budget >= 0:
        problems.append(f"`budget` must be >= 0; got {budget!r}")
    if problems:
        msg = "invalid covering problem: " + "; ".join(problems) + "."
        raise ValueError(msg)
    return w, cost, t, c


def solve_covering(  # noqa: PLR0913 - the problem's data and options, keyword-only
    target_idx: npt.ArrayLike,
    candidate_idx: npt.ArrayLike,
    *,
    weights: npt.ArrayLike,
    costs: npt.ArrayLike,
    max_sites: int | None = None,
    budget: float | None = None,
    method: str = "auto",
    time_limit_s: float = 30.0,
) -> CoverSolution:
    """Choose candidates covering targets: fewest covering all, or most weight within limits.

    Without ``max_sites`` and ``budget`` this is set cover: the fewest candidates that
    cover every coverable target, the cheapest among equally few. With either, it is the
    maximal covering location problem: the most ``weights`` (households) covered with
    at most ``max_sites`` candidates whose ``costs`` sum to at most ``budget``; among
    equal weights the most targets, then the lowest cost.

    Parameters
    ----------
    target_idx, candidate_idx
        The pairs (target ``i`` can be covered by candidate ``j``), two integer arrays
        of equal length.
    weights
        Weight of each target (households), >= 0; its length is the number of targets.
    costs
        Cost of each candidate, >= 0; its length is the number of candidates.
    max_sites
        At most this many candidates.
    budget
        At most this total cost.
    method
        ``"ilp"`` (exact, HiGHS), ``"greedy"``, or ``"auto"``: the ILP, and the greedy
        when highspy is missing or when the ILP stops at its time limit with a worse
        solution (the better of the two is kept).
    time_limit_s
        Time limit of the ILP, seconds.

    Returns
    -------
    CoverSolution

    Raises
    ------
    ValueError
        For an unknown ``method``, pairs out of range or negative limits.
    ImportError
        ``method="ilp"`` without highspy.

    Examples
    --------
    >>> s = solve_covering([0, 1, 1, 2], [0, 0, 1, 1], weights=[5, 1, 1], costs=[1, 1])
    >>> s.chosen, s.covered.tolist()
    ((0, 1), [True, True, True])
    >>> solve_covering([0, 1, 1, 2], [0, 0, 1, 1], weights=[5, 1, 1], costs=[1, 1],
    ...                max_sites=1).chosen
    (0,)
    """
    w, cost, t, c = _check_problem(
        target_idx, candidate_idx, weights, costs, max_sites, budget, method
    )
    pairs = np.unique(np.column_stack([t, c]), axis=0) if len(t) else np.empty((0, 2), np.intp)
    t, c = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
    set_cover = max_sites is None and budget is None
    if not len(t) or max_sites == 0:
        exact = method != "greedy" and highspy_module() is not None
        return CoverSolution(
            chosen=(),
            covered=np.zeros(len(w), dtype=bool),
            method="ilp" if exact else "greedy",
            optimal=exact,
        )
    chosen: BoolArray | None = None
    used, optimal = "greedy", False
    if method in {"ilp", "auto"}:
        try:
            chosen, optimal = _ilp(t, c, w, cost, max_sites, budget, time_limit_s)
            used = "ilp"
        except ImportError:
            if method == "ilp":
                raise
            log.warning("highspy is not installed: the site plan falls back to greedy")
    if method == "greedy" or chosen is None or (method == "auto" and not optimal):
        greedy = _greedy(t, c, w, cost, max_sites, budget)
        if chosen is None or _score(t, c, greedy, w, set_cover) > _score(
            t, c, chosen, w, set_cover
        ):
            chosen, used, optimal = greedy, "greedy", False
    covered = _covered(t, c, chosen, len(w))
    log.info(
        "covering (%s): %d of %d candidates chosen, %d of %d targets covered, %s",
        used,
        int(chosen.sum()),
        len(cost),
        int(covered.sum()),
        len(w),
        "optimal" if optimal else "not proven optimal",
    )
    return CoverSolution(
        chosen=tuple(np.flatnonzero(chosen).tolist()),
        covered=covered,
        method=used,
        optimal=optimal,
    )


# --- what a site needs: operator, backhaul, power, cost ---------------------------------------


def _operators(
    xy: FloatArray, existing: gpd.GeoDataFrame | None, tech: str, operator: str | None
) -> tuple[list[str], list[str]]:
    n = len(xy)
    if not n:
        return [], []
    if operator is not None:
        name = "Shared" if operator.strip().lower() == "shared" else operator
        note = "shared site (roaming / infrastructure sharing)" if name == "Shared" else "as asked"
        return [name] * n, [note] * n
    net = (
        existing.loc[_has_tech(existing, tech)] if existing is not None and len(existing) else None
    )
    if net is None or not len(net):
        return ["Shared"] * n, [f"no existing {tech} site: proposed as shared"] * n
    tree = shapely.STRtree(np.asarray(net.geometry.to_numpy(), dtype=object))
    (src, dst), dist = tree.query_nearest(
        shapely.points(xy), return_distance=True, all_matches=False
    )
    ops = net["operator"].astype(str).to_numpy()
    ids = net["site_id"].astype(str).to_numpy() if "site_id" in net else np.full(len(net), "?")
    names, notes = [""] * n, [""] * n
    for i, j, d in zip(src.tolist(), dst.tolist(), dist.tolist(), strict=True):
        names[i] = str(ops[j])
        notes[i] = f"nearest {tech} network: site {ids[j]} at {d:.0f} m"
    return names, notes


def _fiber_distance(
    xy: FloatArray, routes: gpd.GeoDataFrame | None, nodes: gpd.GeoDataFrame | None
) -> FloatArray:
    geoms = [
        np.asarray(layer.geometry.to_numpy(), dtype=object)
        for layer in (routes, nodes)
        if layer is not None and len(layer)
    ]
    out = np.full(len(xy), np.nan)
    if not geoms or not len(xy):
        return out
    tree = shapely.STRtree(np.concatenate(geoms))
    (src, _), dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    out[src] = dist
    return out


@dataclass(frozen=True)
class _Backhaul:
    kind: list[str]
    to: list[str]
    distance_m: FloatArray
    note: list[str]


def _microwave(  # noqa: PLR0913
    xy: FloatArray,
    operators: list[str],
    existing: gpd.GeoDataFrame | None,
    *,
    height_m: float,
    elevation: Grid | None,
    rules: SiteRules,
    crs: pyproj.CRS,
) -> _Backhaul:
    """Find, for each point, the nearest existing site with line of sight within range."""
    n = len(xy)
    to, dist_out = [""] * n, np.full(n, np.nan)
    notes = [""] * n
    kind = ["satellite/none"] * n
    if existing is None or not len(existing) or not n:
        return _Backhaul(
            kind, to, dist_out, [f"no existing site within {rules.microwave_range_m:.0f} m"] * n
        )
    ex_xy = _points_xy(existing)
    ex_ids = (
        existing["site_id"].astype(str).to_numpy()
        if "site_id" in existing
        else np.array([f"#{k}" for k in range(len(existing))])
    )
    ex_ops = existing["operator"].astype(str).to_numpy() if "operator" in existing else None
    heights = (
        pd.to_numeric(existing["height_m"], errors="coerce").to_numpy(dtype=np.float64)
        if "height_m" in existing
        else np.full(len(existing), np.nan)
    )
    heights = np.where(np.isfinite(heights) & (heights > 0), heights, 30.0)
    tree = shapely.STRtree(np.asarray(shapely.points(ex_xy), dtype=object))
    src, dst = tree.query(shapely.points(xy), predicate="dwithin", distance=rules.microwave_range_m)
    ground_here = ground_there = None
    if elevation is not None:
        ground_here = np.nan_to_num(sample(elevation, xy, crs=crs))
        ground_there = np.nan_to_num(sample(elevation, ex_xy, crs=crs))
    for i in range(n):
        near = dst[src == i]
        if not len(near):
            notes[i] = f"no existing site within {rules.microwave_range_m:.0f} m"
            continue
        d = np.hypot(ex_xy[near, 0] - xy[i, 0], ex_xy[near, 1] - xy[i, 1])
        other = (
            ex_ops[near] != operators[i] if ex_ops is not None else np.zeros(len(near), dtype=bool)
        )
        order = np.lexsort((near, d, other))  # own operator first, then the nearest
        near, d = near[order], d[order]
        if elevation is None or ground_here is None or ground_there is None:
            k = 0
            note = (
                f"line of sight assumed (no elevation raster) to site {ex_ids[near[k]]} "
                f"at {d[k]:.0f} m"
            )
        else:
            clear = terrain.line_of_sight(
                (float(xy[i, 0]), float(xy[i, 1])),
                float(ground_here[i]),
                height_m,
                ex_xy[near],
                ground_there[near],
                heights[near],
                elevation=np.asarray(elevation.array, dtype=np.float64),
                transform=elevation.transform,
                freq_mhz=rules.microwave_freq_mhz,
                fresnel_fraction=rules.fresnel_fraction,
            )
            hits = np.flatnonzero(clear)
            if not len(hits):
                notes[i] = (
                    f"terrain blocks the {len(near)} existing site(s) within "
                    f"{rules.microwave_range_m:.0f} m"
                )
                continue
            k = int(hits[0])
            note = (
                f"line of sight ({rules.fresnel_fraction:g} Fresnel zone clear at "
                f"{rules.microwave_freq_mhz:.0f} MHz) to site {ex_ids[near[k]]} at {d[k]:.0f} m"
            )
        kind[i], to[i], dist_out[i], notes[i] = "microwave", str(ex_ids[near[k]]), d[k], note
    return _Backhaul(kind, to, dist_out, notes)


def _power(
    xy: FloatArray,
    power_lines: gpd.GeoDataFrame | None,
    villages: gpd.GeoDataFrame | None,
    rules: SiteRules,
) -> tuple[list[str], list[str]]:
    n = len(xy)
    power, notes = ["solar"] * n, [""] * n
    pts = shapely.points(xy) if n else np.empty(0, dtype=object)
    line_d = np.full(n, np.inf)
    line_id = np.full(n, "", dtype=object)
    if power_lines is not None and len(power_lines) and n:
        volts = (
            pd.to_numeric(power_lines["voltage_kv"], errors="coerce").to_numpy(dtype=np.float64)
            if "voltage_kv" in power_lines
            else np.full(len(power_lines), np.nan)
        )
        usable = power_lines.loc[~(volts > rules.max_power_line_kv)]
        if len(usable):
            ids = (
                usable["line_id"].astype(str).to_numpy()
                if "line_id" in usable
                else np.array([f"#{k}" for k in range(len(usable))])
            )
            tree = shapely.STRtree(np.asarray(usable.geometry.to_numpy(), dtype=object))
            (src, dst), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
            line_d[src] = dist
            line_id[src] = ids[dst]
    village_d = np.full(n, np.inf)
    village_name = np.full(n, "", dtype=object)
    if villages is not None and len(villages) and "has_electricity" in villages and n:
        # A missing value means electrified: the data contract's default.
        lit_mask = np.array([bool(pd.isna(v) or v) for v in villages["has_electricity"]])
        lit = villages.loc[lit_mask]
        if len(lit):
            label = next((c for c in ("name", *_ID_COLUMNS) if c in lit.columns), None)
            names = (
                lit[label].astype(str).to_numpy()
                if label is not None
                else np.array([f"#{k}" for k in range(len(lit))])
            )
            tree = shapely.STRtree(np.asarray(lit.geometry.to_numpy(), dtype=object))
            (src, dst), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
            village_d[src] = dist
            village_name[src] = names[dst]
    for i in range(n):
        if line_d[i] <= rules.power_line_m:
            power[i] = "grid"
            notes[i] = f"power line {line_id[i]} at {line_d[i]:.0f} m"
        elif village_d[i] <= rules.electrified_village_m:
            power[i] = "grid"
            notes[i] = f"electrified village {village_name[i]!r} at {village_d[i]:.0f} m"
        else:
            notes[i] = (
                f"no distribution line (<= {rules.max_power_line_kv:g} kV) within "
                f"{rules.power_line_m:.0f} m and no electrified village within "
                f"{rules.electrified_village_m:.0f} m"
            )
    return power, notes


def _site_attributes(  # noqa: PLR0913
    xy: FloatArray,
    *,
    tech: str,
    height_m: float,
    site_cost_vnd: float,
    existing: gpd.GeoDataFrame | None,
    operator: str | None,
    fiber_routes: gpd.GeoDataFrame | None,
    fiber_nodes: gpd.GeoDataFrame | None,
    power_lines: gpd.GeoDataFrame | None,
    villages: gpd.GeoDataFrame | None,
    elevation: Grid | None,
    rules: SiteRules,
    crs: pyproj.CRS,
) -> pd.DataFrame:
    """Operator, backhaul, power and cost of a site at each point."""
    ops, op_notes = _operators(xy, existing, tech, operator)
    fiber_d = _fiber_distance(xy, fiber_routes, fiber_nodes)
    mw = _microwave(xy, ops, existing, height_m=height_m, elevation=elevation, rules=rules, crs=crs)
    on_fiber = np.nan_to_num(fiber_d, nan=np.inf) <= rules.fiber_backhaul_m
    backhaul = np.where(on_fiber, "fiber", np.asarray(mw.kind, dtype=object))
    to = np.where(on_fiber, "", np.asarray(mw.to, dtype=object))
    b_dist = np.where(on_fiber, fiber_d, mw.distance_m)
    b_note = [
        f"existing fiber at {d:.0f} m" if f else note
        for f, d, note in zip(on_fiber.tolist(), fiber_d.tolist(), mw.note, strict=True)
    ]
    b_cost = np.select(
        [backhaul == "fiber", backhaul == "microwave"],
        [np.nan_to_num(fiber_d) * rules.fiber_cost_per_m_vnd, rules.microwave_cost_vnd],
        default=rules.satellite_cost_vnd,
    )
    power, p_notes = _power(xy, power_lines, villages, rules)
    p_cost = np.where(np.asarray(power) == "solar", rules.solar_extra_cost_vnd, 0.0)
    return pd.DataFrame(
        {
            "operator": ops,
            "operator_note": op_notes,
            "fiber_distance_m": fiber_d,
            "backhaul": backhaul.astype(str),
            "backhaul_to": to.astype(str),
            "backhaul_distance_m": b_dist,
            "backhaul_note": b_note,
            "power": power,
            "power_note": p_notes,
            "site_cost_vnd": np.full(len(xy), float(site_cost_vnd)),
            "backhaul_cost_vnd": b_cost.astype(np.float64),
            "power_cost_vnd": p_cost.astype(np.float64),
            "cost_vnd": site_cost_vnd + b_cost + p_cost,
        }
    )


# --- the planner ----------------------------------------------------------------------------


def _check_limits(
    tech: str,
    settings: CoverageSettings,
    max_sites: int | None,
    budget_vnd: float | None,
    site_cost_vnd: float,
) -> None:
    problems: list[str] = []
    if tech not in pathloss.TECH_DEFAULTS or tech not in settings.min_rsrp_dbm:
        problems.append(
            f"unknown `tech` {tech!r}; expected one of {sorted(pathloss.TECH_DEFAULTS)!r}"
        )
    if max_sites is not None and (isinstance(max_sites, bool) or max_sites < 0):
        problems.append(f"`max_sites` must be an integer >= 0; got {max_sites!r}")
    if budget_vnd is not None and not (math.isfinite(budget_vnd) and budget_vnd >= 0):
        problems.append(f"`budget_vnd` must be finite and >= 0; got {budget_vnd!r}")
    if not (math.isfinite(site_cost_vnd) and site_cost_vnd >= 0):
        problems.append(f"`site_cost_vnd` must be finite and >= 0; got {site_cost_vnd!r}")
    if problems:
        msg = "invalid site plan parameters: " + "; ".join(problems) + "."
        raise SiteInputError(msg)


def _check_layers(
    targets: gpd.GeoDataFrame, elevation: Grid | None, **layers: gpd.GeoDataFrame | None
) -> None:
    check_work_crs(targets, "targets")
    for name, layer in layers.items():
        if layer is not None and len(layer):
            _check_same_crs(targets, layer, name)
    if elevation is not None:
        _check_grid_crs(elevation, pyproj.CRS.from_user_input(targets.crs), "elevation")


def plan_sites(  # noqa: PLR0913 - the planner's inputs, keyword-only
    targets: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    existing_sites: gpd.GeoDataFrame | None,
    tech: str = "4G",
    max_sites: int | None = None,
    budget_vnd: float | None = None,
    site_cost_vnd: float = SITE_COST_VND,
    height_m: float = 30.0,
    density: Grid | None = None,
    elevation: Grid | None = None,
    settings: CoverageSettings = DEFAULT_SETTINGS,
    fiber_routes: gpd.GeoDataFrame | None = None,
    fiber_nodes: gpd.GeoDataFrame | None = None,
    power_lines: gpd.GeoDataFrame | None = None,
    villages: gpd.GeoDataFrame | None = None,
    operator: str | None = None,
    rules: SiteRules = DEFAULT_RULES,
    method: str = "auto",
    time_limit_s: float = 30.0,
    id_column: str | None = None,
) -> SitePlan:
    """Propose new mobile sites for the targets without coverage.

    The coverage of a hypothetical omni site at each candidate (default radio
    parameters of ``tech``, :data:`coverage.pathloss.TECH_DEFAULTS`, at ``height_m``)
    is predicted at every target with :func:`coverage.mobile.best_signal`, the model of
    the coverage engine; a target is covered when the signal reaches
    ``settings.min_rsrp_dbm[tech]``. Then :func:`solve_covering` chooses the sites:
    without ``max_sites`` and ``budget_vnd``, the fewest that cover every coverable
    target; with them, those covering the most households within ``max_sites`` sites
    and a total ``cost_vnd`` of at most ``budget_vnd``.

    Each proposed site is proposed to the operator whose existing ``tech`` network is
    nearest (or to ``operator``; ``"shared"`` gives ``"Shared"``); its backhaul is fiber
    when existing fiber (any route or node) lies within ``rules.fiber_backhaul_m``, else
    microwave when an existing site (any technology; the proposed operator's own first)
    is within ``rules.microwave_range_m`` with line of sight over the ``elevation``
    raster (assumed, and said so in ``backhaul_note``, without a raster), else
    ``"satellite/none"``; its power is grid when a distribution line (at most
    ``rules.max_power_line_kv``) lies within ``rules.power_line_m`` or an electrified
    village within ``rules.electrified_village_m``, else solar. ``cost_vnd`` is the site,
    the backhaul and the solar system.

    Parameters
    ----------
    targets
        The villages or clusters to serve (point or polygon; ``households`` and an id
        column), in the metric working CRS.
    candidates
        Candidate locations (:func:`candidate_sites`; ``candidate_id`` and optional
        ``kind``), same CRS.
    existing_sites
        ``mobile_sites`` (``site_id``, ``operator``, ``tech``, ``height_m``), same CRS;
        ``None`` when there are none.
    tech
        Technology to provide (a key of ``coverage.pathloss.TECH_DEFAULTS``).
    max_sites
        At most this many new sites.
    budget_vnd
        At most this total ``cost_vnd``.
    site_cost_vnd
        Cost of one site before backhaul and power (:data:`SITE_COST_VND`).
    height_m
        Antenna height of the new sites.
    density, elevation, settings
        As for :func:`coverage.mobile.best_signal` (clutter, terrain, threshold). The
        elevation raster must be in the layers' CRS.
    fiber_routes, fiber_nodes
        Existing fiber, same CRS.
    power_lines
        ``power_lines`` (``voltage_kv``), same CRS.
    villages
        All villages (``has_electricity``, ``name``), same CRS; by default the targets
        when they carry ``has_electricity``.
    operator
        ``None`` (the nearest network), ``"shared"``, or an operator's name for all sites.
    rules
        Backhaul and power distances and unit costs (:class:`SiteRules`).
    method
        ``"auto"``, ``"ilp"`` or ``"greedy"`` (see :func:`solve_covering`).
    time_limit_s
        Time limit of the ILP, seconds.
    id_column
        The targets' id column (default: ``target_id``, ``cluster_id``, ``village_id``
        or ``place_id``, the first present).

    Returns
    -------
    SitePlan

    Raises
    ------
    geodata.CRSProblem
        A layer is not in a metric CRS or not in the targets' CRS.
    SiteInputError
        Missing columns, unknown ``tech``, or invalid limits.
    ValueError
        An unknown ``method``.
    """
    _check_method(method)
    _check_limits(tech, settings, max_sites, budget_vnd, site_cost_vnd)
    height_m = _positive("height_m", height_m)
    _check_layers(
        targets,
        elevation,
        candidates=candidates,
        mobile_sites=existing_sites,
        fiber_routes=fiber_routes,
        fiber_nodes=fiber_nodes,
        power_lines=power_lines,
        villages=villages,
    )
    if "candidate_id" not in candidates.columns:
        msg = "`candidates` need a `candidate_id` column; build them with candidate_sites()."
        raise SiteInputError(msg)
    crs = pyproj.CRS.from_user_input(targets.crs)
    ids = _target_ids(targets, id_column)
    households = _households(targets)
    if villages is None and "has_electricity" in targets.columns:
        villages = targets
    target_xy = _points_xy(targets)
    cand_xy = _points_xy(candidates)

    t, c, rsrp = _coverage_pairs(
        cand_xy,
        target_xy,
        tech=tech,
        height_m=height_m,
        density=density,
        elevation=elevation,
        settings=settings,
        crs=crs,
    )
    coverable = np.zeros(len(targets), dtype=bool)
    coverable[t] = True
    uncoverable = tuple(str(i) for i in ids[~coverable])
    if uncoverable:
        log.warning(
            "%d target(s) no candidate can cover with %s at %.0f m: %s",
            len(uncoverable),
            tech,
            height_m,
            ", ".join(uncoverable[:10]),
        )
    useful = np.unique(c).astype(np.intp)  # candidates covering at least one target
    attrs = _site_attributes(
        cand_xy[useful],
        tech=tech,
        height_m=height_m,
        site_cost_vnd=site_cost_vnd,
        existing=existing_sites,
        operator=operator,
        fiber_routes=fiber_routes,
        fiber_nodes=fiber_nodes,
        power_lines=power_lines,
        villages=villages,
        elevation=elevation,
        rules=rules,
        crs=crs,
    )
    local = np.searchsorted(useful, c)
    solution = solve_covering(
        t,
        local,
        weights=households,
        costs=attrs["cost_vnd"].to_numpy(dtype=np.float64),
        max_sites=max_sites,
        budget=budget_vnd,
        method=method,
        time_limit_s=time_limit_s,
    )
    chosen = np.asarray(solution.chosen, dtype=np.intp)
    sites = _site_frame(
        chosen=chosen,
        useful=useful,
        pairs=(t, local, rsrp),
        attrs=attrs,
        ids=ids,
        households=households,
        candidates=candidates,
        cand_xy=cand_xy,
        tech=tech,
        height_m=height_m,
        crs=crs,
    )
    covered = solution.covered
    unserved = tuple(str(i) for i in ids[coverable & ~covered])
    parameters: dict[str, Any] = {
        "tech": tech,
        "max_sites": max_sites,
        "budget_vnd": budget_vnd,
        "site_cost_vnd": site_cost_vnd,
        "height_m": height_m,
        "operator": operator,
        "method": method,
        "threshold_dbm": float(settings.min_rsrp_dbm[tech]),
        "n_targets": len(targets),
        "n_candidates": len(candidates),
        "elevation": elevation is not None,
        "density": density is not None,
        "rules": {k: getattr(rules, k) for k in rules.__dataclass_fields__},
    }
    plan = SitePlan(
        sites=sites,
        covered_targets=tuple(str(i) for i in ids[covered]),
        uncoverable_targets=uncoverable,
        unserved_targets=unserved,
        households_covered=round(float(households[covered].sum())),
        households_total=round(float(households.sum())),
        total_cost_vnd=float(sites["cost_vnd"].sum()) if len(sites) else 0.0,
        method=solution.method,
        optimal=solution.optimal,
        parameters=parameters,
    )
    log.info(
        "site plan (%s%s): %d site(s), %d of %d households, %.0f VND; %d uncoverable, %d unserved",
        plan.method,
        ", optimal" if plan.optimal else "",
        len(sites),
        plan.households_covered,
        plan.households_total,
        plan.total_cost_vnd,
        len(uncoverable),
        len(unserved),
    )
    return plan


def _site_frame(  # noqa: PLR0913
    *,
    chosen: IntArray,
    useful: IntArray,
    pairs: tuple[IntArray, IntArray, FloatArray],
    attrs: pd.DataFrame,
    ids: npt.NDArray[np.object_],
    households: FloatArray,
    candidates: gpd.GeoDataFrame,
    cand_xy: FloatArray,
    tech: str,
    height_m: float,
    crs: pyproj.CRS,
) -> gpd.GeoDataFrame:
    """One row per chosen site; each covered target credited to its best chosen site."""
    t, local, rsrp = pairs
    in_plan = np.isin(local, chosen)
    t_in, c_in, r_in = t[in_plan], local[in_plan], rsrp[in_plan]
    # best chosen site per target: sort by target, then signal descending, then candidate
    order = np.lexsort((c_in, -r_in, t_in))
    t_in, c_in, r_in = t_in[order], c_in[order], r_in[order]
    first = np.r_[True, t_in[1:] != t_in[:-1]] if len(t_in) else np.empty(0, dtype=bool)
    t_best, c_best, r_best = t_in[first], c_in[first], r_in[first]
    kinds = (
        candidates["kind"].astype(str).to_numpy()
        if "kind" in candidates.columns
        else np.full(len(candidates), "", dtype=object)
    )
    cand_ids = candidates["candidate_id"].astype(str).to_numpy()
    records: list[dict[str, Any]] = []
    for j in chosen.tolist():
        mine = c_best == j
        served = t_best[mine]
        values = r_best[mine]
        row = attrs.iloc[j].to_dict()
        k = int(useful[j])
        records.append(
            {
                "candidate_id": str(cand_ids[k]),
                "candidate_kind": str(kinds[k]),
                "tech": tech,
                "height_m": height_m,
                "operator": row["operator"],
                "operator_note": row["operator_note"],
                "target_ids": ",".join(str(ids[i]) for i in served.tolist()),
                "n_targets": len(served),
                "households": round(float(households[served].sum())),
                "target_rsrp_dbm": ",".join(f"{v:.1f}" for v in values.tolist()),
                "min_rsrp_dbm": float(values.min()) if len(values) else math.nan,
                **{
                    key: row[key]
                    for key in (
                        "fiber_distance_m",
                        "backhaul",
                        "backhaul_to",
                        "backhaul_distance_m",
                        "backhaul_note",
                        "power",
                        "power_note",
                        "site_cost_vnd",
                        "backhaul_cost_vnd",
                        "power_cost_vnd",
                        "cost_vnd",
                    )
                },
                "_x": float(cand_xy[k, 0]),
                "_y": float(cand_xy[k, 1]),
                "_order": k,
            }
        )
    columns = [
        "site_id",
        "candidate_id",
        "candidate_kind",
        "tech",
        "height_m",
        "operator",
        "operator_note",
        "target_ids",
        "n_targets",
        "households",
        "target_rsrp_dbm",
        "min_rsrp_dbm",
        "fiber_distance_m",
        "backhaul",
        "backhaul_to",
        "backhaul_distance_m",
        "backhaul_note",
        "power",
        "power_note",
        "site_cost_vnd",
        "backhaul_cost_vnd",
        "power_cost_vnd",
        "cost_vnd",
    ]
    if not records:
        return gpd.GeoDataFrame(
            {name: [] for name in columns}, geometry=gpd.GeoSeries([], crs=crs), crs=crs
        )
    frame = pd.DataFrame(records).sort_values(
        ["households", "n_targets", "cost_vnd", "_order"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    frame.insert(0, "site_id", [f"P-{k + 1:03d}" for k in range(len(frame))])
    geometry = shapely.points(frame[["_x", "_y"]].to_numpy())
    return gpd.GeoDataFrame(frame[columns].reset_index(drop=True), geometry=geometry, crs=crs)
