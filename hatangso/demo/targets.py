"""What the demo reproduces: its reference dates and the province's published figures.

The synthetic networks are calibrated to these figures with the real coverage functions
and the default rules (:data:`coverage.settings.DEFAULT_SETTINGS`), never by changing a
rule (:mod:`hatangso.demo.fiber`, :mod:`hatangso.demo.mobile`,
:mod:`hatangso.demo.periods`):

* mid-2024 (:data:`PUBLISHED_MID_2024`): 1,161 of 1,176 villages with fiber, the 15
  without it being làng O2 and 14 villages of An Lão, Vĩnh Thạnh and Vân Canh; 75 % of
  households; 4G in every village but làng O2; Viettel's five 5G pilot sites in Quy Nhơn;
* end of 2024 (:data:`PUBLISHED_END_2024`): 1,168 of 1,176 villages with fiber, 4G
  unchanged, Viettel 5G at every district centre on more than 70 sites.

Because the generator places cables and sites until the coverage engine measures these
figures, a demo that shows them is a property of the generator, not a validation of the
engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd

# ------------------------------------------------------------------------------ the area

__all__ = [
    "AS_OF",
    "AS_OF_LATER",
    "CANH_GIAO",
    "PROVINCE_CODE",
    "PROVINCE_HOUSEHOLDS",
    "PUBLISHED_END_2024",
    "PUBLISHED_MID_2024",
    "SAMPLE_LATER",
    "SAMPLE_TARGETS",
    "LaterTargets",
    "NetworkTargets",
    "later_targets_for",
    "targets_for",
]

AS_OF: Final = dt.date(2024, 6, 30)
"""Reference date of the demo: the province's published mid-2024 status."""

AS_OF_LATER: Final = dt.date(2024, 12, 31)
"""Reference date of the demo's later period: the province's published end-2024 status."""

PROVINCE_CODE: Final = "52"
"""GSO code of Bình Định: the area the published figures are for (else the sample's)."""

PROVINCE_HOUSEHOLDS: Final = 434_379
"""Households of Bình Định (2019 census); site counts scale with an area's households."""

CANH_GIAO: Final = "Thôn Canh Giao"
"""The village of xã Canh Hiệp (Vân Canh) that got grid power in April 2024 and 4G in June."""


# --------------------------------------------------------------------------- mid-2024


@dataclass(frozen=True)
class NetworkTargets:
    """What the synthetic networks are calibrated to.

    Attributes
    ----------
    unreached_by_district
        District code -> villages left without fiber there, besides the villages
        without electricity (which never get fiber).
    households_fiber_pct
        Share of households whose cluster fiber reaches, in percent; ``None`` to
        build the full access network without calibrating it.
    households_tolerance_pct
        Accepted distance from ``households_fiber_pct``, percentage points.
    site_counts
        Operator -> number of sites placed by households before the 4G gaps are
        filled, for the province's 434,379 households (scaled to the area's).
    five_g_places
        Priority places (``place_id``) next to which the 5G pilot sites stand.
    five_g_operator
        The operator of the 5G pilot.
    fpt_districts
        Districts whose towns and wards get FPT's small fiber network.
    """

    unreached_by_district: Mapping[str, int]
    households_fiber_pct: float | None
    households_tolerance_pct: float = 0.5
    site_counts: Mapping[str, int] = field(
        default_factory=lambda: {
            "Viettel": 980,
            "VNPT": 680,
            "MobiFone": 580,
            "Vietnamobile": 150,
        }
    )
    five_g_places: tuple[str, ...] = ()
    five_g_operator: str = "Viettel"
    fpt_districts: tuple[str, ...] = ()


PUBLISHED_MID_2024: Final = NetworkTargets(
    unreached_by_district={"542": 5, "546": 4, "551": 5},  # An Lão, Vĩnh Thạnh, Vân Canh
    households_fiber_pct=75.0,
    five_g_places=("DC540", "HO01", "SC01", "TO08", "IP01"),
    fpt_districts=("540", "549"),  # Quy Nhơn, An Nhơn
)
"""The province's published mid-2024 status (98.7 % of villages, 75 % of households)."""

