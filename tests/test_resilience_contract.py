"""The resilience attributes of the contract: site backup power, tower, backhaul; route build.

Files written here as an operator would send them (CSV with Vietnamese headers); every
refusal names the row and the column.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata import LayerValidationError
from geodata.load import read_raw
from geodata.schemas import DEFAULT_BATTERY_HOURS
from geodata.validate import validate_layer

HEADER = "Mã trạm,Nhà mạng,Công nghệ,Độ cao,Kinh độ,Vĩ độ"


def _sites(tmp_path: Path, extra_header: str, rows: list[str]) -> Path:
    base = [
        "S1,Viettel,4G,30,109.20,13.78",
        "S2,Viettel,4G,30,109.21,13.79",
        "S3,Viettel,4G,30,109.22,13.80",
    ]
    lines = [HEADER + ("," + extra_header if extra_header else "")]
    lines += [b + "," + r for b, r in zip(base, rows, strict=True)] if extra_header else base
    path = tmp_path / "tram.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_defaults_when_the_columns_are_absent(tmp_path: Path) -> None:
    path = _sites(tmp_path, "", [])
    frame = validate_layer(read_raw(path, layer="mobile_sites"), "mobile_sites").frame
    assert frame["battery_hours"].tolist() == [DEFAULT_BATTERY_HOURS] * 3
    assert frame["generator"].tolist() == [False] * 3
    assert frame["backhaul"].tolist() == ["fiber"] * 3
    assert frame["tower_type"].isna().all()
    assert frame["backhaul_to"].isna().all()


def test_vietnamese_values_are_read(tmp_path: Path) -> None:
    path = _sites(
        tmp_path,
        "Giờ ắc quy,Máy phát,Loại cột,Truyền dẫn,Viba đến",
        ["4,có,cột tự đứng,cáp quang,", "0,không,dây co,viba,S1", ",,trên mái,vệ tinh,"],
    )
    frame = validate_layer(read_raw(path, layer="mobile_sites"), "mobile_sites").frame
    assert frame["battery_hours"].tolist() == [4.0, 0.0, DEFAULT_BATTERY_HOURS]
    assert frame["generator"].tolist() == [True, False, False]
    assert frame["tower_type"].tolist() == ["self_supporting", "guyed", "rooftop"]
    assert frame["backhaul"].tolist() == ["fiber", "microwave", "satellite"]
    assert frame["backhaul_to"].tolist()[1] == "S1"


def test_bad_values_name_row_and_column(tmp_path: Path) -> None:
    path = _sites(
        tmp_path,
        "Giờ ắc quy,Loại cột,Truyền dẫn,Viba đến",
        ["-1,cột tự đứng,viba,", "3,tháp nước,cáp quang,S1", "3,,viba,S9"],
    )
    with pytest.raises(LayerValidationError) as info:
        validate_layer(read_raw(path, layer="mobile_sites"), "mobile_sites")
    text = str(info.value)
    assert "battery_hours" in text
    assert "-1 is negative" in text
    assert "'tháp nước'" in text
    assert "tower_type" in text
    assert "does not say which site its link goes to" in text
    assert "names 'S1' in 'backhaul_to' but its backhaul is fiber" in text
    assert "'S9' is not a known mobile_sites" in text
    rows = {p.row for p in info.value.problems}
    assert {2, 3, 4} <= rows  # header is row 1


def test_microwave_loop_is_refused(tmp_path: Path) -> None:
    path = _sites(tmp_path, "Truyền dẫn,Viba đến", ["viba,S2", "viba,S1", "cáp quang,"])
    with pytest.raises(LayerValidationError) as info:
        validate_layer(read_raw(path, layer="mobile_sites"), "mobile_sites")
    problems = [p for p in info.value.problems if p.column == "backhaul_to"]
    assert len(problems) == 2
    assert "S1 → S2 → S1" in str(info.value)


def test_route_build(tmp_path: Path) -> None:
    path = tmp_path / "cap.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"ma_tuyen":"R1","nha_mang":"VNPT","cap":"truy nhap",'
        '"hinh_thuc":"cáp ngầm"},"geometry":{"type":"LineString","coordinates":'
        "[[109.2,13.78],[109.21,13.78]]}},"
        '{"type":"Feature","properties":{"ma_tuyen":"R2","nha_mang":"VNPT","cap":"truy nhap",'
        '"hinh_thuc":null},"geometry":{"type":"LineString","coordinates":'
        "[[109.2,13.79],[109.21,13.79]]}},"
        '{"type":"Feature","properties":{"ma_tuyen":"R3","nha_mang":"VNPT","cap":"truy nhap",'
        '"hinh_thuc":"dưới nước"},"geometry":{"type":"LineString","coordinates":'
        "[[109.2,13.80],[109.21,13.80]]}}]}",
        encoding="utf-8",
    )
    with pytest.raises(LayerValidationError) as info:
        validate_layer(read_raw(path, layer="fiber_routes"), "fiber_routes")
    assert "unknown value 'dưới nước'" in str(info.value)
    assert "build" in str(info.value)
    ok = tmp_path / "ok.geojson"
    ok.write_text(path.read_text(encoding="utf-8").replace("dưới nước", "treo"), encoding="utf-8")
    frame = validate_layer(read_raw(ok, layer="fiber_routes"), "fiber_routes").frame
    assert frame["build"].tolist() == ["buried", "aerial", "aerial"]


def test_places_a_disaster_must_keep_connected(tmp_path: Path) -> None:
    path = tmp_path / "dia_diem.csv"
    path.write_text(
        "Mã,Tên,Loại,Kinh độ,Vĩ độ\n"
        "P1,UBND xã Nhơn Lý,UBND xã,109.28,13.88\n"
        "P2,Ban chỉ huy PCTT tỉnh,Ban chỉ huy phòng chống thiên tai,109.22,13.77\n",
        encoding="utf-8",
    )
    frame = validate_layer(read_raw(path, layer="priority_places"), "priority_places").frame
    assert frame["kind"].tolist() == ["commune_office", "command_post"]
