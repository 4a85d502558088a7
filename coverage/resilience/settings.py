"""The rules of resilience analysis, every one a setting, with its reason.

What counts as the core, how cables join, how a site finds its fiber, what each kind of
hazard damages and the hours a scenario is told at. A :class:`ResilienceSettings` refuses
unknown names (:func:`geodata.settings.from_mapping`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geodata.settings import from_mapping

__all__ = ["DAMAGES", "DEFAULT_RESILIENCE", "HAZARD_KINDS", "ResilienceSettings"]

#: The hazard kinds a scenario knows (``geodata.hazard`` reads them from a file).
HAZARD_KINDS = ("storm", "flood", "landslide", "power_outage")

#: What each hazard kind breaks inside its area besides the grid power, which every
#: hazard area cuts for the scenario's outage hours. ``aerial`` / ``buried``: fiber
#: routes of that build; ``towers``: the towers of ``wind_tower_types``; ``sites``: every
#: site. A storm's wind brings down cables on poles and light structures, not buried
#: cable; a landslide takes whatever stands on the slope; flood water and a power cut
#: are assumed to take only the power (equipment shelters stand above the ground).
DAMAGES: Mapping[str, tuple[str, ...]] = {
    "storm": ("aerial", "towers"),
    "flood": (),
    "landslide": ("aerial", "buried", "sites"),
    "power_outage": (),
}


@dataclass(frozen=True)
class ResilienceSettings:
    """Thresholds and assumptions of single points of failure and scenarios.

    Attributes
    ----------
    snap_m
        A route end within this distance of another route of the same operator is
        spliced to it, and so is a fiber node; files rarely make cables meet exactly.
    backhaul_reach_m
        A site with fiber backhaul is fed by the nearest fiber of its operator within
        this distance, else by another operator's (leased); farther than that its
        backhaul is not located and it is assumed to reach the core on its own (listed).
    core_levels
        Route levels that are the core: every point of a backbone cable is taken to reach
        the national network (the operators' backbone is meshed beyond the province).
    core_node_kinds
        Fiber node kinds that are the core (``pop``: host exchange, point of presence).
        An operator with neither a core route nor a core node has its OLTs as its core.
    wind_tower_types
        Tower types a storm's wind brings down inside its area (guyed masts, rooftop
        poles and street poles; unknown types are assumed to stand).
    hours
        The hours after the hazard strikes that a scenario is told at.
    damages
        What each hazard kind breaks (:data:`DAMAGES`).
    """

    snap_m: float = 5.0
    backhaul_reach_m: float = 500.0
    core_levels: tuple[str, ...] = ("backbone",)
    core_node_kinds: tuple[str, ...] = ("pop",)
    wind_tower_types: tuple[str, ...] = ("guyed", "rooftop", "pole")
    hours: tuple[float, ...] = (0.0, 4.0, 8.0, 24.0, 72.0)
    damages: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DAMAGES))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ResilienceSettings:
        """Build settings from a mapping, refusing unknown names.

        Examples
        --------
        >>> ResilienceSettings.from_mapping({"snap_m": 2.0}).snap_m
        2.0
        """
        return from_mapping(cls, values, what="resilience")


DEFAULT_RESILIENCE = ResilienceSettings()
