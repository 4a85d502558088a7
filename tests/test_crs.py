"""Tests of geodata.crs and geodata.coordinates: VN-2000, short names and the CRS checks."""

from __future__ import annotations

import logging
import re

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj.transformer import TransformerGroup
from shapely.geometry import LineString, Point, Polygon

from geodata.coordinates import check_coordinates, swap_xy_geometries, to_store, to_work
from geodata.crs import (
    BINH_DINH_BBOX_LONLAT,
    BINH_DINH_BBOX_WORK,
    SHORT_NAMES,
    STORE_CRS,
    VN2000_BINHDINH,
    VN2000_BINHDINH_TOWGS84,
    VN2000_TM3_BINHDINH_PROJ,
    VN2000_TO_WGS84_CF,
    VN2000_TOWGS84,
    WORK_CRS,
    CRSProblem,
    check_metric,
    resolve_crs,
)

MINX, MINY, MAXX, MAXY = BINH_DINH_BBOX_LONLAT
GEOD = pyproj.Geod(ellps="WGS84")

# WGS 84 lon/lat of places across the province: Quy Nhơn, An Nhơn, Bồng Sơn, An Lão,
# Vân Canh, Vĩnh Thạnh, Phú Phong, Phù Mỹ, Ngô Mây (Phù Cát), Tuy Phước.
TOWN_LON = np.array(
    [109.219, 109.100, 109.02, 108.90, 108.99, 108.78, 108.93, 109.05, 109.05, 109.16]
)
TOWN_LAT = np.array([13.776, 13.890, 14.43, 14.60, 13.62, 14.15, 13.93, 14.17, 14.00, 13.83])

# Bình Định's TM-3 zone with the ellipsoid only (no datum shift at all).
NAIVE_TM3 = pyproj.CRS.from_proj4(VN2000_TM3_BINHDINH_PROJ)
# The decree's rotation signs pasted into +towgs84 unchanged (the common mistake).
DECREE_SIGNS_AS_TOWGS84 = pyproj.CRS.from_proj4(
    VN2000_TM3_BINHDINH_PROJ + " +towgs84=" + ",".join(repr(v) for v in VN2000_TO_WGS84_CF)
)

VN_TO_WGS = pyproj.Transformer.from_crs(VN2000_BINHDINH, STORE_CRS, always_xy=True)
WGS_TO_VN = pyproj.Transformer.from_crs(STORE_CRS, VN2000_BINHDINH, always_xy=True)
TOWGS_TO_WGS = pyproj.Transformer.from_crs(VN2000_BINHDINH_TOWGS84, STORE_CRS, always_xy=True)
WGS_TO_TOWGS = pyproj.Transformer.from_crs(STORE_CRS, VN2000_BINHDINH_TOWGS84, always_xy=True)
# VN-2000 geographic -> VN-2000 TM-3: the map projection alone, no datum step.
PROJECT_ONLY = pyproj.Transformer.from_crs(
    pyproj.CRS.from_epsg(4756), VN2000_BINHDINH, always_xy=True
)


def _grid(n: int = 25) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.meshgrid(np.linspace(MINX, MAXX, n), np.linspace(MINY, MAXY, n))
    return lon.ravel(), lat.ravel()


