"""The least-cost mix on a data set: :func:`plan_mix` and the :class:`MixPlan` it returns.

The units are the residential clusters the fiber indicator does not count yet (or the
villages, without a clusters layer). Each gets its options (:mod:`planner.mix.options`),
fiber on a tree from the fiber planner (:mod:`planner.mix.tree`); the greedy
(:mod:`planner.mix.solve`) finds the cheapest mix meeting the target and the cost curve
of fiber alone and of the mix. A household counts as served by the mix when one option
brings it the busy-hour target; by fiber alone only when fiber reaches it.

Targets (:class:`MixTarget`): a share of the province's households served
(``fiber_households``), every village with at least one household served
(``villages``: the unit nearest the centre of each village without fiber must be
served), and no village without 4G (``mobile_villages``: a new site in each).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from coverage.engine import CoverageResult
from coverage.settings import DEFAULT_SETTINGS
from geodata.raster import Grid
from planner._highs import highspy_module
from planner.cost_table import CostTable, default_cost_table
from planner.graph import PlannerInputError
from planner.mix.milp import solve_milp
from planner.mix.options import OptionRules, unit_options, vn_number
from planner.mix.problem import FIBER, NONE, MixProblem
from planner.mix.solve import Candidate, least_cost_for, sweep
from planner.mix.tree import FiberTree, fiber_tree
from planner.mix.units import mandatory_units, site_villages, unserved_units

__all__ = ["MixPlan", "MixTarget", "plan_mix"]

_TECH_LABEL = {
    "fiber": "cáp quang",
    "fwa_existing": "vô tuyến cố định (trạm hiện có)",
    "site_fwa": "trạm 4G mới + vô tuyến cố định",
    "leo_household": "vệ tinh LEO (mỗi hộ)",
    "leo_community": "vệ tinh LEO (điểm Wi-Fi cộng đồng)",
}


@dataclass(frozen=True)
class MixTarget:
    """What the mix must reach.

    Attributes
    ----------
    households_pct
        Share of the province's households served (``None``: no household target).
    villages
        Every village without fiber gets at least its central unit served.
    mobile_villages
        Every village without 4G gets a new site.
    """

    households_pct: float | None = 95.0
    villages: bool = False
    mobile_villages: bool = False

    @classmethod
    def parse(cls, specs: list[str]) -> MixTarget:
        """Read ``fiber_households:95``, ``villages:100``, ``mobile_villages:100``.

        Raises
        ------
        PlannerInputError
            An unknown target, a share that is not a number in (0, 100], or a village
            target below 100 %.
        """
        values: dict[str, Any] = {"households_pct": None}
        for spec in specs:
            name, _, raw = spec.partition(":")
            name = name.strip().lower()
            try:
                pct = float(raw.replace(",", ".")) if raw.strip() else 100.0
            except ValueError:
                pct = math.nan
            if not (0 < pct <= 100):
                msg = f"target {spec!r}: the share must be a number in (0, 100], e.g. {name}:95"
                raise PlannerInputError(msg)
            if name in ("fiber_households", "households"):
                values["households_pct"] = pct
            elif name in ("villages", "fiber_villages", "mobile_villages", "4g"):
                if pct < 100:
                    msg = f"target {spec!r}: only 100 % is supported for villages (every village)"
                    raise PlannerInputError(msg)
                values["mobile_villages" if name in ("mobile_villages", "4g") else "villages"] = (
                    True
                )
            else:
                msg = (
                    f"unknown target {name!r}; use fiber_households:PCT, villages:100 or "
                    "mobile_villages:100"
                )
                raise PlannerInputError(msg)
        return cls(**values)


@dataclass(frozen=True)
class MixPlan:
    """The least-cost mix, fiber alone, and the cost curves of both.

    Attributes
    ----------
    units
        One row per unserved unit: ``unit_id``, ``village_id``, ``households``,
        ``tech`` (chosen, ``""`` unserved), ``households_served``, ``npv_vnd`` (its
        own cost with its share of the fiber tree or of its new site), ``cost_per_household_vnd``,
        ``alternatives`` (the other options: cost per household or why they cannot serve).
    options
        Every option of every unit (:data:`planner.mix.options.OPTION_COLUMNS`) with,
        for fiber, its share of the whole tree.
    sites
        The new sites of the mix (:class:`planner.mix.options.SiteGroups` rows used).
    summary
        Headline figures (JSON-ready): the target, the mix and fiber alone (cost, share,
        households by technology), the crossovers.
    curve_mix, curve_fiber
        Cost against the share of households served.
    costs
        The cost table used (rows with sources), saved with the plan.
    """

    units: pd.DataFrame
    options: pd.DataFrame
    sites: pd.DataFrame
    summary: dict[str, Any]
    curve_mix: pd.DataFrame
    curve_fiber: pd.DataFrame
    costs: list[dict[str, Any]] = field(default_factory=list)
    problem: MixProblem | None = field(default=None, repr=False, compare=False)

    def totals(self) -> dict[str, Any]:
        """Return the summary with the curves, JSON-ready."""
        return {
            **self.summary,
            "curve_mix": self.curve_mix.to_dict(orient="records"),
            "curve_fiber": self.curve_fiber.to_dict(orient="records"),
        }


def plan_mix(  # noqa: PLR0913 - the question and its inputs, keyword-only
    layers: Mapping[str, gpd.GeoDataFrame],
    result: CoverageResult,
    *,
    target: MixTarget = MixTarget(),
    costs: CostTable | None = None,
    rules: OptionRules = OptionRules(),  # noqa: B008 - frozen dataclass
    budget_vnd: float | None = None,
    elevation: Grid | None = None,
    tree: FiberTree | None = None,
    fiber_method: str = "heuristic",
    fiber_reach_m: float = DEFAULT_SETTINGS.fiber_reach_m,
    exact: bool = True,
    exact_time_limit_s: float = 30.0,
) -> MixPlan:
    """Find the least-cost mix of technologies to a target, and the cost curves.

    Parameters
    ----------
    layers
        Store layers in the metric working CRS: ``villages``, ``roads``, ``clusters``,
        ``fiber_routes``/``fiber_nodes``, ``mobile_sites``, ``power_lines``.
    result
        The current coverage (:func:`coverage.engine.compute_coverage`).
    target
        What to reach.
    costs
        The cost table (default :func:`planner.cost_table.default_cost_table`).
    rules
        Capacities and reaches of the options.
    budget_vnd
        Also answer: the most households the mix serves for this capital cost.
    elevation
        For the microwave line of sight of new sites (layers' CRS); assumed without.
    tree
        A fiber tree already planned for the same units (default: planned here).
    fiber_method
        The fiber planner's method for the tree.
    fiber_reach_m
        The indicator's reach (``CoverageSettings.fiber_reach_m``, 500 m): the cable to a
        unit stops that far from it (:func:`planner.mix.tree.tree_from_graph`).
    exact, exact_time_limit_s
        Also solve the target exactly (the MILP of :mod:`planner.mix.milp`, HiGHS, on the
        same tree) and report the greedy's gap; the plan is the cheaper of the two.
        Skipped without highspy.

    Returns
    -------
    MixPlan

    Raises
    ------
    planner.graph.PlannerInputError
        Missing layers, or nothing left to serve.
    """
    costs = costs or default_cost_table()
    for name in ("villages", "roads"):
        if name not in layers or layers[name] is None:
            msg = f"the mix needs the layer {name!r}; import it first (hatangso import)."
            raise PlannerInputError(msg)
    units, kind = unserved_units(layers, result)
    if not len(units):
        msg = "nothing to plan: every household is already within fiber reach."
        raise PlannerInputError(msg)
    crs = pyproj.CRS.from_user_input(layers["villages"].crs)
    options, groups = unit_options(
        units,
        costs=costs,
        rules=rules,
        existing_sites=layers.get("mobile_sites"),
        fiber_routes=layers.get("fiber_routes"),
        fiber_nodes=layers.get("fiber_nodes"),
        power_lines=layers.get("power_lines"),
        villages=layers["villages"],
        site_villages=site_villages(layers, result, units, mobile=target.mobile_villages),
        elevation=elevation,
        crs=crs,
    )
    if tree is None:
        tree = fiber_tree(
            dict(layers), units, costs=costs, method=fiber_method, reach_m=fiber_reach_m
        )
    mandatory = (
        mandatory_units(layers, result, units) if target.villages else np.zeros(len(units), bool)
    )
    hh = units["households"].to_numpy(dtype=np.float64)
    problem = MixProblem.build(
        list(units["unit_id"]),
        hh,
        mandatory,
        options,
        groups,
        tree,
        opex_per_km=costs["fiber.opex_vnd_per_km_per_year"],
    )
    row = result.summary("province").iloc[0]
    total, base = float(row["households"]), float(row["households_fiber"])
    need = 0.0
    if target.households_pct is not None:
        need = max(0.0, math.floor(target.households_pct / 100.0 * total - 1e-9) + 1 - base)
    free = problem.relaxed()
    curve_m = sweep(free)
    curve_f = sweep(free.without_alternatives())
    best_f, check_f, best_m, check, pool = _answer(
        problem, need, curve_f, curve_m, exact=exact, limit_s=exact_time_limit_s
    )
    options = _with_shares(options, tree, units, groups.frame)
    summary: dict[str, Any] = {
        "units": kind,
        "n_units": len(units),
        "households_total": round(total),
        "households_before": round(base),
        "share_before_pct": 100.0 * base / total if total else math.nan,
        "target": {
            "households_pct": target.households_pct,
            "villages": target.villages,
            "mobile_villages": target.mobile_villages,
            "households_needed": round(need),
        },
        "capacity_target_mbps_per_household": rules.target_mbps_per_household,
        "discount_rate": costs.discount_rate,
        "horizon_years": costs.horizon_years,
        "cost_table": costs.origin,
        "fiber_tree": {
            "method": tree.method,
            "optimal": tree.optimal,
            "gap": None if math.isnan(tree.gap) else tree.gap,
        },
        "mix": {**_describe(best_m, base, total, tree), **check},
        "fiber_only": {**_describe(best_f, base, total, tree), **check_f},
    }
    if best_f is None:
        summary["fiber_only"]["reason"] = _why_not_fiber(problem, units, need)
    if best_m is None:
        summary["mix"]["reason"] = (
            "không phương án nào đạt mục tiêu (xem lý do của từng cụm dân cư)"
        )
    elif best_f is not None:
        summary["saving_vnd"] = round(best_f.evaluation.npv_vnd - best_m.evaluation.npv_vnd)
    cf, cm, points = _curves(free, curve_f, curve_m, base, total)
    summary["crossover"] = _crossovers(cm, cf)
    if budget_vnd is not None:
        required = bool(problem.mandatory.any() or problem.group_mandatory.any())
        within = [
            c
            for c in (pool if required else [*pool, *points])
            if c.evaluation.capex_vnd <= budget_vnd
        ]
        pick = max(
            within,
            key=lambda c: (c.evaluation.households_served, -c.evaluation.npv_vnd),
            default=None,
        )
        summary["budget"] = {"budget_vnd": budget_vnd, **_describe(pick, base, total, tree)}
    chosen = best_m.choice if best_m is not None else np.full(len(units), NONE, dtype=np.intp)
    unit_frame = _unit_frame(problem, units, options, chosen)
    used = problem.evaluate(chosen).groups
    sites = groups.frame[used].reset_index(drop=True)
    return MixPlan(
        units=unit_frame,
        options=options,
        sites=sites,
        summary=summary,
        curve_mix=cm,
        curve_fiber=cf,
        costs=costs.records(),
        problem=problem,
    )


def _describe(c: Candidate | None, base: float, total: float, tree: FiberTree) -> dict[str, Any]:
    if c is None:
        return {"feasible": False}
    e = c.evaluation
    return {
        "feasible": True,
        "npv_vnd": round(e.npv_vnd),
        "capex_vnd": round(e.capex_vnd),
        "opex_vnd_per_year": round(e.opex_vnd_per_year),
        "households_served": e.households_served,
        "share_after_pct": 100.0 * (base + e.households_served) / total if total else math.nan,
        "households_by_tech": {k: v for k, v in e.by_tech.items() if v},
        "new_sites": int(e.groups.sum()),
        "fiber_km": round(float(tree.edge_length_m[e.edges].sum()) / 1000.0, 1),
    }


def _with_shares(
    options: pd.DataFrame, tree: FiberTree, units: pd.DataFrame, groups: pd.DataFrame
) -> pd.DataFrame:
    """Return the options with each unit's share of the fiber tree and of its new site.

    Fiber: the tree's edges split by the households below them (every unserved unit on
    fiber; a unit off the tree cannot have fiber); a new site: its cost split by the
    households it could serve. Capital and ten-year cost both; the cost per household
    follows.
    """
    out = options.copy()
    hh = units["households"].to_numpy(dtype=np.float64)
    fiber = out["tech"] == "fiber"
    off_tree = set(units["unit_id"].to_numpy()[tree.unit_node < 0])
    cut = fiber & out["unit_id"].isin(off_tree) & (out["households_served"] > 0)
    out.loc[cut, ["capex_vnd", "opex_vnd_per_year", "npv_vnd"]] = math.nan
    out.loc[cut, "households_served"] = 0
    out.loc[cut, "reason"] = "không có tuyến: chưa có mạng cáp quang hiện có để nối tới"
    for column, of in (("npv_vnd", "npv"), ("capex_vnd", "capex")):
        share = pd.Series(tree.shares(hh, of=of), index=units["unit_id"])
        out.loc[fiber, column] += out.loc[fiber, "unit_id"].map(share).fillna(0.0)
    site = (out["tech"] == "site_fwa") & (out["households_served"] > 0)
    rows = out.loc[site]
    potential = rows.groupby("group")["households_served"].transform("sum")
    by_group = groups.set_index("group")
    for column in ("npv_vnd", "capex_vnd", "opex_vnd_per_year"):
        out.loc[site, column] += (
            rows["group"].map(by_group[column]) * rows["households_served"] / potential
        )
    out["cost_per_household_vnd"] = out["npv_vnd"] / out["households_served"].where(
        out["households_served"] > 0
    )
    return out


def _answer(  # noqa: PLR0913
    problem: MixProblem,
    need: float,
    curve_f: list[Candidate],
    curve_m: list[Candidate],
    *,
    exact: bool,
    limit_s: float,
) -> tuple[Candidate | None, dict[str, Any], Candidate | None, dict[str, Any], list[Candidate]]:
    """Answer the target with fiber alone and with the mix (greedy, then checked exactly).

    Returns fiber alone and its check, the mix and its check, and the candidates the
    mix's sweep found (for a budget).
    """
    required = bool(problem.mandatory.any() or problem.group_mandatory.any())
    fiber_only = problem.without_alternatives()
    target_f = sweep(fiber_only) if required else curve_f
    target_m = sweep(problem) if required else curve_m
    best_f = least_cost_for(fiber_only, need, target_f)
    extra = [best_f] if best_f is not None else []
    best_m = least_cost_for(problem, need, target_m, extra)
    best_f, check_f = _exact_check(fiber_only, need, best_f, exact=exact, limit_s=limit_s)
    if best_f is not None and (
        best_m is None or best_f.evaluation.npv_vnd < best_m.evaluation.npv_vnd
    ):
        best_m = best_f  # fiber alone is a mix too
    best_m, check = _exact_check(problem, need, best_m, exact=exact, limit_s=limit_s)
    return best_f, check_f, best_m, check, [*target_m, *extra]


def _exact_check(
    p: MixProblem, need: float, greedy: Candidate | None, *, exact: bool, limit_s: float
) -> tuple[Candidate | None, dict[str, Any]]:
    """Solve the target exactly too; return the cheaper plan and the greedy's gap."""
    if not exact or greedy is None or highspy_module() is None:
        return greedy, {"method": "greedy", "greedy_gap": None, "exact_proven": None}
    choice, proven = solve_milp(p, need, time_limit_s=limit_s)
    if choice is None:
        return greedy, {"method": "greedy", "greedy_gap": None, "exact_proven": False}
    found = p.evaluate(choice)
    g = greedy.evaluation.npv_vnd
    gap = (g - found.npv_vnd) / found.npv_vnd if found.npv_vnd > 0 else 0.0
    info = {"greedy_gap": gap, "exact_proven": proven, "greedy_npv_vnd": round(g)}
    if found.npv_vnd < g and found.households_served >= need:
        return Candidate(choice, found, greedy.price_vnd), {"method": "milp", **info}
    return greedy, {"method": "greedy", **info}


