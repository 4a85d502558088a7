"""Mobile coverage on hand-built sites with known answers, and its laws.

Without a density raster every receiver is rural: the outdoor rule asks a median RSRP of
-110 dBm + 8 dB x Φ⁻¹(0.9) = -99.75 dBm (TR 38.901 RMa NLOS σ, 90 % of locations).
"""

from __future__ import annotations

from statistics import NormalDist

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage import pathloss
from coverage.mobile import best_signal, coverage_grid
from coverage.settings import CoverageSettings
from geodata import LayerValidationError
from geodata.raster import Grid

CRS = 32649
X0, Y0 = 600_000.0, 1_550_000.0


def sites(*rows: tuple[float, float, str, str], azimuths: str | None = None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": [f"S{i}" for i in range(len(rows))],
            "operator": [r[2] for r in rows],
            "tech": [r[3] for r in rows],
            "height_m": [30.0] * len(rows),
            "azimuths_deg": [azimuths] * len(rows),
        },
        geometry=[shapely.Point(X0 + r[0], Y0 + r[1]) for r in rows],
        crs=CRS,
    )


#: The outdoor rule's margin in rural clutter: 8 dB x 1.2816 = 10.25 dB.
RURAL_MARGIN_DB = 8.0 * NormalDist().inv_cdf(0.9)


def expected_rsrp(distance_m: float, clutter: int = pathloss.RURAL) -> float:
    """The oracle: the model's formula evaluated by hand for a default 4G site.

    61 dBm EIRP over 2 ports and 100 RB: 61 - 3.01 - 30.79 = 27.20 dBm per resource
    element, minus the COST-231 Hata loss.
    """
    loss = float(
        pathloss.hata_cost231_db(
            distance_m, freq_mhz=1800.0, h_base_m=30.0, h_mobile_m=1.5, clutter=clutter
        )
    )
    return 61.0 - 10 * np.log10(2) - 10 * np.log10(1200) - loss


def test_signal_matches_the_formula_and_the_threshold() -> None:
    net = sites((0.0, 0.0, "Viettel", "2G,4G"))
    pts = np.array([[X0 + 1000.0, Y0], [X0, Y0 + 3000.0], [X0 + 30_000.0, Y0]])
    result = best_signal(net, pts, tech="4G")
    assert result.rsrp_dbm["Viettel"].iloc[0] == pytest.approx(expected_rsrp(1000.0))
    assert result.rsrp_dbm["Viettel"].iloc[1] == pytest.approx(expected_rsrp(3000.0))
    covered = [expected_rsrp(d) >= -110.0 + RURAL_MARGIN_DB for d in (1000.0, 3000.0, 30_000.0)]
    assert covered == [True, True, False]
    assert result.covered.tolist() == covered
    assert result.required_dbm.tolist() == pytest.approx([-110.0 + RURAL_MARGIN_DB] * 3)
    assert result.covered_by.iloc[0] == "Viettel"


def test_threshold_setting_decides() -> None:
    net = sites((0.0, 0.0, "VNPT", "4G"))
    d = 6000.0
    value = expected_rsrp(d) - RURAL_MARGIN_DB  # the threshold the median just meets
    pts = np.array([[X0 + d, Y0]])
    just_below = CoverageSettings(min_rsrp_dbm={"4G": value - 0.01})
    just_above = CoverageSettings(min_rsrp_dbm={"4G": value + 0.01})
    assert best_signal(net, pts, tech="4G", settings=just_below).covered.iloc[0]
    assert not best_signal(net, pts, tech="4G", settings=just_above).covered.iloc[0]


def test_only_sites_with_the_technology_count() -> None:
    net = sites((0.0, 0.0, "MobiFone", "2G,3G"))
    result = best_signal(net, np.array([[X0 + 100.0, Y0]]), tech="4G")
    assert not result.covered.iloc[0]


