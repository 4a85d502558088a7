"""The hidden "truth" the demo's measurements are drawn from, and how they are drawn.

The coverage engine predicts a median signal. The demo's evidence (issue 13, item 5) is
generated from a truth that differs from that prediction in the ways a real network
does, with parameters kept here (:data:`TRUTH`) so that the calibration can be tested
against them (offsets recovered, residual σ):

* **per operator**, a constant offset (:attr:`Truth.operator_offset_db`): the operator's
  real equipment, feeder losses and antenna tilts against the engine's defaults;
* **per site**, a further offset drawn once per site id, normal with σ
  :attr:`Truth.site_sigma_db` (the same site id keeps its offset in both periods);
* **log-normal shadowing**, spatially correlated: normal in dB with σ by environment and
  an exponential autocorrelation exp(−Δd / d_corr) in distance (Gudmundson's model,
  Electronics Letters 27(23), 1991), σ and d_corr from 3GPP TR 38.901 V17.0.0 for NLOS:
  UMa σ_SF = 6 dB (Table 7.4.1-1), d_corr = 50 m (Table 7.5-6 Part-1) for urban and
  suburban points; RMa σ_SF = 8 dB, d_corr = 120 m for rural and open ones. The
  environment is the engine's clutter class from population density
  (:func:`coverage.pathloss.clutter_from_density`);
* **the handset**: a normal measurement error (σ :attr:`Truth.noise_sigma_db`), the level
  reported in whole dB (3GPP TS 36.133 §9.1.4: RSRP is reported in 1 dB steps, saturating
  at −44 dBm), and no sample where the true level is below the sensitivity
  :attr:`Truth.sensitivity_dbm` (the phone has lost the cell and logs no serving level).

Along a drive the shadowing is an AR(1) process in distance, z_k = ρ_k z_{k−1} +
√(1 − ρ_k²) ε_k with ρ_k = exp(−Δd_k / d_corr,k) and unit-variance z scaled by σ_k: exactly
Gudmundson's exponential correlation for constant σ and d_corr, drawn in O(n). Points
scattered around one residential cluster get an exact Gaussian field with the same
exponential covariance (Cholesky of the points' covariance matrix); clusters and drives are
independent of each other, and each operator has its own field (one serving link a point).

:func:`site_offsets` draws the per-site offsets and :func:`true_signal` gives, per operator,
the engine's and the true median at points (:class:`Signal`), which the measurements
(:mod:`hatangso.demo.evidence`) and complaints (:mod:`hatangso.demo.complaints`) start from.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import numpy as np

from coverage.mobile import best_signal
from coverage.pathloss import CLUTTER_NAMES
from coverage.settings import DEFAULT_SETTINGS
from geodata.raster import Grid
from hatangso.demo.common import Bools, Floats, Ints
from hatangso.demo.context import Context, keyed_rng

__all__ = [
    "TRUTH",
    "Signal",
    "Truth",
    "cluster_shadowing",
    "reported_rsrp",
    "route_shadowing",
    "site_offsets",
    "true_signal",
]


@dataclass(frozen=True)
class Truth:
    """The hidden parameters of the demo's measured signal (dB, dBm, m).

    Attributes
    ----------
    operator_offset_db
        True median minus the engine's median, per operator.
    site_sigma_db
        σ of the further per-site offset (normal, mean 0).
    shadowing_sigma_db
        σ of the log-normal shadowing by clutter environment.
    decorrelation_m
        Distance at which the shadowing's correlation falls to 1/e, by environment.
    noise_sigma_db
        σ of the handset's measurement error (normal, independent per sample).
    step_db
        The reporting resolution (levels are rounded to it).
    sensitivity_dbm
        Below this true level the phone has no service and logs no sample.
    ceiling_dbm
        The highest level a phone reports (the top of the RSRP report range).
    """

    operator_offset_db: Mapping[str, float] = field(
        default_factory=lambda: {
            "Viettel": 2.0,
            "VNPT": -3.0,
            "MobiFone": -1.0,
            "Vietnamobile": -4.0,
        }
    )
    site_sigma_db: float = 2.0
    shadowing_sigma_db: Mapping[str, float] = field(
        default_factory=lambda: {"urban": 6.0, "suburban": 6.0, "rural": 8.0, "open": 8.0}
    )
    decorrelation_m: Mapping[str, float] = field(
        default_factory=lambda: {"urban": 50.0, "suburban": 50.0, "rural": 120.0, "open": 120.0}
    )
    noise_sigma_db: float = 1.5
    step_db: float = 1.0
    sensitivity_dbm: float = -124.0
    ceiling_dbm: float = -44.0

    def handset_sigma_db(self) -> float:
        """σ of what the handset adds: its error and the rounding to ``step_db``."""
        return math.sqrt(self.noise_sigma_db**2 + self.step_db**2 / 12.0)

    def residual_sigma_db(self, environment: str) -> float:
        """σ of measured minus the true operator median once the operator offset is known.

        What a perfect per-operator calibration leaves in ``environment``: the per-site
        offset, the shadowing and the handset (ignoring the loss of samples below the
        sensitivity, which raises the mean of weak samples).
        """
        return math.sqrt(
            self.site_sigma_db**2
            + self.shadowing_sigma_db[environment] ** 2
            + self.handset_sigma_db() ** 2
        )

    def describe(self) -> str:
        """Return the parameters in one sentence, for the layers' provenance."""
        offsets = ", ".join(f"{op} {v:+g} dB" for op, v in self.operator_offset_db.items())
        return (
            f"true median = engine median (coverage.mobile, default rules) + operator offset "
            f"({offsets}) + site offset (normal, σ {self.site_sigma_db:g} dB, per site id); "
            f"log-normal shadowing σ {self.shadowing_sigma_db['urban']:g} dB urban/suburban, "
            f"{self.shadowing_sigma_db['rural']:g} dB rural, exponential correlation with "
            f"d_corr {self.decorrelation_m['urban']:g} m urban/suburban, "
            f"{self.decorrelation_m['rural']:g} m rural (3GPP TR 38.901 Tables 7.4.1-1, 7.5-6, "
            "NLOS UMa/RMa; AR(1) in distance along drives, an exact Gaussian field per "
            "residential cluster); handset error normal σ "
            f"{self.noise_sigma_db:g} dB, reported in {self.step_db:g} dB steps up to "
            f"{self.ceiling_dbm:g} dBm; no sample where the true level is below "
            f"{self.sensitivity_dbm:g} dBm (no service); the serving site is the strongest "
            "true median of the operator's 4G sites"
        )


