"""Tiến độ (Progress): the indicators period by period, what changed, when targets are met.

Four parts: a chart per indicator over the store's periods against its target (the
province, or the district chosen in the sidebar); the changes between two periods (per
operator, and the villages and sites behind them, downloadable); the projection of each
target at the recent pace with what the saved plans would add; and the leadership's
report (PDF and Excel) for the period chosen in the sidebar. The figures come from
:mod:`hatangso.progress` through the cached loaders of :mod:`ui.progress_data`.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from geodata import HatangsoError
from geodata.export import workbook_bytes
from hatangso.access import AccessDenied, check_layer_request, filter_rows
from hatangso.formatting import fmt_date, fmt_int, fmt_num, fmt_pct, fmt_vnd
from ui.data import operator_name
from ui.i18n import tr
from ui.progress_data import (
    INDICATORS,
    layout_ids,
    layout_of,
    layout_trend_series,
    period_changes_of,
    plan_effects,
    projection_table,
    report_files,
    store_periods_of,
    trend_series,
)
from ui.shell import Context
from ui.texts import TEXT

__all__ = ["VEGA_LOCALE", "draw", "indicator_chart"]

#: Vega's number and time locales, so the charts write 98,7 and 31/12/2024 in Vietnamese.
VEGA_LOCALE: dict[str, dict[str, Any]] = {
    "vi": {
        "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]},
        "time": {
            "dateTime": "%A, %e %B %Y, %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": ["SA", "CH"],
            "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
            "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
            "months": [f"tháng {m}" for m in range(1, 13)],
            "shortMonths": [f"Th{m:02d}" for m in range(1, 13)],
        },
    },
    "en": {
        "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", " VND"]},
    },
}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------ trends


def indicator_chart(series: pd.DataFrame, indicator: str, lang: str) -> alt.LayerChart:
    """Return the chart of one indicator over the periods, with its target as a dashed line.

    Parameters
    ----------
    series
        Rows of one unit: ``period`` (ISO date), ``indicator``, ``value_pct``,
        ``target_pct``, ``strict``.
    indicator
        The target id (``fiber_villages`` …).
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    altair.LayerChart
        Titled with the indicator's name in ``lang``.
    """
    rows = series[series["indicator"] == indicator]
    data = pd.DataFrame(
        {
            "date": pd.to_datetime(rows["period"]).to_numpy(),
            "label": [fmt_date(p) for p in rows["period"]],
            "value": rows["value_pct"].astype(float).to_numpy(),
            "shown": [fmt_pct(v, lang) for v in rows["value_pct"]],
            "target": pd.to_numeric(rows["target_pct"], errors="coerce").to_numpy(),
        }
    )
    period, value = tr("ax_period", lang), tr("ax_value", lang)
    low = min(float(data["value"].min()) if len(data) else 0.0, 100.0)
    target_values = data["target"].dropna()
    if len(target_values):
        low = min(low, float(target_values.min()))
    low = max(0.0, 5.0 * ((low - 2.0) // 5.0))
    x = alt.X(
        "date:T",
        title=period,
        axis=alt.Axis(format="%d/%m/%Y", values=list(data["date"]), labelAngle=0),
    )
    y = alt.Y("value:Q", title=value, scale=alt.Scale(domain=[low, 100.0]))
    actual = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=70, filled=True), color="#2c7bb6")
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("label:N", title=period),
                alt.Tooltip("shown:N", title=tr("series_actual", lang)),
            ],
        )
    )
    layers: list[alt.Chart] = [actual]
    if len(target_values):
        layers.append(
            alt.Chart(data.dropna(subset=["target"]))
            .mark_rule(color="#d7191c", strokeDash=[6, 4], strokeWidth=2)
            .encode(
                y=alt.Y("mean(target):Q", scale=alt.Scale(domain=[low, 100.0])),
                tooltip=[alt.Tooltip("mean(target):Q", title=tr("series_target", lang))],
            )
        )
    title = tr(f"t_{indicator}", lang)
    strict = "> " if len(rows) and bool(rows["strict"].iloc[-1]) else ""
    subtitle = (
        f"{tr('series_target', lang)}: {strict}{fmt_pct(float(target_values.iloc[0]), lang)} "
        "(- - -)"
        if len(target_values)
        else tr("chart_no_target", lang)
    )
    chart: alt.LayerChart = (
        alt.layer(*layers)
        .properties(title=alt.TitleParams(title, subtitle=subtitle, anchor="start"), height=220)
        .configure(locale=VEGA_LOCALE.get(lang, VEGA_LOCALE["vi"]))
    )
    return chart


def _layout(context: Context) -> str | None:
    """Draw the layout choice (when the store holds more than one); return it or ``None``.

    ``None``: each period in its own units. A commune of a two-tier period is shown in its
    layout, so that its trend runs across the reform.
    """
    layouts = layout_ids(context.version)
    if len(layouts) < 2:  # a choice needs two
        return None
    own = layout_of(context.version)
    default = own if context.commune and not context.district else None
    options: list[str | None] = [None, *layouts]
    if st.session_state.get("progress_layout") not in options:
        st.session_state["progress_layout"] = default
    return st.selectbox(
        context.t("layout_choice"),
        options=options,
        format_func=lambda d: (
            context.t("layout_own") if d is None else context.t("layout_option", date=fmt_date(d))
        ),
        key="progress_layout",
    )


def _trends(context: Context, periods: list[str]) -> None:
    st.subheader(context.t("trend_title"))
    district = context.district
    layout = _layout(context)
    if layout is not None:
        unit = context.commune or district
        level = "commune" if context.commune else ("district" if district else "province")
        series = layout_trend_series(context.version, layout, level)
        if unit:
            series = series[series["unit_id"].astype(str) == unit]
    elif district:
        series = trend_series(context.version, "district")
        series = series[series["unit_id"].astype(str) == district]
    else:
        series = trend_series(context.version, "province")
    unit = context.unit_name(district) if district else context.unit_name(None)
    if layout is not None and context.commune:
        unit = context.unit_name(context.commune)
    st.caption(context.t("trend_scope", unit=unit, n=len(periods)))
    if context.commune and layout is None:
        st.caption(context.t("trend_commune_note", unit=unit))
    if not len(series):
        st.info(context.t("empty_selection"))
        return
    shown = [i for i in INDICATORS if i in set(series["indicator"])]
    for start in range(0, len(shown), 3):
        columns = st.columns(3)
        for column, indicator in zip(columns, shown[start : start + 3], strict=False):
            with column:
                st.altair_chart(
                    indicator_chart(series, indicator, context.lang),
                    width="stretch",
                    key=f"trend_{indicator}",
                )


# ------------------------------------------------------------------ changes


def _period_pair(context: Context, periods: list[str]) -> tuple[str, str]:
    current = context.period or periods[-1]
    index = periods.index(current) if current in periods else len(periods) - 1
    before, after = (index - 1, index) if index > 0 else (0, 1)
    left, right, _ = st.columns([1, 1, 2])
    for key, default in (("progress_from", periods[before]), ("progress_to", periods[after])):
        if st.session_state.get(key) not in periods:
            st.session_state[key] = default
    start = left.selectbox(
        context.t("from_period"), options=periods, format_func=fmt_date, key="progress_from"
    )
    end = right.selectbox(
        context.t("to_period"), options=periods, format_func=fmt_date, key="progress_to"
    )
    return str(start), str(end)


def _operator_table(summary: pd.DataFrame, context: Context) -> pd.DataFrame:
    lang = context.lang
    return pd.DataFrame(
        {
            context.t("p_operator"): [operator_name(str(o)) for o in summary["operator"]],
            context.t("c_sites_added"): [fmt_int(v, lang) for v in summary["sites_added"]],
            context.t("c_sites_removed"): [fmt_int(v, lang) for v in summary["sites_removed"]],
            context.t("c_sites_5g"): [fmt_int(v, lang) for v in summary["sites_upgraded_5g"]],
            context.t("c_fiber_km"): [fmt_num(v, 1, lang) for v in summary["fiber_km_added"]],
        }
    )


def _village_list(frame: pd.DataFrame, context: Context) -> pd.DataFrame:
    return pd.DataFrame(
        {
            context.t("c_village_id"): frame["village_id"].astype(str),
            context.t("c_village"): frame["name"].astype(str),
            context.t("c_commune"): frame["commune"].astype(str),
            context.t("c_district"): frame["district"].astype(str),
            context.t("c_households"): frame["households"].astype(int),
        }
    )


def _site_list(frame: pd.DataFrame, context: Context) -> pd.DataFrame:
    lang = context.lang
    out = pd.DataFrame(
        {
            context.t("c_site_id"): frame["site_id"].astype(str),
            context.t("p_operator"): [operator_name(str(o)) for o in frame["operator"]],
        }
    )
    if "tech_after" in frame:
        out[context.t("p_tech")] = [
            f"{b} → {a}" for b, a in zip(frame["tech_before"], frame["tech_after"], strict=True)
        ]
    else:
        out[context.t("p_tech")] = frame["tech"].astype(str)
        out[context.t("p_height")] = [
            "—" if pd.isna(h) else f"{fmt_num(h, 0, lang)} m" for h in frame["height_m"]
        ]
    return out


def _changes(context: Context, periods: list[str]) -> None:
    st.subheader(context.t("changes_title"))
    start, end = _period_pair(context, periods)
    if start >= end:
        st.info(context.t("same_period"))
        return
    summary, lists = period_changes_of(context.version, start, end)
    summary = filter_rows(context.role, summary)
    lists = lists.within(lambda frame: filter_rows(context.role, frame))
    st.markdown(f"**{context.t('by_operator')}** · {fmt_date(start)} → {fmt_date(end)}")
    st.dataframe(
        _operator_table(summary, context), hide_index=True, width="stretch", key="progress_ops"
    )
    if context.selected:
        lists = lists.within(context.within)
        st.caption(context.t("ch_in_area", unit=context.unit_name()))
    tables = {
        context.t("ch_fiber", n=len(lists.fiber)): _village_list(lists.fiber, context),
        context.t("ch_4g", n=len(lists.mobile)): _village_list(lists.mobile, context),
        context.t("ch_upgraded", n=len(lists.upgraded)): _site_list(lists.upgraded, context),
        context.t("ch_added", n=len(lists.added)): _site_list(lists.added, context),
        context.t("ch_removed", n=len(lists.removed)): _site_list(lists.removed, context),
    }
    for tab, (title, table) in zip(st.tabs(list(tables)), tables.items(), strict=True):
        with tab:
            if len(table):
                st.dataframe(table, hide_index=True, width="stretch", key=f"progress_{title}")
            else:
                st.caption(context.t("ch_none"))
    sheets = {title.split(" (")[0]: table for title, table in tables.items()}
    st.download_button(
        context.t("ch_download"),
        data=workbook_bytes(sheets),
        file_name=f"thay-doi_{start}_{end}.xlsx",
        mime=XLSX,
        key="progress_changes_xlsx",
    )


# ------------------------------------------------------------------ projection and plans


#: Status of :func:`coverage.trends.projection` -> text key.
_STATUS = {
    "met": "pj_met",
    "no target": "pj_no_target",
    "not at this pace": "pj_stalled",
    "overdue at this pace": "pj_overdue",
    "one period only": "pj_unknown",
}


def _projected_text(row: pd.Series, lang: str) -> str:
    status = str(row.get("status") or "")
    date = row.get("projected_date")
    if status == "projected" and isinstance(date, str):
        return tr("pj_by", lang, date=fmt_date(date))
    return tr(_STATUS.get(status, "pj_unknown"), lang)


def _projection(context: Context) -> None:
    st.subheader(context.t("projection_title"))
    table = projection_table(context.version)
    if not len(table):
        st.info(context.t("pj_unknown"))
        return
    lang = context.lang
    shown = pd.DataFrame(
        {
            context.t("indicator"): [context.t(f"t_{i}") for i in table["indicator"]],
            context.t("c_latest"): [
                fmt_pct(v, lang, digits=2 if 99.95 <= v < 100 else 1) for v in table["latest_pct"]
            ],
            context.t("target"): [
                "—" if pd.isna(v) else fmt_pct(v, lang) for v in table["target_pct"]
            ],
            context.t("c_pace"): [
                "—" if pd.isna(v) else fmt_num(v, 2, lang) for v in table["pace_pp_per_year"]
            ],
            context.t("c_projected"): [_projected_text(r, lang) for _, r in table.iterrows()],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", key="progress_projection")
    st.caption(context.t("projection_caption"))
    st.markdown(f"**{context.t('plans_effect_title')}**")
    effects = plan_effects(context.version)
    if not len(effects):
        st.caption(context.t("plans_effect_none"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                context.t("c_plan"): effects["plan"].astype(str),
                context.t("c_plan_kind"): [
                    context.t(f"plan_kind_{k}") if f"plan_kind_{k}" in TEXT else str(k)
                    for k in effects["kind"]
                ],
                context.t("indicator"): [context.t(f"t_{i}") for i in effects["indicator"]],
                context.t("c_before_after"): [
                    f"{fmt_pct(b, lang)} → {fmt_pct(a, lang)}"
                    for b, a in zip(effects["before_pct"], effects["after_pct"], strict=True)
                ],
                context.t("hh_gained"): [
                    "—" if pd.isna(v) else fmt_int(v, lang) for v in effects["households_gained"]
                ],
                context.t("total_cost"): [
                    "—" if pd.isna(v) else fmt_vnd(v, lang) for v in effects["cost_vnd"]
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        key="progress_plans",
    )


# ------------------------------------------------------------------ report


def _report(context: Context) -> None:
    st.subheader(context.t("report_section"))
    period = context.period
    if period is None:
        return
    try:
        check_layer_request(context.role, "report")
    except AccessDenied:
        st.caption(context.t("report_leadership_only"))
        return
    if st.button(
        context.t("report_make", period=fmt_date(period)), key="progress_report", type="primary"
    ):
        st.session_state["progress_report_for"] = context.version
    if st.session_state.get("progress_report_for") != context.version:
        return
    try:
        with st.spinner(context.t("report_making")):
            files = report_files(context.version)
    except HatangsoError as err:
        st.error(context.t("report_error", reason=err))
        return
    left, right, _ = st.columns([1, 1, 3])
    left.download_button(
        context.t("report_pdf"),
        data=files["pdf"],
        file_name=f"bao-cao-ha-tang-so_{period}.pdf",
        mime="application/pdf",
        key="progress_report_pdf",
        type="primary",
    )
    right.download_button(
        context.t("report_xlsx"),
        data=files["xlsx"],
        file_name=f"bao-cao-ha-tang-so_{period}.xlsx",
        mime=XLSX,
        key="progress_report_xlsx",
    )


# ------------------------------------------------------------------ the page


def draw(context: Context) -> None:
    """Draw the Progress page."""
    st.header(context.t("progress_title"))
    periods = store_periods_of(context.version)
    if len(periods) < 2:
        st.info(context.t("one_period", period=fmt_date(periods[0] if periods else None)))
    _trends(context, periods)
    if len(periods) >= 2:
        _changes(context, periods)
        _projection(context)
    _report(context)
