"""Indicators over time: the Progress page's trends and the ``trends`` command.

Pure computation on coverage payloads (the :meth:`coverage.engine.CoverageResult.to_dict`
form, one a period); no file I/O. Everything is keyed by the indicator ids of
:data:`coverage.settings.TARGETS` (``fiber_villages`` …); labels for people belong to the
app and the report. What changed between two periods (the Progress page's second part and
the ``changes`` command) is :mod:`coverage.changes`.

* :func:`indicator_series` — every indicator of every period against its target, for the
  province and its districts, as one long table.
* :func:`projection` — the pace of each indicator (least squares, percentage points a
  year) and the date its target is met at that pace.
* :func:`plan_effect` — what each saved plan would change: before → after, cost, gain.
* :func:`village_status` — the per-village fiber and 4G flags of a saved payload, the
  input :func:`coverage.changes.period_changes` needs without computing coverage again.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from coverage._checks import finite_or_none
from coverage.settings import TARGETS, Target
from coverage.targets import DEFAULT_RULES, TargetRule, targets_in_force

__all__ = [
    "INDICATORS",
    "SERIES_COLUMNS",
    "indicator_series",
    "plan_effect",
    "projection",
    "village_status",
]

#: The indicator ids, in the order of :data:`coverage.settings.TARGETS`.
INDICATORS: tuple[str, ...] = tuple(t.id for t in TARGETS)

#: Columns of :func:`indicator_series`.
SERIES_COLUMNS = (
    "period",
    "level",
    "unit_id",
    "unit_name",
    "indicator",
    "value_pct",
    "numerator",
    "denominator",
    "target_pct",
    "strict",
    "met",
)

# Indicator id -> (numerator, denominator) columns of a summary row
# (coverage.indicators.summarize; the same counts as evaluate_targets).
_COUNTS: dict[str, tuple[str, str]] = {
    "fiber_communes": ("communes_fiber", "communes"),
    "fiber_villages": ("villages_fiber", "villages"),
    "fiber_households": ("households_fiber", "households"),
    "mobile_villages": ("villages_4g", "villages"),
    "mobile_clusters": ("clusters_4g", "clusters"),
    "5g_priority": ("places_5g", "places"),
}

# Indicator id -> the key of a saved plan's "before"/"after" summary
# (hatangso.cli.plan._target_summary).
_PLAN_KEYS: dict[str, str] = {
    "fiber_villages": "villages_fiber_pct",
    "fiber_households": "households_fiber_pct",
    "mobile_villages": "villages_4g_pct",
}

_DAYS_PER_YEAR = 365.25
#: Beyond this many years a projection is reported as not reached at this pace.
HORIZON_YEARS = 100.0

#: Statuses of :func:`projection`.
STATUS_MET = "met"
STATUS_PROJECTED = "projected"
STATUS_NOT_AT_PACE = "not at this pace"
STATUS_ONE_PERIOD = "one period only"
STATUS_NO_TARGET = "no target"
STATUS_OVERDUE = "overdue at this pace"


# --------------------------------------------------------------------------- series


def _rows_of_unit(
    period: str,
    level: str,
    record: Mapping[str, Any],
    targets: Mapping[str, Mapping[str, Any]] | None,
    in_force: tuple[Target, ...] = TARGETS,
) -> list[dict[str, Any]]:
    """Return the indicator rows of one unit's summary record, judged by ``in_force``."""
    rows: list[dict[str, Any]] = []
    for target in in_force:
        evaluated = (targets or {}).get(target.id)
        num_key, den_key = _COUNTS[target.id]
        if evaluated is not None and finite_or_none(evaluated.get("total")) is not None:
            numerator = finite_or_none(evaluated.get("reached"))
            denominator = finite_or_none(evaluated.get("total"))
        else:
            numerator, denominator = (
                finite_or_none(record.get(num_key)),
                finite_or_none(record.get(den_key)),
            )
        if numerator is None or denominator is None or denominator <= 0:
            continue  # not available for this unit (e.g. a district without priority places)
        value = round(100.0 * numerator / denominator, 2)
        rows.append(
            {
                "period": period,
                "level": level,
                "unit_id": str(record.get("unit_id", "")),
                "unit_name": str(record.get("name", "")),
                "indicator": target.id,
                "value_pct": value,
                "numerator": int(numerator),
                "denominator": int(denominator),
                "target_pct": target.target_pct,
                "strict": target.strict,
                "met": target.met(value),
            }
        )
    return rows


