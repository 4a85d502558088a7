"""Tests of the radio model: coverage.pathloss, coverage.antenna and coverage.terrain.

Published values, hand-built oracles and properties.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from affine import Affine
from hypothesis import given
from hypothesis import strategies as st

from coverage.antenna import bearing_deg, sector_gain_db
from coverage.linkbudget import TECH_DEFAULTS, re_eirp_dbm, resource_blocks, rsrp_dbm
from coverage.pathloss import (
    FREQ_RANGE_MHZ,
    OPEN,
    RURAL,
    SUBURBAN,
    URBAN,
    clutter_from_density,
    free_space_loss_db,
    hata_cost231_db,
)
from coverage.terrain import knife_edge_loss_db, line_of_sight, terrain_diffraction_db

CLUTTERS = [URBAN, SUBURBAN, RURAL, OPEN]
#: Vietnam's mobile bands where the Hata family is valid, MHz (above 2 GHz: TR 38.901).
BANDS_MHZ = [700.0, 900.0, 1800.0]

# --- clutter -------------------------------------------------------------------------------


def test_clutter_from_density_thresholds():
    # Density never gives OPEN (issue 12 item 3): below 50 people/km² and without data
    # the class is RURAL (quasi-open); open land comes from land cover only.
    density = [np.nan, -1.0, 0.0, 49.9, 50.0, 499.0, 500.0, 2999.0, 3000.0, 25000.0]
    got = clutter_from_density(density)
    assert got.dtype == np.int8
    expected = [RURAL, RURAL, RURAL, RURAL, RURAL, RURAL, SUBURBAN, SUBURBAN, URBAN, URBAN]
    assert got.tolist() == expected


def test_clutter_from_density_keeps_shape_and_custom_thresholds():
    grid = np.array([[10.0, 100.0], [1000.0, 10000.0]])
    got = clutter_from_density(grid, urban_min=20000.0, suburban_min=800.0, rural_min=5.0)
    assert got.shape == (2, 2)
    assert got.tolist() == [[RURAL, RURAL], [SUBURBAN, SUBURBAN]]


def test_clutter_from_density_rejects_unordered_thresholds():
    with pytest.raises(ValueError, match="urban_min"):
        clutter_from_density([1.0], urban_min=100.0, suburban_min=500.0)


# --- Hata / COST-231 -----------------------------------------------------------------------


def hata_by_hand(d_km: float, f: float, hb: float, hm: float, *, large_city: bool) -> float:
    """Hata (1980) urban loss, written out from the paper's constants."""
    lf, lb = math.log10(f), math.log10(hb)
    if large_city:
        a = 3.2 * math.log10(11.75 * hm) ** 2 - 4.97
    else:
        a = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8)
    return 69.55 + 26.16 * lf - 13.82 * lb - a + (44.9 - 6.55 * lb) * math.log10(d_km)


def cost231_by_hand(d_km: float, f: float, hb: float, hm: float, cm: float) -> float:
    """COST-231 Hata loss (COST 231 final report, ch. 4), written out."""
    lf, lb = math.log10(f), math.log10(hb)
    a = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8)
    return 46.3 + 33.9 * lf - 13.82 * lb - a + (44.9 - 6.55 * lb) * math.log10(d_km) + cm


def test_hata_urban_900_mhz_published_value():
    # Hata urban, 900 MHz, hb = 30 m, hm = 1.5 m, 1 km: 126.4 dB in the textbooks.
    got = float(hata_cost231_db(1000.0, freq_mhz=900.0, h_base_m=30.0, clutter=URBAN))
    assert got == pytest.approx(126.4, abs=0.05)
    assert got == pytest.approx(hata_by_hand(1.0, 900.0, 30.0, 1.5, large_city=True), abs=1e-9)
    # The medium-city value differs by 0.02 dB at hm = 1.5 m.
    assert hata_by_hand(1.0, 900.0, 30.0, 1.5, large_city=False) == pytest.approx(126.40, abs=5e-3)


