"""The Ứng cứu thông tin page's "before the season" part: rings to close and backup power.

The proposals of :mod:`hatangso.hardening` (``hatangso plan rings`` and ``plan backup``),
best households per VND first, for the role: an operator sees only its own. Saving them
for operator review stays on the command line (``--save NAME``, then ``hatangso review
publish``), like the other plans.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hatangso.formatting import fmt_int, fmt_num, fmt_vnd
from hatangso.hardening import BackupView, RingsView, load_backup, load_rings
from ui.data import StoreVersion, operator_name
from ui.shell import Context

__all__ = ["backup_view", "draw_hardening", "rings_view"]

#: Proposals shown in each table.
SHOWN = 10


@st.cache_resource(show_spinner=False, max_entries=2)
def rings_view(version: StoreVersion, operator: str | None) -> RingsView:
    """Propose the rings to close (an operator's own, or every operator's; once a version)."""
    return load_rings(version.store(), operator=operator, top=SHOWN)


@st.cache_resource(show_spinner=False, max_entries=4)
def backup_view(version: StoreVersion, operator: str | None, outage_hours: float) -> BackupView:
    """Propose backup power for an outage of ``outage_hours`` over every site."""
    return load_backup(version.store(), outage_hours=outage_hours, operator=operator, top=SHOWN)


def _names(ids: object, names: dict[str, str]) -> str:
    found = [names.get(c, c) for c in str(ids or "").split(",") if c]
    return ", ".join(found[:3]) + (f" (+{len(found) - 3})" if len(found) > 3 else "")


def draw_hardening(context: Context) -> None:
    """Draw the rings and the backup proposals."""
    st.subheader(context.t("hd_title"))
    st.caption(context.t("hd_caption"))
    lang = context.lang
    operator = None if context.role.sees_all_operators else context.role.operator
    with st.spinner(context.t("hd_running")):
        rings = rings_view(context.version, operator)
    routes = rings.plan.routes
    st.markdown(f"**{context.t('hd_rings')}**")
    if not len(routes):
        st.info(context.t("hd_no_rings"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    context.t("hd_c_operator"): routes["operator"].map(operator_name),
                    context.t("hd_c_bridge"): routes["bridge_route"],
                    context.t("hd_c_km"): (routes["length_m"] / 1000).map(
                        lambda v: fmt_num(v, 1, lang)
                    ),
                    context.t("hd_c_cost"): routes["cost_vnd"].map(lambda v: fmt_vnd(v, lang)),
                    context.t("hd_c_households"): routes["households"].map(
                        lambda v: fmt_int(v, lang)
                    ),
                    context.t("hd_c_communes"): routes["communes"].map(
                        lambda ids: _names(ids, rings.names)
                    ),
                }
            ),
            hide_index=True,
            width="stretch",
            key="hd_rings_table",
        )
        st.caption(
            context.t(
                "hd_rings_note",
                vulnerable=fmt_int(rings.plan.vulnerable_households, lang),
                no_path=fmt_int(len(rings.plan.no_path), lang),
            )
        )
    outage = st.number_input(
        context.t("hd_outage"), min_value=1, max_value=168, value=24, step=1, key="hd_outage"
    )
    backup = backup_view(context.version, operator, float(outage))
    sites = backup.plan.sites
    st.markdown(f"**{context.t('hd_backup')}**")
    if not len(sites):
        st.info(context.t("hd_no_backup"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                context.t("hd_c_site"): sites["site_id"],
                context.t("hd_c_operator"): sites["operator"].map(operator_name),
                context.t("hd_c_option"): [
                    context.t("hd_generator")
                    if o == "generator"
                    else context.t("hd_battery", hours=fmt_num(h, 0, lang))
                    for o, h in zip(sites["option"], sites["to_hours"], strict=True)
                ],
                context.t("hd_c_cost"): sites["cost_vnd"].map(lambda v: fmt_vnd(v, lang)),
                context.t("hd_c_households"): sites["households"].map(lambda v: fmt_int(v, lang)),
                context.t("hd_c_communes"): sites["communes"].map(
                    lambda ids: _names(ids, backup.names)
                ),
            }
        ),
        hide_index=True,
        width="stretch",
        key="hd_backup_table",
    )
    st.caption(
        context.t(
            "hd_backup_note",
            down=fmt_int(backup.plan.sites_down_power, lang),
            lost=fmt_int(backup.plan.households_without_4g, lang),
            hours=fmt_int(outage, lang),
        )
    )
