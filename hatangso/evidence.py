"""Predicted against measured for a store's period, as each role may see it.

:func:`load_evidence` reads a period's layers and evidence, computes (or takes) its
coverage and hands both to :func:`coverage.evidence.compare_evidence`; the rows are then
filtered for the role (:func:`hatangso.access.filter_rows`: an operator sees only its own
operator's rows) **before** the confusion table and the share of villages with evidence
are counted, so an operator's figures come from its own measurements only. The command
line (``hatangso evidence``), the overview and the report read the same
:class:`EvidenceView`; :func:`evidence_line` words the share for them, and says "no
measurement yet" (never 0 %) when no sample was counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from coverage.engine import CoverageInputs, CoverageResult, compute_coverage
from coverage.evidence import (
    CLASS_LABELS,
    CLASSES,
    DEFAULT_EVIDENCE_SETTINGS,
    EvidenceComparison,
    EvidenceSettings,
    compare_evidence,
    confusion_table,
    evidence_share,
)
from geodata.crs import WORK_CRS
from geodata.errors import InputError
from hatangso.access import Role, filter_rows
from hatangso.formatting import fmt_int, fmt_pct

if TYPE_CHECKING:
    import geopandas as gpd

    from geodata.store import Store

__all__ = [
    "EvidenceView",
    "commune_table",
    "evidence_line",
    "labelled_confusion",
    "load_evidence",
    "records",
    "view_evidence",
]

NO_MEASUREMENTS_HINT = (
    "import a drive-test or app log with `hatangso import FILE --layer measurements "
    "--into STORE --as-of YYYY-MM-DD` (docs/EVIDENCE.md)"
)


@dataclass(frozen=True)
class EvidenceView:
    """The comparison of a period, as one role sees it.

    Attributes
    ----------
    comparison
        The whole comparison (every operator); read :attr:`villages` instead on a screen.
    villages
        Village rows the role may see (an operator: its own).
    confusion
        :func:`coverage.evidence.confusion_table` of :attr:`villages`.
    share
        :func:`coverage.evidence.evidence_share` of :attr:`villages`.
    has_measurements
        Whether the period holds a ``measurements`` layer at all.
    clusters, cells
        Cluster and grid-cell rows the role may see.
    """

    comparison: EvidenceComparison
    villages: pd.DataFrame
    confusion: pd.DataFrame
    share: dict[str, Any]
    has_measurements: bool
    clusters: pd.DataFrame
    cells: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Return the view as the JSON of ``hatangso evidence --json``."""
        c = self.comparison
        return {
            "has_measurements": self.has_measurements,
            "window": {"start": c.window_start, "end": c.window_end},
            "samples_in_window": c.samples_in_window,
            "samples_outside_window": c.samples_outside_window,
            "rules": {
                "evidence": {lang: c.settings.rule(lang) for lang in ("vi", "en")},
                "measured_covered": {
                    lang: c.coverage_settings.rule(language=lang) for lang in ("vi", "en")
                },
            },
            "settings": c.settings.as_dict(),
            "classes": {k: dict(v) for k, v in CLASS_LABELS.items()},
            "share": self.share,
            "confusion": records(self.confusion),
        }


def view_evidence(
    comparison: EvidenceComparison,
    role: Role,
    *,
    operator: str | None = None,
    has_measurements: bool = True,
) -> EvidenceView:
    """Filter a comparison for a role (and an operator), then count.

    Parameters
    ----------
    comparison
        From :func:`coverage.evidence.compare_evidence`.
    role
        Who looks: an operator role keeps its own operator's rows only.
    operator
        Keep only this (canonical) operator's rows.
    has_measurements
        Whether the period holds measurements.

    Returns
    -------
    EvidenceView
    """

    def visible(frame: pd.DataFrame) -> pd.DataFrame:
        if "operator" not in frame.columns:
            return frame
        out = filter_rows(role, frame)
        if operator is not None:
            out = out[out["operator"] == operator]
        return out.reset_index(drop=True)

    rows = visible(comparison.villages)
    total = comparison.villages_total
    return EvidenceView(
        comparison=comparison,
        villages=rows,
        confusion=confusion_table(rows, total),
        share=evidence_share(rows, total),
        has_measurements=has_measurements,
        clusters=visible(comparison.clusters),
        cells=visible(comparison.cells),
    )


def _read_optional(store: Store, layer: str) -> gpd.GeoDataFrame | None:
    return store.read(layer, crs=WORK_CRS) if store.has_layer(layer) else None


def load_evidence(  # noqa: PLR0913
    store: Store,
    *,
    role: Role,
    operator: str | None = None,
    result: CoverageResult | None = None,
    layers: dict[str, gpd.GeoDataFrame] | None = None,
    settings: EvidenceSettings = DEFAULT_EVIDENCE_SETTINGS,
) -> EvidenceView:
    """Compare a store period's prediction with its measurements, for a role.

    Parameters
    ----------
    store
        The store, bound to its period.
    role
        Who looks.
    operator
        Only this operator's rows.
    result, layers
        The period's coverage and layers (metric CRS) when the caller has them already;
        else they are read and computed.
    settings
        The evidence rules.

    Returns
    -------
    EvidenceView

    Raises
    ------
    InputError
        No period, or no villages.
    """
    info = store.info()
    if not info.as_of:
        msg = f"{store.location}: holds no period yet; import its layers with --as-of YYYY-MM-DD."
        raise InputError(msg)
    if layers is None:
        layers = store.read_all(crs=WORK_CRS)
    if "villages" not in layers:
        msg = f"{store.location}: has no villages layer in {info.as_of}; import it first."
        raise InputError(msg)
    if result is None:
        result = compute_coverage(CoverageInputs.from_store(store, layers))
    measurements = _read_optional(store, "measurements")
    comparison = compare_evidence(
        layers["villages"],
        result.villages,
        measurements,
        period=info.as_of,
        clusters=layers.get("clusters"),
        cluster_status=result.clusters if "clusters" in layers else None,
        complaints=_read_optional(store, "complaints"),
        settings=settings,
        coverage_settings=result.settings,
    )
    return view_evidence(
        comparison, role, operator=operator, has_measurements=measurements is not None
    )