def _vn_grid(n: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """VN-2000 TM-3 108-15 easting/northing covering the province."""
    return PROJECT_ONLY.transform(*_grid(n))


def _towns_vn2000() -> tuple[np.ndarray, np.ndarray]:
    return WGS_TO_VN.transform(TOWN_LON, TOWN_LAT)


def _distance_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


# ---------------------------------------------------------------------------
# VN-2000 definitions
# ---------------------------------------------------------------------------


def test_decree_parameters_and_towgs84_signs() -> None:
    assert VN2000_TO_WGS84_CF == (
        -191.90441429,
        -39.30318279,
        -111.45032835,
        -0.00928836,
        0.01975479,
        -0.00427372,
        0.252906278,
    )
    # +towgs84 is position vector: same shifts and scale, rotations negated.
    assert VN2000_TOWGS84[:3] == VN2000_TO_WGS84_CF[:3]
    assert VN2000_TOWGS84[3:6] == tuple(-r for r in VN2000_TO_WGS84_CF[3:6])
    assert VN2000_TOWGS84[6] == VN2000_TO_WGS84_CF[6]


def test_epsg_9217_uses_the_decree_helmert_not_a_ballpark() -> None:
    for transformer in (
        VN_TO_WGS,
        WGS_TO_VN,
        pyproj.Transformer.from_crs(VN2000_BINHDINH, WORK_CRS, always_xy=True),
    ):
        assert "VN-2000 to WGS 84 (2)" in transformer.description  # EPSG:6960
        assert "ballpark" not in transformer.description.lower()
        assert transformer.accuracy == 1.0
    definition = VN_TO_WGS.definition
    assert "proj=helmert" in definition
    assert "convention=coordinate_frame" in definition
    for param in (
        "x=-191.90441429",
        "y=-39.30318279",
        "z=-111.45032835",
        "rx=-0.00928836",
        "ry=0.01975479",
        "rz=-0.00427372",
        "s=0.252906278",
    ):
        assert param in definition.split()
    # Only one candidate operation over Bình Định: no run-time choice by PROJ.
    assert len(TransformerGroup(VN2000_BINHDINH, STORE_CRS, always_xy=True).transformers) == 1


def test_towgs84_definition_is_a_position_vector_helmert() -> None:
    assert "ballpark" not in TOWGS_TO_WGS.description.lower()
    assert VN2000_BINHDINH_TOWGS84.is_bound
    assert VN2000_BINHDINH_TOWGS84.source_crs is not None
    assert VN2000_BINHDINH_TOWGS84.source_crs.to_epsg() == 9217
    wkt = VN2000_BINHDINH_TOWGS84.to_wkt()
    assert "Position Vector transformation" in wkt
    assert "-191.90441429," in wkt  # full precision kept
    assert '"X-axis rotation",0.00928836,' in wkt


def test_towgs84_definition_agrees_with_epsg_9217_within_1_cm() -> None:
    e, n = _vn_grid()
    lon_epsg, lat_epsg = VN_TO_WGS.transform(e, n)
    lon_tw, lat_tw = TOWGS_TO_WGS.transform(e, n)
    gap = _distance_m(lon_epsg, lat_epsg, lon_tw, lat_tw)
    assert gap.max() < 0.01  # measured: 0.0 m (identical to ~1e-9 m)
    # ... and in the working CRS.
    x1, y1 = pyproj.Transformer.from_crs(VN2000_BINHDINH, WORK_CRS, always_xy=True).transform(e, n)
    x2, y2 = pyproj.Transformer.from_crs(
        VN2000_BINHDINH_TOWGS84, WORK_CRS, always_xy=True
    ).transform(e, n)
    assert np.hypot(x1 - x2, y1 - y2).max() < 0.01


def test_decree_signs_pasted_into_towgs84_are_off_by_about_60_cm() -> None:
    e, n = _vn_grid()
    lon_epsg, lat_epsg = VN_TO_WGS.transform(e, n)
    wrong = pyproj.Transformer.from_crs(DECREE_SIGNS_AS_TOWGS84, STORE_CRS, always_xy=True)
    gap = _distance_m(lon_epsg, lat_epsg, *wrong.transform(e, n))
    assert 0.55 < gap.min() <= gap.max() < 0.65  # measured: 0.583 to 0.615 m


def test_datum_shift_is_present_and_about_226_m() -> None:
    e, n = _vn_grid()
    lon_shifted, lat_shifted = VN_TO_WGS.transform(e, n)
    lon_plain, lat_plain = PROJECT_ONLY.transform(e, n, direction="INVERSE")
    shift = _distance_m(lon_plain, lat_plain, lon_shifted, lat_shifted)
    assert 225.4 < shift.min() <= shift.max() < 225.7  # measured: 225.53 to 225.59 m


def test_round_trip_vn2000_wgs84_grid_within_1_mm() -> None:
    e, n = _vn_grid(40)
    for forward, backward in ((VN_TO_WGS, WGS_TO_VN), (TOWGS_TO_WGS, WGS_TO_TOWGS)):
        e2, n2 = backward.transform(*forward.transform(e, n))
        assert np.hypot(e2 - e, n2 - n).max() < 1e-3


@settings(max_examples=300, deadline=None)
@given(
    lon=st.floats(min_value=MINX, max_value=MAXX),
    lat=st.floats(min_value=MINY, max_value=MAXY),
)
def test_round_trip_property_within_1_mm(lon: float, lat: float) -> None:
    e, n = PROJECT_ONLY.transform(lon, lat)
    e2, n2 = WGS_TO_VN.transform(*VN_TO_WGS.transform(e, n))
    assert np.hypot(e2 - e, n2 - n) < 1e-3
    e3, n3 = WGS_TO_TOWGS.transform(*TOWGS_TO_WGS.transform(e, n))
    assert np.hypot(e3 - e, n3 - n) < 1e-3


def test_central_meridian_maps_to_false_easting() -> None:
    lat = np.linspace(MINY, MAXY, 9)
    lon = np.full_like(lat, 108.25)
    naive = pyproj.Proj(VN2000_TM3_BINHDINH_PROJ)
    e, _ = naive(lon, lat)
    assert np.abs(np.asarray(e) - 500_000.0).max() < 1e-6
    e, _ = PROJECT_ONLY.transform(lon, lat)
    assert np.abs(np.asarray(e) - 500_000.0).max() < 1e-6
    _, n0 = naive(108.25, 0.0)
    assert abs(n0) < 1e-6
    assert naive.get_factors(108.25, 14.0).meridional_scale == pytest.approx(0.9999, abs=1e-9)


def test_epsg_9217_projection_matches_the_documented_parameters() -> None:
    assert NAIVE_TM3.to_epsg() == 9217
    operation = VN2000_BINHDINH.coordinate_operation
    assert operation is not None
    conversion = {p.name: float(p.value) for p in operation.params}
    assert conversion["Latitude of natural origin"] == 0
    assert conversion["Longitude of natural origin"] == 108.25
    assert conversion["Scale factor at natural origin"] == 0.9999
    assert conversion["False easting"] == 500_000
    assert conversion["False northing"] == 0
    assert VN2000_BINHDINH.ellipsoid is not None
    assert VN2000_BINHDINH.ellipsoid.name == "WGS 84"
    assert VN2000_BINHDINH.datum is not None
    assert VN2000_BINHDINH.datum.name == "Vietnam 2000"


# ---------------------------------------------------------------------------
# Province extent and metric check
# ---------------------------------------------------------------------------


def test_bbox_contains_the_province_with_a_small_margin() -> None:
    assert MINX < 108.602
    assert MAXX > 109.363
    assert MINY < 13.515
    assert MAXY > 14.703
    assert 109.363 - 108.602 < MAXX - MINX < 109.363 - 108.602 + 0.2
    x, y = pyproj.Transformer.from_crs(STORE_CRS, WORK_CRS, always_xy=True).transform(*_grid(10))
    wx0, wy0, wx1, wy1 = BINH_DINH_BBOX_WORK
    assert wx0 <= x.min()
    assert x.max() <= wx1
    assert wy0 <= y.min()
    assert y.max() <= wy1


def test_check_metric() -> None:
    check_metric(WORK_CRS)
    check_metric(VN2000_BINHDINH)
    with pytest.raises(CRSProblem, match="not projected"):
        check_metric(STORE_CRS)
    with pytest.raises(CRSProblem, match="no CRS"):
        check_metric(None)
    with pytest.raises(CRSProblem, match="not metres"):
        check_metric(pyproj.CRS.from_epsg(2227))  # US survey feet


# ---------------------------------------------------------------------------
# resolve_crs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("vn2000-binhdinh", 9217),
        ("vn2000", 4756),
        ("vn2000-utm49", 3406),
        ("vn2000-utm48", 3405),
        ("utm49n", 32649),
        ("utm48n", 32648),
        ("wgs84", 4326),
    ],
)
def test_resolve_short_names(name: str, code: int) -> None:
    assert SHORT_NAMES[name] == f"EPSG:{code}"
    assert resolve_crs(name) == pyproj.CRS.from_epsg(code)
    assert resolve_crs(f"  {name.upper()} ") == pyproj.CRS.from_epsg(code)


