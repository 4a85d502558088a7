"""The radio parameters of each site, and the per-site constants of the mobile model.

:func:`site_parameters` reads a site's technology, height, band, EIRP and sector
azimuths from ``mobile_sites``, filling a *missing* value with the documented default of
:data:`coverage.linkbudget.TECH_DEFAULTS` and refusing an *unreadable* one (issue 12: no
silent fallbacks). :func:`site_model` turns them into what a site-point pair needs: the
EIRP per resource element and port, the loss law of the site's band, the reach beyond
which no rule can be met, the building entry loss. :func:`max_reach_m` is that reach for
a default site (the planner's candidate search). :mod:`coverage.mobile` evaluates the
pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from coverage import linkbudget, pathloss, tr38901
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from geodata.cells import parse_angles
from geodata.errors import LayerValidationError, Problem

__all__ = ["SiteModel", "max_reach_m", "site_model", "site_parameters"]

FloatArray = npt.NDArray[np.float64]

#: Distances at which a TR 38.901 site's reach is searched: 10 m to 100 km, 2 % apart.
_REACH_GRID_M = np.geomspace(tr38901.MIN_DISTANCE_M, 100_000.0, 470)
#: The four clutter classes, in the order of the settings' environments.
_CLASSES = (pathloss.URBAN, pathloss.SUBURBAN, pathloss.RURAL, pathloss.OPEN)


def site_parameters(sites: gpd.GeoDataFrame, tech: str) -> pd.DataFrame:
    """Return the radio parameters of the sites that carry ``tech``.

    A *missing* value (empty cell, ``None``, NaN, or the column absent) takes the
    documented default: ``height_m``, ``band_mhz`` and ``eirp_dbm`` those of
    :data:`coverage.linkbudget.TECH_DEFAULTS` for ``tech``, and a missing
    ``azimuths_deg`` makes an omnidirectional site. An *unreadable* or impossible value
    never does: it is refused, with every offending site named. Import validation
    (:mod:`geodata.validate`) refuses the same values in a file.

    Parameters
    ----------
    sites
        ``mobile_sites`` in the metric CRS (``tech`` as ``"2G,4G"``; optional
        ``eirp_dbm`` (total EIRP of all ports, dBm), ``band_mhz``, ``azimuths_deg``).
    tech
        ``"2G"``, ``"3G"``, ``"4G"`` or ``"5G"``.

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``operator``, ``x``, ``y``, ``height_m``, ``eirp_dbm``, ``band_mhz``,
        ``n_rb``, ``ports``, ``azimuths`` (tuple or ``None``).

    Raises
    ------
    geodata.LayerValidationError
        For a ``height_m`` or ``band_mhz`` that is not a positive number, a band outside
        150-6000 MHz, an ``eirp_dbm`` that is not a number, or an ``azimuths_deg`` that
        is not a list of angles in 0-360°.
    """
    defaults = linkbudget.TECH_DEFAULTS[tech]
    has = sites["tech"].fillna("").map(lambda s: tech in str(s).split(","))
    chosen = sites.loc[has.to_numpy(dtype=bool)]
    ids = chosen["site_id"].astype(str).to_numpy() if "site_id" in chosen else None
    problems: list[Problem] = []

    def bad(pos: int, name: str, value: object, message: str, fix: str) -> None:
        problems.append(
            Problem(
                f"{value!r} {message}",
                fix=fix,
                feature_id=None if ids is None else str(ids[pos]),
                column=name,
            )
        )

    def column(name: str, default: float, *, positive: bool, fix: str) -> FloatArray:
        if name not in chosen:
            return np.full(len(chosen), default)
        raw = chosen[name].to_numpy(dtype=object)
        values = pd.to_numeric(chosen[name], errors="coerce").to_numpy(dtype=np.float64)
        missing = pd.isna(chosen[name]).to_numpy() | np.array(
            [isinstance(v, str) and not v.strip() for v in raw], dtype=bool
        )
        wrong = ~missing & ~(np.isfinite(values) & ((values > 0) if positive else True))
        for pos in np.flatnonzero(wrong).tolist():
            what = "is not a positive number" if positive else "is not a number"
            bad(pos, name, raw[pos], what + ".", fix)
        return np.where(missing, default, values)

    height = column(
        "height_m",
        defaults.height_m,
        positive=True,
        fix="give the antenna's height above the ground in metres (> 0), or leave it "
        f"empty for the {tech} default ({defaults.height_m:g} m).",
    )
    band = column(
        "band_mhz",
        defaults.band_mhz,
        positive=True,
        fix=f"give the carrier frequency in MHz (> 0), or leave it empty for the {tech} "
        f"default ({defaults.band_mhz:g} MHz).",
    )
    lo, hi = pathloss.FREQ_RANGE_MHZ
    outside = np.isfinite(band) & (band > 0) & ((band < lo) | (band > hi))
    for pos in np.flatnonzero(outside).tolist():
        bad(
            pos,
            "band_mhz",
            float(band[pos]),
            f"MHz is outside {lo:g}-{hi:g} MHz, the bands of the propagation models.",
            "give the band in MHz (3.5 GHz is 3500), or leave it empty for the default.",
        )
    eirp = column(
        "eirp_dbm",
        defaults.eirp_dbm,
        positive=False,
        fix=f"give the total EIRP in dBm, or leave it empty for the {tech} default "
        f"({defaults.eirp_dbm:g} dBm).",
    )
    if "azimuths_deg" in chosen:
        azimuths = [parse_angles(v) for v in chosen["azimuths_deg"].to_numpy(dtype=object)]
    else:
        azimuths = [None] * len(chosen)
    for pos, az in enumerate(azimuths):
        if isinstance(az, str):
            bad(
                pos,
                "azimuths_deg",
                az,
                "is not a list of sector azimuths in degrees (0-360).",
                "list each sector's azimuth from north, e.g. '0,120,240', or leave it "
                "empty for an omnidirectional site.",
            )
    if problems:
        source = "mobile_sites given to the coverage engine"
        raise LayerValidationError(source, "mobile_sites", problems)
    return pd.DataFrame(
        {
            "site_id": chosen["site_id"].astype(str).to_numpy(),
            "operator": chosen["operator"].astype(str).to_numpy(),
            "x": chosen.geometry.x.to_numpy(),
            "y": chosen.geometry.y.to_numpy(),
            "height_m": height,
            "eirp_dbm": eirp,
            "band_mhz": band,
            "n_rb": np.full(len(chosen), defaults.n_rb),
            "ports": np.full(len(chosen), defaults.ports),
            "azimuths": pd.Series(azimuths, dtype=object).to_numpy(dtype=object),
        }
    )


@dataclass(frozen=True)
class SiteModel:
    """Per-site constants of the model, so that a site-point pair costs a few flops.

    A Hata-class site (band <= 2000 MHz) has a loss linear in log10(distance) for a
    given clutter class: ``L(d) = intercept[clutter] + slope * log10(d_km)``. Both are
    taken from :func:`coverage.pathloss.path_loss_db` itself (at 1 and 10 km), so the
    model has a single definition; the free-space floor and the 20 m minimum distance
    are applied per pair as in that function. A TR 38.901 site's pairs are evaluated
    with :func:`coverage.pathloss.path_loss_db` directly.
    """

    re_eirp_dbm: FloatArray  # EIRP per resource element and port (RSRP at 0 dB loss)
    hata: npt.NDArray[np.bool_]  # (n_sites,): the linear Hata-class form applies
    intercept_db: FloatArray  # (n_sites, 4): loss at 1 km per clutter class (Hata class)
    slope_db: FloatArray  # (n_sites,): loss per decade of distance (Hata class)
    fspl_1km_db: FloatArray  # (n_sites,): free-space loss at 1 km
    azimuths: FloatArray  # (n_sites, k), NaN-padded; all-NaN rows are omni
    reach_m: FloatArray  # (n_sites, 4): beyond it no rule can be met
    indoor_loss_db: FloatArray  # (n_sites, 4): median building entry loss


def site_model(
    params: pd.DataFrame,
    threshold_dbm: float,
    settings: CoverageSettings,
    *,
    extra_db: FloatArray | None = None,
) -> SiteModel:
    """Return the per-site constants of the model for the sites of ``params``.

    Parameters
    ----------
    params
        :func:`site_parameters` (``x`` and ``y`` not needed).
    threshold_dbm
        The technology's ``min_rsrp_dbm``.
    settings
        The rules: margins (outdoor and indoor), building loss, handset height, range.
    extra_db
        Optional ``(n_sites, 4)``: the most a calibration can add to a site's signal in
        each clutter class (:meth:`coverage.calibration.Calibration.max_correction_db`);
        the reach is computed with the budget widened by it, so it stays an upper bound.

    Returns
    -------
    SiteModel
    """
    n = len(params)
    freq = params["band_mhz"].to_numpy(dtype=np.float64)
    height = params["height_m"].to_numpy(dtype=np.float64)
    hata = freq <= pathloss.COST231_MAX_MHZ
    re_eirp = linkbudget.re_eirp_dbm(
        params["eirp_dbm"].to_numpy(dtype=np.float64),
        ports=params["ports"].to_numpy(dtype=np.float64),
        n_rb=params["n_rb"].to_numpy(dtype=np.float64),
    )
    indoor = (
        np.column_stack(
            [
                tr38901.o2i_building_loss_db(
                    freq,
                    "uma" if c <= pathloss.SUBURBAN else "rma",
                    model=settings.indoor_building_loss,
                )
                for c in _CLASSES
            ]
        )
        if n
        else np.zeros((0, 4))
    )
    # The least the median must exceed the threshold by, per site and clutter class.
    need = np.minimum(
        np.asarray(settings.margin_db(), dtype=np.float64)[None, :],
        indoor + np.asarray(settings.margin_db(indoor=True), dtype=np.float64)[None, :],
    )
    budget = re_eirp[:, None] - threshold_dbm - need  # the largest loss that can still count
    if extra_db is not None:
        budget = budget + np.asarray(extra_db, dtype=np.float64).reshape(n, 4)
    intercept = np.full((n, 4), np.nan)
    slope = np.full(n, np.nan)
    reach = np.zeros((n, 4))
    if hata.any():
        fh, hh = freq[hata], height[hata]

        def loss(distance_m: float, clutter: int) -> FloatArray:
            return pathloss.path_loss_db(
                np.full(len(fh), distance_m),
                freq_mhz=fh,
                h_base_m=hh,
                h_mobile_m=settings.mobile_height_m,
                clutter=clutter,
                free_space_floor=False,
            )

        intercept[hata] = np.column_stack([loss(1000.0, c) for c in _CLASSES])
        slope[hata] = loss(10_000.0, pathloss.OPEN) - intercept[hata][:, pathloss.OPEN]
        with np.errstate(over="ignore"):
            reach_km = 10 ** ((budget[hata] - intercept[hata]) / slope[hata][:, None])
        reach[hata] = reach_km * 1000.0 * 1.001
    if (~hata).any():
        reach[~hata] = _grid_reach(freq[~hata], height[~hata], budget[~hata], settings)
    reach = np.clip(reach, 0.0, settings.max_range_m)
    widest = max((len(a) for a in params["azimuths"] if a), default=0)
    azimuths = np.full((n, max(widest, 1)), np.nan)
    for i, az in enumerate(params["azimuths"]):
        if az:
            azimuths[i, : len(az)] = az
    fspl = pathloss.free_space_loss_db(np.full(n, 1000.0), freq) if n else np.zeros(0)
    return SiteModel(re_eirp, hata, intercept, slope, fspl, azimuths, reach, indoor)


def _grid_reach(
    freq: FloatArray, height: FloatArray, budget: FloatArray, settings: CoverageSettings
) -> FloatArray:
    """Reach of sites whose loss is not linear in log distance, on a grid of distances.

    For each distinct (band, height) the loss is evaluated at :data:`_REACH_GRID_M`; a
    site's reach in a clutter class is the first grid distance past the last one whose
    loss is within its budget (the loss grows with distance, so nothing beyond it can
    count).
    """
    out = np.zeros((len(freq), 4))
    combos, inverse = np.unique(np.column_stack([freq, height]), axis=0, return_inverse=True)
    grid = _REACH_GRID_M
    for k, (f, h) in enumerate(combos.tolist()):
        rows = np.flatnonzero(inverse.reshape(-1) == k)
        for c in _CLASSES:
            loss = pathloss.path_loss_db(
                grid, freq_mhz=f, h_base_m=h, h_mobile_m=settings.mobile_height_m, clutter=c
            )
            within = loss[None, :] <= budget[rows, c][:, None]
            last = np.where(
                within.any(axis=1), grid.size - 1 - np.argmax(within[:, ::-1], axis=1), -1
            )
            nxt = np.minimum(last + 1, grid.size - 1)
            out[rows, c] = np.where(last >= 0, grid[nxt], 0.0)
    return out


def max_reach_m(tech: str, height_m: float, settings: CoverageSettings = DEFAULT_SETTINGS) -> float:
    """Return the distance beyond which a default site of ``tech`` covers nothing.

    The site has the radio parameters of :data:`coverage.linkbudget.TECH_DEFAULTS` at
    ``height_m``; the distance is the largest over the clutter classes (main beam, no
    terrain loss), capped at ``settings.max_range_m``.

    Parameters
    ----------
    tech
        Technology.
    height_m
        Antenna height, m.
    settings
        The rules (threshold, margins, handset height, maximum range).

    Returns
    -------
    float
        Metres.
    """
    defaults = linkbudget.TECH_DEFAULTS[tech]
    params = pd.DataFrame(
        {
            "band_mhz": [defaults.band_mhz],
            "height_m": [float(height_m)],
            "eirp_dbm": [defaults.eirp_dbm],
            "ports": [defaults.ports],
            "n_rb": [defaults.n_rb],
            "azimuths": [None],
        }
    )
    model = site_model(params, float(settings.min_rsrp_dbm[tech]), settings)
    return float(model.reach_m.max())
