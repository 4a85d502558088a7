"""Thẩm định (Review): publishing saved plans, and the operators' decisions on their proposals.

Everything goes through :mod:`hatangso.review`: the department publishes a saved plan;
every role sees the proposals of the open reviews it may see (an operator: its own and
the shared ones) on a map coloured by status and in a table; the operator concerned
accepts, rejects or asks for changes with a reason, and comments. A decision made on a
stale view is refused (``expected_seq``). Comments and reasons are shown as text, never
as HTML: ``st.text`` on the page, :func:`hatangso.review.plain_text` in the map's popups.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata import HatangsoError
from geodata.display import bounds_latlon
from hatangso import review
from hatangso.formatting import fmt_int, fmt_vnd
from ui.maplayers import map_data
from ui.mapview import PROVINCE_CENTRE, add_boundaries
from ui.mapview import _local_assets as local_assets
from ui.shell import Context

__all__ = ["draw", "export_bytes", "review_map", "review_table"]

MAP_HEIGHT = 520


def review_map(context: Context, frame: gpd.GeoDataFrame) -> folium.Map:
    """Return a map of the proposals coloured by status, popups as plain text."""
    fmap = folium.Map(location=PROVINCE_CENTRE, zoom_start=9, tiles=None, prefer_canvas=True)
    local_assets(fmap)
    # where the proposals are: the units under them (the shared layers every role sees)
    add_boundaries(fmap, map_data(context.version, context.lang, context.scope), context.lang)
    for row in frame.itertuples():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        colour = review.STATUS_COLOURS.get(str(row.status), "#808080")
        popup = folium.Popup(
            "<b>"
            + review.plain_text(row.ref)
            + "</b><br>"
            + review.plain_text(context.t(f"rv_status_{row.status}"))
            + "<br>"
            + review.plain_text(row.reason or ""),
            max_width=320,
        )
        tip = review.plain_text(f"{row.ref} · {row.operator}")
        if geom.geom_type == "Point":
            folium.CircleMarker(
                (geom.y, geom.x),
                radius=8,
                color=colour,
                fill=True,
                fill_color=colour,
                fill_opacity=0.8,
                popup=popup,
                tooltip=tip,
            ).add_to(fmap)
        else:
            shape = folium.GeoJson(
                geom.__geo_interface__,
                style_function=lambda _f, c=colour: {"color": c, "weight": 4},
                tooltip=tip,
            )
            popup.add_to(shape)
            shape.add_to(fmap)
    box = bounds_latlon(frame) if len(frame) else None
    if box is not None:
        (south, west), (north, east) = box
        pad = 0.05  # degrees (~5 km): one site alone is shown with its surroundings
        fmap.fit_bounds([[south - pad, west - pad], [north + pad, east + pad]])
    return fmap


def legend(context: Context) -> str:
    """Return the legend of the status colours (HTML built from fixed texts only)."""
    spans = " ".join(
        f"<span style='white-space:nowrap;margin-right:14px'><span style='display:inline-block;"
        f"width:11px;height:11px;border-radius:50%;background:{colour};margin-right:4px'>"
        f"</span>{review.plain_text(context.t('rv_status_' + status))}</span>"
        for status, colour in review.STATUS_COLOURS.items()
    )
    title = review.plain_text(context.t("legend"))
    return f"<div style='font-size:0.9rem'><b>{title}:</b> {spans}</div>"


def review_table(context: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the proposals as a readable table (status, who decided, when, why)."""
    lang = context.lang
    return pd.DataFrame(
        {
            context.t("rv_plan"): frame["plan"].astype(str),
            context.t("rv_ref"): frame["ref"].astype(str),
            context.t("rv_kind"): [context.t(f"rv_kind_{k}") for k in frame["kind"]],
            context.t("p_operator"): frame["operator"].astype(str),
            context.t("c_households"): [fmt_int(v, lang) for v in frame["households"]],
            context.t("total_cost"): [fmt_vnd(v, lang) for v in frame["cost_vnd"]],
            context.t("rv_status"): [context.t(f"rv_status_{s}") for s in frame["status"]],
            context.t("rv_decided_by"): frame["decided_by"].fillna("").astype(str),
            context.t("rv_decided_at"): frame["decided_at"].fillna("").astype(str),
            context.t("rv_reason"): frame["reason"].fillna("").astype(str),
            context.t("rv_comments"): [fmt_int(v, lang) for v in frame["n_comments"]],
        }
    )


def _styled(context: Context, table: pd.DataFrame, statuses: list[str]) -> object:
    colours = [review.STATUS_COLOURS.get(s, "#808080") for s in statuses]
    column = context.t("rv_status")

    def paint(col: pd.Series) -> list[str]:
        if col.name != column:
            return [""] * len(col)
        return [f"background-color: {c}; color: #ffffff; font-weight: 600" for c in colours]

    return table.style.apply(paint, axis=0)


