"""Measured gaps that override the prediction: the outcome of challenges, applied to a result.

A challenge (``hatangso.review.challenges``) that the operator concedes, or that the
department upholds, says: in this period, this operator does **not** cover this village with
this technology, whatever the model predicts. :func:`apply_gap_overrides` applies such
village × operator × technology rows to a :class:`~coverage.engine.CoverageResult`:

* the operator is removed from the village's ``operators_<tech>`` and
  ``operators_<tech>_indoor`` lists, and from those of the village's clusters;
* ``mobile_<tech>`` (and ``mobile_<tech>_indoor``) are recomputed: still covered when
  another operator is left, a gap when none is; a village left without any operator also
  gets ``share_<tech>_pct`` (and ``share_<tech>_indoor_pct``) 0, its clusters the same;
* the rows applied are kept in :attr:`~coverage.engine.CoverageResult.overrides` (with
  ``changed``: whether the village's status moved from covered to gap), so that every page
  and the report can say how many figures come from challenges.

Nothing else changes: predicted RSRP stays the model's (a challenge is about the status,
not the level). Overrides for a village or an operator the result does not know are
ignored and counted as not applied.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from coverage.engine import CoverageResult

__all__ = ["OVERRIDE_COLUMNS", "apply_gap_overrides"]

#: The columns of an overrides table (besides anything else it carries, e.g. ``challenge_id``).
OVERRIDE_COLUMNS = ("village_id", "operator", "tech")


def _without(lists: pd.Series, drop: pd.Series) -> pd.Series:
    """Each comma list of ``lists`` without the operators of ``drop`` (a set a row)."""
    out = [
        ",".join(x for x in str(s).split(",") if x and x.strip() not in d)
        for s, d in zip(lists.fillna("").astype(str), drop, strict=True)
    ]
    return pd.Series(out, index=lists.index, dtype=object)


def _apply(frame: pd.DataFrame, drops: dict[str, dict[str, set[str]]]) -> pd.DataFrame:
    """Apply ``{tech: {village_id: {operators}}}`` to villages or clusters (by village_id)."""
    out = frame.copy()
    vid = out["village_id"].astype(str)
    for tech, by_village in drops.items():
        key = tech.lower()
        drop = vid.map(lambda v, m=by_village: m.get(v, set()))
        hit = drop.map(bool).to_numpy(dtype=bool)
        if not hit.any():
            continue
        for suffix in ("", "_indoor"):
            ops_col, mob_col = f"operators_{key}{suffix}", f"mobile_{key}{suffix}"
            if ops_col not in out.columns:
                continue
            left = _without(out[ops_col], drop)
            out.loc[hit, ops_col] = left[hit]
            if mob_col in out.columns:
                none_left = hit & (left == "").to_numpy(dtype=bool)
                out.loc[none_left, mob_col] = False
                share_col = f"share_{key}{suffix}_pct"
                if share_col in out.columns:
                    out.loc[none_left, share_col] = 0.0
    return out


def apply_gap_overrides(result: CoverageResult, overrides: pd.DataFrame) -> CoverageResult:
    """Return ``result`` with the operators of ``overrides`` no longer covering their villages.

    Parameters
    ----------
    result
        The engine's result.
    overrides
        One row a village × operator × technology that counts as a gap:
        :data:`OVERRIDE_COLUMNS`, and any other columns (kept in the result's
        :attr:`~coverage.engine.CoverageResult.overrides`).

    Returns
    -------
    CoverageResult
        A new result (``result`` is not modified); its ``overrides`` holds the rows with
        ``applied`` (the village and the technology are in the result) and ``changed``
        (the village's ``mobile_<tech>`` went from covered to gap once every override was
        applied: each row of a village that lost its last operator says so).

    Examples
    --------
    >>> from coverage.engine import CoverageResult
    >>> v = pd.DataFrame({"village_id": ["a", "b"], "operators_4g": ["Viettel,VNPT", "VNPT"],
    ...                   "mobile_4g": [True, True]})
    >>> r = CoverageResult(v, v.assign(cluster_id=v.village_id), pd.DataFrame(), pd.DataFrame())
    >>> o = pd.DataFrame({"village_id": ["a", "b"], "operator": ["VNPT"] * 2, "tech": ["4G"] * 2})
    >>> out = apply_gap_overrides(r, o)
    >>> out.villages[["operators_4g", "mobile_4g"]].to_dict("list")
    {'operators_4g': ['Viettel', ''], 'mobile_4g': [True, False]}
    >>> out.overrides["changed"].tolist()
    [False, True]
    """
    rows = overrides.reset_index(drop=True).copy()
    for col in OVERRIDE_COLUMNS:
        if col not in rows.columns:
            msg = f"overrides: missing column {col!r}; give {', '.join(OVERRIDE_COLUMNS)}."
            raise ValueError(msg)
    rows["village_id"] = rows["village_id"].astype(str)
    if not len(rows):
        return dataclasses.replace(result, overrides=rows.assign(applied=[], changed=[]))
    drops: dict[str, dict[str, set[str]]] = {}
    for r in rows.itertuples(index=False):
        drops.setdefault(str(r.tech), {}).setdefault(str(r.village_id), set()).add(str(r.operator))
    villages = _apply(result.villages, drops)
    clusters = (
        _apply(result.clusters, drops) if "village_id" in result.clusters else result.clusters
    )
    was: dict[str, int] = {v: i for i, v in enumerate(result.villages["village_id"].astype(str))}
    applied, changed = [], []
    for r in rows.itertuples(index=False):
        col = f"mobile_{str(r.tech).lower()}"
        pos = was.get(str(r.village_id), -1)
        ok = pos >= 0 and col in result.villages.columns
        applied.append(ok)
        changed.append(
            ok and bool(result.villages[col].to_numpy()[pos]) and not villages[col].to_numpy()[pos]
        )
    rows["applied"] = np.asarray(applied, dtype=bool)
    rows["changed"] = np.asarray(changed, dtype=bool)
    return dataclasses.replace(result, villages=villages, clusters=clusters, overrides=rows)
