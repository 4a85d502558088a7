"""The plan by year: the mix's projects done under yearly budgets, and who should pay.

A *project* is one unserved unit (a residential cluster) served by the technology the
least-cost mix chose for it (:class:`planner.mix.MixPlan`). Projects share *resources*:
the edges of the fiber tree on the way from the existing network (a cluster's cable is
the path to it; a cable built for one cluster is there for the next one) and the new
sites of fixed wireless (built once for every cluster they serve). Building a project in
a year costs its own capital (equipment per connection, a terminal) plus the resources
not built yet.

:func:`schedule` goes through the years in order, and in each year through the projects
in order of priority, then of households per VND of their ten-year cost (their share of
the shared resources, as the mix prices them), doing every project whose capital still
fits the year's budget; a project too dear for what is left waits, and a cheaper one
after it may still fit. The priority tier puts first the villages without any service
(neither fiber nor 4G) and the clusters within reach of a priority place (school,
health station, commune office), as the issue's plan asks.

The *subsidy gap* of a project is its ten-year cost minus the present value of the
revenue its take-up would bring (``revenue.take_up_share`` × households ×
``revenue.vnd_per_household_per_month`` × 12 a year, over the cost table's horizon and
discount rate): a project with a gap is one an operator would not pay for alone and the
public telecom service fund (Quỹ Dịch vụ viễn thông công ích) should.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.cost_table import CostTable
from planner.graph import PlannerInputError

__all__ = ["YearPlan", "plan_by_year", "project_frame", "schedule"]

#: Columns of a project frame (:func:`schedule`'s input).
PROJECT_COLUMNS = (
    "project_id",
    "village_id",
    "tech",
    "households",
    "own_capex_vnd",
    "needs",
    "npv_vnd",
    "tier",
)


def schedule(
    projects: pd.DataFrame,
    resources: Mapping[str, float],
    budgets: Mapping[int, float],
) -> pd.DataFrame:
    """Do the projects year by year under the budgets, priority tier first.

    Parameters
    ----------
    projects
        :data:`PROJECT_COLUMNS`: ``households`` served, ``own_capex_vnd`` (its own
        capital), ``needs`` (a tuple of resource ids it needs built), ``npv_vnd`` (its
        ten-year cost with its share of the resources: the ranking's price), ``tier``
        (0 before 1).
    resources
        Resource id -> its capital cost (VND).
    budgets
        Year -> the capital that year (VND).

    Returns
    -------
    pandas.DataFrame
        ``projects`` with ``year`` (``NA`` when not done in the years given),
        ``capex_vnd`` (paid that year: its own capital and the resources it was the
        first to need) and ``rank`` (the order they were considered in).

    Examples
    --------
    Two clusters on one cable: the first built pays the shared 100, the second only its own.

    >>> p = pd.DataFrame({"project_id": ["a", "b"], "village_id": ["v", "v"],
    ...     "tech": ["fiber"] * 2, "households": [30, 10], "own_capex_vnd": [5.0, 5.0],
    ...     "needs": [("e1",), ("e1",)], "npv_vnd": [60.0, 60.0], "tier": [1, 1]})
    >>> done = schedule(p, {"e1": 100.0}, {2026: 110.0})
    >>> done[["project_id", "year", "capex_vnd"]].to_numpy().tolist()
    [['a', 2026, 105.0], ['b', 2026, 5.0]]
    """
    for year, money in budgets.items():
        if not math.isfinite(money) or money < 0:
            msg = f"the budget of {year} must be a number of VND >= 0, got {money!r}"
            raise PlannerInputError(msg)
    frame = projects.reset_index(drop=True).copy()
    per_vnd = frame["households"].to_numpy(float) / np.maximum(
        frame["npv_vnd"].to_numpy(float), 1.0
    )
    order = np.lexsort((frame["project_id"].astype(str).to_numpy(), -per_vnd, frame["tier"]))
    built: set[str] = set()
    year_of: dict[int, int] = {}
    paid: dict[int, float] = {}
    needs_of: list[tuple[str, ...]] = [tuple(map(str, n)) for n in frame["needs"]]
    own_of = frame["own_capex_vnd"].to_numpy(float)
    for year in sorted(budgets):
        left = float(budgets[year])
        for pos in order:
            i = int(pos)
            if i in year_of:
                continue
            fresh = [r for r in needs_of[i] if r not in built]
            cost = float(own_of[i]) + float(sum(resources[r] for r in fresh))
            if cost <= left + 1e-6:
                left -= cost
                year_of[i] = year
                paid[i] = cost
                built.update(fresh)
    frame["year"] = pd.array([year_of.get(i) for i in range(len(frame))], dtype="Int64")
    frame["capex_vnd"] = [paid.get(i, math.nan) for i in range(len(frame))]
    rank = np.empty(len(frame), dtype=int)
    rank[order] = np.arange(1, len(frame) + 1)
    frame["rank"] = rank
    return frame


def project_frame(
    plan: Any,  # noqa: ANN401 - a planner.mix.MixPlan (its problem and units)
    *,
    priority_units: Collection[str] = (),
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Return the mix's chosen options as projects, and the resources they share.

    Parameters
    ----------
    plan
        A :class:`planner.mix.MixPlan` (with its ``problem``).
    priority_units
        Unit ids done first (tier 0): in villages without any service, near a priority
        place.

    Returns
    -------
    projects
        :data:`PROJECT_COLUMNS` (``project_id`` is the unit id).
    resources
        ``"e<node>"`` (the fiber tree's edge into that node) and ``"s<group>"`` (a new
        site) -> capital cost.
    """
    p = plan.problem
    if p is None:
        msg = "the mix plan carries no problem: plan it with plan_mix first"
        raise PlannerInputError(msg)
    tree = p.tree
    resources: dict[str, float] = {
        f"e{n}": float(tree.edge_capex_vnd[n]) for n in range(1, len(tree.parent))
    }
    resources.update({f"s{g}": float(c) for g, c in enumerate(p.group_capex)})
    priority = {str(u) for u in priority_units}
    rows: list[dict[str, Any]] = []
    units = plan.units.reset_index(drop=True)
    for u, row in units.iterrows():
        tech = str(row["tech"])
        if not tech:
            continue
        i = int(str(u))
        if tech == "fiber":
            needs: list[str] = []
            node = int(tree.unit_node[i])
            while node > 0:
                needs.append(f"e{node}")
                node = int(tree.parent[node])
            own = float(p.fiber_capex[i])
        else:
            k = np.flatnonzero((p.alt_unit == i) & (np.asarray(p.alt_tech) == tech))
            if not len(k):
                continue
            k0 = int(k[0])
            own = float(p.alt_capex[k0])
            g = int(p.alt_group[k0])
            needs = [f"s{g}"] if g >= 0 else []
        rows.append(
            {
                "project_id": str(row["unit_id"]),
                "village_id": str(row["village_id"]),
                "tech": tech,
                "households": int(row["households_served"]),
                "own_capex_vnd": own,
                "needs": tuple(needs),
                "npv_vnd": float(row["npv_vnd"]),
                "tier": 0 if str(row["unit_id"]) in priority else 1,
            }
        )
    return pd.DataFrame(rows, columns=list(PROJECT_COLUMNS)), resources


@dataclass(frozen=True)
class YearPlan:
    """The plan by year.

    Attributes
    ----------
    projects
        Every project with its ``year`` (``NA``: not within the budgets), ``capex_vnd``,
        ``revenue_npv_vnd``, ``subsidy_gap_vnd`` (> 0: the fund should pay it) and
        ``needs_fund``.
    years
        One row a year: ``budget_vnd``, ``spent_vnd``, ``projects``, ``households``
        added, and the scorecard after the year: ``fiber_households_pct`` (the fiber
        indicator) and ``broadband_households_pct`` (any fixed broadband of the mix).
    summary
        JSON-ready headline: the assumptions, what is still missing when the money ends,
        the year each target is met.
    """

    projects: pd.DataFrame
    years: pd.DataFrame
    summary: dict[str, Any]


def plan_by_year(  # noqa: PLR0913 - the question, keyword-only
    plan: Any,  # noqa: ANN401 - a planner.mix.MixPlan
    *,
    budget_vnd_per_year: float | Mapping[int, float],
    first_year: int,
    last_year: int,
    costs: CostTable,
    households_total: float,
    fiber_households_now: float,
    priority_units: Collection[str] = (),
    target_pct: float | None = 95.0,
) -> YearPlan:
    """Schedule the mix's projects under yearly budgets and price who should pay.

    Parameters
    ----------
    plan
        The least-cost mix (:func:`planner.mix.plan_mix`) to the final target.
    budget_vnd_per_year
        The capital each year (one figure for every year, or year -> VND).
    first_year, last_year
        The years (inclusive).
    costs
        The cost table: the horizon, discount rate and the revenue assumptions
        (``revenue.take_up_share``, ``revenue.vnd_per_household_per_month``).
    households_total, fiber_households_now
        The province's households and those the fiber indicator counts today.
    priority_units
        Units done first (see :func:`project_frame`).
    target_pct
        The fiber-household target the scorecard judges (``None``: none).

    Returns
    -------
    YearPlan
    """
    if last_year < first_year:
        msg = f"--to {last_year} is before --from {first_year}"
        raise PlannerInputError(msg)
    years = list(range(first_year, last_year + 1))
    budgets = (
        {y: float(budget_vnd_per_year.get(y, 0.0)) for y in years}
        if isinstance(budget_vnd_per_year, Mapping)
        else {y: float(budget_vnd_per_year) for y in years}
    )
    projects, resources = project_frame(plan, priority_units=priority_units)
    done = schedule(projects, resources, budgets)
    take_up = costs["revenue.take_up_share"]
    arpu = costs["revenue.vnd_per_household_per_month"]
    done["revenue_npv_vnd"] = done["households"] * take_up * arpu * 12.0 * costs.annuity_factor()
    done["subsidy_gap_vnd"] = (done["npv_vnd"] - done["revenue_npv_vnd"]).clip(lower=0.0)
    done["needs_fund"] = done["subsidy_gap_vnd"] > 0
    rows = []
    fiber_cum, all_cum = float(fiber_households_now), float(fiber_households_now)
    met_year = None
    for y in years:
        this = done[done["year"] == y]
        fiber_cum += float(this.loc[this["tech"] == "fiber", "households"].sum())
        all_cum += float(this["households"].sum())
        fiber_pct = 100.0 * fiber_cum / households_total if households_total else math.nan
        if met_year is None and target_pct is not None and fiber_pct >= target_pct - 1e-9:
            met_year = y
        rows.append(
            {
                "year": y,
                "budget_vnd": budgets[y],
                "spent_vnd": float(this["capex_vnd"].sum()),
                "projects": len(this),
                "households": int(this["households"].sum()),
                "fiber_households_pct": fiber_pct,
                "broadband_households_pct": 100.0 * all_cum / households_total
                if households_total
                else math.nan,
                "villages_done": int(this["village_id"].nunique()),
            }
        )
    table = pd.DataFrame(rows)
    missing = done[done["year"].isna()]
    summary = {
        "first_year": first_year,
        "last_year": last_year,
        "budget_vnd_total": float(sum(budgets.values())),
        "spent_vnd_total": float(table["spent_vnd"].sum()) if len(table) else 0.0,
        "target_pct": target_pct,
        "target_met_year": met_year,
        "projects": len(done),
        "projects_missing": len(missing),
        "households_missing": int(missing["households"].sum()),
        "capex_missing_vnd": _capex_of(missing, resources, done),
        "villages_missing": sorted(
            set(missing["village_id"]) - set(done.loc[done["year"].notna(), "village_id"])
        ),
        "projects_needing_fund": int(done["needs_fund"].sum()),
        "subsidy_gap_vnd_total": float(done["subsidy_gap_vnd"].sum()),
        "assumptions": {
            "take_up_share": take_up,
            "revenue_vnd_per_household_per_month": arpu,
            "discount_rate": costs.discount_rate,
            "horizon_years": costs.horizon_years,
        },
    }
    return YearPlan(projects=done, years=table, summary=summary)


def _capex_of(missing: pd.DataFrame, resources: Mapping[str, float], done: pd.DataFrame) -> float:
    """Return the capital still needed for the projects not done (shared resources once)."""
    built = {r for needs in done.loc[done["year"].notna(), "needs"] for r in needs}
    wanted = {r for needs in missing["needs"] for r in needs} - built
    return float(missing["own_capex_vnd"].sum()) + sum(float(resources[r]) for r in wanted)