def commune_table(view: EvidenceView, villages: pd.DataFrame) -> pd.DataFrame:
    """Count the classes per commune, operator and technology.

    Parameters
    ----------
    view
        The role's view.
    villages
        The period's village status (``village_id``, ``commune_id``): every village
        counts, those without a sample as no evidence.

    Returns
    -------
    pandas.DataFrame
        ``commune_id``, ``operator``, ``tech``, ``villages``, one column a class,
        ``with_evidence``, ``with_evidence_pct``.
    """
    rows = view.villages
    columns = ["commune_id", "operator", "tech", "villages", *CLASSES, "with_evidence"]
    if not len(rows):
        return pd.DataFrame({c: [] for c in [*columns, "with_evidence_pct"]})
    per_commune = villages.groupby(villages["commune_id"].astype(str)).size()
    counts = rows.pivot_table(
        index=["commune_id", "operator", "tech"],
        columns="evidence_class",
        values="village_id",
        aggfunc="size",
        fill_value=0,
    ).reindex(columns=list(CLASSES), fill_value=0)
    counts.columns.name = None
    out = counts.astype(np.int64).reset_index()
    out["commune_id"] = out["commune_id"].astype(str)
    out.insert(3, "villages", out["commune_id"].map(per_commune).fillna(0).astype(np.int64))
    measured = out[list(CLASSES[:4])].sum(axis=1)
    out["no_evidence"] = out["villages"] - measured
    out["with_evidence"] = measured
    out["with_evidence_pct"] = (
        100.0 * measured / out["villages"].where(out["villages"] > 0)
    ).round(2)
    return out.sort_values(["commune_id", "operator", "tech"]).reset_index(drop=True)


def labelled_confusion(
    confusion: pd.DataFrame, lang: Literal["vi", "en"] = "vi", *, as_text: bool = True
) -> pd.DataFrame:
    """Return the confusion table with the classes' names as headers, for screens and reports.

    Parameters
    ----------
    confusion
        :func:`coverage.evidence.confusion_table`.
    lang
        ``"vi"`` or ``"en"``.
    as_text
        Counts and the share formatted (screens), or numbers (a workbook: the share in
        percent, one decimal, its header saying so).

    Returns
    -------
    pandas.DataFrame
        Operator, technology, one column a class, the share of villages with evidence.
    """
    vi = lang == "vi"
    out = pd.DataFrame(
        {
            "Nhà mạng" if vi else "Operator": confusion["operator"].astype(str),
            "Công nghệ" if vi else "Technology": confusion["tech"].astype(str),
        }
    )
    share = "Thôn có đo kiểm" if vi else "Villages with evidence"
    for key in CLASSES:
        counts = confusion[key].astype(np.int64)
        out[CLASS_LABELS[key][lang]] = counts.map(lambda v: fmt_int(v, lang)) if as_text else counts
    pct = confusion["with_evidence_pct"].astype(float)
    if as_text:
        out[share] = pct.map(lambda v: fmt_pct(v, lang))
    else:
        out[f"{share} (%)"] = pct.round(1)
    return out


def evidence_line(view: EvidenceView | None, lang: Literal["vi", "en"] = "vi") -> str:
    """Word the share of villages with evidence, or say there is no measurement yet.

    Parameters
    ----------
    view
        The role's view, or ``None`` when the period holds no measurements.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    str

    Examples
    --------
    >>> evidence_line(None)
    'Chưa có số liệu đo kiểm: mọi số liệu vùng phủ là dự báo.'
    """
    if view is None or not view.share["measured"]:
        if lang == "vi":
            return "Chưa có số liệu đo kiểm: mọi số liệu vùng phủ là dự báo."
        return "No measurement yet: every coverage figure is a prediction."
    s = view.share
    rule = view.comparison.settings.rule(lang)
    if lang == "vi":
        return (
            f"{fmt_int(s['with_evidence'], lang)}/{fmt_int(s['villages'], lang)} thôn có đủ số "
            f"liệu đo kiểm ({fmt_pct(s['with_evidence_pct'], lang)}; đủ = {rule})."
        )
    return (
        f"{fmt_int(s['with_evidence'], lang)}/{fmt_int(s['villages'], lang)} villages have "
        f"enough measurements ({fmt_pct(s['with_evidence_pct'], lang)}; enough = {rule})."
    )


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a table as JSON-ready records (numpy scalars as Python, NaN as ``None``)."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            v = value.item() if isinstance(value, np.generic) else value
            if isinstance(v, float) and not np.isfinite(v):
                v = None
            clean[str(key)] = v
        out.append(clean)
    return out
