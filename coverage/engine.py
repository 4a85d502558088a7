"""The coverage engine: status of every village, cluster and priority place, and the summaries.

:func:`compute_coverage` takes validated layers in the metric working CRS and returns a
:class:`CoverageResult`; the command line and the app read the same object.
:func:`coverage_rasters` predicts the signal rasters per operator and technology that the
map shows and ``hatangso coverage --save`` stores.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from coverage import landcover
from coverage._checks import check_work_crs
from coverage.calibration import Calibration, model_note
from coverage.fiber import fiber_reach
from coverage.indicators import Level, evaluate_targets, summarize
from coverage.mobile import best_signal, coverage_grid
from coverage.settings import DEFAULT_SETTINGS, TARGETS, CoverageSettings, Target
from coverage.villages import SHARE_BASES, village_shares
from geodata.crs import WORK_CRS
from geodata.errors import InputError
from geodata.raster import Grid

if TYPE_CHECKING:
    from geodata.store import Store

__all__ = [
    "TECHS",
    "CoverageInputs",
    "CoverageResult",
    "clutter_note",
    "compute_coverage",
    "coverage_rasters",
]

log = logging.getLogger(__name__)

TECHS = ("2G", "3G", "4G", "5G")


@dataclass(frozen=True)
class CoverageInputs:
    """The layers coverage needs, all in the metric working CRS (EPSG:32649).

    Attributes
    ----------
    admin_units, villages
        Required.
    clusters
        Residential clusters; without them each village counts as one cluster.
    fiber_routes, fiber_nodes, mobile_sites, priority_places
        Optional; a missing network simply reaches nothing.
    density, elevation
        Population density (clutter) and terrain (diffraction) rasters, optional.
    land_cover
        ESA WorldCover class codes (clutter class and vegetation loss,
        :mod:`coverage.landcover`), optional; without it density gives the clutter and
        sparse areas count as rural (quasi-open), never open.
    """

    admin_units: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame | None = None
    fiber_routes: gpd.GeoDataFrame | None = None
    fiber_nodes: gpd.GeoDataFrame | None = None
    mobile_sites: gpd.GeoDataFrame | None = None
    priority_places: gpd.GeoDataFrame | None = None
    density: Grid | None = None
    elevation: Grid | None = None
    land_cover: Grid | None = None

    @classmethod
    def from_layers(
        cls,
        layers: Mapping[str, gpd.GeoDataFrame],
        *,
        density: Grid | None = None,
        elevation: Grid | None = None,
        land_cover: Grid | None = None,
    ) -> CoverageInputs:
        """Build inputs from a mapping of contract layer name -> frame (metric CRS).

        Parameters
        ----------
        layers
            At least ``admin_units`` and ``villages``; other contract layers optional.
        density, elevation, land_cover
            Rasters.

        Returns
        -------
        CoverageInputs

        Raises
        ------
        InputError
            When ``admin_units`` or ``villages`` is missing.
        """
        missing = [name for name in ("admin_units", "villages") if name not in layers]
        if missing:
            msg = (
                f"coverage needs the layers {', '.join(missing)}; import them first "
                "(hatangso import FILE --layer NAME --into STORE)."
            )
            raise InputError(msg)
        known = {f.name for f in dataclasses.fields(cls)} - {"density", "elevation", "land_cover"}
        chosen = {k: v for k, v in layers.items() if k in known}
        return cls(**chosen, density=density, elevation=elevation, land_cover=land_cover)

    @classmethod
    def from_store(
        cls, store: Store, layers: Mapping[str, gpd.GeoDataFrame] | None = None
    ) -> CoverageInputs:
        """Build inputs from a store's period: its layers and every raster the model uses.

        Parameters
        ----------
        store
            The store, bound to its period.
        layers
            The period's layers in the metric working CRS, when already read.

        Returns
        -------
        CoverageInputs
        """
        grids = model_grids(store)
        return cls.from_layers(
            store.read_all(crs=WORK_CRS) if layers is None else layers,
            density=grids["population_density"],
            elevation=grids["elevation"],
            land_cover=grids["land_cover"],
        )


#: The store's rasters the coverage model reads, when the period has them.
MODEL_RASTERS = ("population_density", "elevation", "land_cover")


def model_grids(store: Store) -> dict[str, Grid | None]:
    """Return the rasters of :data:`MODEL_RASTERS` in a store's period (``None``: absent).

    Parameters
    ----------
    store
        The store, bound to its period.

    Returns
    -------
    dict of str to geodata.raster.Grid or None
    """
    return {
        name: store.read_grid(name) if store.has_raster(name) else None for name in MODEL_RASTERS
    }


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


def _district_of(units: pd.DataFrame) -> pd.Series:
    communes = units[units["level"] == "commune"]
    return communes.set_index("unit_id")["parent_id"].astype(str)


def _xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    pts = shapely.point_on_surface(frame.geometry.to_numpy())
    return shapely.get_coordinates(pts)


#: Technologies whose statuses also carry the indoor indicator.
INDOOR_TECHS = ("4G", "5G")


def _mobile_columns(  # noqa: PLR0913 - the inputs, and what lies outside the raster
    inputs: CoverageInputs,
    frame: gpd.GeoDataFrame,
    techs: tuple[str, ...],
    settings: CoverageSettings,
    outside: dict[str, Any] | None = None,
    what: str = "villages",
    calibration: Calibration | None = None,
) -> dict[str, Any]:
    """Outdoor columns of every tech; indoor ones of :data:`INDOOR_TECHS`.

    ``outside`` collects what has no ground elevation: the site ids (``"site_ids"``)
    and the number of points of ``frame`` (under ``what``).
    """
    xy = _xy(frame) if len(frame) else np.empty((0, 2))
    out: dict[str, Any] = {}
    for tech in techs:
        signal = best_signal(
            inputs.mobile_sites,
            xy,
            tech=tech,
            density=inputs.density,
            elevation=inputs.elevation,
            settings=settings,
            index=frame.index,
            land_cover=inputs.land_cover,
            calibration=calibration,
        )
        if outside is not None and signal.terrain_outside:
            outside.setdefault("site_ids", set()).update(signal.terrain_outside["sites"])
            outside[what] = int(signal.terrain_outside["points"])
        key = tech.lower()
        out[f"operators_{key}"] = signal.covered_by
        out[f"mobile_{key}"] = signal.covered
        out[f"rsrp_{key}_dbm"] = signal.best_rsrp_dbm.replace(-np.inf, np.nan)
        if tech in INDOOR_TECHS:
            out[f"operators_{key}_indoor"] = signal.indoor_covered_by
            out[f"mobile_{key}_indoor"] = signal.indoor_covered
            out[f"rsrp_{key}_indoor_dbm"] = signal.best_indoor_rsrp_dbm.replace(-np.inf, np.nan)
    return out


def compute_coverage(
    inputs: CoverageInputs,
    *,
    settings: CoverageSettings = DEFAULT_SETTINGS,
    calibration: Calibration | None = None,
    targets: tuple[Target, ...] | None = None,
) -> CoverageResult:
    """Compute fiber and mobile coverage of every village, cluster and priority place.

    Parameters
    ----------
    inputs
        Validated layers in the metric working CRS.
    settings
        The coverage rules.
    calibration
        A calibration of the path-loss model (:mod:`coverage.calibration`) applied to
        every predicted signal; its σ per environment replaces the settings' where it
        measured one (the result's ``settings`` are those used).
    targets
        The targets in force on the period's date
        (:func:`coverage.targets.targets_in_force`); ``None``: today's,
        :data:`coverage.settings.TARGETS`.

    Returns
    -------
    CoverageResult
    """
    settings = settings if calibration is None else calibration.settings_for(settings)
    for name in ("admin_units", "villages", "clusters", "priority_places"):
        layer = getattr(inputs, name)
        if layer is not None:
            check_work_crs(layer, name)
    units = pd.DataFrame(inputs.admin_units.drop(columns="geometry"))
    units["unit_id"] = units["unit_id"].astype(str)
    district = _district_of(units)
    villages = inputs.villages
    v = pd.DataFrame(villages.drop(columns="geometry")).copy()
    v["commune_id"] = v["commune_id"].astype(str)
    v["district_id"] = v["commune_id"].map(district)
    if "is_commune_centre" not in v:
        v["is_commune_centre"] = False
    v["has_electricity"] = v["has_electricity"].astype(bool)
    fiber = fiber_reach(villages, inputs.fiber_routes, inputs.fiber_nodes, settings=settings)
    v = v.join(fiber)
    outside: dict[str, Any] = {}
    mobile = _mobile_columns(inputs, villages, TECHS, settings, outside, "villages", calibration)
    for key, value in mobile.items():
        v[key] = value
    v["nearest_4g_site_m"] = _nearest_site(villages, inputs.mobile_sites, "4G")

    has_clusters = inputs.clusters is not None and len(inputs.clusters) > 0
    if inputs.clusters is not None and has_clusters:
        clusters = inputs.clusters
        c = pd.DataFrame(clusters.drop(columns="geometry")).copy()
        c["village_id"] = c["village_id"].astype(str)
        parent = v.set_index(v["village_id"].astype(str))
        c["commune_id"] = c["village_id"].map(parent["commune_id"])
        c["district_id"] = c["village_id"].map(parent["district_id"])
        c = c.join(
            fiber_reach(clusters, inputs.fiber_routes, inputs.fiber_nodes, settings=settings)
        )
        cluster_columns = _mobile_columns(
            inputs, clusters, ("4G", "5G"), settings, outside, "clusters", calibration
        )
        for key, value in cluster_columns.items():
            c[key] = value
    else:
        c = _villages_as_clusters(v)
    shares = village_shares(
        villages,
        v,
        clusters=c if has_clusters else None,
        sites=inputs.mobile_sites,
        density=inputs.density,
        elevation=inputs.elevation,
        settings=settings,
        land_cover=inputs.land_cover,
        calibration=calibration,
    )
    for key in shares.columns:  # the village status by the share rule replaces the point's
        v[key] = shares[key]

    places = _places(inputs, units, settings, outside, calibration)
    log.info("coverage: %d villages, %d clusters, %d places", len(v), len(c), len(places))
    no_land_cover = 0
    if inputs.land_cover is not None and len(villages):
        codes = landcover.sample_codes(
            inputs.land_cover, _xy(villages), crs=pyproj.CRS.from_user_input(villages.crs)
        )
        no_land_cover = int(np.count_nonzero(codes == 0))
        if no_land_cover:
            log.warning(
                "%d of %d villages lie outside the land cover or on its no-data pixels: "
                "their clutter comes from population density",
                no_land_cover,
                len(villages),
            )
    return CoverageResult(
        villages=v.reset_index(drop=True),
        clusters=c.reset_index(drop=True),
        places=places,
        units=units,
        settings=settings,
        land_cover_used=inputs.land_cover is not None,
        villages_without_land_cover=no_land_cover,
        terrain_outside=_terrain_outside(outside) if inputs.elevation is not None else {},
        calibration=calibration,
        target_set=TARGETS if targets is None else tuple(targets),
    )


def _terrain_outside(outside: dict[str, Any]) -> dict[str, int]:
    """Return the counts of :attr:`CoverageResult.terrain_outside` from the collected ids."""
    return {
        "sites": len(outside.get("site_ids", ())),
        "villages": int(outside.get("villages", 0)),
        "clusters": int(outside.get("clusters", 0)),
        "places": int(outside.get("places", 0)),
    }


def _villages_as_clusters(v: pd.DataFrame) -> pd.DataFrame:
    """Each village as its one cluster, with its fiber and 4G/5G status (outdoor, indoor)."""
    c = v[["village_id", "commune_id", "district_id", "households"]].copy()
    c.insert(0, "cluster_id", c["village_id"])
    for col in ("fiber_reached", "fiber_distance_m", "fiber_operators"):
        c[col] = v[col]
    for col in ("operators_4g", "mobile_4g", "rsrp_4g_dbm", "operators_5g", "mobile_5g"):
        c[col] = v[col]
    for key in ("4g", "5g"):
        for col in (f"operators_{key}_indoor", f"mobile_{key}_indoor", f"rsrp_{key}_indoor_dbm"):
            c[col] = v[col]
    return c


def _nearest_site(
    targets: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None, tech: str
) -> np.ndarray:
    out = np.full(len(targets), np.inf)
    if sites is None or not len(sites) or not len(targets):
        return out
    has = sites["tech"].fillna("").map(lambda s: tech in str(s).split(","))
    chosen = sites.loc[has.to_numpy(dtype=bool)]
    if not len(chosen):
        return out
    tree = shapely.STRtree(np.asarray(chosen.geometry.to_numpy(), dtype=object))
    (src, _), dist = tree.query_nearest(
        np.asarray(targets.geometry.to_numpy(), dtype=object),
        return_distance=True,
        all_matches=False,
    )
    out[src] = dist
    return out


def _places(
    inputs: CoverageInputs,
    units: pd.DataFrame,
    settings: CoverageSettings,
    outside: dict[str, Any] | None = None,
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    columns = ["place_id", "name", "kind", "commune_id", "district_id", "mobile_5g"]
    places = inputs.priority_places
    if places is None or not len(places):
        return pd.DataFrame({c: [] for c in [*columns, "operators_5g"]})
    communes = inputs.admin_units[inputs.admin_units["level"] == "commune"]
    where = gpd.sjoin(
        gpd.GeoDataFrame(
            geometry=shapely.point_on_surface(places.geometry.to_numpy()),
            index=places.index,
            crs=places.crs,
        ),
        communes[["unit_id", "geometry"]],
        how="left",
        predicate="intersects",
    )
    where = where[~where.index.duplicated(keep="first")]
    p = pd.DataFrame(places.drop(columns="geometry")).copy()
    p["commune_id"] = where["unit_id"].astype(object).reindex(p.index)
    p["district_id"] = p["commune_id"].map(_district_of(units))
    mobile = _mobile_columns(inputs, places, ("5G",), settings, outside, "places", calibration)
    p["mobile_5g"] = mobile["mobile_5g"]
    p["operators_5g"] = mobile["operators_5g"]
    return p.reset_index(drop=True)


def coverage_rasters(
    inputs: CoverageInputs,
    *,
    techs: tuple[str, ...] = ("4G", "5G"),
    resolution_m: float = 1000.0,
    settings: CoverageSettings = DEFAULT_SETTINGS,
    calibration: Calibration | None = None,
) -> dict[str, Grid]:
    """Predict coverage rasters per operator and technology over the province.

    Parameters
    ----------
    inputs
        As for :func:`compute_coverage` (needs ``mobile_sites``).
    techs
        Technologies to map.
    resolution_m
        Pixel size.
    settings
        The rules.
    calibration
        As for :func:`compute_coverage`.

    Returns
    -------
    dict
        ``"coverage_4g_viettel"``-style name -> :class:`~geodata.raster.Grid` of RSRP
        (dBm; NaN where no site reaches), in the working CRS.
    """
    sites = inputs.mobile_sites
    if sites is None or not len(sites):
        return {}
    province = inputs.admin_units[inputs.admin_units["level"] == "province"]
    area = province if len(province) else inputs.admin_units
    bounds = tuple(float(b) for b in area.total_bounds)
    out: dict[str, Grid] = {}
    for tech in techs:
        for operator in sorted(set(sites["operator"].astype(str))):
            has = sites["tech"].fillna("").map(lambda s, t=tech: t in str(s).split(","))
            chosen = sites.loc[has.to_numpy(dtype=bool) & (sites["operator"] == operator)]
            if not len(chosen):
                continue
            out[f"coverage_{tech.lower()}_{operator.lower()}"] = coverage_grid(
                chosen,
                tech=tech,
                operator=None,
                bounds=bounds,  # type: ignore[arg-type]
                resolution_m=resolution_m,
                density=inputs.density,
                elevation=inputs.elevation,
                settings=settings,
                land_cover=inputs.land_cover,
                calibration=calibration,
            )
    return out