def test_sector_antennas_facing_away() -> None:
    toward = sites((0.0, 0.0, "Viettel", "4G"), azimuths="90")  # east
    away = sites((0.0, 0.0, "Viettel", "4G"), azimuths="270")  # west
    pts = np.array([[X0 + 2000.0, Y0]])  # east of the site
    a = best_signal(toward, pts, tech="4G").rsrp_dbm["Viettel"].iloc[0]
    b = best_signal(away, pts, tech="4G").rsrp_dbm["Viettel"].iloc[0]
    assert a == pytest.approx(expected_rsrp(2000.0))
    assert a - b == pytest.approx(25.0)


def test_ridge_blocks_the_signal() -> None:
    """A 10 x 10 raster of 500 m pixels, flat at 0 m with a 400 m ridge in column 5."""
    array = np.zeros((10, 10))
    array[:, 5] = 400.0
    transform = Affine(500.0, 0.0, X0 - 250.0, 0.0, -500.0, Y0 + 2500.0)
    dem = Grid(array=array, transform=transform, crs=gpd.GeoSeries(crs=CRS).crs)
    net = sites((0.0, 0.0, "Viettel", "4G"))
    behind = np.array([[X0 + 3000.0, Y0]])  # east, past the ridge at x = X0 + 2500
    beside = np.array([[X0 + 1000.0, Y0]])  # before the ridge
    flat = best_signal(net, behind, tech="4G").rsrp_dbm["Viettel"].iloc[0]
    blocked = best_signal(net, behind, tech="4G", elevation=dem).rsrp_dbm["Viettel"].iloc[0]
    assert flat - blocked >= 10.0
    clear = best_signal(net, beside, tech="4G", elevation=dem).rsrp_dbm["Viettel"].iloc[0]
    assert clear == pytest.approx(expected_rsrp(1000.0))


def test_density_sets_the_clutter() -> None:
    array = np.full((4, 4), 5000.0)  # urban everywhere
    transform = Affine(1000.0, 0.0, X0 - 2000.0, 0.0, -1000.0, Y0 + 2000.0)
    density = Grid(array=array, transform=transform, crs=gpd.GeoSeries(crs=CRS).crs)
    net = sites((0.0, 0.0, "Viettel", "4G"))
    pts = np.array([[X0 + 400.0, Y0]])
    result = best_signal(net, pts, tech="4G", density=density)
    assert result.rsrp_dbm["Viettel"].iloc[0] == pytest.approx(expected_rsrp(400.0, pathloss.URBAN))
    # Urban shadowing: TR 38.901 UMa NLOS σ = 6 dB, 6 x 1.2816 = 7.69 dB over -110 dBm.
    assert result.required_dbm.iloc[0] == pytest.approx(-110.0 + 6.0 * NormalDist().inv_cdf(0.9))


def test_coverage_grid_shape_and_values() -> None:
    net = sites((0.0, 0.0, "Viettel", "4G"))
    grid = coverage_grid(
        net,
        tech="4G",
        operator="Viettel",
        bounds=(X0 - 5000, Y0 - 5000, X0 + 5000, Y0 + 5000),
        resolution_m=1000.0,
    )
    assert grid.array.shape == (10, 10)
    centre = grid.array[4, 5]  # pixel whose centre is (X0 + 500, Y0 + 500)
    assert centre == pytest.approx(expected_rsrp(float(np.hypot(500, 500))))


coords = st.tuples(st.floats(-8000, 8000), st.floats(-8000, 8000))


