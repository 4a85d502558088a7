"""Terrain: elevation profiles, Deygout diffraction, effective height and line of sight.

Pure, vectorised numpy functions on an elevation raster (``array[row, col]`` with its
affine transform) in the project's metric CRS. The straight profile from a site to each
point is sampled from the raster every cell size, with the Earth's bulge;
:func:`terrain_terms` gives the diffraction loss over up to three edges (Deygout) and the
antenna's effective height above the mean terrain of the path (the mobile engine adds
the one to the path loss and gives the other, bounded by
:func:`bounded_effective_height_m`, to :mod:`coverage.pathloss`);
:func:`line_of_sight` says whether the ray, or a fraction of its first Fresnel zone,
clears the terrain (the planner's microwave backhaul). The profiles themselves (sampling,
Earth's bulge, clearance below the ray) are :mod:`coverage.terrain_profile`.

References
----------
.. [1] ITU-R P.526-15, "Propagation by diffraction", 2019, §4.1 (single knife edge),
   §4.5 (several edges, the Deygout construction).
.. [2] ITU-R P.1546-6, "Method for point-to-area predictions for terrestrial services",
   2019, Annex 5 §3 (the transmitting antenna's effective height h1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from affine import Affine

from coverage._checks import check_positive
from coverage.terrain_profile import Profile

__all__ = [
    "TERRAIN_METHODS",
    "TerrainTerms",
    "bounded_effective_height_m",
    "knife_edge_loss_db",
    "line_of_sight",
    "terrain_diffraction_db",
    "terrain_terms",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# --- constants ----------------------------------------------------------------------------

#: Speed of light in vacuum, m/s.
SPEED_OF_LIGHT_M_S: Final = 299_792_458.0
#: Effective Earth-radius factor of the standard atmosphere.
K_FACTOR: Final = 4.0 / 3.0
#: Below this Fresnel-Kirchhoff parameter the knife-edge loss is taken as 0 dB (P.526).
KNIFE_EDGE_MIN_V: Final = -0.78
#: The diffraction constructions of :func:`terrain_terms`.
TERRAIN_METHODS: Final = ("deygout", "single")
#: Lowest effective base height the model uses, m (TR 38.901 RMa, ITU-R P.1546 curves).
EFFECTIVE_HEIGHT_MIN_M: Final = 10.0
#: Distances from the site over which P.1546 averages the terrain for ``h1``, m.
EFFECTIVE_HEIGHT_RANGE_M: Final = (3_000.0, 15_000.0)
#: Highest band of the Okumura-Hata / COST-231 family, MHz (its effective-height cap).
HATA_FAMILY_MAX_MHZ: Final = 2000.0


def knife_edge_loss_db(v: npt.ArrayLike) -> FloatArray:
    """Return the single knife-edge diffraction loss J(v) of ITU-R P.526.

    ``J(v) = 6.9 + 20 log10(sqrt((v - 0.1)² + 1) + v - 0.1)`` dB for v > -0.78 and
    0 dB below, the approximation of P.526 §4.1 (eq. 31) to the Fresnel-integral loss
    (within 0.15 dB of it; J(0) = 6.03 dB against the exact 6.02 dB, J(1) = 13.93 dB
    against 13.86 dB).

    Parameters
    ----------
    v
        Fresnel-Kirchhoff diffraction parameter (dimensionless): positive when the edge
        cuts the direct ray, negative when the ray clears it.

    Returns
    -------
    numpy.ndarray
        Diffraction loss, dB (>= 0; NaN where ``v`` is NaN).

    Examples
    --------
    >>> knife_edge_loss_db([-1.0, 0.0, 1.0]).round(2).tolist()
    [0.0, 6.03, 13.93]
    """
    v_arr = np.asarray(v, dtype=np.float64)
    shadowed = v_arr > KNIFE_EDGE_MIN_V
    # Evaluate the formula only where it applies: far below -0.78 the argument of the
    # logarithm cancels to 0.
    w = np.where(shadowed, v_arr, 0.0) - 0.1
    loss = np.where(shadowed, 6.9 + 20.0 * np.log10(np.sqrt(w**2 + 1.0) + w), 0.0)
    return np.asarray(np.where(np.isnan(v_arr), np.nan, np.maximum(loss, 0.0)), dtype=np.float64)


@dataclass(frozen=True)
class TerrainTerms:
    """What the terrain does to each site-point path (:func:`terrain_terms`).

    Attributes
    ----------
    diffraction_db
        Diffraction loss over the terrain, dB (>= 0), shape (n,).
    effective_height_m
        Height of the site's antenna above the average terrain of the path, m, before
        any bound (NaN where no terrain sample is known); see :func:`terrain_terms` and
        :func:`bounded_effective_height_m`.
    """

    diffraction_db: FloatArray
    effective_height_m: FloatArray


def bounded_effective_height_m(
    effective_height_m: npt.ArrayLike, mast_height_m: npt.ArrayLike, freq_mhz: npt.ArrayLike
) -> FloatArray:
    """Return the base height the path-loss model gets from an effective height.

    Where the effective height is unknown (NaN: no terrain), the mast height. Otherwise
    the effective height kept within ``[min(mast, 10 m), max(mast, cap)]``: 10 m is the
    lowest base height of TR 38.901 RMa and of the ITU-R P.1546 curves, below which an
    empirical model says nothing (a mast in a valley is not a 2 m antenna: the ridges
    around it are the diffraction term's business); the cap is the top of each model's
    base-height range, 200 m for Okumura-Hata / COST-231 (up to 2000 MHz) and 150 m for
    TR 38.901 RMa, so that a hilltop site is not extrapolated beyond the fitted data.

    Parameters
    ----------
    effective_height_m
        Raw effective height (:attr:`TerrainTerms.effective_height_m`), m.
    mast_height_m
        Antenna height above the ground at the site, m.
    freq_mhz
        Frequency, MHz (chooses the cap).

    Returns
    -------
    numpy.ndarray
        Base height, m (broadcast shape).

    Examples
    --------
    >>> bounded_effective_height_m([np.nan, -40.0, 80.0, 900.0], 30.0, 1800.0).tolist()
    [30.0, 10.0, 80.0, 200.0]
    """
    heff = np.asarray(effective_height_m, dtype=np.float64)
    mast = np.asarray(mast_height_m, dtype=np.float64)
    cap = np.where(np.asarray(freq_mhz, dtype=np.float64) <= HATA_FAMILY_MAX_MHZ, 200.0, 150.0)
    low = np.minimum(mast, EFFECTIVE_HEIGHT_MIN_M)
    high = np.maximum(mast, cap)
    return np.asarray(np.where(np.isnan(heff), mast, np.clip(heff, low, high)), dtype=np.float64)


def terrain_terms(  # noqa: PLR0913 - a profile needs both ends and the raster
    site_xy: npt.ArrayLike,
    site_ground_m: float,
    h_base_m: float,
    points_xy: npt.ArrayLike,
    point_ground_m: npt.ArrayLike,
    h_mobile_m: npt.ArrayLike,
    *,
    elevation: npt.ArrayLike,
    transform: Affine,
    freq_mhz: npt.ArrayLike,
    samples: int | None = None,
    nodata: float | None = None,
    k_factor: float = K_FACTOR,
    partial_obstruction: bool = False,
    method: str = "deygout",
) -> TerrainTerms:
    """Return the diffraction loss and the effective antenna height of each path.

    **Profile.** The straight path from the site to each point is sampled from the
    elevation raster (nearest cell) every cell size
    (:func:`~coverage.terrain_profile.cell_size_m`) from the site, so a 10 km path over a
    30 m raster has 333 samples (``samples``: a fixed number of evenly spaced samples
    instead, the former behaviour). Each sample's terrain is
    raised by the Earth's bulge ``d1 d2 / (2 k R)``.

    **Diffraction** (ITU-R P.526 [1]_). An edge at ``d1`` from one end and ``d2`` from
    the other of a (sub-)path stands ``h`` above the straight line joining the ends
    (negative below); its Fresnel-Kirchhoff parameter is
    ``v = h sqrt(2 (d1 + d2) / (λ d1 d2))`` and its loss ``J(v)``
    (:func:`knife_edge_loss_db`). ``method="deygout"`` (the default) is the Deygout
    construction of P.526 §4.5: the edge of largest ``v`` on the whole path is the main
    edge p; the sub-path from the transmitting antenna to the top of p and the one from
    the top of p to the receiving antenna each give their edge of largest ``v`` (t and
    r), and ``L = J(v_p) + J(v_t) + J(v_r)``: three edges at most. The empirical
    correction some editions of P.526 attach to this construction
    (``T [J(v_t) + J(v_r) + C]``, ``C = 10 + 0.04 D``) is not applied: it adds at least
    10 dB whenever a sub-edge exists, was fitted to its own measurements, and the
    plain sum is already the conservative reading (Deygout overestimates the loss of
    close edges of similar height). ``method="single"``: only ``J(v_p)``.

    **Effective height.** The height of the site's antenna above the mean terrain of
    the path, as ITU-R P.1546 Annex 5 §3 defines the transmitting height ``h1`` when the
    terrain is known [2]_: the mean of the samples between 3 and 15 km from the site for
    a path of 15 km or more; between ``0.2 D`` and ``D`` (the point's own ground
    included) for a shorter path ``D``. NaN where no such sample is known. The model
    then bounds it (:func:`bounded_effective_height_m`).

    Parameters
    ----------
    site_xy
        The site's (x, y), m, in the raster's CRS.
    site_ground_m
        Ground elevation at the site, m.
    h_base_m
        Antenna height above the ground at the site (the mast), m.
    points_xy
        Points' (x, y), m, shape (n, 2).
    point_ground_m
        Ground elevation at each point, m, shape (n,) or scalar.
    h_mobile_m
        Antenna height above the ground at each point, m, shape (n,) or scalar.
    elevation
        Elevation raster, m, ``array[row, col]``. NaN (and ``nodata``) cells, and
        samples outside the raster, are no obstacle and are left out of the means.
    transform
        The raster's affine transform, (col, row) → (x, y).
    freq_mhz
        Frequency, MHz, scalar or shape (n,).
    samples
        ``None`` (default): one sample per cell size along each path. An integer: that
        many evenly spaced samples per path, whatever its length.
    nodata
        Value of the raster's no-data cells, if not NaN.
    k_factor
        Effective Earth-radius factor (4/3 for the standard atmosphere).
    partial_obstruction
        ``False`` (default): an edge counts only where it cuts its (sub-)path's straight
        line (``v > 0``), so a clear line of sight costs 0 dB. The empirical path-loss
        model already contains the obstruction of the first Fresnel zone by the ground
        and clutter around the mobile, which P.526 would add again for
        ``-0.78 < v <= 0``; the price is a step from 0 to 6 dB at grazing incidence.
        The same rule applies to the sub-edges. ``True``: the full P.526 loss, also for
        edges that only enter the Fresnel zone.
    method
        ``"deygout"`` (three edges) or ``"single"`` (the main edge only).

    Returns
    -------
    TerrainTerms

    Raises
    ------
    ValueError
        If the shapes do not match, ``samples`` < 1, a frequency is not positive or the
        method is unknown.

    References
    ----------
    .. [1] ITU-R P.526-15, "Propagation by diffraction", 2019: §4.1 (single knife edge,
       eq. 31), §4.5 (several isolated edges, the Deygout construction).
    .. [2] ITU-R P.1546-6, "Method for point-to-area predictions for terrestrial
       services", 2019, Annex 5 §3 (transmitting/base antenna height h1).
    """
    if method not in TERRAIN_METHODS:
        msg = f"`method` must be one of {TERRAIN_METHODS!r}; got {method!r}."
        raise ValueError(msg)
    profile = Profile.build(
        site_xy,
        site_ground_m,
        h_base_m,
        points_xy,
        point_ground_m,
        h_mobile_m,
        elevation=elevation,
        transform=transform,
        samples=samples,
        nodata=nodata,
        k_factor=k_factor,
    )
    f = np.broadcast_to(check_positive("freq_mhz", freq_mhz), (profile.n,))
    wavelength_m = SPEED_OF_LIGHT_M_S / (f * 1e6)
    ground = np.broadcast_to(np.asarray(point_ground_m, dtype=np.float64), (profile.n,))
    threshold = KNIFE_EDGE_MIN_V if partial_obstruction else 0.0
    loss = np.zeros(profile.n, dtype=np.float64)
    heff = np.full(profile.n, np.nan)
    for chunk in profile.chunks():
        g, d, dist, raw = profile.heights(chunk)
        lam = wavelength_m[chunk, np.newaxis]
        z_rx = profile.z_rx[chunk, np.newaxis]
        loss[chunk] = _deygout_db(
            g, d, dist, profile.z_tx, z_rx, lam, threshold, depth=method == "deygout"
        )
        heff[chunk] = profile.z_tx - _mean_terrain_m(raw, d, dist, ground[chunk])
    return TerrainTerms(diffraction_db=loss, effective_height_m=heff)


def terrain_diffraction_db(  # noqa: PLR0913 - a profile needs both ends and the raster
    site_xy: npt.ArrayLike,
    site_ground_m: float,
    h_base_m: float,
    points_xy: npt.ArrayLike,
    point_ground_m: npt.ArrayLike,
    h_mobile_m: npt.ArrayLike,
    *,
    elevation: npt.ArrayLike,
    transform: Affine,
    freq_mhz: npt.ArrayLike,
    samples: int | None = None,
    nodata: float | None = None,
    k_factor: float = K_FACTOR,
    partial_obstruction: bool = False,
    method: str = "deygout",
) -> FloatArray:
    """Return the diffraction loss over the terrain to each point, dB.

    :attr:`TerrainTerms.diffraction_db` of :func:`terrain_terms` (same parameters):
    Deygout's three edges by default, ``method="single"`` for the dominant edge only,
    profiles sampled at the raster's resolution unless ``samples`` is given.

    Returns
    -------
    numpy.ndarray
        Diffraction loss per point, dB (>= 0), shape (n,).
    """
    return terrain_terms(
        site_xy,
        site_ground_m,
        h_base_m,
        points_xy,
        point_ground_m,
        h_mobile_m,
        elevation=elevation,
        transform=transform,
        freq_mhz=freq_mhz,
        samples=samples,
        nodata=nodata,
        k_factor=k_factor,
        partial_obstruction=partial_obstruction,
        method=method,
    ).diffraction_db


def _edge(  # noqa: PLR0913 - one sub-path: its ends and the samples between them
    g: FloatArray,
    d: FloatArray,
    a: FloatArray | float,
    za: FloatArray | float,
    b: FloatArray,
    zb: FloatArray,
    lam: FloatArray,
) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """Return the largest ``v`` of the samples strictly between ``a`` and ``b`` and where.

    The sub-path joins ``(a, za)`` and ``(b, zb)`` (distance from the site, height, m);
    rows without a sample inside get ``-inf``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = d - a
        d2 = b - d
        h = g - (za + d1 / (b - a) * (zb - za))
        v = h * np.sqrt(2.0 * (b - a) / (lam * d1 * d2))
        v = np.where((d1 > 0.0) & (d2 > 0.0) & np.isfinite(v), v, -np.inf)
    at = np.argmax(v, axis=1)
    return np.take_along_axis(v, at[:, np.newaxis], axis=1)[:, 0], at


def _deygout_db(  # noqa: PLR0913 - the profile's arrays
    g: FloatArray,
    d: FloatArray,
    dist: FloatArray,
    z_tx: float,
    z_rx: FloatArray,
    lam: FloatArray,
    threshold: float,
    *,
    depth: bool,
) -> FloatArray:
    """Deygout's loss (main edge and, with ``depth``, one sub-edge a side), dB, (k,)."""

    def loss(v: FloatArray) -> FloatArray:
        return knife_edge_loss_db(np.where(v > threshold, v, -np.inf))

    v_p, p = _edge(g, d, 0.0, z_tx, dist, z_rx, lam)
    total = loss(v_p)
    if not depth:
        return total
    rows = np.flatnonzero(v_p > threshold)  # only shadowed paths have sub-edges
    if not len(rows):
        return total
    g, d, dist, z_rx, lam = g[rows], d[rows], dist[rows], z_rx[rows], lam[rows]
    d_p = d[np.arange(len(rows)), p[rows]][:, np.newaxis]
    g_p = g[np.arange(len(rows)), p[rows]][:, np.newaxis]
    v_t, _ = _edge(g, d, 0.0, z_tx, d_p, g_p, lam)  # transmitter to the main edge
    v_r, _ = _edge(g, d, d_p, g_p, dist, z_rx, lam)  # main edge to the receiver
    total[rows] += loss(v_t) + loss(v_r)
    return total


def _mean_terrain_m(
    terrain: FloatArray, d: FloatArray, dist: FloatArray, point_ground: FloatArray
) -> FloatArray:
    """Mean terrain of each path for the effective height (P.1546 Annex 5 §3), m."""
    long_path = dist >= EFFECTIVE_HEIGHT_RANGE_M[1]
    lo = np.where(long_path, EFFECTIVE_HEIGHT_RANGE_M[0], 0.2 * dist)
    hi = np.where(long_path, EFFECTIVE_HEIGHT_RANGE_M[1], dist)
    with np.errstate(invalid="ignore"):
        use = (d >= lo) & (d <= hi) & np.isfinite(terrain)
    total = np.where(use, terrain, 0.0).sum(axis=1)
    count = use.sum(axis=1).astype(np.float64)
    end = ~long_path[:, 0] & np.isfinite(point_ground)  # the point's own ground
    total = total + np.where(end, point_ground, 0.0)
    count = count + end
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(count > 0, total / count, np.nan), dtype=np.float64)


