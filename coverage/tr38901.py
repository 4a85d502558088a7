"""The 3GPP TR 38.901 macro-cell models: rural (RMa) and urban (UMa) path loss, LOS, O2I.

Pure, vectorised numpy functions, like :mod:`coverage.pathloss` (distances and heights in
metres, frequencies in MHz, losses in dB). They are the path-loss model of the engine
above 2 GHz (3G at 2100 MHz, LTE and 5G at 2600 MHz, 5G at 3500-3900 MHz), where the
Hata family was never fitted; :func:`coverage.pathloss.path_loss_db` chooses the model
by band and clutter. Equation numbers are those of TR 38.901 v17.0.0 [1]_:

* :func:`rma_los_db`, :func:`rma_nlos_db` — Table 7.4.1-1, scenario RMa;
* :func:`uma_los_db`, :func:`uma_nlos_db` — Table 7.4.1-1, scenario UMa;
* :func:`los_probability` — Table 7.4.2-1;
* :func:`o2i_building_loss_db` — the O2I building penetration loss of §7.4.3.1
  (Tables 7.4.3-1 and 7.4.3-2), for the indoor indicator.

The engine uses the NLOS formulas (which TR 38.901 defines as never below the LOS one):
at the cell edge, several kilometres from a mast, the probability of line of sight is a
few per cent (:func:`los_probability`), and a coverage claim must hold there.

References
----------
.. [1] 3GPP TR 38.901 v17.0.0, "Study on channel model for frequencies from 0.5 to
   100 GHz", 2022, §7.4.1 (path loss), §7.4.2 (LOS probability), §7.4.3 (O2I loss).
.. [2] G. R. MacCartney and T. S. Rappaport, "Rural macrocell path loss models for
   millimeter wave wireless communications", IEEE JSAC, vol. 35, no. 7, 2017: the RMa
   formulas come from ITU-R M.2135 and were fitted below 6 GHz.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "MIN_DISTANCE_M",
    "O2I_SIGMA_DB",
    "RMA_BUILDING_HEIGHT_M",
    "RMA_STREET_WIDTH_M",
    "SHADOW_FADING_DB",
    "UMA_ENVIRONMENT_HEIGHT_M",
    "los_probability",
    "o2i_building_loss_db",
    "rma_breakpoint_m",
    "rma_los_db",
    "rma_nlos_db",
    "uma_breakpoint_m",
    "uma_los_db",
    "uma_nlos_db",
]

FloatArray = npt.NDArray[np.float64]
Scenario = Literal["rma", "uma"]
BuildingLoss = Literal["low-loss", "high-loss"]

#: Speed of light, m/s (the breakpoint distances of Table 7.4.1-1, notes 1 and 5).
SPEED_OF_LIGHT_M_S: Final = 299_792_458.0
#: The models start at a 2-D distance of 10 m (Table 7.4.1-1); nearer is evaluated there.
MIN_DISTANCE_M: Final = 10.0
#: RMa average building height h, m (Table 7.4.1-1 default; applicability 5-50 m).
RMA_BUILDING_HEIGHT_M: Final = 5.0
#: RMa average street width W, m (Table 7.4.1-1 default; applicability 5-50 m).
RMA_STREET_WIDTH_M: Final = 20.0
#: UMa effective environment height h_E, m (Table 7.4.1-1 note 1: 1 m for h_UT < 13 m).
UMA_ENVIRONMENT_HEIGHT_M: Final = 1.0
#: Shadow-fading standard deviation σ_SF, dB (Table 7.4.1-1): (scenario, LOS/NLOS).
SHADOW_FADING_DB: Final[dict[tuple[str, str], float]] = {
    ("rma", "los"): 4.0,  # 6 dB beyond the breakpoint
    ("rma", "nlos"): 8.0,
    ("uma", "los"): 4.0,
    ("uma", "nlos"): 6.0,
}
#: Standard deviation σ_P of the O2I penetration loss, dB (Table 7.4.3-2).
O2I_SIGMA_DB: Final[dict[str, float]] = {"low-loss": 4.4, "high-loss": 6.5}
#: Upper bound of the indoor distance d_2D-in, m (Table 7.4.3-2: the smaller of two
#: uniform draws in [0, 25] m for UMa, [0, 10] m for RMa).
_INDOOR_DISTANCE_MAX_M: Final[dict[str, float]] = {"uma": 25.0, "rma": 10.0}


def _d3d(d2d_m: npt.ArrayLike, h_bs_m: npt.ArrayLike, h_ut_m: npt.ArrayLike) -> FloatArray:
    d2d = np.maximum(np.asarray(d2d_m, dtype=np.float64), MIN_DISTANCE_M)
    dh = np.asarray(h_bs_m, dtype=np.float64) - np.asarray(h_ut_m, dtype=np.float64)
    return np.asarray(np.hypot(d2d, dh), dtype=np.float64)


def rma_breakpoint_m(
    freq_mhz: npt.ArrayLike, h_bs_m: npt.ArrayLike, h_ut_m: npt.ArrayLike
) -> FloatArray:
    """Return the RMa breakpoint distance ``d_BP = 2π h_BS h_UT f_c / c`` (note 5), m.

    Examples
    --------
    >>> round(float(rma_breakpoint_m(2600.0, 35.0, 1.5)), 1)
    2860.8
    """
    f_hz = np.asarray(freq_mhz, dtype=np.float64) * 1e6
    h_bs = np.asarray(h_bs_m, dtype=np.float64)
    h_ut = np.asarray(h_ut_m, dtype=np.float64)
    return np.asarray(2.0 * np.pi * h_bs * h_ut * f_hz / SPEED_OF_LIGHT_M_S, dtype=np.float64)


def uma_breakpoint_m(
    freq_mhz: npt.ArrayLike, h_bs_m: npt.ArrayLike, h_ut_m: npt.ArrayLike
) -> FloatArray:
    """Return the UMa breakpoint ``d'_BP = 4 h'_BS h'_UT f_c / c`` (note 1), m.

    ``h' = h - h_E`` with the effective environment height ``h_E = 1`` m.

    Examples
    --------
    >>> round(float(uma_breakpoint_m(3500.0, 25.0, 1.5)), 1)
    560.4
    """
    f_hz = np.asarray(freq_mhz, dtype=np.float64) * 1e6
    h_bs = np.asarray(h_bs_m, dtype=np.float64) - UMA_ENVIRONMENT_HEIGHT_M
    h_ut = np.asarray(h_ut_m, dtype=np.float64) - UMA_ENVIRONMENT_HEIGHT_M
    return np.asarray(np.maximum(4.0 * h_bs * h_ut * f_hz / SPEED_OF_LIGHT_M_S, 0.0))


def _rma_pl1(d3d: FloatArray, fc_ghz: FloatArray, h: float) -> FloatArray:
    return np.asarray(
        20.0 * np.log10(40.0 * np.pi * d3d * fc_ghz / 3.0)
        + min(0.03 * h**1.72, 10.0) * np.log10(d3d)
        - min(0.044 * h**1.72, 14.77)
        + 0.002 * np.log10(h) * d3d,
        dtype=np.float64,
    )


def rma_los_db(
    d2d_m: npt.ArrayLike,
    *,
    freq_mhz: npt.ArrayLike,
    h_bs_m: npt.ArrayLike,
    h_ut_m: npt.ArrayLike = 1.5,
    h_building_m: float = RMA_BUILDING_HEIGHT_M,
) -> FloatArray:
    """Return the RMa LOS path loss of TR 38.901 Table 7.4.1-1, dB.

    ``PL1 = 20 log10(40π d3D fc / 3) + min(0.03 h^1.72, 10) log10(d3D)
    - min(0.044 h^1.72, 14.77) + 0.002 log10(h) d3D`` for ``10 m <= d2D <= d_BP``;
    ``PL2 = PL1(d_BP) + 40 log10(d3D / d_BP)`` for ``d_BP <= d2D <= 10 km``; ``fc`` in
    GHz, distances in m, ``d3D = sqrt(d2D² + (h_BS - h_UT)²)``. ``PL1(d_BP)`` is PL1
    evaluated at the distance ``d_BP`` (:func:`rma_breakpoint_m`).

    Parameters
    ----------
    d2d_m
        Horizontal distance, m; below 10 m evaluated at 10 m, beyond 10 km extrapolated.
    freq_mhz
        Carrier frequency, MHz.
    h_bs_m, h_ut_m
        Heights of the base station (applicability 10-150 m) and of the handset
        (1-10 m), m.
    h_building_m
        Average building height h, m (default 5 m).

    Returns
    -------
    numpy.ndarray
        Path loss, dB.

    Examples
    --------
    >>> round(float(rma_los_db(1000.0, freq_mhz=2600.0, h_bs_m=35.0)), 2)
    102.88
    """
    fc = np.asarray(freq_mhz, dtype=np.float64) / 1000.0
    d2d = np.maximum(np.asarray(d2d_m, dtype=np.float64), MIN_DISTANCE_M)
    d3d = _d3d(d2d, h_bs_m, h_ut_m)
    bp = rma_breakpoint_m(freq_mhz, h_bs_m, h_ut_m)
    pl1 = _rma_pl1(d3d, fc, h_building_m)
    pl2 = _rma_pl1(bp, fc, h_building_m) + 40.0 * np.log10(d3d / bp)
    return np.asarray(np.where(d2d <= bp, pl1, pl2), dtype=np.float64)


def rma_nlos_db(  # noqa: PLR0913 - the model's parameters, all keyword-only
    d2d_m: npt.ArrayLike,
    *,
    freq_mhz: npt.ArrayLike,
    h_bs_m: npt.ArrayLike,
    h_ut_m: npt.ArrayLike = 1.5,
    h_building_m: float = RMA_BUILDING_HEIGHT_M,
    street_width_m: float = RMA_STREET_WIDTH_M,
) -> FloatArray:
    """Return the RMa NLOS path loss of TR 38.901 Table 7.4.1-1, dB.

    ``PL = max(PL_RMa-LOS, PL'_RMa-NLOS)`` with
    ``PL' = 161.04 - 7.1 log10(W) + 7.5 log10(h) - (24.37 - 3.7 (h/h_BS)²) log10(h_BS)
    + (43.42 - 3.1 log10(h_BS)) (log10(d3D) - 3) + 20 log10(fc)
    - (3.2 (log10(11.75 h_UT))² - 4.97)``, valid for ``10 m <= d2D <= 5 km``.

    Parameters
    ----------
    d2d_m, freq_mhz, h_bs_m, h_ut_m, h_building_m
        As for :func:`rma_los_db`; beyond 5 km the formula is extrapolated.
    street_width_m
        Average street width W, m (default 20 m).

    Returns
    -------
    numpy.ndarray
        Path loss, dB.

    Examples
    --------
    >>> round(float(rma_nlos_db(1000.0, freq_mhz=2600.0, h_bs_m=35.0)), 2)
    127.84
    """
    fc = np.asarray(freq_mhz, dtype=np.float64) / 1000.0
    h_bs = np.asarray(h_bs_m, dtype=np.float64)
    h_ut = np.asarray(h_ut_m, dtype=np.float64)
    h = h_building_m
    d3d = _d3d(d2d_m, h_bs, h_ut)
    prime = (
        161.04
        - 7.1 * np.log10(street_width_m)
        + 7.5 * np.log10(h)
        - (24.37 - 3.7 * (h / h_bs) ** 2) * np.log10(h_bs)
        + (43.42 - 3.1 * np.log10(h_bs)) * (np.log10(d3d) - 3.0)
        + 20.0 * np.log10(fc)
        - (3.2 * np.log10(11.75 * h_ut) ** 2 - 4.97)
    )
    los = rma_los_db(d2d_m, freq_mhz=freq_mhz, h_bs_m=h_bs, h_ut_m=h_ut, h_building_m=h)
    return np.asarray(np.maximum(los, prime), dtype=np.float64)


def uma_los_db(
    d2d_m: npt.ArrayLike,
    *,
    freq_mhz: npt.ArrayLike,
    h_bs_m: npt.ArrayLike,
    h_ut_m: npt.ArrayLike = 1.5,
) -> FloatArray:
    """Return the UMa LOS path loss of TR 38.901 Table 7.4.1-1, dB.

    ``PL1 = 28.0 + 22 log10(d3D) + 20 log10(fc)`` for ``10 m <= d2D <= d'_BP``;
    ``PL2 = 28.0 + 40 log10(d3D) + 20 log10(fc) - 9 log10(d'_BP² + (h_BS - h_UT)²)``
    for ``d'_BP <= d2D <= 5 km`` (:func:`uma_breakpoint_m`); ``fc`` in GHz.

    Parameters
    ----------
    d2d_m
        Horizontal distance, m; below 10 m evaluated at 10 m, beyond 5 km extrapolated.
    freq_mhz
        Carrier frequency, MHz.
    h_bs_m, h_ut_m
        Heights of the base station (25 m in TR 38.901) and of the handset
        (1.5-22.5 m), m.

    Returns
    -------
    numpy.ndarray
        Path loss, dB.

    Examples
    --------
    >>> round(float(uma_los_db(1000.0, freq_mhz=3500.0, h_bs_m=25.0)), 2)
    109.41
    """
    fc = np.asarray(freq_mhz, dtype=np.float64) / 1000.0
    h_bs = np.asarray(h_bs_m, dtype=np.float64)
    h_ut = np.asarray(h_ut_m, dtype=np.float64)
    d2d = np.maximum(np.asarray(d2d_m, dtype=np.float64), MIN_DISTANCE_M)
    d3d = _d3d(d2d, h_bs, h_ut)
    bp = uma_breakpoint_m(freq_mhz, h_bs, h_ut)
    pl1 = 28.0 + 22.0 * np.log10(d3d) + 20.0 * np.log10(fc)
    pl2 = (
        28.0
        + 40.0 * np.log10(d3d)
        + 20.0 * np.log10(fc)
        - 9.0 * np.log10(bp**2 + (h_bs - h_ut) ** 2)
    )
    return np.asarray(np.where(d2d <= bp, pl1, pl2), dtype=np.float64)


def uma_nlos_db(
    d2d_m: npt.ArrayLike,
    *,
    freq_mhz: npt.ArrayLike,
    h_bs_m: npt.ArrayLike,
    h_ut_m: npt.ArrayLike = 1.5,
) -> FloatArray:
    """Return the UMa NLOS path loss of TR 38.901 Table 7.4.1-1, dB.

    ``PL = max(PL_UMa-LOS, PL'_UMa-NLOS)`` with
    ``PL' = 13.54 + 39.08 log10(d3D) + 20 log10(fc) - 0.6 (h_UT - 1.5)``, valid for
    ``10 m <= d2D <= 5 km``; ``fc`` in GHz.

    Parameters
    ----------
    d2d_m, freq_mhz, h_bs_m, h_ut_m
        As for :func:`uma_los_db`.

    Returns
    -------
    numpy.ndarray
        Path loss, dB.

    Examples
    --------
    >>> round(float(uma_nlos_db(1000.0, freq_mhz=3500.0, h_bs_m=25.0)), 2)
    141.67
    """
    fc = np.asarray(freq_mhz, dtype=np.float64) / 1000.0
    h_ut = np.asarray(h_ut_m, dtype=np.float64)
    d3d = _d3d(d2d_m, h_bs_m, h_ut)
    prime = 13.54 + 39.08 * np.log10(d3d) + 20.0 * np.log10(fc) - 0.6 * (h_ut - 1.5)
    los = uma_los_db(d2d_m, freq_mhz=freq_mhz, h_bs_m=h_bs_m, h_ut_m=h_ut)
    return np.asarray(np.maximum(los, prime), dtype=np.float64)


def los_probability(d2d_m: npt.ArrayLike, scenario: Scenario, *, h_ut_m: float = 1.5) -> FloatArray:
    """Return the probability of line of sight of TR 38.901 Table 7.4.2-1.

    RMa: 1 up to 10 m, then ``exp(-(d2D - 10) / 1000)``. UMa: 1 up to 18 m, then
    ``[18/d2D + exp(-d2D/63) (1 - 18/d2D)] (1 + C'(h_UT) 5/4 (d2D/100)³ exp(-d2D/150))``
    with ``C' = 0`` for ``h_UT <= 13`` m, else ``((h_UT - 13) / 10)^1.5``.

    Parameters
    ----------
    d2d_m
        Horizontal distance, m.
    scenario
        ``"rma"`` or ``"uma"``.
    h_ut_m
        Handset height, m.

    Returns
    -------
    numpy.ndarray
        Probability in [0, 1].

    Examples
    --------
    >>> los_probability([5.0, 1010.0, 3010.0], "rma").round(3).tolist()
    [1.0, 0.368, 0.05]
    """
    d = np.asarray(d2d_m, dtype=np.float64)
    if scenario == "rma":
        return np.asarray(np.where(d <= 10.0, 1.0, np.exp(-(d - 10.0) / 1000.0)))
    if scenario != "uma":
        msg = f"`scenario` must be 'rma' or 'uma'; got {scenario!r}."
        raise ValueError(msg)
    c = 0.0 if h_ut_m <= 13.0 else ((h_ut_m - 13.0) / 10.0) ** 1.5
    safe = np.maximum(d, 18.0)
    far = (18.0 / safe + np.exp(-safe / 63.0) * (1.0 - 18.0 / safe)) * (
        1.0 + c * 1.25 * (safe / 100.0) ** 3 * np.exp(-safe / 150.0)
    )
    return np.asarray(np.where(d <= 18.0, 1.0, np.minimum(far, 1.0)), dtype=np.float64)


def o2i_building_loss_db(
    freq_mhz: npt.ArrayLike,
    scenario: Scenario,
    *,
    model: BuildingLoss = "low-loss",
) -> FloatArray:
    """Return the median O2I building penetration loss of TR 38.901 §7.4.3.1, dB.

    ``PL_tw + PL_in`` of Table 7.4.3-2 with the material losses of Table 7.4.3-1
    (``fc`` in GHz): standard glass ``2 + 0.2 fc``, IRR glass ``23 + 0.3 fc``, concrete
    ``5 + 4 fc``;

    - low-loss: ``PL_tw = 5 - 10 log10(0.3·10^(-L_glass/10) + 0.7·10^(-L_concrete/10))``;
    - high-loss: ``PL_tw = 5 - 10 log10(0.7·10^(-L_IRRglass/10) + 0.3·10^(-L_concrete/10))``;

    and ``PL_in = 0.5 d_2D-in`` at the mean indoor distance: d_2D-in is the smaller of
    two uniform draws in [0, 25] m (UMa) or [0, 10] m (RMa), mean 25/3 or 10/3 m. The
    spread around it is :data:`O2I_SIGMA_DB` (σ_P). Frequencies below the model's
    0.5 GHz are evaluated at 0.5 GHz (a slightly larger loss: conservative).

    Parameters
    ----------
    freq_mhz
        Carrier frequency, MHz.
    scenario
        ``"uma"`` (urban, suburban) or ``"rma"`` (rural, open): the indoor distance.
    model
        ``"low-loss"`` (brick or concrete walls, ordinary windows: the houses of rural
        Vietnam) or ``"high-loss"`` (insulated glass, modern offices).

    Returns
    -------
    numpy.ndarray
        Median building entry loss, dB.

    Examples
    --------
    >>> round(float(o2i_building_loss_db(1800.0, "uma")), 2)
    15.81
    """
    if model not in O2I_SIGMA_DB:
        msg = f"`model` must be one of {sorted(O2I_SIGMA_DB)!r}; got {model!r}."
        raise ValueError(msg)
    if scenario not in _INDOOR_DISTANCE_MAX_M:
        msg = f"`scenario` must be 'rma' or 'uma'; got {scenario!r}."
        raise ValueError(msg)
    fc = np.maximum(np.asarray(freq_mhz, dtype=np.float64) / 1000.0, 0.5)
    concrete = 5.0 + 4.0 * fc
    if model == "low-loss":
        glass = 2.0 + 0.2 * fc
        mix = 0.3 * 10.0 ** (-glass / 10.0) + 0.7 * 10.0 ** (-concrete / 10.0)
    else:
        irr_glass = 23.0 + 0.3 * fc
        mix = 0.7 * 10.0 ** (-irr_glass / 10.0) + 0.3 * 10.0 ** (-concrete / 10.0)
    through_wall = 5.0 - 10.0 * np.log10(mix)
    inside = 0.5 * _INDOOR_DISTANCE_MAX_M[scenario] / 3.0
    return np.asarray(through_wall + inside, dtype=np.float64)
