"""Đo kiểm (Evidence): measurements on the map, predicted against measured, calibration, challenges.

What the page shows goes through the role's filters first: an operator sees only its own
measurements (:func:`hatangso.access.visible_layers`), its own rows of the comparison
(:func:`hatangso.evidence.view_evidence`), its own calibration groups and its own
challenges (:func:`hatangso.review.challenges.challenges`). The map stays light: at most
:data:`MAX_POINTS` samples are drawn (a seeded random sample, said under the map), each a
small circle coloured by its RSRP class (:data:`RSRP_CLASSES`), over the boundaries only.
"""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from coverage.evidence import CLASS_LABELS
from hatangso.access import visible_layers
from hatangso.evidence import evidence_line, view_evidence
from hatangso.formatting import fmt_int, fmt_num, fmt_pct
from hatangso.review.challenges import BASIS_LABELS, STATUS_LABELS, challenges
from ui.data import (
    calibrations,
    coverage_result,
    evidence_comparison,
    measurement_points,
    operator_name,
    village_table,
)
from ui.maplayers import Layer, map_data
from ui.mapview import assets_present, build_map
from ui.shell import Context

__all__ = ["MAX_POINTS", "RSRP_CLASSES", "draw", "measurement_layer", "rsrp_class"]

#: The most samples drawn on the map (more are sampled down, and the page says so).
MAX_POINTS = 20_000
#: RSRP classes of the map: (key, lower bound in dBm, colour), strongest first.
RSRP_CLASSES: tuple[tuple[str, float, str], ...] = (
    ("r1", -90.0, "#1a9641"),
    ("r2", -100.0, "#a6d96a"),
    ("r3", -110.0, "#fdae61"),
    ("r4", -float("inf"), "#d7191c"),
)
MAP_HEIGHT = 560


def rsrp_class(rsrp_dbm: pd.Series) -> pd.Series:
    """Return each level's class key of :data:`RSRP_CLASSES`.

    Examples
    --------
    >>> rsrp_class(pd.Series([-85.0, -95.0, -105.0, -120.0])).tolist()
    ['r1', 'r2', 'r3', 'r4']
    """
    values = rsrp_dbm.to_numpy(dtype=float)
    keys = np.full(len(values), RSRP_CLASSES[-1][0], dtype=object)
    for key, low, _ in reversed(RSRP_CLASSES[:-1]):
        keys[values >= low] = key
    return pd.Series(keys, index=rsrp_dbm.index, dtype=object)


def measurement_layer(points: gpd.GeoDataFrame, lang: str) -> Layer:
    """Return the samples as a map layer (EPSG:4326 points), coloured by RSRP class."""
    styles = {
        key: {"radius": 3, "color": colour, "weight": 0, "fillColor": colour, "fillOpacity": 0.85}
        for key, _, colour in RSRP_CLASSES
    }
    xy = np.column_stack([points.geometry.x.to_numpy(), points.geometry.y.to_numpy()]).round(5)
    keys = rsrp_class(points["rsrp_dbm"]).tolist()
    tips = [
        f"{operator_name(str(op))} {tech}: {fmt_num(r, 0, lang)} dBm"
        for op, tech, r in zip(points["operator"], points["tech"], points["rsrp_dbm"], strict=True)
    ]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
            "properties": {"k": k, "t": t},
        }
        for (x, y), k, t in zip(xy, keys, tips, strict=True)
    ]
    return Layer({"type": "FeatureCollection", "features": features}, styles)


def _legend() -> str:
    names = {
        "r1": "≥ −90 dBm",
        "r2": "−100 … −90 dBm",
        "r3": "−110 … −100 dBm",
        "r4": "< −110 dBm",
    }
    spans = " ".join(
        f"<span style='white-space:nowrap;margin-right:14px'><span style='display:inline-block;"
        f"width:11px;height:11px;border-radius:50%;background:{colour};margin-right:4px'>"
        f"</span>{names[key]}</span>"
        for key, _, colour in RSRP_CLASSES
    )
    return f"<div style='font-size:0.9rem'><b>RSRP:</b> {spans}</div>"


def _map(context: Context) -> None:
    points = measurement_points(context.version)
    if points is None or not len(points):
        st.info(context.t("ev_no_points"))
        return
    points = visible_layers(context.role, {"measurements": points}).get("measurements")
    if points is None or not len(points):
        st.info(context.t("ev_no_points"))
        return
    techs = sorted(points["tech"].astype(str).unique())
    tech = st.radio(
        context.t("ev_tech"), options=techs, index=techs.index("4G") if "4G" in techs else 0,
        horizontal=True, key="ev_tech",
    )  # fmt: skip
    chosen = points[points["tech"].astype(str) == tech]
    total = len(chosen)
    if total > MAX_POINTS:
        chosen = chosen.sample(MAX_POINTS, random_state=0)
    data = map_data(context.version, context.lang, context.scope)
    fmap = build_map(
        data,
        lang=context.lang,
        selected=context.selected,
        extra=[(context.t("ev_layer", tech=tech), measurement_layer(chosen, context.lang), True)],
        show_sites=False,
    )
    st.markdown(_legend(), unsafe_allow_html=True)
    if assets_present():
        st_folium(
            fmap, key="ev_map", returned_objects=[], height=MAP_HEIGHT, use_container_width=True
        )
    n, shown = fmt_int(total, context.lang), fmt_int(len(chosen), context.lang)
    note = "ev_points_sampled" if total > len(chosen) else "ev_points_all"
    st.caption(context.t(note, n=n, shown=shown))


