"""Vùng lõm (Gaps): villages and clusters without fiber or without 4G, searchable, downloadable."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from coverage.villages import SHARE_BASES
from geodata.export import export_bytes
from geodata.text import contains_folded
from hatangso.access import filter_rows
from hatangso.evidence import BASIS_LABELS, gap_basis, view_evidence
from hatangso.formatting import fmt_dist, fmt_int, fmt_pct
from ui.data import (
    cluster_table,
    coverage_result,
    evidence_comparison,
    has_districts,
    operator_name,
    village_table,
)
from ui.shell import Context

__all__ = ["GAP_KINDS", "draw", "filter_gaps"]

#: Which gap to list.
GAP_KINDS = ("any", "fiber", "4g", "both")
POWER_CHOICES = ("all", "without", "with")
#: Columns of site-level figures (:func:`hatangso.access.is_site_figure`), by label key.
_SITE_FIGURES = ("c_fiber_m", "c_site_m")


def filter_gaps(
    table: pd.DataFrame,
    *,
    kind: str = "any",
    power: str = "all",
    search: str = "",
    columns: tuple[str, ...] = ("name", "commune", "district"),
) -> pd.DataFrame:
    """Keep the rows missing ``kind`` of coverage, with the power state and matching ``search``.

    Parameters
    ----------
    table
        Village or cluster status with ``fiber_reached``, ``mobile_4g``, ``has_electricity``.
    kind
        ``"any"`` (fiber or 4G missing), ``"fiber"``, ``"4g"`` or ``"both"``.
    power
        ``"all"``, ``"without"`` or ``"with"`` grid power.
    search
        Text looked for in ``columns``, ignoring case and diacritics.
    columns
        Columns searched.

    Returns
    -------
    pandas.DataFrame
        The matching rows, most households first.
    """
    no_fiber = ~table["fiber_reached"].astype(bool)
    no_4g = ~table["mobile_4g"].astype(bool)
    keep = {"any": no_fiber | no_4g, "fiber": no_fiber, "4g": no_4g, "both": no_fiber & no_4g}[kind]
    if power != "all" and "has_electricity" in table:
        powered = table["has_electricity"].fillna(value=True).astype(bool)
        keep &= ~powered if power == "without" else powered
    out = table[keep]
    if search.strip():
        searched = [c for c in columns if c in out]
        hits = (
            out[searched]
            .astype(str)
            .apply(lambda row: any(contains_folded(value, search) for value in row), axis=1)
        )
        out = out[hits.to_numpy(dtype=bool)] if len(out) else out
    return out.sort_values("households", ascending=False)


def _district_label(context: Context) -> str:
    """Return the district column's title: "Huyện cũ" in a layout without districts."""
    return context.t("c_district" if has_districts(context.version) else "c_former_district")


def _yes_no(context: Context, series: pd.Series) -> pd.Series:
    return series.map(lambda v: context.t("yes") if bool(v) else context.t("no"))


def _village_export(context: Context, table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            context.t("c_village_id"): table["village_id"],
            context.t("c_village"): table["name"],
            context.t("c_commune"): table["commune"],
            _district_label(context): table["district"],
            context.t("c_households"): table["households"],
            context.t("c_fiber"): _yes_no(context, table["fiber_reached"]),
            context.t("c_4g"): _yes_no(context, table["mobile_4g"]),
            context.t("c_4g_share"): _column(table, "share_4g_pct").round(1),
            context.t("c_share_basis"): _column(table, "share_basis").map(
                lambda b: context.t(f"basis_{b}") if b in SHARE_BASES else ""
            ),
            context.t("c_fiber_m"): table["fiber_distance_m"].round(0),
            context.t("c_site_m"): table["nearest_4g_site_m"].round(0),
            context.t("c_power"): _yes_no(context, table["has_electricity"]),
            context.t("c_operators"): table["operators_4g"]
            .fillna("")
            .map(lambda s: ", ".join(operator_name(o) for o in str(s).split(",") if o)),
            context.t("c_basis"): _column(table, "basis").map(
                lambda b: BASIS_LABELS[b][context.lang] if b in BASIS_LABELS else ""
            ),
        }
    )


def _basis(context: Context, villages: pd.DataFrame) -> pd.Series:
    """Return what each village's 4G status rests on (the measurements the role may see)."""
    comparison = evidence_comparison(context.version)
    rows = None if comparison is None else view_evidence(comparison, context.role).villages
    overrides = coverage_result(context.version).overrides
    if overrides is not None and not context.role.sees_all_operators:
        overrides = overrides[overrides["operator"] == context.role.operator]
    if not len(villages):
        return pd.Series([], index=villages.index, dtype=object)
    return gap_basis(villages, rows, overrides)