def export_bytes(context: Context, suffix: str) -> bytes:
    """Return the review state of the open reviews as ``.xlsx`` or ``.geojson`` bytes."""
    with tempfile.TemporaryDirectory(prefix="hatangso-review-") as folder:
        path = Path(folder) / f"tham-dinh.{suffix}"
        review.export_review(context.version.store(), None, path, role=context.role)
        return path.read_bytes()


def _publish(context: Context) -> None:
    st.subheader(context.t("rv_publish_title"))
    store = context.version.store()
    names = [n.removeprefix("plan:") for n in store.result_names("plan:")]
    if not names:
        st.caption(context.t("rv_no_plans"))
        return
    left, right = st.columns([2, 1])
    chosen = left.selectbox(context.t("rv_plan"), options=names, key="rv_publish_plan")
    if right.button(context.t("rv_publish_btn"), key="rv_publish", type="primary"):
        try:
            review_id = review.publish(store, str(chosen), actor=context.user, role=context.role)
        except HatangsoError as err:
            st.error(context.t("input_error", reason=err))
        else:
            st.success(context.t("rv_published", plan=chosen, id=review_id[:8]))


def _decide(context: Context, row: pd.Series) -> None:
    pid = str(row["proposal_id"])
    with st.form(f"rv_decide_{pid}"):
        status = st.radio(
            context.t("rv_decision"),
            options=list(review.DECISIONS),
            format_func=lambda s: context.t(f"rv_status_{s}"),
            horizontal=True,
            key=f"rv_status_{pid}",
        )
        reason = st.text_area(context.t("rv_reason"), key=f"rv_reason_{pid}", max_chars=5000)
        submitted = st.form_submit_button(context.t("rv_decide_btn"))
    if submitted:
        try:
            review.decide(
                context.version.store(),
                pid,
                str(status),
                reason=reason or None,
                actor=context.user,
                role=context.role,
                expected_seq=int(row["status_seq"]),
            )
        except HatangsoError as err:
            st.error(context.t("input_error", reason=err))
        else:
            st.success(context.t("rv_decided"))
            st.rerun()


def _comment(context: Context, pid: str) -> None:
    with st.form(f"rv_comment_{pid}", clear_on_submit=True):
        text = st.text_area(context.t("rv_comment"), key=f"rv_comment_text_{pid}", max_chars=20000)
        submitted = st.form_submit_button(context.t("rv_comment_btn"))
    if submitted:
        try:
            review.comment(
                context.version.store(), pid, text, actor=context.user, role=context.role
            )
        except HatangsoError as err:
            st.error(context.t("input_error", reason=err))
        else:
            st.rerun()


def _thread(context: Context, pid: str) -> None:
    events = review.history(context.version.store(), pid, role=context.role)
    for event in events.itertuples():
        what = context.t(f"rv_action_{event.action}")
        if event.status_to and event.action == "decide":
            what += f": {context.t('rv_status_' + str(event.status_to))}"
        st.caption(f"#{event.seq} · {event.at} · {event.actor} ({event.role}) · {what}")
        body = event.reason if event.action == "decide" else event.comment
        if body:
            st.text(str(body))


def _detail(context: Context, frame: gpd.GeoDataFrame) -> None:
    st.subheader(context.t("rv_detail_title"))
    labels = {
        str(r.proposal_id): f"{r.ref} · {r.operator} · {context.t('rv_status_' + str(r.status))}"
        for r in frame.itertuples()
    }
    pid = st.selectbox(
        context.t("rv_proposal"),
        options=list(labels),
        format_func=lambda p: labels.get(p, p),
        key="rv_proposal",
    )
    if pid is None:
        return
    row = frame[frame["proposal_id"] == pid].iloc[0]
    operator = str(row["operator"])
    if context.role.can_decide(operator):
        _decide(context, row)
    if context.role.can_comment(operator):
        _comment(context, str(pid))
    _thread(context, str(pid))


def draw(context: Context) -> None:
    """Draw the Review page."""
    st.header(context.t("review_title"))
    if context.role.can_publish:
        _publish(context)
    frame = review.proposals(context.version.store(), role=context.role)
    if not len(frame):
        st.info(context.t("rv_none"))
        return
    st.markdown(legend(context), unsafe_allow_html=True)
    st_folium(
        review_map(context, frame),
        key="review_map",
        returned_objects=[],
        height=MAP_HEIGHT,
        use_container_width=True,
    )
    table = review_table(context, frame)
    st.dataframe(
        _styled(context, table, [str(s) for s in frame["status"]]),
        hide_index=True,
        width="stretch",
        key="review_table",
    )
    if context.role.kind == "department":
        left, right, _ = st.columns([1, 1, 3])
        left.download_button(
            context.t("download_xlsx"),
            data=export_bytes(context, "xlsx"),
            file_name="tham-dinh.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="review_xlsx",
        )
        right.download_button(
            context.t("download_geojson"),
            data=export_bytes(context, "geojson"),
            file_name="tham-dinh.geojson",
            mime="application/geo+json",
            key="review_geojson",
        )
    _detail(context, frame)
