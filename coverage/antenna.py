"""Antenna geometry: the bearing from a site to a point and the sector pattern towards it.

Pure, vectorised numpy functions on the project's metric CRS (x east, y north): angles in
degrees clockwise from grid north, gains in dB relative to the antenna's peak (which is
part of the EIRP, :data:`coverage.pathloss.TECH_DEFAULTS`). Part of the mobile engine's
radio model with :mod:`coverage.pathloss` and :mod:`coverage.terrain`.

References
----------
.. [1] 3GPP TR 36.814 v9.2.0, "Further advancements for E-UTRA physical layer aspects",
   2017, Table A.2.1.1-2 (antenna pattern).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["bearing_deg", "sector_gain_db", "sector_gain_rows_db"]

FloatArray = npt.NDArray[np.float64]


def bearing_deg(dx_m: npt.ArrayLike, dy_m: npt.ArrayLike) -> FloatArray:
    """Return the bearing of an offset, degrees clockwise from grid north.

    Parameters
    ----------
    dx_m
        Offset towards east (x of the metric CRS), m.
    dy_m
        Offset towards north (y of the metric CRS, *not* the raster row), m.

    Returns
    -------
    numpy.ndarray
        Bearing in [0, 360) degrees: 0 north, 90 east, 180 south, 270 west; 0 for a
        zero offset. Grid north of UTM 49N is within 1° of true north in Bình Định.

    Examples
    --------
    >>> bearing_deg([0.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, 0.0]).tolist()
    [0.0, 90.0, 180.0, 270.0]
    """
    dx = np.asarray(dx_m, dtype=np.float64)
    dy = np.asarray(dy_m, dtype=np.float64)
    bearing = np.mod(np.degrees(np.arctan2(dx, dy)), 360.0)
    # A tiny negative angle rounds to 360.0 after the modulo.
    return np.asarray(np.where(bearing >= 360.0, 0.0, bearing) + 0.0, dtype=np.float64)


def sector_gain_db(
    bearing_deg: npt.ArrayLike,
    azimuths_deg: Sequence[float] | None,
    *,
    beamwidth_deg: float = 65.0,
    front_to_back_db: float = 25.0,
) -> FloatArray:
    """Return a site's relative antenna gain towards a bearing.

    Each sector has the horizontal pattern of 3GPP TR 36.814 [1]_,
    ``A(φ) = -min(12 (φ / φ3dB)², A_m)`` dB, where φ is the angle between the bearing
    and the sector's azimuth (wrapped to ±180°), φ3dB the half-power beamwidth and
    A_m the front-to-back ratio. A point is served by the best sector, so the gain is
    the maximum over the sectors. The peak gain of the antenna is part of the EIRP.

    Parameters
    ----------
    bearing_deg
        Bearing from the site to the point, degrees clockwise from north
        (:func:`bearing_deg`).
    azimuths_deg
        Azimuth of each sector, degrees clockwise from north. ``None`` or empty: an
        omnidirectional site, 0 dB everywhere.
    beamwidth_deg
        Half-power (3 dB) horizontal beamwidth φ3dB, degrees. 65° is the usual
        three-sector panel (TR 36.814 uses 70°).
    front_to_back_db
        Front-to-back ratio A_m, dB (the floor of the pattern).

    Returns
    -------
    numpy.ndarray
        Relative gain, dB, in [-front_to_back_db, 0] (``float64``, shape of
        ``bearing_deg``).

    Raises
    ------
    ValueError
        If the beamwidth is not positive or the front-to-back ratio is negative.

    References
    ----------
    .. [1] 3GPP TR 36.814 v9.2.0, Table A.2.1.1-2.

    Examples
    --------
    >>> sector_gain_db([0.0, 32.5, 180.0], [0.0]).round(2).tolist()
    [0.0, -3.0, -25.0]
    """
    if not beamwidth_deg > 0.0 or not front_to_back_db >= 0.0:
        msg = (
            "`beamwidth_deg` must be > 0 and `front_to_back_db` >= 0; "
            f"got {beamwidth_deg!r} and {front_to_back_db!r}."
        )
        raise ValueError(msg)
    bearing = np.asarray(bearing_deg, dtype=np.float64)
    if azimuths_deg is None or len(azimuths_deg) == 0:
        return np.where(np.isnan(bearing), np.nan, 0.0)
    azimuths = np.asarray(azimuths_deg, dtype=np.float64).reshape(-1)
    return sector_gain_rows_db(
        bearing,
        np.broadcast_to(azimuths, (*bearing.shape, len(azimuths))),
        beamwidth_deg=beamwidth_deg,
        front_to_back_db=front_to_back_db,
    )


def sector_gain_rows_db(
    bearing_deg: npt.ArrayLike,
    azimuths_deg: npt.ArrayLike,
    *,
    beamwidth_deg: float = 65.0,
    front_to_back_db: float = 25.0,
) -> FloatArray:
    """Return the relative gain of many sites at once, each with its own sectors.

    The same pattern as :func:`sector_gain_db`, vectorised over site-point pairs.

    Parameters
    ----------
    bearing_deg
        Bearing from each pair's site to its point, degrees clockwise from north,
        shape ``(n,)``.
    azimuths_deg
        Each pair's sector azimuths, shape ``(n, k)``, padded with NaN; a row of NaN
        is an omnidirectional site (0 dB).
    beamwidth_deg, front_to_back_db
        As for :func:`sector_gain_db`.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``, dB in ``[-front_to_back_db, 0]``.

    Examples
    --------
    >>> import numpy as np
    >>> sector_gain_rows_db([0.0, 0.0], [[0.0, np.nan], [np.nan, np.nan]]).tolist()
    [0.0, 0.0]
    """
    bearing = np.asarray(bearing_deg, dtype=np.float64)
    azimuths = np.asarray(azimuths_deg, dtype=np.float64)
    off_axis = np.mod(bearing[..., np.newaxis] - azimuths + 180.0, 360.0) - 180.0
    gain = -np.minimum(12.0 * (off_axis / beamwidth_deg) ** 2, front_to_back_db)
    best = np.fmax.reduce(gain, axis=-1)  # fmax skips the NaN padding
    best = np.where(np.isnan(best), 0.0, best)  # only NaN: an omni site
    return np.asarray(best + 0.0, dtype=np.float64)  # + 0.0: no -0.0
