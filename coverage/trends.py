"""Trends and changes between periods: indicators over time, what changed, when targets are met.

Pure computation on coverage payloads (the :meth:`coverage.engine.CoverageResult.to_dict`
form, one a period) and on validated layers in the metric working CRS; no file I/O.
Everything is keyed by the indicator ids of :data:`coverage.settings.TARGETS`
(``fiber_villages`` …); labels for people belong to the app and the report.

* :func:`indicator_series` — every indicator of every period against its target, for the
  province and its districts, as one long table.
* :func:`period_changes` — villages newly reached by fiber or 4G (or that lost it), mobile
  sites added, removed and changed, fiber routes added and removed, per operator.
* :func:`projection` — the pace of each indicator (least squares, percentage points a
  year) and the date its target is met at that pace.
* :func:`plan_effect` — what each saved plan would change: before → after, cost, gain.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coverage._checks import check_work_crs
from coverage.settings import TARGETS, Target

__all__ = [
    "INDICATORS",
    "SERIES_COLUMNS",
    "PeriodChanges",
    "change_detail",
    "indicator_series",
    "period_changes",
    "plan_effect",
    "projection",
    "records",
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
# (hatangso.cli._target_summary).
_PLAN_KEYS: dict[str, str] = {
    "fiber_villages": "villages_fiber_pct",
    "fiber_households": "households_fiber_pct",
    "mobile_villages": "villages_4g_pct",
}

_TARGETS: dict[str, Target] = {t.id: t for t in TARGETS}

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


def _num(value: Any) -> float | None:  # noqa: ANN401 - JSON values
    """Return a finite float, or ``None`` for missing, null or NaN."""
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _rows_of_unit(
    period: str,
    level: str,
    record: Mapping[str, Any],
    targets: Mapping[str, Mapping[str, Any]] | None,
) -> list[dict[str, Any]]:
    """Return the indicator rows of one unit's summary record."""
    rows: list[dict[str, Any]] = []
    for target in TARGETS:
        evaluated = (targets or {}).get(target.id)
        num_key, den_key = _COUNTS[target.id]
        if evaluated is not None and _num(evaluated.get("total")) is not None:
            numerator = _num(evaluated.get("reached"))
            denominator = _num(evaluated.get("total"))
        else:
            numerator, denominator = _num(record.get(num_key)), _num(record.get(den_key))
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