def indicator_series(
    payloads: Mapping[str, Mapping[str, Any]], rules: Sequence[TargetRule] = DEFAULT_RULES
) -> pd.DataFrame:
    """Return every indicator of every period against its target, as one long table.

    Parameters
    ----------
    payloads
        Period (``YYYY-MM-DD``) -> coverage payload: the mapping of
        :meth:`coverage.engine.CoverageResult.to_dict` (``province``, ``districts`` and
        ``targets`` are read), as the ``coverage`` result of a store's period holds it.
    rules
        The targets table (:mod:`coverage.targets`): each period is judged against the
        rules in force on its date, whatever its payload was judged against when saved.

    Returns
    -------
    pandas.DataFrame
        One row per period, unit and indicator, with the columns of
        :data:`SERIES_COLUMNS`: ``period`` (ISO text), ``level`` (``"province"`` or
        ``"district"``), ``unit_id``, ``unit_name``, ``indicator`` (an id of
        :data:`INDICATORS`), ``value_pct``, ``numerator``, ``denominator``,
        ``target_pct`` (NaN for an indicator without a target), ``strict`` (the value must
        exceed the target), ``met`` (nullable boolean; missing without a target). An
        indicator whose denominator is zero for a unit is left out for that unit. Sorted
        by level, unit, indicator and period.

    Examples
    --------
    >>> payload = {"province": {"unit_id": "52", "name": "Tỉnh", "villages": 4,
    ...            "villages_fiber": 3}, "districts": []}
    >>> indicator_series({"2024-06-30": payload})[["indicator", "value_pct", "met"]]
            indicator  value_pct    met
    0  fiber_villages       75.0  False
    """
    rows: list[dict[str, Any]] = []
    for period, payload in payloads.items():
        in_force = targets_in_force(rules, str(period))
        province = payload.get("province")
        if province:
            targets = {str(t["id"]): t for t in payload.get("targets") or [] if "id" in t}
            rows += _rows_of_unit(str(period), "province", province, targets, in_force)
        for record in payload.get("districts") or []:
            rows += _rows_of_unit(str(period), "district", record, None, in_force)
    frame = pd.DataFrame(rows, columns=list(SERIES_COLUMNS))
    frame["target_pct"] = frame["target_pct"].astype("float64")
    frame["met"] = frame["met"].astype("boolean")
    frame["strict"] = frame["strict"].astype(bool)
    for col in ("numerator", "denominator"):
        frame[col] = frame[col].astype("int64")
    frame["value_pct"] = frame["value_pct"].astype("float64")
    order = {name: i for i, name in enumerate(INDICATORS)}
    frame = frame.assign(
        _level=frame["level"].map({"province": 0, "district": 1}),
        _indicator=frame["indicator"].map(order),
    ).sort_values(["_level", "unit_id", "_indicator", "period"], kind="stable")
    return frame.drop(columns=["_level", "_indicator"]).reset_index(drop=True)


# --------------------------------------------------------------------------- projection


def _date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _pace_pp_per_year(dates: list[dt.date], values: list[float]) -> float:
    """Least-squares slope of ``values`` over ``dates``, in units a year (≥ 2 dates)."""
    x = np.array([d.toordinal() for d in dates], dtype=float) / _DAYS_PER_YEAR
    y = np.array(values, dtype=float)
    dx = x - x.mean()
    var = float((dx * dx).sum())
    if var <= 0.0:  # the same date twice: no time has passed
        return math.nan
    return float((dx * (y - y.mean())).sum() / var)


def projection(
    series: pd.DataFrame,
    *,
    as_of: str | dt.date,
    level: str = "province",
    window: int | None = 4,
) -> pd.DataFrame:
    """Return, per indicator, its pace and when its target is met at that pace.

    The pace is the least-squares slope of the indicator over the most recent periods
    (percentage points a year); the target is projected to be met when the latest value
    plus the pace times the time since the latest period reaches it.

    Parameters
    ----------
    series
        A table of :func:`indicator_series`.
    as_of
        The reference date (usually the latest period): projected dates are after it. A
        projection that falls on or before it (the pace says the target should already
        be met, the data does not show it) is reported as ``"overdue at this pace"``.
    level
        The level of the rows projected (``"province"`` or ``"district"``).
    window
        Fit the pace over at most this many of the latest periods up to ``as_of``
        (``None``: all of them).

    Returns
    -------
    pandas.DataFrame
        One row per unit and indicator: ``level``, ``unit_id``, ``unit_name``,
        ``indicator``, ``periods`` (how many the pace was fitted on), ``first_period``,
        ``first_pct``, ``latest_period``, ``latest_pct``, ``target_pct``, ``strict``,
        ``met``, ``pace_pp_per_year`` (NaN with one period), ``gap_pp`` (points still
        missing, 0 when met), ``projected_date`` (ISO date or ``None``) and ``status``:
        ``"met"``, ``"projected"``, ``"not at this pace"`` (no progress, a decline, or not
        within :data:`HORIZON_YEARS`), ``"overdue at this pace"``, ``"one period only"``
        or ``"no target"``.
    """
    reference = _date(as_of)
    columns = [
        "level",
        "unit_id",
        "unit_name",
        "indicator",
        "periods",
        "first_period",
        "first_pct",
        "latest_period",
        "latest_pct",
        "target_pct",
        "strict",
        "met",
        "pace_pp_per_year",
        "gap_pp",
        "projected_date",
        "status",
    ]
    chosen = series[(series["level"] == level) & (series["period"].map(_date) <= reference)]
    rows: list[dict[str, Any]] = []
    for (unit_id, indicator), group in chosen.groupby(["unit_id", "indicator"], sort=False):
        ordered = group.sort_values("period")
        if window is not None:
            ordered = ordered.tail(max(1, window))
        rows.append(_project_one(ordered, str(unit_id), str(indicator), level, reference))
    out = pd.DataFrame(rows, columns=columns)
    order = {name: i for i, name in enumerate(INDICATORS)}
    out = out.assign(_i=out["indicator"].map(order)).sort_values(["unit_id", "_i"], kind="stable")
    out = out.drop(columns="_i").reset_index(drop=True)
    out["met"] = out["met"].astype("boolean")
    for col in ("first_pct", "latest_pct", "target_pct", "pace_pp_per_year", "gap_pp"):
        out[col] = out[col].astype("float64")
    return out


