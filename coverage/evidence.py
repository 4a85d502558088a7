"""Predicted against measured: the evidence of measurements per village, cluster and grid cell.

:func:`compare_evidence` assigns the measurement samples of a period (the ``measurements``
layer, :mod:`geodata.evidence`) to villages, clusters and grid cells, per operator and
technology, aggregates them (samples, distinct drives and devices, median and 10th
percentile RSRP, share of samples at or above the rule's threshold) and sets each
village's and cluster's prediction beside the measurement in one of five classes
(:data:`CLASSES`). :func:`confusion_table` counts the classes per operator and
technology, :func:`evidence_share` the villages with evidence; both work on rows already
filtered for a role, so an operator's figures come from its own rows only.

The rules, each a field of :class:`EvidenceSettings` (defaults and sources:
``docs/EVIDENCE.md``, "Predicted against measured"):

* a sample belongs to a village (or cluster) when it lies inside its polygon, or within
  ``point_radius_m`` of it when the village is a point; to the grid cell of
  ``grid_cell_m`` that contains it; a sample near two point villages counts for both;
* only samples measured in the ``window_months`` before the end of the period's date
  (Asia/Ho_Chi_Minh) count; later samples describe a later network;
* a unit has evidence for an operator and technology when it holds at least
  ``min_samples`` samples from at least ``min_sources`` distinct drives **or** devices;
* it is measured covered when the share of its samples at or above the threshold
  (``CoverageSettings.min_rsrp_dbm``) reaches the location probability
  (``CoverageSettings.location_probability``, 90 %): the measured counterpart of the
  predicted rule; measured weak otherwise.

Everything is vectorised: one bulk STRtree query for the spatial assignment, integer
codes and one sort for the groups, exact percentiles by order statistics (numpy's
``"linear"`` method), so a million samples take seconds (``bench/evidence_bench.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from coverage._checks import check_work_crs
from coverage.evidence_assign import (
    SampleArrays,
    aggregate_samples,
    assign_to_units,
    in_window,
    sample_arrays,
    sample_window,
)
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.errors import InputError
from geodata.settings import from_mapping

__all__ = [
    "CLASSES",
    "CLASS_LABELS",
    "DEFAULT_EVIDENCE_SETTINGS",
    "EvidenceComparison",
    "EvidenceSettings",
    "aggregate_samples",
    "assign_to_units",
    "compare_evidence",
    "confusion_table",
    "evidence_share",
    "sample_window",
]

#: The five classes of a unit, operator and technology, in the order tables show them.
CLASSES = (
    "confirmed_covered",
    "confirmed_gap",
    "predicted_covered_measured_weak",
    "predicted_gap_measured_covered",
    "no_evidence",
)

#: Their names, Vietnamese and English.
CLASS_LABELS: Mapping[str, Mapping[str, str]] = {
    "confirmed_covered": {"vi": "Xác nhận có sóng", "en": "Confirmed covered"},
    "confirmed_gap": {"vi": "Xác nhận vùng lõm", "en": "Confirmed gap"},
    "predicted_covered_measured_weak": {
        "vi": "Dự báo có sóng, đo kiểm yếu",
        "en": "Predicted covered, measured weak",
    },
    "predicted_gap_measured_covered": {
        "vi": "Dự báo lõm, đo kiểm có sóng",
        "en": "Predicted gap, measured covered",
    },
    "no_evidence": {"vi": "Chưa có đo kiểm", "en": "No evidence"},
}

#: Complaints that speak of the mobile signal, and the statuses still open.
SIGNAL_COMPLAINTS = ("no_signal", "weak_signal")
OPEN_STATUSES = ("open", "in_progress")


@dataclass(frozen=True)
class EvidenceSettings:
    """The rules that set measurements beside predictions (``docs/EVIDENCE.md``).

    Attributes
    ----------
    point_radius_m
        A sample belongs to a village or cluster given as a point when it lies within
        this distance of it (a polygon: inside it). 500 m: the reach of the fiber rule
        and about the radius of a thôn's houses around its centre.
    grid_cell_m
        Side of the square grid cells (in the working CRS) the samples are also counted
        in. 1 km, the pixel of the saved coverage rasters.
    window_months
        Only samples measured in this many months before the end of the period's date
        count. 12: the FCC's Broadband Data Collection keeps a speed test valid for one
        year from its date, "to ensure the tests are representative of the current state
        of the provider's network".
    min_samples
        A unit has evidence for an operator and technology with at least this many
        samples in the window. 20: with fewer, the 10th percentile is no longer an order
        statistic between two samples (it needs n ≥ 10 to exist at all, and a single
        outlier moves a share by 5 % at n = 20).
    min_sources
        ... from at least this many distinct drives or devices (either count suffices).
        2: one drive or one phone is one moment and one receiver; the FCC's mobile
        challenge likewise asks for tests at different times, not one session.
    """

    point_radius_m: float = 500.0
    grid_cell_m: float = 1000.0
    window_months: int = 12
    min_samples: int = 20
    min_sources: int = 2

    def __post_init__(self) -> None:
        """Refuse rules that cannot be applied."""
        problems: list[str] = []
        for name in ("point_radius_m", "grid_cell_m"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                problems.append(f"`{name}` must be a distance > 0 m; got {value!r}")
        for name in ("window_months", "min_samples", "min_sources"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(f"`{name}` must be an integer >= 1; got {value!r}")
        if problems:
            raise ValueError("evidence settings: " + "; ".join(problems) + ".")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EvidenceSettings:
        """Build settings from a mapping, refusing unknown names."""
        return from_mapping(cls, values, what="evidence")

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready mapping."""
        return asdict(self)

    def rule(self, language: Literal["vi", "en"] = "vi") -> str:
        """Return the minimum-evidence rule in words.

        Examples
        --------
        >>> EvidenceSettings().rule("en")
        'at least 20 samples from at least 2 drives or devices, in the 12 months before the period'
        """
        if language == "vi":
            return (
                f"ít nhất {self.min_samples} mẫu đo từ ít nhất {self.min_sources} lượt đo "
                f"hoặc thiết bị, trong {self.window_months} tháng trước kỳ số liệu"
            )
        return (
            f"at least {self.min_samples} samples from at least {self.min_sources} drives "
            f"or devices, in the {self.window_months} months before the period"
        )


