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
    "BASIS_LABELS",
    "EvidenceView",
    "challenge_line",
    "commune_table",
    "evidence_line",
    "gap_basis",
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


#: The basis of a village's 4G status, as the Gaps page and the report name it.
BASIS_LABELS: dict[str, dict[str, str]] = {
    "measured": {"vi": "xác nhận bằng đo kiểm", "en": "confirmed by measurement"},
    "predicted": {"vi": "dự báo", "en": "predicted"},
    "challenge": {"vi": "thách thức đã chấp nhận", "en": "accepted challenge"},
}


def gap_basis(
    villages: pd.DataFrame,
    evidence_rows: pd.DataFrame | None,
    overrides: pd.DataFrame | None,
    tech: str = "4G",
) -> pd.Series:
    """Return what each village's ``mobile_<tech>`` status rests on.

    * ``"challenge"``: a conceded or upheld challenge moved the village to a gap
      (:attr:`coverage.engine.CoverageResult.overrides`, ``changed``);
    * ``"measured"``: measurements with enough evidence agree with the status: a gap
      with a ``confirmed_gap`` row for ``tech`` (measured weak for an operator not
      predicted there) and no ``confirmed_covered`` one; a covered village with a
      ``confirmed_covered`` row;
    * ``"predicted"``: the model's prediction alone.

    Parameters
    ----------
    villages
        Village status (``village_id``, ``mobile_<tech>``).
    evidence_rows
        Village rows of the comparison the reader may see (``village_id``, ``tech``,
        ``evidence_class``), or ``None``.
    overrides
        The result's overrides, or ``None``.
    tech
        The technology.

    Returns
    -------
    pandas.Series
        ``"measured"``, ``"predicted"`` or ``"challenge"``, aligned with ``villages``.

    Examples
    --------
    >>> v = pd.DataFrame({"village_id": ["a", "b", "c"], "mobile_4g": [False, False, True]})
    >>> e = pd.DataFrame({"village_id": ["a", "c"], "tech": ["4G", "4G"],
    ...                   "evidence_class": ["confirmed_gap", "no_evidence"]})
    >>> o = pd.DataFrame({"village_id": ["b"], "changed": [True], "tech": ["4G"]})
    >>> gap_basis(v, e, o).tolist()
    ['measured', 'challenge', 'predicted']
    """
    ids = villages["village_id"].astype(str)
    covered = villages[f"mobile_{tech.lower()}"].astype(bool).to_numpy()
    out = np.full(len(villages), "predicted", dtype=object)
    if evidence_rows is not None and len(evidence_rows):
        rows = evidence_rows[evidence_rows["tech"] == tech]
        classes = rows.groupby(rows["village_id"].astype(str))["evidence_class"].agg(set)
        got = ids.map(classes).to_numpy()
        for i, found in enumerate(got):
            if not isinstance(found, set):
                continue
            agrees = (
                "confirmed_covered" in found
                if covered[i]
                else "confirmed_gap" in found and "confirmed_covered" not in found
            )
            if agrees:
                out[i] = "measured"
    if overrides is not None and len(overrides):
        moved = overrides[overrides["changed"].astype(bool) & (overrides["tech"] == tech)]
        out[ids.isin(set(moved["village_id"].astype(str))).to_numpy()] = "challenge"
    return pd.Series(out, index=villages.index, dtype=object)


def challenge_line(overrides: pd.DataFrame | None, lang: Literal["vi", "en"] = "vi") -> str:
    """Say how many figures come from accepted challenges, or ``""`` when none.

    Examples
    --------
    >>> o = pd.DataFrame({"village_id": ["a", "b"], "changed": [True, False]})
    >>> challenge_line(o, "en").split(";")[1]
    ' 1 villages moved from covered to gap.'
    """
    if overrides is None or not len(overrides):
        return ""
    n = fmt_int(len(overrides), lang)
    changed = overrides["changed"].astype(bool)
    moved = fmt_int(overrides.loc[changed, "village_id"].astype(str).nunique(), lang)
    if lang == "vi":
        return (
            f"Thách thức: {n} đã chấp nhận (nhà mạng chấp nhận hoặc Sở giữ) được tính là vùng "
            f"lõm của nhà mạng đó; {moved} thôn chuyển từ có sóng sang vùng lõm."
        )
    return (
        f"Challenges: {n} accepted (conceded by the operator or upheld by the department) "
        f"count as that operator's gaps; {moved} villages moved from covered to gap."
    )
