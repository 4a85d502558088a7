"""The Data page's section on the targets table and the department's name over time.

Everyone sees the targets (which apply to the period shown) and the department of the
period's date; the department adds a target (a new plan period's, e.g. 2026-2030) or a new
name from a date (:mod:`hatangso.targets`: checked as a whole table, audited, and the
store's new data version makes every page judge its figures again).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from coverage.targets import COMPARISONS, INDICATOR_IDS, rule_from_record
from geodata import Store
from geodata.errors import InputError
from hatangso.formatting import fmt_date, fmt_num
from hatangso.targets import add_organisation, add_targets, target_rules
from ui.data import organisation
from ui.shell import Context

__all__ = ["draw_section", "targets_frame"]


def targets_frame(context: Context) -> pd.DataFrame:
    """Return the store's targets table as shown, with whether each is in force now."""
    rules = target_rules(Store(context.path))
    day = dt.date.fromisoformat(context.period) if context.period else None
    open_end = context.t("tg_open")
    return pd.DataFrame(
        {
            context.t("tg_indicator"): [context.t(f"t_{r.indicator}") for r in rules],
            context.t("tg_comparison"): [r.comparison for r in rules],
            context.t("tg_value"): [fmt_num(r.value_pct, 1, context.lang) for r in rules],
            context.t("tg_from"): [
                fmt_date(r.valid_from) if r.valid_from else open_end for r in rules
            ],
            context.t("tg_to"): [fmt_date(r.valid_to) if r.valid_to else open_end for r in rules],
            context.t("tg_source"): [r.source for r in rules],
            context.t("tg_in_force"): [
                "✓" if day is not None and r.in_force(day) else "" for r in rules
            ],
        }
    )


def _add_target(context: Context) -> None:
    with st.form("tg_add_form", clear_on_submit=False):
        st.markdown(f"**{context.t('tg_add_title')}**")
        left, middle, right = st.columns(3)
        indicator = left.selectbox(
            context.t("tg_indicator"),
            INDICATOR_IDS,
            format_func=lambda i: context.t(f"t_{i}"),
            key="tg_indicator",
        )
        comparison = middle.selectbox(context.t("tg_comparison"), COMPARISONS, key="tg_cmp")
        value = right.number_input(
            context.t("tg_value"), min_value=0.0, max_value=100.0, value=100.0, key="tg_value"
        )
        left, right = st.columns(2)
        start = left.date_input(
            context.t("tg_from"), value=None, format="DD/MM/YYYY", key="tg_from"
        )
        end = right.date_input(context.t("tg_to"), value=None, format="DD/MM/YYYY", key="tg_to")
        source = st.text_input(context.t("tg_source"), key="tg_source")
        if not st.form_submit_button(context.t("tg_add_button")):
            return
    try:
        rule = rule_from_record(
            {
                "indicator": indicator,
                "comparison": comparison,
                "value_pct": value,
                "valid_from": start,
                "valid_to": end,
                "source": source,
            }
        )
        add_targets(Store(context.path), [rule], actor=context.user)
    except InputError as err:
        st.error(context.t("tg_refused", reason=err))
        return
    st.success(context.t("tg_added", what=f"{indicator} {comparison} {value:g} %"))


def _add_organisation(context: Context) -> None:
    with st.form("tg_org_form", clear_on_submit=False):
        st.markdown(f"**{context.t('tg_org_title')}**")
        left, right = st.columns(2)
        name = left.text_input(context.t("tg_org_name"), key="tg_org_name")
        short = right.text_input(context.t("tg_org_short"), key="tg_org_short")
        left, right = st.columns(2)
        start = left.date_input(
            context.t("tg_from"), value=None, format="DD/MM/YYYY", key="tg_org_from"
        )
        source = right.text_input(context.t("tg_source"), key="tg_org_source")
        if not st.form_submit_button(context.t("tg_org_button")):
            return
    try:
        add_organisation(
            Store(context.path),
            name,
            short_name=short,
            valid_from=start,
            source=source,
            actor=context.user,
        )
    except InputError as err:
        st.error(context.t("tg_refused", reason=err))
        return
    st.success(context.t("tg_org_added", name=name))


def draw_section(context: Context) -> None:
    """Draw the targets and the department (the forms for the department's role only)."""
    st.subheader(context.t("tg_title"))
    org = organisation(context.version)
    as_of = fmt_date(context.period) if context.period else ""
    if org is not None:
        st.markdown(context.t("tg_org_line", as_of=as_of, name=org["name"]))
    else:
        st.caption(context.t("tg_no_org", as_of=as_of))
    st.caption(context.t("tg_caption"))
    st.dataframe(targets_frame(context), hide_index=True, width="stretch", key="tg_table")
    if context.role.can_edit:
        _add_target(context)
        _add_organisation(context)
