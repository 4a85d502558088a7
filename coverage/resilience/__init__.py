"""Resilience of the existing network: single points of failure and hazard scenarios.

:mod:`~coverage.resilience.network` builds the graph of what depends on what (cables,
fiber nodes, sites and their backhaul, the core), :mod:`~coverage.resilience.spof` finds
the cuts and failures that take service away, :mod:`~coverage.resilience.scenario` plays
a hazard hour by hour through the coverage engine. The rules are
:class:`~coverage.resilience.settings.ResilienceSettings`.
"""

from __future__ import annotations

from coverage.resilience.network import CORE, Network, build_network
from coverage.resilience.scenario import Hazard, HourState, ScenarioResult, run_scenario
from coverage.resilience.settings import DEFAULT_RESILIENCE, ResilienceSettings
from coverage.resilience.spof import SPOF_COLUMNS, single_points_of_failure

__all__ = [
    "CORE",
    "DEFAULT_RESILIENCE",
    "SPOF_COLUMNS",
    "Hazard",
    "HourState",
    "Network",
    "ResilienceSettings",
    "ScenarioResult",
    "build_network",
    "run_scenario",
    "single_points_of_failure",
]
