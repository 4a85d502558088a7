"""The downlink link budget: from a cell's transmit power to the RSRP at a handset.

RSRP (TS 36.214 §5.1.1) is the power of *one resource element* of the cell-specific
reference signal on *one* antenna port, so the budget, written out with a unit in every
name, is

.. code-block:: text

    port_power_dbm = tx_power_dbm - 10 log10(ports)          (power per RS port)
    re_power_dbm   = port_power_dbm - 10 log10(12 n_rb)      (per resource element)
    rsrp_dbm       = re_power_dbm + antenna_gain_dbi + pattern_db
                     - feeder_loss_db - path_loss_db - other_losses_db

(:func:`rsrp_dbm`). For 20 MHz LTE with 2 × 20 W: 46 dBm total, 43.0 dBm per port,
12.2 dBm per resource element at the antenna connector. A site record that gives its
total EIRP (``eirp_dbm`` of ``mobile_sites``: transmit power of all ports + peak antenna
gain - feeder loss) enters the same budget through :func:`re_eirp_dbm`.

5G NR uses SS-RSRP (TS 38.215 §5.1.1), measured on the secondary synchronisation
signal of the SS/PBCH block, which is sent on one antenna port (TS 38.211 §7.4.3.1,
port 4000) and beamformed with the whole array: ``ports = 1``; its energy per resource
element is taken equal to that of the data, spread over the carrier's resource blocks
at its subcarrier spacing (TS 38.101-1 Table 5.3.2-1, :func:`resource_blocks`). For 2G
and 3G the same budget gives an *RSRP-equivalent* (GSM counted as one block, UMTS as
25), comparable with the thresholds of the coverage rules but not a quantity those
systems measure.

:data:`TECH_DEFAULTS` holds each technology's parameters, used where a site record
lacks them, with their sources.

References
----------
.. [1] 3GPP TS 36.214 §5.1.1 (RSRP); TS 36.211 §6.10.1 (cell-specific reference
   signals, ports 0-3); TS 36.101 Table 5.6-1 (LTE channel bandwidths).
.. [2] 3GPP TS 38.215 §5.1.1 (SS-RSRP); TS 38.211 §7.4.3.1 (SS/PBCH block);
   TS 38.101-1 Table 5.3.2-1 (NR FR1 transmission bandwidth configuration N_RB).
.. [3] 3GPP TR 36.814 v9.2.0 Table A.2.1.1-1 (macro evaluation: 46 dBm per 10 MHz,
   49 dBm per 20 MHz carrier; 14 dBi antenna gain after cable loss).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "LTE_RB",
    "NR_RB",
    "TECH_DEFAULTS",
    "TechDefaults",
    "re_eirp_dbm",
    "resource_blocks",
    "rsrp_dbm",
]

FloatArray = npt.NDArray[np.float64]

#: Subcarriers in one resource block (TS 36.211 §6.2.3, TS 38.211 §4.4.4.1).
SUBCARRIERS_PER_RB: Final = 12

#: LTE resource blocks per channel bandwidth, MHz (TS 36.101 Table 5.6-1).
LTE_RB: Final[dict[float, int]] = {1.4: 6, 3.0: 15, 5.0: 25, 10.0: 50, 15.0: 75, 20.0: 100}

#: NR FR1 resource blocks N_RB per subcarrier spacing (kHz) and channel bandwidth (MHz),
#: TS 38.101-1 Table 5.3.2-1 (maximum transmission bandwidth configuration).
NR_RB: Final[dict[float, dict[float, int]]] = {
    15.0: {
        5.0: 25,
        10.0: 52,
        15.0: 79,
        20.0: 106,
        25.0: 133,
        30.0: 160,
        35.0: 188,
        40.0: 216,
        45.0: 242,
        50.0: 270,
    },
    30.0: {
        5.0: 11,
        10.0: 24,
        15.0: 38,
        20.0: 51,
        25.0: 65,
        30.0: 78,
        35.0: 92,
        40.0: 106,
        45.0: 119,
        50.0: 133,
        60.0: 162,
        70.0: 189,
        80.0: 217,
        90.0: 245,
        100.0: 273,
    },
    60.0: {
        10.0: 11,
        15.0: 18,
        20.0: 24,
        25.0: 31,
        30.0: 38,
        35.0: 44,
        40.0: 51,
        45.0: 58,
        50.0: 65,
        60.0: 79,
        70.0: 93,
        80.0: 107,
        90.0: 121,
        100.0: 135,
    },
}

#: RSRP-equivalent blocks of the legacy systems: a 200 kHz GSM carrier counts as one,
#: a 5 MHz UMTS carrier as the 25 of a 5 MHz LTE carrier.
_LEGACY_RB: Final[dict[str, dict[float, int]]] = {"2G": {0.2: 1}, "3G": {5.0: 25}}


def resource_blocks(
    bandwidth_mhz: npt.ArrayLike, *, tech: str = "4G", scs_khz: float = 30.0
) -> npt.NDArray[np.int_]:
    """Return the resource blocks of a channel bandwidth.

    Parameters
    ----------
    bandwidth_mhz
        Channel bandwidth, MHz.
    tech
        ``"4G"``: LTE (:data:`LTE_RB`); ``"5G"``: NR FR1 at ``scs_khz`` (:data:`NR_RB`);
        ``"2G"`` (0.2 MHz: 1) and ``"3G"`` (5 MHz: 25) as RSRP-equivalents.
    scs_khz
        NR subcarrier spacing, kHz (15, 30 or 60); ignored for the other technologies.

    Returns
    -------
    numpy.ndarray
        Resource blocks, same shape as ``bandwidth_mhz``.

    Raises
    ------
    ValueError
        If the technology, spacing or bandwidth is not in the tables.

    Examples
    --------
    >>> resource_blocks([1.4, 20.0]).tolist()
    [6, 100]
    >>> resource_blocks([20.0, 100.0], tech="5G", scs_khz=30.0).tolist()
    [51, 273]
    """
    if tech == "5G":
        if scs_khz not in NR_RB:
            msg = f"`scs_khz` must be one of {sorted(NR_RB)!r} kHz for NR; got {scs_khz!r}."
            raise ValueError(msg)
        table = NR_RB[scs_khz]
    elif tech == "4G":
        table = LTE_RB
    elif tech in _LEGACY_RB:
        table = _LEGACY_RB[tech]
    else:
        msg = f"`tech` must be one of 2G, 3G, 4G, 5G; got {tech!r}."
        raise ValueError(msg)
    bw = np.asarray(bandwidth_mhz, dtype=np.float64)
    n_rb = np.zeros(bw.shape, dtype=np.int_)
    for width, blocks in table.items():
        n_rb[np.isclose(bw, width, rtol=0.0, atol=1e-6)] = blocks
    if np.any(n_rb == 0):
        bad = np.unique(bw[n_rb == 0])[:5].tolist()
        msg = f"unknown {tech} channel bandwidth {bad!r} MHz; known: {sorted(table)!r}."
        raise ValueError(msg)
    return n_rb


def _re_share_db(ports: npt.ArrayLike, n_rb: npt.ArrayLike) -> FloatArray:
    """``10 log10(ports) + 10 log10(12 n_rb)``, refusing ports or blocks below 1."""
    p = np.asarray(ports, dtype=np.float64)
    blocks = np.asarray(n_rb, dtype=np.float64)
    if not (np.all(p >= 1) and np.all(blocks >= 1)):
        msg = (
            f"`ports` and `n_rb` must be >= 1; got {np.unique(p)[:5].tolist()!r} and "
            f"{np.unique(blocks)[:5].tolist()!r}."
        )
        raise ValueError(msg)
    return np.asarray(
        10.0 * np.log10(p) + 10.0 * np.log10(SUBCARRIERS_PER_RB * blocks), dtype=np.float64
    )


def rsrp_dbm(  # noqa: PLR0913 - the terms of the budget, all keyword-only
    *,
    tx_power_dbm: npt.ArrayLike,
    ports: npt.ArrayLike,
    n_rb: npt.ArrayLike,
    antenna_gain_dbi: npt.ArrayLike,
    feeder_loss_db: npt.ArrayLike,
    path_loss_db: npt.ArrayLike,
    pattern_db: npt.ArrayLike = 0.0,
    other_losses_db: npt.ArrayLike = 0.0,
) -> FloatArray:
    """Return the RSRP at the handset: the link budget written out.

    ``tx_power_dbm - 10 log10(ports) - 10 log10(12 n_rb) + antenna_gain_dbi + pattern_db
    - feeder_loss_db - path_loss_db - other_losses_db``.

    Parameters
    ----------
    tx_power_dbm
        Total transmit power of the cell, all antenna ports together, dBm.
    ports
        Reference-signal antenna ports sharing it (LTE 2x2 MIMO: 2; NR SSB: 1).
    n_rb
        Resource blocks of the carrier (:func:`resource_blocks`).
    antenna_gain_dbi
        Peak gain of the antenna, dBi.
    feeder_loss_db
        Feeder, jumper and connector loss between radio and antenna, dB.
    path_loss_db
        Path loss, dB (:func:`coverage.pathloss.path_loss_db`, plus terrain).
    pattern_db
        Antenna pattern towards the handset relative to the peak, dB, <= 0
        (:func:`coverage.antenna.sector_gain_db`).
    other_losses_db
        Any further loss (building entry, body loss…), dB.

    Returns
    -------
    numpy.ndarray
        RSRP, dBm (broadcast shape of the inputs).

    Raises
    ------
    ValueError
        If ``ports`` or ``n_rb`` is below 1.

    Examples
    --------
    20 MHz LTE, 2 × 20 W, 18 dBi, 3 dB feeder, 120 dB path loss, main beam:

    >>> round(float(rsrp_dbm(tx_power_dbm=46.0, ports=2, n_rb=100, antenna_gain_dbi=18.0,
    ...                      feeder_loss_db=3.0, path_loss_db=120.0)), 2)
    -92.8
    """
    return np.asarray(
        np.asarray(tx_power_dbm, dtype=np.float64)
        - _re_share_db(ports, n_rb)
        + np.asarray(antenna_gain_dbi, dtype=np.float64)
        + np.asarray(pattern_db, dtype=np.float64)
        - np.asarray(feeder_loss_db, dtype=np.float64)
        - np.asarray(path_loss_db, dtype=np.float64)
        - np.asarray(other_losses_db, dtype=np.float64),
        dtype=np.float64,
    )


def re_eirp_dbm(
    eirp_dbm: npt.ArrayLike, *, ports: npt.ArrayLike, n_rb: npt.ArrayLike
) -> FloatArray:
    """Return the EIRP of one reference-signal resource element on one port, dBm.

    ``eirp_dbm - 10 log10(ports) - 10 log10(12 n_rb)``: the RSRP at 0 dB path loss in
    the main beam. ``eirp_dbm`` is the cell's total EIRP, all ports together
    (``tx_power_dbm + antenna_gain_dbi - feeder_loss_db``), as ``mobile_sites`` records it.

    Parameters
    ----------
    eirp_dbm
        Total EIRP of the cell at the antenna's peak, dBm.
    ports, n_rb
        As for :func:`rsrp_dbm`.

    Returns
    -------
    numpy.ndarray
        dBm.

    Examples
    --------
    >>> round(float(re_eirp_dbm(61.0, ports=2, n_rb=100)), 2)
    27.2
    """
    return np.asarray(
        np.asarray(eirp_dbm, dtype=np.float64) - _re_share_db(ports, n_rb), dtype=np.float64
    )


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
        Resource blocks of the carrier (RSRP-equivalent for 2G and 3G).
    tx_power_dbm
        Total transmit power per sector, all ports together, dBm.
    ports
        Reference-signal ports sharing it.
    antenna_gain_dbi
        Peak antenna gain, dBi.
    feeder_loss_db
        Feeder and jumper loss, dB.
    height_m
        Antenna height above the ground, m.
    scs_khz
        NR subcarrier spacing, kHz (``None`` for the other technologies).
    source
        Where the values come from.
    """

    band_mhz: float
    bandwidth_mhz: float
    n_rb: int
    tx_power_dbm: float
    ports: int
    antenna_gain_dbi: float
    feeder_loss_db: float
    height_m: float = 30.0
    scs_khz: float | None = None
    source: str = ""

    @property
    def eirp_dbm(self) -> float:
        """Total EIRP at the antenna's peak, dBm (what ``mobile_sites.eirp_dbm`` records)."""
        return self.tx_power_dbm + self.antenna_gain_dbi - self.feeder_loss_db

    @property
    def port_power_dbm(self) -> float:
        """Transmit power of one reference-signal port, dBm."""
        return self.tx_power_dbm - 10.0 * float(np.log10(self.ports))

    @property
    def re_power_dbm(self) -> float:
        """Power of one resource element on one port at the antenna connector, dBm."""
        return self.port_power_dbm - 10.0 * float(np.log10(SUBCARRIERS_PER_RB * self.n_rb))


