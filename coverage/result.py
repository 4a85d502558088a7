"""The result of a coverage run: the status frames, their summaries and the figures' notes.

:class:`CoverageResult` is what :func:`coverage.engine.compute_coverage` returns (and
re-exports); the command line, the app and the report read it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from coverage.calibration import Calibration, model_note
from coverage.indicators import Level, evaluate_targets, summarize
from coverage.settings import TARGETS, CoverageSettings, Target
from coverage.villages import SHARE_BASES

__all__ = ["CoverageResult", "clutter_note"]

log = logging.getLogger("coverage.engine")


@dataclass(frozen=True)
class CoverageResult:
    """Status frames and everything derived from them.

    Attributes
    ----------
    villages
        One row a village: ids, households, electricity, ``fiber_reached``,
        ``fiber_distance_m``, ``fiber_operators``, ``mobile_4g``, ``rsrp_4g_dbm``,
        ``operators_2g`` … ``operators_5g``, ``mobile_5g``, ``nearest_4g_site_m``. The
        ``mobile_*`` and ``operators_*`` columns are the outdoor indicator (the rule of
        :meth:`rule`, 90 % of locations by default); ``mobile_4g_indoor``,
        ``operators_4g_indoor`` and ``rsrp_4g_indoor_dbm`` (and the same for 5G) are
        the indoor one. ``rsrp_*_dbm`` are median predictions. ``share_4g_pct`` and
        ``share_5g_pct`` are how much of the village is covered outdoors, on the basis
        ``share_basis`` (its clusters' households, a sample over its polygon, or its
        point; ``share_samples`` of them): :mod:`coverage.villages`.
    clusters
        One row a cluster (or a village when no clusters were given), with the same
        4G and 5G columns, outdoor and indoor.
    places
        One row a priority place with ``mobile_5g`` and ``operators_5g``.
    units
        The administrative units (no geometry).
    settings
        The rules used.
    land_cover_used
        Whether a land-cover raster gave the receivers' clutter and vegetation loss.
    villages_without_land_cover
        With land cover, the villages whose interior point lies outside it or on no
        data (their clutter came from density); 0 without land cover.
    terrain_outside
        With an elevation raster: how many sites, villages, clusters and priority places
        have no ground elevation (outside the raster or no data) and so got no terrain
        term (``{"sites": 2, "villages": 0, "clusters": 5, "places": 0}``); empty
        without a raster. :meth:`terrain_warning` says it in words.
    calibration
        The calibration of the path-loss model applied (:mod:`coverage.calibration`),
        ``None`` for the uncalibrated model; :meth:`model_note` says which.
    overrides
        Village × operator × technology rows counted as gaps against the prediction
        (accepted challenges, :func:`coverage.overrides.apply_gap_overrides`), with
        ``applied`` and ``changed``; ``None`` when none were applied.
    target_set
        The targets the result is judged against: those in force on the period's date
        (:func:`coverage.targets.targets_in_force`); default today's,
        :data:`coverage.settings.TARGETS`.
    """

    villages: pd.DataFrame
    clusters: pd.DataFrame
    places: pd.DataFrame
    units: pd.DataFrame
    settings: CoverageSettings = field(default_factory=CoverageSettings)
    land_cover_used: bool = False
    villages_without_land_cover: int = 0
    terrain_outside: dict[str, int] = field(default_factory=dict)
    calibration: Calibration | None = None
    overrides: pd.DataFrame | None = None
    target_set: tuple[Target, ...] = TARGETS

    def model_note(self, *, language: Literal["vi", "en"] = "vi") -> str:
        """Say which model produced the figures (:func:`coverage.calibration.model_note`).

        ``"mô hình chưa hiệu chỉnh"`` or ``"hiệu chỉnh 'NAME' (ngày …)"``.
        """
        return model_note(self.calibration, language=language)

    def terrain_warning(self, language: Literal["vi", "en"] = "vi") -> str | None:
        """Return the warning about what lies outside the elevation raster, or ``None``.

        Parameters
        ----------
        language
            ``"vi"`` or ``"en"``.

        Returns
        -------
        str or None
            ``None`` when there is no raster or everything lies on it.
        """
        counts = self.terrain_outside
        if not any(counts.values()):
            return None
        sites = _count(counts.get("sites", 0), language)
        points = _count(sum(counts.get(k, 0) for k in ("villages", "clusters", "places")), language)
        if language == "vi":
            return (
                f"Độ cao địa hình: {sites} trạm và {points} điểm (thôn, cụm dân cư, điểm "
                "ưu tiên) nằm ngoài bản đồ độ cao hoặc thiếu dữ liệu; các tuyến đó được "
                "tính không có địa hình (không nhiễu xạ, độ cao anten bằng chiều cao cột)."
            )
        return (
            f"Elevation: {sites} sites and {points} points (villages, clusters, priority "
            "places) lie outside the elevation raster or on no data; their paths are "
            "computed without terrain (no diffraction, the mast height as antenna height)."
        )

    def rule(
        self, tech: str = "4G", *, indoor: bool = False, language: Literal["vi", "en"] = "vi"
    ) -> str:
        """Return what "covered" means in this result, in words.

        Parameters
        ----------
        tech
            Technology.
        indoor
            The indoor indicator (``*_indoor`` columns) instead of the outdoor one.
        language
            ``"vi"`` or ``"en"``.

        Returns
        -------
        str
            E.g. ``"ngoài trời, 90 % vị trí, RSRP ≥ −110 dBm"`` (see
            :meth:`coverage.settings.CoverageSettings.rule`).
        """
        return self.settings.rule(tech, indoor=indoor, language=language)

    def clutter_note(self, *, language: Literal["vi", "en"] = "vi") -> str:
        """Return where the receivers' clutter came from, in words.

        Parameters
        ----------
        language
            ``"vi"`` or ``"en"``.

        Returns
        -------
        str
            Without land cover, that it is missing and what that means (sparse areas
            counted as rural, quasi-open, with no vegetation loss); with it, the source
            and how many villages fell outside it.

        Examples
        --------
        >>> import pandas as pd
        >>> empty = pd.DataFrame()
        >>> CoverageResult(empty, empty, empty, empty).clutter_note(language="en")[:28]
        'No land cover: sparsely inha'
        """
        return clutter_note(
            used=self.land_cover_used,
            outside=self.villages_without_land_cover,
            language=language,
        )

    def summary(self, level: Level = "province", *, operator: str | None = None) -> pd.DataFrame:
        """Return the indicators per unit of ``level`` (see :func:`summarize`)."""
        return summarize(
            self.villages, self.clusters, self.places, self.units, level=level, operator=operator
        )

    def targets(self, *, operator: str | None = None) -> list[dict[str, Any]]:
        """Return the targets in force (:attr:`target_set`) evaluated on the province row."""
        row = self.summary("province", operator=operator).iloc[0]
        return evaluate_targets({str(k): v for k, v in row.items()}, self.target_set)

    def uncovered(self, *, operator: str | None = None) -> dict[str, list[str]]:
        """Return the ids of villages without fiber and without 4G."""
        v = self.summary("village", operator=operator)
        return {
            "fiber": sorted(v.loc[~v["fiber_reached"], "village_id"].astype(str)),
            "4g": sorted(v.loc[~v["mobile_4g"], "village_id"].astype(str)),
        }

    def to_dict(self, *, operator: str | None = None) -> dict[str, Any]:
        """Return the result as the JSON of ``hatangso coverage --json``."""
        province = self.summary("province", operator=operator)
        districts = self.summary("district", operator=operator)
        communes = self.summary("commune", operator=operator)
        villages = self.villages
        dead = villages[~villages["mobile_4g"]]
        return {
            "operator": operator,
            "rules": self.settings.rules(),
            "village_rule": {lang: self.settings.village_rule(lang) for lang in ("vi", "en")},
            "clutter": {
                "land_cover": self.land_cover_used,
                "villages_without_land_cover": self.villages_without_land_cover,
                "note": {lang: self.clutter_note(language=lang) for lang in ("vi", "en")},
            },
            "model": {
                "calibration": None if self.calibration is None else self.calibration.name,
                "calibration_created_at": (
                    None if self.calibration is None else self.calibration.created_at
                ),
                "note": {lang: self.model_note(language=lang) for lang in ("vi", "en")},
            },
            "settings": self.settings.as_dict(),
            "province": _records(province)[0],
            "targets": self.targets(operator=operator),
            "uncovered": self.uncovered(operator=operator),
            "dead_zones": _records(dead[["village_id", "name", "commune_id", "households"]]),
            "roaming_candidates": sorted(
                villages.loc[
                    villages["operators_4g"].map(lambda s: len([x for x in s.split(",") if x]))
                    == 1,
                    "village_id",
                ].astype(str)
            ),
            "villages_without_electricity": sorted(
                villages.loc[~villages["has_electricity"], "village_id"].astype(str)
            ),
            "village_shares": _village_shares(villages, self.settings.village_min_share_pct),
            "terrain_outside": dict(self.terrain_outside)
            | (
                {"warning": {lang: self.terrain_warning(lang) for lang in ("vi", "en")}}
                if self.terrain_warning() is not None
                else {}
            ),
            "priority_places_without_5g": _records(
                self.places.loc[~self.places["mobile_5g"], ["place_id", "name", "kind"]]
            ),
            "priority_places_5g_by_kind": _places_by_kind(self.places),
            "districts": _records(districts),
            "communes": _records(communes),
        }


def clutter_note(*, used: bool, outside: int = 0, language: Literal["vi", "en"] = "vi") -> str:
    """Say where the receivers' clutter comes from (see :meth:`CoverageResult.clutter_note`).

    Parameters
    ----------
    used
        Whether a land-cover raster was given.
    outside
        Villages outside it (their clutter from density).
    language
        ``"vi"`` or ``"en"``.

    Returns
    -------
    str

    Examples
    --------
    >>> clutter_note(used=True, outside=2, language="en").split("; ")[1]
    '2 villages outside it are classed by population density.'
    """
    if language not in ("vi", "en"):
        msg = f"`language` must be 'vi' or 'en'; got {language!r}."
        raise ValueError(msg)
    vi = language == "vi"
    if not used:
        if vi:
            return (
                "Chưa có lớp phủ mặt đất: môi trường quanh máy thu được suy ra từ mật độ dân "
                "số, vùng thưa dân được tính là nông thôn (bán trống trải), không tính suy "
                "hao do cây cối."
            )
        return (
            "No land cover: sparsely inhabited areas are counted as rural (quasi-open), "
            "with no vegetation loss; the clutter comes from population density."
        )
    text = (
        "Môi trường quanh máy thu theo lớp phủ mặt đất (ESA WorldCover), có suy hao do cây "
        "cối (ITU-R P.2108)"
        if vi
        else "Clutter from land cover (ESA WorldCover), with the vegetation loss of trees "
        "(ITU-R P.2108)"
    )
    if outside:
        text += (
            f"; {outside} thôn nằm ngoài lớp phủ được phân loại theo mật độ dân số"
            if vi
            else f"; {outside} village{'s' if outside != 1 else ''} outside it are classed "
            "by population density"
        )
    return text + "."


def _count(n: int, language: str) -> str:
    """Return an integer with the thousands separator of ``language`` (``1.176`` in vi)."""
    text = f"{int(n):,}"
    return text.replace(",", ".") if language == "vi" else text


def _village_shares(villages: pd.DataFrame, min_share_pct: float) -> dict[str, Any]:
    """How much of each village is covered: the bases used, the villages not fully covered."""
    if "share_4g_pct" not in villages:
        return {}
    columns = ["village_id", "name", "commune_id", "households", "mobile_4g"]
    columns += ["share_4g_pct", "share_4g_indoor_pct", "share_5g_pct"]
    columns += ["share_basis", "share_samples"]
    partly = villages.loc[villages["share_4g_pct"] < 100.0, columns].copy()
    for key in ("share_4g_pct", "share_4g_indoor_pct", "share_5g_pct"):
        partly[key] = partly[key].astype(float).round(2)
    partly = partly.sort_values(["share_4g_pct", "households"], ascending=[True, False])
    counts = villages["share_basis"].value_counts()
    return {
        "meaning": (
            "share of the village covered (households of its clusters, else points "
            "sampled over its polygon, else its point), any operator; a village has 4G "
            f"(outdoors, indoors) when that share is at least {min_share_pct:g} %"
        ),
        "min_share_pct": min_share_pct,
        "basis": {basis: int(counts.get(basis, 0)) for basis in SHARE_BASES},
        "not_fully_covered_4g": _records(partly),
    }


def _places_by_kind(places: pd.DataFrame) -> list[dict[str, Any]]:
    if not len(places):
        return []
    table = places.groupby("kind").agg(places=("place_id", "size"), with_5g=("mobile_5g", "sum"))
    table["pct"] = (100.0 * table["with_5g"] / table["places"]).round(2)
    return _records(table.reset_index())


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, np.generic):
                value = value.item()  # noqa: PLW2901
            if isinstance(value, float) and not math.isfinite(value):
                value = None  # noqa: PLW2901
            clean[str(key)] = value
        out.append(clean)
    return out
