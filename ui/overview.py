"""Tổng quan (Overview): the headline indicators against the province's targets."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from coverage.indicators import evaluate_targets
from hatangso.evidence import challenge_line, evidence_line, labelled_confusion, view_evidence
from hatangso.formatting import NO_TARGET, fmt_int, fmt_num, fmt_pct, fmt_target
from ui.data import (
    coverage_result,
    evidence_comparison,
    former_district_table,
    operators,
    period_targets,
    summary_table,
)
from ui.shell import Context, operator_choice, show_rule

__all__ = ["draw", "styled_assessment"]

#: The three indicators shown as large figures.
HEADLINE = ("fiber_villages", "fiber_households", "mobile_villages")


def _unit_row(context: Context, operator: str | None) -> pd.Series | None:
    """Return the summary row of the selected unit (the province by default)."""
    if context.commune:
        table = summary_table(context.version, "commune", operator)
    elif context.district:
        table = summary_table(context.version, "district", operator)
    else:
        table = summary_table(context.version, "province", operator)
        return table.iloc[0] if len(table) else None
    rows = table[table["unit_id"].astype(str) == context.selected]
    return rows.iloc[0] if len(rows) else None


def _target_text(target: dict[str, Any], lang: str) -> str:
    """Return the target in force (``> 95 %``), or "chưa có chỉ tiêu" when none is."""
    return fmt_target(
        target["target_pct"],
        target["strict"],
        lang,
        missing=NO_TARGET[lang],
        comparison=target.get("comparison"),
    )


def _assessment(target: dict[str, Any], context: Context) -> str:
    if target["met"] is None:
        return context.t("reported")
    return context.t("met") if target["met"] else context.t("not_met")


def _gap_text(target: dict[str, Any], context: Context) -> str:
    if target["gap"] is None:
        return "—"
    unit = context.t(f"u_{target['unit']}")
    return f"{fmt_int(target['gap'], context.lang)} {unit}"


def styled_assessment(frame: pd.DataFrame, context: Context) -> Styler:
    """Colour the assessment column: green when met, red when not (text, no emoji)."""
    colours = {
        context.t("met"): "background-color: #d9f2e3; color: #0b6e4f; font-weight: 600",
        context.t("not_met"): "background-color: #fde0dd; color: #a50f15; font-weight: 600",
    }
    return frame.style.map(
        lambda value: colours.get(str(value), ""), subset=[context.t("assessment")]
    )


def _headline(targets: list[dict[str, Any]], context: Context) -> None:
    by_id = {t["id"]: t for t in targets}
    columns = st.columns(len(HEADLINE))
    for column, target_id in zip(columns, HEADLINE, strict=True):
        target = by_id[target_id]
        delta = None
        if target["target_pct"] is not None:
            diff = target["actual_pct"] - target["target_pct"]
            sign = "-" if diff < 0 else "+"
            delta = context.t("vs_target", delta=sign + fmt_num(abs(diff), 1, context.lang))
        column.metric(
            context.t(f"t_{target_id}"),
            fmt_pct(target["actual_pct"], context.lang),
            delta=delta,
            help=f"{context.t('target')}: {_target_text(target, context.lang)} · "
            f"{_assessment(target, context)}",
        )


def _targets_table(targets: list[dict[str, Any]], context: Context) -> pd.DataFrame:
    lang = context.lang
    return pd.DataFrame(
        [
            {
                context.t("indicator"): context.t(f"t_{t['id']}"),
                context.t("target"): _target_text(t, lang),
                context.t("actual"): fmt_pct(t["actual_pct"], lang),
                context.t("reached"): f"{fmt_int(t['reached'], lang)} / "
                f"{fmt_int(t['total'], lang)} {context.t('u_' + t['unit'])}",
                context.t("gap"): _gap_text(t, context),
                context.t("assessment"): _assessment(t, context),
            }
            for t in targets
        ]
    )


def _key_figures(row: pd.Series, context: Context) -> None:
    lang = context.lang
    st.subheader(context.t("key_figures"))
    figures = [
        ("n_communes", row["communes"]),
        ("n_villages", row["villages"]),
        ("n_households", row["households"]),
        ("n_dead_zones", row["villages"] - row["villages_4g"]),
        ("n_indoor_4g", row["villages_4g_indoor"]),
        ("n_no_power", row["villages_no_electricity"]),
        ("n_roaming", row["roaming_candidates"]),
    ]
    for column, (key, value) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(context.t(key), fmt_int(value, lang))


def _breakdown(context: Context, operator: str | None) -> None:
    former = former_district_table(context.version, operator)
    two_tier = not context.district and (
        len(former) or not len(summary_table(context.version, "district", operator))
    )
    if two_tier:  # since 01/07/2025: province → xã/phường, former districts below
        table = summary_table(context.version, "commune", operator)
        st.subheader(context.t("by_commune", unit=context.unit_name(None)))
        _units_table(context, table, context.t("level_commune"), "overview_units")
        if len(former):
            with st.expander(context.t("former_districts")):
                _units_table(context, former, context.t("level_district"), "overview_former")
        return
    if context.district:
        table = summary_table(context.version, "commune", operator)
        table = table[table["district_id"].astype(str) == context.district]
        st.subheader(context.t("by_commune", unit=context.unit_name(context.district)))
        level = context.t("level_commune")
    else:
        table = summary_table(context.version, "district", operator)
        st.subheader(context.t("by_district"))
        level = context.t("level_district")
    _units_table(context, table[table["villages"] > 0], level, "overview_units")


def _units_table(context: Context, table: pd.DataFrame, level: str, key: str) -> None:
    """Draw the chart and table of units; a unit without villages: "chưa có dữ liệu"."""
    lang = context.lang
    none = context.t("no_data")
    table = table.sort_values("name")
    if not len(table):
        st.info(context.t("empty_selection"))
        return
    with_data = table[table["villages"] > 0]
    chart = pd.DataFrame(
        {
            context.t("col_v_fiber"): with_data["villages_fiber_pct"].to_numpy(),
            context.t("col_h_fiber"): with_data["households_fiber_pct"].to_numpy(),
            context.t("col_v_4g"): with_data["villages_4g_pct"].to_numpy(),
        },
        index=pd.Index(with_data["name"].to_numpy(), name=context.t("col_unit")),
    )
    st.bar_chart(chart, stack=False, horizontal=True, height=max(320, 28 * len(chart)))
    st.caption(context.t("chart_caption", level=level))
    shown = pd.DataFrame(
        {
            context.t("col_unit"): table["name"],
            context.t("col_villages"): table["villages"].map(lambda v: fmt_int(v, lang)),
            context.t("col_households"): table["households"].map(lambda v: fmt_int(v, lang)),
            context.t("col_v_fiber"): table["villages_fiber_pct"].map(
                lambda v: fmt_pct(v, lang, missing=none)
            ),
            context.t("col_h_fiber"): table["households_fiber_pct"].map(
                lambda v: fmt_pct(v, lang, missing=none)
            ),
            context.t("col_v_4g"): table["villages_4g_pct"].map(
                lambda v: fmt_pct(v, lang, missing=none)
            ),
            context.t("col_h_4g"): table["households_4g_pct"].map(
                lambda v: fmt_pct(v, lang, missing=none)
            ),
            context.t("col_v_4g_in"): table["villages_4g_indoor_pct"].map(
                lambda v: fmt_pct(v, lang, missing=none)
            ),
            context.t("col_nofiber"): (table["villages"] - table["villages_fiber"]).map(
                lambda v: fmt_int(v, lang)
            ),
            context.t("col_dead"): (table["villages"] - table["villages_4g"]).map(
                lambda v: fmt_int(v, lang)
            ),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", key=key)


def _evidence(context: Context, operator: str | None) -> None:
    """Draw the share of villages with evidence and the confusion table (own rows only)."""
    lang: Literal["vi", "en"] = "vi" if context.lang == "vi" else "en"
    st.subheader(context.t("evidence_title"))
    comparison = evidence_comparison(context.version)
    view = None
    if comparison is not None:
        view = view_evidence(comparison, context.role, operator=operator)
    st.markdown(evidence_line(view, lang))
    overrides = coverage_result(context.version).overrides
    if overrides is not None and not context.role.sees_all_operators:
        overrides = overrides[overrides["operator"] == context.role.operator]
    if overrides is not None and len(overrides):
        st.markdown(challenge_line(overrides, lang))
    if view is None or not view.share["measured"]:
        return
    st.dataframe(
        labelled_confusion(view.confusion, lang),
        hide_index=True,
        width="stretch",
        key="overview_evidence",
    )
    settings = view.comparison.coverage_settings
    st.caption(
        context.t(
            "evidence_caption",
            p=fmt_pct(100.0 * settings.location_probability, lang),
            rule=settings.rule(language=lang),
            evidence=view.comparison.settings.rule(lang),
        )
    )


def draw(context: Context) -> None:
    """Draw the Overview page."""
    st.header(context.t("page_overview"))
    operator = operator_choice(context, operators(context.version), "overview_operator")
    row = _unit_row(context, operator or None)
    if row is None or int(row["villages"]) == 0:
        st.info(context.t("empty_selection"))
        return
    targets = evaluate_targets({str(k): v for k, v in row.items()}, period_targets(context.version))
    st.subheader(context.t("targets_for", unit=context.unit_name()))
    _headline(targets, context)
    show_rule(context)
    st.dataframe(
        styled_assessment(_targets_table(targets, context), context),
        hide_index=True,
        width="stretch",
        key="overview_targets",
    )
    _key_figures(row, context)
    _evidence(context, operator or None)
    _breakdown(context, operator or None)