def test_resolve_other_forms() -> None:
    assert resolve_crs(None) is None
    assert resolve_crs(VN2000_BINHDINH) is VN2000_BINHDINH
    assert resolve_crs("vn2000-binhdinh") == VN2000_BINHDINH
    assert resolve_crs(9217) == VN2000_BINHDINH
    assert resolve_crs("EPSG:9217") == VN2000_BINHDINH
    assert resolve_crs("epsg:9217") == VN2000_BINHDINH
    assert resolve_crs("9217") == VN2000_BINHDINH
    assert resolve_crs(VN2000_BINHDINH.to_wkt()) == VN2000_BINHDINH
    resolved = resolve_crs("+proj=utm +zone=49 +datum=WGS84 +units=m +no_defs")
    assert resolved is not None
    assert resolved.to_epsg() == 32649


@pytest.mark.parametrize("bad", ["vn2000-binh-dinh", "EPSG:999999", 999999, True, ""])
def test_resolve_bad_value_lists_short_names(bad: str | int) -> None:
    with pytest.raises(CRSProblem) as err:
        resolve_crs(bad)
    for name in SHORT_NAMES:
        assert name in str(err.value)


# ---------------------------------------------------------------------------
# check_coordinates
# ---------------------------------------------------------------------------


def test_degrees_inside_without_crs_assume_wgs84(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="geodata.coordinates"):
        got = check_coordinates(TOWN_LON, TOWN_LAT, crs=None, source="towns.csv")
    assert got == STORE_CRS
    assert "towns.csv" in caplog.text
    assert "assuming WGS 84" in caplog.text
    assert "degrees inside Bình Định" in caplog.text