def _comparison(context: Context, lang: Literal["vi", "en"]) -> None:
    st.subheader(context.t("ev_table_title"))
    comparison = evidence_comparison(context.version)
    view = None if comparison is None else view_evidence(comparison, context.role)
    st.markdown(evidence_line(view, lang))
    if view is None or not view.share["measured"]:
        return
    rows = context.within(view.villages)
    rows = rows[rows["n_samples"] > 0]
    if not len(rows):
        st.info(context.t("empty_selection"))
        return
    table = pd.DataFrame(
        {
            context.t("c_village_id"): rows["village_id"],
            context.t("c_village"): rows["name"],
            context.t("ev_operator"): rows["operator"].map(operator_name),
            context.t("ev_tech"): rows["tech"],
            context.t("ev_samples"): rows["n_samples"].map(lambda v: fmt_int(v, lang)),
            context.t("ev_median"): rows["median_dbm"].map(lambda v: fmt_num(v, 1, lang)),
            context.t("ev_p10"): rows["p10_dbm"].map(lambda v: fmt_num(v, 1, lang)),
            context.t("ev_share"): rows["share_above_pct"].map(lambda v: fmt_pct(v, lang)),
            context.t("ev_class"): rows["evidence_class"].map(lambda c: CLASS_LABELS[c][lang]),
            context.t("ev_complaints"): rows["complaints_open"].map(lambda v: fmt_int(v, lang)),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="ev_villages")


def _calibration(context: Context) -> None:
    st.subheader(context.t("ev_calibration_title"))
    names = calibrations(context.version)
    if not names:
        st.info(context.t("ev_no_calibration"))
        return
    from hatangso.calibration import load_calibration

    name = context.version.calibration or names[-1]
    calibration = load_calibration(context.version.store(), name)
    report: dict[str, Any] = dict(calibration.validation)
    envs = pd.DataFrame(report.get("environments", []))
    st.caption(context.t("ev_calibration_caption", name=name, folds=report.get("folds", "–")))
    if len(envs):
        chart = envs.set_index("environment")[["rmse_before_db", "rmse_after_db"]].rename(
            columns={
                "rmse_before_db": context.t("ev_rmse_before"),
                "rmse_after_db": context.t("ev_rmse_after"),
            }
        )
        st.bar_chart(chart, stack=False, y_label="RMSE (dB)")
    groups = pd.DataFrame(report.get("groups", []))
    if len(groups) and not context.role.sees_all_operators:
        groups = groups[groups["operator"] == context.role.operator]
    if len(groups):
        lang = context.lang
        shown = pd.DataFrame(
            {
                context.t("ev_operator"): groups["operator"].map(operator_name),
                context.t("ev_tech"): groups["tech"],
                context.t("ev_environment"): groups["environment"],
                context.t("ev_samples"): groups["samples"].map(lambda v: fmt_int(v, lang)),
                context.t("ev_me_before"): groups["me_before_db"].map(
                    lambda v: fmt_num(v, 1, lang)
                ),
                context.t("ev_me_after"): groups["me_after_db"].map(lambda v: fmt_num(v, 1, lang)),
                context.t("ev_rmse_before"): groups["rmse_before_db"].map(
                    lambda v: fmt_num(v, 1, lang)
                ),
                context.t("ev_rmse_after"): groups["rmse_after_db"].map(
                    lambda v: fmt_num(v, 1, lang)
                ),
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch", key="ev_calibration")


def _challenges(context: Context) -> None:
    st.subheader(context.t("ev_challenges_title"))
    frame = challenges(context.version.store(), role=context.role, period=context.period)
    if context.selected:
        inside = context.within(village_table(context.version))["village_id"].astype(str)
        frame = frame[frame["village_id"].astype(str).isin(set(inside))]
    if not len(frame):
        st.info(context.t("ev_no_challenges"))
        return
    lang = context.lang
    table = pd.DataFrame(
        {
            "ID": frame["challenge_id"].str[:8],
            context.t("c_village_id"): frame["village_id"],
            context.t("c_village"): frame["village"],
            context.t("ev_operator"): frame["operator"].map(operator_name),
            context.t("ev_tech"): frame["tech"],
            context.t("ev_basis"): frame["basis"].map(lambda b: BASIS_LABELS.get(b, b)),
            context.t("ev_status"): frame["status"].map(lambda s: STATUS_LABELS.get(s, s)),
            context.t("ev_status_by"): frame["status_by"],
            context.t("ev_note"): frame["note"].fillna(""),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="ev_challenges")
    open_n = fmt_int(int((frame["status"] == "open").sum()), lang)
    st.caption(context.t("ev_challenges_caption", open=open_n))


def draw(context: Context) -> None:
    """Draw the Evidence page."""
    lang: Literal["vi", "en"] = "vi" if context.lang == "vi" else "en"
    st.header(context.t("page_evidence"))
    st.caption(context.unit_name())
    coverage_result(context.version)  # a store it cannot predict on says why, as other pages do
    _map(context)
    _comparison(context, lang)
    _calibration(context)
    _challenges(context)
