"""The calibration's fit per group: its settings, the samples' predictions, censoring, Huber.

What :func:`coverage.calibration_fit.fit_calibration` runs on every (training) sample set,
steps 1-3 of the method described in :mod:`coverage.calibration_fit`:
:class:`FitSettings` (every choice of the method), :func:`predict_samples` (each
measurement's prediction from its operator's best server), :func:`selection` (the
censoring near the sensitivity floor), :func:`huber_fit` (the robust regression) and
:func:`fit_groups` (the operator levels and the shrunk group corrections, in two passes),
with :func:`corrections_for` (a fit's correction of each sample). The cross-validation
and the whole fit are :mod:`coverage.calibration_fit`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from coverage.calibration import Calibration, GroupFit, OperatorFit
from coverage.mobile import best_signal
from coverage.settings import DEFAULT_SETTINGS, CoverageSettings
from coverage.shadowing import ENVIRONMENTS
from geodata.raster import Grid

__all__ = [
    "DEFAULT_FIT",
    "SAMPLE_COLUMNS",
    "Blocks",
    "FitSettings",
    "corrections_for",
    "fit_groups",
    "huber_fit",
    "predict_samples",
    "selection",
]

FloatArray = npt.NDArray[np.float64]
Blocks = Literal["drive", "grid", "random"]

#: Scale of the median absolute deviation of a normal variable: σ = 1.4826 · MAD.
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class FitSettings:
    """The calibration's method, every choice a setting (module docstring).

    Attributes
    ----------
    floor_dbm
        A phone's practical sensitivity floor per technology (the reported quantity:
        RSRP for 4G, SS-RSRP for 5G, RSCP for 3G, RSSI for 2G): a sample at or below it
        is censored. −125 dBm for 4G/5G (phones lose the cell a few dB above the −140 dBm
        bottom of the LTE reporting range, TS 36.133), −115 dBm RSCP, −105 dBm RSSI.
    censor_margin_db
        Only samples whose predicted median is this far above the floor are fitted.
    huber_c
        Huber's tuning constant, in units of the residuals' scale (1.345: 95 %
        efficiency at the normal).
    slope_cap_db
        The largest ``|b|``, dB per decade (the models' own slopes are 35-40 dB).
    min_log_spread
        A group whose std of log10(d_km) is below this fits an offset only.
    full_weight_samples, full_weight_drives
        A group reaches its own fit's full weight with this many samples and drives.
    min_operator_samples
        An operator × technology with fewer samples is not corrected.
    min_sigma_samples
        An environment's σ is measured from this many held-out samples.
    block_size_m
        Side of the square grid blocks of the cross-validation (``blocks="grid"``).
    folds
        K of the K-fold cross-validation.
    blocks
        ``"grid"`` (default) or ``"drive"``: what is held out whole.
    seed
        Seed of the shuffle that deals the blocks to folds.
    """

    floor_dbm: Mapping[str, float] = field(
        default_factory=lambda: {"2G": -105.0, "3G": -115.0, "4G": -125.0, "5G": -125.0}
    )
    censor_margin_db: float = 15.0
    huber_c: float = 1.345
    slope_cap_db: float = 10.0
    min_log_spread: float = 0.1
    full_weight_samples: int = 100
    full_weight_drives: int = 5
    min_operator_samples: int = 30
    min_sigma_samples: int = 200
    block_size_m: float = 5000.0
    folds: int = 5
    blocks: Blocks = "grid"
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse settings the method cannot use."""
        problems = []
        if self.blocks not in ("drive", "grid", "random"):
            problems.append(f"`blocks` must be 'drive' or 'grid'; got {self.blocks!r}")
        if int(self.folds) < 2:
            problems.append(f"`folds` must be at least 2; got {self.folds!r}")
        if not (self.block_size_m > 0 and self.huber_c > 0 and self.slope_cap_db >= 0):
            problems.append("`block_size_m` and `huber_c` must be > 0, `slope_cap_db` >= 0")
        if problems:
            raise ValueError("calibration settings: " + "; ".join(problems) + ".")

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready mapping."""
        out = dataclasses.asdict(self)
        out["floor_dbm"] = dict(self.floor_dbm)
        return out


DEFAULT_FIT = FitSettings()

#: How far below the lowest floor the sample prediction searches sites, dB: the second
#: selection keeps samples whose median, corrected, is 15 dB above the floor, so a
#: correction of up to +30 dB still finds every site that matters.
_SEARCH_BELOW_DB = 15.0

#: The columns of a samples frame (:func:`predict_samples`).
SAMPLE_COLUMNS = (
    "operator",
    "tech",
    "environment",
    "distance_m",
    "measured_dbm",
    "predicted_dbm",
    "drive",
    "x",
    "y",
)


# --------------------------------------------------------------------------- samples


def predict_samples(  # noqa: PLR0913 - the model's inputs, keyword-only
    measurements: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame | None,
    *,
    density: Grid | None = None,
    elevation: Grid | None = None,
    land_cover: Grid | None = None,
    settings: CoverageSettings = DEFAULT_SETTINGS,
    fit: FitSettings | None = None,
) -> pd.DataFrame:
    """Return each measurement with the model's prediction from its operator's best site.

    Parameters
    ----------
    measurements
        The ``measurements`` layer in the metric working CRS (``operator``, ``tech``,
        ``rsrp_dbm``; ``drive_id`` when present).
    sites
        ``mobile_sites`` in the same CRS.
    density, elevation, land_cover, settings
        As for :func:`coverage.mobile.best_signal` (the threshold aside: every site whose
        signal can reach the phones' floor is searched).
    fit
        The floors (default :data:`DEFAULT_FIT`).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``measurements``: :data:`SAMPLE_COLUMNS`; ``predicted_dbm`` is
        ``-inf`` and ``distance_m`` NaN where no site of the sample's operator and
        technology reaches it.
    """
    fit = fit or DEFAULT_FIT
    xy = np.column_stack([measurements.geometry.x, measurements.geometry.y])
    # Every site whose median can come within _SEARCH_BELOW_DB of the floor is searched,
    # not only those that could meet a rule: the threshold is that, less any margin.
    floor = min(fit.floor_dbm.values())
    low = floor - _SEARCH_BELOW_DB - max(settings.margin_db())
    search = dataclasses.replace(settings, min_rsrp_dbm=dict.fromkeys(settings.min_rsrp_dbm, low))
    ops = measurements["operator"].astype(str).to_numpy()
    techs = measurements["tech"].astype(str).to_numpy()
    predicted = np.full(len(measurements), -np.inf)
    distance = np.full(len(measurements), np.nan)
    env = np.zeros(len(measurements), dtype=np.int64)
    for tech in sorted(set(techs.tolist())):
        rows = np.flatnonzero(techs == tech)
        signal = best_signal(
            sites,
            xy[rows],
            tech=tech,
            density=density,
            elevation=elevation,
            settings=search,
            land_cover=land_cover,
            with_distance=True,
        )
        if signal.clutter is not None:
            env[rows] = signal.clutter.to_numpy()
        distances = signal.best_distance_m
        for op in signal.rsrp_dbm.columns:
            hit = ops[rows] == op
            predicted[rows[hit]] = signal.rsrp_dbm[op].to_numpy()[hit]
            if distances is not None:
                distance[rows[hit]] = distances[op].to_numpy()[hit]
    drive = (
        measurements["drive_id"].astype(str).to_numpy()
        if "drive_id" in measurements
        else np.full(len(measurements), "", dtype=object)
    )
    return pd.DataFrame(
        {
            "operator": ops,
            "tech": techs,
            "environment": env,
            "distance_m": distance,
            "measured_dbm": measurements["rsrp_dbm"].to_numpy(dtype=np.float64),
            "predicted_dbm": predicted,
            "drive": drive,
            "x": xy[:, 0],
            "y": xy[:, 1],
        },
        index=measurements.index,
    )


def _floor(samples: pd.DataFrame, fit: FitSettings) -> FloatArray:
    floor = samples["tech"].map(dict(fit.floor_dbm)).fillna(-np.inf)
    return np.asarray(floor.to_numpy(dtype=np.float64), dtype=np.float64)


def selection(
    samples: pd.DataFrame, fit: FitSettings = DEFAULT_FIT, correction: FloatArray | None = None
) -> dict[str, npt.NDArray[np.bool_]]:
    """Return which samples a fit may use, and why the others are left out.

    Parameters
    ----------
    samples
        :func:`predict_samples`.
    fit
        The floor and the censoring margin.
    correction
        A correction to add to the prediction before the censoring test (second pass).

    Returns
    -------
    dict
        ``"used"`` and, for the others, the first reason: ``"no_site"`` (no site of the
        operator and technology in reach), ``"at_floor"`` (measured at or below the
        floor), ``"near_floor"`` (predicted median within the censoring margin).
    """
    floor = _floor(samples, fit)
    predicted = samples["predicted_dbm"].to_numpy(dtype=np.float64)
    if correction is not None:
        predicted = predicted + correction
    no_site = ~np.isfinite(predicted) | ~np.isfinite(samples["distance_m"].to_numpy())
    at_floor = ~no_site & (samples["measured_dbm"].to_numpy(dtype=np.float64) <= floor)
    with np.errstate(invalid="ignore"):
        near = ~no_site & ~at_floor & (predicted < floor + fit.censor_margin_db)
    return {
        "used": ~(no_site | at_floor | near),
        "no_site": no_site,
        "at_floor": at_floor,
        "near_floor": near,
    }


# --------------------------------------------------------------------------- the fit


def huber_fit(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    c: float = 1.345,
    slope: bool = True,
    max_iter: int = 100,
) -> tuple[float, float, float]:
    """Fit ``y = a + b·x`` (or ``y = a``) by Huber's M-estimator (IRLS).

    Weights ``w = min(1, c·s / |r|)`` with ``s = 1.4826 · median(|r|)`` (the MAD of the
    residuals about 0), re-estimated each iteration, from the least-squares start.

    Parameters
    ----------
    x, y
        Regressor and response (``x`` ignored when ``slope`` is false).
    c
        Tuning constant in units of ``s``.
    slope
        Fit the slope too.
    max_iter
        At most this many reweightings.

    Returns
    -------
    tuple of float
        ``(a, b, s)``: intercept, slope (0 when not fitted) and the residual scale.

    Examples
    --------
    >>> x = list(range(11))
    >>> y = [1.0 + 2.0 * v for v in x]
    >>> y[5] = 100.0  # one outlier: least squares would give a = 9.09
    >>> a, b, s = huber_fit(x, y)
    >>> round(a, 3), round(b, 3)
    (1.0, 2.0)
    """
    yv = np.asarray(y, dtype=np.float64)
    xv = np.asarray(x, dtype=np.float64) if slope else np.zeros(len(yv))
    design = np.column_stack([np.ones(len(yv)), xv]) if slope else np.ones((len(yv), 1))
    beta = np.linalg.lstsq(design, yv, rcond=None)[0]
    scale = 0.0
    for _ in range(max_iter):
        r = yv - design @ beta
        scale = MAD_TO_SIGMA * float(np.median(np.abs(r)))  # about 0, as statsmodels' RLM
        if scale <= 1e-12:  # an exact fit of most points: nothing left to reweight
            break
        w = np.minimum(1.0, c * scale / np.maximum(np.abs(r), 1e-300))
        sw = np.sqrt(w)
        new = np.linalg.lstsq(design * sw[:, None], yv * sw, rcond=None)[0]
        if np.max(np.abs(new - beta)) < 1e-9:
            beta = new
            break
        beta = new
    r = yv - design @ beta
    scale = MAD_TO_SIGMA * float(np.median(np.abs(r - np.median(r)))) if len(r) else 0.0
    return float(beta[0]), float(beta[1]) if slope else 0.0, scale


def _log_km(samples: pd.DataFrame) -> FloatArray:
    d = np.maximum(samples["distance_m"].to_numpy(dtype=np.float64), 20.0)
    return np.asarray(np.log10(d / 1000.0), dtype=np.float64)


def _fit_once(
    samples: pd.DataFrame, fit: FitSettings
) -> tuple[tuple[GroupFit, ...], tuple[OperatorFit, ...]]:
    """Fit the operator levels and the groups once, on the samples given (all used)."""
    resid = samples["measured_dbm"].to_numpy() - samples["predicted_dbm"].to_numpy()
    x = _log_km(samples)
    frame = samples.assign(_r=resid, _x=x)
    operators: list[OperatorFit] = []
    level: dict[tuple[str, str], float] = {}
    for (op, tech), part in frame.groupby(["operator", "tech"], sort=True):
        n, drives = len(part), int(part["drive"].nunique())
        if n < fit.min_operator_samples:
            continue  # too few: this operator and technology are not corrected
        a_op, _, _ = huber_fit(part["_x"], part["_r"], c=fit.huber_c, slope=False)
        level[(str(op), str(tech))] = a_op
        operators.append(OperatorFit(str(op), str(tech), round(a_op, 4), n, drives))
    groups: list[GroupFit] = []
    for (op, tech, env), part in frame.groupby(["operator", "tech", "environment"], sort=True):
        if (str(op), str(tech)) not in level:
            continue
        a_op = level[(str(op), str(tech))]
        gx, gr = part["_x"].to_numpy(), part["_r"].to_numpy()
        n, drives = len(part), int(part["drive"].nunique())
        with_slope = n >= 3 and float(np.std(gx)) >= fit.min_log_spread
        a_g, b_g, _ = huber_fit(gx, gr, c=fit.huber_c, slope=with_slope)
        if abs(b_g) > fit.slope_cap_db:  # at the cap: the offset refitted with b fixed
            b_g = math.copysign(fit.slope_cap_db, b_g)
            a_g, _, _ = huber_fit(gx, gr - b_g * gx, c=fit.huber_c, slope=False)
        w = min(1.0, n / fit.full_weight_samples) * min(1.0, drives / fit.full_weight_drives)
        a, b = a_op + w * (a_g - a_op), w * b_g
        rest = gr - (a + b * gx)
        sigma = MAD_TO_SIGMA * float(np.median(np.abs(rest - np.median(rest))))
        groups.append(
            GroupFit(
                operator=str(op),
                tech=str(tech),
                environment=ENVIRONMENTS[int(str(env))],
                offset_db=round(a, 4),
                slope_db_per_decade=round(b, 4),
                sigma_db=round(sigma, 4),
                samples=n,
                drives=drives,
                weight=round(w, 4),
                raw_offset_db=round(a_g, 4),
                raw_slope_db_per_decade=round(b_g, 4),
            )
        )
    return tuple(groups), tuple(operators)


def corrections_for(
    samples: pd.DataFrame, groups: tuple[GroupFit, ...], operators: tuple[OperatorFit, ...]
) -> FloatArray:
    """Return the correction ``a + b·log10(d_km)`` of each sample under a fit (dB)."""
    cal = Calibration("", "", "", None, {}, groups, operators)
    out = np.zeros(len(samples))
    x = _log_km(samples)
    env = samples["environment"].to_numpy(dtype=np.int64)
    ops_all = samples["operator"].astype(str).to_numpy()
    techs = samples["tech"].astype(str).to_numpy()
    for tech in sorted(set(techs.tolist())):
        rows = np.flatnonzero(techs == tech)
        names = sorted(set(ops_all[rows].tolist()))
        a, b = cal.corrections(tech, names)
        k = pd.Index(names).get_indexer(ops_all[rows])
        out[rows] = a[k, env[rows]] + b[k, env[rows]] * x[rows]
    return np.nan_to_num(out)


def fit_groups(
    samples: pd.DataFrame, fit: FitSettings = DEFAULT_FIT
) -> tuple[tuple[GroupFit, ...], tuple[OperatorFit, ...], npt.NDArray[np.bool_]]:
    """Fit the groups on ``samples`` in two passes (censoring, module docstring).

    Returns
    -------
    tuple
        ``(groups, operators, used)``: the fits and the samples the second pass used.
    """
    first = selection(samples, fit)["used"]
    groups, operators = _fit_once(samples[first], fit)
    second = selection(samples, fit, corrections_for(samples, groups, operators))["used"]
    groups, operators = _fit_once(samples[second], fit)
    return groups, operators, second
