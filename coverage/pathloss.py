"""Path loss and received power: the empirical propagation model of the mobile engine.

Pure, vectorised numpy functions: inputs are anything that broadcasts to a common shape
and results are ``float64`` arrays (``int8`` for clutter classes). Distances and heights
are in metres, frequencies in MHz, powers in dBm, losses and gains in dB.

The model is the one of the design brief: an empirical COST-231 Hata class path loss
with urban, suburban, rural and open clutter taken from population density
(:func:`clutter_from_density`, :func:`hata_cost231_db`) and the LTE reference-signal
received power (:func:`rsrp_dbm`); :data:`TECH_DEFAULTS` fills in what a site record
lacks. The other two parts of the model are their own modules: the horizontal sector
pattern (:mod:`coverage.antenna`) and the loss over the dominant terrain obstacle when an
elevation raster is given (:mod:`coverage.terrain`). :mod:`coverage.mobile` puts the
three together per site and village.

References
----------
.. [1] M. Hata, "Empirical formula for propagation loss in land mobile radio services",
   IEEE Trans. Veh. Technol., vol. VT-29, no. 3, pp. 317-325, 1980.
.. [2] COST Action 231, "Digital mobile radio towards future generation systems",
   final report, EUR 18957, European Commission, 1999, ch. 4 (COST-231 Hata model).
.. [3] 3GPP TS 36.211 (LTE resource grid) and TS 38.101-1 Table 5.3.2-1 (NR bandwidths).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from coverage._checks import check_positive

__all__ = [
    "CLUTTER_NAMES",
    "OPEN",
    "RURAL",
    "SUBURBAN",
    "TECH_DEFAULTS",
    "URBAN",
    "TechDefaults",
    "clutter_from_density",
    "free_space_loss_db",
    "hata_cost231_db",
    "resource_blocks",
    "rsrp_dbm",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

# --- clutter ------------------------------------------------------------------------------

#: Clutter class: dense urban centre (Quy Nhơn's inner wards, district towns' cores).
URBAN: Final = 0
#: Clutter class: suburban, small towns and dense villages.
SUBURBAN: Final = 1
#: Clutter class: rural, Okumura's "quasi-open" area (scattered villages, fields, trees).
RURAL: Final = 2
#: Clutter class: open area (sparsely inhabited hills, forest clearings, paddies, water).
OPEN: Final = 3
#: Names of the clutter classes, for labels and logs.
CLUTTER_NAMES: Final[dict[int, str]] = {
    URBAN: "urban",
    SUBURBAN: "suburban",
    RURAL: "rural",
    OPEN: "open",
}

# --- model constants ----------------------------------------------------------------------

#: Distances below this are evaluated at it (the empirical models start at 1 km; 20 m
#: keeps the formula finite next to the mast and the free-space floor takes over there).
MIN_DISTANCE_M: Final = 20.0
#: Frequencies :func:`hata_cost231_db` accepts: Hata from 150 MHz, COST-231 extended to
#: Vietnam's 5G blocks (2500-2600 and 3700-3900 MHz).
FREQ_RANGE_MHZ: Final = (150.0, 4000.0)
#: Hata's formula up to this frequency, COST-231 Hata above it.
HATA_MAX_MHZ: Final = 1500.0
#: COST-231 correction C_m for metropolitan centres (0 dB for medium cities).
METROPOLITAN_CM_DB: Final = 3.0
#: Okumura's quasi-open area lies about 5 dB above the open-area loss.
QUASI_OPEN_OFFSET_DB: Final = 5.0


def clutter_from_density(
    people_per_km2: npt.ArrayLike,
    *,
    urban_min: float = 3000.0,
    suburban_min: float = 500.0,
    rural_min: float = 50.0,
) -> npt.NDArray[np.int8]:
    """Classify population density into clutter classes.

    Parameters
    ----------
    people_per_km2
        Population density, people per km² (e.g. WorldPop 1 km cells). NaN (no data)
        gives :data:`OPEN`.
    urban_min
        Density from which a cell is :data:`URBAN`, people/km². 3000 is twice the
        GHS-SMOD "urban centre" cell threshold (1500) and about the inner-city density of
        Vietnam's smaller towns (type IV-V urban areas), so it picks out Quy Nhơn and
        the cores of district towns at 1 km resolution.
    suburban_min
        Density from which a cell is :data:`SUBURBAN`, people/km². 500 is above the
        GHS-SMOD "urban cluster" threshold (300): small towns, market centres and the
        dense villages of the coastal plain.
    rural_min
        Density from which a cell is :data:`RURAL` (quasi-open), people/km². Below 50
        are forest, hills and open fields: :data:`OPEN`.

    Returns
    -------
    numpy.ndarray
        Clutter class per cell, ``int8``, same shape as ``people_per_km2``.

    Raises
    ------
    ValueError
        If the thresholds are not in decreasing order.

    Examples
    --------
    >>> clutter_from_density([12000.0, 800.0, 120.0, 3.0, float("nan")]).tolist()
    [0, 1, 2, 3, 3]
    """
    if not urban_min > suburban_min > rural_min >= 0.0:
        msg = (
            "clutter thresholds must satisfy `urban_min` > `suburban_min` > `rural_min` >= 0; "
            f"got {urban_min!r}, {suburban_min!r}, {rural_min!r}. Reorder them."
        )
        raise ValueError(msg)
    density = np.asarray(people_per_km2, dtype=np.float64)
    # NaN compares False everywhere, so it falls through to the OPEN default.
    return np.select(
        [density >= urban_min, density >= suburban_min, density >= rural_min],
        [URBAN, SUBURBAN, RURAL],
        default=OPEN,
    ).astype(np.int8)


# --- path loss ----------------------------------------------------------------------------


def free_space_loss_db(distance_m: npt.ArrayLike, freq_mhz: npt.ArrayLike) -> FloatArray:
    """Return the free-space path loss (Friis) between isotropic antennas.

    ``FSPL = 20 log10(d / km) + 20 log10(f / MHz) + 32.44`` dB.

    Parameters
    ----------
    distance_m
        Distance, m. Distances below 1 m are evaluated at 1 m (near field).
    freq_mhz
        Frequency, MHz (> 0).

    Returns
    -------
    numpy.ndarray
        Path loss, dB (``float64``, the broadcast shape of the inputs).

    Examples
    --------
    >>> round(float(free_space_loss_db(1000.0, 1800.0)), 2)
    97.55
    """
    d_km = np.maximum(np.asarray(distance_m, dtype=np.float64), 1.0) / 1000.0
    f = check_positive("freq_mhz", freq_mhz)
    return np.asarray(20.0 * np.log10(d_km) + 20.0 * np.log10(f) + 32.44, dtype=np.float64)


def hata_cost231_db(  # noqa: PLR0913 - the model's parameters, all keyword-only
    distance_m: npt.ArrayLike,
    *,
    freq_mhz: npt.ArrayLike,
    h_base_m: npt.ArrayLike,
    h_mobile_m: npt.ArrayLike = 1.5,
    clutter: npt.ArrayLike,
    free_space_floor: bool = True,
) -> FloatArray:
    """Return the median path loss of the Okumura-Hata / COST-231 Hata model.

    With ``lf = log10(f / MHz)``, ``lb = log10(h_base / m)`` and
    ``ld = log10(d / km)``, the medium-city loss is

    - Hata [1]_ (150-1500 MHz):
      ``L = 69.55 + 26.16 lf - 13.82 lb - a(hm) + (44.9 - 6.55 lb) ld``;
    - COST-231 Hata [2]_ (above 1500 MHz):
      ``L = 46.3 + 33.9 lf - 13.82 lb - a(hm) + (44.9 - 6.55 lb) ld + C_m``;

    with the medium-city mobile-height correction
    ``a(hm) = (1.1 lf - 0.7) hm - (1.56 lf - 0.8)`` and ``C_m = 0``. The clutter
    classes then give

    - :data:`URBAN` (metropolitan centre): COST-231 with ``C_m = 3`` dB; below 1500 MHz
      Hata's large-city formula, ``a(hm) = 3.2 (log10 11.75 hm)² - 4.97`` (f >= 300 MHz)
      or ``8.29 (log10 1.54 hm)² - 1.1`` (f < 300 MHz);
    - :data:`SUBURBAN`: medium-city loss ``- 2 (log10(f / 28))² - 5.4``;
    - :data:`OPEN`: medium-city loss ``- 4.78 lf² + 18.33 lf - 40.94``;
    - :data:`RURAL`: Okumura's quasi-open area, the open-area loss + 5 dB.

    Parameters
    ----------
    distance_m
        Horizontal distance from the site, m. Distances below 20 m are evaluated at 20 m;
        there is no upper limit (the caller limits the range).
    freq_mhz
        Carrier frequency, MHz, within 150-4000.
    h_base_m
        Effective height of the base-station antenna above the ground, m (> 0).
    h_mobile_m
        Height of the mobile antenna above the ground, m (> 0).
    clutter
        Clutter class at the mobile: :data:`URBAN`, :data:`SUBURBAN`, :data:`RURAL` or
        :data:`OPEN` (see :func:`clutter_from_density`).
    free_space_floor
        Never return less than the free-space loss (:func:`free_space_loss_db`). The
        open-area formula falls below free space within a few hundred metres of a tall
        mast, which is not physical.

    Returns
    -------
    numpy.ndarray
        Path loss, dB (``float64``, the broadcast shape of the inputs; NaN where the
        distance is NaN).

    Raises
    ------
    ValueError
        If a frequency is outside 150-4000 MHz, a height is not positive, or a clutter
        class is unknown.

    Notes
    -----
    Validity of the published models: 150-1500 MHz (Hata) and 1500-2000 MHz
    (COST-231), base 30-200 m, mobile 1-10 m, distance 1-20 km. Outside these ranges
    the formulas are extrapolated:

    - **above 2000 MHz** (2100 MHz 3G, Viettel's 2500-2600 MHz 5G, VNPT's and
      MobiFone's 3700-3900 MHz 5G) the COST-231 formula is used as is. This is common
      practice for first-cut planning, but the model was never fitted there: expect
      errors of several dB, mostly underestimating the loss in dense clutter;
      calibrate against drive tests where they exist;
    - base heights below 30 m (small rural masts of 15-20 m) and distances below 1 km
      or above 20 km follow the formula's trend;
    - there is a step of about 1.3 dB (4.3 dB for :data:`URBAN`) between the two
      formulas at 1500 MHz; Vietnam's bands (700, 900, 1800, 2100, 2600, 3700 MHz)
      are far from it.

    The suburban and open-area corrections are Hata's; applying them to the COST-231
    formula is the usual extension.

    References
    ----------
    .. [1] M. Hata, "Empirical formula for propagation loss in land mobile radio
       services", IEEE Trans. Veh. Technol., vol. VT-29, no. 3, pp. 317-325, 1980.
    .. [2] COST Action 231, "Digital mobile radio towards future generation systems",
       final report, EUR 18957, 1999, ch. 4.

    Examples
    --------
    >>> round(float(hata_cost231_db(1000.0, freq_mhz=900.0, h_base_m=30.0, clutter=URBAN)), 2)
    126.42
    >>> round(float(hata_cost231_db(1000.0, freq_mhz=1800.0, h_base_m=30.0, clutter=URBAN)), 2)
    139.2
    """
    d_km = np.maximum(np.asarray(distance_m, dtype=np.float64), MIN_DISTANCE_M) / 1000.0
    f = np.asarray(freq_mhz, dtype=np.float64)
    lo, hi = FREQ_RANGE_MHZ
    if not np.all((f >= lo) & (f <= hi)):
        bad = np.unique(f[~((f >= lo) & (f <= hi))])[:5].tolist()
        msg = (
            f"`freq_mhz` must lie within {lo:g}-{hi:g} MHz for the Hata/COST-231 model; "
            f"got {bad!r}. Check the site's band_mhz (MHz, not GHz or Hz)."
        )
        raise ValueError(msg)
    hb = check_positive("h_base_m", h_base_m)
    hm = check_positive("h_mobile_m", h_mobile_m)
    c = _clutter(clutter)
    if np.any(hb < 30.0):
        log.debug("Hata/COST-231 extrapolated to base heights below 30 m")

    lf = np.log10(f)
    lhb = np.log10(hb)
    hata = f <= HATA_MAX_MHZ
    a_medium = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8)
    a_large = np.where(
        f < 300.0,
        8.29 * np.log10(1.54 * hm) ** 2 - 1.1,
        3.2 * np.log10(11.75 * hm) ** 2 - 4.97,
    )
    common = (
        np.where(hata, 69.55 + 26.16 * lf, 46.3 + 33.9 * lf)
        - 13.82 * lhb
        + (44.9 - 6.55 * lhb) * np.log10(d_km)
    )
    medium = common - a_medium
    urban = np.where(hata, common - a_large, medium + METROPOLITAN_CM_DB)
    suburban = medium - 2.0 * np.log10(f / 28.0) ** 2 - 5.4
    open_area = medium - 4.78 * lf**2 + 18.33 * lf - 40.94
    rural = open_area + QUASI_OPEN_OFFSET_DB
    loss = np.select(
        [c == URBAN, c == SUBURBAN, c == RURAL],
        [urban, suburban, rural],
        default=open_area,
    )
    if free_space_floor:
        loss = np.maximum(loss, free_space_loss_db(d_km * 1000.0, f))
    return np.asarray(loss, dtype=np.float64)


# --- received power -----------------------------------------------------------------------

#: Resource blocks per channel bandwidth (MHz). LTE (TS 36.101: 1.4-20 MHz), GSM as one
#: RSRP-equivalent block, and the NR widths above 20 MHz at 30 kHz subcarrier spacing
#: (TS 38.101-1 Table 5.3.2-1). NR at 5-20 MHz needs ``n_rb`` (e.g. 20 MHz: 51).
_RB_BY_BANDWIDTH_MHZ: Final[dict[float, int]] = {
    0.2: 1,
    1.4: 6,
    3.0: 15,
    5.0: 25,
    10.0: 50,
    15.0: 75,
    20.0: 100,
    25.0: 65,
    30.0: 78,
    40.0: 106,
    50.0: 133,
    60.0: 162,
    70.0: 189,
    80.0: 217,
    90.0: 245,
    100.0: 273,
}


def resource_blocks(bandwidth_mhz: npt.ArrayLike) -> npt.NDArray[np.int_]:
    """Return the number of resource blocks of a channel bandwidth.

    Parameters
    ----------
    bandwidth_mhz
        Channel bandwidth, MHz: LTE 1.4, 3, 5, 10, 15, 20 (6-100 RBs); GSM 0.2 (one
        RSRP-equivalent block); NR 25-100 at 30 kHz subcarrier spacing (65-273 RBs).

    Returns
    -------
    numpy.ndarray
        Resource blocks, same shape as ``bandwidth_mhz``.

    Raises
    ------
    ValueError
        If a bandwidth is not in the table.

    Examples
    --------
    >>> resource_blocks([1.4, 20.0, 100.0]).tolist()
    [6, 100, 273]
    """
    bw = np.asarray(bandwidth_mhz, dtype=np.float64)
    n_rb = np.zeros(bw.shape, dtype=np.int_)
    for width, blocks in _RB_BY_BANDWIDTH_MHZ.items():
        n_rb[np.isclose(bw, width, rtol=0.0, atol=1e-6)] = blocks
    if np.any(n_rb == 0):
        bad = np.unique(bw[n_rb == 0])[:5].tolist()
        msg = (
            f"unknown channel bandwidth {bad!r} MHz; known: "
            f"{sorted(_RB_BY_BANDWIDTH_MHZ)!r}. Pass `n_rb` to rsrp_dbm() instead."
        )
        raise ValueError(msg)
    return n_rb


def rsrp_dbm(
    eirp_dbm: npt.ArrayLike,
    path_loss_db: npt.ArrayLike,
    *,
    gain_db: npt.ArrayLike = 0.0,
    bandwidth_mhz: npt.ArrayLike | None = None,
    n_rb: npt.ArrayLike | None = None,
) -> FloatArray:
    """Return the reference-signal received power (RSRP) at the mobile.

    The total EIRP is spread evenly over the ``12 N_RB`` subcarriers of the channel and
    RSRP is the power of one resource element:
    ``RSRP = EIRP - 10 log10(12 N_RB) - L + G`` dBm (20 MHz LTE: ``EIRP - 30.79 - L``).

    For 2G, 3G and 5G the same formula gives an *RSRP-equivalent*, comparable with the
    4G threshold of the coverage rules but not a measured quantity of those systems:
    GSM counts as one block (carrier power - 10.8 dB; RxLev is the whole carrier),
    UMTS as 25 blocks (RSCP of a pilot at 10 % of the power is about 14.8 dB higher),
    5G NR as its resource blocks (SS-RSRP with SSB and data at equal power per element).

    Parameters
    ----------
    eirp_dbm
        Total EIRP of the cell, dBm (transmit power + peak antenna gain - losses).
    path_loss_db
        Path loss, dB (:func:`hata_cost231_db` +
        :func:`coverage.terrain.terrain_diffraction_db`).
    gain_db
        Relative antenna gain towards the mobile, dB
        (:func:`coverage.antenna.sector_gain_db`, <= 0).
    bandwidth_mhz
        Channel bandwidth, MHz, converted with :func:`resource_blocks`.
    n_rb
        Resource blocks, instead of ``bandwidth_mhz`` (e.g. NR at 20 MHz: 51).

    Returns
    -------
    numpy.ndarray
        RSRP, dBm (``float64``, broadcast shape of the inputs).

    Raises
    ------
    ValueError
        Unless exactly one of ``bandwidth_mhz`` and ``n_rb`` is given, or if the
        bandwidth is unknown or ``n_rb`` < 1.

    Examples
    --------
    >>> round(float(rsrp_dbm(61.0, 120.0, bandwidth_mhz=20.0)), 2)
    -89.79
    """
    if (bandwidth_mhz is None) == (n_rb is None):
        msg = "give exactly one of `bandwidth_mhz` and `n_rb`."
        raise ValueError(msg)
    blocks = (
        resource_blocks(bandwidth_mhz)
        if bandwidth_mhz is not None
        else np.asarray(n_rb, dtype=np.float64)
    )
    if not np.all(blocks >= 1):
        msg = f"`n_rb` must be >= 1; got {np.unique(blocks)[:5].tolist()!r}."
        raise ValueError(msg)
    eirp = np.asarray(eirp_dbm, dtype=np.float64)
    loss = np.asarray(path_loss_db, dtype=np.float64)
    gain = np.asarray(gain_db, dtype=np.float64)
    return np.asarray(eirp - 10.0 * np.log10(12.0 * blocks) - loss + gain, dtype=np.float64)


# --- defaults per technology --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TechDefaults:
    """Radio parameters of a technology, used where a site record lacks them.

    Attributes
    ----------
    band_mhz
        Carrier frequency, MHz.
    bandwidth_mhz
        Channel bandwidth, MHz.
    n_rb
        Resource blocks (RSRP-equivalent for 2G and 3G), see :func:`rsrp_dbm`.
    eirp_dbm
        Total EIRP per sector, dBm: transmit power + antenna gain - feeder losses.
    height_m
        Antenna height above the ground, m.
    """

    band_mhz: float
    bandwidth_mhz: float
    n_rb: int
    eirp_dbm: float
    height_m: float = 30.0


#: Defaults per technology (keys as in the ``tech`` column of ``mobile_sites``).
#:
#: - 2G: GSM 900, one BCCH carrier of 20 W (43 dBm), 15.5 dBi panel, 2.5 dB feeder:
#:   56 dBm EIRP.
#: - 3G: UMTS 2100 (Band 1), one 5 MHz carrier of 20 W (43 dBm), 18 dBi, 3 dB: 58 dBm.
#: - 4G: LTE 1800 (Band 3), 20 MHz (Vietnam's operators run 20 MHz at 1800), 2 x 20 W
#:   (43 dBm per port, 46 dBm total), 18 dBi, 3 dB: 61 dBm; 100 RBs, so the reference
#:   signal's EIRP is 30.2 dBm per resource element (12.2 dBm per port at the connector,
#:   a usual setting).
#: - 5G: NR at 2600 MHz (n41 TDD; Viettel's 2500-2600 MHz block, the 5G network in
#:   Bình Định; VNPT's 3700-3800 and MobiFone's 3800-3900 MHz sites should carry their
#:   own ``band_mhz``), 100 MHz at 30 kHz subcarrier spacing (the FR1 TDD numerology used
#:   with 100 MHz carriers; 273 RBs), 200 W (53 dBm) massive-MIMO radio with about
#:   20 dBi for the broadcast (SSB) beams and 1 dB loss: 72 dBm.
#:
#: All at 30 m, a usual height for a rural macro mast.
TECH_DEFAULTS: Final[dict[str, TechDefaults]] = {
    "2G": TechDefaults(band_mhz=900.0, bandwidth_mhz=0.2, n_rb=1, eirp_dbm=56.0),
    "3G": TechDefaults(band_mhz=2100.0, bandwidth_mhz=5.0, n_rb=25, eirp_dbm=58.0),
    "4G": TechDefaults(band_mhz=1800.0, bandwidth_mhz=20.0, n_rb=100, eirp_dbm=61.0),
    "5G": TechDefaults(band_mhz=2600.0, bandwidth_mhz=100.0, n_rb=273, eirp_dbm=72.0),
}


# --- helpers ------------------------------------------------------------------------------


def _clutter(value: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Return clutter classes as int8, raising on anything but URBAN..OPEN."""
    arr = np.asarray(value)
    known = np.isin(arr, list(CLUTTER_NAMES))
    if not np.all(known):
        bad = np.unique(arr[~known])[:5].tolist()
        msg = (
            f"unknown clutter class {bad!r}; expected {CLUTTER_NAMES!r}. "
            "Use clutter_from_density() or the module constants."
        )
        raise ValueError(msg)
    return arr.astype(np.int8)
