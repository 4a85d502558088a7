"""The Streamlit app with Streamlit's AppTest: every page on the demo, messages, languages.

The browser tests (``test_browser.py``) drive the real page in Chromium; these run the
script in-process and check what it draws.
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geodata import HatangsoError, Store
from geodata.display import bounds_latlon, for_display, overlay, point_latlon
from geodata.export import export_bytes, kml_text, write_kml
from geodata.raster import Grid
from hatangso.cli import main as cli_main
from hatangso.formatting import fmt_date, fmt_dist, fmt_int, fmt_pct, fmt_vnd
from ui.datapage import main_file, validation_report
from ui.gaps import filter_gaps
from ui.i18n import tr
from ui.texts import TEXT

from .conftest import sign_in

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = (
    "overview",
    "progress",
    "map",
    "gaps",
    "evidence",
    "plans",
    "resilience",
    "review",
    "data",
    "audit",
)
#: The demo's first period: the published mid-2024 figures (a later one may follow).
JUNE = "2024-06-30"
VINH_THANH = "546"
TIMEOUT_S = 180


def run_app(
    store: Path | str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    page: str = "overview",
    lang: str | None = None,
    district: str | None = None,
    period: str | None = JUNE,
) -> AppTest:
    monkeypatch.setenv("HATANGSO_STORE", str(store))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if Path(store).is_file() or str(store).startswith("postgresql://"):
        with contextlib.suppress(
            HatangsoError
        ):  # not a store: the app says so before anyone signs in
            sign_in(at, store)
    at.session_state["page"] = page
    if period:
        at.session_state["period"] = period
    if lang:
        at.session_state["lang"] = lang
    if district:
        at.session_state["district"] = district
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [s.value for s in at.success]
    parts += [h.value for h in at.title] + [h.value for h in at.header]
    parts += [h.value for h in at.subheader]
    return "\n".join(str(p) for p in parts)


# --------------------------------------------------------------------------- pages


@pytest.mark.basedata
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_demo(
    page: str, demo_store_accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(demo_store_accounts, monkeypatch, page=page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = texts(at)
    assert "30/06/2024" in shown  # the data set's date, on every page
    assert "Dữ liệu tổng hợp" in shown  # and the synthetic label
    if page in {"overview", "map"}:  # the pages with coverage figures say what covered means
        assert "ngoài trời, 90 % vị trí, RSRP ≥ −110 dBm" in shown


@pytest.mark.basedata
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_english(
    page: str, demo_store_accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(demo_store_accounts, monkeypatch, page=page, lang="en", district=VINH_THANH)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert "Synthetic data" in texts(at)
    assert "Huyện Vĩnh Thạnh" in texts(at) or page in ("data", "review", "audit", "evidence")


@pytest.mark.basedata
def test_map_layers_carry_the_village_figures(demo_store_accounts: Path) -> None:
    from ui.data import store_version
    from ui.maplayers import map_data

    data = map_data(store_version(str(demo_store_accounts), JUNE), "vi")
    o2 = next(f for f in data.villages.geojson["features"] if f["properties"]["t"] == "Làng O2")
    values = dict(zip(data.villages.labels, o2["properties"]["v"], strict=True))
    assert o2["properties"]["k"] == "none"
    assert values["Xã"] == "Xã Vĩnh Kim"
    assert values["Huyện"] == "Huyện Vĩnh Thạnh"
    assert values["Điện lưới"] == "không"
    assert values["Sóng 4G"] == "không"
    assert values["Tỷ lệ phủ sóng 4G"] == "0 % số hộ (1 cụm dân cư)"
    assert data.villages.styles["none"]["fillColor"] == "#d7191c"
    assert "</" not in data.villages.script_json
    assert {"Viettel", "VNPT"} <= set(data.fiber) & set(data.sites)
    assert len(data.districts) == 11
    assert len(data.communes) == 159
    assert data.status_counts["none"] >= 1


@pytest.mark.basedata
def test_overview_shows_the_published_figures(
    demo_store_accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(demo_store_accounts, monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Thôn có cáp quang"] == "98,7 %"
    assert metrics["Hộ trong vùng cáp quang"] == "75 %"
    assert metrics["Thôn có sóng 4G"] == "99,9 %"
    assert metrics["Thôn, làng, khu phố"] == "1.176"
    assert metrics["Hộ gia đình"] == "434.379"
    targets = at.dataframe[0].value
    assessment = dict(zip(targets["Chỉ tiêu"], targets["Đánh giá"], strict=True))
    assert assessment["Xã có cáp quang"] == "Đạt"
    for title in ("Thôn có cáp quang", "Hộ trong vùng cáp quang", "Thôn có sóng 4G"):
        assert assessment[title] == "Chưa đạt"
    # What "covered" means is stated beside the figures (docs/MODEL.md).
    assert "Có sóng 4G: ngoài trời, 90 % vị trí, RSRP ≥ −110 dBm" in texts(at)


@pytest.mark.basedata
def test_selecting_vinh_thanh_filters_the_gaps(
    demo_store_accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(demo_store_accounts, monkeypatch, page="gaps", district=VINH_THANH)
    assert not at.exception
    villages = at.dataframe[0].value
    assert "Làng O2" in set(villages["Thôn"])
    assert set(villages["Huyện"]) == {"Huyện Vĩnh Thạnh"}
    # The search ignores diacritics and case.
    at.text_input(key="gaps_search").set_value("lang o2").run()
    villages = at.dataframe[0].value
    assert list(villages["Thôn"]) == ["Làng O2"]
    assert list(villages["Điện lưới"]) == ["không"]
    # How much of the village is covered, and what that share rests on.
    assert list(villages["Tỷ lệ phủ 4G (%)"]) == ["0 %"]
    assert list(villages["Tỷ lệ tính theo"]) == ["số hộ các cụm dân cư"]


@pytest.mark.basedata
def test_drill_down_to_a_commune(
    demo_store_accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(demo_store_accounts, monkeypatch, page="overview", district=VINH_THANH)
    assert [o for o in at.selectbox(key="commune").options if "Vĩnh Kim" in o]
    at.selectbox(key="commune").set_value("21790").run()
    assert not at.exception
    assert "Xã Vĩnh Kim" in texts(at)
    at.session_state["page"] = "map"
    at.run()
    assert not at.exception
    assert "Xã Vĩnh Kim" in texts(at)
    assert "Làng O2" in set(at.dataframe[0].value["Thôn"])


@pytest.mark.basedata
def test_language_switch(demo_store_accounts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(demo_store_accounts, monkeypatch)
    assert at.title[0].value == "Hạ tầng số — Bình Định"
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Digital infrastructure — Bình Định"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Villages with fiber"] == "98.7 %"
    assert metrics["Households"] == "434,379"
    assert "Synthetic data" in texts(at)
    assert "30/06/2024" in texts(at)


def test_missing_store_shows_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(tmp_path / "nowhere.gpkg", monkeypatch)
    assert not at.exception
    assert len(at.error) == 1
    assert "Không mở được kho dữ liệu" in at.error[0].value
    assert "hatangso demo" in at.error[0].value


def test_a_file_that_is_not_a_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage at all")
    at = run_app(broken, monkeypatch, lang="en")
    assert not at.exception
    assert "Cannot open the data store" in at.error[0].value


@pytest.mark.parametrize("page", PAGES)
def test_a_store_without_villages_says_so(
    page: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conftest store holds only admin units: every page explains, none crashes."""
    at = run_app(store.path, monkeypatch, page=page)
    assert not at.exception
    if page not in ("data", "review", "audit"):
        assert at.error, page
        assert "Không hiển thị được trang này" in at.error[0].value
        assert "villages" in at.error[0].value
        assert "Traceback" not in at.error[0].value