#: Defaults per technology (keys as in the ``tech`` column of ``mobile_sites``). Each at
#: 30 m, a usual height for a rural macro mast.
TECH_DEFAULTS: Final[dict[str, TechDefaults]] = {
    "2G": TechDefaults(
        band_mhz=900.0,
        bandwidth_mhz=0.2,
        n_rb=1,
        tx_power_dbm=43.0,
        ports=1,
        antenna_gain_dbi=15.5,
        feeder_loss_db=2.5,
        source="GSM 900, one 20 W BCCH carrier, 15.5 dBi panel, 2.5 dB feeder: 56 dBm EIRP",
    ),
    "3G": TechDefaults(
        band_mhz=2100.0,
        bandwidth_mhz=5.0,
        n_rb=25,
        tx_power_dbm=43.0,
        ports=1,
        antenna_gain_dbi=18.0,
        feeder_loss_db=3.0,
        source="UMTS 2100 (Band 1), one 5 MHz carrier of 20 W, 18 dBi, 3 dB: 58 dBm EIRP",
    ),
    "4G": TechDefaults(
        band_mhz=1800.0,
        bandwidth_mhz=20.0,
        n_rb=100,
        tx_power_dbm=46.0,
        ports=2,
        antenna_gain_dbi=18.0,
        feeder_loss_db=3.0,
        source=(
            "LTE 1800 (Band 3), 20 MHz (Vietnam's operators run 20 MHz at 1800), 2x2 MIMO "
            "with 2 x 20 W (46 dBm; 3 dB below the 49 dBm per 20 MHz of TR 36.814 "
            "Table A.2.1.1-1), 18 dBi panel, 3 dB feeder: 61 dBm EIRP, 12.2 dBm per "
            "resource element and port at the connector (TS 36.101 Table 5.6-1: 100 RB)"
        ),
    ),
    "5G": TechDefaults(
        band_mhz=2600.0,
        bandwidth_mhz=100.0,
        n_rb=273,
        tx_power_dbm=53.0,
        ports=1,
        antenna_gain_dbi=20.0,
        feeder_loss_db=1.0,
        scs_khz=30.0,
        source=(
            "NR n41 at 2600 MHz (Viettel's 2500-2600 MHz block; VNPT's and MobiFone's "
            "3700-3900 MHz sites carry their own band_mhz), 100 MHz at 30 kHz (273 RB, "
            "TS 38.101-1 Table 5.3.2-1), 200 W (53 dBm) massive-MIMO radio, about 20 dBi "
            "for the SSB beams, 1 dB loss: 72 dBm EIRP; SS/PBCH block on one port"
        ),
    ),
}
