"""``hatangso resilience``: single points of failure and hazard scenarios (Ứng cứu thông tin).

``spof`` ranks the cuts and failures that would take households off the fiber network
(and sites off their backhaul); ``scenario`` plays a hazard file hour by hour and says
which sites go down, who loses fiber and 4G, which priority places are cut off;
``report`` writes the same as a one-page PDF for the leadership (báo cáo nhanh). The
text is Vietnamese; ``--json`` gives every figure. The department only: the tables show
every operator's network.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError
from hatangso.cli.common import EXIT_OK, as_option, identity, log, period_option
from hatangso.formatting import fmt_int, fmt_num

if TYPE_CHECKING:
    import pandas as pd

    from coverage.resilience.scenario import ScenarioResult
    from hatangso.resilience import SpofView

__all__ = ["register"]

_KIND_VI = {
    "route": "tuyến cáp",
    "node": "nút quang",
    "microwave": "chặng viba",
    "site": "trạm hub",
}
_REASON_VI = {"power": "hết nguồn", "tower": "đổ cột", "backhaul": "mất truyền dẫn"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``resilience spof`` and ``resilience scenario`` to the command line.

    Parameters
    ----------
    sub
        The subcommands of ``hatangso`` (``parser.add_subparsers(...)``).
    """
    p = sub.add_parser(
        "resilience", help="single points of failure and hazard scenarios (ứng cứu thông tin)"
    )
    kinds = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    s = kinds.add_parser(
        "spof", help="the single cuts and failures that cut households off, ranked"
    )
    s.add_argument("store")
    period_option(s)
    as_option(s)
    s.add_argument("--top", type=int, default=20, help="rows shown (default 20)")
    s.add_argument("--out", help="write the whole table to FILE.csv, FILE.xlsx or FILE.geojson")
    s.add_argument("--json", action="store_true", help="print every row as JSON")
    s.set_defaults(handler=_cmd_spof)
    c = kinds.add_parser("scenario", help="a hazard hour by hour: sites down, households cut off")
    c.add_argument("store")
    period_option(c)
    as_option(c)
    c.add_argument(
        "--hazard",
        required=True,
        metavar="FILE",
        help="GeoJSON/GeoPackage of areas (polygons) or a storm track (line, wind_radius_m)",
    )
    c.add_argument(
        "--outage-hours", type=float, required=True, help="hours without grid power in the areas"
    )
    c.add_argument(
        "--hours", default="0,4,8,24,72", help="hours after the strike to tell (comma-separated)"
    )
    c.add_argument(
        "--crews",
        type=int,
        metavar="K",
        help="also order the repairs for K crews, most households back per repair hour first",
    )
    c.add_argument("--json", action="store_true", help="print every figure as JSON")
    c.set_defaults(handler=_cmd_scenario)
    r = kinds.add_parser(
        "report",
        help="one-page PDF situation report of a hazard (báo cáo nhanh) for the leadership",
    )
    r.add_argument("store")
    period_option(r)
    as_option(r)
    r.add_argument("--hazard", required=True, metavar="FILE", help="as for scenario")
    r.add_argument(
        "--outage-hours", type=float, required=True, help="hours without grid power in the areas"
    )
    r.add_argument(
        "--crews", type=int, default=4, metavar="K", help="crews for the restoration (default 4)"
    )
    r.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write")
    r.set_defaults(handler=_cmd_report)


def _department(args: argparse.Namespace) -> Any:  # noqa: ANN401 - the store
    from geodata.store import Store
    from hatangso.access import AccessDenied

    store = Store(args.store, period=args.period)
    _, role = identity(store, args.user)
    if not role.sees_all_operators:
        msg = f"{role}: only the department analyses the resilience of every operator's network."
        raise AccessDenied(msg)
    return store


