"""Location probability: the margin that log-normal shadowing asks of a median signal.

A propagation model predicts the *median* path loss; the signal at a given spot differs
from it by shadowing (buildings, trees, the lie of the land), log-normally distributed:
a normal variable in dB with zero mean and standard deviation σ (the location
variability of ITU-R P.1546 §12, the shadow fading σ_SF of 3GPP TR 38.901 Table
7.4.1-1). A share ``p`` of the locations around a point receives at least the threshold
when the median exceeds it by

.. code-block:: text

    margin_db = σ · Φ⁻¹(p)        (Φ⁻¹: the standard normal quantile)

(:func:`location_margin_db`); at p = 50 % the margin is 0 (the median), at 90 %
1.2816 σ, at 95 % 1.6449 σ. Independent variations add in power:
``σ = sqrt(σ_1² + σ_2²)`` (:func:`combined_sigma_db`): the indoor indicator combines
the outdoor shadowing with the spread of the building entry loss.

The standard library's :class:`statistics.NormalDist` gives Φ and Φ⁻¹; no further
dependency is needed.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "ENVIRONMENTS",
    "combined_sigma_db",
    "location_margin_db",
    "location_probability",
]

#: Environments of the shadowing settings, in the order of the clutter classes of
#: :mod:`coverage.pathloss` (URBAN = 0 … OPEN = 3).
ENVIRONMENTS: Final = ("urban", "suburban", "rural", "open")

_STANDARD_NORMAL: Final = NormalDist()


def _check_probability(probability: float) -> float:
    p = float(probability)
    if not 0.0 < p < 1.0:
        msg = f"a location probability must lie strictly between 0 and 1; got {probability!r}."
        raise ValueError(msg)
    return p


def location_margin_db(probability: float, sigma_db: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return the margin over the median for ``probability`` of locations, dB.

    Parameters
    ----------
    probability
        Share of locations that must receive the threshold, in (0, 1), e.g. 0.9.
    sigma_db
        Standard deviation of the shadowing, dB (>= 0).

    Returns
    -------
    numpy.ndarray
        ``sigma_db · Φ⁻¹(probability)`` (negative below 50 %).

    Raises
    ------
    ValueError
        If ``probability`` is not in (0, 1) or a σ is negative or not finite.

    Examples
    --------
    >>> round(float(location_margin_db(0.9, 8.0)), 2)
    10.25
    >>> float(location_margin_db(0.5, 8.0))
    0.0
    """
    p = _check_probability(probability)
    sigma = np.asarray(sigma_db, dtype=np.float64)
    if not np.all(np.isfinite(sigma) & (sigma >= 0.0)):
        msg = f"`sigma_db` must be finite and >= 0; got {np.unique(sigma)[:5].tolist()!r}."
        raise ValueError(msg)
    return np.asarray(sigma * _STANDARD_NORMAL.inv_cdf(p) + 0.0, dtype=np.float64)


def combined_sigma_db(*sigmas_db: float) -> float:
    """Return the σ of a sum of independent normal variations: ``sqrt(Σ σ_i²)``, dB.

    Examples
    --------
    >>> round(combined_sigma_db(6.0, 4.4), 2)
    7.44
    """
    return math.sqrt(sum(float(s) ** 2 for s in sigmas_db))


def location_probability(excess_db: npt.ArrayLike, sigma_db: float) -> npt.NDArray[np.float64]:
    """Return the share of locations above the threshold when the median exceeds it.

    The inverse of :func:`location_margin_db`: ``Φ(excess_db / σ)``.

    Parameters
    ----------
    excess_db
        Median signal minus the threshold, dB.
    sigma_db
        Standard deviation of the shadowing, dB (> 0).

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1].

    Examples
    --------
    >>> location_probability([0.0, 10.2524], 8.0).round(3).tolist()
    [0.5, 0.9]
    """
    if not (math.isfinite(sigma_db) and sigma_db > 0.0):
        msg = f"`sigma_db` must be finite and > 0; got {sigma_db!r}."
        raise ValueError(msg)
    z = np.asarray(excess_db, dtype=np.float64) / (sigma_db * math.sqrt(2.0))
    erf = np.array([math.erf(v) for v in z.ravel().tolist()], dtype=np.float64)
    return np.asarray(0.5 * (1.0 + erf.reshape(z.shape)), dtype=np.float64)
