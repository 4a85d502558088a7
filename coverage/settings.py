"""The coverage rules, every one a setting (defaults from the design brief), and the targets.

Like GeoPandas' options, a :class:`CoverageSettings` refuses unknown names: a typo in a
setting is an error, never a silently ignored rule. :meth:`CoverageSettings.rule` states
what "covered" means in words, Vietnamese and English ("ngoài trời, 90 % vị trí,
RSRP ≥ −110 dBm"), for every place a figure is shown. :data:`TARGETS` are the
province's targets (:class:`Target`) that the indicators are evaluated against.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from coverage.shadowing import ENVIRONMENTS, combined_sigma_db, location_margin_db
from coverage.tr38901 import O2I_SIGMA_DB
from geodata.raster import LAND_COVER_CLASSES
from geodata.settings import from_mapping

__all__ = ["DEFAULT_SETTINGS", "TARGETS", "TARGETS_SOURCE", "CoverageSettings", "Target"]


Language = Literal["vi", "en"]

#: Standard deviation of log-normal shadowing by environment, dB: the NLOS shadow fading
#: σ_SF of 3GPP TR 38.901 Table 7.4.1-1, UMa (6 dB) for urban and suburban, RMa (8 dB)
#: for rural and open. The location variability of ITU-R P.1546-6 §12,
#: σ_L = K + 1.3 log10(f / MHz) with K = 1.2 (mobile, urban and suburban), is about
#: 5.4 dB at 1800 MHz; the 3GPP values are the larger, so the conservative ones.
DEFAULT_SHADOWING_SIGMA_DB: Mapping[str, float] = {
    "urban": 6.0,
    "suburban": 6.0,
    "rural": 8.0,
    "open": 8.0,
}


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
        Per technology, the RSRP (per resource element, one reference-signal port;
        SS-RSRP for 5G) that a share of the locations must receive.
    mobile_height_m
        Height of the receiving handset above ground.
    max_range_m
        Sites farther than this from a point are not evaluated (their signal would be
        far below any threshold at this range).
    location_probability
        Share of the locations around a point that must receive ``min_rsrp_dbm``
        outdoors for the point to count as covered: the outdoor indicator. 0.9, the
        cell-edge probability of the United States' national broadband map (FCC
        Broadband Data Collection: 4G LTE at 90 % cell-edge probability, 50 % loading).
    shadowing_sigma_db
        Standard deviation of the log-normal shadowing per environment (``urban``,
        ``suburban``, ``rural``, ``open``: the receiver's clutter class), dB;
        :data:`DEFAULT_SHADOWING_SIGMA_DB` with its sources.
    indoor_location_probability
        The same share for the indoor indicator.
    indoor_building_loss
        Building entry loss of the indoor indicator: 3GPP TR 38.901 §7.4.3.1 O2I
        ``"low-loss"`` (brick and concrete walls, ordinary glass: the houses of rural
        Bình Định; σ_P = 4.4 dB) or ``"high-loss"`` (insulated glass; σ_P = 6.5 dB),
        at each site's band (:func:`coverage.tr38901.o2i_building_loss_db`). Its σ_P
        and the outdoor σ combine: ``sqrt(σ² + σ_P²)``.
    village_sample_spacing_m
        Spacing of the regular grid of points sampled over a village polygon that has no
        clusters, for its share covered (:mod:`coverage.villages`): 250 m, about 16
        points a km² (a thôn of the province's hills spans a few km²).
    village_sample_max_points
        At most about this many sample points a village: a larger village is sampled at
        a wider spacing, so the cost of a run stays bounded.
    village_min_share_pct
        A village has 4G (or 5G, outdoors or indoors) when at least this share of it is
        covered: of its households when it has clusters, of its area when it is a
        polygon without clusters, else its point (:mod:`coverage.villages`). 50 %: most
        of the village; 100 would ask for every cluster, a small share for any signal.
    land_cover_loss_db
        Overrides of the excess (clutter and vegetation) loss per ESA WorldCover class
        when a land-cover raster is given: class code -> dB at every band, >= 0 (e.g.
        from local drive tests). Empty by default: the documented table of
        :mod:`coverage.landcover` (tree cover and mangroves: ITU-R P.2108-1 §3.1
        trees/forest over open/rural, 4.3-7.8 dB at 700-3500 MHz; other classes 0).
    """

    fiber_reach_m: float = 500.0
    fiber_route_levels: tuple[str, ...] = ("distribution", "access")
    min_rsrp_dbm: Mapping[str, float] = field(
        default_factory=lambda: {"2G": -110.0, "3G": -110.0, "4G": -110.0, "5G": -110.0}
    )
    mobile_height_m: float = 1.5
    max_range_m: float = 35_000.0
    location_probability: float = 0.9
    shadowing_sigma_db: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SHADOWING_SIGMA_DB)
    )
    indoor_location_probability: float = 0.9
    indoor_building_loss: Literal["low-loss", "high-loss"] = "low-loss"
    village_sample_spacing_m: float = 250.0
    village_sample_max_points: int = 400
    village_min_share_pct: float = 50.0
    land_cover_loss_db: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse rules that cannot be applied (probabilities, σ, loss model, sampling)."""
        problems: list[str] = []
        problems += self._check_land_cover_loss()
        for name in ("location_probability", "indoor_location_probability"):
            p = getattr(self, name)
            if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 < p < 1.0:
                problems.append(f"`{name}` must lie strictly between 0 and 1 (0.9 = 90 %)")
        sigma = dict(self.shadowing_sigma_db)
        if set(sigma) != set(ENVIRONMENTS) or not all(
            isinstance(v, int | float) and math.isfinite(v) and v >= 0 for v in sigma.values()
        ):
            problems.append(
                f"`shadowing_sigma_db` must give a finite σ >= 0 dB for each of "
                f"{', '.join(ENVIRONMENTS)}; got {sigma!r}"
            )
        if self.indoor_building_loss not in O2I_SIGMA_DB:
            problems.append(
                f"`indoor_building_loss` must be one of {sorted(O2I_SIGMA_DB)}; "
                f"got {self.indoor_building_loss!r}"
            )
        spacing = self.village_sample_spacing_m
        if (
            isinstance(spacing, bool)
            or not isinstance(spacing, int | float)
            or not math.isfinite(spacing)
            or spacing <= 0
        ):
            problems.append(f"`village_sample_spacing_m` must be a distance > 0 m; got {spacing!r}")
        most = self.village_sample_max_points
        if isinstance(most, bool) or not isinstance(most, int) or most < 1:
            problems.append(f"`village_sample_max_points` must be an integer >= 1; got {most!r}")
        share = self.village_min_share_pct
        if (
            isinstance(share, bool)
            or not isinstance(share, int | float)
            or not 0.0 < share <= 100.0
        ):
            problems.append(f"`village_min_share_pct` must lie in (0, 100] percent; got {share!r}")
        if problems:
            raise ValueError("coverage settings: " + "; ".join(problems) + ".")

    def _check_land_cover_loss(self) -> list[str]:
        """Normalise ``land_cover_loss_db`` to int codes (JSON gives "10"); its problems."""
        losses: dict[int, float] = {}
        bad: list[str] = []
        for key, value in dict(self.land_cover_loss_db).items():
            code = int(key) if isinstance(key, str) and key.strip().isdigit() else key
            ok_code = isinstance(code, int) and code in LAND_COVER_CLASSES
            ok_loss = (
                not isinstance(value, bool)
                and isinstance(value, int | float)
                and math.isfinite(value)
                and value >= 0
            )
            if ok_code and ok_loss:
                losses[int(code)] = float(value)
            else:
                bad.append(f"{key!r}: {value!r}")
        object.__setattr__(self, "land_cover_loss_db", losses)
        if not bad:
            return []
        codes = ", ".join(str(c) for c in LAND_COVER_CLASSES)
        refused = ", ".join(bad)
        return [
            f"`land_cover_loss_db` maps WorldCover codes ({codes}) to dB >= 0; refused {refused}"
        ]

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

    def margin_db(self, *, indoor: bool = False) -> tuple[float, ...]:
        """Return the location-probability margin per environment, dB.

        ``σ · Φ⁻¹(p)`` (:func:`coverage.shadowing.location_margin_db`), in the order of
        :data:`coverage.shadowing.ENVIRONMENTS` (the clutter classes); indoors with
        ``σ = sqrt(σ_env² + σ_P²)``.

        Examples
        --------
        >>> [round(m, 2) for m in CoverageSettings().margin_db()]
        [7.69, 7.69, 10.25, 10.25]
        >>> [round(m, 2) for m in CoverageSettings().margin_db(indoor=True)]
        [9.54, 9.54, 11.7, 11.7]
        """
        p = self.indoor_location_probability if indoor else self.location_probability
        extra = O2I_SIGMA_DB[self.indoor_building_loss] if indoor else 0.0
        return tuple(
            float(location_margin_db(p, combined_sigma_db(self.shadowing_sigma_db[env], extra)))
            for env in ENVIRONMENTS
        )

    def rule(self, tech: str = "4G", *, indoor: bool = False, language: Language = "vi") -> str:
        """Return what "covered" by ``tech`` means, in words.

        Parameters
        ----------
        tech
            Technology (a key of ``min_rsrp_dbm``).
        indoor
            The indoor indicator instead of the outdoor one.
        language
            ``"vi"`` or ``"en"``.

        Returns
        -------
        str

        Examples
        --------
        >>> CoverageSettings().rule()
        'ngoài trời, 90 % vị trí, RSRP ≥ −110 dBm'
        >>> CoverageSettings().rule(indoor=True, language="en")
        'indoor, 90 % of locations, RSRP ≥ −110 dBm'
        """
        p = self.indoor_location_probability if indoor else self.location_probability
        share = _number(100.0 * p, language) + " %"
        level = _number(float(self.min_rsrp_dbm[tech]), language) + " dBm"
        quantity = "SS-RSRP" if tech == "5G" else "RSRP"
        if language == "vi":
            where = "trong nhà" if indoor else "ngoài trời"
            return f"{where}, {share} vị trí, {quantity} ≥ {level}"
        if language == "en":
            where = "indoor" if indoor else "outdoor"
            return f"{where}, {share} of locations, {quantity} ≥ {level}"
        msg = f"`language` must be 'vi' or 'en'; got {language!r}."
        raise ValueError(msg)

    def village_rule(self, language: Language = "vi") -> str:
        """Return when a village counts as covered, in words.

        Examples
        --------
        >>> CoverageSettings().village_rule()
        'thôn có sóng khi ≥ 50 % số hộ (thôn không có cụm dân cư: diện tích) có sóng'
        >>> CoverageSettings().village_rule("en")
        'a village is covered when ≥ 50 % of its households (no clusters: its area) are'
        """
        share = _number(float(self.village_min_share_pct), language) + " %"
        if language == "vi":
            return f"thôn có sóng khi ≥ {share} số hộ (thôn không có cụm dân cư: diện tích) có sóng"
        if language == "en":
            return (
                f"a village is covered when ≥ {share} of its households (no clusters: its area) are"
            )
        msg = f"`language` must be 'vi' or 'en'; got {language!r}."
        raise ValueError(msg)

    def rules(self) -> dict[str, dict[str, dict[str, str]]]:
        """Return every rule in words: technology -> outdoor/indoor -> language -> text.

        Examples
        --------
        >>> CoverageSettings().rules()["4G"]["outdoor"]["en"]
        'outdoor, 90 % of locations, RSRP ≥ −110 dBm'
        """
        return {
            tech: {
                where: {
                    lang: self.rule(tech, indoor=where == "indoor", language=lang)
                    for lang in ("vi", "en")
                }
                for where in ("outdoor", "indoor")
            }
            for tech in self.min_rsrp_dbm
        }

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready mapping, with the rules in words.

        ``"rules"`` (:meth:`rules`) and ``"village_rule"`` are derived, not settings:
        drop them before :meth:`from_mapping`.
        """
        out = dataclasses.asdict(self)
        out["min_rsrp_dbm"] = dict(self.min_rsrp_dbm)
        out["shadowing_sigma_db"] = dict(self.shadowing_sigma_db)
        out["land_cover_loss_db"] = {str(k): v for k, v in self.land_cover_loss_db.items()}
        out["fiber_route_levels"] = list(self.fiber_route_levels)
        out["rules"] = self.rules()
        out["village_rule"] = {lang: self.village_rule(lang) for lang in ("vi", "en")}
        return out


