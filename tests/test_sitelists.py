"""Files as they really arrive: an operator's site list with a title block, a merged two-row
header, a "Tổng cộng" row and a second sheet; names where codes belong; import profiles.

The workbooks are built here with openpyxl the way officials make them (merged cells,
units in the headers, a covering letter's number in the title block); every expected
message is written out in full.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyproj
import pytest
import shapely

from geodata import (
    InputError,
    InputFileError,
    LayerValidationError,
    LegacyEncodingWarning,
    Store,
    import_file,
    load_layer,
)
from geodata.crs import VN2000_BINHDINH
from geodata.load import read_raw
from geodata.mapping import ImportProfile, id_preference, operator_from_codes, operator_from_title
from geodata.sheet_table import describe_skipped
from geodata.sheets import split_header
from geodata.text import encode_legacy, fold
from geodata.units import UnitNames, name_key, tone_key
from geodata.validate import ValidationContext, validate_layer
from hatangso.cli import main

#: Three MobiFone sites: two in Xã Vĩnh Kim (21790), one in Phường Nhơn Bình (21550).
SITES = [
    (1, "BDH0101", "Vĩnh Kim 1", 108.72, 14.28, 30, "4G", "Làng O2, xã Vĩnh Kim"),
    (2, "BDH0102", "Nhơn Bình", 109.18, 13.83, 42, "4G,5G", "Phường Nhơn Bình"),
    (3, "BDH0103", "Vĩnh Kim 2", 108.75, 14.30, 36, "4G", "Làng Kon Trú"),
]


def site_list(
    path: Path,
    *,
    title: str = "TỔNG CÔNG TY VIỄN THÔNG MOBIFONE",
    letter: str = "Số: 1234/MOBIFONE-KV3",
    attachment: str = "(Kèm theo Công văn số 1234/MOBIFONE-KV3 ngày 05/11/2026)",
    coords: tuple[str, str] = ("Kinh độ (WGS84)", "Vĩ độ (WGS84)"),
    sites: Sequence[tuple[object, ...]] | None = None,
    code_header: str = "Mã trạm",
    height_header: str = "Độ cao anten (m)",
) -> Path:
    """An operator's site list as sent: title block (rows 1–5), header over rows 6–7
    ("Tọa độ" merged over the coordinates, the other headers merged down), a row of
    column numbers (8), the sites (9–11), "Tổng cộng" (12), a signature line (14) and a
    second sheet of notes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Danh sách BTS"
    ws["A1"] = title
    ws.merge_cells("A1:C1")
    ws["E1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws.merge_cells("E1:H1")
    ws["A2"] = letter
    ws["E2"] = "Độc lập - Tự do - Hạnh phúc"
    ws["A4"] = "DANH SÁCH TRẠM BTS TRÊN ĐỊA BÀN TỈNH BÌNH ĐỊNH"
    ws.merge_cells("A4:H4")
    ws["A5"] = attachment
    ws.merge_cells("A5:H5")
    heads = {
        "A": "STT",
        "B": code_header,
        "C": "Tên trạm",
        "F": height_header,
        "G": "Công nghệ",
        "H": "Địa chỉ",
    }
    for col, text in heads.items():
        ws[f"{col}6"] = text
        ws.merge_cells(f"{col}6:{col}7")
    ws["D6"] = "Tọa độ"
    ws.merge_cells("D6:E6")
    ws["D7"], ws["E7"] = coords
    for j in range(8):
        ws.cell(8, j + 1, j + 1)
    for i, row in enumerate(SITES if sites is None else sites):
        for j, value in enumerate(row):
            ws.cell(9 + i, j + 1, value)
    ws["A12"] = "Tổng cộng"
    ws.merge_cells("A12:C12")
    ws["F12"] = 108
    ws["A14"] = "Người lập biểu"
    notes = wb.create_sheet("Ghi chú")
    notes["A1"] = "Số liệu đến ngày 31/10/2026"
    wb.save(path)
    return path


def neutral_list(path: Path, sites: Sequence[tuple[object, ...]] | None = None) -> Path:
    """The site list under a title block that names no operator."""
    return site_list(
        path,
        title="DANH SÁCH",
        letter="Số: 12/KT",
        attachment="(Kèm theo Công văn số 12/KT)",
        sites=sites,
    )


SKIPPED = (
    "bts.xlsx: skipped rows 1–5 (title), row 8 (column numbers), row 12 (total 'Tổng cộng'), "
    "row 13 (blank), row 14 (note 'Người lập biểu')."
)


# ------------------------------------------------------------------ title, header, totals


def test_title_block_merged_header_and_total_row(tmp_path: Path) -> None:
    validated = load_layer(site_list(tmp_path / "bts.xlsx"), layer="mobile_sites")
    frame = validated.frame
    assert frame["site_id"].tolist() == ["BDH0101", "BDH0102", "BDH0103"]
    assert frame["height_m"].tolist() == [30.0, 42.0, 36.0]
    assert frame["tech"].tolist() == ["4G", "4G,5G", "4G"]
    assert frame.geometry.x.round(6).tolist() == [108.72, 109.18, 108.75]
    assert frame["Tên trạm"].tolist() == ["Vĩnh Kim 1", "Nhơn Bình", "Vĩnh Kim 2"]
    assert validated.notes[:3] == [
        (
            "bts.xlsx: read sheet 'Danh sách BTS' (the workbook also has 'Ghi chú'; choose "
            "another with --sheet)."
        ),
        "bts.xlsx: header found on rows 6–7.",
        SKIPPED,
    ]


def test_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path: Path) -> None:
    sites = [list(s) for s in SITES]
    sites[1][5] = "cao"  # the height of the site on spreadsheet row 10
    path = site_list(tmp_path / "bts.xlsx", sites=[tuple(s) for s in sites])
    with pytest.raises(LayerValidationError) as info:
        load_layer(path, layer="mobile_sites")
    assert info.value.report() == (
        "bts.xlsx: layer 'mobile_sites' failed validation (1 problem):\n"
        "  - row 10, id 'BDH0102', column 'height_m': 'cao' is not a number. Fix: enter a "
        "number."
    )


