"""Cost of laying fiber, per metre, by road class and build type.

Three build types price every metre of a planned route:

* ``"aerial"``: a cable strung on existing poles along a road (power or telecom poles;
  the usual way rural Vietnam is cabled);
* ``"buried"``: a duct in a trench along a road (no poles to use, or the class says so);
* ``"off_road"``: across fields or hills where no road leads (the link from a village to
  its nearest road, a bridge between unconnected road pieces).

Which build type applies to which road class is a setting (:attr:`FiberCosts.build_by_class`),
like the unit prices themselves. Every default below is documented with its source.

No public Vietnamese unit price list (đơn giá / suất vốn đầu tư) for rural fiber routes was
found with the sources at hand, so the defaults are international benchmarks converted at
:data:`VND_PER_USD`; replace them with the operator's or the province's own unit prices
when they are known (``FiberCosts(aerial_vnd_per_m=...)`` or :meth:`FiberCosts.from_mapping`).

Sources
-------
* UN ESCAP (2018), *A Study on Cost-Benefit Analysis of Fibre-Optic Co-Deployment with the
  Asian Highway Connectivity* (Myanmar case study): building fiber together with a road saves
  at least USD 7,379 per km, 56.83 % of a separate deployment; a separate buried deployment
  along a road therefore costs 7,379 / 0.5683 ≈ USD 12,984 per km. Cross-check: Analysys
  Mason (2011, reported by Capacity Media, "Rural fibre costs 26% of urban fibre"): 1 km of
  fiber in a rural emerging market, USD 15,850.
* Fiber Broadband Association and Cartesian (2023), *Fiber Deployment Cost Annual Report*:
  median cost USD 6.49 per foot aerial against USD 16.25 per foot underground (ratio 0.40);
  underground in rocky terrain twice the cost in soft earth (median USD 20 vs 10 per foot).

Equipment per connection
------------------------
A household within reach of a new cable is connected with a drop cable from the nearest
splitter, a port of that splitter and a share of a port of the OLT (GPON) it hangs from,
and an ONT at home. No Vietnamese price list was at hand either; the default,
**2,500,000 VND per household** (≈ USD 100), is an *assumption* built from these parts:
drop cable and its installation USD 40 (rural labour; US figures USD 150-400), ONT USD 25
(US USD 60-150), a 1:16 splitter of USD 60 shared by 16 homes ≈ USD 4, a GPON OLT port
of about USD 2,000 (line cards USD 1,000-3,000 a port) shared by 64 homes ≈ USD 31. The US
ranges in brackets are those of a vendor's FTTH cost guide (eyby.com, "Passive optical
networks" category page); the Fiber to the Home Council's (via Benton Foundation) incremental
"cost to connect" of about USD 650 per subscriber in the US bounds it from above. Replace
it with the operator's own figure (``FiberCosts(equipment_vnd_per_household=...)``).
The command line and the app do not use this default: they price plans from the store's
cost table (:mod:`planner.cost_table`, ``connection.*`` rows, 1,950,000 VND by default:
drop and ONT, a splitter port, an OLT port share), which the department edits.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

from geodata.settings import from_mapping

__all__ = [
    "BUILD_TYPES",
    "DEFAULT_BACKUP_COSTS",
    "DEFAULT_COSTS",
    "VND_PER_USD",
    "BackupCosts",
    "BuildType",
    "FiberCosts",
]

BuildType = Literal["aerial", "buried", "off_road"]
"""How a metre of cable is laid."""

BUILD_TYPES: Final[tuple[str, ...]] = get_args(BuildType)
"""The build types, cheapest first."""

VND_PER_USD: Final = 25_000.0
"""Exchange rate used to convert the USD benchmarks (Vietcombank, 2024, rounded)."""

_BURIED_USD_PER_KM: Final = 12_984.0
"""ESCAP (2018), Myanmar: separate deployment = USD 7,379 saved / 0.5683 share saved."""

_AERIAL_TO_BURIED: Final = 6.49 / 16.25
"""FBA/Cartesian (2023): median aerial over median underground cost per foot (≈ 0.40)."""

_OFF_ROAD_TO_BURIED: Final = 1.5
"""Assumption: mixed fields and hills, no road access, rights of way; between soft earth
(1x) and rock (2x) in FBA/Cartesian (2023)."""


def _round_vnd(value: float) -> float:
    """Round a unit price to the nearest 1,000 VND."""
    return float(round(value / 1000.0) * 1000.0)


_BURIED_VND_PER_M: Final = _round_vnd(_BURIED_USD_PER_KM * VND_PER_USD / 1000.0)  # 325,000
_AERIAL_VND_PER_M: Final = _round_vnd(_BURIED_VND_PER_M * _AERIAL_TO_BURIED)  # 130,000
_OFF_ROAD_VND_PER_M: Final = _round_vnd(_BURIED_VND_PER_M * _OFF_ROAD_TO_BURIED)  # 488,000

_EQUIPMENT_USD_PER_HOUSEHOLD: Final = 40.0 + 25.0 + 60.0 / 16 + 2000.0 / 64
"""Assumption: drop + install, ONT, splitter port share, OLT port share (≈ USD 100)."""
_EQUIPMENT_VND_PER_HOUSEHOLD: Final = float(
    round(_EQUIPMENT_USD_PER_HOUSEHOLD * VND_PER_USD / 100_000.0) * 100_000.0
)  # 2,500,000


def _default_build_by_class() -> dict[str, BuildType]:
    # Roads down to village roads have poles along them (power distribution reaches
    # every electrified village); mountain tracks have none.
    return {
        "national": "aerial",
        "provincial": "aerial",
        "district": "aerial",
        "commune": "aerial",
        "village": "aerial",
        "track": "buried",
    }


@dataclass(frozen=True)
class FiberCosts:
    """Unit prices of fiber construction and the build type of each road class.

    Attributes
    ----------
    aerial_vnd_per_m
        Cable on existing poles along a road: 130,000 VND/m (≈ USD 5,200/km; ESCAP 2018
        separate-deployment cost times the FBA/Cartesian 2023 aerial/underground ratio).
    buried_vnd_per_m
        Duct in a trench along a road: 325,000 VND/m (≈ USD 13,000/km; ESCAP 2018).
    off_road_vnd_per_m
        Across country, no road: 488,000 VND/m (1.5 x buried; an assumption bracketed by
        FBA/Cartesian 2023's soft-earth and rock costs).
    build_by_class
        Road class (``geodata.schemas.ROAD_CLASSES``) -> build type.
    class_factor
        Optional multiplier of the unit price per road class (1.0 when absent), e.g. 1.3
        for the reinstatement of asphalt along national roads.
    default_build
        Build type of a road whose class is missing or not in `build_by_class`.
    equipment_vnd_per_household
        Equipment of one connection (drop cable, splitter port, share of an OLT port,
        ONT): 2,500,000 VND per household reached (an assumption, see the module's
        "Equipment per connection"); 0 leaves equipment out.
    """

    aerial_vnd_per_m: float = _AERIAL_VND_PER_M
    buried_vnd_per_m: float = _BURIED_VND_PER_M
    off_road_vnd_per_m: float = _OFF_ROAD_VND_PER_M
    build_by_class: Mapping[str, BuildType] = field(default_factory=_default_build_by_class)
    class_factor: Mapping[str, float] = field(default_factory=dict)
    default_build: BuildType = "buried"
    equipment_vnd_per_household: float = _EQUIPMENT_VND_PER_HOUSEHOLD

    def __post_init__(self) -> None:
        """Refuse prices that are not positive finite numbers and unknown build types."""
        problems: list[str] = []
        for name in ("aerial_vnd_per_m", "buried_vnd_per_m", "off_road_vnd_per_m"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                problems.append(f"`{name}` must be a positive number of VND, got {value!r}")
        value = self.equipment_vnd_per_household
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            problems.append(
                f"`equipment_vnd_per_household` must be a number of VND >= 0, got {value!r}"
            )
        builds = {**self.build_by_class, "(default_build)": self.default_build}
        problems += [
            f"road class {cls!r} has build type {build!r}; expected one of {list(BUILD_TYPES)}"
            for cls, build in builds.items()
            if build not in BUILD_TYPES
        ]
        problems += [
            f"`class_factor` for {cls!r} must be a positive number, got {factor!r}"
            for cls, factor in self.class_factor.items()
            if not (isinstance(factor, int | float) and math.isfinite(factor) and factor > 0)
        ]
        if problems:
            msg = "invalid fiber costs: " + "; ".join(problems) + ". Fix the values given."
            raise ValueError(msg)

    def per_m(self, build: BuildType) -> float:
        """Return the unit price of a build type.

        Parameters
        ----------
        build
            ``"aerial"``, ``"buried"`` or ``"off_road"``.

        Returns
        -------
        float
            VND per metre.

        Raises
        ------
        ValueError
            For an unknown build type.
        """
        prices = {
            "aerial": self.aerial_vnd_per_m,
            "buried": self.buried_vnd_per_m,
            "off_road": self.off_road_vnd_per_m,
        }
        try:
            return float(prices[build])
        except KeyError as e:
            msg = f"{build!r} is not a build type; expected one of {list(BUILD_TYPES)}"
            raise ValueError(msg) from e

    def for_road(self, road_class: str | None) -> tuple[BuildType, float]:
        """Return how a road of this class is cabled and its price per metre.

        Parameters
        ----------
        road_class
            The road's class, or None when unknown.

        Returns
        -------
        tuple of (str, float)
            The build type and the price in VND per metre (with the class factor).

        Examples
        --------
        >>> FiberCosts().for_road("commune")
        ('aerial', 130000.0)
        >>> FiberCosts().for_road(None)
        ('buried', 325000.0)
        """
        build = self.default_build
        if road_class is not None:
            build = self.build_by_class.get(road_class, self.default_build)
        factor = 1.0 if road_class is None else float(self.class_factor.get(road_class, 1.0))
        return build, self.per_m(build) * factor

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> FiberCosts:
        """Build costs from a mapping, refusing unknown names.

        Parameters
        ----------
        values
            Setting name -> value.

        Returns
        -------
        FiberCosts

        Raises
        ------
        KeyError
            For a name that is not a setting, listing the valid ones.
        """
        return from_mapping(cls, values, what="fiber cost")

    def as_dict(self) -> dict[str, Any]:
        """Return the costs as a JSON-ready mapping."""
        out = dataclasses.asdict(self)
        out["build_by_class"] = dict(self.build_by_class)
        out["class_factor"] = dict(self.class_factor)
        out["vnd_per_usd"] = VND_PER_USD
        return out


DEFAULT_COSTS: Final = FiberCosts()
"""The documented defaults."""


@dataclass(frozen=True)
class BackupCosts:
    """Prices of backup power at a mobile site (``hatangso plan backup``).

    Every figure is an *assumption* (giả định) unless its source is named; replace them
    with the operators' own (``BackupCosts(generator_vnd=...)``).

    Attributes
    ----------
    site_load_kw
        Average draw of a rural 3-sector LTE site with its transmission: 1.5 kW,
        *assumption* (GSMA, *Green Power for Mobile*, gives 1-2 kW for off-grid macro
        sites).
    battery_vnd_per_kwh
        Installed LFP battery, 7,000,000 VND/kWh: the figure of the cost table's
        ``site.solar_battery_vnd`` row (``planner/data/costs_vn.csv``), itself an
        assumption.
    battery_usable_share
        Share of a battery's capacity usable without damaging it: 0.8, *assumption*
        (LFP is usually run to 80-90 % depth of discharge).
    battery_max_hours
        Longest autonomy offered on batteries (24 h, *assumption*: beyond a day a
        generator is the usual answer, and the cabinet has no room for more).
    generator_vnd
        A 10 kVA diesel generator with its automatic transfer switch, fuel tank, plinth
        and installation: 150,000,000 VND (≈ USD 6,000), *assumption*. Fuel is assumed
        delivered during the outage; its cost is not counted.
    """

    site_load_kw: float = 1.5
    battery_vnd_per_kwh: float = 7_000_000.0
    battery_usable_share: float = 0.8
    battery_max_hours: float = 24.0
    generator_vnd: float = 150_000_000.0

    def battery_vnd(self, from_hours: float, to_hours: float) -> float:
        """Return the price of extending a site's batteries from one autonomy to another.

        Examples
        --------
        >>> BackupCosts().battery_vnd(2.0, 4.0)  # 1,5 kW x 2 h / 0,8 = 3,75 kWh
        26250000.0
        """
        extra_kwh = max(0.0, to_hours - from_hours) * self.site_load_kw / self.battery_usable_share
        return extra_kwh * self.battery_vnd_per_kwh

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> BackupCosts:
        """Build the prices from a mapping, refusing unknown names."""
        return from_mapping(cls, values, what="backup cost")


DEFAULT_BACKUP_COSTS: Final = BackupCosts()
"""The stated assumptions above."""
