"""Cached loaders: the store's versions and periods, its layers, the coverage and the tables.

Every loader takes a :class:`StoreVersion` (the store, the period shown and the store's
version token), so Streamlit's cache answers every rerun until the store changes (an
import through the Data page changes the token, and the app recomputes). The loaders call
:mod:`geodata` and :mod:`coverage`; what they add is names joined onto ids. The map's
layers, built from these, are in :mod:`ui.maplayers`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from coverage.engine import CoverageInputs, CoverageResult, compute_coverage
from coverage.evidence import EvidenceComparison
from coverage.overrides import apply_gap_overrides
from coverage.settings import DEFAULT_SETTINGS, Target
from geodata import Store
from geodata.crs import WORK_CRS
from geodata.schemas import OPERATOR_NAMES
from hatangso.calibration import calibration_names, load_calibration
from hatangso.targets import organisation_for, targets_for

__all__ = [
    "OPERATOR_COLOURS",
    "StoreVersion",
    "calibrations",
    "cluster_table",
    "coverage_inputs",
    "coverage_result",
    "dataset_info",
    "evidence_comparison",
    "measurement_points",
    "operator_name",
    "operators",
    "organisation",
    "period_targets",
    "read_layers",
    "store_periods",
    "store_version",
    "summary_table",
    "units_table",
    "village_table",
]

log = logging.getLogger(__name__)

#: Colours of the operators on the map (fiber lines, site markers, coverage overlays).
OPERATOR_COLOURS: dict[str, str] = {
    "Viettel": "#d7191c",
    "VNPT": "#2c7bb6",
    "MobiFone": "#7b3294",
    "Vietnamobile": "#e08b00",
    "FPT": "#f46d43",
    "SCTV": "#1a9850",
    "CMC": "#4d4d4d",
    "Gtel": "#8c510a",
    "Shared": "#555555",
}


@dataclass(frozen=True)
class StoreVersion:
    """A store, the period shown and the store's version token: the key of every cache.

    Attributes
    ----------
    path
        The store (a ``.gpkg`` file or a ``postgresql://`` URL).
    period
        The period read (``YYYY-MM-DD``); ``None`` only for a store without periods.
    token
        :meth:`geodata.Store.version`: changes with every committed write, so an import
        through the Data page (into any period) makes the app recompute.
    calibration
        The calibration of the path-loss model the figures use (saved in the period by
        ``hatangso calibrate --save NAME``), ``None`` for the uncalibrated model.
    overrides
        The period's accepted challenges (village, operator, technology, challenge id):
        part of the key because a challenge is a small record that does not change
        ``token``, yet it changes the figures (:func:`coverage_result`).
    """

    path: str
    period: str | None
    token: str
    calibration: str | None = None
    overrides: tuple[tuple[str, str, str, str], ...] = ()

    def store(self) -> Store:
        """Return the store bound to this period."""
        return Store(self.path, period=self.period)


def store_periods(path: str) -> list[str]:
    """Return the store's periods, oldest first.

    Raises
    ------
    geodata.StoreError
        When it is missing or not a Hạ tầng số store.
    """
    return Store(path).periods()


def store_version(
    path: str, period: str | None = None, calibration: str | None = None
) -> StoreVersion:
    """Return the key of every cache for ``period`` of the store (default the latest).

    ``calibration`` names the calibration the figures use (``None``: uncalibrated).

    Raises
    ------
    geodata.StoreError
        When it is missing, not a Hạ tầng số store, or does not hold ``period``.
    """
    from hatangso.review.challenges import gap_overrides

    store = Store(path, period=period)
    store.check()
    accepted = gap_overrides(store) if store.period else None
    overrides = (
        ()
        if accepted is None or not len(accepted)
        else tuple(
            (str(r.village_id), str(r.operator), str(r.tech), str(r.challenge_id))
            for r in accepted.itertuples(index=False)
        )
    )
    return StoreVersion(
        path=path,
        period=store.period,
        token=store.version(),
        calibration=calibration,
        overrides=overrides,
    )


@st.cache_data(show_spinner=False)
def calibrations(version: StoreVersion) -> list[str]:
    """Return the names of the calibrations saved in the period."""
    return calibration_names(version.store())


def operator_name(operator: str) -> str:
    """Return an operator's display name (``VNPT`` -> ``VNPT-VinaPhone``)."""
    return OPERATOR_NAMES.get(operator, operator)


# ------------------------------------------------------------------ store and coverage


@st.cache_data(show_spinner=False)
def dataset_info(version: StoreVersion) -> dict[str, Any]:
    """Read the data set's name, period and layers with their provenance."""
    return version.store().info().as_dict()


@st.cache_data(show_spinner=False)
def units_table(version: StoreVersion) -> pd.DataFrame:
    """Return the administrative units without geometry (``unit_id``, ``name``, ``level`` …)."""
    units = version.store().read("admin_units")
    table = pd.DataFrame(units.drop(columns="geometry"))
    table["unit_id"] = table["unit_id"].astype(str)
    table["parent_id"] = table["parent_id"].astype(object).where(table["parent_id"].notna(), None)
    return table


@st.cache_resource(show_spinner=False, max_entries=4)
def read_layers(version: StoreVersion) -> dict[str, gpd.GeoDataFrame]:
    """Read every vector layer in the metric working CRS (shared, never modified)."""
    return version.store().read_all(crs=WORK_CRS)


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage_inputs(version: StoreVersion) -> CoverageInputs:
    """Return the coverage engine's inputs read from the store (shared, never modified)."""
    return CoverageInputs.from_store(version.store(), read_layers(version))


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage_result(version: StoreVersion) -> CoverageResult:
    """Compute the coverage of every village, cluster and priority place (once a version).

    With the version's calibration when it names one (:mod:`hatangso.calibration`), and
    the period's accepted challenges counted as gaps
    (:func:`coverage.overrides.apply_gap_overrides`).
    """
    calibration = (
        load_calibration(version.store(), version.calibration) if version.calibration else None
    )
    result = compute_coverage(
        coverage_inputs(version),
        settings=DEFAULT_SETTINGS,
        calibration=calibration,
        targets=period_targets(version),
    )
    if not version.overrides:
        return result
    columns = ["village_id", "operator", "tech", "challenge_id"]
    return apply_gap_overrides(result, pd.DataFrame(list(version.overrides), columns=columns))


@st.cache_resource(show_spinner=False, max_entries=4)
def evidence_comparison(version: StoreVersion) -> EvidenceComparison | None:
    """Set the period's measurements beside its prediction (every operator; once a version).

    ``None`` when the period holds no measurements. Pages filter it for the role with
    :func:`hatangso.evidence.view_evidence` before showing or counting anything.
    """
    from hatangso.access import Role
    from hatangso.evidence import load_evidence

    store = version.store()
    if not store.has_layer("measurements"):
        return None
    view = load_evidence(
        store, role=Role("department"), result=coverage_result(version), layers=read_layers(version)
    )
    return view.comparison


@st.cache_resource(show_spinner=False, max_entries=2)
def measurement_points(version: StoreVersion) -> gpd.GeoDataFrame | None:
    """Return the period's measurement samples (EPSG:4326; every operator, once a version).

    ``None`` without measurements. Pages filter it for the role with
    :func:`hatangso.access.visible_layers` (an operator: its own samples) before drawing.
    """
    store = version.store()
    if not store.has_layer("measurements"):
        return None
    frame = store.read("measurements")
    keep = [c for c in ("operator", "tech", "rsrp_dbm", "campaign", "measured_at") if c in frame]
    return gpd.GeoDataFrame(frame[keep], geometry=frame.geometry, crs=frame.crs)


@st.cache_data(show_spinner=False)
def period_targets(version: StoreVersion) -> tuple[Target, ...]:
    """Return the targets in force on the period's date (the store's targets table)."""
    return targets_for(version.store(), version.period)


@st.cache_data(show_spinner=False)
def organisation(version: StoreVersion) -> dict[str, str] | None:
    """Return the department's ``name`` and ``short_name`` on the period's date, or ``None``."""
    found = organisation_for(version.store(), version.period)
    return None if found is None else {"name": found.name, "short_name": found.short_name}


# ------------------------------------------------------------------ tables


def _names(units: pd.DataFrame) -> pd.Series:
    return units.set_index("unit_id")["name"]


@st.cache_data(show_spinner=False)
def village_table(version: StoreVersion) -> pd.DataFrame:
    """One row a village: names of its commune and district, and its coverage status."""
    result = coverage_result(version)
    names = _names(units_table(version))
    v = result.villages.copy()
    v["commune"] = v["commune_id"].map(names)
    v["district"] = _district_names(version, v, names, "villages", "village_id")
    v["status"] = _status(v["fiber_reached"], v["mobile_4g"])
    return v


@st.cache_data(show_spinner=False)
def cluster_table(version: StoreVersion) -> pd.DataFrame:
    """One row a residential cluster with its village, commune and district names."""
    result = coverage_result(version)
    names = _names(units_table(version))
    villages = result.villages.set_index(result.villages["village_id"].astype(str))
    c = result.clusters.copy()
    c["village"] = c["village_id"].astype(str).map(villages["name"])
    c["has_electricity"] = c["village_id"].astype(str).map(villages["has_electricity"])
    c["commune"] = c["commune_id"].map(names)
    c["district"] = _district_names(version, c, names, "clusters", "cluster_id")
    return c


def _district_names(
    version: StoreVersion, rows: pd.DataFrame, names: pd.Series, layer: str, id_column: str
) -> pd.Series:
    """Return each row's district name; without districts, the former one (huyện cũ).

    In the 2025 two-tier layout ``district_id`` is the province; people used to the
    districts still find a place by its huyện cũ: the row's feature in ``layer`` placed
    by location in the latest earlier layout that has districts (none: empty).
    """
    if has_districts(version):
        return rows["district_id"].map(names)
    former = former_layout(version)
    features = read_layers(version).get(layer)
    if former is None or features is None or not len(features):
        return pd.Series(None, index=rows.index, dtype=object)
    from coverage.layouts import assign_units

    placed = assign_units(features, former)
    by_id = former.set_index(former["unit_id"].astype(str))
    district = placed["unit_id"].map(by_id["parent_id"]).map(by_id["name"])
    by_feature = pd.Series(district.to_numpy(), index=features[id_column].astype(str).to_numpy())
    return rows[id_column].astype(str).map(by_feature)


@st.cache_resource(show_spinner=False, max_entries=2)
def former_layout(version: StoreVersion) -> gpd.GeoDataFrame | None:
    """Return the latest earlier layout with districts (work CRS), ``None`` when none."""
    store = version.store()
    own = store.layout_of()
    earlier = [
        lay.layout_id for lay in store.layouts() if lay.layout_id < own and "district" in lay.levels
    ]
    return store.read_layout(earlier[-1], crs=WORK_CRS) if earlier else None


def has_districts(version: StoreVersion) -> bool:
    """Return whether the period's layout has districts (before 1 July 2025)."""
    return bool((units_table(version)["level"] == "district").any())


def _status(fiber: pd.Series, mobile: pd.Series) -> pd.Series:
    fiber = fiber.astype(bool)
    mobile = mobile.astype(bool)
    return pd.Series(
        np.select(
            [fiber & mobile, fiber & ~mobile, ~fiber & mobile],
            ["both", "fiber_only", "4g_only"],
            default="none",
        ),
        index=fiber.index,
    )


@st.cache_data(show_spinner=False, max_entries=64)
def summary_table(version: StoreVersion, level: str, operator: str | None) -> pd.DataFrame:
    """Return the indicators per unit of ``level`` (optionally one operator's network)."""
    result = coverage_result(version)
    return result.summary(level, operator=operator)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=16)
