"""The coverage engine: status of every village, cluster and priority place, and the summaries.

:func:`compute_coverage` takes validated layers in the metric working CRS and returns a
:class:`CoverageResult`; the command line and the app read the same object.
:func:`coverage_rasters` predicts the signal rasters per operator and technology that the
map shows and ``hatangso coverage --save`` stores.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from coverage import landcover
from coverage._checks import check_work_crs
from coverage.calibration import Calibration
from coverage.fiber import fiber_reach
from coverage.mobile import best_signal, coverage_grid
from coverage.result import CoverageResult, clutter_note
from coverage.settings import DEFAULT_SETTINGS, TARGETS, CoverageSettings, Target
from coverage.villages import village_shares
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
