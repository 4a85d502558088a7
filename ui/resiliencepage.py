"""Ứng cứu thông tin (Resilience): single points of failure, a hazard hour by hour, repairs.

The analysis runs on every operator's network (:mod:`hatangso.resilience`, cached in
:mod:`ui.resilience_data`): who loses service depends on every network at once. What the
page shows goes through the role first: an operator sees only its own routes, nodes and
sites (the single points of failure, the sites down, the routes cut and the repairs of
its own network); the households, villages and communes are totals over all operators,
as everywhere else in the app. The one-page situation report (Báo cáo nhanh) is the
department's and the leadership's (:func:`hatangso.access.check_layer_request`,
``report``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata import HatangsoError
from geodata.crs import WORK_CRS
from hatangso.access import AccessDenied, check_layer_request
from hatangso.formatting import fmt_int, fmt_num
from hatangso.report.situation import HAZARD_KINDS_VI, worst_hour
from hatangso.resilience import ScenarioView, restoration_times
from ui.data import operator_name, units_table
from ui.hardening import draw_hardening
from ui.maplayers import map_data
from ui.mapview import assets_present, build_layer_map, draw_control
from ui.resilience_data import (
    HazardFile,
    demo_hazard,
    drawn_hazard,
    hazard_layer,
    repairs_table,
    routes_cut_layer,
    scenario_view,
    sites_down_layer,
    situation_bytes,
    spof_layer,
    spof_view,
    village_loss_layers,
)
from ui.shell import Context

__all__ = ["HOURS", "SPOF_SHOWN", "draw"]

#: The hours the scenario tells (the slider's stops).
HOURS = (0.0, 4.0, 8.0, 24.0, 72.0)
#: The single points of failure shown in the table and on the map (most households first).
SPOF_SHOWN = 100
MAP_HEIGHT = 520
_HAZARD_KINDS_EN = {
    "storm": "storm",
    "flood": "flood",
    "landslide": "landslide",
    "power_outage": "power cut",
}


def _communes_in(context: Context) -> set[str] | None:
    """Return the communes of the selection, ``None`` for the whole province."""
    if context.commune:
        return {context.commune}
    if context.district:
        units = units_table(context.version)
        inside = units[(units["level"] == "commune") & (units["parent_id"] == context.district)]
        return set(inside["unit_id"].astype(str))
    return None


def _own(context: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of the role's own network (an operator), all rows otherwise."""
    if context.role.sees_all_operators:
        return frame
    return frame[frame["operator"].astype(str) == str(context.role.operator)]


def _spof(context: Context) -> None:
    st.subheader(context.t("res_spof_title"))
    st.caption(context.t("res_spof_caption"))
    view = spof_view(context.version)
    table = _own(context, view.table)
    communes = _communes_in(context)
    if communes is not None:
        hit = table["commune_ids"].astype(str).map(lambda ids: bool(set(ids.split(",")) & communes))
        table = table[hit.to_numpy(dtype=bool)]
    if not context.role.sees_all_operators:
        st.info(context.t("res_own_only", op=operator_name(str(context.role.operator))))
    if not len(table):
        st.info(context.t("res_spof_none"))
        return
    shown = table.head(SPOF_SHOWN)
    lang = context.lang
    names = view.names

    def affected(ids: str) -> str:
        found = [names.get(c, c) for c in str(ids).split(",") if c]
        return ", ".join(found[:3]) + (f" (+{len(found) - 3})" if len(found) > 3 else "")

    st.dataframe(
        pd.DataFrame(
            {
                context.t("res_rank"): range(1, len(shown) + 1),
                context.t("res_kind"): [context.t(f"res_kind_{k}") for k in shown["kind"]],
                context.t("res_element"): shown["element_id"],
                context.t("res_operator"): shown["operator"].map(operator_name),
                context.t("res_households"): shown["households"].map(lambda v: fmt_int(v, lang)),
                context.t("res_villages"): shown["villages"].map(lambda v: fmt_int(v, lang)),
                context.t("res_communes"): shown["communes"].map(lambda v: fmt_int(v, lang)),
                context.t("res_sites"): shown["sites"].map(lambda v: fmt_int(v, lang)),
                context.t("res_commune_names"): shown["commune_ids"].map(affected),
            }
        ),
        hide_index=True,
        width="stretch",
        key="res_spof_table",
    )
    st.caption(
        context.t("res_spof_count", n=fmt_int(len(table), lang), shown=fmt_int(len(shown), lang))
    )
    data = map_data(context.version, lang, context.scope)
    layer = spof_layer(shown, WORK_CRS, lang)
    fmap = build_layer_map(
        data, lang=lang, extra=[(context.t("res_l_spof"), layer, True)], selected=context.selected
    )
    if assets_present():
        st_folium(fmap, key="res_spof_map", returned_objects=[], height=MAP_HEIGHT,
                  use_container_width=True)  # fmt: skip


