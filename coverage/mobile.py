"""Mobile coverage: the predicted signal of every site at every point, best per operator.

For each technology, every site's signal is predicted at the points within its reach with
the COST-231 Hata model (:mod:`coverage.pathloss`), the receiver's clutter taken from the
population-density raster, sector antenna patterns when azimuths are given
(:mod:`coverage.antenna`), and the diffraction over terrain when an elevation raster is
given (:mod:`coverage.terrain`). The site-point pairs are found with a spatial index,
each site only searching as far as its signal could still reach the threshold in the
points' clutter class (main beam, no terrain loss), and are evaluated in bounded chunks:
memory does not grow with sites × points.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from coverage import antenna, pathloss, terrain
from coverage._checks import check_work_crs
from coverage.grid import grid_centres, reproject_grid, sample
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import WORK_CRS
from geodata.raster import Grid

__all__ = ["SignalResult", "best_signal", "coverage_grid", "site_parameters"]

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
        Frame indexed like the points, one column per operator (``-inf`` where no site
        of that operator is within reach).
    covered_by
        Comma-separated operators whose signal meets the threshold at each point.
    best_rsrp_dbm
        The best signal of any operator.
    threshold_dbm
        The threshold used.
    """

    rsrp_dbm: pd.DataFrame
    covered_by: pd.Series
    best_rsrp_dbm: pd.Series
    threshold_dbm: float

    @property
    def covered(self) -> pd.Series:
        """Whether any operator covers each point."""
        return self.covered_by != ""


def _azimuths(value: object) -> tuple[float, ...] | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    parts = [p for p in re.split(r"[,;/\s]+", str(value)) if p]
    try:
        return tuple(float(p) for p in parts) or None
    except ValueError:
        return None


def site_parameters(sites: gpd.GeoDataFrame, tech: str) -> pd.DataFrame:
    """Return the radio parameters of the sites that carry ``tech``, defaults filled in.

    Parameters
    ----------
    sites
        ``mobile_sites`` in the metric CRS (``tech`` as ``"2G,4G"``; optional
        ``eirp_dbm``, ``band_mhz``, ``azimuths_deg``).
    tech
        ``"2G"``, ``"3G"``, ``"4G"`` or ``"5G"``.

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``operator``, ``x``, ``y``, ``height_m``, ``eirp_dbm``, ``band_mhz``,
        ``n_rb``, ``azimuths`` (tuple or ``None``).
    """
    defaults = pathloss.TECH_DEFAULTS[tech]
    has = sites["tech"].fillna("").map(lambda s: tech in str(s).split(","))
    chosen = sites.loc[has.to_numpy(dtype=bool)]

    def column(name: str, default: float) -> FloatArray:
        if name not in chosen:
            return np.full(len(chosen), default)
        values = pd.to_numeric(chosen[name], errors="coerce").to_numpy(dtype=np.float64)
        return np.where(np.isfinite(values) & (values > 0), values, default)

    eirp = (
        pd.to_numeric(chosen["eirp_dbm"], errors="coerce").fillna(defaults.eirp_dbm)
        if "eirp_dbm" in chosen
        else pd.Series(defaults.eirp_dbm, index=chosen.index)
    )
    azimuths = (
        chosen["azimuths_deg"].map(_azimuths)
        if "azimuths_deg" in chosen
        else pd.Series([None] * len(chosen), index=chosen.index)
    )
    return pd.DataFrame(
        {
            "site_id": chosen["site_id"].astype(str).to_numpy(),
            "operator": chosen["operator"].astype(str).to_numpy(),
            "x": chosen.geometry.x.to_numpy(),
            "y": chosen.geometry.y.to_numpy(),
            "height_m": column("height_m", defaults.height_m),
            "eirp_dbm": eirp.to_numpy(dtype=np.float64),
            "band_mhz": column("band_mhz", defaults.band_mhz),
            "n_rb": np.full(len(chosen), defaults.n_rb),
            "azimuths": azimuths.to_numpy(dtype=object),
        }
    )


