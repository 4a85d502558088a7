"""Báo cáo nhanh: a one-page situation report of a hazard scenario for the leadership.

:func:`build_situation` gathers what the page and ``hatangso resilience report`` show
(the hazard, the households without fiber, 4G or either at each hour, the ten worst
communes, the priority places cut off, the restoration progress with K crews, the
synthetic-data label) into a :class:`SituationReport`; :func:`situation_pdf` lays it out
on one A4 page in the leadership report's style (:mod:`hatangso.report.pdf`: DejaVu Sans,
searchable text, the same tables), with the small map of
:func:`hatangso.report.situationmap.render_situation_map`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from geodata.store import Store
from hatangso.formatting import LAYER_NAMES_VI, fmt_date, fmt_int, fmt_num
from hatangso.report.model import nfc
from hatangso.report.pdf import font_paths, report_table
from hatangso.report.situationmap import render_situation_map
from hatangso.resilience import ScenarioView, restoration_times
from hatangso.targets import organisation_for

__all__ = ["HAZARD_KINDS_VI", "SituationReport", "build_situation", "situation_pdf", "worst_hour"]

#: A hazard area's kind in Vietnamese.
HAZARD_KINDS_VI = {
    "storm": "bão",
    "flood": "lũ, ngập",
    "landslide": "sạt lở",
    "power_outage": "mất điện",
}


@dataclass(frozen=True)
class SituationReport:
    """What the one-page situation report says (all text Vietnamese, NFC).

    Attributes
    ----------
    organisation, dataset, as_of, created
        The department (may be empty), the data set, its period, when the report is made
        (``dd/mm/yyyy HH:MM``, Asia/Ho_Chi_Minh).
    hazard
        One line on the hazard: its areas and the power cut.
    before
        One line on the service before it.
    hours
        One row an hour: households without fiber, 4G, either; sites down; places.
    communes
        The ten communes with the most households cut off at :attr:`worst_hour`.
    worst_hour
        The hour with the most households cut off.
    places
        Names of the priority places cut off at that hour.
    restoration
        Lines on the restoration with the crews (empty without crews).
    synthetic_note
        The synthetic-data label, empty for real data.
    map_png
        The small map, ``None`` when it could not be drawn.
    """

    organisation: str
    dataset: str
    as_of: str
    created: str
    hazard: str
    before: str
    hours: pd.DataFrame
    communes: pd.DataFrame
    worst_hour: float
    places: list[str] = field(default_factory=list)
    restoration: list[str] = field(default_factory=list)
    synthetic_note: str = ""
    map_png: bytes | None = None


def worst_hour(summary: pd.DataFrame) -> float:
    """Return the hour with the most households cut off (the earliest among equals).

    Examples
    --------
    >>> worst_hour(pd.DataFrame({"hour": [0.0, 4.0, 8.0], "households_cut_off": [5, 9, 9]}))
    4.0
    """
    if not len(summary):
        return 0.0
    ranked = summary.sort_values(["households_cut_off", "hour"], ascending=[False, True])
    return float(ranked["hour"].iloc[0])


def _hazard_line(view: ScenarioView, hazard_name: str) -> str:
    areas = view.result.hazard.areas
    kinds = areas["kind"].astype(str).value_counts()
    parts = ", ".join(
        f"{fmt_int(int(n))} vùng {HAZARD_KINDS_VI.get(str(k), str(k))}" for k, n in kinds.items()
    )
    names = [str(n) for n in areas["name"].dropna().astype(str) if n.strip()]
    named = f" ({'; '.join(names)})" if names else ""
    hours = fmt_num(view.result.hazard.outage_hours, 0)
    return f"Kịch bản: {parts}{named}; mất điện lưới {hours} giờ. Tệp: {hazard_name}."


def build_situation(  # noqa: PLR0913 - what the report is made of, keyword-only
    store: Store,
    view: ScenarioView,
    *,
    hazard_name: str,
    repairs: pd.DataFrame | None = None,
    crews: int | None = None,
    now: datetime | None = None,
) -> SituationReport:
    """Gather the situation report of a scenario.

    Parameters
    ----------
    store
        The store, bound to the scenario's period (data set, department, provenance).
    view
        The scenario (:func:`hatangso.resilience.load_scenario`).
    hazard_name
        The hazard file's name, as the report cites it.
    repairs
        :func:`planner.restoration.restoration_order`'s table, or ``None``.
    crews
        The crews it was made for.
    now
        When the report is made (default: now, Asia/Ho_Chi_Minh).

    Returns
    -------
    SituationReport
    """
    info = store.info()
    result, names = view.result, view.names
    summary = result.summary()
    hour = worst_hour(summary)
    clusters = result.before.coverage.clusters
    hh = clusters["households"]
    before = (
        f"Trước sự cố: {fmt_int(int(hh[clusters['fiber_reached'].astype(bool)].sum()))} hộ có "
        f"cáp quang, {fmt_int(int(hh[clusters['mobile_4g'].astype(bool)].sum()))} hộ có sóng "
        f"4G ngoài trời, trên {fmt_int(int(hh.sum()))} hộ."
    )
    hours = pd.DataFrame(
        {
            "Giờ sau sự cố": [fmt_num(h) for h in summary["hour"]],
            "Hộ mất cáp quang": summary["households_without_fiber"].astype(int),
            "Hộ mất 4G": summary["households_without_4g"].astype(int),
            "Hộ mất liên lạc": summary["households_cut_off"].astype(int),
            "Trạm BTS mất sóng": summary["sites_down"].astype(int),
            "Tuyến cáp đứt": summary["routes_cut"].astype(int),
            "Địa điểm ưu tiên mất liên lạc": summary["places_cut_off"].astype(int),
        }
    )
    worst = result.by_commune(hour).head(10) if len(summary) else pd.DataFrame()
    communes = pd.DataFrame(
        {
            "Xã, phường": [names.get(c, c) for c in worst.get("commune_id", [])],
            "Hộ mất liên lạc": worst.get("households_cut_off", pd.Series(dtype=int)).astype(int),
            "Hộ mất cáp quang": worst.get("households_without_fiber", pd.Series(dtype=int)).astype(
                int
            ),
            "Hộ mất 4G": worst.get("households_without_4g", pd.Series(dtype=int)).astype(int),
        }
    )
    places = result.places_cut_off(hour)["name"].astype(str).tolist() if len(summary) else []
    synthetic = [LAYER_NAMES_VI.get(r.layer, r.layer) for r in info.layers if r.synthetic]
    note = ""
    if synthetic:
        note = (
            "LƯU Ý: Dữ liệu tổng hợp (mô phỏng, không phải số liệu thực tế): "
            f"{', '.join(synthetic)}. Kịch bản minh hoạ; các số liệu chỉ dùng để minh hoạ."
        )
    org = organisation_for(store, info.as_of)
    when = now or datetime.now(tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    return SituationReport(
        organisation="" if org is None else org.name,
        dataset=info.name,
        as_of=str(info.as_of or ""),
        created=f"{fmt_date(when.date().isoformat())} {when:%H:%M}",
        hazard=_hazard_line(view, hazard_name),
        before=before,
        hours=hours,
        communes=communes,
        worst_hour=hour,
        places=places,
        restoration=_restoration_lines(repairs, crews),
        synthetic_note=note,
        map_png=render_situation_map(view, hour),
    )


def _restoration_lines(repairs: pd.DataFrame | None, crews: int | None) -> list[str]:
    if repairs is None or crews is None:
        return []
    total = int(repairs["households_restored_total"].iloc[-1]) if len(repairs) else 0
    if not total:
        return [f"Với {fmt_int(crews)} đội: không còn hạng mục nào cần khắc phục sau khi có điện."]
    times = restoration_times(repairs, (50, 90))
    lines = [
        (
            f"Với {fmt_int(crews)} đội ứng cứu, {fmt_int(len(repairs))} hạng mục (nối cáp 6 giờ, "
            f"dựng cột 24 giờ một hạng mục, giả định), khi có điện trở lại: "
            f"{fmt_int(total)} hộ có lại liên lạc."
        )
    ]
    lines += [
        f"{share} % số hộ có lại liên lạc sau {fmt_num(hours)} giờ."
        for share, hours in times.items()
        if hours is not None
    ]
    first = repairs.head(3)
    if len(first):
        kinds = {"route": "nối tuyến cáp", "tower": "dựng lại cột trạm"}
        lines.append(
            "Ưu tiên: "
            + "; ".join(
                f"{kinds.get(r['kind'], r['kind'])} {r['element_id']} ({r['operator']}, "
                f"{fmt_int(r['households_restored'])} hộ)"
                for r in first.to_dict("records")
            )
            + "."
        )
    return lines


def situation_pdf(report: SituationReport) -> bytes:
    """Lay the situation report out on one A4 page; return the PDF's bytes.

    Parameters
    ----------
    report
        What it says (:func:`build_situation`).

    Returns
    -------
    bytes
        The PDF (DejaVu Sans, searchable text).
    """
    from fpdf import FPDF

    regular, bold = font_paths()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title("Báo cáo nhanh")
    pdf.set_creator("Hạ tầng số")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(12, 10, 12)
    pdf.add_page()
    _header(pdf, report)
    _section(pdf, "1. Sự cố")
    pdf.set_font("DejaVu", size=8)
    for line in (report.hazard, report.before):
        pdf.multi_cell(0, 4, nfc(line), new_x="LMARGIN", new_y="NEXT")
    _section(pdf, "2. Số hộ mất dịch vụ theo thời gian")
    report_table(pdf, report.hours, widths=(18, 24, 20, 24, 24, 20, 36), size=7.5)
    pdf.set_font("DejaVu", size=7)
    pdf.multi_cell(
        0, 3.6,
        "Hộ mất liên lạc: có cáp quang hoặc 4G trước sự cố, không còn cả hai. Sóng 4G ngoài "
        "trời theo mô hình vùng phủ trên các trạm còn hoạt động.",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    _section(pdf, f"3. Mười xã mất liên lạc nhiều nhất lúc {fmt_num(report.worst_hour)} giờ")
    top = pdf.get_y()
    left_w = 100.0
    if len(report.communes):
        report_table(pdf, report.communes, widths=(40, 20, 20, 20), size=7.5, width=left_w)
    else:
        pdf.set_font("DejaVu", size=8)
        pdf.multi_cell(left_w, 4, "Không xã nào mất liên lạc.", new_x="LMARGIN", new_y="NEXT")
    below_table = pdf.get_y()
    map_bottom = top
    if report.map_png is not None:
        x = pdf.l_margin + left_w + 4
        width = pdf.w - pdf.r_margin - x
        shown = pdf.image(io.BytesIO(report.map_png), x=x, y=top, w=width)
        map_bottom = top + float(shown.rendered_height)
    pdf.set_y(max(below_table, map_bottom) + 1)
    _places_and_repairs(pdf, report)
    pdf.set_y(-10)
    pdf.set_font("DejaVu", size=6.5)
    pdf.set_text_color(110)
    pdf.cell(
        0, 4,
        "Hạ tầng số — kết quả mô hình (nguồn điện, cột, truyền dẫn, vùng phủ); không phải "
        "số liệu đo thực tế.",
        align="L",
    )  # fmt: skip
    pdf.set_text_color(0)
    return bytes(pdf.output())


def _header(pdf: Any, report: SituationReport) -> None:  # noqa: ANN401 - fpdf2 has no types
    if report.organisation:
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(0, 5, nfc(report.organisation).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 7, "BÁO CÁO NHANH", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(
        0, 5, "Tình hình thông tin liên lạc khi có thiên tai", align="C",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.set_font("DejaVu", size=8)
    pdf.cell(
        0, 4.5,
        nfc(
            f"Lập lúc {report.created} · Bộ dữ liệu: {report.dataset}, số liệu đến ngày "
            f"{fmt_date(report.as_of)}"
        ),
        align="C", new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    if report.synthetic_note:
        pdf.ln(1)
        pdf.set_fill_color(255, 236, 200)
        pdf.set_draw_color(230, 140, 0)
        pdf.set_font("DejaVu", "B", 7.5)
        pdf.multi_cell(
            0, 4, nfc(report.synthetic_note), border=1, fill=True, new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_draw_color(0)
        pdf.set_fill_color(255)


def _places_and_repairs(pdf: Any, report: SituationReport) -> None:  # noqa: ANN401
    _section(pdf, f"4. Địa điểm ưu tiên mất liên lạc lúc {fmt_num(report.worst_hour)} giờ")
    pdf.set_font("DejaVu", size=8)
    shown = report.places[:12]
    more = len(report.places) - len(shown)
    text = "; ".join(shown) + (f"; và {fmt_int(more)} địa điểm khác" if more > 0 else "")
    pdf.multi_cell(
        0, 4, nfc(f"{fmt_int(len(report.places))} địa điểm: {text}." if shown else "Không có."),
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    _section(pdf, "5. Khắc phục")
    pdf.set_font("DejaVu", size=8)
    for line in report.restoration or ["Chưa lập thứ tự khắc phục (cần số đội ứng cứu)."]:
        pdf.multi_cell(0, 4, nfc(line), new_x="LMARGIN", new_y="NEXT")


def _section(pdf: object, text: str) -> None:
    pdf.ln(1.5)  # type: ignore[attr-defined]
    pdf.set_font("DejaVu", "B", 9.5)  # type: ignore[attr-defined]
    pdf.cell(0, 5, nfc(text), new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]
