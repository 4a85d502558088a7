"""Land cover: each receiver's clutter class and vegetation loss from ESA WorldCover codes.

Without land cover, the receiver's clutter class comes from population density
(:func:`coverage.pathloss.clutter_from_density`), whose least lossy class is
:data:`~coverage.pathloss.RURAL` (Okumura's quasi-open area): density alone cannot tell a
paddy from a forest, so a sparsely inhabited cell is never taken as open. With a
``land_cover`` raster (ESA WorldCover 2020/2021 class codes), each receiver's class is
read from the pixel it stands in (nearest pixel, never an average of codes), and a tree
or mangrove pixel adds a vegetation loss:

=====  ========================  =============================  ====================
code   WorldCover class          clutter of the path loss       excess loss, dB
=====  ========================  =============================  ====================
10     tree cover                rural (quasi-open)             P.2108 trees [*]_
20     shrubland                 rural (quasi-open)             0
30     grassland                 open                           0
40     cropland                  open                           0
50     built-up                  urban from 3000 people/km²,    0 (in the Hata and
                                 else suburban                  TR 38.901 classes)
60     bare / sparse vegetation  open                           0
70     snow and ice              open                           0
80     permanent water bodies    open                           0
90     herbaceous wetland        open                           0
95     mangroves                 rural (quasi-open)             P.2108 trees [*]_
100    moss and lichen           open                           0
0      no data                   from population density        0
=====  ========================  =============================  ====================

.. [*] ``A_h(trees/forest) − A_h(open/rural)`` of ITU-R P.2108-1 §3.1, below.

The vegetation loss is that of ITU-R P.2108-1 [1]_ §3.1, the height-gain terminal
clutter correction: the median extra loss of a terminal of height ``h`` inside clutter
of representative height ``R``. With ``f`` in GHz, street width ``w_s = 27`` m and

- ``h_dif = R − h`` (eq. 2d), ``θ_clut = arctan(h_dif / w_s)`` in degrees (eq. 2e),
- ``K_h2 = 21.8 + 6.2 log10 f`` (eq. 2f), ``K_ν = 0.342 √f`` (eq. 2g),
  ``ν = K_ν √(h_dif θ_clut)`` (eq. 2c),

the loss is ``A_h = J(ν) − 6.03`` (eq. 2a; trees/forest, R = 15 m) or
``A_h = −K_h2 log10(h / R)`` (eq. 2b; open/rural, R = 10 m), 0 when ``h ≥ R``, with the
knife-edge loss ``J(ν) = 6.9 + 20 log10(√((ν − 0.1)² + 1) + ν − 0.1)`` (ITU-R P.526
eq. 31; 0 for ν ≤ −0.78). The path-loss models of the engine already contain the
clutter of their class (Hata's quasi-open area, TR 38.901 RMa), which P.2108 calls
open/rural, so a tree pixel adds the *difference* ``A_h(trees/forest) − A_h(open/rural)``,
never below 0: at a 1.5 m handset 4.3 dB at 700 MHz, 4.8 dB at 900 MHz, 6.3 dB at
1800 MHz, 6.7 dB at 2100 MHz, 7.1 dB at 2600 MHz, 7.8 dB at 3500 MHz
(:func:`vegetation_excess_db`). P.2108 §3.1 is stated for 0.03-3 GHz; the 3.3-3.9 GHz
5G band is extrapolated along the same formula (the loss grows with frequency, so this
does not flatter 5G).

ITU-R P.833-10 [2]_ §2 (one terminal in woodland, ``A_ev = A_m (1 − exp(−d γ / A_m))``)
needs the depth ``d`` of vegetation along the path, which one pixel's class does not
give; its maximum ``A_m`` (about 30 dB at 900 MHz in the Rio de Janeiro measurements) is
for a terminal deep in a forest, not a hamlet among gardens, so it is not used.

``CoverageSettings.land_cover_loss_db`` overrides the excess loss of any class with a
fixed value at every band (e.g. from local drive tests). Excess losses are never
negative, so they never add coverage, and the reach of a site (:mod:`coverage.radio`),
computed without them, stays an upper bound.

References
----------
.. [1] Recommendation ITU-R P.2108-1 (09/2021), "Prediction of clutter loss", Annex 1
   §3.1, eqs. (2a)-(2g), Table 3 (representative clutter heights).
.. [2] Recommendation ITU-R P.833-10 (09/2021), "Attenuation in vegetation", §2.
.. [3] D. Zanaga et al., "ESA WorldCover 10 m 2021 v200", Product User Manual, Table 1
   (class codes), https://doi.org/10.5281/zenodo.7254221.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Final

import numpy as np
import numpy.typing as npt
import pyproj

from coverage import pathloss
from coverage.grid import sample
from geodata.raster import LAND_COVER_CLASSES, LAND_COVER_NODATA, Grid

__all__ = [
    "BUILT_UP",
    "CLUTTER_OF_CLASS",
    "VEGETATION_CLASSES",
    "classify",
    "excess_loss_db",
    "p2108_terminal_loss_db",
    "sample_codes",
    "vegetation_excess_db",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: WorldCover's built-up class: urban or suburban by population density.
BUILT_UP: Final = 50
#: The clutter class of the path-loss model per WorldCover class (built-up: see
#: :func:`classify`).
CLUTTER_OF_CLASS: Final[dict[int, int]] = {
    10: pathloss.RURAL,
    20: pathloss.RURAL,
    30: pathloss.OPEN,
    40: pathloss.OPEN,
    50: pathloss.SUBURBAN,
    60: pathloss.OPEN,
    70: pathloss.OPEN,
    80: pathloss.OPEN,
    90: pathloss.OPEN,
    95: pathloss.RURAL,
    100: pathloss.OPEN,
}
#: Classes with the P.2108 trees/forest terminal loss (tree cover, mangroves).
VEGETATION_CLASSES: Final = frozenset({10, 95})
#: P.2108-1 Table 3: representative clutter height of trees/forest and open/rural, m.
TREES_HEIGHT_M: Final = 15.0
OPEN_RURAL_HEIGHT_M: Final = 10.0
#: P.2108-1 §3.1: street width when no local value is known, m.
STREET_WIDTH_M: Final = 27.0


def _knife_edge_db(nu: FloatArray) -> FloatArray:
    """J(ν) of ITU-R P.526 eq. (31), 0 for ν <= −0.78."""
    t = nu - 0.1
    j = 6.9 + 20.0 * np.log10(np.sqrt(t**2 + 1.0) + t)
    return np.asarray(np.where(nu <= -0.78, 0.0, j), dtype=np.float64)


def p2108_terminal_loss_db(
    freq_mhz: npt.ArrayLike,
    *,
    h_m: float,
    clutter_height_m: float,
    diffraction: bool,
    street_width_m: float = STREET_WIDTH_M,
) -> FloatArray:
    """Return the height-gain terminal clutter loss of ITU-R P.2108-1 §3.1, dB.

    Parameters
    ----------
    freq_mhz
        Frequency, MHz (the Recommendation: 30-3000 MHz; higher is extrapolated).
    h_m
        Terminal antenna height above ground, m (> 0).
    clutter_height_m
        Representative clutter height ``R``, m (Table 3: trees/forest 15, open/rural 10).
    diffraction
        Eq. (2a), the diffraction form (suburban, urban, trees/forest, dense urban);
        ``False`` for eq. (2b) (water/sea, open/rural).
    street_width_m
        ``w_s``, m (27 when unknown).

    Returns
    -------
    numpy.ndarray
        ``A_h``, dB; 0 where ``h_m >= clutter_height_m``.

    Examples
    --------
    >>> round(float(p2108_terminal_loss_db(900.0, h_m=1.5, clutter_height_m=15.0,
    ...                                    diffraction=True)), 2)
    22.58
    >>> round(float(p2108_terminal_loss_db(900.0, h_m=1.5, clutter_height_m=10.0,
    ...                                    diffraction=False)), 2)
    17.73
    """
    f_ghz = np.asarray(freq_mhz, dtype=np.float64) / 1000.0
    if h_m <= 0 or clutter_height_m <= 0 or street_width_m <= 0:
        msg = (
            "P.2108 terminal loss needs a height, clutter height and street width > 0 m; "
            f"got {h_m!r}, {clutter_height_m!r}, {street_width_m!r}."
        )
        raise ValueError(msg)
    if h_m >= clutter_height_m:
        return np.zeros_like(f_ghz)
    if diffraction:
        h_dif = clutter_height_m - h_m  # eq. (2d)
        theta_deg = np.degrees(np.arctan(h_dif / street_width_m))  # eq. (2e)
        nu = 0.342 * np.sqrt(f_ghz) * np.sqrt(h_dif * theta_deg)  # eqs. (2g), (2c)
        return np.asarray(_knife_edge_db(nu) - 6.03, dtype=np.float64)  # eq. (2a)
    k_h2 = 21.8 + 6.2 * np.log10(f_ghz)  # eq. (2f)
    return np.asarray(-k_h2 * np.log10(h_m / clutter_height_m), dtype=np.float64)  # eq. (2b)


def vegetation_excess_db(freq_mhz: npt.ArrayLike, h_mobile_m: float = 1.5) -> FloatArray:
    """Return the excess loss of a handset among trees over one in open/rural clutter, dB.

    ``max(0, A_h(trees/forest, R = 15 m) − A_h(open/rural, R = 10 m))`` of ITU-R
    P.2108-1 §3.1 (:func:`p2108_terminal_loss_db`).

    Parameters
    ----------
    freq_mhz
        Frequency, MHz.
    h_mobile_m
        Handset height, m.

    Returns
    -------
    numpy.ndarray
        dB, >= 0.

    Examples
    --------
    >>> [round(float(vegetation_excess_db(f)), 2) for f in (700.0, 900.0, 1800.0, 3500.0)]
    [4.31, 4.85, 6.33, 7.76]
    """
    trees = p2108_terminal_loss_db(
        freq_mhz, h_m=h_mobile_m, clutter_height_m=TREES_HEIGHT_M, diffraction=True
    )
    rural = p2108_terminal_loss_db(
        freq_mhz, h_m=h_mobile_m, clutter_height_m=OPEN_RURAL_HEIGHT_M, diffraction=False
    )
    return np.asarray(np.maximum(trees - rural, 0.0), dtype=np.float64)


def sample_codes(
    land_cover: Grid | None, xy: npt.ArrayLike, *, crs: pyproj.CRS
) -> npt.NDArray[np.int64]:
    """Return the WorldCover code at each point (nearest pixel); 0 outside or no data.

    Parameters
    ----------
    land_cover
        The ``land_cover`` raster, or ``None`` (every point 0).
    xy
        Points, shape ``(n, 2)``, in ``crs``.
    crs
        The points' CRS.

    Returns
    -------
    numpy.ndarray
        ``int64`` codes.

    Raises
    ------
    ValueError
        For a code that is not a WorldCover class (the import refuses such a file; a
        raster built in code may still hold one).
    """
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if land_cover is None:
        return np.zeros(len(pts), dtype=np.int64)
    values = sample(land_cover, pts, crs=crs)  # nearest pixel: never an average of codes
    codes = np.where(np.isfinite(values), values, LAND_COVER_NODATA).astype(np.int64)
    _check_codes(codes)
    return codes


def _check_codes(codes: npt.NDArray[np.int64]) -> None:
    """Raise for a code that is neither a WorldCover class nor 0 (no data)."""
    unknown = sorted(set(np.unique(codes).tolist()) - set(LAND_COVER_CLASSES) - {0})
    if unknown:
        msg = (
            f"land cover holds codes that are not ESA WorldCover classes: {unknown}. "
            f"Use the class codes {sorted(LAND_COVER_CLASSES)} (0 = no data)."
        )
        raise ValueError(msg)


def classify(
    codes: npt.ArrayLike,
    density: npt.ArrayLike | None,
    *,
    urban_min: float = 3000.0,
    suburban_min: float = 500.0,
    rural_min: float = 50.0,
) -> npt.NDArray[np.int8]:
    """Return each receiver's clutter class: from land cover, else from density.

    Parameters
    ----------
    codes
        WorldCover code per receiver (:func:`sample_codes`); 0 = none.
    density
        Population density per receiver, people/km² (NaN = no data), or ``None``.
    urban_min, suburban_min, rural_min
        The density thresholds of :func:`coverage.pathloss.clutter_from_density`.

    Returns
    -------
    numpy.ndarray
        ``int8`` clutter classes. A land-cover class gives :data:`CLUTTER_OF_CLASS`;
        built-up is :data:`~coverage.pathloss.URBAN` where the density reaches
        ``urban_min``, else :data:`~coverage.pathloss.SUBURBAN`. Without a class the
        density decides (never :data:`~coverage.pathloss.OPEN`), and without density
        :data:`~coverage.pathloss.RURAL`.

    Raises
    ------
    ValueError
        For a code that is not a WorldCover class or 0.

    Examples
    --------
    >>> classify([10, 40, 50, 50, 0, 0], [5.0, 5.0, 4000.0, 100.0, 5.0, 800.0]).tolist()
    [2, 3, 0, 1, 2, 1]
    """
    c = np.asarray(codes, dtype=np.int64).reshape(-1)
    _check_codes(c)
    if density is None:
        dens = np.full(len(c), np.nan)
        from_density = np.full(len(c), pathloss.RURAL, dtype=np.int8)
    else:
        dens = np.asarray(density, dtype=np.float64).reshape(-1)
        from_density = pathloss.clutter_from_density(
            dens, urban_min=urban_min, suburban_min=suburban_min, rural_min=rural_min
        )
    lookup = np.full(max(LAND_COVER_CLASSES) + 1, -1, dtype=np.int8)
    for code, clutter in CLUTTER_OF_CLASS.items():
        lookup[code] = clutter
    out = np.where(c > 0, lookup[c], from_density).astype(np.int8)
    dense_built = (c == BUILT_UP) & (dens >= urban_min)
    out[dense_built] = pathloss.URBAN
    return out


def excess_loss_db(
    codes: npt.ArrayLike,
    freq_mhz: npt.ArrayLike,
    *,
    h_mobile_m: float = 1.5,
    overrides: Mapping[int, float] | None = None,
) -> FloatArray:
    """Return the clutter and vegetation loss on top of the path loss, dB.

    Parameters
    ----------
    codes
        WorldCover code of each receiver (0 = none: no excess).
    freq_mhz
        Frequency of each link, MHz (broadcast with ``codes``).
    h_mobile_m
        Handset height, m.
    overrides
        Code -> loss at every band, dB (``CoverageSettings.land_cover_loss_db``); a
        class not listed keeps the documented value.

    Returns
    -------
    numpy.ndarray
        dB, >= 0 when the overrides are.

    Examples
    --------
    >>> excess_loss_db([10, 40, 0], 900.0).round(2).tolist()
    [4.85, 0.0, 0.0]
    >>> excess_loss_db([10, 40], 900.0, overrides={40: 2.0}).round(2).tolist()
    [4.85, 2.0]
    """
    c, f = np.broadcast_arrays(
        np.asarray(codes, dtype=np.int64), np.asarray(freq_mhz, dtype=np.float64)
    )
    out = np.zeros(c.shape)
    trees = np.isin(c, list(VEGETATION_CLASSES))
    if trees.any():
        bands, inverse = np.unique(f[trees], return_inverse=True)
        out[trees] = vegetation_excess_db(bands, h_mobile_m)[inverse.reshape(-1)]
    for code, loss in (overrides or {}).items():
        out[c == int(code)] = float(loss)
    return out
