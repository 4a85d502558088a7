"""``hatangso plan rings`` and ``plan backup``: hardening the network before the season.

``rings`` proposes the cheapest second fiber path along the roads for the parts of the
network that hang on a single route (:mod:`planner.hardening.rings`); ``backup`` the sites
to give longer batteries or a generator so the most households keep 4G through an
outage (:mod:`planner.hardening.backup`). Both rank by households protected per VND,
print in Vietnamese (``--json``: every figure), write (``--out``) or save (``--save
NAME``: a plan the operators review like any other, ``hatangso review publish NAME``).
The department only.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from hatangso.cli.common import (
    EXIT_OK,
    as_option,
    identity,
    log,
    period_option,
    record_audit,
    requested_operator,
)
from hatangso.formatting import fmt_int, fmt_num, fmt_vnd

__all__ = ["register_harden"]

_OPTION_VI = {"generator": "máy phát", "battery": "ắc quy"}


def register_harden(plan_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plan rings`` and ``plan backup`` to the ``plan`` command's subcommands."""
    for kind, text in (
        ("rings", "rings to close: a second fiber path for what hangs on one route"),
        ("backup", "longer batteries or generators so the most households keep 4G"),
    ):
        q = plan_sub.add_parser(kind, help=text)
        q.add_argument("store")
        period_option(q)
        as_option(q)
        q.add_argument("--operator", help="only this operator's network")
        q.add_argument("--budget-vnd", type=float, help="spend at most this (VND)")
        q.add_argument("--top", type=int, default=10, help="at most this many proposals (10)")
        q.add_argument("--out", help="write the proposals to FILE.geojson (or .csv, .xlsx)")
        q.add_argument("--save", metavar="NAME", help="save the plan into the store as NAME")
        q.add_argument("--json", action="store_true", help="print every figure as JSON")
        if kind == "backup":
            q.add_argument(
                "--outage-hours",
                type=float,
                default=24.0,
                help="hours without grid power (default 24)",
            )
            q.add_argument(
                "--hazard",
                metavar="FILE",
                help="the areas without power (default: every site of the period)",
            )
        q.set_defaults(handler=_cmd_harden, harden=kind)


def _cmd_harden(args: argparse.Namespace) -> int:
    from geodata.store import Store
    from hatangso.access import AccessDenied
    from hatangso.hardening import load_backup, load_rings

    operator = requested_operator(args.operator)
    if args.top is not None and args.top < 1:
        from geodata.errors import InputError

        msg = f"--top must be 1 or more, got {args.top}."
        raise InputError(msg)
    store = Store(args.store, period=args.period)
    args.actor, role = identity(store, args.user)
    if not role.can_publish:
        msg = f"{role}: only the department runs plans."
        raise AccessDenied(msg)
    info = store.info()
    log.info("reading %s, period %s; planning %s", store.location, info.as_of, args.harden)
    if args.harden == "rings":
        rings = load_rings(store, operator=operator, budget_vnd=args.budget_vnd, top=args.top)
        features, totals, names = rings.plan.routes, rings.plan.totals(), rings.names
        kind = "ring_plan"
        totals["no_path_routes"] = rings.plan.no_path
    else:
        backup = load_backup(
            store,
            outage_hours=args.outage_hours,
            hazard_file=args.hazard,
            operator=operator,
            budget_vnd=args.budget_vnd,
            top=args.top,
        )
        features, totals, names = backup.plan.sites, backup.plan.totals(), backup.names
        totals["area"] = backup.area
        kind = "backup_plan"
    payload: dict[str, Any] = {
        "as_of": info.as_of,
        "dataset": info.name,
        "kind": kind,
        "totals": totals,
        "proposals": json.loads(features.drop(columns="geometry").to_json(orient="records")),
    }
    if args.out:
        from geodata.crs import STORE_CRS
        from geodata.export import write_table

        write_table(features.to_crs(STORE_CRS), args.out, sheet_name=kind)
        payload["out"] = str(args.out)
    if args.save:
        _save(store, args, kind, payload, features)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))  # noqa: T201
    else:
        print(_text(payload, names))  # noqa: T201
    return EXIT_OK