@settings(max_examples=40, deadline=None)
@given(
    site_xy=st.lists(coords, max_size=4),
    extra=coords,
    point_xy=st.lists(coords, min_size=1, max_size=20),
)
def test_adding_a_site_never_reduces_coverage(
    site_xy: list[tuple[float, float]],
    extra: tuple[float, float],
    point_xy: list[tuple[float, float]],
) -> None:
    pts = np.array([[X0 + x, Y0 + y] for x, y in point_xy])
    before_sites = sites(*[(x, y, "Viettel", "4G") for x, y in site_xy])
    after_sites = sites(*[(x, y, "Viettel", "4G") for x, y in [*site_xy, extra]])
    before = best_signal(before_sites if site_xy else None, pts, tech="4G")
    after = best_signal(after_sites, pts, tech="4G")
    assert (after.covered | ~before.covered).all()
    assert (after.indoor_covered | ~before.indoor_covered).all()
    assert (after.best_rsrp_dbm >= before.best_rsrp_dbm).all()
    # The same with a 2600 MHz (TR 38.901) site added to the network.
    band7 = sites((extra[0], extra[1], "Viettel", "4G"))
    band7["band_mhz"] = 2600.0
    mixed = gpd.GeoDataFrame(gpd.pd.concat([after_sites, band7], ignore_index=True), crs=CRS)
    with_band7 = best_signal(mixed, pts, tech="4G")
    assert (with_band7.covered | ~after.covered).all()
    assert (with_band7.indoor_covered | ~after.indoor_covered).all()


@settings(max_examples=25, deadline=None)
@given(
    site_xy=st.lists(coords, min_size=1, max_size=5),
    point_xy=st.lists(coords, min_size=2, max_size=20),
    seed=st.integers(0, 999),
)
def test_results_do_not_depend_on_site_order(
    site_xy: list[tuple[float, float]], point_xy: list[tuple[float, float]], seed: int
) -> None:
    pts = np.array([[X0 + x, Y0 + y] for x, y in point_xy])
    net = sites(*[(x, y, op, "4G") for (x, y), op in zip(site_xy, ["A", "B"] * 3, strict=False)])
    order = np.random.default_rng(seed).permutation(len(net))
    a = best_signal(net, pts, tech="4G")
    b = best_signal(net.iloc[order], pts, tech="4G")
    assert a.covered_by.equals(b.covered_by)
    np.testing.assert_allclose(a.rsrp_dbm.to_numpy(), b.rsrp_dbm.to_numpy())


def test_elevation_in_degrees_is_reprojected_before_profiles() -> None:
    """The same ridge given in EPSG:4326 blocks the same point as in metres."""
    from coverage.grid import reproject_grid

    array = np.zeros((10, 10))
    array[:, 5] = 400.0
    transform = Affine(500.0, 0.0, X0 - 250.0, 0.0, -500.0, Y0 + 2500.0)
    metric = Grid(array=array, transform=transform, crs=gpd.GeoSeries(crs=CRS).crs)
    degrees = reproject_grid(metric, gpd.GeoSeries(crs=4326).crs)
    assert degrees.crs.to_epsg() == 4326
    net = sites((0.0, 0.0, "Viettel", "4G"))
    behind = np.array([[X0 + 3000.0, Y0]])
    flat = best_signal(net, behind, tech="4G").rsrp_dbm["Viettel"].iloc[0]
    blocked = best_signal(net, behind, tech="4G", elevation=degrees).rsrp_dbm["Viettel"].iloc[0]
    assert flat - blocked >= 10.0


# --- no silent fallbacks (issue 12, item 7) -------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("azimuths_deg", "north", "'north' is not a list of sector azimuths"),
        ("azimuths_deg", "0,120,400", "'0,120,400' is not a list of sector azimuths"),
        ("height_m", 0.0, "0.0 is not a positive number"),
        ("height_m", "tall", "'tall' is not a positive number"),
        ("band_mhz", -1800.0, "-1800.0 is not a positive number"),
        ("band_mhz", 3.5, "3.5 MHz is outside 150-6000 MHz"),
        ("eirp_dbm", "high", "'high' is not a number"),
    ],
)
def test_unreadable_radio_values_are_refused(column: str, value: object, message: str) -> None:
    net = sites((0.0, 0.0, "Viettel", "4G"), (500.0, 0.0, "Viettel", "4G"))
    net[column] = net[column].astype(object) if column in net else None
    net.loc[1, column] = value
    with pytest.raises(LayerValidationError) as info:
        best_signal(net, np.array([[X0 + 100.0, Y0]]), tech="4G")
    report = str(info.value)
    assert f"id 'S1', column '{column}': {message}" in report
    assert "Fix:" in report
    assert "'S0'" not in report  # the good site is not blamed


