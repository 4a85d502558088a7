"""Path loss: the propagation model of the mobile engine, each model inside its band.

Pure, vectorised numpy functions: inputs are anything that broadcasts to a common shape
and results are ``float64`` arrays (``int8`` for clutter classes). Distances and heights
are in metres, frequencies in MHz, losses in dB.

:func:`path_loss_db` is the median path loss the engine uses; it chooses the model by
band and never extrapolates one beyond its frequencies:

============================  ==================  ===========================================
band                          model               clutter
============================  ==================  ===========================================
150-1500 MHz (700, 900)       Okumura-Hata [1]_   urban (large city), suburban, rural
                                                  (quasi-open), open corrections
1500-2000 MHz (1800)          COST-231 Hata [2]_  the same; C_m = 3 dB in urban centres
2000-6000 MHz (2100, 2600,    3GPP TR 38.901      UMa NLOS (urban, suburban), RMa NLOS
3500-3900)                    [3]_                (rural, open): :mod:`coverage.tr38901`
============================  ==================  ===========================================

A frequency outside 150-6000 MHz is refused (:class:`ValueError`), never extrapolated.
The clutter class of a receiver comes from the land-cover raster when one is given
(:mod:`coverage.landcover`: ESA WorldCover classes, with the vegetation loss of trees),
else from population density (:func:`clutter_from_density`, never :data:`OPEN`). The
link budget that turns path loss into RSRP is :mod:`coverage.linkbudget`; the sector
pattern is :mod:`coverage.antenna`; the loss over terrain, when an elevation raster is
given, :mod:`coverage.terrain`; the margin for a location probability,
:mod:`coverage.shadowing`. :mod:`coverage.mobile` puts them
together per site and point.

References
----------
.. [1] M. Hata, "Empirical formula for propagation loss in land mobile radio services",
   IEEE Trans. Veh. Technol., vol. VT-29, no. 3, pp. 317-325, 1980.
.. [2] COST Action 231, "Digital mobile radio towards future generation systems",
   final report, EUR 18957, European Commission, 1999, ch. 4 (COST-231 Hata model).
.. [3] 3GPP TR 38.901 v17.0.0, Table 7.4.1-1 (RMa and UMa path loss).
"""

from __future__ import annotations

import logging
from typing import Final

import numpy as np
import numpy.typing as npt

from coverage import tr38901
from coverage._checks import check_positive