DEFAULT_EVIDENCE_SETTINGS = EvidenceSettings()


@dataclass(frozen=True)
class EvidenceComparison:
    """Predicted against measured, for one period.

    Attributes
    ----------
    villages
        One row a village × operator × technology measured in the window: ``village_id``,
        ``name``, ``commune_id``, ``district_id``, ``operator``, ``tech``, ``n_samples``,
        ``n_drives``, ``n_devices``, ``median_dbm``, ``p10_dbm``, ``share_above_pct``,
        ``has_evidence``, ``measured_covered`` (``None`` without evidence),
        ``predicted_covered``, ``evidence_class`` (:data:`CLASSES`) and
        ``complaints_open`` (open no-signal and weak-signal complaints at the village
        for that operator or naming none).
    clusters
        The same per cluster (``cluster_id``, ``village_id``), for the technologies the
        engine predicts at clusters (4G, 5G).
    cells
        One row a grid cell × operator × technology with samples: ``cell_id``
        (``"E_N"`` of the cell's south-west corner in km of the working CRS), ``x_m``,
        ``y_m`` (its centre), the aggregates and ``measured_covered``; no prediction.
    villages_total
        The number of villages (with or without samples).
    window_start, window_end
        The samples counted were measured in ``[window_start, window_end)`` (UTC, ISO).
    samples_in_window, samples_outside_window
        How many samples were counted and how many fell outside the window.
    settings, coverage_settings
        The rules used.
    """

    villages: pd.DataFrame
    clusters: pd.DataFrame
    cells: pd.DataFrame
    villages_total: int
    window_start: str
    window_end: str
    samples_in_window: int
    samples_outside_window: int
    settings: EvidenceSettings = field(default_factory=EvidenceSettings)
    coverage_settings: CoverageSettings = field(default_factory=CoverageSettings)

    def confusion(self) -> pd.DataFrame:
        """Return :func:`confusion_table` of :attr:`villages`."""
        return confusion_table(self.villages, self.villages_total)