@dataclass(frozen=True)
class _SiteModel:
    """Per-site constants of the model, so that a site-point pair costs a few flops.

    Hata/COST-231 loss is linear in log10(distance) for a given site and clutter class:
    ``L(d) = intercept[clutter] + slope * log10(d_km)``. Both are taken from
    :func:`coverage.pathloss.hata_cost231_db` itself (at 1 and 10 km), so the model has a
    single definition; the free-space floor and the 20 m minimum distance are applied per
    pair as in that function.
    """

    power_dbm: FloatArray  # EIRP spread over the resource elements (RSRP at 0 dB loss)
    intercept_db: FloatArray  # (n_sites, 4): loss at 1 km per clutter class
    slope_db: FloatArray  # (n_sites,): loss per decade of distance
    fspl_1km_db: FloatArray  # (n_sites,): free-space loss at 1 km
    azimuths: FloatArray  # (n_sites, k), NaN-padded; all-NaN rows are omni
    reach_m: FloatArray  # (n_sites, 4): beyond it the threshold cannot be met


def _site_model(
    params: pd.DataFrame, threshold_dbm: float, settings: CoverageSettings
) -> _SiteModel:
    freq = params["band_mhz"].to_numpy(dtype=np.float64)
    height = params["height_m"].to_numpy(dtype=np.float64)
    classes = (pathloss.URBAN, pathloss.SUBURBAN, pathloss.RURAL, pathloss.OPEN)

    def loss(distance_m: float, clutter: int) -> FloatArray:
        return pathloss.hata_cost231_db(
            np.full(len(params), distance_m),
            freq_mhz=freq,
            h_base_m=height,
            h_mobile_m=settings.mobile_height_m,
            clutter=clutter,
            free_space_floor=False,
        )

    intercept = np.column_stack([loss(1000.0, c) for c in classes])
    slope = loss(10_000.0, pathloss.OPEN) - intercept[:, pathloss.OPEN]
    power = params["eirp_dbm"].to_numpy(dtype=np.float64) - 10 * np.log10(
        12 * params["n_rb"].to_numpy(dtype=np.float64)
    )
    budget = power - threshold_dbm
    with np.errstate(over="ignore"):
        reach_km = 10 ** ((budget[:, None] - intercept) / slope[:, None])
    reach = np.clip(reach_km * 1000.0 * 1.001, 0.0, settings.max_range_m)
    widest = max((len(a) for a in params["azimuths"] if a), default=0)
    azimuths = np.full((len(params), max(widest, 1)), np.nan)
    for i, az in enumerate(params["azimuths"]):
        if az:
            azimuths[i, : len(az)] = az
    fspl = pathloss.free_space_loss_db(np.full(len(params), 1000.0), freq)
    return _SiteModel(power, intercept, slope, fspl, azimuths, reach)


