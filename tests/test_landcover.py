"""Land cover (issue 12 item 3): per-class clutter and vegetation loss, import, engine.

Known answers are computed by hand from ITU-R P.2108-1 §3.1, eqs. (2a)-(2g), with the
representative clutter heights of its Table 3 (trees/forest 15 m, open/rural 10 m) and
the default street width of 27 m.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import from_origin

from coverage import landcover
from coverage.engine import CoverageInputs, compute_coverage
from coverage.grid import reproject_grid, sample
from coverage.mobile import best_signal
from coverage.pathloss import OPEN, RURAL, SUBURBAN, URBAN, clutter_from_density
from coverage.settings import CoverageSettings
from geodata import InputError, Store, import_file
from geodata.errors import InputFileError
from geodata.raster import LAND_COVER_CLASSES, Grid, check_raster, grid_from_bytes

UTM = pyproj.CRS.from_epsg(32649)
X0, Y0 = 800_000.0, 1_550_000.0  # inside Bình Định, UTM 49N


# ------------------------------------------------------------------ the table (P.2108)


def hand_p2108(f_mhz: float, *, trees: bool, h: float = 1.5) -> float:
    """P.2108-1 §3.1 written out once more, with math, to check the vectorised code."""
    f = f_mhz / 1000.0
    if trees:
        r = 15.0
        h_dif = r - h  # (2d)
        theta = math.degrees(math.atan(h_dif / 27.0))  # (2e)
        nu = 0.342 * math.sqrt(f) * math.sqrt(h_dif * theta)  # (2g), (2c)
        j = 6.9 + 20.0 * math.log10(math.sqrt((nu - 0.1) ** 2 + 1.0) + nu - 0.1)
        return j - 6.03  # (2a)
    return -(21.8 + 6.2 * math.log10(f)) * math.log10(h / 10.0)  # (2f), (2b)


def test_p2108_terminal_loss_at_900_mhz_by_hand() -> None:
    # h_dif = 13.5 m, θ = atan(0.5) = 26.565°, ν = 0.342·√0.9·√(13.5·26.565) = 6.146,
    # J(ν) = 6.9 + 20 log10(√(6.046² + 1) + 6.046) = 28.606, A_h = 22.58 dB;
    # open/rural: K_h2 = 21.8 + 6.2 log10 0.9 = 21.516, A_h = 21.516 · 0.82391 = 17.73 dB.
    trees = landcover.p2108_terminal_loss_db(
        900.0, h_m=1.5, clutter_height_m=15.0, diffraction=True
    )
    rural = landcover.p2108_terminal_loss_db(
        900.0, h_m=1.5, clutter_height_m=10.0, diffraction=False
    )
    assert float(trees) == pytest.approx(22.58, abs=0.01)
    assert float(rural) == pytest.approx(17.73, abs=0.01)
    assert float(trees) == pytest.approx(hand_p2108(900.0, trees=True), abs=1e-9)
    assert float(rural) == pytest.approx(hand_p2108(900.0, trees=False), abs=1e-9)


@pytest.mark.parametrize(
    ("f_mhz", "expected_db"),
    [(700.0, 4.31), (900.0, 4.85), (1800.0, 6.33), (2100.0, 6.66), (2600.0, 7.12), (3500.0, 7.76)],
)
def test_vegetation_excess_is_trees_minus_open_rural(f_mhz: float, expected_db: float) -> None:
    got = float(landcover.vegetation_excess_db(f_mhz))
    hand = hand_p2108(f_mhz, trees=True) - hand_p2108(f_mhz, trees=False)
    assert got == pytest.approx(hand, abs=1e-9)
    assert got == pytest.approx(expected_db, abs=0.005)


def test_a_handset_above_the_clutter_has_no_excess_loss() -> None:
    assert float(landcover.vegetation_excess_db(1800.0, h_mobile_m=15.0)) == 0.0
    with pytest.raises(ValueError, match="> 0 m"):
        landcover.p2108_terminal_loss_db(900.0, h_m=0.0, clutter_height_m=10.0, diffraction=False)


def test_excess_loss_per_class_and_overrides() -> None:
    codes = sorted(LAND_COVER_CLASSES)
    got = landcover.excess_loss_db(codes, 1800.0)
    veg = float(landcover.vegetation_excess_db(1800.0))
    expected = [veg if c in (10, 95) else 0.0 for c in codes]
    np.testing.assert_allclose(got, expected)
    # an override is a fixed loss at every band; other classes keep the table
    got = landcover.excess_loss_db(
        [10, 10, 40, 0], [900.0, 3500.0, 900.0, 900.0], overrides={10: 12.0}
    )
    np.testing.assert_allclose(got, [12.0, 12.0, 0.0, 0.0])


def test_every_worldcover_class_has_a_clutter_class() -> None:
    assert set(landcover.CLUTTER_OF_CLASS) == set(LAND_COVER_CLASSES)
    opened = {c for c, k in landcover.CLUTTER_OF_CLASS.items() if k == OPEN}
    assert opened == {30, 40, 60, 70, 80, 90, 100}
    assert landcover.CLUTTER_OF_CLASS[10] == landcover.CLUTTER_OF_CLASS[95] == RURAL


# ------------------------------------------------------------------ classification


def test_land_cover_beats_density_and_no_data_falls_back() -> None:
    codes = [40, 10, 80, 50, 50, 50, 0, 0, 0]
    density = [5000.0, 5000.0, 800.0, 3000.0, 2999.0, np.nan, 5000.0, 10.0, np.nan]
    got = landcover.classify(codes, density).tolist()
    # cropland in a dense cell is still open; trees rural; water open; built-up urban or
    # suburban by density (suburban without it); no code: density, never open
    assert got == [OPEN, RURAL, OPEN, URBAN, SUBURBAN, SUBURBAN, URBAN, RURAL, RURAL]
    assert landcover.classify([0, 10], None).tolist() == [RURAL, RURAL]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(-10.0, 1e5), st.just(float("nan"))), max_size=50))
def test_open_never_comes_from_density(density: list[float]) -> None:
    assert OPEN not in clutter_from_density(density).tolist()
    assert OPEN not in landcover.classify(np.zeros(len(density)), density).tolist()


# ------------------------------------------------------------------ rasters


def land_grid(array: list[list[int]], *, pixel_m: float = 1000.0) -> Grid:
    """A land-cover grid in UTM 49N whose upper-left corner is (X0, Y0)."""
    return Grid(
        array=np.asarray(array, dtype=np.float64),
        transform=Affine(pixel_m, 0.0, X0, 0.0, -pixel_m, Y0),
        crs=UTM,
    )


def test_categorical_reprojection_keeps_the_codes() -> None:
    grid = land_grid([[10, 50, 10, 50], [50, 10, 50, 10], [40, 80, 40, 80]])
    lonlat = reproject_grid(grid, pyproj.CRS.from_epsg(4326), resampling="nearest")
    values = set(np.unique(lonlat.array[np.isfinite(lonlat.array)]).tolist())
    assert values <= {10.0, 40.0, 50.0, 80.0}
    # sampling in another CRS picks the pixel, never an average
    xy = np.array([[X0 + 500.0, Y0 - 500.0], [X0 + 1500.0, Y0 - 500.0]])
    assert sample(grid, xy, crs=UTM).tolist() == [10.0, 50.0]
    to_ll = pyproj.Transformer.from_crs(UTM, 4326, always_xy=True)
    lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
    assert landcover.sample_codes(
        grid, np.column_stack([lon, lat]), crs=pyproj.CRS.from_epsg(4326)
    ).tolist() == [10, 50]


def test_unknown_codes_in_a_grid_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\[12\]"):
        landcover.sample_codes(land_grid([[12]]), [[X0 + 10.0, Y0 - 10.0]], crs=UTM)
    with pytest.raises(ValueError, match=r"\[255\]"):
        landcover.classify([10, 255], None)


def write_tif(path: Path, array: np.ndarray, *, dtype: str, nodata: float | None = 0) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=array.shape[1],
        height=array.shape[0],
        count=1,
        dtype=dtype,
        crs="EPSG:4326",
        transform=from_origin(108.9, 14.0, 0.001, 0.001),
        nodata=nodata,
    ) as dst:
        dst.write(array.astype(dtype), 1)
    return path


def test_import_refuses_codes_outside_worldcover(tmp_path: Path) -> None:
    array = np.array([[10, 12, 12], [255, 0, 50]])
    path = write_tif(tmp_path / "lc.tif", array, dtype="uint8")
    with pytest.raises(InputFileError) as err:
        check_raster(path, layer="land_cover")
    text = str(err.value)
    assert "lc.tif" in text
    assert "12 (2 pixels), 255 (1 pixel)" in text
    assert "10 tree cover" in text
    assert "0 = no data" in text
    assert "reclassifying" in text


def test_import_refuses_a_float_land_cover(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "lc.tif", np.array([[10.0, 50.0]]), dtype="float32")
    with pytest.raises(InputFileError, match=r"float32, not as integer class codes"):
        check_raster(path, layer="land_cover")
    # the same file is a fine density raster: only land cover must be classes
    assert check_raster(path, layer="population_density")


def test_import_of_land_cover_needs_a_crs(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(
            path, "w", driver="GTiff", width=2, height=1, count=1, dtype="uint8"
        ) as dst:
            dst.write(np.array([[10, 40]], dtype="uint8"), 1)
        with pytest.raises(InputError, match="no CRS"):
            check_raster(path, layer="land_cover")


def test_land_cover_import_store_read_round_trip(tmp_path: Path) -> None:
    array = np.array([[10, 20, 30, 40], [50, 60, 80, 90], [95, 100, 0, 10]])
    path = write_tif(tmp_path / "worldcover.tif", array, dtype="uint8")
    store = Store(tmp_path / "s.gpkg")
    import_file(path, layer="land_cover", into=store, as_of="2024-06-30")
    assert store.has_raster("land_cover")
    grid = grid_from_bytes(store.read_raster("land_cover"))
    expected = array.astype(np.float64)
    expected[array == 0] = np.nan  # WorldCover's nodata 0 is read as no data
    np.testing.assert_array_equal(grid.array, expected)
    assert grid.crs.equals(pyproj.CRS.from_epsg(4326))


# ------------------------------------------------------------------ the engine


def omni_site(band_mhz: float = 1800.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": ["S"],
            "operator": ["Viettel"],
            "tech": ["4G"],
            "height_m": [30.0],
            "band_mhz": [band_mhz],
            "eirp_dbm": [80.0],  # reaches 4 km at every band, TR 38.901 RMa included
        },
        geometry=[shapely.Point(X0 + 2500.0, Y0 - 2500.0)],
        crs=UTM,
    )


# 5 x 5 km of 1 km pixels; the site at the centre (2.5 km, -2.5 km). Four points 2 km
# from it: north on shrubland (20), south on tree cover (10), west on cropland (40), east
# on no data (0); one more outside the raster.
LAND = [
    [20, 20, 20, 20, 20],
    [20, 20, 20, 20, 20],
    [40, 20, 20, 20, 0],
    [10, 10, 10, 10, 10],
    [10, 10, 10, 10, 10],
]
POINTS = np.array(
    [
        [X0 + 2500.0, Y0 - 500.0],  # N, shrubland: rural
        [X0 + 2500.0, Y0 - 4500.0],  # S, tree cover: rural + vegetation
        [X0 + 500.0, Y0 - 2500.0],  # W, cropland: open
        [X0 + 4500.0, Y0 - 2500.0],  # E, no data: from density (none: rural)
        [X0 + 2500.0, Y0 + 1500.0],  # outside, 4 km north: from density
    ]
)


@pytest.mark.parametrize("band_mhz", [900.0, 1800.0, 2600.0])
def test_engine_applies_the_class_and_vegetation_loss_exactly(band_mhz: float) -> None:
    site = omni_site(band_mhz)
    with_lc = best_signal(site, POINTS, tech="4G", land_cover=land_grid(LAND))
    without = best_signal(site, POINTS, tech="4G")
    a = with_lc.rsrp_dbm["Viettel"].to_numpy()
    b = without.rsrp_dbm["Viettel"].to_numpy()
    veg = float(landcover.vegetation_excess_db(band_mhz))
    assert a[1] == pytest.approx(a[0] - veg, abs=1e-9)  # trees vs shrubs: the P.2108 excess
    assert a[0] == pytest.approx(b[0], abs=1e-9)  # shrubland is rural, as density gives
    assert a[3] == pytest.approx(b[3], abs=1e-9)  # no data: density's class, no excess
    assert a[4] == pytest.approx(b[4], abs=1e-9)
    # cropland is open, the least lossy class: Hata's quasi-open area is the open one
    # + 5 dB; TR 38.901 has one rural model (RMa) for both
    opened = 5.0 if band_mhz < 2000.0 else 0.0
    assert a[2] - a[0] == pytest.approx(opened, abs=1e-9)
    assert with_lc.land_cover_used
    assert with_lc.points_without_land_cover == 2
    assert not without.land_cover_used
    assert without.points_without_land_cover == 0


def test_engine_vegetation_loss_moves_the_verdict_at_the_edge() -> None:
    # A point on trees exactly at the rule's edge without vegetation: covered on
    # shrubland, not on trees (6.33 dB of P.2108 excess at 1800 MHz).
    site = omni_site()
    grid = land_grid(LAND)
    base = best_signal(site, POINTS[:2], tech="4G", land_cover=grid)
    edge = float(base.rsrp_dbm["Viettel"].iloc[0] - base.required_dbm.iloc[0])
    rules = CoverageSettings(min_rsrp_dbm={"4G": -110.0 + edge - 1.0})
    got = best_signal(site, POINTS[:2], tech="4G", land_cover=grid, settings=rules)
    assert got.covered.tolist() == [True, False]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(LAND_COVER_CLASSES)), min_size=25, max_size=25),
    st.floats(0.0, 30.0),
    st.floats(300.0, 6000.0),
)
def test_adding_vegetation_loss_never_adds_coverage(
    codes: list[int], loss_db: float, radius_m: float
) -> None:
    grid = land_grid(np.reshape(codes, (5, 5)).tolist())
    angles = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
    pts = np.column_stack(
        [X0 + 2500.0 + radius_m * np.cos(angles), Y0 - 2500.0 + radius_m * np.sin(angles)]
    )
    site = omni_site()
    none = CoverageSettings(land_cover_loss_db=dict.fromkeys(LAND_COVER_CLASSES, 0.0))
    more = CoverageSettings(land_cover_loss_db=dict.fromkeys(LAND_COVER_CLASSES, loss_db))
    a = best_signal(site, pts, tech="4G", land_cover=grid, settings=none)
    b = best_signal(site, pts, tech="4G", land_cover=grid, settings=more)
    assert not (b.covered & ~a.covered).any()
    assert not (b.indoor_covered & ~a.indoor_covered).any()
    assert (b.best_rsrp_dbm <= a.best_rsrp_dbm + 1e-9).all()
    # the default table's losses are >= 0 too
    c = best_signal(site, pts, tech="4G", land_cover=grid)
    assert not (c.covered & ~a.covered).any()


def test_settings_validate_the_loss_overrides() -> None:
    ok = CoverageSettings.from_mapping({"land_cover_loss_db": {"10": 8.0, 95: 9}})
    assert ok.land_cover_loss_db == {10: 8.0, 95: 9.0}
    assert ok.as_dict()["land_cover_loss_db"] == {"10": 8.0, "95": 9.0}
    with pytest.raises(ValueError, match=r"land_cover_loss_db.*refused 12: 3.0, 10: -1.0"):
        CoverageSettings(land_cover_loss_db={12: 3.0, 10: -1.0})
    with pytest.raises(ValueError, match="land_cover_loss_db"):
        CoverageSettings(land_cover_loss_db={10: float("nan")})


def test_compute_coverage_states_whether_land_cover_was_used() -> None:
    from tests.test_engine import province

    inputs = province()
    plain = compute_coverage(inputs)
    assert not plain.land_cover_used
    payload = plain.to_dict()["clutter"]
    assert payload["land_cover"] is False
    assert payload["note"]["vi"].startswith("Chưa có lớp phủ mặt đất")
    assert "quasi-open" in payload["note"]["en"]
    # a land cover over A1 only (1 km pixels of tree cover): the other villages are outside
    a1 = inputs.villages.geometry.iloc[0]
    grid = Grid(
        np.full((2, 2), 10.0), Affine(1000.0, 0.0, a1.x - 1000.0, 0.0, -1000.0, a1.y + 1000.0), UTM
    )
    with_lc = compute_coverage(CoverageInputs(**{**inputs.__dict__, "land_cover": grid}))
    assert with_lc.land_cover_used
    assert with_lc.villages_without_land_cover == 3
    assert "3 thôn nằm ngoài lớp phủ" in with_lc.clutter_note()
    rsrp = plain.villages.set_index("village_id")["rsrp_4g_dbm"]
    rsrp_lc = with_lc.villages.set_index("village_id")["rsrp_4g_dbm"]
    assert rsrp_lc["A1"] == pytest.approx(
        rsrp["A1"] - float(landcover.vegetation_excess_db(1800.0))
    )
    assert rsrp_lc["B1"] == pytest.approx(rsrp["B1"])