def test_cost231_1800_mhz_published_value():
    # COST-231 Hata, 1800 MHz, hb = 30 m, hm = 1.5 m, 1 km: 136.2 dB (medium city),
    # +3 dB in metropolitan centres (URBAN here).
    medium = cost231_by_hand(1.0, 1800.0, 30.0, 1.5, cm=0.0)
    assert medium == pytest.approx(136.2, abs=0.05)
    urban = float(hata_cost231_db(1000.0, freq_mhz=1800.0, h_base_m=30.0, clutter=URBAN))
    assert urban == pytest.approx(139.2, abs=0.05)
    assert urban == pytest.approx(medium + 3.0, abs=1e-9)


@pytest.mark.parametrize(
    ("d_km", "f", "hb", "hm"),
    [(1.0, 900.0, 30.0, 1.5), (5.0, 700.0, 45.0, 2.0), (12.0, 1800.0, 25.0, 1.5)],
)
def test_clutter_corrections_by_hand(d_km, f, hb, hm):
    medium = (
        hata_by_hand(d_km, f, hb, hm, large_city=False)
        if f <= 1500
        else cost231_by_hand(d_km, f, hb, hm, cm=0.0)
    )
    lf = math.log10(f)
    open_area = medium - 4.78 * lf**2 + 18.33 * lf - 40.94
    expected = {
        SUBURBAN: medium - 2 * math.log10(f / 28) ** 2 - 5.4,
        RURAL: open_area + 5.0,
        OPEN: open_area,
    }
    got = hata_cost231_db(
        d_km * 1000.0, freq_mhz=f, h_base_m=hb, h_mobile_m=hm, clutter=list(expected)
    )
    assert got.tolist() == pytest.approx(list(expected.values()), abs=1e-9)


@pytest.mark.parametrize("f", BANDS_MHZ)
@pytest.mark.parametrize("d_m", [1000.0, 3000.0, 10000.0])
def test_clutter_order_urban_suburban_rural_open(f, d_m):
    loss = hata_cost231_db(d_m, freq_mhz=f, h_base_m=30.0, clutter=CLUTTERS)
    assert loss[0] > loss[1] > loss[2] > loss[3]


@given(
    d1=st.floats(1.0, 100_000.0),
    d2=st.floats(1.0, 100_000.0),
    f=st.floats(150.0, 2000.0),
    hb=st.floats(5.0, 200.0),
    hm=st.floats(1.0, 10.0),
    clutter=st.sampled_from(CLUTTERS),
)
def test_hata_is_monotonic_in_distance(d1, d2, f, hb, hm, clutter):
    near, far = sorted((d1, d2))
    loss = hata_cost231_db([near, far], freq_mhz=f, h_base_m=hb, h_mobile_m=hm, clutter=clutter)
    assert loss[0] <= loss[1]


def test_hata_clamps_short_distances_and_floors_at_free_space():
    def loss(d_m, **kw):
        return hata_cost231_db(d_m, freq_mhz=900.0, h_base_m=30.0, clutter=OPEN, **kw)

    assert float(loss(5.0)) == float(loss(20.0))
    # The open-area formula falls below free space near the mast; the floor stops it.
    raw = float(loss(50.0, free_space_floor=False))
    assert raw < float(free_space_loss_db(50.0, 900.0))
    assert float(loss(50.0)) == pytest.approx(float(free_space_loss_db(50.0, 900.0)))


def test_hata_broadcasts_and_passes_nan_through():
    d = np.array([[500.0], [2000.0], [np.nan]])
    got = hata_cost231_db(d, freq_mhz=[900.0, 1800.0], h_base_m=30.0, clutter=RURAL)
    assert got.shape == (3, 2)
    assert got.dtype == np.float64
    assert np.isnan(got[2]).all()
    assert np.isfinite(got[:2]).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"freq_mhz": 3.5}, "freq_mhz"),  # GHz by mistake
        ({"freq_mhz": 2100.0}, "freq_mhz"),  # above COST-231's 2000 MHz: TR 38.901's
        ({"freq_mhz": 6000.0}, "freq_mhz"),
        ({"h_base_m": 0.0}, "h_base_m"),
        ({"h_mobile_m": -1.5}, "h_mobile_m"),
        ({"clutter": 7}, "clutter"),
    ],
)
def test_hata_rejects_bad_input(kwargs, match):
    args = {"freq_mhz": 1800.0, "h_base_m": 30.0, "clutter": URBAN} | kwargs
    with pytest.raises(ValueError, match=match):
        hata_cost231_db(1000.0, **args)


