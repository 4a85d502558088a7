"""Terrain with known answers: Deygout's three edges, profiles at the raster's resolution,
the effective antenna height (coverage.terrain, coverage.terrain_profile), and their laws.

The profiles are one row of square cells, the site at the centre of column 0 and the
samples every cell size from it, so that sample j sits at the centre of column j and
reads exactly that column's elevation. The frequency 299.792458 MHz makes λ = 1 m and
``k_factor=1e9`` makes the Earth's bulge < 1e-6 m, so the hand arithmetic is plain
ITU-R P.526: ``v = h sqrt(2 (d1 + d2) / (λ d1 d2))`` and
``J(v) = 6.9 + 20 log10(sqrt((v - 0.1)² + 1) + v - 0.1)`` (eq. 31).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage.terrain import (
    bounded_effective_height_m,
    knife_edge_loss_db,
    terrain_diffraction_db,
    terrain_terms,
)
from coverage.terrain_profile import Profile, cell_size_m

#: λ = c / f = 1 m.
FREQ_MHZ = 299.792458
#: One row of 100 m cells from x = 0; the site at x = 50 (centre of column 0).
CELL_M = 100.0
TRANSFORM = Affine(CELL_M, 0.0, 0.0, 0.0, -CELL_M, 100.0)
SITE = (50.0, 50.0)
FLAT_EARTH = 1e9


def row(heights: dict[int, float], cols: int = 11) -> np.ndarray:
    """A 1 x ``cols`` raster at 0 m with ``heights`` in the given columns."""
    out = np.zeros((1, cols))
    for col, h in heights.items():
        out[0, col] = h
    return out


def j_db(v: float) -> float:
    return 6.9 + 20.0 * math.log10(math.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)


def loss(elevation: np.ndarray, distance_m: float, **kwargs: object) -> float:
    """Diffraction from a 30 m mast on 0 m to a 1.5 m handset on 0 m, ``distance_m`` east."""
    args = {
        "elevation": elevation,
        "transform": TRANSFORM,
        "freq_mhz": FREQ_MHZ,
        "k_factor": FLAT_EARTH,
    } | kwargs
    point = [[SITE[0] + distance_m, SITE[1]]]
    return float(terrain_diffraction_db(SITE, 0.0, 30.0, point, 0.0, 1.5, **args)[0])  # type: ignore[arg-type]


# --- Deygout -------------------------------------------------------------------------------
#
# Path D = 1000 m, ray from 30 m (d = 0) to 1.5 m (d = 1000): ray(d) = 30 - 0.0285 d.
# Ridge A: 60 m at d = 300; ridge B: 50 m at d = 700; ridge C: 30 m at d = 900.
#
# Whole path, sqrt(2 D / (d1 d2)) = sqrt(2000 / (300 x 700)) = 0.0975900 for A and B:
#   A: h = 60 - 21.45 = 38.55 m,  v_A = 3.76209
#   B: h = 50 - 10.05 = 39.95 m,  v_B = 3.89872   <- the main edge
#   C: h = 30 - 4.35 = 25.65 m,   v_C = 25.65 x sqrt(2000 / (900 x 100)) = 3.82368 (< v_B)
# Sub-path transmitter (0, 30) -> top of B (700, 50): the chord at 300 m is
#   30 + 20 x 300/700 = 38.5714 m, so A stands 21.4286 m above it:
#   v_A|B = 21.4286 x sqrt(2 x 700 / (300 x 400)) = 2.31455
# Sub-path top of B (700, 50) -> receiver (1000, 1.5): the chord at 900 m is
#   50 - 48.5 x 200/300 = 17.6667 m, so C stands 12.3333 m above it:
#   v_C|B = 12.3333 x sqrt(2 x 300 / (200 x 100)) = 2.13620
#   (the empty cell at 800 m is 33.8 m below the chord: no edge).
# J(3.89872) = 24.6601 dB, J(2.31455) = 20.2386 dB, J(2.13620) = 19.5789 dB.
V_B, V_A_B, V_C_B = 3.898721, 2.314550, 2.136196


def test_hand_values_of_the_knife_edge_parameters() -> None:
    assert j_db(V_B) == pytest.approx(24.6601, abs=1e-4)
    assert j_db(V_A_B) == pytest.approx(20.2386, abs=1e-4)
    assert j_db(V_C_B) == pytest.approx(19.5789, abs=1e-4)


def test_deygout_two_ridges() -> None:
    # Main edge B, sub-edge A on the transmitter side, nothing on the receiver side:
    # L = J(3.89872) + J(2.31455) = 24.6601 + 20.2386 = 44.8987 dB.
    got = loss(row({3: 60.0, 7: 50.0}), 1000.0)
    assert got == pytest.approx(44.8987, abs=1e-3)
    assert got == pytest.approx(j_db(V_B) + j_db(V_A_B), abs=1e-4)


def test_deygout_three_ridges() -> None:
    # Adding C gives the receiver-side sub-edge:
    # L = 24.6601 + 20.2386 + 19.5789 = 64.4775 dB.
    got = loss(row({3: 60.0, 7: 50.0, 9: 30.0}), 1000.0)
    assert got == pytest.approx(64.4775, abs=1e-3)


def test_deygout_stops_at_three_edges() -> None:
    # A fourth ridge at 100 m, lower than A as seen from the transmitter's sub-path,
    # changes nothing: one sub-edge a side.
    three = loss(row({3: 60.0, 7: 50.0, 9: 30.0}), 1000.0)
    four = loss(row({1: 33.0, 3: 60.0, 7: 50.0, 9: 30.0}), 1000.0)
    assert four == pytest.approx(three, abs=1e-9)


def test_single_edge_is_j_of_the_largest_v() -> None:
    got = loss(row({3: 60.0, 7: 50.0, 9: 30.0}), 1000.0, method="single")
    assert got == pytest.approx(j_db(V_B), abs=1e-4)
    assert got == pytest.approx(float(knife_edge_loss_db(V_B)), abs=1e-4)


def test_sub_edges_below_their_chord_do_not_count() -> None:
    # Only B: its sub-paths are flat ground under the chords, so Deygout = single edge.
    only_b = row({7: 50.0})
    assert loss(only_b, 1000.0) == pytest.approx(loss(only_b, 1000.0, method="single"))
    assert loss(row({}), 1000.0) == 0.0


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method"):
        loss(row({}), 1000.0, method="epstein")


# --- sampling -------------------------------------------------------------------------------


def test_samples_follow_the_cell_size() -> None:
    assert cell_size_m(TRANSFORM) == CELL_M
    assert cell_size_m(Affine(25.0, 0.0, 0.0, 0.0, -30.0, 0.0)) == 25.0
    # 10 km over 25 m cells: a one-cell 80 m hill at 4 987.5 m from the site. The 64
    # fixed samples of the former profile are 153.8 m apart and step over it; samples
    # every 25 m land on it.
    transform = Affine(25.0, 0.0, 0.0, 0.0, -25.0, 25.0)
    dem = np.zeros((1, 420))
    dem[0, 200] = 80.0  # x = 5000-5025 m; the site at x = 12.5 m
    args = {"elevation": dem, "transform": transform, "freq_mhz": 1800.0}
    site, point = (12.5, 12.5), [[10_012.5, 12.5]]
    fixed = terrain_diffraction_db(site, 0.0, 30.0, point, 0.0, 1.5, samples=64, **args)
    fine = terrain_diffraction_db(site, 0.0, 30.0, point, 0.0, 1.5, **args)
    assert fixed.tolist() == [0.0]
    assert fine[0] > 20.0
    # The number of samples grows with the distance: 1 per cell size, inside the path.
    profile = Profile.build(  # the sampling itself is the subject
        site,
        0.0,
        30.0,
        [[1012.5, 12.5], [10_012.5, 12.5]],
        0.0,
        1.5,
        elevation=dem,
        transform=transform,
        samples=None,
        nodata=None,
        k_factor=4 / 3,
    )
    _, d, _, _ = profile.heights(slice(0, 2))
    assert np.isfinite(d).sum(axis=1).tolist() == [39, 399]  # 25 m ... 975 m; 25 m ... 9 975 m
    assert d[0, :3].tolist() == [25.0, 50.0, 75.0]


# --- effective height -----------------------------------------------------------------------


def heff(dem: np.ndarray, site_ground_m: float, distance_m: float) -> float:
    point = [[SITE[0] + distance_m, SITE[1]]]
    ground = float(dem[0, int((SITE[0] + distance_m) // CELL_M)])
    terms = terrain_terms(
        SITE,
        site_ground_m,
        30.0,
        point,
        ground,
        1.5,
        elevation=dem,
        transform=TRANSFORM,
        freq_mhz=1800.0,
    )
    return float(terms.effective_height_m[0])


def test_effective_height_on_a_slope() -> None:
    # Ground falls 1 m per 100 m from 200 m at the site: z(d) = 200 - 0.01 d.
    dem = (200.0 - 0.01 * (np.arange(210) * CELL_M))[np.newaxis, :]
    # D = 10 km < 15 km: mean over 0.2 D .. D = 2 .. 10 km (81 samples, the point's
    # ground included), mean d = 6 km, mean z = 140 m: h = 230 - 140 = 90 m.
    assert heff(dem, 200.0, 10_000.0) == pytest.approx(90.0)
    # D = 20 km: mean over 3 .. 15 km, mean d = 9 km, mean z = 110 m: h = 120 m.
    assert heff(dem, 200.0, 20_000.0) == pytest.approx(120.0)
    # Uphill (the mirror slope) the effective height is negative: -30 m at 10 km,
    # and the model takes 10 m.
    up = (0.01 * (np.arange(210) * CELL_M))[np.newaxis, :]
    assert heff(up, 0.0, 10_000.0) == pytest.approx(-30.0)
    assert bounded_effective_height_m(-30.0, 30.0, 1800.0) == 10.0


def test_effective_height_on_a_plateau() -> None:
    # The site on a 100 m plateau 2 km wide (x < 2 km), the plain at 0 m beyond.
    dem = np.where(np.arange(210) * CELL_M < 2000.0, 100.0, 0.0)[np.newaxis, :]
    # On the plateau (D = 1 km, mean of 200 .. 1000 m = 100 m): the mast height.
    assert heff(dem, 100.0, 1000.0) == pytest.approx(30.0)
    # To the plain (D = 12 km, mean of 2.4 .. 12 km = 0 m): 130 m above it.
    assert heff(dem, 100.0, 12_000.0) == pytest.approx(130.0)


def test_bounded_effective_height() -> None:
    got = bounded_effective_height_m([np.nan, 5.0, 80.0, 400.0, 400.0], 30.0, 1800.0)
    assert got.tolist() == [30.0, 10.0, 80.0, 200.0, 200.0]
    assert float(bounded_effective_height_m(400.0, 30.0, 3500.0)) == 150.0  # TR 38.901 RMa
    assert float(bounded_effective_height_m(2.0, 6.0, 1800.0)) == 6.0  # a low mast stays


# --- laws -----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    heights=st.lists(st.floats(0.0, 120.0), min_size=9, max_size=9),
    col=st.integers(1, 9),
    rise=st.floats(0.0, 80.0),
)
def test_raising_terrain_never_lowers_the_single_edge_loss(
    heights: list[float], col: int, rise: float
) -> None:
    dem = row(dict(enumerate(heights, start=1)))
    raised = dem.copy()
    raised[0, col] += rise
    assert loss(raised, 1000.0, method="single") >= loss(dem, 1000.0, method="single")


@settings(max_examples=60, deadline=None)
@given(heights=st.lists(st.floats(0.0, 120.0), min_size=9, max_size=9))
def test_deygout_is_never_below_the_single_edge(heights: list[float]) -> None:
    dem = row(dict(enumerate(heights, start=1)))
    assert loss(dem, 1000.0) >= loss(dem, 1000.0, method="single")


@settings(max_examples=60, deadline=None)
@given(
    heights=st.lists(st.floats(0.0, 120.0), min_size=9, max_size=9),
    col=st.integers(1, 9),
    rise=st.floats(0.0, 80.0),
)
def test_raising_a_ridge_that_stays_below_the_main_edge_never_lowers_deygout(
    heights: list[float], col: int, rise: float
) -> None:
    # Deygout is not monotone in general: raising the main edge lifts the chords of its
    # sub-paths and can clear a sub-edge. Raising any other ridge, as long as it does
    # not take over as the main edge, only adds loss.
    dem = row(dict(enumerate(heights, start=1)))
    raised = dem.copy()
    raised[0, col] += rise
    main = _main_edge(dem)
    if main is None or col == main or _main_edge(raised) != main:
        return
    assert loss(raised, 1000.0) >= loss(dem, 1000.0) - 1e-9


def _main_edge(dem: np.ndarray) -> int | None:
    d = np.arange(1, 10) * CELL_M
    h = dem[0, 1:10] - (30.0 - 0.0285 * d)
    v = h * np.sqrt(2 * 1000.0 / (d * (1000.0 - d)))
    return int(np.argmax(v)) + 1 if v.max() > 0 else None
