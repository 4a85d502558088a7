"""Indicators per commune, district and province, and the targets evaluated against them.

Inputs are the per-village, per-cluster and per-place status frames of
:func:`coverage.engine.compute_coverage`; everything here is counting. A per-operator
view counts only that operator's network (its fiber, its 4G, its 5G).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from coverage.settings import TARGETS, Target

__all__ = ["INDICATOR_COLUMNS", "Level", "evaluate_targets", "operator_view", "summarize"]

Level = Literal["province", "district", "commune", "village"]

#: The counts every summary row carries.
INDICATOR_COLUMNS = (
    "communes",
    "communes_fiber",
    "villages",
    "villages_fiber",
    "households",
    "households_fiber",
    "households_in_villages_fiber",
    "households_in_villages_4g",
    "villages_4g",
    "villages_4g_indoor",
    "clusters",
    "clusters_4g",
    "clusters_4g_indoor",
    "households_4g",
    "households_4g_indoor",
    "commune_centres",
    "commune_centres_4g",
    "villages_5g",
    "villages_no_electricity",
    "roaming_candidates",
    "places",
    "places_5g",
)


def _has(ops: pd.Series, operator: str) -> pd.Series:
    """Whether ``operator`` is in each comma-separated operator list."""
    return ops.fillna("").map(lambda s: operator in s.split(","))


def operator_view(status: pd.DataFrame, operator: str) -> pd.DataFrame:
    """Restrict a status frame to one operator's network.

    Parameters
    ----------
    status
        Village, cluster or place status with ``*_operators`` columns.
    operator
        Canonical operator id (``"Viettel"``, ``"VNPT"`` …).

    Returns
    -------
    pandas.DataFrame
        The same frame where ``fiber_reached``, ``mobile_4g`` and ``mobile_5g`` (and the
        indoor ``mobile_4g_indoor``, ``mobile_5g_indoor``) count only that operator, and
        the operator lists hold only it.
    """
    out = status.copy()
    for flag, ops in (
        ("fiber_reached", "fiber_operators"),
        ("mobile_4g", "operators_4g"),
        ("mobile_5g", "operators_5g"),
        ("mobile_4g_indoor", "operators_4g_indoor"),
        ("mobile_5g_indoor", "operators_5g_indoor"),
    ):
        if ops in out:
            has = _has(out[ops], operator)
            out[flag] = has
            out[ops] = np.where(has, operator, "")
    return out


def _counts(
    villages: pd.DataFrame, clusters: pd.DataFrame, places: pd.DataFrame, key: str | None
) -> pd.DataFrame:
    """Count the indicators per ``key`` (a column of the frames) or in total."""
    v = villages.assign(_k=villages[key] if key else "all")
    c = clusters.assign(_k=clusters[key] if key else "all")
    p = places.assign(_k=places[key] if key else "all")
    v = _with_indoor(v)
    c = _with_indoor(c)
    n_ops = v["operators_4g"].fillna("").map(lambda s: len([x for x in s.split(",") if x]))
    v = v.assign(
        _hh_fiber_village=v["households"].where(v["fiber_reached"], 0),
        _hh_4g_village=v["households"].where(v["mobile_4g"], 0),
        _roaming=n_ops == 1,
        _centre=v["is_commune_centre"].astype(bool),
        _centre_4g=v["is_commune_centre"].astype(bool) & v["mobile_4g"],
        _no_power=~v["has_electricity"].astype(bool),
    )
    by_v = v.groupby("_k")
    table = pd.DataFrame(
        {
            "villages": by_v.size(),
            "villages_fiber": by_v["fiber_reached"].sum(),
            "villages_4g": by_v["mobile_4g"].sum(),
            "villages_4g_indoor": by_v["mobile_4g_indoor"].sum(),
            "villages_5g": by_v["mobile_5g"].sum(),
            "households_in_villages_fiber": by_v["_hh_fiber_village"].sum(),
            "households_in_villages_4g": by_v["_hh_4g_village"].sum(),
            "commune_centres": by_v["_centre"].sum(),
            "commune_centres_4g": by_v["_centre_4g"].sum(),
            "villages_no_electricity": by_v["_no_power"].sum(),
            "roaming_candidates": by_v["_roaming"].sum(),
        }
    )
    communes = v.groupby(["_k", "commune_id"])["fiber_reached"].any().groupby(level=0)
    table["communes"] = communes.size()
    table["communes_fiber"] = communes.sum()
    by_c = c.assign(
        _hh_fiber=c["households"].where(c["fiber_reached"], 0),
        _hh_4g=c["households"].where(c["mobile_4g"], 0),
        _hh_4g_in=c["households"].where(c["mobile_4g_indoor"], 0),
    ).groupby("_k")
    table["clusters"] = by_c.size()
    table["clusters_4g"] = by_c["mobile_4g"].sum()
    table["households"] = by_c["households"].sum()
    table["households_fiber"] = by_c["_hh_fiber"].sum()
    table["households_4g"] = by_c["_hh_4g"].sum()
    table["clusters_4g_indoor"] = by_c["mobile_4g_indoor"].sum()
    table["households_4g_indoor"] = by_c["_hh_4g_in"].sum()
    by_p = p.groupby("_k")
    table["places"] = by_p.size()
    table["places_5g"] = by_p["mobile_5g"].sum()
    table = table.reindex(columns=list(INDICATOR_COLUMNS)).fillna(0).astype("int64")
    table.index.name = key or "level"
    return table


def _with_indoor(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with ``mobile_4g_indoor`` (all False without an indoor status)."""
    if "mobile_4g_indoor" in frame:
        flags = frame["mobile_4g_indoor"].astype("boolean").fillna(value=False).astype(bool)
        return frame.assign(mobile_4g_indoor=flags)
    return frame.assign(mobile_4g_indoor=False)