def _drawn(context: Context) -> HazardFile | None:
    """Let the user draw the hazard: polygons of one kind, or a storm's track (a line)."""
    left, right = st.columns(2)
    kinds = ["storm", "flood", "landslide", "power_outage"]
    words = HAZARD_KINDS_VI if context.lang == "vi" else _HAZARD_KINDS_EN
    kind = left.selectbox(
        context.t("res_draw_kind"), kinds, format_func=lambda k: words.get(k, k), key="res_dk"
    )
    radius_km = right.number_input(
        context.t("res_draw_radius"), min_value=1, max_value=300, value=40, step=5, key="res_dr"
    )
    st.caption(context.t("res_draw_help"))
    fmap = build_layer_map(
        map_data(context.version, context.lang, context.scope),
        lang=context.lang,
        extra=[],
        selected=context.selected,
    )
    draw_control(fmap)
    if not assets_present():
        return None
    out = st_folium(
        fmap, key="res_draw_map", returned_objects=["all_drawings"], height=MAP_HEIGHT,
        use_container_width=True,
    )  # fmt: skip
    drawn = drawn_hazard((out or {}).get("all_drawings"), str(kind), float(radius_km) * 1000.0)
    if drawn is None:
        st.info(context.t("res_draw_none"))
    return drawn


def _hazard(context: Context) -> HazardFile | None:
    source = st.radio(
        context.t("res_source"),
        ["file", "draw"],
        format_func=lambda s: context.t(f"res_source_{s}"),
        horizontal=True,
        key="res_source",
    )
    if source == "draw":
        return _drawn(context)
    upload = st.file_uploader(
        context.t("res_upload"),
        type=["geojson", "json", "gpkg"],
        key="res_upload",
        help=context.t("res_upload_help"),
    )
    if upload is not None:
        return HazardFile(upload.name, upload.getvalue())
    demo = demo_hazard(context.path)
    if demo is None:
        st.info(context.t("res_no_hazard"))
        return None
    st.caption(context.t("res_demo_storm", name=demo.name))
    return demo


def _hazard_line(context: Context, view: ScenarioView) -> str:
    kinds = view.result.hazard.areas["kind"].astype(str).value_counts()
    words = HAZARD_KINDS_VI if context.lang == "vi" else _HAZARD_KINDS_EN
    areas = ", ".join(
        context.t("res_areas", n=fmt_int(int(n), context.lang), kind=words.get(k, k))
        for k, n in kinds.items()
    )
    hours = fmt_num(view.result.hazard.outage_hours, 0, context.lang)
    return context.t("res_hazard_line", areas=areas, hours=hours)


def _hours_table(context: Context, view: ScenarioView) -> None:
    lang = context.lang
    summary = view.result.summary()
    st.markdown(f"**{context.t('res_hours_title')}**")
    st.dataframe(
        pd.DataFrame(
            {
                context.t("res_hour"): summary["hour"].map(lambda v: fmt_num(v, 0, lang)),
                context.t("res_without_fiber"): summary["households_without_fiber"].map(
                    lambda v: fmt_int(v, lang)
                ),
                context.t("res_without_4g"): summary["households_without_4g"].map(
                    lambda v: fmt_int(v, lang)
                ),
                context.t("res_cut_off"): summary["households_cut_off"].map(
                    lambda v: fmt_int(v, lang)
                ),
                context.t("res_villages_cut"): summary["villages_cut_off"].map(
                    lambda v: fmt_int(v, lang)
                ),
                context.t("res_places_cut"): summary["places_cut_off"].map(
                    lambda v: fmt_int(v, lang)
                ),
            }
        ),
        hide_index=True,
        width="stretch",
        key="res_hours_table",
    )
    st.caption(context.t("res_cut_off_note"))