def _number(value: float, language: Language) -> str:
    """Write a number as the rule states it: minus sign U+2212, Vietnamese decimal comma."""
    text = f"{abs(value):.1f}".removesuffix(".0")
    if language == "vi":
        text = text.replace(".", ",")
    return ("−" if value < 0 else "") + text


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
    comparison
        ``">="``, ``">"`` or ``"="`` (``None``: ``">"`` when ``strict``, else ``">="``).
    source
        The document that sets the target (``None`` without a target).

    The targets a period is judged against are data (:mod:`coverage.targets`, kept in the
    store); :data:`TARGETS` are the indicators and today's defaults.
    """

    id: str
    title_vi: str
    target_pct: float | None
    strict: bool
    unit: str
    comparison: str | None = None
    source: str | None = None

    @property
    def op(self) -> str:
        """Return the comparison: ``">="``, ``">"`` or ``"="``."""
        return self.comparison or (">" if self.strict else ">=")

    def met(self, actual_pct: float) -> bool | None:
        """Return whether ``actual_pct`` meets the target (``None`` without a target)."""
        if self.target_pct is None:
            return None
        if self.op == ">":
            return actual_pct > self.target_pct
        if self.op == "=":
            return abs(actual_pct - self.target_pct) <= 1e-9
        return actual_pct >= self.target_pct - 1e-9


TARGETS_SOURCE = (
    "Nghị quyết 05-NQ/TU của Ban Chấp hành Đảng bộ tỉnh Bình Định và các chỉ đạo năm 2024 "
    "(chỉ tiêu đến năm 2025)"
)
"""The document of :data:`TARGETS` (the design brief: resolution 05-NQ/TU and the 2024
directives, to 2025)."""

TARGETS: tuple[Target, ...] = (
    Target(
        "fiber_communes",
        "Xã có cáp quang",
        100.0,
        strict=False,
        unit="commune",
        comparison=">=",
        source=TARGETS_SOURCE,
    ),
    Target(
        "fiber_villages",
        "Thôn có cáp quang",
        100.0,
        strict=False,
        unit="village",
        comparison=">=",
        source=TARGETS_SOURCE,
    ),
    Target(
        "fiber_households",
        "Hộ trong vùng cáp quang",
        95.0,
        strict=True,
        unit="household",
        comparison=">",
        source=TARGETS_SOURCE,
    ),
    Target(
        "mobile_villages",
        "Thôn có sóng 4G",
        100.0,
        strict=False,
        unit="village",
        comparison=">=",
        source=TARGETS_SOURCE,
    ),
    Target(
        "mobile_clusters",
        "Cụm dân cư có sóng 4G",
        100.0,
        strict=False,
        unit="cluster",
        comparison=">=",
        source=TARGETS_SOURCE,
    ),
    Target("5g_priority", "Địa điểm ưu tiên có 5G", None, strict=False, unit="place"),
)
"""The indicators the engine computes, in order, with today's targets: the defaults of the
targets table (:data:`coverage.targets.DEFAULT_RULES`, in force until 31/12/2025)."""
