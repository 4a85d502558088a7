"""Which villages a challenge is opened for: measured weak, or backed by complaints.

:func:`challenge_candidates` takes the comparison's village rows (class
``predicted_covered_measured_weak``) and the open ``no_signal`` complaints placed in their
villages (:func:`complaint_villages`): a complaint naming an operator counts for that
operator, one naming none for every operator predicted to cover the village with 4G; a
complaint about an operator not predicted there is not a challenge (the map already says
gap). Used by :func:`hatangso.review.challenges.open_challenges`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from coverage.evidence_assign import assign_to_units
from hatangso.access import canonical_operator

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["challenge_candidates", "complaint_villages"]


def complaint_villages(
    complaints: gpd.GeoDataFrame | None, villages: gpd.GeoDataFrame, radius_m: float
) -> pd.DataFrame:
    """Return the open ``no_signal`` complaints, one row a (village_id, operator or "").

    A complaint names its village (``village_id``) or is placed by its point: inside a
    village's polygon or within ``radius_m`` of its point
    (:func:`coverage.evidence_assign.assign_to_units`). Its operator is canonicalised
    (:func:`hatangso.access.canonical_operator`), ``""`` when it names none.
    """
    empty = pd.DataFrame({"village_id": pd.Series(dtype=str), "operator": pd.Series(dtype=str)})
    if complaints is None or not len(complaints):
        return empty
    status = complaints.get("status", pd.Series("open", index=complaints.index))
    chosen = complaints.loc[
        (complaints["kind"].astype(str) == "no_signal")
        & status.fillna("open").astype(str).isin(("open", "in_progress"))
    ]
    if not len(chosen):
        return empty
    ops = (
        chosen["operator"].astype("string").fillna("")
        if "operator" in chosen
        else pd.Series("", index=chosen.index, dtype="string")
    )
    ops = ops.map(lambda o: canonical_operator(o, keep_unknown=True) or "" if o else "")
    vid = (
        chosen["village_id"].astype("string").fillna("")
        if "village_id" in chosen
        else pd.Series("", index=chosen.index, dtype="string")
    )
    placed = (vid != "").to_numpy(dtype=bool)
    rows = [(str(v), str(o)) for v, o in zip(vid[placed], ops[placed], strict=True)]
    loose = chosen.loc[~placed]
    if len(loose):
        s, u = assign_to_units(
            shapely.get_coordinates(loose.geometry.to_numpy()), villages, radius_m=radius_m
        )
        ids = villages["village_id"].astype(str).to_numpy()
        loose_ops = ops[~placed].to_numpy()
        rows += [(str(ids[ui]), str(loose_ops[si])) for si, ui in zip(s, u, strict=True)]
    return pd.DataFrame(rows, columns=["village_id", "operator"]) if rows else empty


def challenge_candidates(
    comparison_villages: pd.DataFrame,
    village_status: pd.DataFrame,
    complaint_villages: pd.DataFrame,
    *,
    operator: str | None = None,
) -> pd.DataFrame:
    """Return the village × operator × technology rows a challenge should be opened for.

    Parameters
    ----------
    comparison_villages
        Village rows of :class:`coverage.evidence.EvidenceComparison` (``village_id``,
        ``operator``, ``tech``, ``evidence_class``, ``n_samples``, ``median_dbm``,
        ``share_above_pct``).
    village_status
        The engine's villages (``village_id``, ``name``, ``commune_id``,
        ``operators_4g``).
    complaint_villages
        Open ``no_signal`` complaints, one row a (``village_id``, ``operator`` or ``""``).
    operator
        Only this (canonical) operator.

    Returns
    -------
    pandas.DataFrame
        ``village_id``, ``village``, ``commune_id``, ``operator``, ``tech``, ``basis``
        (``measured_weak``, ``complaints`` or both), ``n_samples``, ``median_dbm``,
        ``share_above_pct``, ``complaints``; sorted by operator, village, technology.
    """
    weak = comparison_villages.loc[
        comparison_villages["evidence_class"] == "predicted_covered_measured_weak",
        ["village_id", "operator", "tech", "n_samples", "median_dbm", "share_above_pct"],
    ].copy()
    weak["village_id"] = weak["village_id"].astype(str)
    status = village_status.assign(village_id=village_status["village_id"].astype(str))
    claimed = {
        str(v): {x.strip() for x in str(s).split(",") if x.strip()}
        for v, s in zip(status["village_id"], status["operators_4g"].fillna(""), strict=True)
    }
    named: list[tuple[str, str]] = []
    for r in complaint_villages.itertuples(index=False):
        ops = [str(r.operator)] if r.operator else sorted(claimed.get(str(r.village_id), ()))
        named += [(str(r.village_id), op) for op in ops if op in claimed.get(str(r.village_id), ())]
    by_complaint = (
        pd.DataFrame(named, columns=["village_id", "operator"])
        .groupby(["village_id", "operator"])
        .size()
        .rename("complaints")
        .reset_index()
        .assign(tech="4G")
    )
    out = weak.merge(by_complaint, on=["village_id", "operator", "tech"], how="outer")
    out["complaints"] = out["complaints"].fillna(0).astype(np.int64)
    has_weak = out["n_samples"].notna()
    out["basis"] = np.where(
        has_weak & (out["complaints"] > 0),
        "measured_weak+complaints",
        np.where(has_weak, "measured_weak", "complaints"),
    )
    out["n_samples"] = out["n_samples"].fillna(0).astype(np.int64)
    if operator is not None:
        out = out[out["operator"] == operator]
    names = status.set_index("village_id")
    out["village"] = out["village_id"].map(names["name"]) if "name" in names else None
    out["commune_id"] = (
        out["village_id"].map(names["commune_id"]) if "commune_id" in names else None
    )
    columns = ["village_id", "village", "commune_id", "operator", "tech", "basis"]
    columns += ["n_samples", "median_dbm", "share_above_pct", "complaints"]
    return out[columns].sort_values(["operator", "village_id", "tech"]).reset_index(drop=True)