# --- free space ----------------------------------------------------------------------------


def test_free_space_value():
    # 1 km at 1800 MHz: 32.44 + 20 log10(1800) = 97.55 dB.
    assert float(free_space_loss_db(1000.0, 1800.0)) == pytest.approx(97.5455, abs=1e-4)


@given(d=st.floats(1.0, 1e6), f=st.floats(1.0, 1e5))
def test_free_space_doubling_distance_adds_6_db(d, f):
    diff = free_space_loss_db(2 * d, f) - free_space_loss_db(d, f)
    assert float(diff) == pytest.approx(20 * math.log10(2), abs=1e-9)


# --- knife edge ----------------------------------------------------------------------------


def fresnel_knife_edge_db(v: float) -> float:
    """Exact knife-edge loss from the Fresnel integrals (P.526 eq. 26), numerically."""
    t = np.linspace(0.0, v, 100_001)
    c = np.trapezoid(np.cos(np.pi * t**2 / 2), t)
    s = np.trapezoid(np.sin(np.pi * t**2 / 2), t)
    return float(-20 * np.log10(math.hypot(1 - c - s, c - s) / 2))


def test_knife_edge_published_values():
    # P.526: 6.02 dB at grazing incidence (v = 0), 13.9 dB at v = 1 (Fig. 9).
    assert float(knife_edge_loss_db(0.0)) == pytest.approx(6.02, abs=0.05)
    assert float(knife_edge_loss_db(1.0)) == pytest.approx(13.9, abs=0.1)
    assert fresnel_knife_edge_db(0.0) == pytest.approx(6.0206, abs=1e-3)
    assert fresnel_knife_edge_db(1.0) == pytest.approx(13.86, abs=0.01)


def test_knife_edge_zero_below_minus_078():
    got = knife_edge_loss_db([-0.78, -1.0, -50.0, -np.inf])
    assert got.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert np.isnan(knife_edge_loss_db(np.nan))


@pytest.mark.parametrize("v", [-0.7, -0.3, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0])
def test_knife_edge_matches_fresnel_integrals(v):
    assert float(knife_edge_loss_db(v)) == pytest.approx(fresnel_knife_edge_db(v), abs=0.15)


def test_knife_edge_is_continuous_and_increasing():
    v = np.linspace(-0.78, 10.0, 1001)
    loss = knife_edge_loss_db(v)
    assert loss[0] == pytest.approx(0.0, abs=0.01)
    assert np.all(np.diff(loss) > 0)


# --- terrain -------------------------------------------------------------------------------

#: 10 x 10 cells of 100 m, upper-left corner at (0, 1000): cell (row, col) covers
#: x in [100 col, 100 col + 100), y in (1000 - 100 row - 100, 1000 - 100 row].
TRANSFORM = Affine(100.0, 0.0, 0.0, 0.0, -100.0, 1000.0)
FREQ_MHZ = 1800.0


@pytest.fixture
def ridge() -> np.ndarray:
    """A 10x10 elevation raster (m): flat at 0 m with a 200 m ridge along column 5.

    The ridge spans x = 500-600 m from north to south, so every profile from the west
    half to the east half crosses it.
    """
    elevation = np.zeros((10, 10))
    elevation[:, 5] = 200.0
    return elevation


@pytest.fixture
def tower() -> np.ndarray:
    """A 10x10 elevation raster (m): flat at 0 m with one 200 m block at row 2, col 5.

    Row 2 is in the *north* half (y = 700-800 m), col 5 at x = 500-600 m: a profile
    along y = 750 m crosses it, one along y = 250 m (row 7) does not. Swapping rows and
    columns, or flipping the raster upside down, moves the block off the first profile.
    """
    elevation = np.zeros((10, 10))
    elevation[2, 5] = 200.0
    return elevation


def diffraction(elevation, site_xy, points_xy, **kwargs):
    args = {"elevation": elevation, "transform": TRANSFORM, "freq_mhz": FREQ_MHZ} | kwargs
    return terrain_diffraction_db(site_xy, 0.0, 30.0, points_xy, 0.0, 1.5, **args)


def los(elevation, site_xy, points_xy, **kwargs):
    args = {"elevation": elevation, "transform": TRANSFORM} | kwargs
    return line_of_sight(site_xy, 0.0, 30.0, points_xy, 0.0, 1.5, **args)