def test_the_old_reader_refused_it_and_a_sheet_without_coordinates_still_is(
    tmp_path: Path,
) -> None:
    path = site_list(tmp_path / "bts.xlsx")
    with pytest.raises(InputFileError) as info:
        load_layer(path, layer="mobile_sites", sheet="ghi chu")
    assert str(info.value) == (
        "bts.xlsx: no coordinate columns found (columns (no header recognised; row 1 read): "
        "Số liệu đến ngày 31/10/2026). Add longitude/latitude columns named lon/lat (or "
        "Kinh độ/Vĩ độ, x/y), or map the columns by hand (the app's column mapping, or a "
        "saved --profile). This is sheet 'Ghi chú'; the workbook's sheets are 'Danh sách "
        "BTS', 'Ghi chú' (choose one with --sheet)."
    )


def test_sheet_by_name_index_or_refused_with_the_sheets(tmp_path: Path) -> None:
    path = site_list(tmp_path / "bts.xlsx")
    by_name = load_layer(path, layer="mobile_sites", sheet="DANH SACH BTS")
    by_index = load_layer(path, layer="mobile_sites", sheet="0")
    assert by_name.frame["site_id"].tolist() == by_index.frame["site_id"].tolist()
    with pytest.raises(InputFileError) as info:
        load_layer(path, layer="mobile_sites", sheet="Trạm 5G")
    assert str(info.value) == (
        "bts.xlsx: has no sheet 'Trạm 5G'. Its sheets are 'Danh sách BTS', 'Ghi chú'; name "
        "one with --sheet."
    )