def _unit_rows(  # noqa: PLR0913
    units: pd.DataFrame,
    id_cols: Sequence[str],
    pairs: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
    samples: SampleArrays,
    techs: Sequence[str],
    settings: EvidenceSettings,
    coverage_settings: CoverageSettings,
) -> pd.DataFrame:
    """One row a unit × (operator, tech) measured: aggregates, prediction and class."""
    s_idx, u_idx = pairs
    combos = samples.combos(techs)
    n_combo = len(combos)
    base = units[list(id_cols)].reset_index(drop=True)
    rows = pd.DataFrame(
        {
            "_unit": np.repeat(np.arange(len(base)), n_combo),
            "_combo": np.tile(np.arange(n_combo), len(base)),
        }
    )
    for col in id_cols:
        rows[col] = np.repeat(base[col].to_numpy(), n_combo)
    rows["operator"] = [combos[i][0] for i in rows["_combo"]] if len(rows) else []
    rows["tech"] = [combos[i][1] for i in rows["_combo"]] if len(rows) else []
    combo_of_sample = samples.combo_index(combos)
    keep = combo_of_sample[s_idx] >= 0
    s_idx = s_idx[keep]
    u_idx = u_idx[keep]
    group = u_idx.astype(np.int64) * max(n_combo, 1) + combo_of_sample[s_idx]
    agg = aggregate_samples(
        group,
        samples.rsrp[s_idx],
        samples.threshold[s_idx],
        samples.drive[s_idx],
        samples.device[s_idx],
    )
    key = rows["_unit"].to_numpy(np.int64) * max(n_combo, 1) + rows["_combo"].to_numpy(np.int64)
    found = agg.reindex(key)
    for col in agg.columns:
        rows[col] = found[col].to_numpy()
    for col in ("n_samples", "n_drives", "n_devices"):
        rows[col] = rows[col].fillna(0).astype(np.int64)
    sources = np.maximum(rows["n_drives"].to_numpy(), rows["n_devices"].to_numpy())
    has = (rows["n_samples"].to_numpy() >= settings.min_samples) & (sources >= settings.min_sources)
    rows["has_evidence"] = has
    covered = (
        rows["share_above_pct"].to_numpy(float)
        >= 100.0 * (coverage_settings.location_probability) - 1e-9
    )
    measured: list[bool | None] = [
        bool(c) if h else None for h, c in zip(has, covered, strict=True)
    ]
    rows["measured_covered"] = pd.Series(measured, index=rows.index, dtype="object")
    predicted = np.zeros(len(rows), dtype=bool)
    for tech in techs:
        col = f"operators_{tech.lower()}"
        if col not in units.columns:
            continue
        lists = [{x.strip() for x in s.split(",")} for s in units[col].fillna("").astype(str)]
        at = (rows["tech"] == tech).to_numpy()
        unit_at = rows["_unit"].to_numpy()[at]
        ops = rows["operator"].to_numpy()[at]
        predicted[at] = [op in lists[u] for u, op in zip(unit_at, ops, strict=True)]
    rows["predicted_covered"] = predicted
    rows["evidence_class"] = np.select(
        [~has, predicted & covered, ~predicted & ~covered, predicted & ~covered],
        ["no_evidence", "confirmed_covered", "confirmed_gap", "predicted_covered_measured_weak"],
        default="predicted_gap_measured_covered",
    )
    return rows.drop(columns=["_unit", "_combo"])


