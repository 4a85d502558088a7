"""The Progress page's cached loaders across the store's periods: trends, changes, plans, report.

Coverage is computed once a period and store version (:func:`coverage_payload`, which
reuses a ``coverage`` result saved in the store with the default rules, as
:func:`hatangso.progress.coverage_payloads` does, and otherwise the payload of
:func:`ui.data.coverage_result` of that period, the result the other pages show) and kept
in memory: the app never writes results into the store, which a viewer may not be allowed
to change. The trends, changes and projection are :mod:`coverage.trends` and
:mod:`coverage.changes` (pure) on those payloads and on the periods' cached layers; the
plans' effects are :func:`hatangso.progress.plan_effects`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

import pandas as pd
import streamlit as st

from coverage.changes import period_changes
from coverage.trends import (
    INDICATORS,
    indicator_series,
    projection,
    village_status,
)
from geodata import Store
from hatangso import progress
from hatangso.progress import saved_payload
from hatangso.report import build_report, report_bytes
from ui.data import StoreVersion, coverage_result, dataset_info, read_layers

__all__ = [
    "INDICATORS",
    "ChangeLists",
    "at_period",
    "coverage_payload",
    "layout_ids",
    "layout_of",
    "layout_trend_series",
    "period_changes_of",
    "plan_effects",
    "projection_table",
    "report_files",
    "store_periods_of",
    "trend_series",
]

log = logging.getLogger(__name__)


def at_period(version: StoreVersion, period: str | None) -> StoreVersion:
    """Return the same store and version token for another period."""
    return replace(version, period=period)


@st.cache_data(show_spinner=False)
def store_periods_of(version: StoreVersion) -> list[str]:
    """Return the periods of the store, oldest first (cached per version token)."""
    return Store(version.path).periods()


@st.cache_resource(show_spinner=False, max_entries=16)
def coverage_payload(version: StoreVersion) -> dict[str, Any]:
    """Return one period's coverage (the form of ``hatangso coverage --json``), once.

    Shared between sessions and never modified.
    """
    saved = saved_payload(version.store())
    if saved is not None:
        return saved
    name = dataset_info(version)["name"]
    return {"as_of": version.period, "dataset": name, **coverage_result(version).to_dict()}


def _payloads(version: StoreVersion) -> dict[str, dict[str, Any]]:
    return {p: coverage_payload(at_period(version, p)) for p in store_periods_of(version)}


@st.cache_data(show_spinner=False, max_entries=8)
def _series(path: str, token: str) -> pd.DataFrame:
    version = StoreVersion(path=path, period=None, token=token)
    return indicator_series(_payloads(version))


def trend_series(version: StoreVersion, level: str) -> pd.DataFrame:
    """Return every indicator of every period for ``level`` (``province`` or ``district``).

    The columns of :func:`coverage.trends.indicator_series`; the same whichever period is
    shown (it covers them all).
    """
    series = _series(version.path, version.token)
    return series[series["level"] == level].reset_index(drop=True)


@st.cache_data(show_spinner=False)
def layout_ids(version: StoreVersion) -> list[str]:
    """Return the store's administrative layouts (their dates, :mod:`geodata.layouts`)."""
    return Store(version.path).layout_ids()


@st.cache_data(show_spinner=False)
def layout_of(version: StoreVersion) -> str:
    """Return the layout of the period shown."""
    return Store(version.path, period=version.period).layout_of()


@st.cache_data(show_spinner=False, max_entries=4)
def _layout_series(path: str, token: str, layout: str) -> pd.DataFrame:
    del token  # the cache key: a new version recomputes
    return progress.layout_series(Store(path), layout, None)


def layout_trend_series(version: StoreVersion, layout: str, level: str) -> pd.DataFrame:
    """Return every indicator of every period in ``layout`` for ``level``.

    ``level``: ``province``, ``district``, ``commune`` or ``former_district``; the periods
    in another layout re-expressed by location (:func:`hatangso.progress.layout_series`).
    """
    series = _layout_series(version.path, version.token, layout)
    return series[series["level"] == level].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=8)