def _map_at(context: Context, view: ScenarioView, hour: float) -> None:
    lang = context.lang
    state = next(s for s in view.result.states if s.hour == hour)
    down = _own(context, state.sites_down)
    routes = view.inputs.fiber_routes
    cut_ids = set(state.routes_cut)
    if routes is not None and not context.role.sees_all_operators:
        own = _own(context, routes)
        cut_ids &= set(own["route_id"].astype(str))
    cut_layer, partly_layer, n_cut, n_partly = village_loss_layers(view, hour, lang)
    extra = [
        (context.t("res_l_hazard"), hazard_layer(view), False),
        (context.t("res_l_routes_cut"), routes_cut_layer(view, cut_ids, lang), False),
        (context.t("res_l_sites_down"), sites_down_layer(view, down, lang), True),
        (context.t("res_l_partly"), partly_layer, True),
        (context.t("res_l_cut"), cut_layer, True),
    ]
    data = map_data(context.version, lang, context.scope)
    fmap = build_layer_map(
        data, lang=lang, extra=extra, selected=context.selected, show_fiber=False
    )
    st.markdown(_legend(context), unsafe_allow_html=True)
    if assets_present():
        st_folium(fmap, key="res_scenario_map", returned_objects=[], height=MAP_HEIGHT,
                  use_container_width=True)  # fmt: skip
    st.caption(
        context.t(
            "res_map_caption",
            hour=fmt_num(hour, 0, lang),
            sites=fmt_int(len(down), lang),
            routes=fmt_int(len(cut_ids), lang),
            cut=fmt_int(n_cut, lang),
            partly=fmt_int(n_partly, lang),
        )
    )


def _legend(context: Context) -> str:
    from ui.resilience_data import REASON_COLOURS

    dot = (
        "<span style='white-space:nowrap;margin-right:12px'><span style='display:inline-block;"
        "width:11px;height:11px;border-radius:50%;background:{fill};border:2px solid {line};"
        "margin-right:4px'></span>{name}</span>"
    )
    items = [
        dot.format(fill="#d7191c", line="#7f0000", name=context.t("res_l_cut")),
        dot.format(fill="#f4a82a", line="#a65f00", name=context.t("res_l_partly")),
    ]
    items += [
        dot.format(
            fill="#ffffff",
            line=colour,
            name=f"{context.t('res_l_sites_down')}: {context.t(f'res_reason_{reason}')}",
        )
        for reason, colour in REASON_COLOURS.items()
    ]
    items.append(
        "<span style='white-space:nowrap'><span style='display:inline-block;width:18px;"
        "border-top:3px dashed #000000;margin-right:4px;vertical-align:middle'></span>"
        f"{context.t('res_l_routes_cut')}</span>"
    )
    return f"<div style='font-size:0.85rem'>{' '.join(items)}</div>"


def _by_commune(context: Context, view: ScenarioView, hour: float) -> None:
    lang = context.lang
    hour_text = fmt_num(hour, 0, lang)
    st.markdown(f"**{context.t('res_by_commune_title', hour=hour_text)}**")
    table = view.result.by_commune(hour)
    communes = _communes_in(context)
    if communes is not None:
        table = table[table["commune_id"].astype(str).isin(communes)]
    if not len(table):
        st.info(context.t("res_no_loss"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    context.t("res_commune"): [view.names.get(c, c) for c in table["commune_id"]],
                    context.t("res_cut_off"): table["households_cut_off"].map(
                        lambda v: fmt_int(v, lang)
                    ),
                    context.t("res_without_fiber"): table["households_without_fiber"].map(
                        lambda v: fmt_int(v, lang)
                    ),
                    context.t("res_without_4g"): table["households_without_4g"].map(
                        lambda v: fmt_int(v, lang)
                    ),
                }
            ),
            hide_index=True,
            width="stretch",
            key="res_commune_table",
        )
    places = view.result.places_cut_off(hour)
    if len(places):
        names = "; ".join(places["name"].astype(str).tolist())
        st.caption(context.t("res_places_line", hour=hour_text, places=names))


