"""Readers, validation rules and the store, on tiny hand-built files with known answers."""

from __future__ import annotations

import hashlib
import json
import unicodedata
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from geodata import (
    CRSProblem,
    InputFileError,
    LayerValidationError,
    LegacyEncodingWarning,
    Store,
    StoreError,
    import_file,
    load_layer,
)
from geodata.crs import VN2000_BINHDINH
from geodata.raster import grid_from_bytes
from geodata.text import encode_legacy

# Three villages of Xã Vĩnh Kim (21790) and one of Phường Nhơn Bình (21550).
VILLAGES = pd.DataFrame(
    {
        "ma_thon": ["21790-01", "21790-02", "21790-03", "21550-01"],
        "Tên thôn": ["Làng O2", "Làng K2", "Làng Kon Trú", "Khu phố 1"],
        "ma_xa": ["21790", "21790", "21790", "21550"],
        "so_ho": [48, 120, 95, 800],
        "co_dien": ["không", "có", "có", "có"],
        "lon": [108.70, 108.72, 108.75, 109.18],
        "lat": [14.25, 14.28, 14.30, 13.83],
    }
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def villages_gdf(frame: pd.DataFrame = VILLAGES) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs=4326,
    )


# ----------------------------------------------------------------------------- readers


def check_villages(frame: gpd.GeoDataFrame) -> None:
    """The four villages came through with contract columns and canonical values."""
    assert list(frame.columns[:6]) == [
        "village_id",
        "name",
        "commune_id",
        "households",
        "population",
        "has_electricity",
    ]
    assert frame["village_id"].tolist() == ["21790-01", "21790-02", "21790-03", "21550-01"]
    assert frame["name"].tolist()[0] == "Làng O2"
    assert frame["households"].tolist() == [48, 120, 95, 800]
    assert frame["has_electricity"].tolist() == [False, True, True, True]
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.x.round(6).tolist() == [108.70, 108.72, 108.75, 109.18]