def _percentages(table: pd.DataFrame) -> pd.DataFrame:
    def pct(num: str, den: str) -> pd.Series:
        return (100.0 * table[num] / table[den].where(table[den] > 0)).round(2)

    return table.assign(
        communes_fiber_pct=pct("communes_fiber", "communes"),
        villages_fiber_pct=pct("villages_fiber", "villages"),
        households_fiber_pct=pct("households_fiber", "households"),
        villages_4g_pct=pct("villages_4g", "villages"),
        villages_4g_indoor_pct=pct("villages_4g_indoor", "villages"),
        clusters_4g_pct=pct("clusters_4g", "clusters"),
        households_4g_pct=pct("households_4g", "households"),
        households_4g_indoor_pct=pct("households_4g_indoor", "households"),
        commune_centres_4g_pct=pct("commune_centres_4g", "commune_centres"),
        places_5g_pct=pct("places_5g", "places"),
    )


def summarize(  # noqa: PLR0913 - keyword-only options
    villages: pd.DataFrame,
    clusters: pd.DataFrame,
    places: pd.DataFrame,
    units: pd.DataFrame,
    *,
    level: Level = "province",
    operator: str | None = None,
) -> pd.DataFrame:
    """Return the indicators per unit of ``level``.

    Parameters
    ----------
    villages, clusters, places
        Status frames; villages and clusters carry ``commune_id`` and ``district_id``,
        places carry ``commune_id`` and ``district_id`` of the unit they lie in.
    units
        ``admin_units`` (``unit_id``, ``name``, ``level``, ``parent_id``).
    level
        ``"province"``, ``"district"``, ``"commune"`` or ``"village"``.
    operator
        Count only this operator's network.

    Returns
    -------
    pandas.DataFrame
        One row per unit (``unit_id``, ``name``, the counts of :data:`INDICATOR_COLUMNS`
        and their percentages). For ``"village"``, the village status itself.
    """
    if operator is not None:
        villages = operator_view(villages, operator)
        clusters = operator_view(clusters, operator)
        places = operator_view(places, operator)
    if level == "village":
        return villages.reset_index(drop=True)
    key = {"province": None, "district": "district_id", "commune": "commune_id"}[level]
    table = _percentages(_counts(villages, clusters, places, key))
    names = units.set_index("unit_id")["name"]
    if key is None:
        province = units[units["level"] == "province"]
        unit_id = str(province["unit_id"].iloc[0]) if len(province) else "province"
        table.index = pd.Index([unit_id], name="unit_id")
    else:
        wanted = units[units["level"] == level]["unit_id"].astype(str)
        table = table.reindex(wanted)
        counts = list(INDICATOR_COLUMNS)
        table[counts] = table[counts].fillna(0).astype("int64")  # a unit without data: no
        table.index.name = "unit_id"  # villages, and its percentages stay missing (not 0 %)
    table.insert(0, "name", names.reindex(table.index).to_numpy())
    if level == "commune":
        parents = units.set_index("unit_id")["parent_id"]
        table.insert(1, "district_id", parents.reindex(table.index).to_numpy())
    return table.reset_index()


def evaluate_targets(
    row: Mapping[str, Any], targets: Sequence[Target] = TARGETS
) -> list[dict[str, Any]]:
    """Evaluate the province's targets on one summary row.

    Parameters
    ----------
    row
        A row of :func:`summarize` (counts and percentages).
    targets
        The targets in force on the period's date, one an indicator
        (:func:`coverage.targets.targets_in_force`); default today's,
        :data:`coverage.settings.TARGETS`.

    Returns
    -------
    list of dict
        One per target: ``id``, ``title_vi``, ``target_pct`` (``None``: no target in
        force, ``met`` is then ``None``), ``comparison``, ``source``, ``actual_pct``, ``met``,
        ``reached``, ``total``, ``gap`` (units still needed to meet it) and
        ``gap_households``: the households of the villages not reached (village
        targets), of the clusters not reached (household and cluster targets).
    """
    counts = {
        "fiber_communes": ("communes_fiber", "communes", None),
        "fiber_villages": ("villages_fiber", "villages", "households_in_villages_fiber"),
        "fiber_households": ("households_fiber", "households", "households_fiber"),
        "mobile_villages": ("villages_4g", "villages", "households_in_villages_4g"),
        "mobile_clusters": ("clusters_4g", "clusters", "households_4g"),
        "5g_priority": ("places_5g", "places", None),
    }
    out: list[dict[str, Any]] = []
    for target in targets:
        num, den, hh = counts[target.id]
        reached, total = int(row[num]), int(row[den])
        actual = 100.0 * reached / total if total else 100.0
        needed: int | None = None
        if target.target_pct is not None:
            share = target.target_pct / 100.0 * total
            minimum = math.floor(share) + 1 if target.strict else math.ceil(share - 1e-9)
            needed = max(0, min(total, minimum) - reached)
        out.append(
            {
                "id": target.id,
                "title_vi": target.title_vi,
                "target_pct": target.target_pct,
                "strict": target.strict,
                "comparison": None if target.target_pct is None else target.op,
                "source": None if target.target_pct is None else target.source,
                "actual_pct": round(actual, 2),
                "met": target.met(actual),
                "reached": reached,
                "total": total,
                "unit": target.unit,
                "gap": needed,
                "gap_households": None if hh is None else int(row["households"]) - int(row[hh]),
            }
        )
    return out
