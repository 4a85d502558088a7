"""Progress over a store's periods: each period's coverage, read or computed, for the trends.

Where progress over time lives, from the page to the arithmetic:

* ``ui/progress.py``: the app's Progress page (Tiến độ), through the cached loaders of
  ``ui/progress_data.py``;
* this module: the store-facing glue, which reads each period of a
  :class:`geodata.store.Store` and hands it to the pure code below;
* :mod:`coverage.trends`: the indicators over time, their pace and projection, and what
  the saved plans would change; :mod:`coverage.changes`: what changed between two periods;
* the command line: ``hatangso/cli/progress.py`` (the ``trends`` and ``changes`` commands).

Each period's coverage is read from its saved ``coverage`` result (the payload ``hatangso
coverage --save`` writes) or, when missing, stale or for one operator only, computed with
the default rules (about 1-2 s a period on the Bình Định demo) and saved for the next time.
Nothing is cached in memory between calls.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from coverage.changes import PeriodChanges, period_changes
from coverage.engine import CoverageInputs, CoverageResult, compute_coverage
from coverage.indicators import INDICATOR_COLUMNS, evaluate_targets
from coverage.layouts import assign_units, in_layout, summarize_in_layout
from coverage.settings import DEFAULT_SETTINGS
from coverage.trends import (
    indicator_series,
    plan_effect,
    village_status,
)
from coverage.trends import projection as _projection
from geodata.crs import WORK_CRS
from geodata.errors import InputError, StoreError
from geodata.store import Store
from hatangso.targets import target_rules, targets_for

__all__ = [
    "CHANGE_LAYERS",
    "changes",
    "check_periods",
    "compute_payload",
    "coverage_payloads",
    "in_store_layout",
    "judged",
    "layout_payloads",
    "layout_series",
    "plan_effects",
    "projection",
    "saved_payload",
    "series",
]

log = logging.getLogger(__name__)

#: The layers :func:`changes` reads from each period.
CHANGE_LAYERS = ("admin_units", "villages", "mobile_sites", "fiber_routes", "fiber_nodes")


def _default_settings() -> dict[str, Any]:
    """Return the default rules as they read back from a saved result's JSON."""
    loaded: dict[str, Any] = json.loads(json.dumps(DEFAULT_SETTINGS.as_dict()))
    return loaded


def check_periods(store: Store, *periods: str | None) -> list[str]:
    """Return the store's periods, refusing any of ``periods`` it does not hold.

    Parameters
    ----------
    store
        The store.
    *periods
        Periods asked for (``None`` is skipped).

    Returns
    -------
    list of str
        Every period held, oldest first.

    Raises
    ------
    geodata.InputError
        For a period not held, naming the periods held; for a store without periods.
    """
    held = store.periods()
    if not held:
        msg = f"{store.location}: holds no period yet; import layers into it first."
        raise InputError(msg)
    for period in periods:
        if period is not None and period not in held:
            msg = (
                f"{store.location}: has no period {period}; the periods held are {', '.join(held)}."
            )
            raise InputError(msg)
    return held


def saved_payload(store: Store) -> dict[str, Any] | None:
    """Return the (bound) period's saved coverage payload when it is usable for the trends.

    Usable: saved by ``hatangso coverage --save`` (or by :func:`coverage_payloads`) for all
    operators, with the default rules, and complete; otherwise ``None`` (compute it).
    """
    saved = store.read_result("coverage")
    if saved is None or saved.get("kind") != "coverage":
        return None
    payload = saved.get("payload")
    params = saved.get("params") or {}
    if not isinstance(payload, dict):
        return None
    if payload.get("operator") is not None:
        log.info("period %s: the saved coverage is one operator's; recomputing", store.period)
        return None
    if params.get("settings") != _default_settings():
        log.info("period %s: the saved coverage used other rules; recomputing", store.period)
        return None
    if not all(key in payload for key in ("province", "districts", "targets", "uncovered")):
        return None
    return payload