def test_csv_reader_maps_vietnamese_columns(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    check_villages(load_layer(path, layer="villages", context=store.validation_context()).frame)


def test_csv_with_semicolons_decimal_commas_and_kinh_do_vi_do(tmp_path: Path) -> None:
    frame = VILLAGES.rename(columns={"lon": "Kinh độ", "lat": "Vĩ độ"})
    text = frame.to_csv(index=False, sep=";", decimal=",")
    path = tmp_path / "thon.csv"
    path.write_text(text, encoding="utf-8-sig")
    check_villages(load_layer(path, layer="villages").frame)


def test_excel_reader(tmp_path: Path) -> None:
    path = tmp_path / "thon.xlsx"
    VILLAGES.to_excel(path, index=False)
    check_villages(load_layer(path, layer="villages").frame)


def test_geojson_reader(tmp_path: Path) -> None:
    path = tmp_path / "thon.geojson"
    villages_gdf().to_file(path, driver="GeoJSON")
    check_villages(load_layer(path, layer="villages").frame)


def test_geopackage_with_several_layers(tmp_path: Path) -> None:
    path = tmp_path / "many.gpkg"
    villages_gdf().to_file(path, layer="villages", driver="GPKG")
    villages_gdf().to_file(path, layer="thon_2023", driver="GPKG")
    check_villages(load_layer(path, layer="villages").frame)
    check_villages(load_layer(path, layer="villages", source_layer="thon_2023").frame)
    other = tmp_path / "other.gpkg"
    villages_gdf().to_file(other, layer="a", driver="GPKG")
    villages_gdf().to_file(other, layer="b", driver="GPKG")
    with pytest.raises(InputFileError, match=r"several layers \(a, b\).*--source-layer"):
        load_layer(other, layer="villages")


def test_shapefile_file_folder_and_zip(tmp_path: Path) -> None:
    folder = tmp_path / "thon_shp"
    folder.mkdir()
    # Shapefile column names are at most 10 characters: "Tên thôn" → "ten_thon".
    gdf = villages_gdf().rename(columns={"Tên thôn": "ten_thon"})
    gdf.to_file(folder / "thon.shp", encoding="utf-8")
    check_villages(load_layer(folder / "thon.shp", layer="villages").frame)
    check_villages(load_layer(folder, layer="villages").frame)
    archive = tmp_path / "thon.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, f"thon/{part.name}")
    check_villages(load_layer(archive, layer="villages").frame)


def test_operator_names_become_one_canonical_operator(tmp_path: Path) -> None:
    nodes = pd.DataFrame(
        {
            "ma_nut": ["N1", "N2", "N3", "N4", "N5"],
            "nha_mang": ["VNPT", "Vinaphone", "VNPT-VinaPhone", "viettel", "Mobifone"],
            "loai": ["OLT", "odf", "Bộ chia", "Măng xông", "olt"],
            "lon": [108.70, 108.71, 108.72, 108.73, 108.74],
            "lat": [14.25, 14.25, 14.25, 14.25, 14.25],
        }
    )
    path = tmp_path / "nodes.csv"
    nodes.to_csv(path, index=False)
    frame = load_layer(path, layer="fiber_nodes").frame
    assert frame["operator"].tolist() == ["VNPT", "VNPT", "VNPT", "Viettel", "MobiFone"]
    assert frame["kind"].tolist() == ["olt", "odf", "splitter", "closure", "olt"]


def test_mobile_site_technology_lists(tmp_path: Path) -> None:
    sites = pd.DataFrame(
        {
            "ma_tram": ["S1", "S2"],
            "nha_mang": ["Viettel", "Vietnamobile"],
            "cong_nghe": ["2G/3G/LTE", "4G, 5G NR"],
            "do_cao": ["30", "42,5"],
            "lon": [108.7, 108.8],
            "lat": [14.2, 14.3],
        }
    )
    path = tmp_path / "bts.xlsx"
    sites.to_excel(path, index=False)
    frame = load_layer(path, layer="bts").frame
    assert frame["tech"].tolist() == ["2G,3G,4G", "4G,5G"]
    assert frame["height_m"].tolist() == [30.0, 42.5]


def test_mobile_site_radio_values_are_refused_when_unreadable(tmp_path: Path) -> None:
    """Issue 12, item 7: no silent fallbacks; each bad value named with row and column."""
    sites = pd.DataFrame(
        {
            "ma_tram": ["S1", "S2", "S3", "S4", "S5", "S6"],
            "nha_mang": ["Viettel"] * 6,
            "cong_nghe": ["4G"] * 6,
            "do_cao": ["30", "0", "-3", "30", "30", "30"],
            "bang_tan": ["1800", "1800", "1800", "3,5", "", "1800"],
            "huong_phat": ["0;120;240", "", "0,120", "90", "north-east", "0,120,400"],
            "lon": [108.7, 108.71, 108.72, 108.73, 108.74, 108.75],
            "lat": [14.2, 14.21, 14.22, 14.23, 14.24, 14.25],
        }
    )
    path = tmp_path / "bts.csv"
    sites.to_csv(path, index=False)
    report = problems_of(path, "mobile_sites")
    assert "bts.csv: layer 'mobile_sites' failed validation (5 problems)" in report
    assert "row 3, id 'S2', column 'height_m': 0 is not above 0." in report
    assert "'height_m' must be greater than 0. 'height_m' is the antenna's height" in report
    assert "row 4, id 'S3', column 'height_m': -3 is negative." in report
    assert "row 5, id 'S4', column 'band_mhz': 3.5 is below 150." in report
    assert "(3.5 GHz is 3500)" in report
    assert (
        "row 6, id 'S5', column 'azimuths_deg': 'north-east' is not a list of angles in "
        "degrees (0-360)." in report
    )
    assert "row 7, id 'S6', column 'azimuths_deg': '0,120,400'" in report
    assert "e.g. '0,120,240'; empty: an omnidirectional site." in report
    # What is readable passes, missing values stay missing (the engine's documented defaults).
    good = sites.iloc[[0, 4]].assign(huong_phat=["0;120;240", ""], do_cao=["30", "25,5"])
    good.to_csv(path, index=False)
    frame = load_layer(path, layer="mobile_sites").frame
    assert frame["azimuths_deg"].tolist() == ["0,120,240", None]
    assert frame["height_m"].tolist() == [30.0, 25.5]
    assert frame["band_mhz"].tolist()[0] == 1800.0
    assert np.isnan(frame["band_mhz"].tolist()[1])


def test_geodata_band_range_is_the_engine_s() -> None:
    from coverage.pathloss import FREQ_RANGE_MHZ
    from geodata.schemas import BAND_RANGE_MHZ

    assert BAND_RANGE_MHZ == FREQ_RANGE_MHZ


def test_geotiff_raster_import_round_trip(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "pd.tif"
    array = np.arange(12, dtype="float32").reshape(3, 4)
    transform = from_origin(108.7, 14.3, 0.01, 0.01)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=3,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=transform,
    ) as dst:
        dst.write(array, 1)
    import_file(path, layer="population_density", into=store)
    grid = grid_from_bytes(store.read_raster("population_density"))
    np.testing.assert_array_equal(grid.array, array)
    # transform * (col, row) is the pixel corner; Grid.xy is the centre
    assert grid.xy(0, 0) == pytest.approx((108.705, 14.295))
    assert grid.xy(2, 3) == pytest.approx((108.735, 14.275))


# ----------------------------------------------------------------------------- CRS


def test_swapped_lat_lon_is_refused_and_swap_xy_fixes_it(tmp_path: Path) -> None:
    path = tmp_path / "swapped.csv"
    VILLAGES.rename(columns={"lon": "lat", "lat": "lon"}).to_csv(path, index=False)
    with pytest.raises(CRSProblem, match="--swap-xy"):
        load_layer(path, layer="villages")
    check_villages(load_layer(path, layer="villages", swap_xy=True).frame)


def vn2000_csv(tmp_path: Path) -> Path:
    to_vn = pyproj.Transformer.from_crs(4326, VN2000_BINHDINH, always_xy=True)
    x, y = to_vn.transform(VILLAGES["lon"].to_numpy(), VILLAGES["lat"].to_numpy())
    frame = VILLAGES.drop(columns=["lon", "lat"]).assign(x=x, y=y)
    path = tmp_path / "vn2000.csv"
    frame.to_csv(path, index=False)
    return path


def test_vn2000_without_crs_is_refused_with_the_options(tmp_path: Path) -> None:
    with pytest.raises(CRSProblem, match="vn2000-binhdinh") as info:
        load_layer(vn2000_csv(tmp_path), layer="villages")
    assert "vn2000.csv" in str(info.value)


def test_vn2000_with_declared_crs_lands_within_a_millimetre(tmp_path: Path) -> None:
    frame = load_layer(vn2000_csv(tmp_path), layer="villages", crs="vn2000-binhdinh").frame
    back = frame.to_crs(32649).geometry
    expected = villages_gdf().to_crs(32649).geometry
    assert back.distance(expected, align=False).max() < 1e-3


def test_geojson_in_metres_without_crs_member_is_not_taken_as_degrees(tmp_path: Path) -> None:
    gdf = villages_gdf().to_crs(VN2000_BINHDINH)
    path = tmp_path / "metres.geojson"
    payload = json.loads(gdf.to_json())
    payload.pop("crs", None)
    path.write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(CRSProblem, match="not degrees"):
        load_layer(path, layer="villages")


# ----------------------------------------------------------------------------- validation


def problems_of(path: Path, layer: str, **kwargs: object) -> str:
    with pytest.raises(LayerValidationError) as info:
        load_layer(path, layer=layer, **kwargs)  # type: ignore[arg-type]
    return info.value.report()


def test_missing_households_column(tmp_path: Path) -> None:
    path = tmp_path / "thon.xlsx"
    VILLAGES.drop(columns=["so_ho"]).to_excel(path, index=False)
    report = problems_of(path, "villages")
    assert "thon.xlsx" in report
    assert "required column 'households' is missing" in report
    assert "so_ho" in report  # the accepted names are listed


def test_mistyped_negative_and_fractional_households(tmp_path: Path) -> None:
    frame = VILLAGES.assign(so_ho=["48", "many", "-5", "12.5"])
    path = tmp_path / "thon.csv"
    frame.to_csv(path, index=False)
    report = problems_of(path, "villages")
    assert "failed validation (3 problems)" in report
    assert "row 3, id '21790-02', column 'households': 'many' is not a number." in report
    assert "row 4, id '21790-03', column 'households': -5 is negative." in report
    assert "row 5, id '21550-01', column 'households': 12.5 is not a whole number." in report


def test_duplicate_ids(tmp_path: Path) -> None:
    frame = VILLAGES.assign(ma_thon=["A", "B", "A", "A"])
    path = tmp_path / "thon.csv"
    frame.to_csv(path, index=False)
    report = problems_of(path, "villages")
    assert "id 'A' is used 3 times (rows 2, 4, 5)" in report


def test_empty_coordinates(tmp_path: Path) -> None:
    frame = VILLAGES.astype({"lon": object}).copy()
    frame.loc[1, "lon"] = ""
    path = tmp_path / "thon.csv"
    frame.to_csv(path, index=False)
    report = problems_of(path, "villages")
    assert "row 3, column 'lon': coordinate is empty." in report
    assert "row 3, id '21790-02': has no geometry" in report


def bowtie_file(tmp_path: Path) -> Path:
    units = gpd.GeoDataFrame(
        {"unit_id": ["52"], "name": ["Tỉnh Bình Định"], "level": ["tinh"]},
        geometry=[shapely.Polygon([(108.7, 14.2), (108.8, 14.3), (108.8, 14.2), (108.7, 14.3)])],
        crs=4326,
    )
    path = tmp_path / "bowtie.geojson"
    units.to_file(path, driver="GeoJSON")
    return path


def test_self_intersecting_polygon_refused_unless_repair(tmp_path: Path) -> None:
    path = bowtie_file(tmp_path)
    report = problems_of(path, "admin_units")
    assert "feature 1, id '52': invalid geometry: Self-intersection" in report
    assert "--repair" in report
    repaired = load_layer(path, layer="admin_units", repair=True)
    assert repaired.frame.geometry.is_valid.all()
    assert repaired.frame["level"].tolist() == ["province"]
    assert shapely.area(repaired.frame.geometry.iloc[0]) == pytest.approx(0.005)
    assert next(p.message for p in repaired.warnings).startswith("invalid geometry")


def test_wrong_geometry_type(tmp_path: Path) -> None:
    gdf = villages_gdf()
    gdf.loc[0, "geometry"] = shapely.LineString([(108.7, 14.25), (108.71, 14.26)])
    path = tmp_path / "thon.geojson"
    gdf.to_file(path, driver="GeoJSON")
    report = problems_of(path, "villages")
    assert "geometry type 'LineString' is not allowed for 'villages'" in report


def test_outside_the_province(tmp_path: Path, store: Store) -> None:
    frame = VILLAGES.copy()
    frame.loc[3, ["lon", "lat"]] = [108.95, 14.9]  # north of Hoài Nhơn, in Quảng Ngãi
    path = tmp_path / "thon.csv"
    frame.to_csv(path, index=False)
    report = problems_of(path, "villages", context=store.validation_context())
    assert "row 5, id '21550-01': lies outside Bình Định" in report


def test_unknown_enumeration(tmp_path: Path) -> None:
    roads = gpd.GeoDataFrame(
        {"ma_duong": ["R1", "R2"], "cap_duong": ["Quốc lộ", "cao tốc bay"]},
        geometry=[shapely.LineString([(108.7, 14.2), (108.8, 14.3)])] * 2,
        crs=4326,
    )
    path = tmp_path / "roads.geojson"
    roads.to_file(path, driver="GeoJSON")
    report = problems_of(path, "roads")
    assert "feature 2, id 'R2', column 'class': unknown value 'cao tốc bay'." in report
    assert "national, provincial, district, commune, village, track" in report


def test_village_pointing_to_unknown_commune(tmp_path: Path, store: Store) -> None:
    frame = VILLAGES.assign(ma_xa=["21790", "21790", "99999", "21550"])
    path = tmp_path / "thon.csv"
    frame.to_csv(path, index=False)
    report = problems_of(path, "villages", context=store.validation_context())
    assert "row 4, id '21790-03', column 'commune_id': '99999' is not a known commune" in report


def test_every_problem_is_reported_at_once(tmp_path: Path, store: Store) -> None:
    frame = VILLAGES.assign(ma_thon=["A", "A", "C", "D"], so_ho=[1, -1, 2, 3])
    frame.loc[3, "ma_xa"] = "12345"
    path = tmp_path / "thon.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(LayerValidationError) as info:
        load_layer(path, layer="villages", context=store.validation_context())
    assert len(info.value.errors) == 3
    assert {p.column for p in info.value.errors} == {"village_id", "households", "commune_id"}


def test_references_without_context_are_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    validated = load_layer(path, layer="villages")
    assert [p.column for p in validated.warnings] == ["commune_id"]


# ----------------------------------------------------------------------------- text


def tcvn3_shapefile(tmp_path: Path) -> Path:
    """A Shapefile whose names are TCVN3 bytes and that has no .cpg, as provinces send them."""
    gdf = villages_gdf().rename(columns={"Tên thôn": "ten_thon"})
    for col in ("ten_thon", "co_dien"):
        gdf[col] = [encode_legacy(n, "tcvn3").decode("latin-1") for n in gdf[col]]
    folder = tmp_path / "tcvn3"
    folder.mkdir()
    gdf.to_file(folder / "thon.shp", encoding="ISO-8859-1")
    (folder / "thon.cpg").unlink(missing_ok=True)
    return folder / "thon.shp"


def test_tcvn3_shapefile_is_flagged_without_encoding_and_decoded_with_it(
    tmp_path: Path,
) -> None:
    path = tcvn3_shapefile(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = problems_of(path, "villages")
    assert any(issubclass(w.category, LegacyEncodingWarning) for w in caught)
    assert "looks TCVN3-encoded" in report
    assert "--encoding tcvn3" in report
    frame = load_layer(path, layer="villages", encoding="tcvn3").frame
    assert frame["name"].tolist() == ["Làng O2", "Làng K2", "Làng Kon Trú", "Khu phố 1"]


def test_text_is_stored_in_nfc(tmp_path: Path) -> None:
    frame = VILLAGES.assign(**{"Tên thôn": [unicodedata.normalize("NFD", "Làng Ô Rô")] * 4})
    frame["ma_thon"] = ["a", "b", "c", "d"]
    path = tmp_path / "thon.csv"
    frame.to_csv(path, index=False)
    names = load_layer(path, layer="villages").frame["name"]
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert names.iloc[0] == "Làng Ô Rô"


# ----------------------------------------------------------------------------- files


def test_truncated_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "thon.gpkg"
    villages_gdf().to_file(path, driver="GPKG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputFileError, match=r"thon\.gpkg: is not a readable GeoPackage"):
        load_layer(path, layer="villages")


def test_unknown_file_type(tmp_path: Path) -> None:
    path = tmp_path / "thon.docx"
    path.write_bytes(b"PK")
    with pytest.raises(InputFileError, match=r"cannot read files of type '\.docx'"):
        load_layer(path, layer="villages")


# ----------------------------------------------------------------------------- store


def test_store_round_trip_and_metadata(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    import_file(path, layer="villages", into=store, as_of="2024-06-30", source="UBND xã")
    back = store.read("villages")
    check_villages(back)
    info = {row.layer: row for row in store.info().layers}
    assert info["villages"].feature_count == 4
    assert info["villages"].as_of == "2024-06-30"
    assert info["villages"].source == "UBND xã"
    assert info["villages"].synthetic is False
    assert info["admin_units"].feature_count == 5
    work = store.read_work("villages")
    assert work.crs.to_epsg() == 32649


def test_failed_import_leaves_the_store_byte_for_byte_unchanged(
    tmp_path: Path, store: Store
) -> None:
    good = tmp_path / "thon.csv"
    VILLAGES.to_csv(good, index=False)
    import_file(good, layer="villages", into=store)
    before = sha(store.path)
    bad = tmp_path / "bad.csv"
    VILLAGES.assign(so_ho=[1, 2, -3, 4]).to_csv(bad, index=False)
    with pytest.raises(LayerValidationError):
        import_file(bad, layer="villages", into=store)
    assert sha(store.path) == before
    assert not list(tmp_path.glob(".*.tmp*"))


def test_crash_in_the_middle_of_a_write_leaves_the_store_unchanged(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sha(store.path)
    real = pyogrio.write_dataframe

    def write_then_fail(*args: object, **kwargs: object) -> None:
        real(*args, **kwargs)
        msg = "disk full"
        raise OSError(msg)

    monkeypatch.setattr(pyogrio, "write_dataframe", write_then_fail)
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    with pytest.raises(OSError, match="disk full"):
        import_file(path, layer="villages", into=store)
    assert sha(store.path) == before
    assert not list(tmp_path.glob(".*.tmp*"))


def test_importing_one_layer_keeps_the_others(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    import_file(path, layer="villages", into=store)
    VILLAGES.iloc[:2].to_csv(path, index=False)
    import_file(path, layer="villages", into=store)  # replace
    assert len(store.read("villages")) == 2
    assert len(store.read("admin_units")) == 5


def test_upsert_keeps_other_ids(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    import_file(path, layer="villages", into=store)
    VILLAGES.iloc[:1].assign(so_ho=[50]).to_csv(path, index=False)
    import_file(path, layer="villages", into=store, mode="upsert")
    back = store.read("villages").set_index("village_id")
    assert len(back) == 4
    assert back.loc["21790-01", "households"] == 50


def test_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "plain.gpkg"
    villages_gdf().to_file(path, driver="GPKG")
    with pytest.raises(StoreError, match="not a Hạ tầng số store"):
        Store(path).info()
    with pytest.raises(StoreError, match="no such store"):
        Store(tmp_path / "missing.gpkg").info()