def _project_one(
    ordered: pd.DataFrame, unit_id: str, indicator: str, level: str, reference: dt.date
) -> dict[str, Any]:
    dates = [_date(p) for p in ordered["period"]]
    values = [float(v) for v in ordered["value_pct"]]
    last = ordered.iloc[-1]
    target = finite_or_none(last["target_pct"])
    met = None if pd.isna(last["met"]) else bool(last["met"])
    pace = _pace_pp_per_year(dates, values) if len(dates) >= 2 else math.nan
    row: dict[str, Any] = {
        "level": level,
        "unit_id": unit_id,
        "unit_name": str(last["unit_name"]),
        "indicator": indicator,
        "periods": len(dates),
        "first_period": dates[0].isoformat(),
        "first_pct": values[0],
        "latest_period": dates[-1].isoformat(),
        "latest_pct": values[-1],
        "target_pct": target,
        "strict": bool(last["strict"]),
        "met": met,
        "pace_pp_per_year": None if math.isnan(pace) else round(pace, 4),
        "gap_pp": None if target is None else round(max(0.0, target - values[-1]), 4),
        "projected_date": None,
    }
    if target is None:
        row["status"] = STATUS_NO_TARGET
    elif met:
        row["status"] = STATUS_MET
    elif len(dates) < 2 or math.isnan(pace):
        row["status"] = STATUS_ONE_PERIOD
    elif pace <= 0.0:
        row["status"] = STATUS_NOT_AT_PACE
    else:
        # A strict target ("> 95 %") sitting exactly on the threshold still needs a step.
        remaining = max(target - values[-1], 0.01)
        years = remaining / pace
        if years > HORIZON_YEARS:
            row["status"] = STATUS_NOT_AT_PACE
        else:
            # rounded first: 184 days of pace must not become 185 by a float's last bit
            days = max(1, math.ceil(round(years * _DAYS_PER_YEAR, 6)))
            when = dates[-1] + dt.timedelta(days=days)
            if when <= reference:
                row["status"] = STATUS_OVERDUE
            else:
                row["status"] = STATUS_PROJECTED
                row["projected_date"] = when.isoformat()
    return row


# --------------------------------------------------------------------------- plans


def _plan_values(
    summary: Any,  # noqa: ANN401
    in_force: Mapping[str, Target],
) -> dict[str, tuple[float | None, bool | None]]:
    """Return indicator id -> (value %, met) from a plan's ``before``/``after`` entry.

    Reads the command line's form (``villages_fiber_pct`` … and ``targets``: id -> met)
    and a list of evaluated targets (``id``, ``actual_pct``, ``met``).
    """
    out: dict[str, tuple[float | None, bool | None]] = {}
    if isinstance(summary, list):
        for t in summary:
            if isinstance(t, Mapping) and "id" in t:
                met = t.get("met")
                known = in_force.get(str(t["id"]))
                out[str(t["id"])] = (
                    finite_or_none(t.get("actual_pct")),
                    None if met is None or known is None or known.target_pct is None else bool(met),
                )
        return out
    if not isinstance(summary, Mapping):
        return out
    met_by_id = summary.get("targets") or {}
    for indicator, key in _PLAN_KEYS.items():
        value = finite_or_none(summary.get(key))
        met = met_by_id.get(indicator) if isinstance(met_by_id, Mapping) else None
        if value is None and met is None:
            continue
        if met is None and value is not None:
            met = in_force[indicator].met(value)
        if in_force[indicator].target_pct is None:
            met = None
        out[indicator] = (value, None if met is None else bool(met))
    return out


