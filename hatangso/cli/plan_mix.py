"""``hatangso plan mix``: the cheapest mix of technologies to a target, against fiber alone.

Reads the store's period, computes the current coverage, runs
:func:`planner.mix.plan_mix` with the period's cost table (:mod:`hatangso.costs`) and
prints, in Vietnamese, the ten-year cost of reaching the target with fiber alone and
with the mix, the households each technology serves, the crossover points and a few
points of the cost curves; ``--json`` prints everything, ``--out`` writes the units with
their chosen technology, ``--save NAME`` keeps the plan (with the prices it used) in the
store. The department only.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from hatangso.cli.common import EXIT_OK, as_option, identity, log, period_option, record_audit
from hatangso.formatting import fmt_int, fmt_num, fmt_pct, fmt_vnd

__all__ = ["TECH_LABELS", "register_mix"]

#: Each technology in the plans' Vietnamese text (plan mix, plan years).
TECH_LABELS = {
    "fiber": "cáp quang",
    "fwa_existing": "vô tuyến cố định, trạm hiện có",
    "site_fwa": "trạm 4G mới + vô tuyến cố định",
    "leo_household": "vệ tinh LEO mỗi hộ",
    "leo_community": "Wi-Fi cộng đồng qua vệ tinh LEO",
}


def register_mix(plan_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plan mix`` to the ``plan`` command's subcommands."""
    q = plan_sub.add_parser(
        "mix", help="the least-cost mix of fiber, fixed wireless and satellite to a target"
    )
    q.add_argument("store")
    period_option(q)
    as_option(q)
    q.add_argument(
        "--target",
        action="append",
        metavar="NAME:PCT",
        help="fiber_households:95 (default), villages:100, mobile_villages:100; repeatable",
    )
    q.add_argument("--budget-vnd", type=float, help="also: the most households for this capex")
    q.add_argument("--out", help="write the units and their technology to FILE (.csv, .xlsx)")
    q.add_argument("--save", metavar="NAME", help="save the plan into the store as NAME")
    q.add_argument("--json", action="store_true", help="print the summary and curves as JSON")
    q.set_defaults(handler=_cmd_mix)


def _cmd_mix(args: argparse.Namespace) -> int:
    from coverage.engine import CoverageInputs, compute_coverage
    from geodata.crs import WORK_CRS
    from geodata.store import Store
    from hatangso.access import AccessDenied
    from hatangso.costs import load_cost_table
    from planner.mix import MixTarget, plan_mix

    target = MixTarget.parse(args.target or ["fiber_households:95"])
    store = Store(args.store, period=args.period)
    args.actor, role = identity(store, args.user)
    if not role.can_publish:
        msg = f"{role}: only the department runs plans."
        raise AccessDenied(msg)
    info = store.info()
    layers = store.read_all(crs=WORK_CRS)
    inputs = CoverageInputs.from_store(store, layers)
    log.info("computing the current coverage")
    result = compute_coverage(inputs)
    costs = load_cost_table(store)
    log.info("planning the mix (cost table: %s)", costs.origin)
    plan = plan_mix(layers, result, target=target, costs=costs, budget_vnd=args.budget_vnd)
    payload: dict[str, Any] = {
        "as_of": info.as_of,
        "dataset": info.name,
        "kind": "mix_plan",
        **plan.totals(),
    }
    if args.out:
        from geodata.export import write_table

        write_table(plan.units, args.out, sheet_name="mix_plan")
        payload["out"] = str(args.out)
    if args.save:
        params = {k: v for k, v in vars(args).items() if k != "handler"}
        units = plan.units.astype(object).where(plan.units.notna(), None)  # NaN -> null
        saved = {
            **payload,
            "units": units.to_dict(orient="records"),
            "costs": plan.costs,
            "geojson": proposals_geojson(plan.units, layers),  # for operator review
        }
        store.save_result(f"plan:{args.save}", "mix_plan", params, saved)
        record_audit(store, args.actor, "plan_run", f"plan:{args.save}", {"kind": "mix_plan"})
        log.info("saved the plan as %r in %s, period %s", args.save, store.location, info.as_of)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))  # noqa: T201
    else:
        print(mix_text(payload))  # noqa: T201
    return EXIT_OK


