"""The Ứng cứu thông tin page and the situation report (Báo cáo nhanh) on the demo.

The demo store is copied with the demo's illustrative storm written beside it (as
``hatangso demo`` does); the figures the page shows are checked against
:func:`hatangso.resilience.load_scenario` run directly, and the PDF's text (read back with
poppler's ``pdftotext``) against the same figures.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata import HatangsoError, Store
from geodata.export import write_table
from hatangso.cli import main as cli_main
from hatangso.cli.demo import storm_path
from hatangso.demo.resilience import demo_storm
from hatangso.formatting import fmt_int
from hatangso.report.situation import build_situation, situation_pdf, worst_hour
from hatangso.resilience import ScenarioView, load_scenario, restoration_times
from planner.restoration import restoration_order

from .conftest import sign_in

APP = str(Path(__file__).resolve().parents[1] / "app.py")
JUNE = "2024-06-30"
OUTAGE_H = 24.0
CREWS = 4

pytestmark = pytest.mark.basedata


@pytest.fixture(scope="module")
def storm_store(demo_store_accounts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store with its storm beside it (as ``hatangso demo`` writes)."""
    path = tmp_path_factory.mktemp("resilience-page") / "bd.gpkg"
    shutil.copy2(demo_store_accounts, path)
    write_table(demo_storm(Store(path, period=JUNE).read("admin_units")), storm_path(path))
    return path


@pytest.fixture(scope="module")
def expected(storm_store: Path) -> ScenarioView:
    """The scenario run directly, as the command line runs it."""
    return load_scenario(Store(storm_store, period=JUNE), storm_path(storm_store), OUTAGE_H)