def test_a_cover_sheet_first_is_passed_over_and_said_so(tmp_path: Path) -> None:
    path = site_list(tmp_path / "bts.xlsx")
    book = openpyxl.load_workbook(path)
    cover = book.create_sheet("Bìa", 0)
    cover["A1"] = "BÁO CÁO HẠ TẦNG TRẠM BTS"
    book.save(path)
    validated = load_layer(path, layer="mobile_sites")
    assert validated.frame["site_id"].tolist() == ["BDH0101", "BDH0102", "BDH0103"]
    assert validated.notes[:2] == [
        "bts.xlsx: the first sheet 'Bìa' holds no table of mobile_sites.",
        (
            "bts.xlsx: read sheet 'Danh sách BTS' (the workbook also has 'Bìa', 'Ghi chú'; "
            "choose another with --sheet)."
        ),
    ]
    with pytest.raises(InputFileError, match="This is sheet 'Bìa'"):
        load_layer(path, layer="mobile_sites", sheet="Bìa")


def test_total_row_of_sums_without_text_and_section_headings(tmp_path: Path) -> None:
    path = tmp_path / "thon.csv"
    path.write_text(
        "DANH SÁCH THÔN;;;;\n"
        ";;;;\n"
        "Mã thôn;Tên thôn;Mã xã;Số hộ;Kinh độ;Vĩ độ\n"
        "Huyện Vĩnh Thạnh;;;;;\n"
        "21790-01;Làng O2;21790;48;108,70;14,25\n"
        "21790-02;Làng K2;21790;120;108,72;14,28\n"
        "Thành phố Quy Nhơn;;;;;\n"
        "21550-01;Khu phố 1;21550;800;109,18;13,83\n"
        ";;;968;;\n",
        encoding="utf-8",
    )
    validated = load_layer(path, layer="villages")
    assert validated.frame["households"].tolist() == [48, 120, 800]
    assert validated.notes[:2] == [
        "thon.csv: header found on row 3.",
        (
            "thon.csv: skipped rows 1–2 (title), row 4 (heading 'Huyện Vĩnh Thạnh'), row 7 "
            "(heading 'Thành phố Quy Nhơn'), row 9 (total (sums))."
        ),
    ]


def test_a_row_of_units_under_the_header_and_a_total_with_its_count(tmp_path: Path) -> None:
    path = tmp_path / "bts.csv"
    path.write_text(
        "Mã trạm,Nhà mạng,Công nghệ,Độ cao,Băng tần,Kinh độ,Vĩ độ\n"
        ",,,(m),(GHz),(WGS84),(WGS84)\n"
        'VTL-01,Viettel,4G,30,"1,8",108.72,14.28\n'
        "Tổng: 1 trạm,,,,,,\n",
        encoding="utf-8",
    )
    validated = load_layer(path, layer="mobile_sites")
    assert validated.frame["band_mhz"].tolist() == [1800.0]
    assert validated.columns["height_m"] == "Độ cao (m)"
    assert validated.notes[0] == "bts.csv: skipped row 2 (units), row 4 (total 'Tổng: 1 trạm')."


def test_tcvn3_csv_with_a_title_block(tmp_path: Path) -> None:
    text = (
        "Danh sách thôn, làng xã Vĩnh Kim\n"
        "\n"
        "Mã thôn,Tên thôn,Mã xã,Số hộ,Kinh độ,Vĩ độ\n"
        "21790-01,Làng O2,21790,48,108.70,14.25\n"
        "21790-02,Làng K2,21790,120,108.72,14.28\n"
    )
    path = tmp_path / "thon_tcvn3.csv"
    path.write_bytes(encode_legacy(text, "tcvn3"))
    with pytest.warns(LegacyEncodingWarning), pytest.raises(InputFileError) as info:
        load_layer(path, layer="villages")
    assert str(info.value).endswith("The text looks TCVN3-encoded: re-run with --encoding tcvn3.")
    validated = load_layer(path, layer="villages", encoding="tcvn3")
    assert validated.frame["name"].tolist() == ["Làng O2", "Làng K2"]
    assert validated.notes[1] == "thon_tcvn3.csv: skipped rows 1–2 (title)."