def test_missing_radio_values_take_the_documented_defaults() -> None:
    explicit = sites((0.0, 0.0, "Viettel", "4G"), azimuths="90")
    explicit["band_mhz"] = 1800.0
    explicit["eirp_dbm"] = 61.0
    missing = explicit.copy()
    missing["height_m"] = np.nan
    missing["band_mhz"] = None
    missing["eirp_dbm"] = ""
    pts = np.array([[X0 + 2000.0, Y0]])
    a = best_signal(explicit, pts, tech="4G").rsrp_dbm["Viettel"].iloc[0]
    b = best_signal(missing, pts, tech="4G").rsrp_dbm["Viettel"].iloc[0]
    assert a == b == pytest.approx(expected_rsrp(2000.0))
    omni = explicit.assign(azimuths_deg=None)
    behind = np.array([[X0 - 2000.0, Y0]])  # behind the east-facing sector
    assert best_signal(omni, behind, tech="4G").rsrp_dbm["Viettel"].iloc[0] == pytest.approx(a)


# --- the location probability and the indoor indicator ---------------------------------------


def test_indoor_indicator_subtracts_the_building_entry_loss() -> None:
    net = sites((0.0, 0.0, "Viettel", "4G"))
    pts = np.array([[X0 + 500.0, Y0], [X0 + 1500.0, Y0]])
    result = best_signal(net, pts, tech="4G")
    outdoor = result.rsrp_dbm["Viettel"].to_numpy()
    indoor = result.indoor_rsrp_dbm["Viettel"].to_numpy()
    # TR 38.901 O2I low-loss at 1.8 GHz, rural (RMa indoor distance): 13.3139 dB.
    np.testing.assert_allclose(outdoor - indoor, 13.3139, atol=1e-4)
    # -110 + sqrt(8² + 4.4²) x 1.28155 = -110 + 11.7008
    assert result.indoor_required_dbm.tolist() == pytest.approx([-98.2992] * 2, abs=1e-4)
    assert result.indoor_covered.tolist() == (indoor >= -98.2992).tolist()
    assert (result.covered | ~result.indoor_covered).all()  # indoor only where outdoor


def test_tr38901_sites_in_the_engine() -> None:
    net = sites((0.0, 0.0, "Viettel", "5G"))
    pts = np.array([[X0 + 800.0, Y0]])
    got = best_signal(net, pts, tech="5G").rsrp_dbm["Viettel"].iloc[0]
    loss = float(
        pathloss.path_loss_db(800.0, freq_mhz=2600.0, h_base_m=30.0, clutter=pathloss.RURAL)
    )
    # 72 dBm EIRP on the SS/PBCH block's one port, 273 RB at 30 kHz.
    assert got == pytest.approx(72.0 - 10 * np.log10(12 * 273) - loss)


small = st.floats(-6000, 6000)


@settings(max_examples=30, deadline=None)
@given(
    site_xy=st.lists(st.tuples(small, small), min_size=1, max_size=4),
    point_xy=st.lists(st.tuples(small, small), min_size=1, max_size=15),
    sigma=st.floats(0.0, 12.0),
    extra=st.floats(0.0, 6.0),
    p=st.floats(0.5, 0.999),
    tech=st.sampled_from(["4G", "5G"]),
)
def test_a_larger_margin_never_adds_coverage(
    site_xy: list[tuple[float, float]],
    point_xy: list[tuple[float, float]],
    sigma: float,
    extra: float,
    p: float,
    tech: str,
) -> None:
    net = sites(*[(x, y, "Viettel", tech) for x, y in site_xy])
    pts = np.array([[X0 + x, Y0 + y] for x, y in point_xy])

    def rules(s: float) -> CoverageSettings:
        return CoverageSettings(
            location_probability=p,
            indoor_location_probability=p,
            shadowing_sigma_db=dict.fromkeys(("urban", "suburban", "rural", "open"), s),
        )

    small_margin = best_signal(net, pts, tech=tech, settings=rules(sigma))
    large_margin = best_signal(net, pts, tech=tech, settings=rules(sigma + extra))
    assert (small_margin.covered | ~large_margin.covered).all()
    assert (small_margin.indoor_covered | ~large_margin.indoor_covered).all()