def _column(table: pd.DataFrame, name: str) -> pd.Series:
    """Return a column, missing values for a result saved before it existed."""
    return table[name] if name in table else pd.Series(np.nan, index=table.index)


def _cluster_export(context: Context, table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            context.t("c_cluster_id"): table["cluster_id"],
            context.t("c_village"): table["village"],
            context.t("c_commune"): table["commune"],
            _district_label(context): table["district"],
            context.t("c_households"): table["households"],
            context.t("c_fiber"): _yes_no(context, table["fiber_reached"]),
            context.t("c_4g"): _yes_no(context, table["mobile_4g"]),
            context.t("c_fiber_m"): table["fiber_distance_m"].round(0),
            context.t("c_power"): _yes_no(context, table["has_electricity"]),
        }
    )


def _shown(context: Context, export: pd.DataFrame) -> pd.DataFrame:
    """Return the export table with numbers written the reader's way."""
    lang = context.lang
    shown = export.copy()
    shown[context.t("c_households")] = shown[context.t("c_households")].map(
        lambda v: fmt_int(v, lang)
    )
    for key in ("c_fiber_m", "c_site_m"):
        name = context.t(key)
        if name in shown:
            shown[name] = shown[name].map(lambda v: fmt_dist(v, lang))
    share = context.t("c_4g_share")
    if share in shown:
        shown[share] = shown[share].map(lambda v: fmt_pct(None if pd.isna(v) else v, lang))
    return shown


def _downloads(context: Context, export: pd.DataFrame, stem: str) -> None:
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        context.t("download_csv"),
        data=export_bytes(export, "csv"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{stem}_csv",
    )
    right.download_button(
        context.t("download_xlsx"),
        data=export_bytes(export, "xlsx", sheet_name=stem),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{stem}_xlsx",
    )


def draw(context: Context) -> None:
    """Draw the Gaps page."""
    st.header(context.t("gaps_title"))
    st.caption(context.unit_name())
    left, middle, right = st.columns([2, 2, 3])
    kind = left.radio(
        context.t("gap_kind"),
        options=list(GAP_KINDS),
        format_func=lambda k: context.t(f"gap_{k}"),
        horizontal=True,
        key="gaps_kind",
    )
    power = middle.radio(
        context.t("power_filter"),
        options=list(POWER_CHOICES),
        format_func=lambda k: context.t(f"power_{k}"),
        horizontal=True,
        key="gaps_power",
    )
    search = right.text_input(context.t("search"), key="gaps_search", help=context.t("search_help"))
    villages = context.within(filter_rows(context.role, village_table(context.version)))
    villages = villages.assign(basis=_basis(context, villages))
    clusters = context.within(filter_rows(context.role, cluster_table(context.version)))
    if not len(villages):
        st.info(context.t("empty_selection"))
        return
    tab_villages, tab_clusters = st.tabs([context.t("gaps_villages"), context.t("gaps_clusters")])
    filters = {"kind": str(kind), "power": str(power), "search": search}
    with tab_villages:
        _gap_tab(
            context,
            villages,
            filters,
            columns=("name", "commune", "district", "village_id"),
            count_key="gaps_count",
            export=_village_export,
            key="gaps_v",
            filename="vung_lom_thon",
        )
    with tab_clusters:
        _gap_tab(
            context,
            clusters,
            filters,
            columns=("village", "commune", "district", "cluster_id"),
            count_key="gaps_clusters_count",
            export=_cluster_export,
            key="gaps_c",
            filename="vung_lom_cum",
        )


def _gap_tab(  # noqa: PLR0913 - one tab's table, keyword-only options
    context: Context,
    frame: pd.DataFrame,
    filters: dict[str, str],
    *,
    columns: tuple[str, ...],
    count_key: str,
    export: Callable[[Context, pd.DataFrame], pd.DataFrame],
    key: str,
    filename: str,
) -> None:
    """Draw one gaps tab: the filtered rows, their count and households, downloads."""
    rows = filter_gaps(frame, columns=columns, **filters)
    if not len(rows):
        st.info(context.t("gaps_none"))
        return
    n = fmt_int(len(rows), context.lang)
    hh = fmt_int(rows["households"].sum(), context.lang)
    st.markdown(context.t(count_key, n=n, hh=hh))
    table = export(context, rows)
    if not context.role.sees_all_operators:  # blanked by filter_rows: left out, not empty
        table = table.drop(columns=[context.t(k) for k in _SITE_FIGURES], errors="ignore")
    st.dataframe(_shown(context, table), hide_index=True, width="stretch", key=key)
    _downloads(context, table, filename)