def _repairs(context: Context, hazard: HazardFile, outage: float, crews: int) -> None:
    lang = context.lang
    st.subheader(context.t("res_restoration_title"))
    repairs = repairs_table(
        context.version, hazard.name, hazard.digest, outage, crews, hazard.content
    )
    total = int(repairs["households_restored_total"].iloc[-1]) if len(repairs) else 0
    if not total:
        st.info(context.t("res_no_repairs"))
        return
    times = restoration_times(repairs, (50, 90))
    st.caption(
        context.t(
            "res_restoration_caption",
            n=fmt_int(len(repairs), lang),
            crews=fmt_int(crews, lang),
            total=fmt_int(total, lang),
            h50=fmt_num(times[50], 0, lang),
            h90=fmt_num(times[90], 0, lang),
        )
    )
    if not context.role.sees_all_operators:
        st.info(context.t("res_own_only", op=operator_name(str(context.role.operator))))
    shown = _own(context, repairs)
    st.dataframe(
        pd.DataFrame(
            {
                context.t("res_order"): shown["order"],
                context.t("res_task"): [context.t(f"res_task_{k}") for k in shown["kind"]],
                context.t("res_element"): shown["element_id"],
                context.t("res_operator"): shown["operator"].map(operator_name),
                context.t("res_crew"): shown["crew"],
                context.t("res_start"): shown["start_h"].map(lambda v: fmt_num(v, 0, lang)),
                context.t("res_finish"): shown["finish_h"].map(lambda v: fmt_num(v, 0, lang)),
                context.t("res_restored"): shown["households_restored"].map(
                    lambda v: fmt_int(v, lang)
                ),
                context.t("res_restored_by"): shown["restored_by_h"].map(
                    lambda v: fmt_num(v, 0, lang)
                ),
            }
        ),
        hide_index=True,
        width="stretch",
        key="res_repairs_table",
    )


def _report(context: Context, hazard: HazardFile, outage: float, crews: int) -> None:
    st.subheader(context.t("res_report_title"))
    try:
        check_layer_request(context.role, "report")
    except AccessDenied:
        st.info(context.t("res_report_denied"))
        return
    st.caption(context.t("res_report_caption"))
    pdf = situation_bytes(
        context.version, hazard.name, hazard.digest, outage, crews, hazard.content
    )
    st.download_button(
        context.t("res_report_button"),
        data=pdf,
        file_name=f"bao-cao-nhanh-{context.period or 'ky'}.pdf",
        mime="application/pdf",
        key="res_report_download",
    )


def _scenario(context: Context) -> None:
    st.subheader(context.t("res_scenario_title"))
    hazard = _hazard(context)
    cols = st.columns(2)
    outage = float(
        cols[0].number_input(
            context.t("res_outage"), min_value=0, max_value=720, value=24, step=4, key="res_outage"
        )
    )
    crews = int(
        cols[1].number_input(
            context.t("res_crews"), min_value=1, max_value=50, value=4, step=1, key="res_crews"
        )
    )
    if hazard is None:
        return
    try:
        view = scenario_view(context.version, hazard.name, hazard.digest, outage, hazard.content)
    except HatangsoError as err:
        st.error(context.t("res_hazard_error", reason=err))
        return
    st.markdown(_hazard_line(context, view))
    _hours_table(context, view)
    hours = [s.hour for s in view.result.states]
    if st.session_state.get("res_hour") not in hours:
        st.session_state["res_hour"] = worst_hour(view.result.summary())
    hour = float(
        st.select_slider(
            context.t("res_slider"),
            options=hours,
            format_func=lambda h: f"{fmt_num(h, 0, context.lang)} h",
            key="res_hour",
        )
    )
    _map_at(context, view, hour)
    _by_commune(context, view, hour)
    _repairs(context, hazard, outage, crews)
    _report(context, hazard, outage, crews)


def draw(context: Context) -> None:
    """Draw the Ứng cứu thông tin page."""
    st.header(context.t("page_resilience"))
    st.caption(context.unit_name())
    _spof(context)
    _scenario(context)
    st.divider()
    draw_hardening(context)  # before the season: rings and backup power