def test_swapped_degrees_without_crs_are_refused() -> None:
    with pytest.raises(CRSProblem) as err:
        check_coordinates(TOWN_LAT, TOWN_LON, crs=None, source="towns.csv")
    message = str(err.value)
    assert message.startswith("towns.csv:")
    assert "wrong order" in message
    assert "--swap-xy" in message


def test_swap_xy_fixes_swapped_degrees() -> None:
    got = check_coordinates(TOWN_LAT, TOWN_LON, crs=None, source="towns.csv", swap_xy=True)
    assert got == STORE_CRS
    with pytest.raises(CRSProblem, match="Drop --swap-xy"):
        check_coordinates(TOWN_LON, TOWN_LAT, crs=None, source="towns.csv", swap_xy=True)


def test_vn2000_metres_without_crs_name_the_provincial_zone() -> None:
    e, n = _towns_vn2000()
    with pytest.raises(CRSProblem) as err:
        check_coordinates(e, n, crs=None, source="thua_dat.shp")
    message = str(err.value)
    assert message.startswith("thua_dat.shp: has no CRS")
    assert "are not degrees" in message
    assert "vn2000-binhdinh (EPSG:9217" in message
    assert "--crs vn2000-binhdinh" in message
    assert f"x {e.min():,.0f}".replace(",", " ") in message  # value ranges shown
    assert "EPSG:3405" not in message  # UTM 48N puts them 300 km west


