"""Evidence layers: measurements, speed-test tiles and complaints, read, checked and stored.

The sample files in ``tests/data/evidence`` are made by hand in each export's layout
(``docs/EVIDENCE.md`` gives every column mapping and where it was confirmed).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata import Store, import_file, load_layer
from geodata.dates import parse_date, parse_datetimes
from geodata.errors import LayerValidationError
from geodata.evidence import EvidenceLayer, row_ranges
from geodata.importer import EvidenceOptions
from geodata.quadkey import quadkey_bounds
from geodata.store import LayerMeta
from geodata.validate import ValidationContext
from hatangso.cli import main
from tests.test_app import run_app

DATA = Path(__file__).parent / "data" / "evidence"
#: The clock the tests read the samples against (the samples are of November 2024).
NOW = pd.Timestamp("2026-01-01T00:00:00Z")
OPTS = EvidenceOptions(now=NOW)


def measurements(name: str, **options: object) -> EvidenceLayer:
    opts = EvidenceOptions(now=NOW, **options)  # type: ignore[arg-type]
    layer = load_layer(DATA / name, layer="measurements", evidence=opts)
    assert isinstance(layer, EvidenceLayer)
    return layer


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------ quadkeys


def test_quadkey_bounds_computed_by_hand() -> None:
    # "132": x bits 1,1,0 = 6 and y bits 0,1,1 = 3 at zoom 3 (8 tiles a side).
    # west 6/8*360-180 = 90, east 7/8*360-180 = 135; north atan(sinh(pi*(1-2*3/8)))
    # = atan(sinh(pi/4)) = atan(0.8686709615) = 40.97989807 deg; south atan(sinh(0)) = 0.
    west, south, east, north = quadkey_bounds(pd.Series(["132"]))[0]
    assert (west, south, east) == (90.0, 0.0, 135.0)
    assert north == pytest.approx(40.97989806962, abs=1e-9)
    assert math.degrees(math.atan(math.sinh(math.pi / 4))) == pytest.approx(north, abs=1e-12)


def test_quadkey_zoom16_tile_in_binh_dinh() -> None:
    # 1322130332221033: column x = 52619, row y = 30195 of 2**16 (the digits' bits).
    # west = 52619/65536*360-180 = 109.0447998046875 (exact in binary), east 109.05029296875.
    west, south, east, north = quadkey_bounds(pd.Series(["1322130332221033"]))[0]
    assert west == 109.0447998046875
    assert east == 109.05029296875
    n = 2.0**16
    assert north == pytest.approx(
        math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * 30195 / n)))), abs=1e-12
    )
    assert south == pytest.approx(
        math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * 30196 / n)))), abs=1e-12
    )
    assert (north, south) == pytest.approx((13.9927064386586, 13.9873762141465), abs=1e-12)


def test_quadkey_matches_a_published_open_data_row() -> None:
    # A row of Ookla's open data as quoted in a public reader (quadkey, and its WKT tile):
    # POLYGON((-114.614868164062 34.8273320619816, -114.609375 34.8273320619816, ...)).
    bounds = quadkey_bounds(pd.Series(["0230131221113313"]))[0]
    published = (-114.614868164062, 34.822822727237, -114.609375, 34.8273320619816)
    assert bounds == pytest.approx(published, abs=1e-11)


# ------------------------------------------------------------------------------ times


def test_times_vietnamese_iso_epoch_and_zones() -> None:
    values = pd.Series(
        [
            "05/11/2024 08:30",  # day first, local (UTC+7)
            "5-11-2024 08h30",
            "2024-11-05T08:30:00+07:00",
            "2024-11-05 01:30:00Z",
            "2024.11.05_08.30.00",
            "1730770200",  # Unix seconds
            "1730770200000",  # Unix milliseconds
            "",
            "31/02/2024",
            "hôm qua",
        ]
    )
    times, unreadable = parse_datetimes(values)
    expected = pd.Timestamp("2024-11-05T01:30:00Z")
    assert list(times[:7]) == [expected] * 7
    assert times[7:].isna().all()
    assert unreadable.tolist() == [False] * 8 + [True, True]
    assert parse_date("12/03/2024") == "2024-03-12"
    assert parse_date("2024-04-02") == "2024-04-02"


def test_row_ranges() -> None:
    assert row_ranges([9, 2, 3, 4, 7]) == "2-4, 7, 9"


# ------------------------------------------------------------------------------ readers


def test_generic_vietnamese_headers() -> None:
    layer = measurements("do_kiem_tieng_viet.csv")
    frame = layer.frame
    assert len(frame) == 3
    assert layer.rejected.empty
    assert frame["measured_at"].tolist() == [
        "2024-11-05T01:30:00Z",
        "2024-11-05T01:30:05Z",
        "2024-11-05T01:50:00Z",
    ]
    assert frame["operator"].tolist() == ["Viettel", "VNPT", "MobiFone"]
    assert frame["tech"].tolist() == ["4G", "4G", "5G"]
    assert frame["rsrp_dbm"].tolist() == [-95.5, -101.0, -88.0]  # decimal comma read
    assert frame["sinr_db"].tolist() == [12.5, 6.0, 18.0]
    assert frame["download_mbps"].iloc[0] == 35.2
    assert np.isnan(frame["download_mbps"].iloc[1])
    assert frame["campaign"].unique().tolist() == ["Đợt 1 QL1A"]
    assert frame["device_id"].unique().tolist() == ["Máy đo 1"]
    assert frame["source_kind"].unique().tolist() == ["drive_test"]
    # 20 minutes without a sample: a new track, hence a new drive.
    assert frame["track_id"].tolist() == ["1", "1", "2"]
    assert frame["drive_id"].iloc[2] == "Đợt 1 QL1A/Máy đo 1/do_kiem_tieng_viet.csv/2"
    assert frame.geometry.iloc[0].equals(shapely.Point(109.0501, 13.9902))
    assert frame.crs.to_epsg() == 4326


def test_generic_english_headers() -> None:
    frame = measurements("measurements_english.csv").frame
    assert frame["measured_at"].tolist() == [
        "2024-11-05T01:30:00Z",
        "2024-11-05T01:30:05Z",
        "2024-11-05T01:30:00Z",
    ]
    assert frame["operator"].tolist() == ["Viettel", "Vietnamobile", "Viettel"]
    assert frame["tech"].tolist() == ["4G", "3G", "5G"]
    assert frame["source_kind"].tolist() == ["drive_test", "crowdsourced", "speed_test"]
    assert frame["track_id"].tolist() == ["A", "A", "B"]
    assert frame["cell_id"].iloc[0] == "452-04-10501-101"
    assert frame["latency_ms"].iloc[2] == 15.0


def test_generic_excel_with_date_cells(tmp_path: Path) -> None:
    path = tmp_path / "do_kiem.xlsx"
    pd.DataFrame(
        {
            "Thời gian": [pd.Timestamp("2024-11-05 08:30:00"), pd.Timestamp("2024-11-05 08:31")],
            "lon": [109.0501, 109.0503],
            "lat": [13.9902, 13.9905],
            "Nhà mạng": ["Viettel", "MobiFone"],
            "Công nghệ": ["4G", "4G"],
            "RSRP": [-95, -150.5],
        }
    ).to_excel(path, index=False)
    layer = load_layer(path, layer="measurements", evidence=OPTS)
    assert layer.frame["measured_at"].tolist() == ["2024-11-05T01:30:00Z", "2024-11-05T01:31:00Z"]
    assert layer.frame["rsrp_dbm"].tolist() == [-95.0, -150.5]
    assert layer.frame["campaign"].unique().tolist() == ["do_kiem"]  # the file's name


def test_towercollector_export() -> None:
    layer = measurements("towercollector_export.csv")
    frame = layer.frame
    # The neighbouring cell's reading (row 3) is left out, not rejected.
    assert layer.skipped == {"a neighbouring cell's reading (not the serving cell)": 1}
    assert layer.rejected.empty
    assert frame["operator"].tolist() == ["Viettel", "VNPT", "MobiFone"]  # 452-04, -02, -01
    assert frame["tech"].tolist() == ["4G", "3G", "2G"]  # LTE, UMTS, GSM
    assert frame["rsrp_dbm"].tolist() == [-95.0, -85.0, -63.0]
    assert frame["measured_at"].tolist() == [
        "2024-11-05T01:30:00Z",
        "2024-11-05T01:30:04Z",
        "2024-11-05T01:45:00Z",
    ]
    assert frame["cell_id"].tolist() == ["26112001", "1001", "40001"]
    assert frame["device_id"].unique().tolist() == ["Samsung SM-A525F"]
    assert frame["source_kind"].unique().tolist() == ["crowdsourced"]
    assert frame["track_id"].tolist() == ["1", "1", "2"]  # 14 min 56 s gap


def test_gnettrack_log() -> None:
    frame = measurements("gnettrack_log.txt").frame
    # "VN VINAPHONE" is no known spelling: the MCC-MNC column names the operator.
    assert frame["operator"].tolist() == ["Viettel", "VNPT"]
    assert frame["tech"].tolist() == ["4G", "3G"]
    assert frame["rsrp_dbm"].tolist() == [-95.2, -85.0]
    assert frame["rsrq_db"].iloc[0] == -12.3
    assert np.isnan(frame["rsrq_db"].iloc[1])  # Qual is Ec/No for 3G, not RSRQ
    assert frame["cell_id"].tolist() == ["452-04-10501-101", "452-02-20301-1001"]
    assert frame["source_kind"].unique().tolist() == ["drive_test"]
    assert frame["measured_at"].iloc[0] == "2024-11-05T01:30:00Z"


def test_layout_forced_on_another_file_is_refused() -> None:
    with pytest.raises(Exception, match="not a G-NetTrack") as err:
        measurements("do_kiem_tieng_viet.csv", layout="gnettrack")
    assert "Fix:" in str(err.value)


# ------------------------------------------------------------------------------ messy logs


def test_messy_rows_rejected_with_reason_and_row() -> None:
    layer = measurements("messy_log.csv")
    assert len(layer.frame) == 2
    assert layer.frame["rsrp_dbm"].tolist() == [-95.0, -100.0]  # rows 2 and 10
    rejected = layer.rejected
    assert rejected["row"].tolist() == [3, 4, 5, 6, 7, 8, 9]
    assert rejected["reason"].tolist() == [
        "GPS fix at (0, 0), the position a phone logs before it has a fix",
        "the signal level is outside -156…-31 dBm",
        "the signal level is outside -156…-31 dBm",
        "the time is in the future (the phone's clock was wrong?)",
        "an exact duplicate of an earlier row",
        "unknown or empty operator",
        "the time is not readable",
    ]
    assert rejected["value"].tolist()[1:5] == [
        "-160",
        "-20",
        "05/11/2099 08:30:20",
        "same as row 2",
    ]
    messages = [p.format() for p in layer.problems]
    assert any("2 rows rejected (rows 4-5)" in m for m in messages)
    assert all(p.severity == "warning" for p in layer.problems)


def test_strict_refuses_the_whole_file() -> None:
    with pytest.raises(LayerValidationError) as err:
        measurements("messy_log.csv", strict=True)
    report = err.value.report()
    assert "--strict: the file is refused because 7 of its 9 rows are invalid" in report
    assert "row 3" in report
    assert "rows 4-5" in report


def test_outside_province_and_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "time,lon,lat,operator,tech,rsrp\n"
        "05/11/2024 08:30,109.05,13.99,Viettel,4G,-95\n"
        "05/11/2024 08:31,105.85,21.03,Viettel,4G,-95\n",
        encoding="utf-8",
    )
    layer = load_layer(path, layer="measurements", evidence=OPTS)
    assert isinstance(layer, EvidenceLayer)
    assert layer.rejected[["row", "reason"]].to_numpy().tolist() == [[3, "outside Bình Định"]]
    path.write_text("time,lon,lat,operator,rsrp\n05/11/2024 08:30,109.05,13.99,Viettel,-95\n")
    with pytest.raises(LayerValidationError, match="required column 'tech' is missing"):
        load_layer(path, layer="measurements", evidence=OPTS)


# ------------------------------------------------------------------------------ speed tiles


def test_speed_tiles_open_data_layout() -> None:
    layer = load_layer(DATA / "2024-10-01_performance_mobile_tiles.csv", layer="speed_tiles")
    assert isinstance(layer, EvidenceLayer)
    frame = layer.frame
    assert frame["quadkey"].tolist() == ["1322130332221033"]
    assert frame["net_type"].tolist() == ["mobile"]  # from the published file name
    assert frame["quarter_start"].tolist() == ["2024-10-01"]
    assert frame[["avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices"]].iloc[
        0
    ].tolist() == [52310, 12004, 31, 14, 6]
    assert frame.geometry.iloc[0].bounds == pytest.approx(
        (109.0447998046875, 13.9873762141465, 109.05029296875, 13.9927064386586), abs=1e-12
    )
    assert layer.skipped == {"tiles outside Bình Định": 1}  # the Arizona row
    assert layer.rejected[["row", "reason"]].to_numpy().tolist() == [
        [4, "the tile polygon does not match its quadkey"],
        [5, "tests is not a whole number of at least 1"],
    ]


def test_speed_tiles_from_quadkeys_only(tmp_path: Path) -> None:
    path = tmp_path / "tiles.csv"
    path.write_text(
        "quadkey,avg_d_kbps,avg_u_kbps,avg_lat_ms,tests,devices\n1322130332221033,100,50,20,2,1\n"
    )
    layer = load_layer(
        path,
        layer="speed_tiles",
        evidence=EvidenceOptions(net_type="fixed", quarter_start="2024-07-01"),
    )
    assert layer.frame["tile_key"].tolist() == ["fixed/2024-07-01/1322130332221033"]
    assert layer.frame.geometry.iloc[0].bounds[0] == 109.0447998046875


# ------------------------------------------------------------------------------ complaints


def test_complaints_placed_at_their_village() -> None:
    context = ValidationContext(
        known_ids={("villages", None): {"V1", "V2"}},
        village_points={"V1": shapely.Point(108.7, 14.3), "V2": shapely.Point(109.2, 13.8)},
    )
    layer = load_layer(DATA / "phan_anh.csv", layer="complaints", context=context)
    frame = layer.frame
    assert frame["complaint_id"].tolist() == ["PA-01", "PA-02", "PA-03"]
    assert frame["received_on"].tolist() == ["2024-03-12", "2024-04-02", "2024-04-15"]
    assert frame["kind"].tolist() == ["no_signal", "weak_signal", "no_fiber"]
    assert frame["status"].tolist() == ["open", "in_progress", "resolved"]
    assert frame["reported_by"].tolist() == ["commune", "citizen", "citizen"]
    assert frame["operator"].tolist()[0] == "Viettel"
    assert frame["place"].tolist()[0] == "Làng O2"
    assert [(g.x, g.y) for g in frame.geometry] == [
        (108.7, 14.3),
        (109.0501, 13.9902),
        (109.2, 13.8),
    ]


def test_complaints_placed_at_the_store_villages(store: Store, tmp_path: Path) -> None:
    villages = tmp_path / "thon.csv"
    villages.write_text(
        "village_id,name,commune_id,households,lon,lat\n"
        "V1,Làng O2,21790,40,108.7,14.3\n"
        "V2,Thôn 5,21550,120,109.2,13.83\n",
        encoding="utf-8",
    )
    import_file(villages, layer="villages", into=store)
    layer = import_file(DATA / "phan_anh.csv", layer="complaints", into=store)
    assert layer is not None
    back = store.read("complaints")
    assert back["village_id"].fillna("").tolist() == ["V1", "", "V2"]
    assert [(g.x, g.y) for g in back.geometry] == [
        (108.7, 14.3),
        (109.0501, 13.9902),
        (109.2, 13.83),
    ]


def test_complaint_without_place_is_refused() -> None:
    with pytest.raises(LayerValidationError) as err:
        load_layer(DATA / "phan_anh.csv", layer="complaints")  # no village is known
    report = err.value.report()
    assert "row 2, id 'PA-01': has no geometry" in report
    assert "or the village_id of a village the store holds" in report


# ------------------------------------------------------------------------------ the store


def test_store_round_trip_and_batches(backend_store: Store, tmp_path: Path) -> None:
    store = backend_store
    first = import_file(
        DATA / "do_kiem_tieng_viet.csv",
        layer="measurements",
        into=store,
        as_of="2024-12-31",
        evidence=OPTS,
    )
    assert first is not None
    back = store.read("measurements")
    assert len(back) == 3
    assert back["measured_at"].tolist() == first.frame["measured_at"].tolist()
    assert back["rsrp_dbm"].tolist() == [-95.5, -101.0, -88.0]
    assert back["drive_id"].tolist() == first.frame["drive_id"].tolist()
    assert back.geometry.iloc[0].equals(shapely.Point(109.0501, 13.9902))
    # Another file is added; the same file again replaces only its own rows.
    import_file(DATA / "towercollector_export.csv", layer="measurements", into=store, evidence=OPTS)
    assert len(store.read("measurements")) == 6
    import_file(DATA / "do_kiem_tieng_viet.csv", layer="measurements", into=store, evidence=OPTS)
    back = store.read("measurements")
    assert len(back) == 6
    assert back["source_file"].value_counts().to_dict() == {
        "towercollector_export.csv": 3,
        "do_kiem_tieng_viet.csv": 3,
    }
    import_file(DATA / "2024-10-01_performance_mobile_tiles.csv", layer="speed_tiles", into=store)
    tiles = store.read("speed_tiles")
    assert tiles["tests"].tolist() == [14]
    assert tiles.geometry.iloc[0].bounds == pytest.approx(
        (109.0447998046875, 13.9873762141465, 109.05029296875, 13.9927064386586), abs=1e-9
    )
    path = tmp_path / "pa.csv"
    path.write_text(
        "Mã phản ánh,Ngày tiếp nhận,Loại,Kinh độ,Vĩ độ\nPA-9,05/11/2024,Mất sóng,109.05,13.99\n",
        encoding="utf-8",
    )
    import_file(path, layer="complaints", into=store)
    back_pa = store.read("complaints")
    assert back_pa[["complaint_id", "received_on", "kind", "status"]].to_numpy().tolist() == [
        ["PA-9", "2024-11-05", "no_signal", "open"]
    ]
    # Evidence is no input of the prediction: read_all leaves it out unless asked.
    assert set(store.read_all()) == set()
    assert set(store.read_all(evidence=True)) == {"measurements", "speed_tiles", "complaints"}


def test_evidence_import_keeps_the_saved_coverage(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.gpkg")
    units = gpd.GeoDataFrame(
        {"unit_id": ["52"], "name": ["Bình Định"], "level": ["province"], "parent_id": [None]},
        geometry=[shapely.box(108.6, 13.5, 109.37, 14.71)],
        crs=4326,
    )
    meta = LayerMeta(source="test", licence="test", synthetic=True)
    store.write({"admin_units": units}, {"admin_units": meta}, as_of="2024-12-31")
    store.save_result("coverage", "coverage", {}, {"x": 1})
    import_file(DATA / "messy_log.csv", layer="measurements", into=store, evidence=OPTS)
    assert store.read_result("coverage") is not None


def test_failed_import_leaves_the_store_untouched(tmp_path: Path) -> None:
    path = tmp_path / "s.gpkg"
    store = Store(path)
    import_file(DATA / "do_kiem_tieng_viet.csv", layer="measurements", into=store, evidence=OPTS)
    before, version = digest(path), store.version()
    with pytest.raises(LayerValidationError):
        import_file(
            DATA / "messy_log.csv",
            layer="measurements",
            into=store,
            evidence=EvidenceOptions(now=NOW, strict=True),
        )
    bad = tmp_path / "all_bad.csv"
    bad.write_text("time,lon,lat,operator,tech,rsrp\n05/11/2024 08:30,0,0,Viettel,4G,-95\n")
    with pytest.raises(LayerValidationError, match="no valid sample"):
        import_file(bad, layer="measurements", into=store, evidence=OPTS)
    assert digest(path) == before
    assert store.version() == version
    assert len(store.read("measurements")) == 3


def test_samples_after_the_period_are_flagged(tmp_path: Path) -> None:
    layer = import_file(
        DATA / "do_kiem_tieng_viet.csv",
        layer="measurements",
        into=tmp_path / "s.gpkg",
        as_of="2024-06-30",
        evidence=OPTS,
    )
    assert layer is not None
    assert any("3 of 3 samples were measured after 2024-06-30" in p.message for p in layer.warnings)


# ------------------------------------------------------------------------------ command line


def test_cli_import_reports_and_writes_rejected_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.gpkg"
    rejected = tmp_path / "rejected.csv"
    args = ["import", str(DATA / "messy_log.csv"), "--layer", "do kiem", "--into", str(store)]
    assert main([*args, "--strict"]) == 2
    out, err = capsys.readouterr()
    assert "--strict: the file is refused" in err
    assert not store.exists()
    assert main([*args, "--as-of", "2024-12-31", "--rejected", str(rejected), "--json"]) == 0
    out, err = capsys.readouterr()
    payload = json.loads(out)
    assert (payload["rows_read"], payload["rows_kept"], payload["rows_rejected"]) == (9, 2, 7)
    assert payload["rejected"][0] == {
        "row": 3,
        "reason": "GPS fix at (0, 0), the position a phone logs before it has a fix",
        "column": "lon",
        "value": "0, 0",
    }
    table = pd.read_csv(rejected, encoding="utf-8-sig")
    assert table["row"].tolist() == [3, 4, 5, 6, 7, 8, 9]
    assert "Traceback" not in out + err


# ------------------------------------------------------------------------------ the app


def test_data_page_offers_the_evidence_layers(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(store.location, monkeypatch, page="data", period=None)
    layer = at.selectbox(key="upload_layer")
    assert {
        "Đo kiểm sóng di động (measurements)",
        "Ô đo tốc độ (dữ liệu mở) (speed_tiles)",
        "Phản ánh mất sóng, thiếu cáp quang (complaints)",
    } <= set(layer.options)
    at = layer.set_value("measurements").run()
    assert not at.exception
    shown = " ".join(c.value for c in at.caption)
    assert "các dòng hợp lệ được giữ lại" in shown
    assert at.checkbox(key="upload_strict").label == "Nghiêm ngặt: từ chối cả tệp nếu có dòng lỗi"
    assert at.text_input(key="upload_campaign").label == "Đợt đo kiểm"