def compute_payload(store: Store) -> dict[str, Any]:
    """Compute the coverage payload of the store's (bound) period with the default rules.

    Parameters
    ----------
    store
        The store bound to a period (:meth:`Store.at`).

    Returns
    -------
    dict
        ``{"as_of", "dataset", **CoverageResult.to_dict()}``: the payload of ``hatangso
        coverage --save``.
    """
    info = store.info()
    result, _ = _compute(store)
    return {"as_of": info.as_of, "dataset": info.name, **result.to_dict()}


def _compute(store: Store) -> tuple[CoverageResult, dict[str, gpd.GeoDataFrame]]:
    """Return the (bound) period's coverage, judged by its targets, and its layers."""
    layers = store.read_all(crs=WORK_CRS)
    inputs = CoverageInputs.from_store(store, layers)
    targets = targets_for(store, store.period or store.info().as_of)
    return compute_coverage(inputs, settings=DEFAULT_SETTINGS, targets=targets), layers


def judged(payload: dict[str, Any], store: Store, period: str) -> dict[str, Any]:
    """Return ``payload`` with its targets judged by those in force on ``period`` now.

    A saved payload keeps the judgement of the day it was saved; the targets table may
    have changed since (a plan period's targets added).
    """
    province = payload.get("province") or {}
    if not all(column in province for column in INDICATOR_COLUMNS):
        return payload
    targets = evaluate_targets(province, targets_for(store, period))
    return {**payload, "targets": targets}


