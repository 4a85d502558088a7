"""Assemble the leadership report: coverage of a store, worded and tabled in Vietnamese.

:func:`build_report` reads a store, computes the coverage with :mod:`coverage.engine` and
fills a :class:`hatangso.report.model.ReportData`, for any period the store holds (default
the latest); :func:`hatangso.report.write_report` lays it out as PDF or Excel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from coverage.engine import CoverageInputs, CoverageResult, compute_coverage
from coverage.evidence import confusion_table
from geodata.crs import WORK_CRS
from geodata.errors import InputError
from geodata.store import Store
from hatangso import progress
from hatangso.access import Role
from hatangso.evidence import (
    BASIS_LABELS,
    EvidenceView,
    challenge_line,
    evidence_line,
    gap_basis,
    labelled_confusion,
    load_evidence,
)
from hatangso.formatting import LAYER_NAMES_VI, NO_TARGET, fmt_date, fmt_num, fmt_target
from hatangso.report.costs import cost_tables, plan_kind
from hatangso.report.model import GapMap, Indicator, ReportData, ReportTable
from hatangso.review.challenges import with_challenges
from hatangso.targets import organisation_for, targets_for

__all__ = ["build_report", "saved_plans"]

log = logging.getLogger(__name__)

#: The noun of each target's unit, and how a status line is worded.
_UNIT_VI = {
    "commune": "xã",
    "village": "thôn",
    "household": "hộ",
    "cluster": "cụm dân cư",
    "place": "địa điểm ưu tiên",
}
_STATUS_VI = {
    "fiber_communes": "{r}/{t} xã có cáp quang ({p} %)",
    "fiber_villages": "{r}/{t} thôn có cáp quang ({p} %)",
    "fiber_households": "{p} % hộ gia đình trong vùng cáp quang ({r}/{t} hộ)",
    "mobile_villages": "{r}/{t} thôn có sóng 4G ({p} %)",
    "mobile_clusters": "{r}/{t} cụm dân cư có sóng 4G ({p} %)",
    "5g_priority": "{r}/{t} địa điểm ưu tiên có sóng 5G ({p} %)",
}


def saved_plans(store: Store) -> list[dict[str, Any]]:
    """Return the plans saved in the store (results named ``plan:NAME``), by name.

    Parameters
    ----------
    store
        The store.

    Returns
    -------
    list of dict
        ``name``, ``kind`` and ``payload`` of each saved plan.
    """
    names = store.result_names("plan:")
    out = []
    for name in names:
        saved = store.read_result(name)
        if saved is not None:
            out.append({"name": name.removeprefix("plan:"), **saved})
    return out


def build_report(
    path: str | Path, *, period: str | None = None, layout: str | None = None
) -> ReportData:
    """Compute the coverage of a store and fill the report.

    Parameters
    ----------
    path
        The store.
    period
        The period (``YYYY-MM-DD``); default the latest.
    layout
        Show the figures in the administrative layout in force on this date (a year: its
        end); default the period's own. In a layout without districts the tables are by
        xã/phường, with a table by former district (huyện cũ) and the village lists
        grouped by it.

    Returns
    -------
    hatangso.report.model.ReportData

    Raises
    ------
    InputError
        A missing or unreadable store, a period it does not hold, or no villages.
    """
    store = Store(path, period=period)
    info = store.info()  # an unknown period is refused here, naming the periods held
    if not info.as_of:
        msg = f"{store.location}: holds no period yet; import its layers with --as-of YYYY-MM-DD."
        raise InputError(msg)
    layers = store.read_all(crs=WORK_CRS)
    for needed in ("admin_units", "villages"):
        if needed not in layers:
            msg = f"{store.location}: has no {needed} layer in {info.as_of}; the report needs it."
            raise InputError(msg)
    log.info("computing coverage")
    result = with_challenges(
        store,  # conceded or upheld challenges count as gaps (docs/EVIDENCE.md)
        compute_coverage(
            CoverageInputs.from_store(store, layers), targets=targets_for(store, info.as_of)
        ),
    )
    org = organisation_for(store, info.as_of)
    result, former, layout_note = _in_layout(store, layers, result, layout)
    province = result.summary("province").iloc[0]
    province_name = str(province["name"])
    synthetic = [LAYER_NAMES_VI.get(r.layer, r.layer) for r in info.layers if r.synthetic]
    note = ""
    if synthetic:
        note = (
            "LƯU Ý: Bộ dữ liệu có các lớp mô phỏng (dữ liệu tổng hợp, không phải số liệu "
            f"thực tế): {', '.join(synthetic)}. Các số liệu dưới đây chỉ dùng để minh hoạ."
        )
    villages = _village_table(result, former)
    two_tier = former is not None or not (result.units["level"] == "district").any()
    by_unit = [
        ReportTable(
            "Hiện trạng theo huyện, thị xã, thành phố",
            "Theo huyện",
            _district_table(result),
            widths=(26, 9, 12, 10, 12, 12, 14, 11, 11, 12),
        ),
        ReportTable("Hiện trạng theo xã", "Theo xã", _commune_table(result), in_pdf=False),
    ]
    if two_tier:
        by_unit = [ReportTable("Hiện trạng theo xã, phường", "Theo xã", _commune_table(result))]
        if former is not None:
            by_unit.append(
                ReportTable(
                    "Hiện trạng theo huyện cũ (địa giới trước 01/07/2025)",
                    "Theo huyện cũ",
                    _district_table(former),
                    widths=(26, 9, 12, 10, 12, 12, 14, 11, 11, 12),
                )
            )
    tables = [
        *by_unit,
        ReportTable(
            "Danh sách thôn chưa có cáp quang",
            "Thôn chưa có cáp quang",
            villages[~villages.pop("_fiber")]
            .drop(columns=["_4g", "% hộ có sóng 4G"])
            .reset_index(drop=True),
            group_by="Huyện",
            widths=(0, 40, 40, 20, 15),
        ),
    ]
    tables[1:1] = _change_tables(store, info.as_of, result, layout)
    villages = _village_table(result, former)
    tables.append(
        ReportTable(
            "Danh sách thôn chưa có sóng 4G",
            "Thôn chưa có 4G",
            villages[~villages.pop("_4g")].drop(columns=["_fiber"]).reset_index(drop=True),
            group_by="Huyện",
            widths=(0, 36, 36, 18, 13, 17),
        )
    )
    evidence = _evidence(store, layers, result)
    tables[-1] = _with_basis(tables[-1], result, evidence)
    tables.append(
        ReportTable(
            "Dự báo và đo kiểm: số thôn theo nhà mạng và công nghệ",
            "Đo kiểm",
            labelled_confusion(
                confusion_table(pd.DataFrame(), 0) if evidence is None else evidence.confusion,
                "vi",
                as_text=False,
            ),
            widths=(14, 10, 13, 13, 15, 15, 13, 13),
            empty=evidence_line(evidence, "vi"),
        )
    )
    tables.append(
        ReportTable(
            "Các phương án đầu tư đã lưu",
            "Phương án",
            _plan_table(saved_plans(store)),
            empty="Chưa có phương án nào được lưu trong bộ dữ liệu (hatangso plan … --save TÊN).",
        )
    )
    tables += cost_tables(saved_plans(store))  # plan mix / plan years --save
    return ReportData(
        title=f"BÁO CÁO HIỆN TRẠNG HẠ TẦNG SỐ {province_name.upper()}",
        dataset=info.name or Path(store.location).stem,
        as_of=dt.date.fromisoformat(info.as_of[:10]),
        organisation="" if org is None else org.name,
        indicators=[_indicator(t) for t in result.targets()],
        tables=tables,
        gap_map=_gap_map(layers, result),
        synthetic_note=note,
        notes=[
            (
                "Hộ trong vùng cáp quang: hộ ở cụm dân cư trong tầm kéo cáp từ mạng cáp quang "
                "hiện có; thôn có sóng 4G: ít nhất "
                f"{fmt_num(result.settings.village_min_share_pct)} % số hộ của thôn (theo "
                "cụm dân cư; thôn không có cụm: diện tích, hoặc điểm thôn) có sóng 4G theo quy tắc "
                f"{result.rule('4G', language='vi')} (mô hình Hata / COST-231 Hata / "
                "3GPP TR 38.901 theo băng tần, có tính suy hao che khuất)."
            ),
            result.clutter_note(language="vi"),
            f"Mô hình dự báo: {result.model_note(language='vi')}.",
            evidence_line(evidence, "vi"),
            *([challenge_line(result.overrides, "vi")] if result.overrides is not None else []),
            *([layout_note] if layout_note else []),
        ],
    )


def _evidence(
    store: Store, layers: dict[str, gpd.GeoDataFrame], result: CoverageResult
) -> EvidenceView | None:
    """Return the period's prediction against its measurements (the department's view)."""
    if not store.has_layer("measurements"):
        return None
    view = load_evidence(store, role=Role("department"), result=result, layers=layers)
    return view if view.share["measured"] else None


def _with_basis(
    table: ReportTable, result: CoverageResult, evidence: EvidenceView | None
) -> ReportTable:
    """Add "Cơ sở" to the villages without 4G: measured, predicted or an accepted challenge."""
    basis = gap_basis(
        result.villages, None if evidence is None else evidence.villages, result.overrides
    )
    by_id = dict(zip(result.villages["village_id"].astype(str), basis, strict=True))
    frame = table.frame.copy()
    frame["Cơ sở"] = frame["Mã thôn"].astype(str).map(by_id).map(lambda b: BASIS_LABELS[b]["vi"])
    widths = (*table.widths, 24) if table.widths else table.widths
    return dataclasses.replace(table, frame=frame, widths=widths)


def _change_tables(
    store: Store, period: str, result: CoverageResult, layout: str | None = None
) -> list[ReportTable]:
    """Tabulate the changes since the previous period: indicators, operators, villages.

    The previous period is counted in the layout shown (``layout``, default this period's)
    when it was in another one, so that a reform does not read as a change.
    """
    previous = store.previous_period()
    if previous is None:
        return [
            ReportTable(
                "Thay đổi so với kỳ trước",
                "Thay đổi",
                pd.DataFrame(columns=["Chỉ tiêu"]),
                empty=(
                    f"Đây là kỳ số liệu đầu tiên ({fmt_date(period)}); chưa có kỳ trước để so sánh."
                ),
            )
        ]
    before_payload = progress.coverage_payloads(store, save=False, periods=[previous])[previous]
    targets = before_payload["targets"]
    shown = store.layout_of() if layout is None else store.resolve_layout(layout)
    if store.layout_of(previous) != shown:  # the previous period counted in these units
        targets = progress.layout_payloads(store, shown, periods=[previous])[previous]["targets"]
    before = {t["id"]: t for t in targets}
    rows = []
    for target in result.targets():
        old = before.get(target["id"])
        now = _indicator(target).status
        then = "—" if old is None else _indicator(old).status
        change = ""
        if old is not None:
            delta = int(target["reached"]) - int(old["reached"])
            unit = _UNIT_VI.get(target["unit"], target["unit"])
            change = f"{'+' if delta >= 0 else '−'}{fmt_num(abs(delta))} {unit}"
        rows.append(
            {
                "Chỉ tiêu": str(target["title_vi"]),
                f"Kỳ trước ({fmt_date(previous)})": then,
                f"Kỳ này ({fmt_date(period)})": now,
                "Thay đổi": change,
            }
        )
    now_payload = {"as_of": period, **result.to_dict()}  # this period's, already computed
    changes = progress.changes(
        store,
        previous,
        period,
        save=False,
        payloads={previous: before_payload, period: now_payload},
        layout=shown,
    )
    summary = changes.summary()
    operators = pd.DataFrame(
        {
            "Doanh nghiệp": summary["operator"].astype(str),
            "Trạm mới": summary["sites_added"].astype(int),
            "Trạm ngừng": summary["sites_removed"].astype(int),
            "Nâng cấp 5G": summary["sites_upgraded_5g"].astype(int),
            "Trạm có 5G (kỳ này)": summary["sites_5g_after"].astype(int),
            "Tuyến cáp mới": summary["fiber_routes_added"].astype(int),
            "Km cáp quang mới": summary["fiber_km_added"].astype(float),
        }
    )
    since = f"so với kỳ trước ({fmt_date(previous)})"
    return [
        ReportTable(
            f"Thay đổi {since}",
            "Thay đổi chỉ tiêu",
            pd.DataFrame(rows),
            widths=(30, 30, 30, 12),
        ),
        ReportTable(
            f"Hạ tầng của các doanh nghiệp: thay đổi {since}",
            "Thay đổi theo doanh nghiệp",
            operators,
        ),
        ReportTable(
            f"Thôn mới có cáp quang {since}",
            "Thôn mới có cáp quang",
            _change_villages(changes.fiber_gained),
            group_by="Huyện",
            widths=(0, 40, 40, 20, 15),
            empty="Không có thôn nào mới có cáp quang.",
        ),
        ReportTable(
            f"Thôn mới có sóng 4G {since}",
            "Thôn mới có 4G",
            _change_villages(changes.mobile_4g_gained),
            group_by="Huyện",
            widths=(0, 40, 40, 20, 15),
            empty="Không có thôn nào mới có sóng 4G.",
        ),
    ]


def _change_villages(frame: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.DataFrame(
            {
                "Huyện": frame["district"].astype(str),
                "Xã": frame["commune"].astype(str),
                "Thôn": frame["name"].astype(str),
                "Mã thôn": frame["village_id"].astype(str),
                "Số hộ": frame["households"].astype(int),
            }
        )
        .sort_values(["Huyện", "Xã", "Thôn"])
        .reset_index(drop=True)
    )


def _pct(reached: int, total: int, actual: float) -> str:
    if total:  # from the counts: the rounded actual_pct may round again the wrong way
        actual = 100.0 * reached / total
    text = fmt_num(actual, 1)
    if reached < total and text == "100,0":  # never round a gap away
        text = fmt_num(actual, 2)
    return text


def _indicator(target: dict[str, Any]) -> Indicator:
    reached, total = int(target["reached"]), int(target["total"])
    status = _STATUS_VI[target["id"]].format(
        r=fmt_num(reached), t=fmt_num(total), p=_pct(reached, total, target["actual_pct"])
    )
    goal = fmt_target(
        target["target_pct"],
        target["strict"],
        missing=NO_TARGET["vi"],
        comparison=target.get("comparison"),
    )
    gap = ""
    if target["met"] is False and target["gap"] is not None:
        unit = _UNIT_VI.get(target["unit"], target["unit"])
        gap = f"{fmt_num(target['gap'])} {unit}"
        if target["gap_households"] is not None and target["unit"] != "household":
            gap += f" ({fmt_num(target['gap_households'])} hộ)"
    return Indicator(
        title=str(target["title_vi"]), status=status, target=goal, met=target["met"], gap=gap
    )


def _district_table(result: CoverageResult) -> pd.DataFrame:
    """One row a district, then the province's total (``Toàn tỉnh``)."""
    total = result.summary("province").assign(name="Toàn tỉnh")
    d = pd.concat([result.summary("district").sort_values("name"), total], ignore_index=True)
    return pd.DataFrame(
        {
            "Huyện, thị xã, thành phố": d["name"].astype(str),
            "Số xã": d["communes"].astype(int),
            "Xã có cáp quang": d["communes_fiber"].astype(int),
            "Số thôn": d["villages"].astype(int),
            "Thôn có cáp quang": d["villages_fiber"].astype(int),
            "% thôn có cáp quang": d["villages_fiber_pct"].astype(float),
            "% hộ trong vùng cáp quang": d["households_fiber_pct"].astype(float),
            "Thôn có sóng 4G": d["villages_4g"].astype(int),
            "% hộ có sóng 4G": d["households_4g_pct"].astype(float),
            "Thôn có 4G trong nhà": d["villages_4g_indoor"].astype(int),
        }
    ).reset_index(drop=True)


def _in_layout(
    store: Store,
    layers: dict[str, gpd.GeoDataFrame],
    result: CoverageResult,
    layout: str | None,
) -> tuple[CoverageResult, CoverageResult | None, str]:
    """Return the result in the layout shown, the former-district one (two-tier), a note."""
    own = store.layout_of()
    target = own if layout is None else store.resolve_layout(layout)

    def moved(layout_id: str) -> CoverageResult:
        if layout_id == own:
            return result
        units = store.read_layout(layout_id, crs=WORK_CRS)
        v, c, p, plain = progress.in_store_layout(result, layers, units)
        return dataclasses.replace(result, villages=v, clusters=c, places=p, units=plain)

    shown = moved(target)
    if (shown.units["level"] == "district").any():
        return shown, None, ""
    earlier = [
        lay.layout_id
        for lay in store.layouts()
        if lay.layout_id < target and "district" in lay.levels
    ]
    source = {i.layer: i.source for i in store.at(target).info().layers}.get("admin_units", "")
    note = f"Đơn vị hành chính theo địa giới từ {fmt_date(target)}. {source}".strip()
    return shown, (moved(earlier[-1]) if earlier else None), note


def _commune_table(result: CoverageResult) -> pd.DataFrame:
    c = result.summary("commune")
    districts = _names(result, "district")
    c = c.assign(_d=c["district_id"].astype(str).map(districts)).sort_values(["_d", "name"])
    two_tier = not (result.units["level"] == "district").any()
    if two_tier:
        c = c.sort_values("name")
    table = pd.DataFrame(
        {
            "Huyện": c["_d"].astype(str),
            "Xã, phường, thị trấn": c["name"].astype(str),
            "Mã xã": c["unit_id"].astype(str),
            "Số thôn": c["villages"].astype(int),
            "Thôn có cáp quang": c["villages_fiber"].astype(int),
            "Số hộ": c["households"].astype(int),
            "% hộ trong vùng cáp quang": c["households_fiber_pct"].astype(float),
            "Thôn có sóng 4G": c["villages_4g"].astype(int),
            "% hộ có sóng 4G": c["households_4g_pct"].astype(float),
            "Thôn có 4G trong nhà": c["villages_4g_indoor"].astype(int),
            "Trung tâm xã có 4G": c["commune_centres_4g"].astype(int) > 0,
        }
    ).reset_index(drop=True)
    if two_tier:  # no huyện since 01/07/2025 (the former ones: their own table)
        table = table.drop(columns="Huyện").rename(columns={"Xã, phường, thị trấn": "Xã, phường"})
    return table


def _names(result: CoverageResult, level: str) -> dict[str, str]:
    units = result.units
    chosen = units[units["level"] == level] if "level" in units.columns else units
    return dict(zip(chosen["unit_id"].astype(str), chosen["name"].astype(str), strict=True))


def _village_table(result: CoverageResult, former: CoverageResult | None = None) -> pd.DataFrame:
    v = result.villages
    communes = _names(result, "commune")
    districts = _names(result, "district")
    district = v["district_id"].astype(str).map(districts)
    if former is not None:  # two-tier: grouped by former district (huyện cũ)
        old = former.villages.set_index(former.villages["village_id"].astype(str))
        names = _names(former, "district")
        district = v["village_id"].astype(str).map(old["district_id"].astype(str)).map(names)
        district = district.fillna("").astype(str) + " (cũ)"
    frame = pd.DataFrame(
        {
            "Huyện": district,
            "Xã": v["commune_id"].astype(str).map(communes),
            "Thôn": v["name"].astype(str),
            "Mã thôn": v["village_id"].astype(str),
            "Số hộ": v["households"].astype(int),
            "% hộ có sóng 4G": v["share_4g_pct"].astype(float).round(1),
            "_fiber": v["fiber_reached"].astype(bool),
            "_4g": v["mobile_4g"].astype(bool),
        }
    )
    return frame.sort_values(["Huyện", "Xã", "Thôn"]).reset_index(drop=True)


def _plan_table(plans: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for plan in plans:
        totals = plan["payload"].get("totals", {})
        households = totals.get("households_gained", totals.get("households_covered"))
        cost = totals.get("total_cost_vnd")
        if plan["kind"] == "mix_plan":  # its capital, the households the mix serves
            mix = plan["payload"].get("mix") or {}
            cost, households = mix.get("capex_vnd"), mix.get("households_served")
        elif plan["kind"] == "years_plan":
            cost = plan["payload"].get("spent_vnd_total")
            households = sum(int(y["households"]) for y in plan["payload"].get("years", []))
        rows.append(
            {
                "Phương án": plan["name"],
                "Loại": plan_kind(plan["kind"]),
                "Chi phí (triệu đồng)": None if cost is None else round(float(cost) / 1e6, 1),
                "Số hộ được phục vụ thêm": None if households is None else int(households),
            }
        )
    columns = ["Phương án", "Loại", "Chi phí (triệu đồng)", "Số hộ được phục vụ thêm"]
    return pd.DataFrame(rows, columns=columns)


def _gap_map(layers: dict[str, gpd.GeoDataFrame], result: CoverageResult) -> GapMap:
    units = layers["admin_units"]
    villages = layers["villages"][["village_id", "name", "geometry"]]
    status = result.villages.set_index("village_id")
    ids = villages["village_id"]
    fiber = ids.map(status["fiber_reached"]).fillna(value=True).astype(bool)
    mobile = ids.map(status["mobile_4g"]).fillna(value=True).astype(bool)
    return GapMap(
        communes=units[units["level"] == "commune"],
        # a two-tier layout has no districts: the province's outline instead
        districts=(
            units[units["level"] == "district"]
            if (units["level"] == "district").any()
            else units[units["level"] == "province"]
        ),
        no_fiber=villages[~fiber],
        no_4g=villages[~mobile],
        villages=villages,
    )