def _column(d: dict[str, Any], key: str) -> str:
    if not d.get("feasible"):
        return "không đạt"
    value = d.get(key)
    if key.endswith("_pct"):
        return fmt_pct(value, digits=2, trim=False)
    if key.endswith(("_vnd", "_vnd_per_year")):
        return fmt_vnd(value)
    if key.endswith("_km"):
        return fmt_num(value, 1)
    return fmt_int(value)


def mix_text(payload: dict[str, Any]) -> str:
    """Return the plan's summary as Vietnamese text (what ``plan mix`` prints)."""
    lines = [*_head_lines(payload), "", *_table_lines(payload), *_cross_lines(payload)]
    lines += ["", "Đường chi phí (phương án tham lam; tỷ lệ hộ → chi phí 10 năm):"]
    lines += _curve_lines(payload["curve_fiber"], payload["curve_mix"])
    if "out" in payload:
        lines.append(f"Đã ghi {payload['out']}")
    return "\n".join(lines)


def _head_lines(payload: dict[str, Any]) -> list[str]:
    t = payload["target"]
    goal = []
    if t["households_pct"] is not None:
        goal.append(
            f"≥ {fmt_pct(t['households_pct'])} hộ có băng rộng cố định "
            f"(cần thêm {fmt_int(t['households_needed'])} hộ)"
        )
    if t["villages"]:
        goal.append("100 % thôn có băng rộng")
    if t["mobile_villages"]:
        goal.append("không còn thôn lõm sóng 4G")
    share = fmt_pct(payload["share_before_pct"], digits=2, trim=False)
    return [
        f"{payload['dataset']}, kỳ {payload['as_of']}: phương án công nghệ chi phí thấp nhất",
        "Mục tiêu: " + "; ".join(goal),
        (
            f"Hiện nay: {share} hộ trong vùng cáp quang ({fmt_int(payload['households_before'])}"
            f" / {fmt_int(payload['households_total'])} hộ); "
            f"{fmt_int(payload['n_units'])} cụm dân cư chưa có"
        ),
        (
            f"Chỉ tiêu dung lượng: {payload['capacity_target_mbps_per_household']:g} Mbit/s/hộ "
            f"giờ cao điểm; chi phí 10 năm chiết khấu "
            f"{fmt_pct(100 * payload['discount_rate'])}/năm; bảng giá: {payload['cost_table']}"
        ),
    ]


def _table_lines(payload: dict[str, Any]) -> list[str]:
    mix, fib = payload["mix"], payload["fiber_only"]
    lines = [f"{'':<34}{'Chỉ cáp quang':>20}{'Kết hợp':>20}"]
    for label, key in (
        ("Chi phí 10 năm (hiện giá)", "npv_vnd"),
        ("Vốn đầu tư", "capex_vnd"),
        ("Chi phí vận hành mỗi năm", "opex_vnd_per_year"),
        ("Hộ được phục vụ thêm", "households_served"),
        ("Tỷ lệ hộ sau đầu tư", "share_after_pct"),
        ("Cáp quang mới (km)", "fiber_km"),
        ("Trạm 4G mới", "new_sites"),
    ):
        lines.append(f"{label:<34}{_column(fib, key):>20}{_column(mix, key):>20}")
    techs = {**fib.get("households_by_tech", {}), **mix.get("households_by_tech", {})}
    for tech in techs:
        a = fmt_int(fib.get("households_by_tech", {}).get(tech, 0))
        b = fmt_int(mix.get("households_by_tech", {}).get(tech, 0))
        lines.append(f"  {TECH_LABELS.get(tech, tech):<32}{a:>20}{b:>20}")
    lines += [
        f"{name}: không đạt mục tiêu — {d.get('reason', '')}"
        for name, d in (("Chỉ cáp quang", fib), ("Kết hợp", mix))
        if not d.get("feasible")
    ]
    return lines


