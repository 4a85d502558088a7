"""``hatangso plan years``: the least-cost mix done year by year under yearly budgets.

Plans the mix to the target (:func:`planner.mix.plan_mix`, the period's cost table),
then schedules its projects (:func:`planner.mix.years.plan_by_year`): the villages
without any service and the clusters near a priority place first, then the most
households per VND; each year's scorecard; what is still missing when the money ends;
and each project's subsidy gap (ten-year cost minus the revenue its take-up would bring),
the projects the public telecom service fund should pay. The department only.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from hatangso.cli.common import (
    EXIT_OK,
    as_option,
    identity,
    log,
    period_option,
    record_audit,
)
from hatangso.cli.plan_mix import TECH_LABELS
from hatangso.formatting import fmt_int, fmt_pct, fmt_vnd

if TYPE_CHECKING:
    import geopandas as gpd

    from coverage.engine import CoverageResult

__all__ = ["register_years", "years_text"]


def register_years(plan_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plan years`` to the ``plan`` command's subcommands."""
    q = plan_sub.add_parser(
        "years", help="the least-cost mix year by year under yearly budgets, and who pays"
    )
    q.add_argument("store")
    period_option(q)
    as_option(q)
    q.add_argument(
        "--budget-per-year-vnd", type=float, required=True, help="capital each year (VND)"
    )
    q.add_argument("--from", dest="first_year", type=int, default=2026, help="first year")
    q.add_argument("--to", dest="last_year", type=int, default=2030, help="last year")
    q.add_argument(
        "--target",
        action="append",
        metavar="NAME:PCT",
        help="the mix's target (as plan mix; default fiber_households:95)",
    )
    q.add_argument("--out", help="write the projects by year to FILE (.csv, .xlsx)")
    q.add_argument("--save", metavar="NAME", help="save the plan into the store as NAME")
    q.add_argument("--json", action="store_true", help="print everything as JSON")
    q.set_defaults(handler=_cmd_years)


def priority_units(
    result: CoverageResult, layers: dict[str, gpd.GeoDataFrame], reach_m: float
) -> set[str]:
    """Return the clusters (or villages) done first: no service at all, or a priority place near.

    Parameters
    ----------
    result
        The current coverage.
    layers
        The period's layers in the working CRS.
    reach_m
        A priority place within this distance of a cluster makes it a priority.
    """
    import geopandas as gpd

    v = result.villages
    bare = set(
        v.loc[~v["fiber_reached"].astype(bool) & ~v["mobile_4g"].astype(bool), "village_id"].astype(
            str
        )
    )
    clusters = layers.get("clusters")
    units: gpd.GeoDataFrame | None
    if clusters is not None and len(clusters):
        units, id_col = clusters, "cluster_id"
        out = set(clusters.loc[clusters["village_id"].astype(str).isin(bare), id_col].astype(str))
    else:
        units, id_col = layers.get("villages"), "village_id"
        out = set(bare)
    places = layers.get("priority_places")
    if units is not None and places is not None and len(places):
        near = gpd.sjoin(
            units[[id_col, "geometry"]], places[["geometry"]], predicate="dwithin", distance=reach_m
        )
        out |= set(near[id_col].astype(str))
    return out


def _cmd_years(args: argparse.Namespace) -> int:
    from coverage.engine import CoverageInputs, compute_coverage
    from coverage.settings import DEFAULT_SETTINGS
    from geodata.crs import WORK_CRS
    from geodata.store import Store
    from hatangso.access import AccessDenied
    from hatangso.costs import load_cost_table
    from planner.mix import MixTarget, plan_mix
    from planner.mix.years import plan_by_year

    target = MixTarget.parse(args.target or ["fiber_households:95"])
    store = Store(args.store, period=args.period)
    args.actor, role = identity(store, args.user)
    if not role.can_publish:
        msg = f"{role}: only the department runs plans."
        raise AccessDenied(msg)
    info = store.info()
    layers = store.read_all(crs=WORK_CRS)
    result = compute_coverage(CoverageInputs.from_store(store, layers))
    costs = load_cost_table(store)
    log.info("planning the mix to the target, then by year")
    mix = plan_mix(layers, result, target=target, costs=costs)
    first = priority_units(result, layers, DEFAULT_SETTINGS.fiber_reach_m)
    plan = plan_by_year(
        mix,
        budget_vnd_per_year=args.budget_per_year_vnd,
        first_year=args.first_year,
        last_year=args.last_year,
        costs=costs,
        households_total=float(mix.summary["households_total"]),
        fiber_households_now=float(mix.summary["households_before"]),
        priority_units=first,
        target_pct=target.households_pct,
    )
    projects = plan.projects.drop(columns=["needs"])
    payload: dict[str, Any] = {
        "as_of": info.as_of,
        "dataset": info.name,
        "kind": "years_plan",
        "share_before_pct": mix.summary["share_before_pct"],
        **plan.summary,
        "years": plan.years.to_dict(orient="records"),
    }
    if args.out:
        from geodata.export import write_table

        write_table(projects, args.out, sheet_name="years_plan")
        payload["out"] = str(args.out)
    if args.save:
        params = {k: v for k, v in vars(args).items() if k != "handler"}
        records = json.loads(projects.to_json(orient="records", force_ascii=False))
        store.save_result(
            f"plan:{args.save}",
            "years_plan",
            params,
            {**payload, "projects": records, "costs": costs.records()},
        )
        record_audit(store, args.actor, "plan_run", f"plan:{args.save}", {"kind": "years_plan"})
        log.info("saved the plan as %r in %s, period %s", args.save, store.location, info.as_of)
    if args.json:
        payload["projects"] = json.loads(projects.to_json(orient="records", force_ascii=False))
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))  # noqa: T201
    else:
        print(years_text(payload, projects))  # noqa: T201
    return EXIT_OK