SAMPLE_TARGETS: Final = NetworkTargets(unreached_by_district={}, households_fiber_pct=None)
"""The synthetic sample area: every village with electricity gets fiber and 4G."""


def targets_for(admin_units: gpd.GeoDataFrame) -> NetworkTargets:
    """Return the targets of the area: the published status for Bình Định, else the sample's.

    Parameters
    ----------
    admin_units
        The ``admin_units`` layer of the demo.

    Returns
    -------
    NetworkTargets
    """
    province = admin_units.loc[admin_units["level"] == "province", "unit_id"].astype(str)
    return PUBLISHED_MID_2024 if PROVINCE_CODE in set(province) else SAMPLE_TARGETS


# -------------------------------------------------------------------------- end of 2024


@dataclass(frozen=True)
class LaterTargets:
    """What changes in the networks between the first period and the later one.

    Attributes
    ----------
    fiber_extensions
        Villages without fiber (with electricity) that new access cables reach: the
        cheapest extensions along the roads, each by the fiber operator whose network
        is nearest.
    keep_per_district
        At least this many villages stay without fiber in each district that had some.
    second_operator
        Villages served by one fiber operator that the other one reaches too (the
        largest first); used by the sample area, where every village has fiber.
    new_sites
        Operator -> new 4G sites, in the communes with the most households per own site.
    removed_sites
        Operator -> decommissioned sites (2G/3G-only ones first, then redundant ones),
        never changing which villages or clusters have 4G.
    five_g_sites
        Sites of ``five_g_operator`` carrying 5G at the end (pilots included); 0 keeps
        them as they are.
    five_g_kinds
        Kinds of priority places that ``five_g_operator``'s 5G must cover.
    five_g_operator
        The operator upgrading its sites to 5G.
    """

    fiber_extensions: int = 0
    keep_per_district: int = 1
    second_operator: int = 0
    new_sites: Mapping[str, int] = field(default_factory=dict)
    removed_sites: Mapping[str, int] = field(default_factory=dict)
    five_g_sites: int = 0
    five_g_kinds: tuple[str, ...] = ("district_centre",)
    five_g_operator: str = "Viettel"


PUBLISHED_END_2024: Final = LaterTargets(
    fiber_extensions=7,
    keep_per_district=1,
    new_sites={"Viettel": 6, "VNPT": 4, "MobiFone": 4, "Vietnamobile": 3},
    removed_sites={"Viettel": 2, "VNPT": 3, "MobiFone": 3, "Vietnamobile": 2},
    five_g_sites=76,
)
"""The province's published end-2024 status.

Fiber in 159/159 communes and in 1,168 of 1,176 villages: the 8 without it (làng O2,
still without grid power, among them) are in An Lão, Vĩnh Thạnh and Vân Canh. The press
gives 99.2 % of villages, but 1,168/1,176 is 99.3 %; the demo keeps the 8 villages,
the list the department acts on. 4G is unchanged (every village but làng O2); Viettel
carries 5G at every district centre on more than 70 sites.
"""

SAMPLE_LATER: Final = LaterTargets(second_operator=1, new_sites={"Viettel": 1, "MobiFone": 1})
"""The sample area's later period: one fiber extension and two new sites."""


def later_targets_for(admin_units: gpd.GeoDataFrame) -> LaterTargets:
    """Return the later period's targets: end-2024 for Bình Định, else the sample's.

    Parameters
    ----------
    admin_units
        The ``admin_units`` layer of the demo.

    Returns
    -------
    LaterTargets
    """
    province = admin_units.loc[admin_units["level"] == "province", "unit_id"].astype(str)
    return PUBLISHED_END_2024 if PROVINCE_CODE in set(province) else SAMPLE_LATER