def _page(path: Path, user: str, monkeypatch: pytest.MonkeyPatch, **state: object) -> AppTest:
    monkeypatch.setenv("HATANGSO_STORE", str(path))
    at = AppTest.from_file(APP, default_timeout=300)
    sign_in(at, path, user)
    at.session_state["page"] = "resilience"
    at.session_state["period"] = JUNE
    for key, value in state.items():
        at.session_state[key] = value
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _table(at: AppTest, column: str):
    """The page's table that has ``column`` (AppTest keeps no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_department_sees_every_figure_of_the_scenario(
    storm_store: Path, expected: ScenarioView, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(storm_store, "so.tttt", monkeypatch)
    assert at.header[0].value == "Ứng cứu thông tin"
    spof = _table(at, "Số hộ mất cáp quang")
    assert len(spof) > 0
    assert {"Viettel", "VNPT-VinaPhone"} <= set(spof["Nhà mạng"])
    hours = _table(at, "Giờ sau sự cố")
    summary = expected.result.summary()
    assert list(hours["Giờ sau sự cố"]) == ["0", "4", "8", "24", "72"]
    assert list(hours["Hộ mất liên lạc"]) == [fmt_int(v) for v in summary["households_cut_off"]]
    assert list(hours["Hộ mất 4G"]) == [fmt_int(v) for v in summary["households_without_4g"]]
    # The slider starts at the worst hour; the communes' table is that hour's.
    worst = worst_hour(summary)
    assert at.select_slider(key="res_hour").value == worst
    communes = _table(at, "Xã, phường")
    first = expected.result.by_commune(worst).iloc[0]
    assert communes.iloc[0]["Xã, phường"] == expected.names[first["commune_id"]]
    assert communes.iloc[0]["Hộ mất liên lạc"] == fmt_int(first["households_cut_off"])
    # Moving the slider to the strike's hour: its figures.
    at.select_slider(key="res_hour").set_value(0.0).run()
    assert not at.exception
    first = expected.result.by_commune(0.0).iloc[0]
    assert _table(at, "Xã, phường").iloc[0]["Hộ mất liên lạc"] == fmt_int(
        first["households_cut_off"]
    )
    caption = "\n".join(c.value for c in at.caption)
    row = summary[summary["hour"] == 0.0].iloc[0]
    assert f"Lúc 0 giờ: {fmt_int(row['sites_down'])} trạm mất sóng" in caption
    repairs = _table(at, "Số hộ có lại liên lạc")
    assert len(repairs) > 0
    assert "Đang dùng kịch bản minh hoạ của bản demo: bd-bao-minh-hoa.geojson" in caption
    assert any(b.label.startswith("Tải báo cáo nhanh") for b in at.get("download_button"))


def test_an_operator_sees_only_its_own_network(
    storm_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(storm_store, "viettel", monkeypatch)
    assert set(_table(at, "Số hộ mất cáp quang")["Nhà mạng"]) == {"Viettel"}
    assert set(_table(at, "Số hộ có lại liên lạc")["Nhà mạng"]) == {"Viettel"}
    infos = "\n".join(i.value for i in at.info)
    assert "Bạn chỉ thấy tuyến cáp, nút và trạm của Viettel" in infos
    assert "Báo cáo nhanh dành cho Sở và lãnh đạo" in infos
    assert not at.get("download_button")
    # The households are totals, the same as the department sees.
    department = _page(storm_store, "so.tttt", monkeypatch)
    assert _table(at, "Giờ sau sự cố").equals(_table(department, "Giờ sau sự cố"))


def test_without_a_hazard_file_the_page_asks_for_one(
    demo_store_accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(demo_store_accounts, "so.tttt", monkeypatch, lang="en")
    assert "Upload a hazard file to run a scenario." in "\n".join(i.value for i in at.info)
    assert len(_table(at, "Households cut off from fiber")) > 0


def test_a_bad_hazard_file_is_refused_with_its_reason(demo_store_accounts: Path) -> None:
    from ui.data import store_version
    from ui.resilience_data import scenario_view

    version = store_version(str(demo_store_accounts), JUNE)
    with pytest.raises(HatangsoError, match=r"bao\.geojson"):
        scenario_view(version, "bao.geojson", "x", OUTAGE_H, b"{not json")


def test_situation_report_is_one_page_with_the_figures(
    storm_store: Path, expected: ScenarioView, tmp_path: Path
) -> None:
    repairs = restoration_order(expected.inputs, expected.result, crews=CREWS)
    report = build_situation(
        Store(storm_store, period=JUNE),
        expected,
        hazard_name="bd-bao-minh-hoa.geojson",
        repairs=repairs,
        crews=CREWS,
    )
    pdfinfo, pdftotext = shutil.which("pdfinfo"), shutil.which("pdftotext")
    if pdfinfo is None or pdftotext is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    pdf = tmp_path / "bcn.pdf"
    pdf.write_bytes(situation_pdf(report))
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:           1" in info.stdout
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "BÁO CÁO NHANH" in text
    assert "Dữ liệu tổng hợp" in text
    summary = expected.result.summary()
    for column in ("households_without_fiber", "households_without_4g", "households_cut_off"):
        for value in summary[column]:
            assert fmt_int(value) in text, (column, value)
    hour = worst_hour(summary)
    for commune in expected.result.by_commune(hour).head(10)["commune_id"]:
        assert expected.names[commune] in text
    times = restoration_times(repairs, (50, 90))
    assert f"50 % số hộ có lại liên lạc sau {fmt_int(times[50])} giờ" in text
    assert f"90 % số hộ có lại liên lạc sau {fmt_int(times[90])} giờ" in text
    assert f"Với {CREWS} đội ứng cứu" in text


def test_report_command_writes_the_pdf(storm_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "bcn.pdf"
    argv = ["resilience", "report", str(storm_store), "--period", JUNE, "--as", "so.tttt"]
    argv += ["--hazard", str(storm_path(storm_store)), "--outage-hours", "24"]
    assert cli_main([*argv, "--crews", "2", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert cli_main([*argv, "--out", str(tmp_path / "bcn.txt")]) == 2


def test_the_leadership_gets_the_report_and_a_district_narrows_the_tables(
    storm_store: Path, expected: ScenarioView, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(storm_store, "lanh.dao", monkeypatch, district="546")  # Huyện Vĩnh Thạnh
    assert any(b.label.startswith("Tải báo cáo nhanh") for b in at.get("download_button"))
    units = Store(storm_store, period=JUNE).read("admin_units")
    inside = set(units.loc[units["parent_id"].astype(str) == "546", "name"].astype(str))
    communes = _table(at, "Xã, phường")
    assert len(communes) > 0
    assert set(communes["Xã, phường"]) <= inside
    hour = at.select_slider(key="res_hour").value
    lost = expected.result.by_commune(hour)
    wanted = lost[lost["commune_id"].map(expected.names).isin(inside)]
    assert len(communes) == len(wanted)


def test_the_page_proposes_rings_and_backup_power_for_the_role(
    storm_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the season: the same proposals as `plan rings|backup`, an operator's own only."""
    from hatangso.hardening import load_backup, load_rings

    store = Store(storm_store, period=JUNE)
    at = _page(storm_store, "so.tttt", monkeypatch)
    assert "Gia cố trước mùa mưa bão" in [s.value for s in at.subheader]
    rings = _table(at, "Tuyến đang là điểm lỗi đơn")
    direct = load_rings(store, top=10).plan.routes
    assert list(rings["Tuyến đang là điểm lỗi đơn"]) == list(direct["bridge_route"])
    assert list(rings["Số hộ được bảo vệ"]) == [fmt_int(v) for v in direct["households"]]
    backup = _table(at, "Trạm")
    sites = load_backup(store, outage_hours=24.0, top=10).plan.sites
    assert list(backup["Trạm"]) == list(sites["site_id"])
    viettel = _page(storm_store, "viettel", monkeypatch)
    assert set(_table(viettel, "Tuyến đang là điểm lỗi đơn")["Nhà mạng"]) <= {"Viettel"}
    assert set(_table(viettel, "Trạm")["Nhà mạng"]) == {"Viettel"}