def test_surveyor_order_metres_without_crs_suggest_swap() -> None:
    e, n = _towns_vn2000()
    with pytest.raises(CRSProblem) as err:
        check_coordinates(n, e, crs=None, source="moc.xlsx")
    message = str(err.value)
    assert "--swap-xy" in message
    assert "vn2000-binhdinh" in message
    got = check_coordinates(n, e, crs=VN2000_BINHDINH, source="moc.xlsx", swap_xy=True)
    assert got is VN2000_BINHDINH


def test_utm49_metres_without_crs_list_both_utm49_datums() -> None:
    x, y = pyproj.Transformer.from_crs(STORE_CRS, WORK_CRS, always_xy=True).transform(
        TOWN_LON, TOWN_LAT
    )
    with pytest.raises(CRSProblem) as err:
        check_coordinates(x, y, crs=None, source="tram.csv")
    message = str(err.value)
    assert "utm49n (EPSG:32649" in message
    assert "vn2000-utm49 (EPSG:3406" in message
    assert "vn2000-binhdinh" not in message.split("read as:")[1]


def test_declared_crs_that_fits_is_returned() -> None:
    e, n = _towns_vn2000()
    assert check_coordinates(e, n, crs=VN2000_BINHDINH, source="a.shp") is VN2000_BINHDINH
    assert check_coordinates(TOWN_LON, TOWN_LAT, crs=STORE_CRS, source="b.gpkg") is STORE_CRS


def test_declared_but_wrong_crs_says_how_far_and_what_fits() -> None:
    e, n = _towns_vn2000()
    with pytest.raises(CRSProblem) as err:
        check_coordinates(e, n, crs=pyproj.CRS.from_epsg(3405), source="thua_dat.shp")
    message = str(err.value)
    assert message.startswith("thua_dat.shp:")
    assert "EPSG:3405" in message
    assert "Check the declared CRS" in message
    km = re.search(r"about (\d+) km from Bình Định", message)
    assert km is not None
    assert 250 < int(km.group(1)) < 350
    assert "vn2000-binhdinh (EPSG:9217" in message


def test_metres_declared_as_degrees() -> None:
    e, n = _towns_vn2000()
    with pytest.raises(CRSProblem) as err:
        check_coordinates(e, n, crs=STORE_CRS, source="x.geojson")
    assert "not valid positions" in str(err.value)
    assert "vn2000-binhdinh" in str(err.value)


def test_declared_crs_with_swapped_axes() -> None:
    with pytest.raises(CRSProblem, match="--swap-xy"):
        check_coordinates(TOWN_LAT, TOWN_LON, crs=STORE_CRS, source="x.gpkg")
    e, n = _towns_vn2000()
    with pytest.raises(CRSProblem, match="--swap-xy"):
        check_coordinates(n, e, crs=VN2000_BINHDINH, source="x.shp")


def test_data_outside_the_province_is_refused() -> None:
    hanoi_lon, hanoi_lat = TOWN_LON - 3.2, TOWN_LAT + 7.1
    with pytest.raises(CRSProblem) as err:
        check_coordinates(hanoi_lon, hanoi_lat, crs=STORE_CRS, source="hn.gpkg")
    message = str(err.value)
    assert re.search(r"about \d+ km from Bình Định", message)
    assert "None of the usual CRSs" in message
    with pytest.raises(CRSProblem, match="look like longitude/latitude degrees"):
        check_coordinates(hanoi_lon, hanoi_lat, crs=None, source="hn.csv")


def test_declared_crs_without_a_datum_link_is_refused() -> None:
    e, n = _towns_vn2000()
    with pytest.raises(CRSProblem) as err:
        check_coordinates(e, n, crs=NAIVE_TM3, source="prj_khong_datum.shp")
    message = str(err.value)
    assert "226 m" in message
    assert "vn2000-binhdinh" in message