def former_district_table(version: StoreVersion, operator: str | None) -> pd.DataFrame:
    """Return the indicators per former district (huyện cũ) of a layout without districts.

    The villages of the period placed by location in the latest earlier layout that has
    districts (:mod:`coverage.layouts`); empty when the period has districts or the store
    holds no such layout.
    """
    from coverage.indicators import operator_view
    from coverage.layouts import summarize_in_layout
    from hatangso.progress import in_store_layout

    former = former_layout(version)
    if has_districts(version) or former is None:
        return pd.DataFrame()
    v, c, p, plain = in_store_layout(coverage_result(version), read_layers(version), former)
    if operator:
        v, c, p = (operator_view(f, operator) for f in (v, c, p))
    return summarize_in_layout(v, c, p, plain, level="district")


@st.cache_data(show_spinner=False)
def operators(version: StoreVersion) -> list[str]:
    """Return the operators with fiber or mobile sites in the store, in a fixed order."""
    layers = read_layers(version)
    found: set[str] = set()
    for name in ("fiber_routes", "fiber_nodes", "mobile_sites"):
        if name in layers and len(layers[name]):
            found |= set(layers[name]["operator"].dropna().astype(str))
    order = list(OPERATOR_COLOURS)
    return sorted(found, key=lambda op: (order.index(op) if op in order else 99, op))