def _why_not_fiber(p: MixProblem, units: pd.DataFrame, need: float) -> str:
    """Why fiber alone cannot meet the target."""
    stuck = np.flatnonzero(p.mandatory & ~p.fiber_ok)
    if len(stuck):
        names = ", ".join(sorted(set(units["village_id"].to_numpy()[stuck].tolist()))[:5])
        return f"cáp quang không phục vụ được cụm bắt buộc của thôn {names} (không có điện lưới)"
    reachable = float(p.fiber_served[p.fiber_ok].sum())
    return f"cáp quang chỉ tới được {vn_number(reachable)} trong {vn_number(need)} hộ cần thêm"


def _curves(
    free: MixProblem,
    curve_f: list[Candidate],
    curve_m: list[Candidate],
    base: float,
    total: float,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Candidate]]:
    """Return the cheapest fiber-alone and mix choices at each whole percent of households.

    From the first whole percent above today's share to 99 %, then 99,5 % and 99,9 %:
    each point is the answer to "what does this share cost" (:func:`least_cost_for`),
    not only a corner of the convex hull the price sweep traces.
    """
    fiber = free.without_alternatives()
    start = math.floor(100.0 * base / total) + 1 if total else 100
    shares = [*range(start, 100), 99.5, 99.9]
    pts_f: list[Candidate] = []
    pts_m: list[Candidate] = []
    for share in shares:
        need = math.floor(share / 100.0 * total - 1e-9) + 1 - base
        bf = least_cost_for(fiber, need, curve_f)
        bm = least_cost_for(free, need, curve_m, [bf] if bf is not None else [])
        if bf is not None:
            pts_f.append(bf)
        if bm is not None:
            pts_m.append(bm)
    return _curve(pts_f, base, total), _curve(pts_m, base, total), pts_m


