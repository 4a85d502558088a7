"""Mobile coverage: the predicted signal of every site at every point, best per operator.

For each technology, every site's signal is predicted at the points within its reach with
the COST-231 Hata model (:mod:`coverage.pathloss`), the receiver's clutter taken from the
population-density raster, sector antenna patterns when azimuths are given, and the
diffraction over terrain when an elevation raster is given. The site-point pairs are
found with a spatial index, each site only searching as far as its signal could still
reach the threshold in open terrain, and are evaluated in bounded chunks: memory does not
grow with sites × points.
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

from coverage import pathloss
from coverage._checks import check_work_crs
from coverage.grid import grid_centres, sample
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.crs import WORK_CRS
from geodata.raster import Grid

__all__ = ["SignalResult", "best_signal", "coverage_grid", "site_parameters"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

#: Site-point pairs evaluated at once (bounds the memory of a run).
CHUNK_PAIRS = 250_000


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


def _reach_m(params: pd.DataFrame, threshold_dbm: float, settings: CoverageSettings) -> FloatArray:
    """Distance beyond which a site cannot reach the threshold even in open terrain."""
    budget = (
        params["eirp_dbm"].to_numpy()
        - 10 * np.log10(12 * params["n_rb"].to_numpy())
        - threshold_dbm
    )
    lo = np.full(len(params), 20.0)
    hi = np.full(len(params), settings.max_range_m)
    for _ in range(40):  # bisection on log distance; the loss grows with distance
        mid = np.sqrt(lo * hi)
        loss = pathloss.hata_cost231_db(
            mid,
            freq_mhz=params["band_mhz"].to_numpy(),
            h_base_m=params["height_m"].to_numpy(),
            h_mobile_m=settings.mobile_height_m,
            clutter=pathloss.OPEN,
        )
        inside = loss <= budget
        lo = np.where(inside, mid, lo)
        hi = np.where(inside, hi, mid)
    return hi * 1.01


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
        clutter = _clutter(pts, density, crs)
        ground = sample(elevation, pts, crs=crs) if elevation is not None else None
        op_col = params["operator"].map({op: i for i, op in enumerate(operators)}).to_numpy()
        reach = _reach_m(params, threshold, settings)
        tree = shapely.STRtree(np.asarray(shapely.points(pts), dtype=object))
        site_pts = shapely.points(params[["x", "y"]].to_numpy())
        s_idx, p_idx = tree.query(site_pts, predicate="dwithin", distance=reach)
        order = np.argsort(s_idx, kind="stable")
        s_idx, p_idx = s_idx[order], p_idx[order]
        for start in range(0, len(s_idx), CHUNK_PAIRS):
            s, p = s_idx[start : start + CHUNK_PAIRS], p_idx[start : start + CHUNK_PAIRS]
            rsrp = _pair_rsrp(
                params,
                s,
                pts[p],
                clutter[p],
                None if ground is None else ground[p],
                elevation,
                crs,
                settings,
            )
            np.maximum.at(best, (p, op_col[s]), rsrp)
    frame = pd.DataFrame(best, index=idx, columns=operators)
    meets = frame.to_numpy() >= threshold
    covered_by = pd.Series(
        [",".join(op for op, ok in zip(operators, row, strict=True) if ok) for row in meets],
        index=idx,
        dtype=object,
    )
    best_any = frame.max(axis=1) if operators else pd.Series(-np.inf, index=idx)
    return SignalResult(frame, covered_by, best_any, threshold)


def _clutter(pts: FloatArray, density: Grid | None, crs: pyproj.CRS) -> npt.NDArray[np.int8]:
    if density is None:
        return np.full(len(pts), pathloss.RURAL, dtype=np.int8)
    values = sample(density, pts, crs=crs)
    return pathloss.clutter_from_density(values)


def _pair_rsrp(  # noqa: PLR0913
    params: pd.DataFrame,
    s: npt.NDArray[np.intp],
    pts: FloatArray,
    clutter: npt.NDArray[np.int8],
    ground: FloatArray | None,
    elevation: Grid | None,
    crs: pyproj.CRS,
    settings: CoverageSettings,
) -> FloatArray:
    dx = pts[:, 0] - params["x"].to_numpy()[s]
    dy = pts[:, 1] - params["y"].to_numpy()[s]
    distance = np.hypot(dx, dy)
    freq = params["band_mhz"].to_numpy()[s]
    height = params["height_m"].to_numpy()[s]
    loss = pathloss.hata_cost231_db(
        distance,
        freq_mhz=freq,
        h_base_m=height,
        h_mobile_m=settings.mobile_height_m,
        clutter=clutter,
    )
    gain = np.zeros(len(s))
    azimuths = params["azimuths"].to_numpy()
    bearings = pathloss.bearing_deg(dx, dy)
    # pairs arrive sorted by site: one slice per site
    sites_here, starts = np.unique(s, return_index=True)
    bounds = [*starts.tolist(), len(s)]
    site_ground = (
        sample(elevation, params[["x", "y"]].to_numpy(), crs=crs) if elevation is not None else None
    )
    for k, site in enumerate(sites_here.tolist()):
        part = slice(bounds[k], bounds[k + 1])
        az = azimuths[site]
        if az:
            gain[part] = pathloss.sector_gain_db(bearings[part], az)
        if elevation is not None and ground is not None and site_ground is not None:
            sg = float(site_ground[site]) if np.isfinite(site_ground[site]) else 0.0
            loss[part] += pathloss.terrain_diffraction_db(
                (float(params["x"].iloc[site]), float(params["y"].iloc[site])),
                sg,
                float(height[part][0]),
                pts[part],
                np.nan_to_num(ground[part]),
                settings.mobile_height_m,
                elevation=elevation.array,
                transform=elevation.transform,
                freq_mhz=float(freq[part][0]),
            )
    return pathloss.rsrp_dbm(
        params["eirp_dbm"].to_numpy()[s], loss, gain_db=gain, n_rb=params["n_rb"].to_numpy()[s]
    )


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