def test_point_behind_ridge_loses_more_than_10_db(ridge):
    points = np.array([[950.0, 250.0], [350.0, 250.0], [350.0, 950.0]])
    loss = diffraction(ridge, (50.0, 250.0), points)
    assert loss.shape == (3,)
    assert loss[0] >= 10.0
    assert loss[1:].tolist() == [0.0, 0.0]
    assert los(ridge, (50.0, 250.0), points).tolist() == [False, True, True]


def test_ridge_loss_matches_hand_computed_knife_edge(ridge):
    # Samples t = k/65 of the 900 m profile fall on the ridge (x 500-600) for k = 33..39.
    d, samples = 900.0, 64
    t = np.arange(33, 40) / (samples + 1)
    d1, d2 = t * d, (1 - t) * d
    ray = 30.0 + t * (1.5 - 30.0)
    bulge = d1 * d2 / (2 * 4 / 3 * 6_371_000.0)
    wavelength = 299_792_458.0 / (FREQ_MHZ * 1e6)
    v = (200.0 + bulge - ray) * np.sqrt(2 * d / (wavelength * d1 * d2))
    expected = float(knife_edge_loss_db(v.max()))
    got = diffraction(ridge, (50.0, 250.0), [[950.0, 250.0]], samples=samples, method="single")
    assert got[0] == pytest.approx(expected, rel=1e-12)
    assert 40.0 < expected < 50.0
    # Deygout adds the ridge's other side (a 100 m thick block) as a sub-edge.
    deygout = diffraction(ridge, (50.0, 250.0), [[950.0, 250.0]], samples=samples)
    assert deygout[0] > expected


def test_raster_rows_are_north_up_and_not_swapped(tower):
    north = diffraction(tower, (50.0, 750.0), [[950.0, 750.0]])
    south = diffraction(tower, (50.0, 250.0), [[950.0, 250.0]])
    assert north[0] >= 10.0
    assert south[0] == 0.0
    # The cell lookup is the inverse of `transform @ (col, row)`.
    x, y = TRANSFORM @ (5.5, 2.5)
    assert (x, y) == (550.0, 750.0)


def test_nodata_and_nan_are_no_obstacle(ridge):
    points = [[950.0, 250.0]]
    nan_ridge = np.where(ridge > 0, np.nan, ridge)
    assert diffraction(nan_ridge, (50.0, 250.0), points).tolist() == [0.0]
    flagged = np.where(ridge > 0, -9999.0, ridge)
    assert diffraction(flagged, (50.0, 250.0), points, nodata=-9999.0).tolist() == [0.0]
    assert los(flagged, (50.0, 250.0), points, nodata=-9999.0).tolist() == [True]
    # The caller's raster is not modified.
    assert (flagged == -9999.0).sum() == 10


def test_points_outside_the_raster_and_on_the_site(tower):
    points = [[5000.0, 250.0], [50.0, 250.0]]
    assert diffraction(tower, (50.0, 250.0), points).tolist() == [0.0, 0.0]
    assert los(tower, (50.0, 250.0), points).tolist() == [True, True]


def test_earth_bulge_blocks_long_low_paths():
    # Flat sea-level strip of 60 cells of 1 km; 10 m masts at both ends.
    strip = np.zeros((1, 60))
    transform = Affine(1000.0, 0.0, 0.0, 0.0, -1000.0, 1000.0)
    site, points = (0.0, 500.0), [[10_000.0, 500.0], [40_000.0, 500.0]]

    def clear(**kw):
        args = {"elevation": strip, "transform": transform} | kw
        return line_of_sight(site, 0.0, 10.0, points, 0.0, 10.0, **args).tolist()

    # Bulge at mid-path d²/(8 k R): 1.5 m at 10 km, 23.5 m at 40 km.
    assert clear() == [True, False]
    assert clear(k_factor=1e6) == [True, True]