def _curve(points: list[Candidate], base: float, total: float) -> pd.DataFrame:
    rows = [
        {
            "share_pct": round(100.0 * (base + c.evaluation.households_served) / total, 3),
            "households_served": c.evaluation.households_served,
            "npv_vnd": round(c.evaluation.npv_vnd),
            "capex_vnd": round(c.evaluation.capex_vnd),
            **{f"hh_{k}": v for k, v in c.evaluation.by_tech.items()},
        }
        for c in points
    ]
    frame = pd.DataFrame(rows)
    return frame.fillna(0) if len(frame) else pd.DataFrame(columns=["share_pct", "npv_vnd"])


def _crossovers(mix: pd.DataFrame, fiber: pd.DataFrame) -> dict[str, Any]:
    """Where the mix leaves fiber alone, and where each technology enters the mix."""
    out: dict[str, Any] = {"mix_cheaper_from_pct": None, "tech_from_pct": {}}
    if not len(mix):
        return out
    fs, fc = fiber["share_pct"].to_numpy(), fiber["npv_vnd"].to_numpy()
    for s, c in zip(mix["share_pct"].tolist(), mix["npv_vnd"].tolist(), strict=True):
        at = fc[fs >= s - 1e-9]
        fiber_cost = float(at.min()) if len(at) else math.inf
        if c < 0.99 * fiber_cost:
            out["mix_cheaper_from_pct"] = float(s)
            break
    for col in [c for c in mix.columns if c.startswith("hh_") and c != "hh_fiber"]:
        present = mix.loc[mix[col] > 0, "share_pct"]
        if len(present):
            out["tech_from_pct"][col.removeprefix("hh_")] = float(present.min())
    return out


