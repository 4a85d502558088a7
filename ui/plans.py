"""Quy hoạch (Plans): fiber extensions and new sites, their cost, and the indicators after.

The planners run through :mod:`planner.run` (the same functions as ``hatangso plan``) on
the villages of the selected area that lack fiber or 4G; a run is cached on the store
version and its parameters, so reruns of the page redraw it without planning again.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from coverage.engine import CoverageResult, compute_coverage
from coverage.indicators import evaluate_targets
from geodata import HatangsoError
from geodata.display import Bounds, bounds_latlon, for_display
from geodata.errors import InputError
from geodata.export import export_bytes
from hatangso import audit
from hatangso.access import AccessDenied, visible_layers
from hatangso.formatting import (
    NO_TARGET,
    fmt_dist,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_target,
    fmt_vnd,
)
from planner.run import plan_fiber_for, plan_sites_for, uncovered_villages, with_plans
from ui.costmix import draw_mix
from ui.data import (
    StoreVersion,
    coverage_inputs,
    coverage_result,
    operator_name,
    read_layers,
    village_table,
)
from ui.i18n import tr
from ui.maplayers import DIGITS, Layer, coverage_overlays, map_data
from ui.mapview import build_map
from ui.overview import styled_assessment
from ui.shell import Context
from ui.texts import TEXT

__all__ = ["PlanOutcome", "draw", "plan_features", "run_plans", "save_plan"]

log = logging.getLogger(__name__)

PLAN_COLOUR = "#e7298a"
FIBER_MODES = ("all", "budget", "target")
SITE_MODES = ("all", "budget", "max")
MAP_HEIGHT = 560


@dataclass
class PlanOutcome:
    """What a run of both planners gives the page (all picklable, EPSG:4326 geometries).

    Attributes
    ----------
    routes, sites
        The proposed routes and sites with their figures (``None`` when not planned).
    fiber_totals, site_totals
        The plans' totals.
    before, after
        The targets evaluated on the area now and with the plan built.
    notes
        Messages for the reader (e.g. nothing left to plan, a planner's refusal).
    """

    routes: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None
    fiber_totals: dict[str, Any] = field(default_factory=dict)
    site_totals: dict[str, Any] = field(default_factory=dict)
    before: list[dict[str, Any]] = field(default_factory=list)
    after: list[dict[str, Any]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


def _targets(result: CoverageResult, level: str, unit_id: str | None) -> list[dict[str, Any]]:
    table = result.summary(level)  # type: ignore[arg-type]
    row = table.iloc[0] if unit_id is None else table[table["unit_id"] == unit_id].iloc[0]
    return evaluate_targets({str(k): v for k, v in row.items()}, result.target_set)


@st.cache_data(show_spinner=False, max_entries=16)
def run_plans(  # noqa: PLR0913 - the page's parameters, all hashable
    version: StoreVersion,
    district: str | None,
    commune: str | None,
    fiber_mode: str,
    fiber_value: float,
    site_mode: str,
    site_value: float,
    lang: str,
) -> PlanOutcome:
    """Run the fiber and site planners on the area's uncovered villages (cached).

    ``fiber_value`` and ``site_value`` are what the page's number fields hold for the
    mode: a budget in millions of VND (``"budget"``, passed on to the planners in VND), a
    number of households (``"target"``) or of sites (``"max"``).
    """
    layers = read_layers(version)
    inputs = coverage_inputs(version)
    result = coverage_result(version)
    outcome = PlanOutcome()
    names = village_table(version).set_index("village_id")["name"].astype(str)
    fiber_plan = site_plan = None
    no_fiber = uncovered_villages(result, need="fiber", district_id=district, commune_id=commune)
    if not no_fiber:
        outcome.notes.append(("info", tr("plan_nothing_fiber", lang)))
    else:
        try:
            fiber_plan = plan_fiber_for(
                layers,
                no_fiber,
                budget_vnd=fiber_value * 1e6 if fiber_mode == "budget" else None,
                target_households=fiber_value if fiber_mode == "target" else None,
                time_limit_s=20.0,
            )
        except HatangsoError as err:
            outcome.notes.append(("error", tr("plan_error", lang, reason=err)))
    no_4g = uncovered_villages(result, need="4g", district_id=district, commune_id=commune)
    if not no_4g:
        outcome.notes.append(("info", tr("plan_nothing_4g", lang)))
    else:
        try:
            site_plan = plan_sites_for(
                layers,
                no_4g,
                density=inputs.density,
                elevation=inputs.elevation,
                land_cover=inputs.land_cover,
                budget_vnd=site_value * 1e6 if site_mode == "budget" else None,
                max_sites=int(site_value) if site_mode == "max" else None,
                time_limit_s=20.0,
            )
        except HatangsoError as err:
            outcome.notes.append(("error", tr("plan_error", lang, reason=err)))
    if fiber_plan is not None:
        outcome.fiber_totals = fiber_plan.totals()
        routes = fiber_plan.routes.to_crs(4326)
        routes["village_names"] = routes["villages"].map(
            lambda ids: ", ".join(f"{names.get(v, v)} ({v})" for v in str(ids).split(",") if v)
        )
        outcome.routes = routes
    if site_plan is not None:
        outcome.site_totals = site_plan.totals()
        sites = site_plan.sites.to_crs(4326)
        sites["village_names"] = sites["target_ids"].map(
            lambda ids: ", ".join(f"{names.get(v, v)} ({v})" for v in str(ids).split(",") if v)
        )
        outcome.sites = sites
    level = "commune" if commune else "district" if district else "province"
    scope = commune or district
    outcome.before = _targets(result, level, scope)
    if fiber_plan is not None or site_plan is not None:
        after = compute_coverage(  # "after" with the same model as "before"
            with_plans(inputs, fiber=fiber_plan, sites=site_plan),
            calibration=result.calibration,
            targets=result.target_set,
        )
        outcome.after = _targets(after, level, scope)
    return outcome


# ------------------------------------------------------------------ drawing


def _value(prefix: str, value: object, lang: str) -> str:
    """Translate a planner's value (``microwave``, ``solar`` …) when the app knows it."""
    key = f"{prefix}_{value}"
    return tr(key, lang) if key in TEXT else str(value)


def _route_layer(routes: gpd.GeoDataFrame, lang: str) -> Layer:
    shown = for_display(routes, digits=DIGITS)
    frame = shown.assign(
        k="r",
        t=[
            f"{rid} · {fmt_dist(length, lang)} · {fmt_vnd(cost, lang)}"
            for rid, length, cost in zip(
                shown["route_id"], shown["length_m"], shown["cost_vnd"], strict=True
            )
        ],
        h=shown["route_id"],
        v=[
            [
                fmt_dist(row["length_m"], lang),
                fmt_vnd(row["cost_vnd"], lang),
                fmt_int(row["households"], lang),
                fmt_vnd(row["cost_per_household_vnd"], lang),
                str(row["village_names"]),
            ]
            for row in shown.to_dict("records")
        ],
    )
    labels = [
        tr(key, lang)
        for key in ("total_length", "total_cost", "hh_gained", "c_cost_hh_short", "c_villages")
    ]
    columns = ["k", "t", "h", "v"]
    geo = gpd.GeoDataFrame(frame[columns], geometry=frame.geometry, crs=frame.crs)
    return Layer(
        dict(geo.to_geo_dict(na="drop", show_bbox=False, drop_id=True)),
        {"r": {"color": PLAN_COLOUR, "weight": 5, "opacity": 0.95}},
        labels,
    )


def _site_layer(sites: gpd.GeoDataFrame, lang: str) -> Layer:
    shown = for_display(sites, digits=DIGITS)
    frame = shown.assign(
        k="s",
        t=[
            f"{sid} · {operator_name(str(op))}"
            for sid, op in zip(shown["site_id"], shown["operator"], strict=True)
        ],
        h=shown["site_id"],
        v=[
            [
                operator_name(str(row["operator"])),
                str(row["tech"]),
                fmt_vnd(row["cost_vnd"], lang),
                fmt_int(row["households"], lang),
                _value("bh", row["backhaul"], lang),
                _value("pw", row["power"], lang),
                str(row["village_names"]),
            ]
            for row in shown.to_dict("records")
        ],
    )
    labels = [
        tr(key, lang)
        for key in (
            "p_operator",
            "p_tech",
            "total_cost",
            "hh_gained",
            "c_backhaul",
            "c_power_src",
            "c_villages",
        )
    ]
    columns = ["k", "t", "h", "v"]
    geo = gpd.GeoDataFrame(frame[columns], geometry=frame.geometry, crs=frame.crs)
    style = {
        "radius": 9,
        "color": "#000000",
        "weight": 2,
        "fillColor": PLAN_COLOUR,
        "fillOpacity": 0.95,
    }
    return Layer(
        dict(geo.to_geo_dict(na="drop", show_bbox=False, drop_id=True)), {"s": style}, labels
    )


def _plan_bounds(outcome: PlanOutcome) -> Bounds | None:
    frames = [f for f in (outcome.routes, outcome.sites) if f is not None and len(f)]
    if not frames:
        return None
    both = gpd.GeoDataFrame(
        pd.concat([f[["geometry"]] for f in frames], ignore_index=True), crs=4326
    )
    bounds = bounds_latlon(both)
    if bounds is None:
        return None
    (south, west), (north, east) = bounds
    pad = 0.02
    return (south - pad, west - pad), (north + pad, east + pad)


def _controls(context: Context) -> dict[str, Any]:
    left, right = st.columns(2)
    with left:
        st.subheader(context.t("plan_fiber"))
        fiber_mode = st.radio(
            context.t("plan_mode"),
            options=list(FIBER_MODES),
            format_func=lambda m: context.t(
                {"all": "plan_all", "budget": "plan_budget", "target": "plan_target"}[m]
            ),
            horizontal=True,
            key="plan_fiber_mode",
        )
        fiber_value = 0.0
        if fiber_mode == "budget":
            fiber_value = st.number_input(
                context.t("budget_million_vnd"),
                min_value=0.0,
                value=5000.0,
                step=500.0,
                key="plan_fiber_budget",
            )
        elif fiber_mode == "target":
            fiber_value = st.number_input(
                context.t("target_hh"),
                min_value=0.0,
                value=500.0,
                step=50.0,
                key="plan_fiber_target",
            )
    with right:
        st.subheader(context.t("plan_sites"))
        site_mode = st.radio(
            context.t("plan_mode"),
            options=list(SITE_MODES),
            format_func=lambda m: context.t(
                {"all": "plan_all", "budget": "plan_budget", "max": "max_sites"}[m]
            ),
            horizontal=True,
            key="plan_site_mode",
        )
        site_value = 0.0
        if site_mode == "budget":
            site_value = st.number_input(
                context.t("budget_million_vnd"),
                min_value=0.0,
                value=5000.0,
                step=500.0,
                key="plan_site_budget",
            )
        elif site_mode == "max":
            site_value = float(
                st.number_input(
                    context.t("max_sites"), min_value=1, value=3, step=1, key="plan_site_max"
                )
            )
    return {
        "district": context.district,
        "commune": context.commune,
        "fiber_mode": str(fiber_mode),
        "fiber_value": float(fiber_value),
        "site_mode": str(site_mode),
        "site_value": float(site_value),
    }


def _before_after(context: Context, outcome: PlanOutcome) -> None:
    st.subheader(context.t("before_after"))
    after = {t["id"]: t for t in outcome.after}
    rows = []
    for target in outcome.before:
        later = after.get(target["id"], target)
        met = later["met"]
        rows.append(
            {
                context.t("indicator"): context.t(f"t_{target['id']}"),
                context.t("target"): fmt_target(
                    target["target_pct"],
                    target["strict"],
                    context.lang,
                    missing=NO_TARGET[context.lang],
                    comparison=target.get("comparison"),
                ),
                context.t("before"): fmt_pct(target["actual_pct"], context.lang),
                context.t("after"): fmt_pct(later["actual_pct"], context.lang),
                context.t("assessment"): context.t("reported")
                if met is None
                else context.t("met" if met else "not_met"),
            }
        )
    st.dataframe(
        styled_assessment(pd.DataFrame(rows), context),
        hide_index=True,
        width="stretch",
        key="plan_indicators",
    )


def _route_table(context: Context, routes: gpd.GeoDataFrame) -> pd.DataFrame:
    lang = context.lang
    return pd.DataFrame(
        {
            context.t("c_rank"): routes["rank"],
            "ID": routes["route_id"],
            context.t("c_length_km"): routes["length_m"].map(lambda m: fmt_num(m / 1000, 1, lang)),
            context.t("c_cost"): routes["cost_vnd"].map(lambda v: fmt_num(v / 1e6, 0, lang)),
            context.t("c_households"): routes["households"].map(lambda v: fmt_int(v, lang)),
            context.t("c_cost_hh"): routes["cost_per_household_vnd"].map(
                lambda v: fmt_num(v / 1e3, 0, lang)
            ),
            context.t("c_villages"): routes["village_names"],
        }
    )


def _site_table(context: Context, sites: gpd.GeoDataFrame) -> pd.DataFrame:
    lang = context.lang
    return pd.DataFrame(
        {
            context.t("c_site_id"): sites["site_id"],
            context.t("p_operator"): sites["operator"].map(lambda o: operator_name(str(o))),
            context.t("p_tech"): sites["tech"],
            context.t("c_households"): sites["households"].map(lambda v: fmt_int(v, lang)),
            context.t("c_cost"): sites["cost_vnd"].map(lambda v: fmt_num(v / 1e6, 0, lang)),
            context.t("c_backhaul"): sites["backhaul"].map(lambda b: _value("bh", b, lang)),
            context.t("c_power_src"): sites["power"].map(lambda p: _value("pw", p, lang)),
            context.t("c_villages"): sites["village_names"],
        }
    )


_EXPORT_ROUTES = [
    "route_id",
    "rank",
    "length_m",
    "cost_vnd",
    "households",
    "n_villages",
    "cost_per_household_vnd",
    "villages",
    "village_names",
]
_EXPORT_SITES = [
    "site_id",
    "operator",
    "tech",
    "height_m",
    "households",
    "cost_vnd",
    "backhaul",
    "backhaul_to",
    "power",
    "target_ids",
    "village_names",
]


def _downloads(
    frame: gpd.GeoDataFrame, columns: list[str], stem: str, name_column: str, context: Context
) -> None:
    shown = frame[[c for c in columns if c in frame] + ["geometry"]].copy()
    shown["colour"] = PLAN_COLOUR
    cols = st.columns(3)
    cols[0].download_button(
        context.t("download_geojson"),
        data=export_bytes(shown.drop(columns="colour"), "geojson"),
        file_name=f"{stem}.geojson",
        mime="application/geo+json",
        key=f"{stem}_geojson",
    )
    cols[1].download_button(
        context.t("download_kml"),
        data=export_bytes(
            shown,
            "kml",
            name_column=name_column,
            colour_column="colour",
            description_columns=[c for c in columns if c in shown],
            document_name=f"Hạ tầng số — {stem}",
        ),
        file_name=f"{stem}.kml",
        mime="application/vnd.google-earth.kml+xml",
        key=f"{stem}_kml",
    )
    cols[2].download_button(
        context.t("download_xlsx"),
        data=export_bytes(shown.drop(columns="colour"), "xlsx", sheet_name=stem),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{stem}_xlsx",
    )


def _headline(context: Context, outcome: PlanOutcome) -> None:
    lang = context.lang
    fiber = outcome.fiber_totals
    sites = outcome.site_totals
    cols = st.columns([1, 1, 1, 0.8, 1.6])
    cols[0].metric(context.t("villages_gained"), fmt_int(fiber.get("villages_connected", 0), lang))
    cols[1].metric(context.t("hh_gained"), fmt_int(fiber.get("households_gained", 0), lang))
    cols[2].metric(context.t("total_length"), fmt_dist(fiber.get("total_length_m", 0.0), lang))
    cols[3].metric(context.t("n_sites"), fmt_int(sites.get("n_sites", 0), lang))
    total = float(fiber.get("total_cost_vnd", 0.0)) + float(sites.get("total_cost_vnd", 0.0))
    cols[4].metric(context.t("total_cost"), fmt_vnd(total, lang))


def plan_features(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return a plan's routes or sites as GeoJSON (EPSG:4326) for ``plan:NAME`` in the store."""
    out = frame.to_crs(4326) if frame.crs is not None else frame
    return dict(json.loads(out.to_json(na="drop", drop_id=True)))


def save_plan(context: Context, outcome: PlanOutcome, name: str) -> list[str]:
    """Save the plan shown as ``plan:NAME`` (routes) and ``plan:NAME-tram`` (sites).

    The department only; recorded in the audit trail (``plan_run``).

    Returns
    -------
    list of str
        The names saved (without ``plan:``).
    """
    if not context.role.can_publish:
        msg = f"{context.role} may not save plans."
        raise AccessDenied(msg)
    clean = re.sub(r"[^\w.-]+", "-", unicodedata.normalize("NFC", name)).strip("-.")[:60]
    if not clean:
        msg = "give the plan a name (letters, digits, - and .)."
        raise InputError(msg)
    store = context.version.store()
    saved: list[str] = []
    parts = (
        (clean, "fiber_plan", outcome.routes, outcome.fiber_totals),
        (f"{clean}-tram", "site_plan", outcome.sites, outcome.site_totals),
    )
    params = st.session_state.get("plan_params") or {}
    for plan, kind, frame, totals in parts:
        if frame is None or not len(frame):
            continue
        payload = {"kind": kind, "totals": totals, "geojson": plan_features(frame)}
        store.save_result(
            f"plan:{plan}", kind, dict(params), json.loads(json.dumps(payload, default=str))
        )
        audit.record(
            store, context.user, "plan_run", f"plan:{plan}", {"kind": kind, "source": "app"}
        )
        saved.append(plan)
    return saved


def _save_form(context: Context, outcome: PlanOutcome) -> None:
    st.subheader(context.t("plan_save_title"))
    with st.form("plan_save_form"):
        name = st.text_input(context.t("plan_save_name"), key="plan_save_name", max_chars=60)
        submitted = st.form_submit_button(context.t("plan_save_btn"))
    if not submitted:
        return
    try:
        saved = save_plan(context, outcome, name)
    except HatangsoError as err:
        st.error(context.t("input_error", reason=err))
        return
    st.success(context.t("plan_saved", names=", ".join(saved) or "—"))


def draw(context: Context) -> None:
    """Draw the Plans page (running and saving plans is the department's)."""
    st.header(context.t("plans_title"))
    st.caption(context.t("plan_scope", unit=context.unit_name()))
    if not context.role.can_publish:
        st.info(context.t("plans_department_only"))
        return
    coverage_result(context.version)  # says at once what the store lacks
    params = _controls(context)
    if st.button(context.t("run_plan"), key="plan_run", type="primary"):
        st.session_state["plan_params"] = params
    chosen = st.session_state.get("plan_params")
    if chosen:
        _outcome(context, chosen, params)
    st.divider()
    draw_mix(context)  # what reaching a target costs, by technology (issue 15)


def _outcome(context: Context, chosen: dict[str, Any], params: dict[str, Any]) -> None:
    """Draw a run's results: headline, map, before/after, tables, downloads, saving."""
    if chosen != params:
        st.info(context.t("plan_stale"))
    with st.spinner(context.t("plan_running")):
        outcome = run_plans(context.version, lang=context.lang, **chosen)
    for kind, note in outcome.notes:
        (st.error if kind == "error" else st.info)(note)
    if outcome.routes is None and outcome.sites is None:
        return
    _headline(context, outcome)
    extra: list[tuple[str, Layer, bool]] = []
    if outcome.routes is not None and len(outcome.routes):
        extra.append(
            (context.t("l_plan_routes"), _route_layer(outcome.routes, context.lang), False)
        )
    if outcome.sites is not None and len(outcome.sites):
        extra.append((context.t("l_plan_sites"), _site_layer(outcome.sites, context.lang), True))
    data = map_data(context.version, context.lang, context.scope)
    fmap = build_map(
        data,
        lang=context.lang,
        selected=context.selected,
        overlays=visible_layers(context.role, coverage_overlays(context.version)),
        extra=extra,
        fit=_plan_bounds(outcome),
        show_sites=False,
    )
    st_folium(
        fmap, key="plan_map", returned_objects=[], height=MAP_HEIGHT, use_container_width=True
    )
    _before_after(context, outcome)
    if outcome.routes is not None and len(outcome.routes):
        st.subheader(context.t("plan_routes"))
        st.dataframe(
            _route_table(context, outcome.routes),
            hide_index=True,
            width="stretch",
            key="plan_routes",
        )
        _downloads(outcome.routes, _EXPORT_ROUTES, "tuyen_cap_quang_de_xuat", "route_id", context)
    if outcome.sites is not None and len(outcome.sites):
        st.subheader(context.t("plan_new_sites"))
        st.dataframe(
            _site_table(context, outcome.sites), hide_index=True, width="stretch", key="plan_sites"
        )
        _downloads(outcome.sites, _EXPORT_SITES, "tram_bts_de_xuat", "site_id", context)
    _save_form(context, outcome)
