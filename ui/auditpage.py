"""Nhật ký (Audit): the audit trail, for the department only.

Imports, plan runs, publications, review decisions, comments, exports, account changes,
sign-ins and refusals, newest first (:func:`hatangso.audit.entries`), with filters by
action, actor and date, and a download.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from geodata.export import export_bytes
from hatangso import audit
from hatangso.access import AccessDenied, check_layer_request
from ui.shell import ALL, Context

__all__ = ["audit_table", "draw"]


def audit_table(context: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the audit rows as a readable table (the detail as JSON text)."""
    return pd.DataFrame(
        {
            context.t("au_at"): frame["at"].astype(str),
            context.t("au_actor"): frame["actor"].astype(str),
            context.t("au_action"): frame["action"].astype(str),
            context.t("au_subject"): frame["subject"].fillna("").astype(str),
            context.t("au_detail"): [
                json.dumps(d, ensure_ascii=False, sort_keys=True, default=str)
                for d in frame["detail"]
            ],
        }
    )


def draw(context: Context) -> None:
    """Draw the Audit page (the department's only; any other role is refused)."""
    st.header(context.t("audit_title"))
    try:
        check_layer_request(context.role, "audit")
    except AccessDenied as err:
        context.deny(err)
        return
    store = context.version.store()
    left, middle, right = st.columns(3)
    action = left.selectbox(
        context.t("au_action"),
        options=[ALL, *sorted(audit.ACTIONS)],
        format_func=lambda a: a or context.t("au_all"),
        key="audit_action",
    )
    actor = middle.text_input(context.t("au_actor"), key="audit_actor").strip()
    since = right.date_input(
        context.t("au_since"), value=None, format="DD/MM/YYYY", key="audit_since"
    )
    start = (
        dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if isinstance(since, dt.date) else None
    )
    frame = audit.entries(store, since=start, actor=actor or None, action=action or None)
    st.caption(context.t("au_count", n=len(frame)))
    table = audit_table(context, frame)
    st.dataframe(table, hide_index=True, width="stretch", key="audit_table")
    st.download_button(
        context.t("download_csv"),
        data=export_bytes(table, "csv"),
        file_name="nhat-ky.csv",
        mime="text/csv",
        key="audit_csv",
    )