TRUTH: Final = Truth()
"""The truth of the demo's evidence (the calibration's tests read it)."""

_ENV_NAMES: Final = [CLUTTER_NAMES[k] for k in sorted(CLUTTER_NAMES)]


def _env_arrays(truth: Truth, clutter: Ints) -> tuple[Floats, Floats]:
    """Return σ (dB) and d_corr (m) per point from its clutter class."""
    sigma = np.array([truth.shadowing_sigma_db[e] for e in _ENV_NAMES], dtype=np.float64)
    dcorr = np.array([truth.decorrelation_m[e] for e in _ENV_NAMES], dtype=np.float64)
    return sigma[clutter], dcorr[clutter]


def route_shadowing(
    along_m: Floats, clutter: Ints, rng: np.random.Generator, truth: Truth = TRUTH
) -> Floats:
    """Return the shadowing (dB) at points along one route, an AR(1) process in distance.

    Parameters
    ----------
    along_m
        Distance of each point along the route, non-decreasing, m.
    clutter
        Each point's clutter class (:data:`coverage.pathloss.CLUTTER_NAMES`).
    rng
        The generator (one stream a route and operator).
    truth
        σ and d_corr by environment.

    Returns
    -------
    numpy.ndarray
        Normal in dB, mean 0, σ of each point's environment; the correlation of two
        consecutive points is exp(−Δd / d_corr) of the later one's environment.
    """
    n = len(along_m)
    sigma, dcorr = _env_arrays(truth, np.asarray(clutter, dtype=np.int64))
    eps = rng.standard_normal(n)
    if n == 0:
        return np.zeros(0)
    rho = np.exp(-np.diff(np.asarray(along_m, dtype=np.float64), prepend=0.0) / dcorr)
    scale = np.sqrt(1.0 - rho**2)
    z = np.empty(n)
    z[0] = eps[0]
    prev = float(eps[0])
    for k in range(1, n):
        prev = float(rho[k]) * prev + float(scale[k]) * float(eps[k])
        z[k] = prev
    return sigma * z