def _cell_rows(
    samples: SampleArrays,
    techs: Sequence[str],
    settings: EvidenceSettings,
    coverage_settings: CoverageSettings,
) -> pd.DataFrame:
    cell_m = settings.grid_cell_m
    combos = samples.combos(techs)
    combo = samples.combo_index(combos)
    keep = combo >= 0
    ix = np.floor(samples.xy[keep, 0] / cell_m).astype(np.int64)
    iy = np.floor(samples.xy[keep, 1] / cell_m).astype(np.int64)
    # One int64 key a cell (offsets keep both parts >= 0 in a 2**31 range).
    x_min = ix.min() if len(ix) else 0
    y_min = iy.min() if len(iy) else 0
    span = np.int64(1) << 31
    keys, cell_code = np.unique((ix - x_min) * span + (iy - y_min), return_inverse=True)
    cells = np.column_stack([keys // span + x_min, keys % span + y_min])
    cell_code = np.asarray(cell_code, dtype=np.int64).ravel()
    n_combo = max(len(combos), 1)
    group = cell_code * n_combo + combo[keep]
    agg = aggregate_samples(
        group,
        samples.rsrp[keep],
        samples.threshold[keep],
        samples.drive[keep],
        samples.device[keep],
    )
    codes = agg.index.to_numpy(np.int64)
    cell = cells[codes // n_combo] if len(codes) else np.empty((0, 2), dtype=np.int64)
    out = pd.DataFrame(
        {
            "cell_id": pd.Series((cell[:, 0] * cell_m).astype(np.int64)).astype(str)
            + "_"
            + pd.Series((cell[:, 1] * cell_m).astype(np.int64)).astype(str),
            "x_m": (cell[:, 0] + 0.5) * cell_m,
            "y_m": (cell[:, 1] + 0.5) * cell_m,
            "operator": [combos[i][0] for i in codes % n_combo],
            "tech": [combos[i][1] for i in codes % n_combo],
        }
    )
    for col in agg.columns:
        out[col] = agg[col].to_numpy()
    has = (out["n_samples"] >= settings.min_samples) & (
        np.maximum(out["n_drives"], out["n_devices"]) >= settings.min_sources
    )
    covered = out["share_above_pct"] >= 100.0 * coverage_settings.location_probability - 1e-9
    out["has_evidence"] = has.to_numpy(dtype=bool)
    out["measured_covered"] = pd.Series(
        [bool(c) if h else None for h, c in zip(has, covered, strict=True)],
        index=out.index,
        dtype="object",
    )
    return out


def _complaints_at(
    rows: pd.DataFrame,
    complaints: gpd.GeoDataFrame | None,
    villages: gpd.GeoDataFrame,
    radius_m: float,
) -> npt.NDArray[np.int64]:
    """Open signal complaints at each row's village, for its operator or naming none."""
    out = np.zeros(len(rows), dtype=np.int64)
    if complaints is None or not len(complaints) or not len(rows):
        return out
    kind = complaints["kind"].astype(str).isin(SIGNAL_COMPLAINTS)
    status = complaints.get("status", pd.Series("open", index=complaints.index))
    chosen = complaints.loc[kind & status.fillna("open").astype(str).isin(OPEN_STATUSES)]
    if not len(chosen):
        return out
    vid = (
        chosen["village_id"].astype("string")
        if "village_id" in chosen
        else pd.Series(pd.NA, index=chosen.index, dtype="string")
    )
    ids = villages["village_id"].astype(str).to_numpy()
    placed = vid.notna().to_numpy() & (vid.fillna("") != "").to_numpy()
    loose = chosen.loc[~placed]
    village_of = list(zip(vid[placed].astype(str), chosen.loc[placed].index, strict=True))
    if len(loose):
        s, u = assign_to_units(
            shapely.get_coordinates(loose.geometry.to_numpy()), villages, radius_m=radius_m
        )
        village_of += [(ids[ui], loose.index[si]) for si, ui in zip(s, u, strict=True)]
    if not village_of:
        return out
    ops = (
        chosen["operator"].astype("string").fillna("")
        if "operator" in chosen
        else pd.Series("", index=chosen.index)
    )
    table = pd.DataFrame(
        {"village_id": [v for v, _ in village_of], "op": [ops[i] for _, i in village_of]}
    )
    counts = table.groupby(["village_id", "op"]).size()
    general = counts.xs("", level="op") if "" in counts.index.get_level_values("op") else None
    keys = list(zip(rows["village_id"].astype(str), rows["operator"].astype(str), strict=True))
    own = counts.reindex(keys).fillna(0).to_numpy(dtype=np.int64)
    out += own
    if general is not None:
        out += general.reindex(rows["village_id"].astype(str)).fillna(0).to_numpy(dtype=np.int64)
    return out


def compare_evidence(  # noqa: PLR0913
    villages: gpd.GeoDataFrame,
    village_status: pd.DataFrame,
    measurements: gpd.GeoDataFrame | None,
    *,
    period: str | dt.date,
    clusters: gpd.GeoDataFrame | None = None,
    cluster_status: pd.DataFrame | None = None,
    complaints: gpd.GeoDataFrame | None = None,
    settings: EvidenceSettings = DEFAULT_EVIDENCE_SETTINGS,
    coverage_settings: CoverageSettings = DEFAULT_SETTINGS,
) -> EvidenceComparison:
    """Set the measurements of a period beside its prediction.

    Parameters
    ----------
    villages
        The villages layer, in the metric working CRS (its rows in the order of
        ``village_status``, as :func:`coverage.engine.compute_coverage` returns them).
    village_status
        :attr:`coverage.engine.CoverageResult.villages` (``village_id``, ``name``,
        ``commune_id``, ``district_id``, ``operators_2g`` … ``operators_5g``).
    measurements
        The ``measurements`` layer in the same CRS, or ``None``.
    period
        The period's date; the window ends with it (:func:`sample_window`).
    clusters, cluster_status
        The clusters layer and :attr:`CoverageResult.clusters` (same order), optional.
    complaints
        The ``complaints`` layer in the same CRS, optional.
    settings, coverage_settings
        The evidence rules and the coverage rules (threshold, location probability).

    Returns
    -------
    EvidenceComparison

    Raises
    ------
    InputError
        A layer in another CRS, villages and their status of different lengths, or a
        technology without a threshold.
    """
    check_work_crs(villages, "villages")
    if len(villages) != len(village_status):
        msg = (
            f"villages: {len(villages)} features but {len(village_status)} status rows; "
            "pass the layer the coverage was computed on."
        )
        raise InputError(msg)
    start, end = sample_window(period, settings.window_months)
    if measurements is None:
        measurements = gpd.GeoDataFrame(
            {"measured_at": [], "operator": [], "tech": [], "rsrp_dbm": []},
            geometry=gpd.GeoSeries([], crs=villages.crs),
        )
    else:
        check_work_crs(measurements, "measurements")
    inside = in_window(measurements, start, end)
    chosen = measurements.loc[inside]
    samples = sample_arrays(chosen, coverage_settings)
    techs = tuple(coverage_settings.min_rsrp_dbm)
    status = village_status.reset_index(drop=True).copy()
    for col in ("name", "commune_id", "district_id"):
        if col not in status:
            status[col] = None
    status["village_id"] = status["village_id"].astype(str)
    v_rows = _unit_rows(
        status,
        ("village_id", "name", "commune_id", "district_id"),
        assign_to_units(samples.xy, villages, radius_m=settings.point_radius_m),
        samples,
        techs,
        settings,
        coverage_settings,
    )
    v_rows["complaints_open"] = _complaints_at(
        v_rows,
        complaints,
        villages.assign(village_id=status["village_id"].to_numpy()),
        settings.point_radius_m,
    )
    if clusters is not None and cluster_status is not None and len(clusters):
        check_work_crs(clusters, "clusters")
        c_status = cluster_status.reset_index(drop=True)
        c_techs = tuple(t for t in techs if f"operators_{t.lower()}" in c_status)
        c_rows = _unit_rows(
            c_status,
            ("cluster_id", "village_id"),
            assign_to_units(samples.xy, clusters, radius_m=settings.point_radius_m),
            samples,
            c_techs,
            settings,
            coverage_settings,
        )
    else:
        c_rows = pd.DataFrame(columns=["cluster_id", "village_id", "operator", "tech"])
    return EvidenceComparison(
        villages=v_rows,
        clusters=c_rows,
        cells=_cell_rows(samples, techs, settings, coverage_settings),
        villages_total=len(villages),
        window_start=start.isoformat(),
        window_end=end.isoformat(),
        samples_in_window=int(inside.sum()),
        samples_outside_window=int(len(inside) - inside.sum()),
        settings=settings,
        coverage_settings=coverage_settings,
    )


def confusion_table(rows: pd.DataFrame, villages_total: int) -> pd.DataFrame:
    """Count the classes per operator and technology.

    Parameters
    ----------
    rows
        Village rows of :class:`EvidenceComparison` (possibly filtered for a role).
    villages_total
        All villages of the period (those without any sample count as no evidence).

    Returns
    -------
    pandas.DataFrame
        One row an (operator, tech) present in ``rows``: ``villages``, one column a class
        of :data:`CLASSES` (``no_evidence`` includes villages without a single sample),
        ``with_evidence`` and ``with_evidence_pct``.
    """
    columns = ["operator", "tech", "villages", *CLASSES, "with_evidence", "with_evidence_pct"]
    if not len(rows):
        return pd.DataFrame({c: [] for c in columns})
    counts = rows.pivot_table(
        index=["operator", "tech"],
        columns="evidence_class",
        values="village_id",
        aggfunc="size",
        fill_value=0,
    ).reindex(columns=list(CLASSES), fill_value=0)
    counts.columns.name = None
    counts = counts.astype(np.int64)
    out = counts.reset_index()
    out.insert(2, "villages", villages_total)
    measured = out[list(CLASSES[:4])].sum(axis=1)
    out["no_evidence"] = villages_total - measured
    out["with_evidence"] = measured
    out["with_evidence_pct"] = 100.0 * measured / villages_total if villages_total else np.nan
    return out[columns].sort_values(["operator", "tech"]).reset_index(drop=True)


def evidence_share(rows: pd.DataFrame, villages_total: int) -> dict[str, Any]:
    """Return how many villages have evidence for at least one operator and technology.

    Parameters
    ----------
    rows
        Village rows of :class:`EvidenceComparison` (possibly filtered for a role).
    villages_total
        All villages of the period.

    Returns
    -------
    dict
        ``villages``, ``with_evidence``, ``with_evidence_pct`` (``None`` with no
        villages) and ``measured`` (whether any sample was counted at all: without one,
        say "no measurement yet", never 0 %).
    """
    count = 0
    if len(rows):
        count = int(rows.loc[rows["has_evidence"].astype(bool), "village_id"].astype(str).nunique())
    return {
        "villages": villages_total,
        "with_evidence": count,
        "with_evidence_pct": 100.0 * count / villages_total if villages_total else None,
        "measured": bool(len(rows)) and int(rows["n_samples"].sum()) > 0,
    }
