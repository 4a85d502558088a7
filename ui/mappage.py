"""Bản đồ (Map): boundaries, villages by status, networks, coverage overlays, priority places."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.display import Bounds
from hatangso.access import AccessDenied, check_layer_request, filter_rows, visible_layers
from hatangso.formatting import fmt_dist, fmt_int
from ui.data import village_table
from ui.maplayers import STATUS_COLOURS, MapData, coverage_overlays, map_data
from ui.mapview import assets_present, build_map
from ui.shell import Context, show_rule

__all__ = ["MAP_HEIGHT", "draw", "legend_html", "map_layers", "village_rows"]

MAP_HEIGHT = 700


def legend_html(context: Context, counts: dict[str, int]) -> str:
    """Return the legend of village colours, with the number of villages of each."""
    items = [
        ("both", STATUS_COLOURS["both"], counts.get("both", 0)),
        ("fiber_only", STATUS_COLOURS["fiber_only"], counts.get("fiber_only", 0)),
        ("4g_only", STATUS_COLOURS["4g_only"], counts.get("4g_only", 0)),
        ("none", STATUS_COLOURS["none"], counts.get("none", 0)),
    ]
    spans = " ".join(
        f"<span style='white-space:nowrap;margin-right:14px'>"
        f"<span style='display:inline-block;width:11px;height:11px;border-radius:50%;"
        f"background:{colour};border:1px solid #333;margin-right:4px'></span>"
        f"{html.escape(context.t('status_' + key))} ({fmt_int(n, context.lang)})</span>"
        for key, colour, n in items
    )
    return f"<div style='font-size:0.9rem'><b>{html.escape(context.t('legend'))}:</b> {spans}</div>"


def village_rows(context: Context, table: pd.DataFrame) -> pd.DataFrame:
    """Return the selection's villages as a readable table (names, figures, status)."""
    lang = context.lang
    rows = pd.DataFrame(
        {
            context.t("c_village_id"): table["village_id"],
            context.t("c_village"): table["name"],
            context.t("c_commune"): table["commune"],
            context.t("c_households"): table["households"].map(lambda v: fmt_int(v, lang)),
            context.t("c_fiber"): table["fiber_reached"].map(
                lambda v: context.t("yes") if v else context.t("no")
            ),
            context.t("c_4g"): table["mobile_4g"].map(
                lambda v: context.t("yes") if v else context.t("no")
            ),
            context.t("c_fiber_m"): table["fiber_distance_m"].map(lambda v: fmt_dist(v, lang)),
            context.t("c_site_m"): table["nearest_4g_site_m"].map(lambda v: fmt_dist(v, lang)),
            context.t("c_power"): table["has_electricity"].map(
                lambda v: context.t("yes") if v else context.t("no")
            ),
        }
    )
    if context.role.sees_all_operators:
        return rows
    # Site-level figures, blanked by filter_rows for an operator: left out, not empty.
    return rows.drop(columns=[context.t("c_fiber_m"), context.t("c_site_m")])


def map_layers(context: Context) -> tuple[MapData, dict[str, tuple[str, Bounds]]]:
    """Return the map's layers and coverage overlays as the signed-in role may see them.

    An operator gets only its own fiber, sites and coverage rasters (through
    :func:`hatangso.access.visible_layers`); the shared layers stay whole.
    """
    data = map_data(context.version, context.lang, context.scope)
    overlays = visible_layers(context.role, coverage_overlays(context.version))
    return data, overlays


def _layer_request(context: Context) -> bool:
    """Check a layer asked for in the URL (``?layer=coverage_4g_viettel``); ``False`` if refused."""
    asked = st.query_params.get("layer")
    if not asked:
        return True
    try:
        check_layer_request(context.role, str(asked), operator=st.query_params.get("operator"))
    except AccessDenied as err:
        context.deny(err)
        return False
    return True


def draw(context: Context) -> None:
    """Draw the Map page."""
    st.header(context.t("map_title"))
    if not assets_present():
        st.warning(context.t("map_assets_missing"))
    elif not st.get_option("server.enableStaticServing"):
        st.warning(context.t("static_serving_off"))
    tiles = st.toggle(
        context.t("tiles_toggle"), value=False, key="map_tiles", help=context.t("tiles_help")
    )
    if not _layer_request(context):
        return
    data, overlays = map_layers(context)
    fmap = build_map(
        data, lang=context.lang, selected=context.selected, overlays=overlays, show_tiles=tiles
    )
    st.markdown(legend_html(context, data.status_counts), unsafe_allow_html=True)
    show_rule(context)
    st_folium(
        fmap,
        key="map",
        returned_objects=[],
        height=MAP_HEIGHT,
        use_container_width=True,
    )
    st.caption(
        context.t("fiber_levels") + " " + context.t("map_synthetic", tag=context.t("synthetic_tag"))
    )
    if context.selected:
        st.caption(context.t("map_zoomed", unit=context.unit_name()))
        villages = context.within(filter_rows(context.role, village_table(context.version)))
        if not len(villages):
            st.info(context.t("empty_selection"))
            return
        st.dataframe(
            village_rows(context, villages.sort_values(["commune", "name"])),
            hide_index=True,
            width="stretch",
            key="map_villages",
        )