def cluster_shadowing(
    xy: Floats, clutter: Ints, rng: np.random.Generator, truth: Truth = TRUTH
) -> Floats:
    """Return the shadowing (dB) at points around one place: an exact Gaussian field.

    The covariance of points i and j is σ_i σ_j exp(−d_ij / d̄), d̄ the mean of their
    decorrelation distances; the field is drawn by a Cholesky factor of it.
    """
    n = len(xy)
    if n == 0:
        return np.zeros(0)
    sigma, dcorr = _env_arrays(truth, np.asarray(clutter, dtype=np.int64))
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    cov = np.outer(sigma, sigma) * np.exp(-d / (0.5 * (dcorr[:, None] + dcorr[None, :])))
    factor = np.linalg.cholesky(cov + 1e-9 * np.eye(n))
    return np.asarray(factor @ rng.standard_normal(n), dtype=np.float64)


def reported_rsrp(
    true_dbm: Floats, rng: np.random.Generator, truth: Truth = TRUTH
) -> tuple[Floats, Bools]:
    """Return what the phone logs for true levels, and which samples it logs at all.

    The handset adds its error, reports in ``truth.step_db`` steps up to
    ``truth.ceiling_dbm``, and logs nothing where the true level is below the
    sensitivity.
    """
    noisy = true_dbm + truth.noise_sigma_db * rng.standard_normal(len(true_dbm))
    level = np.minimum(np.round(noisy / truth.step_db) * truth.step_db, truth.ceiling_dbm)
    return level, np.asarray(true_dbm >= truth.sensitivity_dbm, dtype=bool)


# ------------------------------------------------------------------ the true signal


@dataclass(frozen=True)
class Signal:
    """The engine's and the true 4G median of one operator at points (dBm).

    Attributes
    ----------
    engine_dbm
        The engine's best median of the operator (``-inf`` out of every site's reach).
    true_dbm
        The true median: the best over the operator's sites of engine + site offset, plus
        the operator offset (before shadowing).
    serving
        The site id giving ``true_dbm`` (``""`` where none reaches).
    """

    engine_dbm: Floats
    true_dbm: Floats
    serving: np.ndarray


def site_offsets(site_ids: Sequence[str], seed: int, truth: Truth = TRUTH) -> Floats:
    """Return each site's hidden offset, dB: drawn once per site id from the demo's seed."""
    return truth.site_sigma_db * np.array(
        [_unit_offset(seed, str(s)) for s in site_ids], dtype=np.float64
    )


@functools.cache
def _unit_offset(seed: int, site_id: str) -> float:
    return float(keyed_rng(seed, "evidence", "site", site_id).standard_normal())


def true_signal(
    sites: gpd.GeoDataFrame,
    xy: Floats,
    density: Grid,
    ctx: Context,
    truth: Truth = TRUTH,
) -> dict[str, Signal]:
    """Return, per operator, the engine's and the true 4G median at points (metres).

    Parameters
    ----------
    sites
        ``mobile_sites`` of the period, in :data:`~geodata.crs.WORK_CRS`.
    xy
        Points, shape ``(n, 2)``, metres.
    density
        The population density the engine's clutter comes from.
    ctx
        The build context (the seed of the per-site offsets).
    truth
        The hidden parameters.
    """
    lte = sites[sites["tech"].astype(str).str.contains("4G")].reset_index(drop=True)
    alone = lte.assign(operator=lte["site_id"].astype(str))
    out: dict[str, Signal] = {}
    per_site = best_signal(
        alone, xy, tech="4G", density=density, settings=DEFAULT_SETTINGS
    ).rsrp_dbm
    ids = np.asarray(per_site.columns, dtype=object)
    owner = lte.set_index(lte["site_id"].astype(str))["operator"].astype(str)
    offset = site_offsets([str(s) for s in ids], ctx.seed, truth)
    values = per_site.to_numpy(dtype=np.float64)
    for op in sorted({str(o) for o in owner}):
        cols = np.flatnonzero(owner.loc[ids].to_numpy() == op)
        n = len(xy)
        if not len(cols):
            out[op] = Signal(np.full(n, -np.inf), np.full(n, -np.inf), np.full(n, "", object))
            continue
        engine = values[:, cols]
        shifted = engine + offset[cols]
        best = np.argmax(shifted, axis=1)
        true = shifted[np.arange(n), best] + truth.operator_offset_db.get(op, 0.0)
        serving = np.where(np.isfinite(true), ids[cols][best], "")
        out[op] = Signal(engine.max(axis=1), true, serving.astype(object))
    return out