def windows_1258(text: str) -> bytes:
    """Encode as Windows-1258 writes Vietnamese: letters with their tone as a combining mark."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def test_windows_1258_csv_with_a_title_block(tmp_path: Path) -> None:
    path = tmp_path / "thon.csv"
    path.write_bytes(
        windows_1258(
            "DANH SÁCH THÔN, LÀNG XÃ VĨNH KIM;;;;;\n"
            "Mã thôn;Tên thôn;Mã xã;Số hộ;Kinh độ;Vĩ độ\n"
            "21790-01;Làng O2;21790;48;108,70;14,25\n"
            "21790-03;Làng Kon Trú;21790;95;108,75;14,30\n"
            "Cộng;;;143;;\n"
        )
    )
    validated = load_layer(path, layer="villages")
    assert validated.frame["name"].tolist() == ["Làng O2", "Làng Kon Trú"]
    assert validated.notes == [
        "thon.csv: header found on row 2.",
        "thon.csv: skipped row 1 (title), row 5 (total 'Cộng').",
    ]


def test_skipped_rows_are_written_as_ranges() -> None:
    assert describe_skipped([(1, "title"), (2, "title"), (3, "blank"), (9, "total 'Cộng'")]) == (
        "rows 1–2 (title), row 3 (blank), row 9 (total 'Cộng')"
    )


# ------------------------------------------------------------------ code beats name


def test_code_beats_name_for_the_site_id(tmp_path: Path) -> None:
    validated = load_layer(site_list(tmp_path / "bts.xlsx"), layer="mobile_sites")
    assert validated.columns["site_id"] == "Mã trạm"
    assert (
        "bts.xlsx: site_id read from 'Mã trạm' (a code); 'Tên trạm' kept as a column (a "
        "name is not a code)."
    ) in validated.notes
    assert id_preference("ma_tram", ["MBF01", "MBF02"]) < id_preference("ten_tram", ["A", "B"])
    # two columns named alike: the one of unique short codes wins over free text
    assert id_preference("site", ["MBF01", "MBF02"]) < id_preference("site", ["Vĩnh Kim 1", "x"])


def test_a_name_alone_is_still_read_as_the_id(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"Tên trạm": ["Vĩnh Kim 1"], "Nhà mạng": ["MobiFone"], "Công nghệ": ["4G"],
         "Độ cao (m)": [30], "lon": [108.72], "lat": [14.28]}
    )  # fmt: skip
    path = tmp_path / "bts.csv"
    frame.to_csv(path, index=False)
    assert load_layer(path, layer="mobile_sites").frame["site_id"].tolist() == ["Vĩnh Kim 1"]


# ------------------------------------------------------------------ units in headers


def test_headers_with_units_and_notes_are_recognised() -> None:
    assert split_header("Độ cao anten (m)").key == "do_cao_anten"
    assert split_header("Kinh độ (WGS84)").notes == ("WGS84",)
    assert split_header("Vĩ độ [VN-2000, múi 3°]").key == "vi_do"


def test_units_in_headers_are_converted_or_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"Mã trạm": ["MBF01"], "Nhà mạng": ["MobiFone"], "Công nghệ": ["5G"],
         "Độ cao cột (m)": [30], "Băng tần (GHz)": ["3,5"], "Công suất phát (W)": [20],
         "lon": [108.72], "lat": [14.28]}
    )  # fmt: skip
    path = tmp_path / "bts.csv"
    frame.to_csv(path, index=False)
    validated = load_layer(path, layer="mobile_sites")
    assert validated.frame["band_mhz"].tolist() == [3500.0]
    # 20 W = 20 000 mW: 10·log10(20 000) = 43.0103 dBm
    assert validated.frame["eirp_dbm"].round(4).tolist() == [43.0103]
    assert validated.notes[-2:] == [
        "bts.csv: eirp_dbm read from 'Công suất phát (W)' in W, converted to dBm (10·log10(mW)).",
        "bts.csv: band_mhz read from 'Băng tần (GHz)' in GHz, converted to MHz (×1000).",
    ]
    frame = frame.rename(columns={"Độ cao cột (m)": "Độ cao cột (W)"})
    frame.to_csv(path, index=False)
    with pytest.raises(LayerValidationError) as info:
        load_layer(path, layer="mobile_sites")
    assert info.value.errors[0].format() == (
        "column 'height_m': 'Độ cao cột (W)' states the unit 'W', but 'height_m' is in m (cm, "
        "km, m, met, meter, metre converted). Fix: check the column mapping."
    )


def test_vn2000_named_in_the_header_decides_the_crs(tmp_path: Path) -> None:
    to_vn = pyproj.Transformer.from_crs(4326, VN2000_BINHDINH, always_xy=True)
    sites = []
    for site in SITES:
        x, y = to_vn.transform(site[3], site[4])
        sites.append((*site[:3], round(x, 3), round(y, 3), *site[5:]))
    path = site_list(tmp_path / "bts.xlsx", coords=("X (VN-2000)", "Y (VN-2000)"), sites=sites)
    validated = load_layer(path, layer="mobile_sites")
    assert (
        "bts.xlsx (columns 'X (VN-2000)', 'Y (VN-2000)'): CRS taken from the header: "
        "EPSG:9217 (VN-2000 / TM-3 108-15) (--crs vn2000-binhdinh)."
    ) in validated.notes
    got = validated.frame.to_crs(32649).geometry
    want = gpd.GeoSeries([shapely.Point(s[3], s[4]) for s in SITES], crs=4326).to_crs(32649)
    assert got.distance(want, align=False).max() < 0.01  # metres: the coordinates' mm


# ------------------------------------------------------------------ the file's operator


def test_operator_from_the_title_block(tmp_path: Path) -> None:
    validated = load_layer(site_list(tmp_path / "bts.xlsx"), layer="mobile_sites")
    assert validated.frame["operator"].tolist() == ["MobiFone"] * 3
    assert validated.notes[-1] == (
        "bts.xlsx: operator MobiFone for every row, recognised from the title block "
        "('TỔNG CÔNG TY VIỄN THÔNG MOBIFONE')."
    )
    assert operator_from_title("Số: 88/VNPT-KHDN") == "VNPT"
    assert operator_from_title("Viettel và MobiFone") is None  # two: no guess


def test_operator_given_on_the_command_line(tmp_path: Path) -> None:
    path = neutral_list(tmp_path / "bts.xlsx")
    validated = load_layer(path, layer="mobile_sites", operator="mobifone")
    assert validated.frame["operator"].tolist() == ["MobiFone"] * 3
    assert (
        validated.notes[-1] == "bts.xlsx: operator MobiFone for every row, given with --operator."
    )
    with pytest.raises(InputError) as info:
        load_layer(path, layer="mobile_sites", operator="FooTel")
    assert str(info.value) == (
        "--operator 'FooTel' is not a known operator. Use one of: Viettel, VNPT-VinaPhone, "
        "MobiFone, Vietnamobile, FPT Telecom, SCTV, CMC Telecom, Gtel Mobile."
    )


def test_operator_from_the_site_codes_prefix(tmp_path: Path) -> None:
    sites = [(s[0], f"MBF{s[1][3:]}", *s[2:]) for s in SITES]
    path = neutral_list(tmp_path / "bts.xlsx", sites)
    validated = load_layer(path, layer="mobile_sites")
    assert validated.notes[-1] == (
        "bts.xlsx: operator MobiFone for every row, recognised from the site_ids' prefix: "
        "all 3 start with 'MBF' (a guess: give --operator if it is wrong)."
    )
    assert operator_from_codes(["VTL-21790-01", "VTL-21550-02"]) == ("Viettel", "VTL")
    assert operator_from_codes(["BDH0101", "BDH0102"]) is None


def test_no_operator_anywhere_is_refused_with_the_option(tmp_path: Path) -> None:
    path = neutral_list(tmp_path / "bts.xlsx")
    with pytest.raises(LayerValidationError) as info:
        load_layer(path, layer="mobile_sites")
    assert info.value.errors[0].fix.endswith(
        "Or give the operator of the whole file with --operator NAME (the app: 'Nhà mạng của tệp')."
    )


def test_a_complaint_s_operator_is_never_guessed_for_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "phan_anh.csv"
    path.write_text(
        "TỔNG HỢP PHẢN ÁNH MẤT SÓNG VIETTEL THÁNG 10/2026\n"
        "Mã phản ánh,Ngày,Loại,Kinh độ,Vĩ độ\n"
        "PA-01,05/10/2026,mất sóng,108.72,14.28\n",
        encoding="utf-8",
    )
    # through the contract reader (geodata.evidence reads complaint tables its own way)
    validated = validate_layer(read_raw(path, layer="complaints"), "complaints")
    assert validated.frame["operator"].tolist() == [None]
    assert not any("operator" in note for note in validated.notes)


def test_operator_column_disagreeing_with_the_option(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"Mã trạm": ["MBF01", "VTL02", "X03"], "Nhà mạng": ["MobiFone", "Viettel", None],
         "Công nghệ": ["4G"] * 3, "Độ cao (m)": [30, 30, 30],
         "lon": [108.72, 108.73, 108.74], "lat": [14.28, 14.28, 14.28]}
    )  # fmt: skip
    path = tmp_path / "bts.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(LayerValidationError) as info:
        load_layer(path, layer="mobile_sites", operator="MobiFone")
    assert info.value.report() == (
        "bts.csv: layer 'mobile_sites' failed validation (1 problem):\n"
        "  - row 3, id 'VTL02', column 'operator': names operator 'Viettel', but the file is "
        "'MobiFone' (--operator). Fix: drop --operator for a file of several operators, or "
        "correct the row."
    )


# ------------------------------------------------------------------ commune names


def units_context() -> ValidationContext:
    """Units of Bình Định with a shared name (Ngô Mây) and an old-style "Hoà" (An Hòa)."""
    units = [
        ("52", "Tỉnh Bình Định", "province", None),
        ("540", "Thành phố Quy Nhơn", "district", "52"),
        ("542", "Huyện An Lão", "district", "52"),
        ("547", "Huyện Vĩnh Thạnh", "district", "52"),
        ("549", "Huyện Phù Cát", "district", "52"),
        ("21550", "Phường Nhơn Bình", "commune", "540"),
        ("21577", "Phường Ngô Mây", "commune", "540"),
        ("21628", "Xã An Hòa", "commune", "542"),
        ("21790", "Xã Vĩnh Kim", "commune", "547"),
        ("21853", "Thị trấn Ngô Mây", "commune", "549"),
    ]
    frame = gpd.GeoDataFrame(
        {k: [u[i] for u in units] for i, k in enumerate(("unit_id", "name", "level", "parent_id"))},
        geometry=[shapely.box(108.6, 13.5, 109.37, 14.71)] * len(units),
        crs=4326,
    )
    context = ValidationContext()
    context.add_layer("admin_units", frame)
    return context


def villages_csv(path: Path, communes: list[str]) -> Path:
    pd.DataFrame(
        {
            "Mã thôn": [f"T{i}" for i in range(len(communes))],
            "Tên thôn": [f"Thôn {i}" for i in range(len(communes))],
            "Xã": communes,
            "Số hộ": [50] * len(communes),
            "lon": [108.9] * len(communes),
            "lat": [14.0] * len(communes),
        }
    ).to_csv(path, index=False)
    return path


def test_commune_names_are_matched_ignoring_diacritics_and_tone_placement(
    tmp_path: Path,
) -> None:
    nfd = unicodedata.normalize("NFD", "Xã An Hoà")
    names = ["Xã Vĩnh Kim", "vinh kim", "An Hoà", nfd, "P. Nhơn Bình", "21550", "Ngô Mây, Phù Cát"]
    path = villages_csv(tmp_path / "thon.csv", names)
    validated = load_layer(path, layer="villages", context=units_context())
    assert validated.frame["commune_id"].tolist() == [
        "21790", "21790", "21628", "21628", "21550", "21550", "21853"
    ]  # fmt: skip
    assert validated.notes[-1] == (
        "thon.csv: commune_id: 6 names matched to codes: 'Xã Vĩnh Kim' → 21790 Xã Vĩnh Kim "
        "(Huyện Vĩnh Thạnh), 'vinh kim' → 21790 Xã Vĩnh Kim (Huyện Vĩnh Thạnh), 'An Hoà' → "
        "21628 Xã An Hòa (Huyện An Lão), 'Xã An Hoà' → 21628 Xã An Hòa (Huyện An Lão), "
        "'P. Nhơn Bình' → 21550 Phường Nhơn Bình (Thành phố Quy Nhơn), 'Ngô Mây, Phù Cát' "
        "→ 21853 Thị trấn Ngô Mây (Huyện Phù Cát)."
    )
    assert tone_key("Hoà") == tone_key("Hòa")
    assert name_key("Thị trấn Ngô Mây") == name_key("TT. Ngô Mây") == "ngo may"


def test_ambiguous_and_unknown_commune_names_are_refused(tmp_path: Path) -> None:
    path = villages_csv(tmp_path / "thon.csv", ["Ngô Mây", "Vinh Kiem"])
    with pytest.raises(LayerValidationError) as info:
        load_layer(path, layer="villages", context=units_context())
    assert info.value.report() == (
        "thon.csv: layer 'villages' failed validation (2 problems):\n"
        "  - row 2, id 'T0', column 'commune_id': 'Ngô Mây' is the name of 2 communes: "
        "21577 Phường Ngô Mây (Thành phố Quy Nhơn); 21853 Thị trấn Ngô Mây (Huyện Phù Cát). "
        "Fix: write the code instead, or the name with its parent unit, e.g. 'Ngô Mây, "
        "Thành phố Quy Nhơn'.\n"
        "  - row 3, id 'T1', column 'commune_id': 'Vinh Kiem' is neither the code nor the "
        "name of a known commune (closest: 21790 Xã Vĩnh Kim (Huyện Vĩnh Thạnh)). Fix: "
        "write the unit's code (GSO) or its name as the layout has it."
    )


@pytest.mark.basedata
def test_every_commune_of_binh_dinh_is_found_by_its_name(base: Path) -> None:
    """The real 2024 list (155 communes): each found by its full name, with or without
    diacritics; without the type word only the two Ngô Mây share a name, and without
    diacritics An Nghĩa (An Lão) and Ân Nghĩa (Hoài Ân) too."""
    rows = pd.read_csv(base / "dvhcvn" / "binh_dinh_admin_units.csv", dtype=str)
    districts = rows.drop_duplicates("level2_id")
    units = pd.DataFrame(
        {
            "unit_id": [*rows["level3_id"], *districts["level2_id"]],
            "name": [*rows["commune"], *districts["district"]],
            "level": ["commune"] * len(rows) + ["district"] * len(districts),
            "parent_id": [*rows["level2_id"], *["52"] * len(districts)],
        }
    )
    names = UnitNames(units)
    pairs = list(zip(rows["commune"], rows["level3_id"], strict=True))
    assert len(pairs) == 155
    assert all(names.match(name).unit_id == code for name, code in pairs)
    bare = {name: re.sub(r"^(Xã|Phường|Thị trấn) ", "", name) for name, _ in pairs}
    shared = {name for name, code in pairs if names.match(bare[name]).unit_id != code}
    assert shared == {"Phường Ngô Mây", "Thị trấn Ngô Mây"}
    plain = {name for name, code in pairs if names.match(fold(name)).unit_id != code}
    assert plain == {"Xã An Nghĩa", "Xã Ân Nghĩa"}
    assert names.match("An Nghia").candidates == ("21634", "21727")
    assert names.match("Ngo May, Phu Cat").unit_id == "21853"


def test_former_names_match_through_a_layout_s_list() -> None:
    units = pd.DataFrame(
        {"unit_id": ["21790"], "name": ["Xã Vĩnh Kim"], "level": ["commune"],
         "parent_id": ["547"], "former_names": ["Xã Vĩnh Kim Cũ; Vĩnh Thuận"]}
    )  # fmt: skip
    names = UnitNames(units, former={"Xã Vĩnh Hảo": "21790"})
    assert names.match("vinh thuan").unit_id == "21790"
    assert names.match("Vĩnh Hảo").unit_id == "21790"
    assert names.match("Vĩnh Hòa").unit_id is None


# ------------------------------------------------------------------ profiles


def odd_list(path: Path, month: str) -> Path:
    """A sender whose headers the contract does not know: "Mã CSHT", "Cao (m)", "Đông", "Bắc"."""
    return site_list(
        path,
        title=f"Báo cáo tháng {month}",
        letter="Số: 12/KT",
        attachment="(Kèm theo Công văn số 12/KT)",
        code_header="Mã CSHT",
        height_header="Cao (m)",
        coords=("Đông", "Bắc"),
    )


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_profile_saved_with_an_import_and_reused_next_month(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    target = Store(tmp_path / "s.gpkg" if backend == "gpkg" else request.getfixturevalue("pg_url"))
    october = odd_list(tmp_path / "bts_10.xlsx", "10")
    with pytest.raises(InputFileError, match="no coordinate columns found"):
        load_layer(october, layer="mobile_sites")
    mapping = {"site_id": "Mã CSHT", "height_m": "Cao (m)", "x": "Tọa độ Đông", "y": "Tọa độ Bắc"}
    name = "MobiFone — danh sách BTS"
    import_file(
        october, layer="mobile_sites", into=target, as_of="2026-10-31", columns=mapping,
        operator="MobiFone", save_profile=name, actor="an",
    )  # fmt: skip
    (saved,) = target.profiles()
    assert (saved.name, saved.layer, saved.operator, saved.saved_by) == (
        name, "mobile_sites", "MobiFone", "an"
    )  # fmt: skip
    assert saved.columns == {**mapping, "tech": "Công nghệ"}
    november = odd_list(tmp_path / "bts_11.xlsx", "11")
    validated = import_file(
        november, layer="mobile_sites", into=target, as_of="2026-11-30",
        profile="mobifone - danh sach bts",
    )  # fmt: skip
    assert validated is not None
    assert validated.frame["operator"].tolist() == ["MobiFone"] * 3
    assert target.at("2026-11-30").read("mobile_sites")["site_id"].tolist() == [
        "BDH0101", "BDH0102", "BDH0103"
    ]  # fmt: skip
    with pytest.raises(InputError) as info:
        target.profile("Viettel")
    assert str(info.value).startswith(f"{target.location}: no import profile 'Viettel' (saved: ")


def test_profile_of_another_layer_is_refused(tmp_path: Path) -> None:
    profile = ImportProfile(name="Thôn", layer="villages")
    with pytest.raises(InputError) as info:
        load_layer(site_list(tmp_path / "bts.xlsx"), layer="mobile_sites", profile=profile)
    assert str(info.value) == (
        "import profile 'Thôn' reads 'villages' files, not 'mobile_sites'. Choose another "
        "profile or --layer villages."
    )


# ------------------------------------------------------------------ the command line


def test_cli_sheet_operator_profile_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.gpkg"
    path = neutral_list(tmp_path / "bts.xlsx")
    args = ["import", str(path), "--layer", "bts", "--into", str(store), "--as-of", "2026-10-31"]
    assert main([*args, "--sheet", "Danh sách BTS", "--operator", "MobiFone",
                 "--save-profile", "MobiFone — danh sách BTS"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert "import profile 'MobiFone — danh sách BTS' saved: next time, --profile" in out
    assert SKIPPED in err
    assert "bts.xlsx: operator MobiFone for every row, given with --operator." in err
    assert main(["profiles", str(store), "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["operator"] == "MobiFone"
    assert listed["sheet"] == "Danh sách BTS"
    assert main(["profiles", str(store)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[1] == "  sheet Danh sách BTS; operator MobiFone"
    args[-1] = "2026-11-30"
    assert main([*args, "--profile", "MobiFone — danh sách BTS", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["features"] == 3
    assert payload["notes"][-1] == (
        "bts.xlsx: operator MobiFone for every row, from the import profile 'MobiFone — "
        "danh sách BTS'."
    )
    assert main(["validate", str(path), "--layer", "bts", "--profile", "x"]) == 2
    assert "--profile needs --store" in capsys.readouterr().err