def coverage_payloads(
    store: Store, *, save: bool = True, periods: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Return each period's coverage payload, computing (and saving) the missing ones.

    Parameters
    ----------
    store
        The store.
    save
        Save a computed payload into its period as the ``coverage`` result (as ``hatangso
        coverage --save`` does, without the rasters) so that the next call reads it. A
        store that cannot be written (read-only file) is only logged.
    periods
        The periods wanted (default: all, oldest first).

    Returns
    -------
    dict
        Period -> payload, oldest first.

    Raises
    ------
    geodata.InputError
        For a period the store does not hold, or a period without the layers coverage needs.
    """
    wanted = list(periods) if periods is not None else None
    held = check_periods(store, *(wanted or []))
    out: dict[str, dict[str, Any]] = {}
    for period in sorted(set(held if wanted is None else wanted)):
        bound = store.at(period)
        payload = saved_payload(bound)
        if payload is None:
            log.info("computing the coverage of period %s", period)
            payload = compute_payload(bound)
            if save:
                try:
                    bound.save_result(
                        "coverage", "coverage", {"settings": DEFAULT_SETTINGS.as_dict()}, payload
                    )
                    log.info("saved the coverage of period %s into %s", period, store.location)
                except (StoreError, OSError, sqlite3.Error) as err:
                    log.warning("period %s: the coverage could not be saved (%s)", period, err)
        out[period] = judged(payload, bound, period)
    return out


def series(store: Store, level: str | None = "province", *, save: bool = True) -> pd.DataFrame:
    """Return every indicator of every period of the store against its target.

    Parameters
    ----------
    store
        The store.
    level
        ``"province"``, ``"district"``, or ``None`` for both.
    save
        Save coverage computed on the way (see :func:`coverage_payloads`).

    Returns
    -------
    pandas.DataFrame
        The table of :func:`coverage.trends.indicator_series`.
    """
    table = indicator_series(coverage_payloads(store, save=save), target_rules(store))
    if level is not None:
        table = table[table["level"] == level].reset_index(drop=True)
    return table


def projection(
    store: Store, *, level: str = "province", window: int | None = 4, save: bool = True
) -> pd.DataFrame:
    """Return when each target is met at the recent pace, as of the latest period.

    Parameters
    ----------
    store
        The store.
    level
        ``"province"`` or ``"district"``.
    window
        Fit the pace over at most this many of the latest periods.
    save
        Save coverage computed on the way.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`coverage.trends.projection`.
    """
    held = check_periods(store)
    return _projection(series(store, level, save=save), as_of=held[-1], level=level, window=window)


def _read_layers(store: Store) -> dict[str, gpd.GeoDataFrame]:
    return {name: store.read_work(name) for name in CHANGE_LAYERS if store.has_layer(name)}


def changes(  # noqa: PLR0913 - keyword-only options
    store: Store,
    from_period: str | None = None,
    to_period: str | None = None,
    *,
    save: bool = True,
    payloads: Mapping[str, Mapping[str, Any]] | None = None,
    layout: str | None = None,
) -> PeriodChanges:
    """Return what changed between two periods of the store.

    Parameters
    ----------
    store
        The store.
    from_period
        The earlier period (default: the one before ``to_period``).
    to_period
        The later period (default: the latest).
    save
        Save coverage computed on the way.
    payloads
        Coverage payloads the caller already has, by period (e.g. the report's own
        period); the others are read or computed.
    layout
        Name the villages' communes and districts in this layout (a date or year; by
        location, :mod:`coverage.layouts`); default each period's own.

    Returns
    -------
    coverage.changes.PeriodChanges

    Raises
    ------
    geodata.InputError
        For periods the store does not hold, a store with one period, or ``from_period``
        not before ``to_period``.
    """
    held = check_periods(store, from_period, to_period)
    after = to_period or held[-1]
    if from_period is None:
        earlier = [p for p in held if p < after]
        if not earlier:
            what = "holds one period" if len(held) == 1 else f"has no period before {after}"
            msg = (
                f"{store.location}: {what} ({', '.join(held)}); changes need two periods. "
                "Import the next period's layers with `hatangso import … --as-of YYYY-MM-DD`."
            )
            raise InputError(msg)
        before = earlier[-1]
    else:
        before = from_period
    if before >= after:
        msg = f"--from {before} must be an earlier period than --to {after}."
        raise InputError(msg)
    given = dict(payloads or {})
    missing = [p for p in (before, after) if p not in given]
    found = {**coverage_payloads(store, save=save, periods=missing), **given}
    layers_b = _read_layers(store.at(before))
    layers_a = _read_layers(store.at(after))
    for layers, period in ((layers_b, before), (layers_a, after)):
        if "villages" not in layers:
            msg = f"{store.location}: period {period} has no villages layer."
            raise InputError(msg)
    if layout is not None:
        target = store.resolve_layout(layout)
        units = store.read_layout(target, crs=WORK_CRS)
        for layers, period in ((layers_b, before), (layers_a, after)):
            if store.layout_of(period) != target:
                where = assign_units(layers["villages"], units)
                layers["villages"] = layers["villages"].assign(commune_id=where["unit_id"])
                layers["admin_units"] = units
    return period_changes(
        layers_b,
        layers_a,
        village_status(layers_b["villages"], found[before]),
        village_status(layers_a["villages"], found[after]),
        before_period=before,
        after_period=after,
    )


def plan_effects(store: Store) -> pd.DataFrame:
    """Return what the plans saved in the store's (bound, default latest) period would change.

    Parameters
    ----------
    store
        The store.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`coverage.trends.plan_effect` (empty without saved plans).
    """
    check_periods(store)
    saved: dict[str, dict[str, Any]] = {}
    for name in store.result_names("plan:"):
        result = store.read_result(name)
        if result is not None and isinstance(result.get("payload"), dict):
            saved[name.removeprefix("plan:")] = result["payload"]
    return plan_effect(saved, target_rules(store))


# --------------------------------------------------------------------------- layouts


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a summary's rows as JSON-ready records (missing percentages as ``None``)."""
    out = json.loads(frame.to_json(orient="records", force_ascii=False))
    return [dict(r) for r in out]


def _placed(
    layers: Mapping[str, gpd.GeoDataFrame], units: gpd.GeoDataFrame
) -> tuple[pd.Series, pd.Series]:
    """Return village id -> unit and place id -> unit of ``units``, by location."""
    villages = layers["villages"]
    where = assign_units(villages, units)
    village_units = pd.Series(
        where["unit_id"].to_numpy(), index=villages["village_id"].astype(str).to_numpy()
    )
    places = layers.get("priority_places")
    if places is None or not len(places):
        return village_units, pd.Series(dtype=object)
    at = assign_units(places, units)
    return village_units, pd.Series(
        at["unit_id"].to_numpy(), index=places["place_id"].astype(str).to_numpy()
    )


