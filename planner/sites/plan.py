"""The site planner: :func:`plan_sites` and the :class:`SitePlan` it returns.

It checks the inputs, predicts what each candidate would cover
(:func:`~planner.sites.candidates.coverage_pairs`), gives every useful candidate its
operator, backhaul, power and cost, solves the covering problem
(:func:`~planner.sites.covering.solve_covering`) and describes the chosen sites, each
target credited to the chosen site with its best signal.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from coverage import linkbudget
from coverage._checks import check_work_crs
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.raster import Grid
from planner.sites.backhaul import fiber_distance, microwave
from planner.sites.candidates import coverage_pairs
from planner.sites.covering import check_method, solve_covering
from planner.sites.inputs import (
    FloatArray,
    IntArray,
    SiteInputError,
    check_grid_crs,
    check_same_crs,
    has_tech,
    points_xy,
    positive,
    target_households,
    target_ids,
)
from planner.sites.power import site_power
from planner.sites.rules import DEFAULT_RULES, SITE_COST_VND, SiteRules

__all__ = [
    "SitePlan",
    "plan_sites",
]

log = logging.getLogger(__name__)


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
    net = existing.loc[has_tech(existing, tech)] if existing is not None and len(existing) else None
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
    fiber_d = fiber_distance(xy, fiber_routes, fiber_nodes)
    mw = microwave(xy, ops, existing, height_m=height_m, elevation=elevation, rules=rules, crs=crs)
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
    power, p_notes = site_power(xy, power_lines, villages, rules)
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


def _check_limits(
    tech: str,
    settings: CoverageSettings,
    max_sites: int | None,
    budget_vnd: float | None,
    site_cost_vnd: float,
) -> None:
    problems: list[str] = []
    if tech not in linkbudget.TECH_DEFAULTS or tech not in settings.min_rsrp_dbm:
        problems.append(
            f"unknown `tech` {tech!r}; expected one of {sorted(linkbudget.TECH_DEFAULTS)!r}"
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
            check_same_crs(targets, layer, name)
    if elevation is not None:
        check_grid_crs(elevation, pyproj.CRS.from_user_input(targets.crs), "elevation")


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
    land_cover: Grid | None = None,
) -> SitePlan:
    """Propose new mobile sites for the targets without coverage.

    The coverage of a hypothetical omni site at each candidate (default radio
    parameters of ``tech``, :data:`coverage.linkbudget.TECH_DEFAULTS`, at ``height_m``)
    is predicted at every target with :func:`coverage.mobile.best_signal`, the model of
    the coverage engine; a target is covered when it meets the engine's outdoor rule
    (``settings.min_rsrp_dbm[tech]`` at ``settings.location_probability`` of the
    locations). Then :func:`solve_covering` chooses the sites: without ``max_sites``
    and ``budget_vnd``, the fewest that cover every coverable target; with them, those
    covering the most households within ``max_sites`` sites and a total ``cost_vnd``
    of at most ``budget_vnd``.

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
        Technology to provide (a key of ``coverage.linkbudget.TECH_DEFAULTS``).
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
    check_method(method)
    _check_limits(tech, settings, max_sites, budget_vnd, site_cost_vnd)
    height_m = positive("height_m", height_m)
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
    ids = target_ids(targets, id_column)
    households = target_households(targets)
    if villages is None and "has_electricity" in targets.columns:
        villages = targets
    target_xy = points_xy(targets)
    cand_xy = points_xy(candidates)

    t, c, rsrp = coverage_pairs(
        cand_xy,
        target_xy,
        tech=tech,
        height_m=height_m,
        density=density,
        elevation=elevation,
        settings=settings,
        crs=crs,
        land_cover=land_cover,
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
        "land_cover": land_cover is not None,
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