def test_fresnel_clearance_and_partial_obstruction(ridge):
    # A 28 m ridge under a level ray at 30 m: 2 m clearance, 0.6 F1 = 3.7 m at 1800 MHz.
    low = np.where(ridge > 0, 28.0, 0.0)
    site, points = (50.0, 250.0), [[950.0, 250.0]]
    args = {"elevation": low, "transform": TRANSFORM}
    assert line_of_sight(site, 0.0, 30.0, points, 0.0, 30.0, **args).tolist() == [True]
    fresnel = line_of_sight(
        site, 0.0, 30.0, points, 0.0, 30.0, **args, freq_mhz=FREQ_MHZ, fresnel_fraction=0.6
    )
    assert fresnel.tolist() == [False]
    with pytest.raises(ValueError, match="freq_mhz"):
        line_of_sight(site, 0.0, 30.0, points, 0.0, 30.0, **args, fresnel_fraction=0.6)
    diff = {"elevation": low, "transform": TRANSFORM, "freq_mhz": FREQ_MHZ}
    assert terrain_diffraction_db(site, 0.0, 30.0, points, 0.0, 30.0, **diff)[0] == 0.0
    partial = terrain_diffraction_db(
        site, 0.0, 30.0, points, 0.0, 30.0, **diff, partial_obstruction=True
    )
    assert 0.0 < partial[0] < 6.03


def test_terrain_rejects_bad_shapes(ridge):
    with pytest.raises(ValueError, match="points_xy"):
        diffraction(ridge, (50.0, 250.0), [950.0, 250.0])
    with pytest.raises(ValueError, match="site_xy"):
        diffraction(ridge, [(50.0, 250.0)] * 2, [[950.0, 250.0]])
    with pytest.raises(ValueError, match="samples"):
        diffraction(ridge, (50.0, 250.0), [[950.0, 250.0]], samples=0)


# --- antenna -------------------------------------------------------------------------------


def test_bearing_convention():
    got = bearing_deg([0.0, 1.0, 0.0, -1.0, 1.0, 0.0], [1.0, 0.0, -1.0, 0.0, 1.0, 0.0])
    assert got.tolist() == [0.0, 90.0, 180.0, 270.0, 45.0, 0.0]
    assert 0.0 <= float(bearing_deg(-1e-300, 1.0)) < 360.0


def test_sector_gain_toward_away_and_half_power():
    gain = sector_gain_db([0.0, 32.5, -32.5, 180.0, 90.0], [0.0])
    assert gain[0] == 0.0
    assert gain[1] == pytest.approx(-3.0)
    assert gain[2] == pytest.approx(-3.0)
    assert gain[3] <= -20.0
    assert gain[4] <= -20.0


def test_sector_gain_best_of_three_sectors_and_wraparound():
    gain = sector_gain_db([0.0, 60.0, 120.0, 180.0, 240.0, 300.0], [0.0, 120.0, 240.0])
    assert gain[[0, 2, 4]].tolist() == [0.0, 0.0, 0.0]
    assert gain[[1, 3, 5]] == pytest.approx([-12 * (60 / 65) ** 2] * 3)
    assert float(sector_gain_db(10.0, [350.0])) == pytest.approx(-12 * (20 / 65) ** 2)


@pytest.mark.parametrize("azimuths", [None, []])
def test_omni_site_is_0_db(azimuths):
    assert sector_gain_db([0.0, 123.0, 359.0], azimuths).tolist() == [0.0, 0.0, 0.0]


@given(
    bearing=st.floats(-720.0, 720.0),
    azimuths=st.lists(st.floats(0.0, 360.0), min_size=1, max_size=6),
)
def test_sector_gain_bounds(bearing, azimuths):
    gain = float(sector_gain_db(bearing, azimuths, front_to_back_db=25.0))
    assert -25.0 <= gain <= 0.0


# --- received power and defaults -----------------------------------------------------------


def test_rsrp_is_the_budget_written_out():
    # The old budget spread the total EIRP (61 dBm) over 12 x 100 subcarriers; RSRP is
    # per port: 3.01 dB less with 2 ports.
    got = rsrp_dbm(
        tx_power_dbm=46.0,
        ports=2,
        n_rb=100,
        antenna_gain_dbi=18.0,
        feeder_loss_db=3.0,
        path_loss_db=120.0,
        pattern_db=-3.0,
    )
    assert float(got) == pytest.approx(61.0 - 3.0103 - 30.7918 - 120.0 - 3.0, abs=1e-3)
    assert float(re_eirp_dbm(61.0, ports=2, n_rb=100)) - 120.0 - 3.0 == pytest.approx(float(got))