def _unit_frame(
    p: MixProblem, units: pd.DataFrame, options: pd.DataFrame, choice: np.ndarray
) -> pd.DataFrame:
    """Return the chosen technology of each unit, its cost, and why the others lost."""
    hh_fiber = np.where(choice == FIBER, p.fiber_served, 0.0)
    share = p.tree.shares(hh_fiber)
    taken = choice[choice >= 0]
    group_hh = np.bincount(
        p.alt_group[taken][p.alt_group[taken] >= 0],
        weights=p.alt_served[taken][p.alt_group[taken] >= 0],
        minlength=len(p.group_ids),
    )
    tech: list[str] = []
    served: list[float] = []
    npv: list[float] = []
    for u in range(p.n_units):
        k = int(choice[u])
        if k == FIBER:
            tech.append("fiber")
            served.append(p.fiber_served[u])
            npv.append(p.fiber_npv[u] + float(np.nan_to_num(share[u])))
        elif k >= 0:
            tech.append(p.alt_tech[k])
            served.append(p.alt_served[k])
            g = int(p.alt_group[k])
            site = p.group_npv[g] * p.alt_served[k] / max(group_hh[g], 1.0) if g >= 0 else 0.0
            npv.append(float(p.alt_npv[k] + site))
        else:
            tech.append("")
            served.append(0.0)
            npv.append(0.0)
    by_unit = options.groupby("unit_id")
    alternatives = []
    for u, t in zip(units["unit_id"], tech, strict=True):
        opts = by_unit.get_group(u)
        parts = []
        for r in opts.to_dict("records"):
            if r["tech"] == t:
                continue
            label = _TECH_LABEL.get(str(r["tech"]), str(r["tech"]))
            if int(r["households_served"]) > 0:
                per_hh = float(r["cost_per_household_vnd"]) / 1e6
                parts.append(f"{label}: {vn_number(per_hh, 1)} triệu đồng/hộ")
            else:
                parts.append(f"{label}: {r['reason']}")
        alternatives.append("; ".join(parts))
    frame = units[["unit_id", "village_id", "households"]].copy()
    frame["tech"] = tech
    frame["households_served"] = np.round(served).astype(int)
    frame["npv_vnd"] = npv
    frame["cost_per_household_vnd"] = frame["npv_vnd"] / frame["households_served"].where(
        frame["households_served"] > 0
    )
    frame["alternatives"] = alternatives
    return frame