@pytest.mark.parametrize("page", ["overview", "map", "gaps", "plans"])
def test_an_area_without_villages_says_so(
    page: str, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Villages only in Xã Vĩnh Kim and Phường Nhơn Bình: choose a commune with none."""
    from geodata import import_file

    from .test_geodata import VILLAGES

    villages = tmp_path / "thon.csv"
    VILLAGES.iloc[:3].to_csv(villages, index=False)  # Vĩnh Kim only: Quy Nhơn has none
    import_file(villages, layer="villages", into=store)
    at = run_app(store.path, monkeypatch, page=page, district="540")
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    shown = texts(at)
    if page == "plans":
        at.button(key="plan_run").click().run()
        assert not at.exception
        shown = texts(at)
        assert "Mọi thôn trong địa bàn đã có" in shown
    else:
        assert "Không có thôn nào trong địa bàn đang chọn." in shown


# --------------------------------------------------------------------------- helpers


def test_every_text_is_nfc_and_translated() -> None:
    for key, (vi, en) in TEXT.items():
        assert unicodedata.is_normalized("NFC", vi), key
        assert vi
        assert en, key


def test_numbers_and_dates() -> None:
    assert fmt_int(1176) == "1.176"
    assert fmt_int(1176, "en") == "1,176"
    assert fmt_pct(98.72) == "98,7 %"
    assert fmt_pct(75.0) == "75 %"
    assert fmt_pct(99.915, "en") == "99.9 %"
    assert fmt_pct(None) == "—"
    assert fmt_dist(350.4) == "350 m"
    assert fmt_dist(7012) == "7,0 km"
    assert fmt_vnd(1_250_000_000) == "1,25 tỷ đồng"
    assert fmt_vnd(350_000_000, "en") == "350.0 million VND"
    assert fmt_date("2024-06-30") == "30/06/2024"
    assert tr("page_gaps", "en") == "Gaps"


def test_a_village_share_reads_with_its_basis() -> None:
    from ui.maplayers import share_text

    assert share_text(72.5, "clusters", 4, "vi") == "72,5 % số hộ (4 cụm dân cư)"
    assert share_text(50.0, "area", 1200, "en") == "50 % of the area (1,200 sample points)"
    assert share_text(100.0, "point", 1, "vi") == "100 % (tính tại một điểm của thôn)"
    assert share_text(None, None, None, "vi") == "—"  # a result saved before shares


def test_filter_gaps_kinds_power_and_folded_search() -> None:
    table = pd.DataFrame(
        {
            "name": ["Làng O2", "Thôn Đồng Tre", "Khu phố 1"],
            "commune": ["Xã Vĩnh Kim", "Xã Canh Hiệp", "Phường Nhơn Bình"],
            "district": ["Huyện Vĩnh Thạnh", "Huyện Vân Canh", "Thành phố Quy Nhơn"],
            "households": [35, 80, 400],
            "fiber_reached": [False, False, True],
            "mobile_4g": [False, True, True],
            "has_electricity": [False, True, True],
        }
    )
    assert list(filter_gaps(table)["name"]) == ["Thôn Đồng Tre", "Làng O2"]
    assert list(filter_gaps(table, kind="4g")["name"]) == ["Làng O2"]
    assert list(filter_gaps(table, kind="both")["name"]) == ["Làng O2"]
    assert list(filter_gaps(table, power="with")["name"]) == ["Thôn Đồng Tre"]
    assert list(filter_gaps(table, search="dong tre")["name"]) == ["Thôn Đồng Tre"]
    assert list(filter_gaps(table, search="VINH THANH")["name"]) == ["Làng O2"]
    assert filter_gaps(table, search="không có").empty


def test_upload_report_is_the_command_lines(
    tmp_path: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "thon.csv"
    bad.write_text(
        "village_id,name,commune_id,households,lon,lat\n"
        "V1,Làng O2,21790,-3,108.7,14.3\n"
        "V1,Làng O3,99999,12,108.7,14.31\n",
        encoding="utf-8",
    )
    valid, text, count = validation_report(bad, layer="villages", store=store)
    assert not valid
    assert count is None
    capsys.readouterr()  # anything a logging set-up of an earlier test echoed
    status = cli_main(["validate", str(bad), "--layer", "villages", "--store", str(store.path)])
    _, err = capsys.readouterr()
    assert status == 2
    assert text == err.strip()
    assert "failed validation" in text

    good = tmp_path / "good.csv"
    good.write_text(
        "village_id,name,commune_id,households,lon,lat\nV1,Làng O2,21790,35,108.7,14.3\n",
        encoding="utf-8",
    )
    valid, text, count = validation_report(good, layer="villages", store=store)
    assert valid
    assert count == 1
    capsys.readouterr()  # what the CLI's logging set-up echoed of the app's run
    status = cli_main(["validate", str(good), "--layer", "villages", "--store", str(store.path)])
    out, err = capsys.readouterr()
    assert status == 0
    assert text == err + out.strip()
    assert text.endswith("good.csv: layer 'villages' is valid. 1 features.")


def test_unreadable_upload_is_reported(tmp_path: Path, store: Store) -> None:
    junk = tmp_path / "thon.geojson"
    junk.write_bytes(b"\x00\x01 this is not json")
    valid, text, _ = validation_report(junk, layer="villages", store=store)
    assert not valid
    assert text.startswith("error: ")
    assert "thon.geojson" in text


def test_main_file_of_an_upload() -> None:
    assert main_file(["a.dbf", "a.shx", "a.shp", "a.prj"]) == "a.shp"
    assert main_file(["thon.xlsx"]) == "thon.xlsx"
    assert main_file([]) is None


# --------------------------------------------------------------------------- geodata additions


def test_for_display_simplifies_in_metres_and_rounds() -> None:
    line = gpd.GeoDataFrame(
        {"name": ["a"]},
        geometry=[shapely.LineString([(108.7, 14.3), (108.70001, 14.30501), (108.7, 14.31)])],
        crs=4326,
    )
    out = for_display(line, tolerance_m=10.0, digits=4)
    assert out.crs.to_epsg() == 4326
    assert len(out.geometry.iloc[0].coords) == 2
    assert out.geometry.iloc[0].coords[0] == (108.7, 14.3)
    assert list(out["name"]) == ["a"]
    assert bounds_latlon(out) == ((14.3, 108.7), (14.31, 108.7))
    points = point_latlon(line)
    assert list(points.columns) == ["lat", "lon"]


def test_overlay_is_web_mercator_and_transparent_below_the_threshold() -> None:
    import numpy as np
    import pyproj
    from affine import Affine

    array = np.array([[-90.0, -120.0], [np.nan, -100.0]])
    grid = Grid(array, Affine(1000, 0, 300_000, 0, -1000, 1_600_000), pyproj.CRS(32649))
    image = overlay(grid, colour=(255, 0, 0), threshold=-110.0)
    assert image.rgba.dtype == np.uint8
    assert image.rgba.shape[2] == 4
    alpha = image.rgba[..., 3]
    assert alpha.max() > 0
    assert (alpha == 0).any()
    (south, west), (north, east) = image.bounds
    assert 13 < south < north < 15
    assert 108 < west < east < 110


def test_kml_and_export_bytes(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"name": ["Làng O2 & <x>"], "households": [35], "colour": ["#d7191c"]},
        geometry=[shapely.LineString([(108.70, 14.30), (108.71, 14.31)])],
        crs=4326,
    )
    text = kml_text(frame, name_column="name", colour_column="colour")
    root = ET.fromstring(text.encode())  # noqa: S314 - our own output
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    placemark = root.find(".//k:Placemark", ns)
    assert placemark is not None
    assert placemark.findtext("k:name", namespaces=ns) == "Làng O2 & <x>"
    assert root.find(".//k:Style/k:LineStyle/k:color", ns).text == "ff1c19d7"
    coords = root.findtext(".//k:LineString/k:coordinates", namespaces=ns)
    assert coords == "108.7,14.3 108.71,14.31"
    written = write_kml(frame, tmp_path / "plan.kml", name_column="name")
    assert written.read_text(encoding="utf-8").startswith("<?xml")
    csv = export_bytes(frame, "csv")
    assert csv.startswith(b"\xef\xbb\xbf")
    assert "Làng O2" in csv.decode("utf-8-sig")
    xlsx = pd.read_excel(io.BytesIO(export_bytes(frame, "xlsx", sheet_name="plan")))
    assert list(xlsx["households"]) == [35]
    assert b'"FeatureCollection"' in export_bytes(frame, "geojson")
    assert export_bytes(frame, "kml").startswith(b"<?xml")


@pytest.mark.basedata
@pytest.mark.parametrize("tiles", [False, True])
def test_map_html_refers_to_no_other_host(demo_store_accounts: Path, tiles: bool) -> None:
    """Scripts and styles come from the app; only the opt-in tile layer reaches out."""
    from ui.data import store_version
    from ui.maplayers import coverage_overlays, map_data
    from ui.mapview import build_map

    version = store_version(str(demo_store_accounts), JUNE)
    fmap = build_map(
        map_data(version, "vi"),
        lang="vi",
        selected=VINH_THANH,
        overlays=coverage_overlays(version),
        show_tiles=tiles,
    )
    html = fmap.get_root().render()
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "/app/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    hosts = set(re.findall(r"https?://([^/\"'\s]+)", html))
    if tiles:
        assert hosts
        assert all("openstreetmap" in h for h in hosts), hosts
    else:
        assert not hosts, hosts


def test_covered_rule_carries_the_terrain_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under the rule, the app says how many sites and points lie outside the elevation."""
    import unicodedata as ud

    import ui.shell
    from coverage.engine import CoverageResult
    from ui.data import StoreVersion

    empty = pd.DataFrame()
    outside = {"sites": 3, "villages": 1200, "clusters": 0, "places": 0}
    results = {
        "none": CoverageResult(empty, empty, empty, empty),
        "outside": CoverageResult(empty, empty, empty, empty, terrain_outside=outside),
    }
    for name, result in results.items():
        monkeypatch.setattr(ui.shell, "coverage_result", lambda _v, r=result: r)
        context = ui.shell.Context(lang="vi", version=StoreVersion("x.gpkg", None, "t"))
        text = ui.shell.covered_rule(context)
        assert text.startswith("Có sóng 4G: ngoài trời, 90 % vị trí")
        if name == "none":
            assert "Độ cao" not in text
        else:
            assert "⚠️ Độ cao địa hình: 3 trạm và 1.200 điểm" in text
            assert ud.is_normalized("NFC", text)


def test_columns_mapped_by_hand_over_a_preview_then_imported_and_saved(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_sitelists import odd_list

    content = odd_list(tmp_path / "bts_10.xlsx", "10").read_bytes()
    at = run_app(store.path, monkeypatch, page="data", period=None)
    at.file_uploader(key="upload_files").upload("bts_10.xlsx", content)
    at.selectbox(key="upload_layer").set_value("mobile_sites")
    at.run()
    at.selectbox(key="upload_operator").set_value("MobiFone")
    at.button(key="upload_validate").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "no coordinate columns found" in at.code[0].value
    # the preview shows the first rows under the combined two-row header
    preview = at.dataframe[-1].value  # after the store's layers: the file's first rows
    assert list(preview.columns)[:5] == ["STT", "Mã CSHT", "Tên trạm", "Tọa độ Đông", "Tọa độ Bắc"]
    assert preview["Mã CSHT"].tolist() == ["BDH0101", "BDH0102", "BDH0103"]
    # one dropdown a required column; the operator is the file's, chosen above
    assert sorted(str(s.key) for s in at.selectbox if str(s.key).startswith("colmap_")) == [
        "colmap_height_m", "colmap_site_id", "colmap_tech", "colmap_x", "colmap_y"
    ]  # fmt: skip
    assert at.selectbox(key="colmap_tech").value == "Công nghệ"  # recognised
    at.selectbox(key="colmap_site_id").set_value("Mã CSHT")
    at.selectbox(key="colmap_height_m").set_value("Cao (m)")
    at.selectbox(key="colmap_x").set_value("Tọa độ Đông")
    at.selectbox(key="colmap_y").set_value("Tọa độ Bắc")
    at.button(key="colmap_validate").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == [TEXT["upload_valid"][0].format(n=3)]
    at.text_input(key="upload_save_profile").input("MobiFone — danh sách BTS")
    at.button(key="upload_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value.endswith("Đã lưu hồ sơ nhập “MobiFone — danh sách BTS”.")
    sites = Store(store.path).read("mobile_sites")
    assert sites["site_id"].tolist() == ["BDH0101", "BDH0102", "BDH0103"]
    assert sites["operator"].tolist() == ["MobiFone"] * 3
    (profile,) = Store(store.path).profiles()
    assert profile.columns == {
        "site_id": "Mã CSHT", "tech": "Công nghệ", "height_m": "Cao (m)",
        "x": "Tọa độ Đông", "y": "Tọa độ Bắc",
    }  # fmt: skip
    # next month: the saved profile reads the same form without mapping anything
    november = odd_list(tmp_path / "bts_11.xlsx", "11").read_bytes()
    at.file_uploader(key="upload_files").set_value(
        ("bts_11.xlsx", november, "application/octet-stream")
    )
    at.run()
    at.selectbox(key="upload_profile").set_value("MobiFone — danh sách BTS")
    at.button(key="upload_validate").click().run()
    assert [s.value for s in at.success] == [TEXT["upload_valid"][0].format(n=3)]