def years_text(payload: dict[str, Any], projects: Any) -> str:  # noqa: ANN401 - a DataFrame
    """Return the plan by year as Vietnamese text (what ``plan years`` prints)."""
    a = payload["assumptions"]
    share = fmt_pct(payload["share_before_pct"], digits=2, trim=False)
    head = (
        f"{payload['dataset']}, kỳ {payload['as_of']}: kế hoạch theo năm "
        f"{payload['first_year']}–{payload['last_year']}"
    )
    budget = (
        f"Ngân sách: {fmt_vnd(payload['budget_vnd_total'])} "
        f"(đã dùng {fmt_vnd(payload['spent_vnd_total'])}); ưu tiên: thôn chưa có dịch vụ "
        "nào và cụm dân cư gần địa điểm ưu tiên, rồi nhiều hộ nhất trên mỗi đồng"
    )
    lines = [
        head,
        budget,
        f"Hiện nay: {share} hộ trong vùng cáp quang",
        "",
        f"{'năm':<6}{'chi':>18}{'dự án':>8}{'hộ thêm':>10}{'hộ cáp quang':>15}{'hộ băng rộng':>15}",
    ]
    lines += [
        f"{y['year']:<6}{fmt_vnd(y['spent_vnd']):>18}{fmt_int(y['projects']):>8}"
        f"{fmt_int(y['households']):>10}"
        f"{fmt_pct(y['fiber_households_pct'], digits=2, trim=False):>15}"
        f"{fmt_pct(y['broadband_households_pct'], digits=2, trim=False):>15}"
        for y in payload["years"]
    ]
    met = payload["target_met_year"]
    if payload["target_pct"] is not None:
        goal = f"> {fmt_pct(payload['target_pct'])} hộ có cáp quang"
        lines.append(
            f"Mục tiêu {goal}: đạt năm {met}" if met else f"Mục tiêu {goal}: chưa đạt trong kỳ"
        )
    lines.append(
        f"Còn thiếu khi hết tiền: {fmt_int(payload['projects_missing'])} dự án, "
        f"{fmt_int(payload['households_missing'])} hộ, "
        f"{fmt_vnd(payload['capex_missing_vnd'])} vốn đầu tư"
    )
    lines.append(
        f"Cần Quỹ Dịch vụ viễn thông công ích: {fmt_int(payload['projects_needing_fund'])} dự án, "
        f"chênh lệch {fmt_vnd(payload['subsidy_gap_vnd_total'])} (chi phí 10 năm trừ doanh thu "
        f"với tỷ lệ sử dụng {fmt_pct(100 * a['take_up_share'])} và "
        f"{fmt_int(a['revenue_vnd_per_household_per_month'])} đồng/hộ/tháng, giả định)"
    )
    first = projects[projects["year"].notna()].sort_values(["year", "rank"]).head(10)
    if len(first):
        lines += ["", "Mười dự án đầu tiên:"]
        for r in first.to_dict("records"):
            fund = "cần Quỹ" if r["needs_fund"] else "doanh nghiệp tự đầu tư"
            lines.append(
                f"  {r['year']}  {r['project_id']:<14} {TECH_LABELS.get(r['tech'], r['tech']):<32}"
                f"{fmt_int(r['households']):>6} hộ  {fmt_vnd(r['capex_vnd']):>16}  {fund}"
            )
    if "out" in payload:
        lines.append(f"Đã ghi {payload['out']}")
    return "\n".join(lines)