def best_signal(  # noqa: PLR0913 - the model's inputs, all keyword-only
    sites: gpd.GeoDataFrame | None,
    points_xy: npt.ArrayLike,
    *,
    tech: str,
    density: Grid | None = None,
    elevation: Grid | None = None,
    settings: CoverageSettings = DEFAULT_SETTINGS,
    index: pd.Index | None = None,
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
        Population density (people/km²) for the receivers' clutter; without it every
        point is taken as rural.
    elevation
        Terrain (m) for diffraction; without it the earth is flat.
    settings
        Threshold (``min_rsrp_dbm[tech]``), handset height, maximum range.
    index
        Index of the result (default ``RangeIndex``), e.g. the villages' index.

    Returns
    -------
    SignalResult
    """
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    n = len(pts)
    idx = index if index is not None else pd.RangeIndex(n)
    threshold = float(settings.min_rsrp_dbm[tech])
    if sites is not None and len(sites):
        check_work_crs(sites, "mobile_sites")
        params = site_parameters(sites, tech)
    else:
        params = site_parameters(
            gpd.GeoDataFrame(
                {"site_id": [], "operator": [], "tech": []}, geometry=gpd.GeoSeries([])
            ),
            tech,
        )
    operators = sorted(set(params["operator"]))
    best = np.full((n, len(operators)), -np.inf)
    if len(params) and n:
        crs = pyproj.CRS.from_user_input(sites.crs) if sites is not None else WORK_CRS
        if elevation is not None:  # profiles are walked in metres, in the sites' CRS
            elevation = reproject_grid(elevation, crs)
        clutter = _clutter(pts, density, crs)
        ground = sample(elevation, pts, crs=crs) if elevation is not None else None
        op_col = params["operator"].map({op: i for i, op in enumerate(operators)}).to_numpy()
        model = _site_model(params, threshold, settings)
        site_geoms = np.asarray(shapely.points(params[["x", "y"]].to_numpy()), dtype=object)
        site_tree = shapely.STRtree(site_geoms)
        flat = best.reshape(-1)
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
                    rsrp, keep = _pair_rsrp(
                        params,
                        model,
                        s,
                        pts[p],
                        clutter[p],
                        None if ground is None else ground[p],
                        elevation,
                        crs,
                        settings,
                    )
                    np.maximum.at(flat, p[keep] * len(operators) + op_col[s[keep]], rsrp[keep])
    frame = pd.DataFrame(best, index=idx, columns=operators)
    covered_by = pd.Series(_join_flags(best >= threshold, operators), index=idx, dtype=object)
    best_any = frame.max(axis=1) if operators else pd.Series(-np.inf, index=idx)
    return SignalResult(frame, covered_by, best_any, threshold)


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


def _clutter(pts: FloatArray, density: Grid | None, crs: pyproj.CRS) -> npt.NDArray[np.int8]:
    if density is None:
        return np.full(len(pts), pathloss.RURAL, dtype=np.int8)
    values = sample(density, pts, crs=crs)
    return pathloss.clutter_from_density(values)


def _pair_rsrp(  # noqa: PLR0913
    params: pd.DataFrame,
    model: _SiteModel,
    s: npt.NDArray[np.intp],
    pts: FloatArray,
    clutter: npt.NDArray[np.int8],
    ground: FloatArray | None,
    elevation: Grid | None,
    crs: pyproj.CRS,
    settings: CoverageSettings,
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Signal of each site-point pair, and which pairs are within the clutter's reach."""
    x = params["x"].to_numpy()
    y = params["y"].to_numpy()
    dx = pts[:, 0] - x[s]
    dy = pts[:, 1] - y[s]
    distance = np.hypot(dx, dy)
    keep = distance <= model.reach_m[s, clutter]
    log_km = np.log10(np.maximum(distance, pathloss.MIN_DISTANCE_M) / 1000.0)
    loss = model.intercept_db[s, clutter] + model.slope_db[s] * log_km
    loss = np.maximum(loss, model.fspl_1km_db[s] + 20.0 * log_km)  # never below free space
    azimuths = model.azimuths[s]
    gain = np.zeros(len(s))
    sectored = ~np.isnan(azimuths).all(axis=1)
    if sectored.any():
        bearings = antenna.bearing_deg(dx[sectored], dy[sectored])
        gain[sectored] = antenna.sector_gain_rows_db(bearings, azimuths[sectored])
    if elevation is not None and ground is not None:
        site_ground = sample(elevation, params[["x", "y"]].to_numpy(), crs=crs)
        freq = params["band_mhz"].to_numpy()
        height = params["height_m"].to_numpy()
        sites_here, starts = np.unique(s, return_index=True)
        bounds = [*starts.tolist(), len(s)]
        for k, site in enumerate(sites_here.tolist()):  # pairs arrive sorted by site
            part = slice(bounds[k], bounds[k + 1])
            sg = float(site_ground[site]) if np.isfinite(site_ground[site]) else 0.0
            loss[part] += terrain.terrain_diffraction_db(
                (float(x[site]), float(y[site])),
                sg,
                float(height[site]),
                pts[part],
                np.nan_to_num(ground[part]),
                settings.mobile_height_m,
                elevation=elevation.array,
                transform=elevation.transform,
                freq_mhz=float(freq[site]),
            )
    return model.power_dbm[s] - loss + gain, keep


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
    density, elevation, settings
        As for :func:`best_signal`.

    Returns
    -------
    geodata.raster.Grid
        ``rsrp_dbm`` per pixel, NaN where no site reaches; the sites' CRS.
    """
    chosen = sites if operator is None else sites[sites["operator"] == operator]
    centres, transform, shape = grid_centres(bounds, resolution_m)
    result = best_signal(
        chosen, centres, tech=tech, density=density, elevation=elevation, settings=settings
    )
    values = result.best_rsrp_dbm.to_numpy(dtype=np.float64, copy=True)
    values[~np.isfinite(values)] = np.nan
    return Grid(array=values.reshape(shape), transform=transform, crs=sites.crs)