def plan_effect(
    plans: Mapping[str, Mapping[str, Any]], rules: Sequence[TargetRule] = DEFAULT_RULES
) -> pd.DataFrame:
    """Return what each saved plan would change: the indicators before and after.

    Parameters
    ----------
    plans
        Plan name -> saved plan payload (``hatangso plan … --save NAME``): ``kind``
        (``"fiber_plan"`` or ``"site_plan"``), ``as_of``, ``totals`` (``total_cost_vnd``,
        ``households_gained`` or ``households_covered``), ``before`` and ``after``.

    Returns
    -------
    pandas.DataFrame
        One row per plan and indicator the plan reports: ``plan``, ``kind``, ``as_of``,
        ``indicator``, ``before_pct``, ``after_pct``, ``change_pp``, ``target_pct``,
        ``met_before``, ``met_after``, ``cost_vnd``, ``households_gained``; sorted by plan
        name and indicator.
    """
    columns = [
        "plan",
        "kind",
        "as_of",
        "indicator",
        "before_pct",
        "after_pct",
        "change_pp",
        "target_pct",
        "met_before",
        "met_after",
        "cost_vnd",
        "households_gained",
    ]
    rows: list[dict[str, Any]] = []
    for name in sorted(plans):
        payload = plans[name]
        totals = payload.get("totals") or {}
        cost = finite_or_none(totals.get("total_cost_vnd", totals.get("cost_vnd")))
        gained = finite_or_none(totals.get("households_gained", totals.get("households_covered")))
        as_of = payload.get("as_of")
        judged = targets_in_force(rules, str(as_of)) if as_of else TARGETS
        in_force = {t.id: t for t in judged}
        before = _plan_values(payload.get("before"), in_force)
        after = _plan_values(payload.get("after"), in_force)
        for indicator in INDICATORS:
            if indicator not in before and indicator not in after:
                continue
            b_value, b_met = before.get(indicator, (None, None))
            a_value, a_met = after.get(indicator, (None, None))
            change = None if b_value is None or a_value is None else round(a_value - b_value, 2)
            rows.append(
                {
                    "plan": str(name),
                    "kind": payload.get("kind"),
                    "as_of": payload.get("as_of"),
                    "indicator": indicator,
                    "before_pct": b_value,
                    "after_pct": a_value,
                    "change_pp": change,
                    "target_pct": in_force[indicator].target_pct,
                    "met_before": b_met,
                    "met_after": a_met,
                    "cost_vnd": cost,
                    "households_gained": None if gained is None else int(gained),
                }
            )
    out = pd.DataFrame(rows, columns=columns)
    for col in ("met_before", "met_after"):
        out[col] = out[col].astype("boolean")
    for col in ("before_pct", "after_pct", "change_pp", "target_pct", "cost_vnd"):
        out[col] = out[col].astype("float64")
    out["households_gained"] = out["households_gained"].astype("Int64")
    return out


# --------------------------------------------------------------------------- villages


def village_status(villages: pd.DataFrame, payload: Mapping[str, Any]) -> pd.DataFrame:
    """Rebuild the per-village fiber and 4G flags from a saved coverage payload.

    A payload lists the villages *without* fiber and without 4G (``uncovered``); with the
    villages layer that is enough for :func:`coverage.changes.period_changes`, without
    computing coverage again.

    Parameters
    ----------
    villages
        The period's ``villages`` layer (``village_id``, ``name``, ``commune_id``,
        ``households``).
    payload
        That period's coverage payload (for all operators: ``operator`` is ``None``).

    Returns
    -------
    pandas.DataFrame
        ``village_id``, ``name``, ``commune_id``, ``households``, ``fiber_reached``,
        ``mobile_4g``.

    Raises
    ------
    ValueError
        For a payload of one operator's network, or one without ``uncovered``.
    """
    if payload.get("operator"):
        msg = f"the coverage payload counts only {payload['operator']}'s network"
        raise ValueError(msg)
    uncovered = payload.get("uncovered")
    lists = uncovered if isinstance(uncovered, Mapping) else {}
    if "fiber" not in lists or "4g" not in lists:
        msg = "the coverage payload has no 'uncovered' lists"
        raise ValueError(msg)
    keep = [c for c in ("village_id", "name", "commune_id", "households") if c in villages]
    out = pd.DataFrame(villages[keep]).copy()
    out["village_id"] = out["village_id"].astype(str)
    no_fiber = {str(v) for v in lists["fiber"] or []}
    no_4g = {str(v) for v in lists["4g"] or []}
    out["fiber_reached"] = ~out["village_id"].isin(no_fiber)
    out["mobile_4g"] = ~out["village_id"].isin(no_4g)
    return out.reset_index(drop=True)