def line_of_sight(  # noqa: PLR0913 - a profile needs both ends and the raster
    site_xy: npt.ArrayLike,
    site_ground_m: float,
    h_base_m: float,
    points_xy: npt.ArrayLike,
    point_ground_m: npt.ArrayLike,
    h_mobile_m: npt.ArrayLike,
    *,
    elevation: npt.ArrayLike,
    transform: Affine,
    samples: int | None = None,
    nodata: float | None = None,
    k_factor: float = K_FACTOR,
    freq_mhz: npt.ArrayLike | None = None,
    fresnel_fraction: float = 0.0,
) -> BoolArray:
    """Return whether the direct ray from the site to each point clears the terrain.

    The profile is sampled as in :func:`terrain_diffraction_db`; a point is in line of
    sight when no sample of the terrain (with the Earth's bulge) rises above the ray,
    or, with ``fresnel_fraction`` > 0, into that fraction of the first Fresnel zone's
    radius ``sqrt(λ d1 d2 / (d1 + d2))`` (0.6 is the usual clearance criterion for
    microwave backhaul).

    Parameters
    ----------
    site_xy, site_ground_m, h_base_m, points_xy, point_ground_m, h_mobile_m
        As in :func:`terrain_diffraction_db` (m); for a backhaul hop the "point" is the
        far end's antenna.
    elevation, transform, samples, nodata, k_factor
        As in :func:`terrain_diffraction_db`.
    freq_mhz
        Frequency, MHz; needed only when ``fresnel_fraction`` > 0.
    fresnel_fraction
        Clearance required below the ray as a fraction of the first Fresnel radius
        (0: the ray itself).

    Returns
    -------
    numpy.ndarray
        ``bool`` per point, shape (n,).

    Raises
    ------
    ValueError
        If the shapes do not match, ``samples`` < 1, ``fresnel_fraction`` < 0, or
        ``fresnel_fraction`` > 0 without ``freq_mhz``.
    """
    if not fresnel_fraction >= 0.0:
        msg = f"`fresnel_fraction` must be >= 0; got {fresnel_fraction!r}."
        raise ValueError(msg)
    if fresnel_fraction > 0.0 and freq_mhz is None:
        msg = "`fresnel_fraction` > 0 needs the Fresnel zone's size: pass `freq_mhz`."
        raise ValueError(msg)
    profile = Profile.build(
        site_xy,
        site_ground_m,
        h_base_m,
        points_xy,
        point_ground_m,
        h_mobile_m,
        elevation=elevation,
        transform=transform,
        samples=samples,
        nodata=nodata,
        k_factor=k_factor,
    )
    wavelength_m = np.zeros(profile.n)
    if freq_mhz is not None:
        f = np.broadcast_to(check_positive("freq_mhz", freq_mhz), (profile.n,))
        wavelength_m = SPEED_OF_LIGHT_M_S / (f * 1e6)
    clear = np.ones(profile.n, dtype=np.bool_)
    for chunk in profile.chunks():
        h, d1, d2 = profile.clearance(chunk)
        with np.errstate(divide="ignore", invalid="ignore"):
            fresnel_m = np.sqrt(wavelength_m[chunk, np.newaxis] * d1 * d2 / (d1 + d2))
        margin = h + fresnel_fraction * fresnel_m
        clear[chunk] = ~np.any(margin > 0.0, axis=1)  # NaN compares False: no obstacle
    return clear
