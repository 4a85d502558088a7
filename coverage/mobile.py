"""Mobile coverage: the predicted signal of every site at every point, best per operator.

For each technology, every site's signal is predicted at the points within its reach:
the link budget of :mod:`coverage.linkbudget` (RSRP per resource element on one
reference-signal port), the path-loss model valid for the site's band
(:func:`coverage.pathloss.path_loss_db`: Okumura-Hata, COST-231 Hata or 3GPP TR 38.901)
with the receiver's clutter taken from the land-cover raster when one is given (and the
vegetation loss of a tree pixel, :mod:`coverage.landcover`), else from the
population-density raster (never "open"), sector antenna patterns when azimuths are
given (:mod:`coverage.antenna`), and the diffraction over terrain when an elevation
raster is given (:mod:`coverage.terrain`).

A point is *covered* when the best median RSRP of an operator exceeds the threshold by
the location-probability margin of the point's environment (:mod:`coverage.shadowing`,
``CoverageSettings.location_probability``: 90 % of locations outdoors by default); the
indoor indicator subtracts each site's building entry loss (TR 38.901 O2I) and uses its
own probability and the combined σ. Only the best server counts (no macro-diversity
gain): a conservative reading.

The site-point pairs are found with a spatial index, each site only searching as far as
its signal could still meet the rule in the points' clutter class (main beam, no terrain
loss; :mod:`coverage.radio` holds each site's parameters and per-site constants), and
are evaluated in bounded chunks: memory does not grow with sites × points.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from coverage import antenna, landcover, pathloss, terrain
from coverage._checks import check_work_crs
from coverage.grid import grid_centres, reproject_grid, sample
from coverage.radio import SiteModel, site_model, site_parameters
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import WORK_CRS
from geodata.raster import Grid

if TYPE_CHECKING:
    from coverage.calibration import Calibration

__all__ = ["SignalResult", "best_signal", "coverage_grid"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

#: Site-point pairs evaluated at once (bounds the memory of a run).
CHUNK_PAIRS = 250_000
#: Points whose site pairs are looked up at once.
CHUNK_POINTS = 20_000


@dataclass(frozen=True)
class SignalResult:
    """Best predicted signal per operator at each point, for one technology.

    Attributes
    ----------
    rsrp_dbm
        Frame indexed like the points, one column per operator: the best median outdoor
        RSRP (``-inf`` where no site of that operator is within reach).
    covered_by
        Comma-separated operators that cover each point outdoors: RSRP at least
        ``required_dbm`` (the threshold plus the location-probability margin).
    best_rsrp_dbm
        The best median outdoor signal of any operator.
    threshold_dbm
        The threshold of the rules.
    required_dbm
        Per point, the median outdoor RSRP the outdoor indicator needs, dBm.
    indoor_rsrp_dbm
        As ``rsrp_dbm``, indoors: after each site's building entry loss.
    indoor_covered_by
        Operators that cover each point indoors.
    indoor_required_dbm
        Per point, the median indoor RSRP the indoor indicator needs, dBm.
    land_cover_used
        Whether a land-cover raster gave the points' clutter (else density did).
    points_without_land_cover
        With land cover, the points outside it or on its no-data pixels, whose clutter
        came from density; 0 without land cover.
    clutter
        Each point's clutter class (0 urban … 3 open, :mod:`coverage.pathloss`).
    best_distance_m
        With ``with_distance=True``, per operator the distance from each point to the
        site that gives its best outdoor RSRP (NaN where none reaches); else ``None``.
    calibration
        The name of the calibration applied (:mod:`coverage.calibration`), or ``None``.
    terrain_outside
        With an elevation raster, what got no terrain term because its ground is
        unknown (outside the raster or no data): ``{"sites": ids, "points": count}``,
        the sites' ``site_id`` values and the number of points; empty without one.
    """

    rsrp_dbm: pd.DataFrame
    covered_by: pd.Series
    best_rsrp_dbm: pd.Series
    threshold_dbm: float
    required_dbm: pd.Series
    indoor_rsrp_dbm: pd.DataFrame
    indoor_covered_by: pd.Series
    indoor_required_dbm: pd.Series
    land_cover_used: bool = False
    points_without_land_cover: int = 0
    clutter: pd.Series | None = None
    best_distance_m: pd.DataFrame | None = None
    calibration: str | None = None
    terrain_outside: dict[str, Any] = field(default_factory=dict)

    @property
    def covered(self) -> pd.Series:
        """Whether any operator covers each point (the outdoor indicator)."""
        return self.covered_by != ""

    @property
    def indoor_covered(self) -> pd.Series:
        """Whether any operator covers each point indoors."""
        return self.indoor_covered_by != ""

    @property
    def best_indoor_rsrp_dbm(self) -> pd.Series:
        """The best median indoor signal of any operator."""
        frame = self.indoor_rsrp_dbm
        return frame.max(axis=1) if frame.shape[1] else pd.Series(-np.inf, index=frame.index)


def best_signal(  # noqa: PLR0913, PLR0915 - the model's inputs, keyword-only; one pipeline
    sites: gpd.GeoDataFrame | None,
    points_xy: npt.ArrayLike,
    *,
    tech: str,
    density: Grid | None = None,
    elevation: Grid | None = None,
    settings: CoverageSettings = DEFAULT_SETTINGS,
    index: pd.Index | None = None,
    land_cover: Grid | None = None,
    calibration: Calibration | None = None,
    with_distance: bool = False,
) -> SignalResult:
    """Predict the best signal per operator of ``tech`` at each point.

    Parameters
    ----------
    sites
        ``mobile_sites`` in the metric working CRS.
    points_xy
        Receiver positions, shape ``(n, 2)``, same CRS.
    tech
        Technology.
    density
        Population density (people/km²) for the receivers' clutter where land cover
        gives none; without either every point is taken as rural (quasi-open).
    elevation
        Terrain (m) for diffraction; without it the earth is flat.
    settings
        Threshold (``min_rsrp_dbm[tech]``), location probabilities and shadowing σ,
        building entry loss, handset height, maximum range.
    index
        Index of the result (default ``RangeIndex``), e.g. the villages' index.
    land_cover
        ESA WorldCover class codes: each point's clutter class and vegetation loss
        (:mod:`coverage.landcover`); points outside it or on no data (0) fall back to
        density and are counted in ``points_without_land_cover``.
    calibration
        A fitted correction (:class:`coverage.calibration.Calibration`): every site-point
        pair's RSRP gains ``a + b·log10(d_km)`` of the site's operator, ``tech`` and the
        point's clutter class, each site's search reach widened (or narrowed) by the
        largest correction so it stays an upper bound, and the margins use the
        calibration's σ (:meth:`~coverage.calibration.Calibration.settings_for`).
    with_distance
        Also return, per operator, the distance to the best site
        (``SignalResult.best_distance_m``; the calibration's fit needs it).

    Returns
    -------
    SignalResult

    Raises
    ------
    geodata.LayerValidationError
        For a site whose radio parameters are unreadable (:func:`site_parameters`).
    """
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    n = len(pts)
    idx = index if index is not None else pd.RangeIndex(n)
    settings = settings if calibration is None else calibration.settings_for(settings)
    threshold = float(settings.min_rsrp_dbm[tech])
    params = _site_params(sites, tech)
    operators = sorted(set(params["operator"]))
    terrain_outside: dict[str, Any] = {}
    best = np.full((n, len(operators)), -np.inf)
    best_in = np.full((n, len(operators)), -np.inf)
    best_d = np.full((n, len(operators)), np.nan) if with_distance else None
    crs = pyproj.CRS.from_user_input(sites.crs) if sites is not None and len(sites) else WORK_CRS
    codes, without = _land_cover_codes(land_cover, pts, crs)
    clutter = _clutter(pts, density, crs, codes) if n else np.zeros(0, dtype=np.int8)
    if len(params) and n:
        if elevation is not None:  # profiles are walked in metres, in the sites' CRS
            elevation = reproject_grid(elevation, crs)
        ground = sample(elevation, pts, crs=crs) if elevation is not None else None
        op_col = params["operator"].map({op: i for i, op in enumerate(operators)}).to_numpy()
        fix = _Correction.of(calibration, tech, operators, op_col, settings.max_range_m)
        fix.site_xy, fix.want_distance = params[["x", "y"]].to_numpy(), best_d is not None
        model = site_model(params, threshold, settings, extra_db=fix.extra_db)
        if elevation is not None and ground is not None:
            model, outside = _terrain_reach(
                params, model, elevation, crs, threshold, settings, fix.extra_db
            )
            terrain_outside = {"sites": outside, "points": int(np.isnan(ground).sum())}
        site_geoms = np.asarray(shapely.points(params[["x", "y"]].to_numpy()), dtype=object)
        site_tree = shapely.STRtree(site_geoms)
        flat, flat_in = best.reshape(-1), best_in.reshape(-1)
        # Points are taken in spatially compact blocks, so the site-point pairs in memory
        # at any time are those of one block, however large the whole run is.
        for block in _spatial_blocks(pts, CHUNK_POINTS):
            for c in np.unique(clutter[block]).tolist():  # each clutter: its own reach
                members = block[clutter[block] == c]
                reach = model.reach_m[:, c]
                area = shapely.box(*pts[members].min(axis=0), *pts[members].max(axis=0))
                near = site_tree.query(area, predicate="dwithin", distance=float(reach.max()))
                if not len(near):
                    continue
                point_tree = shapely.STRtree(np.asarray(shapely.points(pts[members]), dtype=object))
                s_loc, p_loc = point_tree.query(
                    np.asarray(site_geoms[near], dtype=object),
                    predicate="dwithin",
                    distance=reach[near],
                )
                s_idx, p_idx = near[s_loc], members[p_loc]
                order = np.argsort(s_idx, kind="stable")  # per-site slices for terrain
                s_idx, p_idx = s_idx[order], p_idx[order]
                for start in range(0, len(s_idx), CHUNK_PAIRS):
                    sl = slice(start, start + CHUNK_PAIRS)
                    s, p = s_idx[sl], p_idx[sl]
                    rsrp = _pair_rsrp(
                        params,
                        model,
                        s,
                        pts[p],
                        c,
                        None if ground is None else ground[p],
                        elevation,
                        crs,
                        settings,
                    )
                    if land_cover is not None:  # vegetation: >= 0 dB, within the reach
                        rsrp -= landcover.excess_loss_db(
                            codes[p],
                            params["band_mhz"].to_numpy()[s],
                            h_mobile_m=settings.mobile_height_m,
                            overrides=settings.land_cover_loss_db,
                        )
                    distance = fix.apply(rsrp, s, pts[p], c)  # calibration: rsrp += Δ
                    cell = p * len(operators) + op_col[s]
                    np.maximum.at(flat, cell, rsrp)
                    np.maximum.at(flat_in, cell, rsrp - model.indoor_loss_db[s, c])
                    _keep_distance(best_d, flat, cell, rsrp, distance)
    required = threshold + np.asarray(settings.margin_db(), dtype=np.float64)[clutter]
    required_in = threshold + np.asarray(settings.margin_db(indoor=True), dtype=np.float64)[clutter]
    frame = pd.DataFrame(best, index=idx, columns=operators)
    covered_by = _join_flags(best >= required[:, None], operators)
    best_any = frame.max(axis=1) if operators else pd.Series(-np.inf, index=idx)
    return SignalResult(
        rsrp_dbm=frame,
        covered_by=pd.Series(covered_by, index=idx, dtype=object),
        best_rsrp_dbm=best_any,
        threshold_dbm=threshold,
        required_dbm=pd.Series(required, index=idx, dtype=np.float64),
        indoor_rsrp_dbm=pd.DataFrame(best_in, index=idx, columns=operators),
        indoor_covered_by=pd.Series(
            _join_flags(best_in >= required_in[:, None], operators), index=idx, dtype=object
        ),
        indoor_required_dbm=pd.Series(required_in, index=idx, dtype=np.float64),
        land_cover_used=land_cover is not None,
        points_without_land_cover=without,
        clutter=pd.Series(clutter, index=idx),
        best_distance_m=None
        if best_d is None
        else pd.DataFrame(best_d, index=idx, columns=operators),
        calibration=None if calibration is None else calibration.name,
        terrain_outside=terrain_outside,
    )


class _Correction:
    """A calibration's correction per site-point pair, and the distances the fit needs."""

    def __init__(
        self, a: FloatArray | None, b: FloatArray | None, extra: FloatArray | None
    ) -> None:
        self.a, self.b = a, b  # (n_sites, 4): each site's operator's a and b per clutter
        self.extra_db = extra  # (n_sites, 4): the largest correction, for the reach
        self.site_xy = np.zeros((0, 2))
        self.want_distance = False

    @classmethod
    def of(
        cls,
        calibration: Calibration | None,
        tech: str,
        operators: list[str],
        op_col: npt.NDArray[np.intp],
        max_range_m: float,
    ) -> _Correction:
        if calibration is None:
            return cls(None, None, None)
        a, b = calibration.corrections(tech, operators)
        widest = calibration.max_correction_db(tech, operators, max_range_m)
        return cls(a[op_col], b[op_col], widest[op_col])

    def apply(
        self, rsrp: FloatArray, s: npt.NDArray[np.intp], pts: FloatArray, clutter: int
    ) -> FloatArray | None:
        """Add ``a + b·log10(d_km)`` to ``rsrp`` in place; return the distances if needed."""
        if self.a is None and not self.want_distance:
            return None
        distance = np.hypot(*(pts - self.site_xy[s]).T)
        if self.a is not None and self.b is not None:
            log_km = np.log10(np.maximum(distance, pathloss.MIN_DISTANCE_M) / 1000.0)
            rsrp += self.a[s, clutter] + self.b[s, clutter] * log_km
        return np.asarray(distance, dtype=np.float64)


def _keep_distance(
    best_d: FloatArray | None,
    flat: FloatArray,
    cell: npt.NDArray[np.intp],
    rsrp: FloatArray,
    distance: FloatArray | None,
) -> None:
    """Record the distance of the pairs that are now the best of their point and operator."""
    if best_d is None or distance is None:
        return
    hit = rsrp >= flat[cell]
    best_d.reshape(-1)[cell[hit]] = distance[hit]


def _site_params(sites: gpd.GeoDataFrame | None, tech: str) -> pd.DataFrame:
    """Return the radio parameters of the sites carrying ``tech`` (none without sites)."""
    if sites is not None and len(sites):
        check_work_crs(sites, "mobile_sites")
        return site_parameters(sites, tech)
    empty = gpd.GeoDataFrame(
        {"site_id": [], "operator": [], "tech": []}, geometry=gpd.GeoSeries([])
    )
    return site_parameters(empty, tech)


def _terrain_reach(  # noqa: PLR0913
    params: pd.DataFrame,
    model: SiteModel,
    elevation: Grid,
    crs: pyproj.CRS,
    threshold: float,
    settings: CoverageSettings,
    extra_db: FloatArray | None = None,
) -> tuple[SiteModel, list[str]]:
    """Widen each site's reach to its highest possible effective height; sites outside.

    The effective height of a path never exceeds the antenna's elevation less the
    raster's lowest ground (bounded as in the model), and diffraction only adds loss,
    so the reach at that height still bounds every pair that can count. Returns the
    model with that reach and the ids of the sites whose ground is unknown. ``extra_db``
    is a calibration's widest correction (:func:`coverage.radio.site_model`).
    """
    site_ground = sample(elevation, params[["x", "y"]].to_numpy(), crs=crs)
    known = np.isfinite(site_ground)
    outside = sorted(params.loc[~known, "site_id"].astype(str).tolist())
    lowest = np.nanmin(elevation.array) if np.isfinite(elevation.array).any() else np.nan
    height = params["height_m"].to_numpy(dtype=np.float64)
    highest = terrain.bounded_effective_height_m(
        np.where(known, site_ground + height - lowest, np.nan),
        height,
        params["band_mhz"].to_numpy(dtype=np.float64),
    )
    if not np.any(highest > height):
        return model, outside
    # Rounded up to 10 m: the same bound, and few distinct heights for the reach grid.
    bound = np.maximum(np.ceil(highest / 10.0) * 10.0, height)
    wide = site_model(params.assign(height_m=bound), threshold, settings, extra_db=extra_db)
    return replace(model, reach_m=np.maximum(model.reach_m, wide.reach_m)), outside


def _spatial_blocks(pts: FloatArray, size: int) -> list[npt.NDArray[np.intp]]:
    """Split point indices into blocks of at most ``size`` that are compact in space."""
    if len(pts) <= size:
        return [np.arange(len(pts))]
    cell = 5_000.0  # 5 km rows, ordered west to east, alternating (boustrophedon)
    row = np.floor((pts[:, 1] - pts[:, 1].min()) / cell).astype(np.int64)
    x = np.where(row % 2 == 0, pts[:, 0], -pts[:, 0])
    order = np.lexsort((x, row))
    return [order[i : i + size] for i in range(0, len(order), size)]


def _join_flags(flags: npt.NDArray[np.bool_], names: list[str]) -> npt.NDArray[np.object_]:
    """Return, per row, the names whose flag is set, comma-joined (vectorised by pattern)."""
    if not names:
        return np.full(len(flags), "", dtype=object)
    codes = flags.astype(np.int64) @ (1 << np.arange(len(names), dtype=np.int64))
    patterns, inverse = np.unique(codes, return_inverse=True)
    text = np.array(
        [",".join(n for k, n in enumerate(names) if code >> k & 1) for code in patterns.tolist()],
        dtype=object,
    )
    return text[inverse]


def _land_cover_codes(
    land_cover: Grid | None, pts: FloatArray, crs: pyproj.CRS
) -> tuple[npt.NDArray[np.int64], int]:
    """Each point's WorldCover code (0: none) and, with land cover, how many have none."""
    codes = landcover.sample_codes(land_cover, pts, crs=crs)
    without = int(np.count_nonzero(codes == 0)) if land_cover is not None else 0
    if without:  # compute_coverage warns once per run, for the villages
        log.info(
            "%d of %d points lie outside the land cover or on its no-data pixels: "
            "their clutter comes from population density",
            without,
            len(pts),
        )
    return codes, without


def _clutter(
    pts: FloatArray, density: Grid | None, crs: pyproj.CRS, codes: npt.NDArray[np.int64]
) -> npt.NDArray[np.int8]:
    """Each point's clutter class: its land-cover class, else its density's, else rural."""
    values = None if density is None else sample(density, pts, crs=crs)
    return landcover.classify(codes, values)


def _pair_rsrp(  # noqa: PLR0913
    params: pd.DataFrame,
    model: SiteModel,
    s: npt.NDArray[np.intp],
    pts: FloatArray,
    clutter: int,
    ground: FloatArray | None,
    elevation: Grid | None,
    crs: pyproj.CRS,
    settings: CoverageSettings,
) -> FloatArray:
    """Median outdoor RSRP of each site-point pair, the points all of class ``clutter``."""
    x = params["x"].to_numpy()
    y = params["y"].to_numpy()
    dx = pts[:, 0] - x[s]
    dy = pts[:, 1] - y[s]
    distance = np.hypot(dx, dy)
    loss = np.empty(len(s))
    hata = model.hata[s]
    if hata.any():
        sh = s[hata]
        log_km = np.log10(np.maximum(distance[hata], pathloss.MIN_DISTANCE_M) / 1000.0)
        linear = model.intercept_db[sh, clutter] + model.slope_db[sh] * log_km
        loss[hata] = np.maximum(linear, model.fspl_1km_db[sh] + 20.0 * log_km)  # >= free space
    if not hata.all():
        other = ~hata
        so = s[other]
        loss[other] = pathloss.path_loss_db(
            distance[other],
            freq_mhz=params["band_mhz"].to_numpy()[so],
            h_base_m=params["height_m"].to_numpy()[so],
            h_mobile_m=settings.mobile_height_m,
            clutter=clutter,
        )
    azimuths = model.azimuths[s]
    gain = np.zeros(len(s))
    sectored = ~np.isnan(azimuths).all(axis=1)
    if sectored.any():
        bearings = antenna.bearing_deg(dx[sectored], dy[sectored])
        gain[sectored] = antenna.sector_gain_rows_db(bearings, azimuths[sectored])
    if elevation is not None and ground is not None:
        loss += _terrain_loss_db(
            params, s, pts, distance, clutter, ground, elevation, crs, settings
        )
    return np.asarray(model.re_eirp_dbm[s] - loss + gain, dtype=np.float64)


def _terrain_loss_db(  # noqa: PLR0913
    params: pd.DataFrame,
    s: npt.NDArray[np.intp],
    pts: FloatArray,
    distance: FloatArray,
    clutter: int,
    ground: FloatArray,
    elevation: Grid,
    crs: pyproj.CRS,
    settings: CoverageSettings,
) -> FloatArray:
    """Loss the terrain adds to each site-point pair (pairs sorted by site), dB.

    The path loss at the effective height less the one at the mast height (the model's
    own, :func:`coverage.pathloss.path_loss_db`), plus the diffraction over the profile
    (:func:`coverage.terrain.terrain_terms`). A pair whose site or point has no ground
    elevation (outside the raster, or no data) gets 0 dB: no terrain term, never a
    ground at 0 m; :func:`best_signal` counts them.
    """
    x = params["x"].to_numpy()
    y = params["y"].to_numpy()
    site_ground = sample(elevation, params[["x", "y"]].to_numpy(), crs=crs)
    freq = params["band_mhz"].to_numpy(dtype=np.float64)
    height = params["height_m"].to_numpy(dtype=np.float64)
    extra = np.zeros(len(s))
    h_base = height[s]  # per pair; the effective height where the terrain is known
    sites_here, starts = np.unique(s, return_index=True)
    bounds = [*starts.tolist(), len(s)]
    for k, site in enumerate(sites_here.tolist()):  # pairs arrive sorted by site
        part = np.arange(bounds[k], bounds[k + 1])
        if not np.isfinite(site_ground[site]):
            continue
        part = part[np.isfinite(ground[part])]
        if not len(part):
            continue
        terms = terrain.terrain_terms(
            (float(x[site]), float(y[site])),
            float(site_ground[site]),
            float(height[site]),
            pts[part],
            ground[part],
            settings.mobile_height_m,
            elevation=elevation.array,
            transform=elevation.transform,
            freq_mhz=float(freq[site]),
        )
        h_base[part] = terrain.bounded_effective_height_m(
            terms.effective_height_m, height[site], freq[site]
        )
        extra[part] = terms.diffraction_db
    moved = np.flatnonzero(h_base != height[s])
    if len(moved):  # one call for all pairs: the model's loss at both heights
        f, dm, mast = freq[s[moved]], distance[moved], height[s[moved]]
        hm = settings.mobile_height_m
        at_effective = pathloss.path_loss_db(
            dm, freq_mhz=f, h_base_m=h_base[moved], h_mobile_m=hm, clutter=clutter
        )
        at_mast = pathloss.path_loss_db(
            dm, freq_mhz=f, h_base_m=mast, h_mobile_m=hm, clutter=clutter
        )
        extra[moved] += at_effective - at_mast
    return extra


def coverage_grid(  # noqa: PLR0913
    sites: gpd.GeoDataFrame,
    *,
    tech: str,
    operator: str | None,
    bounds: tuple[float, float, float, float],
    resolution_m: float = 500.0,
    density: Grid | None = None,
    elevation: Grid | None = None,
    settings: CoverageSettings = DEFAULT_SETTINGS,
    land_cover: Grid | None = None,
    calibration: Calibration | None = None,
) -> Grid:
    """Predict a raster of the best signal (dBm) of one operator (or all) for ``tech``.

    Parameters
    ----------
    sites
        ``mobile_sites`` in the metric CRS.
    tech
        Technology.
    operator
        Only this operator's sites; ``None`` for the best of all.
    bounds
        Extent in the sites' CRS.
    resolution_m
        Pixel size.
    density, elevation, settings, land_cover, calibration
        As for :func:`best_signal`.

    Returns
    -------
    geodata.raster.Grid
        ``rsrp_dbm`` per pixel, NaN where no site reaches; the sites' CRS.
    """
    chosen = sites if operator is None else sites[sites["operator"] == operator]
    centres, transform, shape = grid_centres(bounds, resolution_m)
    result = best_signal(
        chosen,
        centres,
        tech=tech,
        density=density,
        elevation=elevation,
        settings=settings,
        land_cover=land_cover,
        calibration=calibration,
    )
    values = result.best_rsrp_dbm.to_numpy(dtype=np.float64, copy=True)
    values[~np.isfinite(values)] = np.nan
    return Grid(array=values.reshape(shape), transform=transform, crs=sites.crs)