def indicator_series(payloads: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Return every indicator of every period against its target, as one long table.

    Parameters
    ----------
    payloads
        Period (``YYYY-MM-DD``) -> coverage payload: the mapping of
        :meth:`coverage.engine.CoverageResult.to_dict` (``province``, ``districts`` and
        ``targets`` are read), as the ``coverage`` result of a store's period holds it.

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
        province = payload.get("province")
        if province:
            targets = {str(t["id"]): t for t in payload.get("targets") or [] if "id" in t}
            rows += _rows_of_unit(str(period), "province", province, targets)
        for record in payload.get("districts") or []:
            rows += _rows_of_unit(str(period), "district", record, None)
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
    target = _num(last["target_pct"])
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


def _plan_values(summary: Any) -> dict[str, tuple[float | None, bool | None]]:  # noqa: ANN401
    """Return indicator id -> (value %, met) from a plan's ``before``/``after`` entry.

    Reads the command line's form (``villages_fiber_pct`` … and ``targets``: id -> met)
    and a list of evaluated targets (``id``, ``actual_pct``, ``met``).
    """
    out: dict[str, tuple[float | None, bool | None]] = {}
    if isinstance(summary, list):
        for t in summary:
            if isinstance(t, Mapping) and "id" in t:
                met = t.get("met")
                out[str(t["id"])] = (_num(t.get("actual_pct")), None if met is None else bool(met))
        return out
    if not isinstance(summary, Mapping):
        return out
    met_by_id = summary.get("targets") or {}
    for indicator, key in _PLAN_KEYS.items():
        value = _num(summary.get(key))
        met = met_by_id.get(indicator) if isinstance(met_by_id, Mapping) else None
        if value is None and met is None:
            continue
        if met is None and value is not None:
            met = _TARGETS[indicator].met(value)
        out[indicator] = (value, None if met is None else bool(met))
    return out


def plan_effect(plans: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
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
        cost = _num(totals.get("total_cost_vnd", totals.get("cost_vnd")))
        gained = _num(totals.get("households_gained", totals.get("households_covered")))
        before = _plan_values(payload.get("before"))
        after = _plan_values(payload.get("after"))
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
                    "target_pct": _TARGETS[indicator].target_pct,
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


# --------------------------------------------------------------------------- changes


def village_status(villages: pd.DataFrame, payload: Mapping[str, Any]) -> pd.DataFrame:
    """Rebuild the per-village fiber and 4G flags from a saved coverage payload.

    A payload lists the villages *without* fiber and without 4G (``uncovered``); with the
    villages layer that is enough for :func:`period_changes`, without computing coverage
    again.

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


_VILLAGE_COLUMNS = [
    "village_id",
    "name",
    "commune_id",
    "commune",
    "district_id",
    "district",
    "households",
]
_SITE_COLUMNS = ["site_id", "operator", "tech", "height_m"]
_CHANGED_SITE_COLUMNS = [
    "site_id",
    "operator",
    "tech_before",
    "tech_after",
    "techs_added",
    "techs_removed",
    "height_m_before",
    "height_m_after",
    "moved_m",
]
_ROUTE_COLUMNS = ["route_id", "operator", "level", "length_m"]
_CHANGED_ROUTE_COLUMNS = ["route_id", "operator", "length_m_before", "length_m_after", "change_m"]
_NODE_COLUMNS = ["node_id", "operator", "kind"]

#: Columns of :meth:`PeriodChanges.summary`.
SUMMARY_COLUMNS = (
    "operator",
    "sites_before",
    "sites_after",
    "sites_added",
    "sites_removed",
    "sites_changed",
    "sites_upgraded_5g",
    "sites_5g_before",
    "sites_5g_after",
    "fiber_routes_added",
    "fiber_routes_removed",
    "fiber_km_added",
    "fiber_km_removed",
    "fiber_nodes_added",
    "fiber_nodes_removed",
)

#: A site whose position moved less than this is not "changed" by its position.
MOVED_TOLERANCE_M = 1.0


def _empty(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


@dataclass(frozen=True)
class PeriodChanges:
    """What changed between two periods.

    Attributes
    ----------
    before_period, after_period
        The periods compared (``None`` when not given).
    fiber_gained, fiber_lost, mobile_4g_gained, mobile_4g_lost
        Villages newly reached by fiber / by 4G, and those that lost it: ``village_id``,
        ``name``, ``commune_id``, ``commune``, ``district_id``, ``district``,
        ``households``.
    villages_added, villages_removed
        Villages in only one of the two periods' village lists (same columns).
    sites_added, sites_removed
        Mobile sites by ``site_id``: ``site_id``, ``operator``, ``tech``, ``height_m``
        (and ``geometry`` in the working CRS).
    sites_changed
        Sites in both periods whose technologies, height or position changed:
        ``tech_before``, ``tech_after``, ``techs_added``, ``techs_removed``,
        ``height_m_before``, ``height_m_after``, ``moved_m``.
    routes_added, routes_removed
        Fiber routes by ``route_id`` with ``operator``, ``level`` and ``length_m``.
    routes_changed
        Routes in both periods whose length changed by a metre or more.
    nodes_added, nodes_removed
        Fiber nodes by ``node_id``.
    """

    before_period: str | None
    after_period: str | None
    fiber_gained: pd.DataFrame
    fiber_lost: pd.DataFrame
    mobile_4g_gained: pd.DataFrame
    mobile_4g_lost: pd.DataFrame
    villages_added: pd.DataFrame
    villages_removed: pd.DataFrame
    sites_added: pd.DataFrame
    sites_removed: pd.DataFrame
    sites_changed: pd.DataFrame
    routes_added: pd.DataFrame
    routes_removed: pd.DataFrame
    routes_changed: pd.DataFrame
    nodes_added: pd.DataFrame = field(default_factory=lambda: _empty(_NODE_COLUMNS))
    nodes_removed: pd.DataFrame = field(default_factory=lambda: _empty(_NODE_COLUMNS))
    sites_5g_before: Mapping[str, int] = field(default_factory=dict)
    sites_5g_after: Mapping[str, int] = field(default_factory=dict)
    sites_before: Mapping[str, int] = field(default_factory=dict)
    sites_after: Mapping[str, int] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Return the changes per operator.

        Returns
        -------
        pandas.DataFrame
            One row per operator with a site, route or node in either period, columns
            :data:`SUMMARY_COLUMNS`: site counts before and after, ``sites_added``,
            ``sites_removed``, ``sites_changed``, ``sites_upgraded_5g`` (sites kept that
            gained 5G), 5G sites before and after, routes added and removed, fiber
            ``km`` added (new routes and the growth of extended ones) and removed, nodes
            added and removed. Sorted by operator.
        """
        operators: set[str] = set(self.sites_before) | set(self.sites_after)
        for frame in (
            self.sites_added,
            self.sites_removed,
            self.sites_changed,
            self.routes_added,
            self.routes_removed,
            self.routes_changed,
            self.nodes_added,
            self.nodes_removed,
        ):
            operators |= {str(o) for o in frame["operator"].dropna()}

        def count(frame: pd.DataFrame, op: str) -> int:
            return int((frame["operator"] == op).sum())

        def km(frame: pd.DataFrame, column: str, op: str, sign: int) -> float:
            values = pd.to_numeric(frame.loc[frame["operator"] == op, column], errors="coerce")
            if sign > 0:
                return float(values.clip(lower=0).sum()) / 1000.0
            return float((-values).clip(lower=0).sum()) / 1000.0

        gained_5g = self.sites_changed["techs_added"].map(lambda s: "5G" in str(s).split(","))
        upgraded = self.sites_changed.loc[gained_5g.to_numpy(dtype=bool)]
        rows = []
        for op in sorted(operators):
            added_km = km(self.routes_added, "length_m", op, 1)
            added_km += km(self.routes_changed, "change_m", op, 1)
            removed_km = km(self.routes_removed, "length_m", op, 1)
            removed_km += km(self.routes_changed, "change_m", op, -1)
            rows.append(
                {
                    "operator": op,
                    "sites_before": int(self.sites_before.get(op, 0)),
                    "sites_after": int(self.sites_after.get(op, 0)),
                    "sites_added": count(self.sites_added, op),
                    "sites_removed": count(self.sites_removed, op),
                    "sites_changed": count(self.sites_changed, op),
                    "sites_upgraded_5g": count(upgraded, op),
                    "sites_5g_before": int(self.sites_5g_before.get(op, 0)),
                    "sites_5g_after": int(self.sites_5g_after.get(op, 0)),
                    "fiber_routes_added": count(self.routes_added, op),
                    "fiber_routes_removed": count(self.routes_removed, op),
                    "fiber_km_added": round(added_km, 3),
                    "fiber_km_removed": round(removed_km, 3),
                    "fiber_nodes_added": count(self.nodes_added, op),
                    "fiber_nodes_removed": count(self.nodes_removed, op),
                }
            )
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))

    def lists(self) -> dict[str, pd.DataFrame]:
        """Return every list of changes by name (without geometry), in reading order."""
        frames = {
            "fiber_gained": self.fiber_gained,
            "fiber_lost": self.fiber_lost,
            "mobile_4g_gained": self.mobile_4g_gained,
            "mobile_4g_lost": self.mobile_4g_lost,
            "villages_added": self.villages_added,
            "villages_removed": self.villages_removed,
            "sites_added": self.sites_added,
            "sites_removed": self.sites_removed,
            "sites_changed": self.sites_changed,
            "routes_added": self.routes_added,
            "routes_removed": self.routes_removed,
            "routes_changed": self.routes_changed,
            "nodes_added": self.nodes_added,
            "nodes_removed": self.nodes_removed,
        }
        return {
            name: pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
            for name, frame in frames.items()
        }

    def table(self) -> pd.DataFrame:
        """Return every change as one long table (for CSV or Excel).

        Returns
        -------
        pandas.DataFrame
            ``change`` (the name of the list, e.g. ``fiber_gained``, ``sites_added``),
            ``id``, ``name``, ``operator``, ``commune``, ``district``, ``households`` and
            ``detail`` (technologies, height or length).
        """
        rows: list[dict[str, Any]] = []
        for change, frame in self.lists().items():
            records = [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
            rows.extend(
                {
                    "change": change,
                    "id": rec.get("village_id")
                    or rec.get("site_id")
                    or rec.get("route_id")
                    or rec.get("node_id"),
                    "name": rec.get("name"),
                    "operator": rec.get("operator"),
                    "commune": rec.get("commune"),
                    "district": rec.get("district"),
                    "households": rec.get("households"),
                    "detail": change_detail(change, rec),
                }
                for rec in records
            )
        columns = ["change", "id", "name", "operator", "commune", "district", "households"]
        return pd.DataFrame(rows, columns=[*columns, "detail"])

    def to_dict(self) -> dict[str, Any]:
        """Return the changes as a JSON-ready mapping.

        Returns
        -------
        dict
            ``before_period``, ``after_period``, ``summary`` (records of
            :meth:`summary`) and each list of :meth:`lists` as records.
        """
        out: dict[str, Any] = {
            "before_period": self.before_period,
            "after_period": self.after_period,
            "summary": records(self.summary()),
        }
        for name, frame in self.lists().items():
            out[name] = records(frame)
        return out


def change_detail(change: str, rec: Mapping[str, Any]) -> str:
    """Return a short text of one change: technologies and height, length, or node kind.

    Parameters
    ----------
    change
        The name of the list (``sites_added``, ``routes_changed`` …, see
        :meth:`PeriodChanges.lists`).
    rec
        One row of that list.

    Returns
    -------
    str
        E.g. ``"4G → 4G,5G"``, ``"4G,5G, 30 m"``, ``"access, 1200 m"``.
    """
    if change.startswith("sites_changed"):
        parts = []
        if rec.get("tech_before") != rec.get("tech_after"):
            parts.append(f"{rec.get('tech_before')} → {rec.get('tech_after')}")
        hb, ha = _num(rec.get("height_m_before")), _num(rec.get("height_m_after"))
        if hb != ha:
            parts.append(f"{hb:g} m → {ha:g} m" if hb is not None and ha is not None else "height")
        moved = _num(rec.get("moved_m"))
        if moved is not None and moved >= MOVED_TOLERANCE_M:
            parts.append(f"moved {moved:.0f} m")
        return "; ".join(parts)
    if change.startswith("sites"):
        height = _num(rec.get("height_m"))
        return f"{rec.get('tech')}" + ("" if height is None else f", {height:g} m")
    if change == "routes_changed":
        return f"{_num(rec.get('length_m_before')):.0f} m → {_num(rec.get('length_m_after')):.0f} m"
    if change.startswith("routes"):
        return f"{rec.get('level')}, {_num(rec.get('length_m')):.0f} m"
    if change.startswith("nodes"):
        return str(rec.get("kind"))
    return ""


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a table's rows as JSON-ready mappings (NumPy scalars as Python, NaN/NA as None).

    Parameters
    ----------
    frame
        Any table of this module.

    Returns
    -------
    list of dict
    """
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            item = value.item() if isinstance(value, np.generic) else value
            if item is pd.NA or item is pd.NaT:
                item = None
            if isinstance(item, float) and not math.isfinite(item):
                item = None
            clean[str(key)] = item
        out.append(clean)
    return out


def _techs(value: Any) -> frozenset[str]:  # noqa: ANN401 - a cell
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return frozenset()
    return frozenset(t.strip().upper() for t in str(value).split(",") if t.strip())


def _tech_text(techs: Iterable[str]) -> str:
    order = {"2G": 0, "3G": 1, "4G": 2, "5G": 3}
    return ",".join(sorted(techs, key=lambda t: (order.get(t, 9), t)))


def _by_id(layer: pd.DataFrame | None, key: str) -> pd.DataFrame | None:
    if layer is None or key not in layer:
        return None
    out = layer.copy()
    out[key] = out[key].astype(str)
    return out.drop_duplicates(subset=key, keep="first").set_index(key, drop=False)


def _unit_names(layers: Mapping[str, pd.DataFrame]) -> tuple[pd.Series, pd.Series]:
    """Return commune id -> (name, district id) and district id -> name."""
    units = layers.get("admin_units")
    if units is None or not len(units):
        empty = pd.Series([], dtype=object)
        return empty, empty
    u = pd.DataFrame(units.drop(columns="geometry", errors="ignore")).copy()
    u["unit_id"] = u["unit_id"].astype(str)
    return u.set_index("unit_id")["name"], u.set_index("unit_id")["parent_id"]


def _village_rows(
    frame: pd.DataFrame, layers: Mapping[str, pd.DataFrame], ids: Iterable[str]
) -> pd.DataFrame:
    """Return the listed villages of ``frame`` (indexed by id) with commune and district."""
    wanted = sorted(set(ids))
    if not wanted:
        return _empty(_VILLAGE_COLUMNS)
    names, parents = _unit_names(layers)
    rows = frame.loc[wanted]
    out = pd.DataFrame({"village_id": [str(v) for v in rows["village_id"]]})
    out["name"] = rows["name"].to_numpy() if "name" in rows else None
    if "commune_id" in rows:
        out["commune_id"] = rows["commune_id"].astype(str).to_numpy()
        out["commune"] = out["commune_id"].map(names)
        out["district_id"] = out["commune_id"].map(parents)
        out["district"] = out["district_id"].map(names)
    else:
        for col in ("commune_id", "commune", "district_id", "district"):
            out[col] = None
    out["households"] = rows["households"].to_numpy() if "households" in rows else None
    return out[_VILLAGE_COLUMNS]


def _village_changes(
    before: pd.DataFrame,
    after: pd.DataFrame,
    before_layers: Mapping[str, pd.DataFrame],
    after_layers: Mapping[str, pd.DataFrame],
) -> dict[str, pd.DataFrame]:
    b = _by_id(before, "village_id")
    a = _by_id(after, "village_id")
    if b is None or a is None:
        msg = "the village status frames need a 'village_id' column"
        raise ValueError(msg)
    common = a.index.intersection(b.index)
    out: dict[str, pd.DataFrame] = {}
    for flag, label in (("fiber_reached", "fiber"), ("mobile_4g", "mobile_4g")):
        if flag not in a or flag not in b:
            msg = f"the village status frames need a {flag!r} column"
            raise ValueError(msg)
        was = b.loc[common, flag].astype(bool).to_numpy()
        now = a.loc[common, flag].astype(bool).to_numpy()
        out[f"{label}_gained"] = _village_rows(a, after_layers, common[now & ~was])
        out[f"{label}_lost"] = _village_rows(a, after_layers, common[was & ~now])
    out["villages_added"] = _village_rows(a, after_layers, a.index.difference(b.index))
    out["villages_removed"] = _village_rows(b, before_layers, b.index.difference(a.index))
    return out


def _added_removed(
    before: pd.DataFrame | None, after: pd.DataFrame | None, key: str, columns: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    b, a = _by_id(before, key), _by_id(after, key)
    b_ids = set() if b is None else set(b.index)
    a_ids = set() if a is None else set(a.index)

    def pick(frame: pd.DataFrame | None, ids: set[str]) -> pd.DataFrame:
        if frame is None or not ids:
            return _empty([*columns, "geometry"])
        rows = frame.loc[sorted(ids)].reset_index(drop=True)
        keep = [c for c in [*columns, "geometry"] if c in rows]
        out = rows[keep].copy()
        for c in columns:
            if c not in out:
                out[c] = None
        return out[[*columns, *(["geometry"] if "geometry" in out else [])]]

    return pick(a, a_ids - b_ids), pick(b, b_ids - a_ids), b, a


def _lengths(frame: pd.DataFrame) -> pd.Series:
    if isinstance(frame, gpd.GeoDataFrame):
        return pd.Series(frame.geometry.length.to_numpy(), index=frame.index).round(1)
    return pd.Series(np.nan, index=frame.index)


def _site_changes(
    before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    added, removed, b, a = _added_removed(before, after, "site_id", _SITE_COLUMNS)
    if b is None or a is None:
        return added, removed, _empty(_CHANGED_SITE_COLUMNS)
    common = a.index.intersection(b.index)
    rows = []
    for site_id in sorted(common):
        old, new = b.loc[site_id], a.loc[site_id]
        t_old, t_new = _techs(old.get("tech")), _techs(new.get("tech"))
        h_old, h_new = _num(old.get("height_m")), _num(new.get("height_m"))
        moved = math.nan
        if "geometry" in b and "geometry" in a:
            g_old, g_new = old["geometry"], new["geometry"]
            if g_old is not None and g_new is not None:
                moved = float(shapely.distance(g_old, g_new))
        height_changed = (h_old is None) != (h_new is None) or (
            h_old is not None and h_new is not None and abs(h_old - h_new) > 1e-6
        )
        if t_old == t_new and not height_changed and not moved >= MOVED_TOLERANCE_M:
            continue
        rows.append(
            {
                "site_id": site_id,
                "operator": new.get("operator"),
                "tech_before": _tech_text(t_old),
                "tech_after": _tech_text(t_new),
                "techs_added": _tech_text(t_new - t_old),
                "techs_removed": _tech_text(t_old - t_new),
                "height_m_before": h_old,
                "height_m_after": h_new,
                "moved_m": None if math.isnan(moved) else round(moved, 1),
            }
        )
    changed = pd.DataFrame(rows, columns=_CHANGED_SITE_COLUMNS) if rows else None
    return added, removed, _empty(_CHANGED_SITE_COLUMNS) if changed is None else changed


def _route_changes(
    before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    for frame, when in ((before, "before"), (after, "after")):
        if frame is not None and len(frame):
            check_work_crs(frame, f"fiber_routes ({when})")
    cols = ["route_id", "operator", "level"]
    added, removed, b, a = _added_removed(before, after, "route_id", cols)
    for frame in (added, removed):
        frame.insert(3, "length_m", _lengths(frame) if len(frame) else pd.Series(dtype=float))
    if b is None or a is None:
        return added, removed, _empty(_CHANGED_ROUTE_COLUMNS)
    common = a.index.intersection(b.index)
    len_b, len_a = _lengths(b).loc[common], _lengths(a).loc[common]
    delta = (len_a - len_b).round(1)
    grown = delta[delta.abs() >= 1.0].index
    changed = pd.DataFrame(
        {
            "route_id": list(grown),
            "operator": a.loc[grown, "operator"].to_numpy() if "operator" in a else None,
            "length_m_before": len_b.loc[grown].to_numpy(),
            "length_m_after": len_a.loc[grown].to_numpy(),
            "change_m": delta.loc[grown].to_numpy(),
        },
        columns=_CHANGED_ROUTE_COLUMNS,
    )
    return added, removed, changed.sort_values("route_id").reset_index(drop=True)


def _site_counts(sites: pd.DataFrame | None, tech: str | None = None) -> dict[str, int]:
    if sites is None or not len(sites) or "operator" not in sites:
        return {}
    chosen = sites
    if tech is not None:
        has = sites["tech"].map(lambda s: tech in _techs(s)) if "tech" in sites else False
        chosen = sites[np.asarray(has, dtype=bool)]
    counts = chosen.groupby(chosen["operator"].astype(str)).size()
    return {str(k): int(v) for k, v in counts.items()}


def period_changes(  # noqa: PLR0913 - the two periods' names are keyword-only
    before_layers: Mapping[str, gpd.GeoDataFrame],
    after_layers: Mapping[str, gpd.GeoDataFrame],
    before_villages: pd.DataFrame,
    after_villages: pd.DataFrame,
    *,
    before_period: str | None = None,
    after_period: str | None = None,
) -> PeriodChanges:
    """Return what changed between two periods.

    Parameters
    ----------
    before_layers, after_layers
        The two periods' layers in the metric working CRS (``mobile_sites``,
        ``fiber_routes``, ``fiber_nodes`` and ``admin_units`` are read; any may be
        missing).
    before_villages, after_villages
        Per-village status of each period: ``village_id``, ``fiber_reached``,
        ``mobile_4g`` and, for the lists, ``name``, ``commune_id``, ``households``
        (:attr:`coverage.engine.CoverageResult.villages`, or :func:`village_status`).
    before_period, after_period
        The periods' names, recorded in the result.

    Returns
    -------
    PeriodChanges

    Raises
    ------
    ValueError
        When a status frame lacks ``village_id``, ``fiber_reached`` or ``mobile_4g``.
    geodata.CRSProblem
        When the fiber routes are not in a metric CRS (their lengths would be degrees).
    """
    villages = _village_changes(before_villages, after_villages, before_layers, after_layers)
    s_added, s_removed, s_changed = _site_changes(
        before_layers.get("mobile_sites"), after_layers.get("mobile_sites")
    )
    r_added, r_removed, r_changed = _route_changes(
        before_layers.get("fiber_routes"), after_layers.get("fiber_routes")
    )
    n_added, n_removed, _, _ = _added_removed(
        before_layers.get("fiber_nodes"), after_layers.get("fiber_nodes"), "node_id", _NODE_COLUMNS
    )
    sites_b, sites_a = before_layers.get("mobile_sites"), after_layers.get("mobile_sites")
    return PeriodChanges(
        before_period=before_period,
        after_period=after_period,
        **villages,
        sites_added=s_added,
        sites_removed=s_removed,
        sites_changed=s_changed,
        routes_added=r_added,
        routes_removed=r_removed,
        routes_changed=r_changed,
        nodes_added=n_added,
        nodes_removed=n_removed,
        sites_before=_site_counts(sites_b),
        sites_after=_site_counts(sites_a),
        sites_5g_before=_site_counts(sites_b, "5G"),
        sites_5g_after=_site_counts(sites_a, "5G"),
    )