def in_store_layout(
    result: CoverageResult,
    layers: Mapping[str, gpd.GeoDataFrame],
    units: gpd.GeoDataFrame,
    *,
    same: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return a result's villages, clusters and places in a layout's units, and the units.

    Parameters
    ----------
    result
        A period's coverage.
    layers
        That period's layers in the working CRS (villages, priority places placed).
    units
        The layout's ``admin_units`` in the working CRS.
    same
        The period is in that layout already: nothing is moved.
    """
    plain = pd.DataFrame(units.drop(columns="geometry"))
    v, c, p = result.villages, result.clusters, result.places
    if not same:
        v, c, p = in_layout(v, c, p, *_placed(layers, units), plain)
    return v, c, p, plain


def layout_payloads(
    store: Store, layout: str, *, periods: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Return each period's indicators expressed in one administrative layout.

    A period in another layout is re-expressed by location (:mod:`coverage.layouts`):
    its villages and priority places are assigned to the layout's communes, clusters
    follow their village; the counts are the same villages' and clusters', so the province
    totals do not change. In a layout without districts, the *former districts* (of the
    latest earlier layout that has them) are given as well.

    Parameters
    ----------
    store
        The store.
    layout
        A layout id or a date/year (``"2025"``: the layout in force at the end of 2025).
    periods
        The periods wanted (default: all).

    Returns
    -------
    dict
        Period -> ``{"as_of", "layout", "province", "targets", "communes",
        "districts", "former_districts"}``; summary records as
        :func:`coverage.indicators.summarize` gives them (a commune without villages has
        zero counts and missing percentages).
    """
    held = check_periods(store, *(periods or []))
    target = store.resolve_layout(layout)
    units = store.read_layout(target, crs=WORK_CRS)
    levels = set(units["level"].astype(str))
    former_id = None
    if "district" not in levels:
        with_districts = [
            lay.layout_id
            for lay in store.layouts()
            if lay.layout_id < target and "district" in lay.levels
        ]
        former_id = with_districts[-1] if with_districts else None
    former = None if former_id is None else store.read_layout(former_id, crs=WORK_CRS)
    out: dict[str, dict[str, Any]] = {}
    for period in sorted(set(held if periods is None else periods)):
        bound = store.at(period)
        result, layers = _compute(bound)
        own = store.layout_of(period)
        v, c, p, plain = in_store_layout(result, layers, units, same=own == target)
        province = summarize_in_layout(v, c, p, plain, level="province")
        row = {str(k): val for k, val in province.iloc[0].items()}
        payload: dict[str, Any] = {
            "as_of": period,
            "layout": target,
            "province": _records(province)[0],
            "targets": evaluate_targets(row),
            "communes": _records(summarize_in_layout(v, c, p, plain, level="commune")),
            "districts": (
                _records(summarize_in_layout(v, c, p, plain, level="district"))
                if "district" in levels
                else []
            ),
            "former_districts": [],
        }
        if former is not None:
            fv, fc, fp = result.villages, result.clusters, result.places
            if own != former_id:
                fv, fc, fp = in_layout(
                    fv, fc, fp, *_placed(layers, former), former.drop(columns="geometry")
                )
            payload["former_districts"] = _records(
                summarize_in_layout(fv, fc, fp, former.drop(columns="geometry"), level="district")
            )
        out[period] = payload
    return out


def layout_series(store: Store, layout: str, level: str | None = "province") -> pd.DataFrame:
    """Return every indicator of every period in one layout, against its target.

    Parameters
    ----------
    store
        The store.
    layout
        A layout id, date or year (see :func:`layout_payloads`).
    level
        ``"province"``, ``"commune"``, ``"district"`` (in a layout with districts),
        ``"former_district"`` (in one without), or ``None`` for all.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`coverage.trends.indicator_series`; ``level`` is one of the
        above. A unit without data in a period has no row for it (never 0 %).
    """
    payloads = layout_payloads(store, layout)
    parts = [indicator_series({p: {**pl, "districts": []} for p, pl in payloads.items()})]
    for key, name in (
        ("communes", "commune"),
        ("districts", "district"),
        ("former_districts", "former_district"),
    ):
        per = {p: {"districts": pl[key]} for p, pl in payloads.items()}
        table = indicator_series(per)
        parts.append(table.assign(level=name))
    table = pd.concat(parts, ignore_index=True)
    if level is not None:
        table = table[table["level"] == level]
    return table.reset_index(drop=True)
