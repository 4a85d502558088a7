"""The coverage rules, every one a setting (defaults from the design brief), and the targets.

Like GeoPandas' options, a :class:`CoverageSettings` refuses unknown names: a typo in a
setting is an error, never a silently ignored rule. :data:`TARGETS` are the province's
targets (:class:`Target`) that the indicators are evaluated against.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geodata.settings import from_mapping

__all__ = ["DEFAULT_SETTINGS", "TARGETS", "CoverageSettings", "Target"]


@dataclass(frozen=True)
class CoverageSettings:
    """Thresholds of the coverage rules.

    Attributes
    ----------
    fiber_reach_m
        A village or cluster is reached by fiber when a fiber node, or a route of one of
        ``fiber_route_levels``, lies within this distance (village polygons: intersects
        or within it).
    fiber_route_levels
        Route levels that can serve a village (a backbone cable is not tapped in villages).
    min_rsrp_dbm
        Per technology, the predicted signal at or above which a point is covered.
    mobile_height_m
        Height of the receiving handset above ground.
    max_range_m
        Sites farther than this from a point are not evaluated (their signal would be
        far below any threshold at this range).
    """

    fiber_reach_m: float = 500.0
    fiber_route_levels: tuple[str, ...] = ("distribution", "access")
    min_rsrp_dbm: Mapping[str, float] = field(
        default_factory=lambda: {"2G": -110.0, "3G": -110.0, "4G": -110.0, "5G": -110.0}
    )
    mobile_height_m: float = 1.5
    max_range_m: float = 35_000.0

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> CoverageSettings:
        """Build settings from a mapping, refusing unknown names.

        Parameters
        ----------
        values
            Setting name -> value.

        Returns
        -------
        CoverageSettings

        Raises
        ------
        KeyError
            For a name that is not a setting, listing the valid ones.
        """
        return from_mapping(cls, values, what="coverage")

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready mapping."""
        out = dataclasses.asdict(self)
        out["min_rsrp_dbm"] = dict(self.min_rsrp_dbm)
        out["fiber_route_levels"] = list(self.fiber_route_levels)
        return out


DEFAULT_SETTINGS = CoverageSettings()


@dataclass(frozen=True)
class Target:
    """One target of the province (resolution 05-NQ/TU and the 2024 directives).

    Attributes
    ----------
    id
        Indicator id, e.g. ``"fiber_villages"``.
    title_vi
        The indicator as the province's reports name it.
    target_pct
        The target share in percent.
    strict
        ``True`` when the share must exceed the target (``> 95 %``), ``False`` when it
        must reach it (``100 %``).
    unit
        What is counted: ``"commune"``, ``"village"``, ``"household"``, ``"cluster"``,
        ``"place"``.
    """

    id: str
    title_vi: str
    target_pct: float | None
    strict: bool
    unit: str

    def met(self, actual_pct: float) -> bool | None:
        """Return whether ``actual_pct`` meets the target (``None`` when reported only)."""
        if self.target_pct is None:
            return None
        if self.strict:
            return actual_pct > self.target_pct
        return actual_pct >= self.target_pct - 1e-9


TARGETS: tuple[Target, ...] = (
    Target("fiber_communes", "Xã có cáp quang", 100.0, strict=False, unit="commune"),
    Target("fiber_villages", "Thôn có cáp quang", 100.0, strict=False, unit="village"),
    Target("fiber_households", "Hộ trong vùng cáp quang", 95.0, strict=True, unit="household"),
    Target("mobile_villages", "Thôn có sóng 4G", 100.0, strict=False, unit="village"),
    Target("mobile_clusters", "Cụm dân cư có sóng 4G", 100.0, strict=False, unit="cluster"),
    Target("5g_priority", "Địa điểm ưu tiên có 5G", None, strict=False, unit="place"),
)
