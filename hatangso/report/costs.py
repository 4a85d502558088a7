"""The report's pages on money: what reaching the targets costs by technology, year by year.

Read from the plans saved in the store (``hatangso plan mix --save`` and ``hatangso plan
years --save``), the latest of each kind: the report does not plan, it shows what the
department decided to keep.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hatangso.formatting import fmt_pct
from hatangso.report.model import ReportTable

__all__ = ["cost_tables", "plan_kind"]

_KINDS = {
    "fiber_plan": "Kéo cáp quang",
    "site_plan": "Trạm 4G mới",
    "mix_plan": "Kết hợp công nghệ",
    "years_plan": "Kế hoạch theo năm",
}

_TECH = {
    "fiber": "Cáp quang",
    "fwa_existing": "Vô tuyến cố định (trạm hiện có)",
    "site_fwa": "Trạm 4G mới + vô tuyến cố định",
    "leo_household": "Vệ tinh LEO (mỗi hộ)",
    "leo_community": "Vệ tinh LEO (điểm Wi-Fi cộng đồng)",
}


def plan_kind(kind: str) -> str:
    """Return a saved plan's kind in Vietnamese."""
    return _KINDS.get(kind, kind)


def _bn(value: object) -> float | None:
    return None if value is None else round(float(value) / 1e9, 2)  # type: ignore[arg-type]


def _latest(plans: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    mine = [p for p in plans if p.get("kind") == kind]
    return max(mine, key=lambda p: str(p.get("saved_at") or p["name"])) if mine else None


def _mix_table(plan: dict[str, Any]) -> ReportTable:
    payload = plan["payload"]
    rows = []
    for label, key in (("Chỉ cáp quang", "fiber_only"), ("Kết hợp rẻ nhất", "mix")):
        a = payload.get(key) or {}
        ok = bool(a.get("feasible"))
        rows.append(
            {
                "Phương án": label,
                "Chi phí 10 năm (tỷ đồng)": _bn(a.get("npv_vnd")) if ok else None,
                "Vốn đầu tư (tỷ đồng)": _bn(a.get("capex_vnd")) if ok else None,
                "Số hộ phục vụ thêm": int(a.get("households_served") or 0) if ok else None,
                "Cáp quang mới (km)": a.get("fiber_km") if ok else None,
                "Trạm 4G mới": int(a.get("new_sites") or 0) if ok else None,
            }
        )
    mix = payload.get("mix") or {}
    for tech, households in (mix.get("households_by_tech") or {}).items():
        rows.append({"Phương án": f"  trong đó {_TECH.get(tech, tech).lower()}",
                     "Số hộ phục vụ thêm": int(households)})  # fmt: skip
    target = (payload.get("target") or {}).get("households_pct")
    goal = f"{fmt_pct(target)} hộ có băng rộng cố định" if target is not None else "mục tiêu"
    return ReportTable(
        f"Chi phí đạt {goal}: chỉ cáp quang và kết hợp công nghệ (phương án {plan['name']})",
        "Chi phí theo công nghệ",
        pd.DataFrame(rows),
        widths=(34, 14, 14, 14, 12, 10),
    )


def _years_table(plan: dict[str, Any]) -> ReportTable:
    payload = plan["payload"]
    rows = [
        {
            "Năm": int(y["year"]),
            "Ngân sách (tỷ đồng)": _bn(y["budget_vnd"]),
            "Đã dùng (tỷ đồng)": _bn(y["spent_vnd"]),
            "Số dự án": int(y["projects"]),
            "Hộ thêm": int(y["households"]),
            "% hộ có cáp quang": round(float(y["fiber_households_pct"]), 2),
            "% hộ có băng rộng": round(float(y["broadband_households_pct"]), 2),
        }
        for y in payload.get("years", [])
    ]
    met = payload.get("target_met_year")
    gap = _bn(payload.get("subsidy_gap_vnd_total"))
    empty = "Kế hoạch không có năm nào."
    title = (
        f"Kế hoạch đầu tư theo năm (phương án {plan['name']}): "
        + (f"đạt mục tiêu năm {met}" if met else "chưa đạt mục tiêu trong kỳ")
        + f"; {payload.get('projects_needing_fund', 0)} dự án cần Quỹ Dịch vụ viễn thông công "
        f"ích (chênh lệch {gap} tỷ đồng)"
    )
    return ReportTable(title, "Kế hoạch theo năm", pd.DataFrame(rows), empty=empty)


def cost_tables(plans: list[dict[str, Any]]) -> list[ReportTable]:
    """Return the cost pages of the report from the latest saved mix and years plans.

    Parameters
    ----------
    plans
        The saved plans (``name``, ``kind``, ``payload``), as
        :func:`hatangso.report.assembly.saved_plans` reads them.

    Returns
    -------
    list of ReportTable
        Up to two tables; none when no such plan was saved.
    """
    out = []
    mix = _latest(plans, "mix_plan")
    if mix is not None:
        out.append(_mix_table(mix))
    years = _latest(plans, "years_plan")
    if years is not None:
        out.append(_years_table(years))
    return out