def _cmd_spof(args: argparse.Namespace) -> int:
    from geodata.export import write_table
    from hatangso.evidence import records
    from hatangso.resilience import load_spof

    store = _department(args)
    info = store.info()
    log.info("reading %s, period %s; building the network graph", store.location, info.as_of)
    view = load_spof(store)
    if args.out:
        frame: Any = view.table
        if str(args.out).lower().endswith(".geojson"):
            import geopandas as gpd

            from geodata.crs import STORE_CRS, WORK_CRS

            frame = gpd.GeoDataFrame(
                view.table,
                geometry=gpd.points_from_xy(view.table["x"], view.table["y"]),
                crs=WORK_CRS,
            ).to_crs(STORE_CRS)
        log.info("wrote %s", write_table(frame, args.out, sheet_name="spof"))
    if args.json:
        payload = {
            "ok": True,
            "as_of": info.as_of,
            "dataset": info.name,
            "count": len(view.table),
            "unlocated_sites": view.network.unlocated,
            "rows": records(view.table.drop(columns=["x", "y"])),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(_spof_text(view, info.name, info.as_of, args.top))  # noqa: T201
    return EXIT_OK


def _spof_text(view: SpofView, name: str, as_of: str | None, top: int) -> str:
    table = view.table
    counts = table["kind"].value_counts()
    lines = [
        (
            f"{name}, kỳ {as_of}: điểm lỗi đơn (một tuyến cáp đứt hoặc một nút hỏng làm mất "
            "kết nối về lõi mạng)"
        ),
        (
            "Lõi mạng: mọi điểm trên tuyến trục (backbone) và nút POP; nhà mạng không có: các "
            "OLT. Hộ tính theo cụm dân cư mất hết cáp quang trong phạm vi phục vụ."
        ),
        (
            f"{fmt_int(len(table))} điểm lỗi đơn ({fmt_int(len(same_cuts(table)))} nhánh): "
            + ", ".join(f"{fmt_int(int(counts.get(k, 0)))} {v}" for k, v in _KIND_VI.items())
            + "."
        ),
    ]
    if view.network.unlocated:
        lines.append(
            f"{fmt_int(len(view.network.unlocated))} trạm truyền dẫn quang không có cáp trong "
            "phạm vi 500 m: coi như tự nối về lõi (bổ sung cột backhaul để phân tích đủ)."
        )
    if not len(table):
        return "\n".join([*lines, "Không có điểm lỗi đơn nào."])
    lines += [
        "",
        (
            f"{'#':>3}  {'loại':<11} {'mã':<30} {'nhà mạng':<12} {'số hộ':>8} "
            f"{'thôn':>5} {'xã':>4} {'trạm':>5}  xã bị ảnh hưởng"
        ),
    ]
    chains = same_cuts(table)
    for k, rows in enumerate(chains[:top], start=1):
        row = rows[0]
        communes = [view.names.get(c, c) for c in str(row["commune_ids"]).split(",") if c]
        shown = ", ".join(communes[:3]) + (
            f" và {len(communes) - 3} xã khác" if len(communes) > 3 else ""
        )
        ids = _short(row["element_id"], 30 if len(rows) == 1 else 25)
        ids += f" +{len(rows) - 1}" if len(rows) > 1 else ""
        lines.append(
            f"{k:>3}  {_KIND_VI[row['kind']]:<11} {ids:<30} "
            f"{row['operator']:<12} {fmt_int(row['households']):>8} "
            f"{fmt_int(row['villages']):>5} {fmt_int(row['communes']):>4} "
            f"{fmt_int(row['sites']):>5}  {shown}"
        )
    grouped = [rows for rows in chains[:top] if len(rows) > 1]
    if grouped:
        lines.append(
            "+N: N điểm nữa trên cùng một nhánh, cắt mất đúng những hộ và trạm ấy "
            "(gia cố một là chưa đủ): "
            + "; ".join(" + ".join(r["element_id"] for r in rows) for rows in grouped[:3])
            + ("; …" if len(grouped) > 3 else "")
        )
    if len(chains) > top:
        lines.append(
            f"… và {fmt_int(len(chains) - top)} nhánh nữa (--top, --out, --json: từng điểm)."
        )
    return "\n".join(lines)


def same_cuts(table: pd.DataFrame) -> list[list[dict[str, Any]]]:
    """Group the points of failure that cut off exactly the same (one chain of one network).

    A closure, its ODF and the cable between them fail alike: one line, not three.

    Parameters
    ----------
    table
        :func:`coverage.resilience.single_points_of_failure`'s table, ranked.

    Returns
    -------
    list of list of dict
        The groups in the table's order, each its rows.
    """
    keys = ["operator", "households", "villages", "communes", "sites", "commune_ids"]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for record in table.to_dict("records"):
        row = {str(k): v for k, v in record.items()}
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return list(groups.values())


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _hours(raw: str) -> tuple[float, ...]:
    try:
        hours = tuple(float(h) for h in raw.split(",") if h.strip())
    except ValueError:
        hours = ()
    if not hours or any(h < 0 for h in hours):
        msg = f"--hours {raw!r}: give hours of 0 or more, separated by commas, e.g. 0,4,8,24,72."
        raise InputError(msg)
    return hours


def _cmd_scenario(args: argparse.Namespace) -> int:
    from hatangso.evidence import records
    from hatangso.resilience import load_scenario

    hours = _hours(args.hours)
    store = _department(args)
    info = store.info()
    log.info("reading %s, period %s; playing %s", store.location, info.as_of, args.hazard)
    view = load_scenario(store, args.hazard, args.outage_hours, hours=hours)
    result, names = view.result, view.names
    repairs = None
    if args.crews is not None:
        from planner.restoration import restoration_order

        repairs = restoration_order(view.inputs, result, crews=args.crews)
    if args.json:
        payload = {
            "ok": True,
            "as_of": info.as_of,
            "dataset": info.name,
            "hazard": args.hazard,
            "outage_hours": args.outage_hours,
            "before": _before(result),
            "hours": records(result.summary()),
            "detail": [
                {
                    "hour": state.hour,
                    "sites_down": records(state.sites_down),
                    "routes_cut": list(state.routes_cut),
                    "communes": records(result.by_commune(state.hour)),
                    "places_cut_off": records(result.places_cut_off(state.hour)),
                }
                for state in result.states
            ],
        }
        if repairs is not None:
            payload["crews"] = args.crews
            payload["restoration"] = records(repairs)
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(_scenario_text(result, names, info.name, info.as_of))  # noqa: T201
        if repairs is not None:
            print(_repairs_text(repairs, args.crews))  # noqa: T201
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geodata.export import atomic_write
    from hatangso.report.situation import build_situation, situation_pdf
    from hatangso.resilience import load_scenario
    from planner.restoration import restoration_order

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        msg = f"--out {out.name}: the situation report is a PDF; give a FILE.pdf."
        raise InputError(msg)
    store = _department(args)
    info = store.info()
    log.info("reading %s, period %s; playing %s", store.location, info.as_of, args.hazard)
    view = load_scenario(store, args.hazard, args.outage_hours)
    repairs = restoration_order(view.inputs, view.result, crews=args.crews)
    report = build_situation(
        store, view, hazard_name=Path(args.hazard).name, repairs=repairs, crews=args.crews
    )
    log.info("wrote %s", atomic_write(out, situation_pdf(report)))
    return EXIT_OK


def _before(result: ScenarioResult) -> dict[str, int]:
    c = result.before.coverage.clusters
    return {
        "households": int(c["households"].sum()),
        "households_fiber": int(c["households"][c["fiber_reached"].astype(bool)].sum()),
        "households_4g": int(c["households"][c["mobile_4g"].astype(bool)].sum()),
    }


def _scenario_text(
    result: ScenarioResult, names: dict[str, str], name: str, as_of: str | None
) -> str:
    areas = result.hazard.areas
    kinds = areas["kind"].value_counts()
    kind_vi = {
        "storm": "bão",
        "flood": "lũ, ngập",
        "landslide": "sạt lở",
        "power_outage": "mất điện",
    }
    before = _before(result)
    lines = [
        (
            f"{name}, kỳ {as_of}: kịch bản "
            + ", ".join(
                f"{fmt_int(int(n))} vùng {kind_vi.get(str(k), str(k))}" for k, n in kinds.items()
            )
            + f"; mất điện lưới {fmt_num(result.hazard.outage_hours, 0)} giờ trong vùng ảnh hưởng"
        ),
        (
            f"Trước sự cố: {fmt_int(before['households_fiber'])} hộ có cáp quang, "
            f"{fmt_int(before['households_4g'])} hộ có sóng 4G ngoài trời "
            f"(trên {fmt_int(before['households'])} hộ)."
        ),
        "",
        (
            f"{'giờ':>4} {'trạm mất':>9} {'hết nguồn':>10} {'đổ cột':>7} {'mất TD':>7} "
            f"{'tuyến đứt':>10} {'hộ mất quang':>13} {'hộ mất 4G':>10} {'hộ mất LL':>10} "
            f"{'thôn mất LL':>12} {'đ.điểm ƯT':>10}"
        ),
    ]
    summary = result.summary()
    lines += [
        f"{fmt_num(r['hour']):>4} {fmt_int(r['sites_down']):>9} "
        f"{fmt_int(r['sites_down_power']):>10} {fmt_int(r['sites_down_tower']):>7} "
        f"{fmt_int(r['sites_down_backhaul']):>7} {fmt_int(r['routes_cut']):>10} "
        f"{fmt_int(r['households_without_fiber']):>13} "
        f"{fmt_int(r['households_without_4g']):>10} {fmt_int(r['households_cut_off']):>10} "
        f"{fmt_int(r['villages_cut_off']):>12} {fmt_int(r['places_cut_off']):>10}"
        for r in summary.to_dict("records")
    ]
    lines.append(
        "hộ mất LL (mất liên lạc): có cáp quang hoặc 4G trước sự cố, không còn cả hai; "
        "mất TD: trạm còn nguồn nhưng mất đường truyền về lõi mạng."
    )
    if len(summary):
        worst = summary.sort_values(["households_cut_off", "hour"], ascending=[False, True]).iloc[0]
        hour = float(worst["hour"])
        communes = result.by_commune(hour).head(10)
        if len(communes):
            lines += ["", f"Xã mất liên lạc nhiều nhất lúc {fmt_num(hour)} giờ:"]
            lines += [
                f"  {names.get(r['commune_id'], r['commune_id'])} ({r['commune_id']}): "
                f"{fmt_int(r['households_cut_off'])} hộ mất liên lạc, "
                f"{fmt_int(r['households_without_fiber'])} mất quang, "
                f"{fmt_int(r['households_without_4g'])} mất 4G"
                for r in communes.to_dict("records")
            ]
        places = result.places_cut_off(hour)
        if len(places):
            lines.append(
                f"Địa điểm ưu tiên mất liên lạc lúc {fmt_num(hour)} giờ: "
                + "; ".join(places["name"].astype(str).tolist()[:15])
            )
    if result.unlocated_sites:
        lines.append(
            f"{fmt_int(len(result.unlocated_sites))} trạm không tìm thấy đường truyền dẫn trong "
            "dữ liệu: chỉ xét nguồn điện và cột."
        )
    return "\n".join(lines)


def _repairs_text(repairs: pd.DataFrame, crews: int) -> str:
    kinds = {"route": "nối tuyến cáp", "tower": "dựng lại cột"}
    total = int(repairs["households_restored_total"].iloc[-1]) if len(repairs) else 0
    lines = [
        "",
        (
            f"Thứ tự khắc phục với {fmt_int(crews)} đội (ưu tiên số hộ có lại liên lạc trên mỗi "
            f"giờ sửa; giả định 6 giờ một tuyến cáp, 24 giờ một cột): {fmt_int(len(repairs))} "
            f"hạng mục, {fmt_int(total)} hộ có lại liên lạc."
        ),
    ]
    for share in (50, 90, 100):
        reached = repairs[repairs["households_restored_total"] >= total * share / 100]
        if total and len(reached):
            hours = fmt_num(reached["restored_by_h"].iloc[0])
            lines.append(f"  {share} % số hộ có lại liên lạc sau {hours} giờ")
    lines.append(
        f"{'#':>4}  {'việc':<14} {'mã':<28} {'nhà mạng':<12} {'đội':>4} {'từ giờ':>7} "
        f"{'đến giờ':>8} {'số hộ':>8}"
    )
    lines += [
        f"{r['order']:>4}  {kinds.get(r['kind'], r['kind']):<14} {_short(r['element_id'], 28):<28} "
        f"{r['operator']:<12} {r['crew']:>4} {fmt_num(r['start_h']):>7} "
        f"{fmt_num(r['finish_h']):>8} {fmt_int(r['households_restored']):>8}"
        for r in repairs.head(15).to_dict("records")
    ]
    useless = int((repairs["households_restored"] == 0).sum())
    if useless:
        lines.append(
            f"{fmt_int(useless)} hạng mục không tự mang lại hộ nào (làm sau cùng; --json: cả "
            "danh sách)."
        )
    return "\n".join(lines)