def test_check_coordinates_ignores_nan_and_tolerates_a_few_outliers() -> None:
    lon = np.append(TOWN_LON, [np.nan, 105.0] + [109.0] * 40)
    lat = np.append(TOWN_LAT, [14.0, np.nan] + [14.0] * 40)
    lon[0] = 0.0  # one stray point out of 51 is under 5 %
    assert check_coordinates(lon, lat, crs=None, source="t.csv") == STORE_CRS


def test_check_coordinates_empty_and_length_mismatch() -> None:
    assert check_coordinates([], [], crs=None, source="e.csv") == STORE_CRS
    assert check_coordinates([], [], crs=VN2000_BINHDINH, source="e.csv") is VN2000_BINHDINH
    with pytest.raises(ValueError, match="differ in length"):
        check_coordinates([1.0, 2.0], [1.0], crs=None, source="e.csv")


def test_check_coordinates_thins_large_inputs() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(108.7, 109.3, 200_000)
    lat = rng.uniform(13.6, 14.6, 200_000)
    e, n = WGS_TO_VN.transform(lon, lat)
    assert check_coordinates(e, n, crs=VN2000_BINHDINH, source="big.gpkg") is VN2000_BINHDINH


# ---------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------


def test_swap_xy_geometries() -> None:
    series = gpd.GeoSeries(
        [
            Point(1, 2),
            Point(1, 2, 3),
            LineString([(0, 1), (2, 3)]),
            Polygon([(0, 0), (1, 0), (1, 2), (0, 0)]),
            None,
            Point(),
        ],
        index=[10, 11, 12, 13, 14, 15],
        crs=STORE_CRS,
        name="geom",
    )
    out = swap_xy_geometries(series)
    assert list(out.index) == [10, 11, 12, 13, 14, 15]
    assert out.crs == STORE_CRS
    assert out.name == "geom"
    assert out[10].equals(Point(2, 1))
    assert out[11].has_z
    assert tuple(out[11].coords[0]) == (2.0, 1.0, 3.0)
    assert out[12].equals(LineString([(1, 0), (3, 2)]))
    assert out[13].equals(Polygon([(0, 0), (0, 1), (2, 1), (0, 0)]))
    assert out[14] is None
    assert out[15].is_empty
    assert (
        shapely.equals_exact(swap_xy_geometries(out).to_numpy(), series.to_numpy()).sum() == 5
    )  # all but None


def test_to_work_and_to_store() -> None:
    e, n = _towns_vn2000()
    frame = gpd.GeoDataFrame({"i": range(len(e))}, geometry=gpd.points_from_xy(e, n), crs=9217)
    work = to_work(frame)
    assert work.crs == WORK_CRS
    expect_x, expect_y = pyproj.Transformer.from_crs(
        VN2000_BINHDINH, WORK_CRS, always_xy=True
    ).transform(e, n)
    assert np.abs(work.geometry.x.to_numpy() - expect_x).max() < 1e-6
    assert np.abs(work.geometry.y.to_numpy() - expect_y).max() < 1e-6
    stored = to_store(work)
    assert stored.crs == STORE_CRS
    gap = _distance_m(
        stored.geometry.x.to_numpy(), stored.geometry.y.to_numpy(), TOWN_LON, TOWN_LAT
    )
    assert gap.max() < 1e-3


def test_to_work_refuses_missing_crs_and_ballpark_datums() -> None:
    frame = gpd.GeoDataFrame(geometry=[Point(109.0, 14.0)])
    with pytest.raises(CRSProblem, match="has no CRS"):
        to_work(frame)
    with pytest.raises(CRSProblem, match="has no CRS"):
        to_store(frame)
    naive = gpd.GeoDataFrame(geometry=[Point(580_000, 1_550_000)], crs=NAIVE_TM3)
    with pytest.raises(CRSProblem, match="no datum shift"):
        to_work(naive, source="naive.shp")
