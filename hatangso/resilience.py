"""Resilience of a store's period: single points of failure and hazard scenarios.

What ``hatangso resilience`` and the app's Ứng cứu thông tin page share: the
period's layers read once in the metric CRS, the analysis of :mod:`coverage.resilience`,
and the names of communes and villages for the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from coverage.engine import CoverageInputs
from coverage.resilience.network import Network, build_network
from coverage.resilience.scenario import Hazard, ScenarioResult, run_scenario
from coverage.resilience.settings import DEFAULT_RESILIENCE, ResilienceSettings
from coverage.resilience.spof import single_points_of_failure
from geodata.crs import WORK_CRS
from geodata.errors import InputError
from geodata.hazard import read_hazard
from geodata.store import Store
from geodata.validate import ValidationContext

__all__ = [
    "ScenarioView",
    "SpofView",
    "load_scenario",
    "load_spof",
    "restoration_times",
    "unit_names",
    "villages_lost",
]


@dataclass(frozen=True)
class SpofView:
    """Single points of failure of a period.

    Attributes
    ----------
    table
        :data:`~coverage.resilience.spof.SPOF_COLUMNS`, most households first.
    network
        The dependency graph it was found on.
    names
        ``unit_id`` / ``village_id`` -> name.
    """

    table: pd.DataFrame
    network: Network
    names: dict[str, str]


@dataclass(frozen=True)
class ScenarioView:
    """A hazard played over a period.

    Attributes
    ----------
    result
        The scenario.
    names
        ``unit_id`` / ``village_id`` -> name.
    inputs
        The layers and rasters it ran on (for the restoration order).
    """

    result: ScenarioResult
    names: dict[str, str]
    inputs: CoverageInputs


def unit_names(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, str]:
    """Return ``id -> name`` of the administrative units and villages."""
    out: dict[str, str] = {}
    for layer, col in (("admin_units", "unit_id"), ("villages", "village_id")):
        frame = layers.get(layer)
        if frame is not None and "name" in frame:
            out.update(zip(frame[col].astype(str), frame["name"].astype(str), strict=True))
    return out


def _layers(store: Store) -> dict[str, gpd.GeoDataFrame]:
    layers = store.read_all(crs=WORK_CRS)
    missing = [name for name in ("villages", "fiber_routes") if name not in layers]
    if missing:
        msg = (
            f"{store.location}: period {store.info().as_of} has no {', '.join(missing)}; "
            "resilience analysis needs the villages and the fiber network (hatangso import "
            "FILE --layer NAME --into STORE)."
        )
        raise InputError(msg)
    return layers


def load_spof(store: Store, *, settings: ResilienceSettings = DEFAULT_RESILIENCE) -> SpofView:
    """Find the single points of failure of a store's period.

    Parameters
    ----------
    store
        The store, bound to its period.
    settings
        The resilience rules.

    Returns
    -------
    SpofView
    """
    layers = _layers(store)
    network = build_network(
        layers.get("fiber_routes"),
        layers.get("fiber_nodes"),
        layers.get("mobile_sites"),
        settings=settings,
    )
    table = single_points_of_failure(network, layers["villages"], layers.get("clusters"))
    return SpofView(table, network, unit_names(layers))


def load_scenario(
    store: Store,
    hazard_file: str | Path,
    outage_hours: float,
    *,
    hours: Sequence[float] | None = None,
    settings: ResilienceSettings = DEFAULT_RESILIENCE,
) -> ScenarioView:
    """Play a hazard file over a store's period.

    Parameters
    ----------
    store
        The store, bound to its period.
    hazard_file
        The areas or storm track (:func:`geodata.hazard.read_hazard`).
    outage_hours
        Hours without grid power over the areas.
    hours
        The hours to tell (default ``settings.hours``).
    settings
        The resilience rules.

    Returns
    -------
    ScenarioView

    Raises
    ------
    InputError
        A negative outage, a hazard file that fails its checks.
    """
    if not outage_hours >= 0:
        msg = f"--outage-hours must be 0 or more hours, got {outage_hours:g}."
        raise InputError(msg)
    layers = _layers(store)
    context = ValidationContext()
    context.add_layer("admin_units", layers["admin_units"].to_crs(4326))
    hazard = Hazard.from_frame(read_hazard(hazard_file, context=context), outage_hours)
    inputs = CoverageInputs.from_store(store, layers)
    result = run_scenario(inputs, hazard, settings=settings, hours=hours)
    return ScenarioView(result, unit_names(layers), inputs)


def villages_lost(result: ScenarioResult, hour: float) -> pd.DataFrame:
    """Return the villages that lose service at ``hour``, most households cut off first.

    Parameters
    ----------
    result
        The scenario.
    hour
        One of its hours.

    Returns
    -------
    pandas.DataFrame
        ``village_id``, ``commune_id``, ``households_without_fiber``,
        ``households_without_4g``, ``households_cut_off`` (households that had the service
        before the hazard, summed over the village's clusters, as
        :meth:`~coverage.resilience.scenario.ScenarioResult.summary` counts them); only
        villages where one of them is above zero.
    """
    state = next(s for s in result.states if s.hour == hour)
    was, now = result.before.coverage.clusters, state.coverage.clusters
    had_fiber = was["fiber_reached"].to_numpy(bool)
    had_4g = was["mobile_4g"].to_numpy(bool)
    has_fiber = now["fiber_reached"].to_numpy(bool)
    has_4g = now["mobile_4g"].to_numpy(bool)
    hh = was["households"].to_numpy(np.int64)
    lost = pd.DataFrame(
        {
            "village_id": was["village_id"].astype(str).to_numpy(),
            "commune_id": was["commune_id"].astype(str).to_numpy(),
            "households_without_fiber": hh * (had_fiber & ~has_fiber),
            "households_without_4g": hh * (had_4g & ~has_4g),
            "households_cut_off": hh * ((had_fiber | had_4g) & ~(has_fiber | has_4g)),
        }
    )
    table = lost.groupby(["village_id", "commune_id"], as_index=False).sum()
    figures = ["households_without_fiber", "households_without_4g", "households_cut_off"]
    table = table[table[figures].sum(axis=1) > 0]
    return table.sort_values(
        ["households_cut_off", "households_without_4g", "village_id"],
        ascending=[False, False, True],
    ).reset_index(drop=True)


def restoration_times(
    repairs: pd.DataFrame, shares: Sequence[int] = (50, 90, 100)
) -> dict[int, float | None]:
    """Return when each share of the households the repairs bring back is surely back.

    Parameters
    ----------
    repairs
        :func:`planner.restoration.restoration_order`'s table.
    shares
        Percentages of the households restored by the whole list.

    Returns
    -------
    dict
        Share -> hours after the crews set out (``restored_by_h`` of the first repair at
        which the running total reaches the share), ``None`` when no household comes back.

    Examples
    --------
    >>> table = pd.DataFrame({"households_restored_total": [60, 90, 100],
    ...                       "restored_by_h": [6.0, 12.0, 30.0]})
    >>> restoration_times(table)
    {50: 6.0, 90: 12.0, 100: 30.0}
    """
    total = int(repairs["households_restored_total"].iloc[-1]) if len(repairs) else 0
    out: dict[int, float | None] = {}
    for share in shares:
        reached = repairs[repairs["households_restored_total"] >= total * share / 100]
        out[share] = float(reached["restored_by_h"].iloc[0]) if total and len(reached) else None
    return out