def _save(
    store: Any,  # noqa: ANN401 - a Store
    args: argparse.Namespace,
    kind: str,
    payload: dict[str, Any],
    features: Any,  # noqa: ANN401 - a GeoDataFrame
) -> None:
    """Save the plan as ``plan:NAME`` (its features as GeoJSON, for the review)."""
    from geodata.crs import STORE_CRS

    geojson = json.loads(features.to_crs(STORE_CRS).to_json())
    params = {k: v for k, v in vars(args).items() if k != "handler"}
    saved = {**payload, "geojson": geojson}
    store.write({}, {}, results={f"plan:{args.save}": (kind, params, saved)})
    log.info("saved the plan as %r in %s, period %s", args.save, store.location, payload["as_of"])
    record_audit(
        store,
        args.actor,
        "plan_run",
        f"plan:{args.save}",
        {"kind": kind, "totals": payload["totals"]},
    )


def _communes(ids: str, names: dict[str, str]) -> str:
    shown = [names.get(c, c) for c in str(ids).split(",") if c]
    return ", ".join(shown[:3]) + (f" và {len(shown) - 3} xã khác" if len(shown) > 3 else "")


def _text(payload: dict[str, Any], names: dict[str, str]) -> str:
    t = payload["totals"]
    rows = payload["proposals"]
    head = f"{payload['dataset']}, kỳ {payload['as_of']}: "
    if payload["kind"] == "ring_plan":
        lines = [
            (
                head + "khép vòng cáp quang (tuyến thứ hai theo đường bộ cho phần mạng treo "
                "trên một tuyến)"
            ),
            (
                f"{fmt_int(t['vulnerable_households'])} hộ mất cáp quang khi một tuyến đứt; "
                f"{fmt_int(t['rings'])} vòng đề xuất bảo vệ "
                f"{fmt_int(t['households_protected'])} hộ, tổng {fmt_vnd(t['cost_vnd'])}, "
                f"{fmt_num(t['length_m'] / 1000.0, 1)} km."
            ),
            (
                f"{fmt_int(t['no_path'])} đoạn không có đường bộ khác để khép vòng (cần tuyến "
                "ngoài đường bộ hoặc viba)."
            ),
            "",
            (
                f"{'#':>3}  {'vòng':<8} {'nhà mạng':<12} {'tuyến được bảo vệ':<22} {'km':>6} "
                f"{'chi phí':>18} {'số hộ':>7} {'hộ/tỷ đồng':>11}  xã"
            ),
        ]
        lines += [
            f"{k:>3}  {r['route_id']:<8} {r['operator']:<12} {r['bridge_route']:<22} "
            f"{fmt_num(r['length_m'] / 1000.0, 1):>6} {fmt_vnd(r['cost_vnd']):>18} "
            f"{fmt_int(r['households']):>7} {fmt_num(r['households_per_billion_vnd'], 0):>11}  "
            f"{_communes(r['communes'], names)}"
            for k, r in enumerate(rows, start=1)
        ]
        lines.append(
            "Mỗi vòng là đường rẻ nhất theo đường bộ (chính xác, Dijkstra); thứ tự chọn vòng: "
            "tham lam theo số hộ trên đồng."
        )
    else:
        lines = [
            (
                head + "dự phòng nguồn cho trạm, mất điện lưới "
                f"{fmt_num(t['outage_hours'], 0)} giờ ({t['area']})"
            ),
            (
                f"{fmt_int(t['sites_down_power'])} trạm hết nguồn cuối đợt mất điện; "
                f"{fmt_int(t['households_without_4g'])} hộ mất sóng 4G. "
                f"{fmt_int(t['upgrades'])} đề xuất bảo vệ "
                f"{fmt_int(t['households_protected'])} hộ, tổng {fmt_vnd(t['cost_vnd'])}."
            ),
            "",
            (
                f"{'#':>3}  {'trạm':<16} {'nhà mạng':<12} {'giải pháp':<10} {'ắc quy (h)':>10} "
                f"{'chi phí':>18} {'số hộ':>7} {'hộ/tỷ đồng':>11}  xã"
            ),
        ]
        lines += [
            f"{k:>3}  {r['site_id']:<16} {r['operator']:<12} "
            f"{_OPTION_VI.get(r['option'], r['option']):<10} "
            f"{fmt_num(r['battery_hours'], 0):>10} {fmt_vnd(r['cost_vnd']):>18} "
            f"{fmt_int(r['households']):>7} {fmt_num(r['households_per_billion_vnd'], 0):>11}  "
            f"{_communes(r['communes'], names)}"
            for k, r in enumerate(rows, start=1)
        ]
        lines.append(
            "Số hộ: hộ chỉ trạm đó giữ được sóng 4G (giá ắc quy, máy phát là giả định: "
            "planner.costs.BackupCosts)."
        )
    if "out" in payload:
        lines.append(f"wrote {payload['out']}")
    return "\n".join(lines)