def projection_table(version: StoreVersion) -> pd.DataFrame:
    """Return the province's projection at the pace up to the period shown.

    The columns of :func:`coverage.trends.projection` (``latest_pct``, ``target_pct``,
    ``pace_pp_per_year``, ``projected_date``, ``status`` …).
    """
    series = _series(version.path, version.token)
    as_of = version.period or max(series["period"], default=None)
    if as_of is None:
        return pd.DataFrame()
    return projection(series, as_of=as_of, level="province")


@dataclass(frozen=True)
class ChangeLists:
    """The lists behind the changes: villages newly on fiber and 4G, sites changed.

    Attributes
    ----------
    fiber, mobile
        Villages newly reached by fiber / by 4G (``village_id``, ``name``, ``commune``,
        ``district``, ``commune_id``, ``district_id``, ``households``).
    upgraded
        Sites kept that gained 5G (``site_id``, ``operator``, ``tech_before``,
        ``tech_after``).
    added, removed
        Sites added / removed (``site_id``, ``operator``, ``tech``, ``height_m``).
    """

    fiber: pd.DataFrame
    mobile: pd.DataFrame
    upgraded: pd.DataFrame
    added: pd.DataFrame
    removed: pd.DataFrame

    def within(self, keep: Callable[[pd.DataFrame], pd.DataFrame]) -> ChangeLists:
        """Return the lists filtered by ``keep`` (e.g. the sidebar's area)."""
        return ChangeLists(*(keep(getattr(self, f.name)) for f in fields(self)))


def _village_status(version: StoreVersion) -> pd.DataFrame:
    layers = read_layers(version)
    if "villages" not in layers:
        return coverage_result(version).villages  # says what the store lacks
    return village_status(layers["villages"], coverage_payload(version))


@st.cache_data(show_spinner=False, max_entries=8)
def period_changes_of(
    version: StoreVersion, start: str, end: str
) -> tuple[pd.DataFrame, ChangeLists]:
    """Return what changed from period ``start`` to ``end``: per operator, and the lists.

    Returns
    -------
    tuple of pandas.DataFrame and ChangeLists
        :meth:`coverage.changes.PeriodChanges.summary` and the lists.
    """
    before, after = at_period(version, start), at_period(version, end)
    changes = period_changes(
        read_layers(before),
        read_layers(after),
        _village_status(before),
        _village_status(after),
        before_period=start,
        after_period=end,
    )
    changed = changes.sites_changed
    gained_5g = changed["techs_added"].map(lambda s: "5G" in str(s).split(",")).astype(bool)
    upgraded = changed.loc[gained_5g]  # .loc: an empty object mask would select columns

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).reset_index(drop=True)

    return changes.summary(), ChangeLists(
        fiber=plain(changes.fiber_gained),
        mobile=plain(changes.mobile_4g_gained),
        upgraded=plain(upgraded),
        added=plain(changes.sites_added),
        removed=plain(changes.sites_removed),
    )


@st.cache_data(show_spinner=False, max_entries=8)
def plan_effects(version: StoreVersion) -> pd.DataFrame:
    """Return what each plan saved in the period shown would change.

    The columns of :func:`coverage.trends.plan_effect` (``plan``, ``kind``,
    ``indicator``, ``before_pct``, ``after_pct``, ``cost_vnd``, ``households_gained`` …),
    from :func:`hatangso.progress.plan_effects`.
    """
    return progress.plan_effects(version.store())


@st.cache_data(show_spinner=False, max_entries=4)
def report_files(version: StoreVersion) -> dict[str, bytes]:
    """Return the leadership's report of the period shown: ``{"pdf": …, "xlsx": …}``.

    Raises
    ------
    geodata.InputError
        When the report cannot be made from the store (its message says why).
    """
    data = build_report(version.path, period=version.period)
    out = {fmt: report_bytes(data, fmt) for fmt in ("pdf", "xlsx")}
    log.info("report of %s made (%s)", version.period, ", ".join(out))
    return out