def _cross_lines(payload: dict[str, Any]) -> list[str]:
    lines = []
    gap = payload["mix"].get("greedy_gap")
    if gap is not None:
        how = "chứng minh tối ưu" if payload["mix"].get("exact_proven") else "chưa chứng minh"
        lines.append(
            f"Kiểm tra bằng quy hoạch nguyên (MILP, HiGHS; {how}): phương án tham lam đắt hơn "
            f"{fmt_pct(100 * gap, digits=3, trim=False)}; phương án chọn: "
            + ("MILP" if payload["mix"].get("method") == "milp" else "tham lam")
        )
    if "saving_vnd" in payload:
        lines.append(f"Tiết kiệm so với chỉ cáp quang: {fmt_vnd(payload['saving_vnd'])}")
    cross = payload["crossover"]
    if cross.get("mix_cheaper_from_pct") is not None:
        lines.append(
            "Điểm giao: kết hợp rẻ hơn chỉ cáp quang từ "
            f"{fmt_pct(cross['mix_cheaper_from_pct'], digits=2, trim=False)} hộ"
        )
    lines += [
        f"  {TECH_LABELS.get(tech, tech)} bắt đầu từ {fmt_pct(pct, digits=2, trim=False)}"
        for tech, pct in cross.get("tech_from_pct", {}).items()
    ]
    if "budget" in payload:
        b = payload["budget"]
        got = (
            f"{fmt_int(b['households_served'])} hộ, đạt "
            f"{fmt_pct(b['share_after_pct'], digits=2, trim=False)}"
            if b.get("feasible")
            else "không đủ cho phương án nào"
        )
        lines.append(f"Với vốn {fmt_vnd(b['budget_vnd'])}: {got}")
    return lines


def _curve_lines(fiber: list[dict[str, Any]], mix: list[dict[str, Any]]) -> list[str]:
    """Return a few shares, each with the cheapest cost with fiber alone and with the mix."""

    def cost_at(curve: list[dict[str, Any]], share: float) -> str:
        costs = [p["npv_vnd"] for p in curve if p["share_pct"] >= share - 1e-9]
        return fmt_vnd(min(costs)) if costs else "không đạt"

    shares = (80.0, 85.0, 90.0, 93.0, 95.0, 97.0, 99.0, 99.9)
    return [
        f"{'':<12}{'Chỉ cáp quang':>20}{'Kết hợp':>20}",
        *(f"{fmt_pct(s):<12}{cost_at(fiber, s):>20}{cost_at(mix, s):>20}" for s in shares),
    ]


def proposals_geojson(units: Any, layers: dict[str, Any]) -> dict[str, Any]:  # noqa: ANN401
    """Return the served units as a FeatureCollection (EPSG:4326): the plan's proposals.

    Each feature is a cluster with the technology chosen, its households and ten-year
    cost; ``hatangso review publish`` makes each a proposal (kind ``unit``) that the
    operators review like a route or a site. No operator is named: the mix is the
    department's, any operator may take a project up.
    """
    from planner.mix.units import unit_points

    served = units[units["tech"].astype(str) != ""]
    points = unit_points(served, layers).to_crs(4326)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(g.x, 6), round(g.y, 6)]},
            "properties": {
                "unit_id": str(r["unit_id"]),
                "village_id": str(r["village_id"]),
                "tech": str(r["tech"]),
                "households": int(r["households_served"]),
                "cost_vnd": round(float(r["npv_vnd"])),
            },
        }
        for r, g in zip(served.to_dict("records"), points.geometry, strict=True)
        if g is not None and not g.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}