def test_rsrp_broadcasts_over_path_loss():
    loss = np.array([100.0, 110.0, 120.0])
    got = rsrp_dbm(
        tx_power_dbm=53.0,
        ports=1,
        n_rb=273,
        antenna_gain_dbi=20.0,
        feeder_loss_db=1.0,
        path_loss_db=loss,
    )
    assert got.tolist() == pytest.approx((72.0 - 10 * math.log10(12 * 273) - loss).tolist())


@pytest.mark.parametrize(("ports", "n_rb"), [(0, 100), (2, 0)])
def test_rsrp_rejects_bad_input(ports, n_rb):
    with pytest.raises(ValueError, match="`ports` and `n_rb`"):
        rsrp_dbm(
            tx_power_dbm=46.0,
            ports=ports,
            n_rb=n_rb,
            antenna_gain_dbi=18.0,
            feeder_loss_db=3.0,
            path_loss_db=120.0,
        )


def test_resource_blocks_tables():
    # TS 36.101 Table 5.6-1 (LTE), TS 38.101-1 Table 5.3.2-1 (NR FR1).
    lte = resource_blocks([1.4, 3, 5, 10, 15, 20])
    assert lte.tolist() == [6, 15, 25, 50, 75, 100]
    nr30 = resource_blocks([5, 10, 20, 40, 100], tech="5G", scs_khz=30.0)
    assert nr30.tolist() == [11, 24, 51, 106, 273]
    nr15 = resource_blocks([5, 20, 50], tech="5G", scs_khz=15.0)
    assert nr15.tolist() == [25, 106, 270]
    assert resource_blocks(0.2, tech="2G").tolist() == 1
    assert resource_blocks(5.0, tech="3G").tolist() == 25
    with pytest.raises(ValueError, match="unknown 4G channel bandwidth"):
        resource_blocks(100.0)  # LTE has no 100 MHz carrier
    with pytest.raises(ValueError, match="scs_khz"):
        resource_blocks(100.0, tech="5G", scs_khz=120.0)


def test_tech_defaults_are_consistent():
    assert set(TECH_DEFAULTS) == {"2G", "3G", "4G", "5G"}
    for tech, defaults in TECH_DEFAULTS.items():
        scs = defaults.scs_khz or 30.0
        assert int(resource_blocks(defaults.bandwidth_mhz, tech=tech, scs_khz=scs)) == defaults.n_rb
        assert defaults.height_m == 30.0
        assert FREQ_RANGE_MHZ[0] <= defaults.band_mhz <= FREQ_RANGE_MHZ[1]
        assert defaults.source
    lte = TECH_DEFAULTS["4G"]
    assert (lte.tx_power_dbm, lte.ports, lte.eirp_dbm) == (46.0, 2, 61.0)
    assert lte.re_power_dbm == pytest.approx(12.198, abs=1e-3)
    assert TECH_DEFAULTS["5G"].ports == 1  # the SS/PBCH block: one port
    with pytest.raises(dataclasses.FrozenInstanceError):
        TECH_DEFAULTS["4G"].tx_power_dbm = 70.0  # type: ignore[misc]


def test_4g_default_reach_is_plausible():
    # A 30 m 4G site with the defaults has a median RSRP of -110 dBm at 0.5-2 km in a
    # city centre and 4-15 km in rural land: the order of magnitude of LTE-1800 cells.
    lte = TECH_DEFAULTS["4G"]
    d = np.geomspace(100.0, 50_000.0, 2000)
    reach = {}
    for clutter in CLUTTERS:
        loss = hata_cost231_db(d, freq_mhz=lte.band_mhz, h_base_m=lte.height_m, clutter=clutter)
        rsrp = rsrp_dbm(
            tx_power_dbm=lte.tx_power_dbm,
            ports=lte.ports,
            n_rb=lte.n_rb,
            antenna_gain_dbi=lte.antenna_gain_dbi,
            feeder_loss_db=lte.feeder_loss_db,
            path_loss_db=loss,
        )
        reach[clutter] = d[rsrp >= -110.0].max()
    assert 500.0 < reach[URBAN] < 2000.0
    assert 4000.0 < reach[RURAL] < 15_000.0
    assert reach[URBAN] < reach[SUBURBAN] < reach[RURAL] < reach[OPEN]
