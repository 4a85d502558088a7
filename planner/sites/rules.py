"""The unit costs and distances that decide a proposed site's backhaul, power and cost.

:data:`SITE_COST_VND` is the cost of one new site before backhaul and power;
:class:`SiteRules` holds the rest (how far fiber, microwave and the grid reach, and what
each costs), every default a documented planning assumption; :data:`DEFAULT_RULES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEFAULT_RULES",
    "SITE_COST_VND",
    "SiteRules",
]

#: Cost of one new rural 4G macro site (VND): a 30 m self-supporting steel mast with its
#: foundation, an outdoor cabinet with rectifiers and batteries, a three-sector LTE 1800
#: eNodeB with antennas and feeders, site acquisition and installation. A planning
#: assumption, not a quote: about US$ 48,000 at 25,000 VND/US$ (the rate of
#: ``planner.costs.VND_PER_USD``; every US$ figure below uses it). Public US figures
#: for a complete rural tower are far higher (US$ 200,000-300,000 with generator and
#: microwave; RCR Wireless, "Cost to build out rural U.S. is enormous", 2003-11-10) and
#: Vietnamese labour and steel are cheaper; replace it with the operators' own unit
#: costs when they are available.
SITE_COST_VND: Final = 1_200_000_000.0


@dataclass(frozen=True)
class SiteRules:
    """Distances and unit costs that decide a proposed site's backhaul, power and cost.

    Every default is a documented planning assumption; an operator's own figures should
    replace them.

    Attributes
    ----------
    fiber_backhaul_m
        Fiber backhaul when an existing fiber route or node lies within this distance
        (2 km: a short aerial spur on the existing low-voltage poles).
    fiber_cost_per_m_vnd
        Cost of that spur per metre (VND): a cable on existing poles, the aerial default
        of ``planner.costs`` (130,000 VND/m, about US$ 5.2/m: UN ESCAP 2018's buried
        cost per km scaled by the aerial/underground ratio of the Fiber Broadband
        Association and Cartesian's 2023 cost report; sources in ``planner.costs``).
    microwave_range_m
        Longest microwave hop to an existing site (15 km: a 15 GHz hop with 0.6 m
        dishes in the tropics; ITU-R P.530 rain fade limits longer hops at that band).
    microwave_freq_mhz
        Frequency of the hop, MHz, for the Fresnel-zone clearance.
    fresnel_fraction
        Share of the first Fresnel zone that must clear the terrain (0.6, the usual
        criterion for microwave line of sight; see
        :func:`coverage.terrain.line_of_sight`).
    microwave_cost_vnd
        One microwave hop (VND): two split-mount radios, two 0.6 m antennas and
        installation at both ends; planning assumption (about US$ 10,000).
    satellite_cost_vnd
        A VSAT terminal with installation when neither fiber nor microwave reaches
        (VND; planning assumption, about US$ 8,000; the monthly capacity fee, which
        dominates the life-cycle cost, is not included).
    power_line_m
        Grid power when a distribution line lies within this distance (1 km).
    max_power_line_kv
        Lines above this voltage are transmission lines that cannot feed a site without
        a substation and are ignored (35 kV: the top of the medium-voltage range of
        Vietnam's distribution grid, Circular 39/2015/TT-BCT art. 3; the 110 kV and
        220 kV lines of the demo do not count). A line without a voltage counts.
    electrified_village_m
        Grid power also when an electrified village (``has_electricity``) lies within
        this distance (1 km): its low-voltage network can be extended to the site.
    solar_extra_cost_vnd
        Extra cost of an off-grid solar power system (VND): about 9 kWp of panels and
        60 kWh of lithium (LFP) batteries for two days' autonomy of a rural 4G site
        drawing 1.2 kW (29 kWh a day at about 4.2 kWh/kWp/day in Bình Định, Global
        Solar Atlas, with 25 % losses), with controller, racks and installation; at
        about 14 million VND/kWp and 7 million VND/kWh installed. Planning assumption.
    """

    fiber_backhaul_m: float = 2_000.0
    fiber_cost_per_m_vnd: float = 130_000.0
    microwave_range_m: float = 15_000.0
    microwave_freq_mhz: float = 15_000.0
    fresnel_fraction: float = 0.6
    microwave_cost_vnd: float = 250_000_000.0
    satellite_cost_vnd: float = 200_000_000.0
    power_line_m: float = 1_000.0
    max_power_line_kv: float = 35.0
    electrified_village_m: float = 1_000.0
    solar_extra_cost_vnd: float = 650_000_000.0


#: The default rules.
DEFAULT_RULES: Final = SiteRules()
