"""Hardening plans of a store's period: rings to close, backup power to add.

What ``hatangso plan rings`` and ``hatangso plan backup`` (and, later, the app's Ứng cứu
thông tin page) share: the period's layers read once in the metric CRS, the prices of the
period's cost table (:mod:`hatangso.costs`) for the rings, the proposals of
:mod:`planner.hardening`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coverage.engine import CoverageInputs
from coverage.resilience.network import build_network
from coverage.resilience.scenario import Hazard
from geodata.crs import WORK_CRS
from geodata.errors import InputError
from geodata.hazard import read_hazard
from geodata.store import Store
from geodata.validate import ValidationContext
from hatangso.costs import load_cost_table
from hatangso.resilience import unit_names
from planner.costs import DEFAULT_BACKUP_COSTS, BackupCosts
from planner.graph import build_road_graph
from planner.hardening.backup import BackupPlan, outage_everywhere, propose_backup
from planner.hardening.rings import RingPlan, propose_rings

__all__ = ["BackupView", "RingsView", "load_backup", "load_rings"]


@dataclass(frozen=True)
class RingsView:
    """Rings proposed for a period, with the names of its units."""

    plan: RingPlan
    names: dict[str, str]


@dataclass(frozen=True)
class BackupView:
    """Backup upgrades proposed for a period, with the names of its units."""

    plan: BackupPlan
    names: dict[str, str]
    area: str


def load_rings(
    store: Store,
    *,
    operator: str | None = None,
    budget_vnd: float | None = None,
    top: int | None = None,
) -> RingsView:
    """Propose the rings to close on a store's period (:func:`planner.hardening.rings`).

    Raises
    ------
    InputError
        The period has no villages, fiber routes or roads.
    """
    layers = store.read_all(crs=WORK_CRS)
    missing = [n for n in ("villages", "fiber_routes", "roads") if n not in layers]
    if missing:
        msg = (
            f"{store.location}: period {store.info().as_of} has no {', '.join(missing)}; "
            "rings need the villages, the fiber network and the roads "
            "(hatangso import FILE --layer NAME --into STORE)."
        )
        raise InputError(msg)
    prices = load_cost_table(store).fiber_costs()
    network = build_network(
        layers["fiber_routes"], layers.get("fiber_nodes"), layers.get("mobile_sites")
    )
    roads = build_road_graph(layers["roads"], costs=prices)
    plan = propose_rings(
        network,
        layers["villages"],
        layers.get("clusters"),
        roads,
        costs=prices,
        operator=operator,
        budget_vnd=budget_vnd,
        top=top,
    )
    return RingsView(plan, unit_names(layers))


def load_backup(  # noqa: PLR0913 - the plan's options, keyword-only
    store: Store,
    *,
    outage_hours: float = 24.0,
    hazard_file: str | Path | None = None,
    operator: str | None = None,
    budget_vnd: float | None = None,
    top: int | None = None,
    costs: BackupCosts = DEFAULT_BACKUP_COSTS,
) -> BackupView:
    """Propose backup power for a store's period (:func:`planner.hardening.backup`).

    Parameters
    ----------
    store
        The store, bound to its period.
    outage_hours
        Hours without grid power.
    hazard_file
        The areas without power (:func:`geodata.hazard.read_hazard`); ``None``: every
        site of the period.
    operator, budget_vnd, top
        As for :func:`planner.hardening.backup.propose_backup`.
    costs
        Prices of batteries and generators.

    Returns
    -------
    BackupView
    """
    if not outage_hours > 0:
        msg = f"--outage-hours must be more than 0 hours, got {outage_hours:g}."
        raise InputError(msg)
    layers = store.read_all(crs=WORK_CRS)
    if "villages" not in layers or "mobile_sites" not in layers:
        msg = (
            f"{store.location}: period {store.info().as_of} needs villages and mobile_sites "
            "for a backup plan (hatangso import FILE --layer NAME --into STORE)."
        )
        raise InputError(msg)
    inputs = CoverageInputs.from_store(store, layers)
    if hazard_file is None:
        hazard = outage_everywhere(inputs, outage_hours)
        area = "toàn tỉnh"
    else:
        context = ValidationContext()
        context.add_layer("admin_units", layers["admin_units"].to_crs(4326))
        hazard = Hazard.from_frame(read_hazard(hazard_file, context=context), outage_hours)
        area = str(hazard_file)
    plan = propose_backup(
        inputs, hazard, costs=costs, operator=operator, budget_vnd=budget_vnd, top=top
    )
    return BackupView(plan, unit_names(layers), area)
