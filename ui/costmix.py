"""The Plans page's cost section: what reaching a household target costs, by technology.

One click answers "what does 95 % cost with fiber alone, and with the best mix?"
(:func:`planner.mix.plan_mix` with the period's cost table): the two ten-year costs, the
households each technology adds, the cost curves with the crossover, the technology
chosen for each cluster with its cost per household and why the others lost, those
clusters on the map coloured by technology, and the table and map to download. The
department only, like the rest of the Plans page.
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.export import workbook_bytes
from hatangso.formatting import fmt_int, fmt_num, fmt_pct, fmt_vnd
from ui.data import StoreVersion, coverage_result, read_layers
from ui.maplayers import Layer, map_data
from ui.mapview import assets_present, build_map
from ui.shell import Context

__all__ = ["TECH_COLOURS", "draw_mix", "run_mix"]

MAP_HEIGHT = 520

#: Technology -> its colour on the map (and the order of the legend).
TECH_COLOURS: dict[str, str] = {
    "fiber": "#1b7837",
    "fwa_existing": "#2166ac",
    "site_fwa": "#762a83",
    "leo_household": "#e08214",
    "leo_community": "#b35806",
    "": "#999999",
}


@st.cache_resource(show_spinner=False, max_entries=4)
def run_mix(version: StoreVersion, target_pct: float) -> dict[str, Any]:
    """Plan the mix to ``target_pct`` % of households on the period (once a version and target).

    Returns
    -------
    dict
        ``summary`` (JSON-ready headline and curves), ``units`` (one row a cluster with its
        technology) with ``geometry`` (EPSG:4326), and the cost table's ``origin``.
    """
    from hatangso.costs import load_cost_table
    from planner.mix import MixTarget, plan_mix
    from planner.mix.units import unit_points

    layers = read_layers(version)
    costs = load_cost_table(version.store())
    plan = plan_mix(
        layers,
        coverage_result(version),
        target=MixTarget(households_pct=float(target_pct)),
        costs=costs,
    )
    villages = coverage_result(version).villages
    where_v = villages.set_index(villages["village_id"].astype(str))
    units = plan.units.copy()
    for col in ("commune_id", "district_id"):
        units[col] = units["village_id"].astype(str).map(where_v[col].astype(str))
    frame = unit_points(units, layers).to_crs(4326)
    return {"summary": plan.totals(), "units": frame, "origin": costs.origin}


def _tech(context: Context, tech: str) -> str:
    return context.t(f"tech_{tech}") if tech else context.t("mix_unserved")


def _cost(context: Context, answer: dict[str, Any]) -> str:
    if not answer.get("feasible"):
        return context.t("mix_not_met")
    return fmt_vnd(answer["npv_vnd"], context.lang)


def _layer(context: Context, units: gpd.GeoDataFrame) -> Layer:
    styles = {
        key: {"radius": 5, "color": "#333333", "weight": 1, "fillColor": c, "fillOpacity": 0.9}
        for key, c in TECH_COLOURS.items()
    }
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(g.x, 5), round(g.y, 5)]},
            "properties": {
                "k": str(t),
                "t": f"{u}: {_tech(context, str(t))}, {fmt_int(h, context.lang)} hộ",
            },
        }
        for u, t, h, g in zip(
            units["unit_id"], units["tech"], units["households_served"], units.geometry, strict=True
        )
        if g is not None and not g.is_empty
    ]
    return Layer({"type": "FeatureCollection", "features": features}, styles)


def _table(context: Context, units: pd.DataFrame) -> pd.DataFrame:
    per_hh = units["cost_per_household_vnd"] / 1e6
    return pd.DataFrame(
        {
            context.t("mix_c_unit"): units["unit_id"],
            context.t("mix_c_village"): units["village_id"],
            context.t("mix_c_tech"): [_tech(context, str(t)) for t in units["tech"]],
            context.t("mix_c_households"): units["households_served"],
            context.t("mix_c_cost"): [fmt_num(v, 1, context.lang) for v in per_hh],
            context.t("mix_c_others"): units["alternatives"],
        }
    )


def draw_mix(context: Context) -> None:
    """Draw the cost section: the target, one button, the answer."""
    st.subheader(context.t("mix_title"))
    st.caption(context.t("mix_intro"))
    left, right = st.columns([1, 2])
    target = left.number_input(
        context.t("mix_target"), min_value=50.0, max_value=99.9, value=95.0, step=0.5,
        key="mix_target",
    )  # fmt: skip
    if right.button(context.t("mix_run"), key="mix_run"):
        st.session_state["mix_asked"] = float(target)
    asked = st.session_state.get("mix_asked")
    if asked is None:
        return
    with st.spinner(context.t("mix_running")):
        out = run_mix(context.version, float(asked))
    s, units = out["summary"], out["units"]
    fiber, mix = s["fiber_only"], s["mix"]
    a, b, c = st.columns(3)
    a.metric(context.t("mix_fiber"), _cost(context, fiber))
    b.metric(context.t("mix_mix"), _cost(context, mix))
    saving = s.get("saving_vnd")
    c.metric(context.t("mix_saving"), "–" if saving is None else fmt_vnd(saving, context.lang))
    st.caption(context.t("mix_prices", origin=out["origin"]))
    by_tech = (mix.get("households_by_tech") or {}) if mix.get("feasible") else {}
    if by_tech:
        st.markdown(f"**{context.t('mix_households')}**")
        st.dataframe(
            pd.DataFrame(
                {
                    context.t("mix_c_tech"): [_tech(context, t) for t in by_tech],
                    context.t("mix_c_households"): [
                        fmt_int(int(v), context.lang) for v in by_tech.values()
                    ],
                }
            ),
            hide_index=True,
        )
    _curves(context, s)
    shown = context.within(units)
    st.markdown(f"**{context.t('mix_map')}**")
    legend = " ".join(
        f"<span style='white-space:nowrap;margin-right:12px'><span style='display:inline-block;"
        f"width:11px;height:11px;border-radius:50%;background:{col};margin-right:4px'></span>"
        f"{_tech(context, t)}</span>"
        for t, col in TECH_COLOURS.items()
    )
    st.markdown(f"<div style='font-size:0.9rem'>{legend}</div>", unsafe_allow_html=True)
    if assets_present():
        fmap = build_map(
            map_data(context.version, context.lang, context.scope),
            lang=context.lang,
            selected=context.selected,
            extra=[(context.t("mix_map"), _layer(context, shown), True)],
            show_sites=False,
        )
        st_folium(
            fmap, key="mix_map", returned_objects=[], height=MAP_HEIGHT, use_container_width=True
        )
    st.markdown(f"**{context.t('mix_units')}**")
    table = _table(context, shown.sort_values("cost_per_household_vnd", na_position="last"))
    st.dataframe(table, hide_index=True, width="stretch", key="mix_units_table")
    d1, d2 = st.columns(2)
    d1.download_button(
        context.t("mix_download_xlsx"),
        workbook_bytes({"phuong_an_cong_nghe": table}),
        file_name=f"phuong_an_cong_nghe_{fmt_num(asked, 1, 'en')}.xlsx",
        key="mix_xlsx",
    )
    d2.download_button(
        context.t("mix_download_geojson"),
        json.dumps(json.loads(shown.to_json()), ensure_ascii=False).encode(),
        file_name=f"phuong_an_cong_nghe_{fmt_num(asked, 1, 'en')}.geojson",
        mime="application/geo+json",
        key="mix_geojson",
    )


def _curves(context: Context, s: dict[str, Any]) -> None:
    """Draw the two cost curves and say where the mix becomes cheaper."""
    rows = [
        {"share": p["share_pct"], "cost": p["npv_vnd"] / 1e9, "what": context.t(name)}
        for key, name in (("curve_fiber", "mix_fiber"), ("curve_mix", "mix_mix"))
        for p in s.get(key, [])
        if p.get("npv_vnd") is not None and np.isfinite(p["npv_vnd"])
    ]
    if rows:
        st.markdown(f"**{context.t('mix_curve')}**")
        frame = pd.DataFrame(rows).pivot_table(index="share", columns="what", values="cost")
        frame.index.name = context.t("mix_share")
        st.line_chart(frame, x_label=context.t("mix_share"), y_label=context.t("mix_cost_bn"))
    cross = (s.get("crossover") or {}).get("mix_cheaper_from_pct")
    st.caption(
        context.t("mix_cross", share=fmt_pct(cross, lang=context.lang))
        if cross is not None
        else context.t("mix_no_cross")
    )