@settings(max_examples=30, deadline=None)
@given(
    site_xy=st.lists(st.tuples(small, small), min_size=1, max_size=4),
    point_xy=st.lists(st.tuples(small, small), min_size=1, max_size=15),
    p1=st.floats(0.01, 0.99),
    p2=st.floats(0.01, 0.99),
)
def test_a_higher_location_probability_never_adds_coverage(
    site_xy: list[tuple[float, float]],
    point_xy: list[tuple[float, float]],
    p1: float,
    p2: float,
) -> None:
    low, high = sorted((p1, p2))
    net = sites(*[(x, y, op, "4G") for (x, y), op in zip(site_xy, ["A", "B"] * 2, strict=False)])
    pts = np.array([[X0 + x, Y0 + y] for x, y in point_xy])
    lenient = best_signal(
        net, pts, tech="4G",
        settings=CoverageSettings(location_probability=low, indoor_location_probability=low),
    )  # fmt: skip
    strict = best_signal(
        net, pts, tech="4G",
        settings=CoverageSettings(location_probability=high, indoor_location_probability=high),
    )  # fmt: skip
    assert (lenient.covered | ~strict.covered).all()
    assert (lenient.indoor_covered | ~strict.indoor_covered).all()
    for op in lenient.rsrp_dbm.columns:  # per operator too
        assert all(
            op in a.split(",") or op not in b.split(",")
            for a, b in zip(lenient.covered_by, strict.covered_by, strict=True)
        )


# --- terrain: effective height, outside the raster (issue 12, item 5) -----------------------


def expected_rsrp_at(distance_m: float, h_base_m: float) -> float:
    """As :func:`expected_rsrp`, with the base height the effective height gives."""
    loss = float(
        pathloss.hata_cost231_db(
            distance_m, freq_mhz=1800.0, h_base_m=h_base_m, h_mobile_m=1.5, clutter=pathloss.RURAL
        )
    )
    return 61.0 - 10 * np.log10(2) - 10 * np.log10(1200) - loss


def ridge_dem(x_from: float) -> Grid:
    """250 m cells from ``X0 + x_from`` eastwards (2.5 km), 0 m, a 200 m ridge in column 5."""
    array = np.zeros((10, 10))
    array[:, 5] = 200.0
    transform = Affine(250.0, 0.0, X0 + x_from, 0.0, -250.0, Y0 + 1250.0)
    return Grid(array=array, transform=transform, crs=gpd.GeoSeries(crs=CRS).crs)


def test_site_on_a_plateau_gets_its_height_above_the_plain() -> None:
    # The site on a 100 m plateau 1 km wide, the plain at 0 m beyond; 100 m cells with
    # the site at the centre of column 0. To a point 6 km east, the mean terrain
    # between 1.2 and 6 km (P.1546 Annex 5 §3) is 0 m: h_eff = 100 + 30 = 130 m, and
    # the ray clears the plateau's edge (108.6 m above sea at 1 km), so no diffraction.
    array = np.where(np.arange(80) * 100.0 < 1000.0, 100.0, 0.0)[np.newaxis, :].repeat(3, 0)
    transform = Affine(100.0, 0.0, X0 - 50.0, 0.0, -100.0, Y0 + 150.0)
    dem = Grid(array=array, transform=transform, crs=gpd.GeoSeries(crs=CRS).crs)
    net = sites((0.0, 0.0, "Viettel", "4G"))
    pts = np.array([[X0 + 6000.0, Y0], [X0 + 500.0, Y0]])
    flat = best_signal(net, pts, tech="4G").rsrp_dbm["Viettel"]
    got = best_signal(net, pts, tech="4G", elevation=dem)
    # 6 km is beyond a 30 m mast's reach in rural clutter (-109.5 dBm), within a 130 m
    # one's (-97.4 dBm >= -99.75): the reach widens with the highest effective height.
    assert flat.iloc[0] == -np.inf
    assert got.rsrp_dbm["Viettel"].iloc[0] == pytest.approx(expected_rsrp_at(6000.0, 130.0))
    assert got.covered.iloc[0]
    # On the plateau itself (500 m): mean terrain 100 m, the mast height.
    assert got.rsrp_dbm["Viettel"].iloc[1] == pytest.approx(expected_rsrp_at(500.0, 30.0))
    assert got.terrain_outside == {"sites": [], "points": 0}