__all__ = [
    "CLUTTER_NAMES",
    "COST231_MAX_MHZ",
    "FREQ_RANGE_MHZ",
    "HATA_MAX_MHZ",
    "OPEN",
    "RURAL",
    "SUBURBAN",
    "URBAN",
    "clutter_from_density",
    "free_space_loss_db",
    "hata_cost231_db",
    "model_name",
    "path_loss_db",
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
#: Clutter class: open area (paddies, grassland, bare land, water): from land cover only.
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
#: Okumura-Hata's formula from 150 MHz up to this frequency (Hata 1980: 150-1500 MHz).
HATA_MAX_MHZ: Final = 1500.0
#: COST-231 Hata above :data:`HATA_MAX_MHZ` up to this frequency (COST 231: 1500-2000 MHz);
#: 3GPP TR 38.901 above it.
COST231_MAX_MHZ: Final = 2000.0
#: Frequencies :func:`path_loss_db` accepts: Hata from 150 MHz; TR 38.901 up to 6 GHz,
#: where its RMa formulas were fitted (MacCartney and Rappaport 2017; TR 38.901 states
#: them to 30 GHz on one measurement campaign at 24 GHz). Vietnam's mobile bands
#: (700-3900 MHz) lie inside. ``geodata.schemas`` refuses ``band_mhz`` outside it.
FREQ_RANGE_MHZ: Final = (150.0, 6000.0)
#: Model names, for labels and the model card.
MODEL_NAMES: Final = ("Okumura-Hata", "COST-231 Hata", "3GPP TR 38.901")
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
    """Classify population density into clutter classes, never :data:`OPEN`.

    Density cannot tell open land (paddies, water, bare hills) from forest, so a cell
    below ``rural_min`` (or without data) is :data:`RURAL`, Okumura's quasi-open area,
    not the least lossy :data:`OPEN` class: that comes only from a land-cover raster
    (:func:`coverage.landcover.classify`), which also adds the vegetation loss of
    forests.

    Parameters
    ----------
    people_per_km2
        Population density, people per km² (e.g. WorldPop 1 km cells). NaN (no data)
        gives :data:`RURAL`.
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
        are forest, hills and open fields, which density cannot tell apart: also
        :data:`RURAL` (the threshold is kept so the classes' bounds stay checked).

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
    [0, 1, 2, 2, 2]
    """
    if not urban_min > suburban_min > rural_min >= 0.0:
        msg = (
            "clutter thresholds must satisfy `urban_min` > `suburban_min` > `rural_min` >= 0; "
            f"got {urban_min!r}, {suburban_min!r}, {rural_min!r}. Reorder them."
        )
        raise ValueError(msg)
    density = np.asarray(people_per_km2, dtype=np.float64)
    # NaN compares False everywhere, so it falls through to the RURAL default: open land
    # comes from land cover only (issue 12).
    return np.select(
        [density >= urban_min, density >= suburban_min],
        [URBAN, SUBURBAN],
        default=RURAL,
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
        Carrier frequency, MHz, within 150-2000.
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
        If a frequency is outside 150-2000 MHz, a height is not positive, or a clutter
        class is unknown.

    Notes
    -----
    Validity of the published models: 150-1500 MHz (Hata) and 1500-2000 MHz
    (COST-231), base 30-200 m, mobile 1-10 m, distance 1-20 km. Frequencies outside
    150-2000 MHz are refused (:func:`path_loss_db` takes TR 38.901 above 2 GHz); the
    other ranges are extrapolated:

    - base heights below 30 m (small rural masts of 15-20 m) and distances below 1 km
      or above 20 km follow the formula's trend;
    - there is a step of about 1.3 dB (4.3 dB for :data:`URBAN`) between the two
      formulas at 1500 MHz; Vietnam's bands (700, 900, 1800 MHz) are far from it.

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
    f = _check_band(freq_mhz, FREQ_RANGE_MHZ[0], COST231_MAX_MHZ, "the Hata/COST-231 model")
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


def model_name(freq_mhz: float) -> str:
    """Return the name of the model :func:`path_loss_db` uses at ``freq_mhz``.

    Examples
    --------
    >>> [model_name(f) for f in (900.0, 1800.0, 2600.0)]
    ['Okumura-Hata', 'COST-231 Hata', '3GPP TR 38.901']
    """
    f = float(_check_band(freq_mhz, *FREQ_RANGE_MHZ, "any model of the engine"))
    if f <= HATA_MAX_MHZ:
        return MODEL_NAMES[0]
    return MODEL_NAMES[1] if f <= COST231_MAX_MHZ else MODEL_NAMES[2]


def path_loss_db(  # noqa: PLR0913 - the model's parameters, all keyword-only
    distance_m: npt.ArrayLike,
    *,
    freq_mhz: npt.ArrayLike,
    h_base_m: npt.ArrayLike,
    h_mobile_m: npt.ArrayLike = 1.5,
    clutter: npt.ArrayLike,
    free_space_floor: bool = True,
) -> FloatArray:
    """Return the median path loss of the model valid for each band.

    - 150-2000 MHz: :func:`hata_cost231_db` (Okumura-Hata to 1500 MHz, COST-231 Hata
      above);
    - 2000-6000 MHz: 3GPP TR 38.901 Table 7.4.1-1, NLOS: UMa
      (:func:`coverage.tr38901.uma_nlos_db`) for :data:`URBAN` and :data:`SUBURBAN`
      receivers, RMa (:func:`coverage.tr38901.rma_nlos_db`, h = 5 m, W = 20 m) for
      :data:`RURAL` and :data:`OPEN` ones. Distances below 10 m are evaluated at 10 m;
      beyond the models' 5 km the formulas are extrapolated.

    NLOS, not a LOS-probability-weighted mix: TR 38.901 defines the NLOS loss as never
    below the LOS one, and at the cell edge the probability of line of sight is a few
    per cent (RMa: 5 % at 3 km; UMa: 0.6 % at 3 km; Table 7.4.2-1), so the coverage
    claim rests on the conservative branch. The step at 2000 MHz between COST-231 and
    TR 38.901 is a few dB (the bands in use, 1800 and 2100 MHz, are either side of it).

    Parameters
    ----------
    distance_m
        Horizontal distance from the site, m.
    freq_mhz
        Carrier frequency, MHz, within :data:`FREQ_RANGE_MHZ` (150-6000).
    h_base_m
        Height of the base-station antenna above the ground, m (> 0).
    h_mobile_m
        Height of the handset above the ground, m (> 0).
    clutter
        Clutter class at the handset (:func:`clutter_from_density`).
    free_space_floor
        Never return less than the free-space loss.

    Returns
    -------
    numpy.ndarray
        Path loss, dB (broadcast shape of the inputs).

    Raises
    ------
    ValueError
        If a frequency is outside 150-6000 MHz (a band in GHz or Hz, or a band no model
        of the engine covers), a height is not positive or a clutter class is unknown.

    Examples
    --------
    >>> round(float(path_loss_db(1000.0, freq_mhz=1800.0, h_base_m=30.0, clutter=URBAN)), 2)
    139.2
    >>> round(float(path_loss_db(1000.0, freq_mhz=2600.0, h_base_m=35.0, clutter=RURAL)), 2)
    127.84
    """
    f = _check_band(freq_mhz, *FREQ_RANGE_MHZ, "any model of the engine")
    hb = check_positive("h_base_m", h_base_m)
    hm = check_positive("h_mobile_m", h_mobile_m)
    c = _clutter(clutter)
    d = np.asarray(distance_m, dtype=np.float64)
    d, f, hb, hm, c = np.broadcast_arrays(d, f, hb, hm, c)
    out = np.empty(d.shape, dtype=np.float64)
    hata = f <= COST231_MAX_MHZ
    if hata.any():
        out[hata] = hata_cost231_db(
            d[hata],
            freq_mhz=f[hata],
            h_base_m=hb[hata],
            h_mobile_m=hm[hata],
            clutter=c[hata],
            free_space_floor=free_space_floor,
        )
    if (~hata).any():
        high = ~hata
        out[high] = tr38901_nlos_db(d[high], f[high], hb[high], hm[high], c[high])
        if free_space_floor:
            out[high] = np.maximum(out[high], free_space_loss_db(d[high], f[high]))
    return out


def tr38901_nlos_db(
    distance_m: FloatArray,
    freq_mhz: FloatArray,
    h_base_m: FloatArray,
    h_mobile_m: npt.ArrayLike,
    clutter: npt.NDArray[np.int8],
) -> FloatArray:
    """TR 38.901 NLOS loss by clutter: UMa for urban and suburban, RMa for rural and open.

    No checks and no free-space floor: the engine's inner loop, on validated arrays of
    one shape; :func:`path_loss_db` is the checked entry.
    """
    urban = clutter <= SUBURBAN
    out = np.empty(np.shape(distance_m), dtype=np.float64)
    hm = np.broadcast_to(np.asarray(h_mobile_m, dtype=np.float64), out.shape)
    if urban.any():
        out[urban] = tr38901.uma_nlos_db(
            distance_m[urban], freq_mhz=freq_mhz[urban], h_bs_m=h_base_m[urban], h_ut_m=hm[urban]
        )
    if (~urban).any():
        rural = ~urban
        out[rural] = tr38901.rma_nlos_db(
            distance_m[rural], freq_mhz=freq_mhz[rural], h_bs_m=h_base_m[rural], h_ut_m=hm[rural]
        )
    return out


def _check_band(freq_mhz: npt.ArrayLike, lo: float, hi: float, what: str) -> FloatArray:
    """Return ``freq_mhz`` as float64, raising unless every value is within [lo, hi]."""
    f = np.asarray(freq_mhz, dtype=np.float64)
    ok = (f >= lo) & (f <= hi)
    if not np.all(ok):
        bad = np.unique(f[~ok])[:5].tolist()
        msg = (
            f"`freq_mhz` must lie within {lo:g}-{hi:g} MHz for {what}; got {bad!r}. "
            "Check the site's band_mhz (MHz, not GHz or Hz); no model is extrapolated "
            "beyond its band."
        )
        raise ValueError(msg)
    return f


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