def test_site_outside_the_raster_gets_no_terrain_and_is_counted() -> None:
    # The raster starts 500 m east of the site: its ground is unknown, never 0 m.
    dem = ridge_dem(500.0)  # the ridge at x = X0 + 1750-2000
    net = sites((0.0, 0.0, "Viettel", "4G"))
    behind = np.array([[X0 + 2250.0, Y0]])
    flat = best_signal(net, behind, tech="4G")
    got = best_signal(net, behind, tech="4G", elevation=dem)
    assert got.rsrp_dbm["Viettel"].iloc[0] == flat.rsrp_dbm["Viettel"].iloc[0]
    assert got.rsrp_dbm["Viettel"].iloc[0] == pytest.approx(expected_rsrp(2250.0))
    assert got.terrain_outside == {"sites": ["S0"], "points": 0}
    # The same site on the raster is shadowed by the ridge.
    inside = best_signal(net, behind, tech="4G", elevation=ridge_dem(-125.0))
    assert inside.rsrp_dbm["Viettel"].iloc[0] < flat.rsrp_dbm["Viettel"].iloc[0] - 10.0
    assert inside.terrain_outside == {"sites": [], "points": 0}


def test_point_outside_the_raster_gets_no_terrain_and_is_counted() -> None:
    dem = ridge_dem(-125.0)  # x from X0 - 125 to X0 + 2375, the ridge at X0 + 1125-1375
    net = sites((0.0, 0.0, "Viettel", "4G"))
    pts = np.array([[X0 + 3000.0, Y0], [X0 + 2000.0, Y0]])  # outside; inside, shadowed
    flat = best_signal(net, pts, tech="4G").rsrp_dbm["Viettel"]
    got = best_signal(net, pts, tech="4G", elevation=dem)
    assert got.rsrp_dbm["Viettel"].iloc[0] == flat.iloc[0]
    assert got.rsrp_dbm["Viettel"].iloc[1] < flat.iloc[1] - 10.0
    assert got.terrain_outside == {"sites": [], "points": 1}
    assert best_signal(net, pts, tech="4G").terrain_outside == {}


@settings(max_examples=25, deadline=None)
@given(col=st.integers(1, 8), rise=st.floats(1.0, 300.0))
def test_raising_a_lone_ridge_never_adds_coverage(col: int, rise: float) -> None:
    # One ridge is the main edge alone, so raising it only adds loss (Deygout is not
    # monotone when a raised main edge lifts the chords of its sub-paths: docs/MODEL.md).
    base = np.zeros((3, 10))
    base[:, col] = 50.0
    raised = base.copy()
    raised[:, col] += rise
    transform = Affine(1000.0, 0.0, X0 - 500.0, 0.0, -1000.0, Y0 + 1500.0)

    def grid(a: np.ndarray) -> Grid:
        return Grid(array=a, transform=transform, crs=gpd.GeoSeries(crs=CRS).crs)

    net = sites((0.0, 0.0, "Viettel", "4G"))
    pts = np.column_stack([X0 + np.arange(500.0, 9500.0, 250.0), np.full(36, Y0)])
    low = best_signal(net, pts, tech="4G", elevation=grid(base))
    high = best_signal(net, pts, tech="4G", elevation=grid(raised))
    assert (high.rsrp_dbm["Viettel"] <= low.rsrp_dbm["Viettel"] + 1e-9).all()
    assert not (high.covered & ~low.covered).any()
