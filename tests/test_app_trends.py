"""The period chooser and the Tiến độ (Progress) page, with Streamlit's AppTest (issue #7).

A small store with two periods is built here from hand-made layers (the admin units of
``conftest.py``, four villages, one operator's fiber and sites); between 30/06/2024 and
31/12/2024 VNPT brings fiber to Làng K2, Viettel builds a 4G site there and upgrades its
Quy Nhơn site to 5G. The demo store is used where marked ``basedata``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geodata import Store
from geodata.export import workbook_bytes
from geodata.store import LayerMeta

from .conftest import END_2024, units_frame
from .test_app import run_app as run_app_on
from .test_app import texts

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT_S = 180
JUNE, DECEMBER = "2024-06-30", "2024-12-31"
META = LayerMeta(source="hand-built for the tests", licence="CC0", synthetic=True)


def _villages() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "village_id": ["21790-01", "21790-02", "21790-03", "21550-01"],
            "name": ["Làng O2", "Làng K2", "Làng Kon Trú", "Khu phố 1"],
            "commune_id": ["21790", "21790", "21790", "21550"],
            "households": [48, 120, 95, 800],
            "has_electricity": [False, True, True, True],
        },
        geometry=gpd.points_from_xy([108.70, 108.72, 108.75, 109.18], [14.25, 14.28, 14.30, 13.83]),
        crs=4326,
    )


def _sites(rows: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in rows],
            "operator": ["Viettel"] * len(rows),
            "tech": [r[1] for r in rows],
            "height_m": [30.0] * len(rows),
        },
        geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]),
        crs=4326,
    )


def _nodes(rows: list[tuple[str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "node_id": [r[0] for r in rows],
            "operator": ["VNPT"] * len(rows),
            "kind": ["olt"] * len(rows),
        },
        geometry=gpd.points_from_xy([r[1] for r in rows], [r[2] for r in rows]),
        crs=4326,
    )


def _routes(rows: list[tuple[str, list[tuple[float, float]]]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "route_id": [r[0] for r in rows],
            "operator": ["VNPT"] * len(rows),
            "level": ["access"] * len(rows),
        },
        geometry=[shapely.LineString(r[1]) for r in rows],
        crs=4326,
    )


def build_two_periods(path: Path) -> Path:
    """Write the two periods into a new store at ``path``."""
    store = Store(path)
    quy_nhon_route = ("R1", [(109.17, 13.82), (109.19, 13.84)])
    june = {
        "admin_units": units_frame(),
        "villages": _villages(),
        "fiber_nodes": _nodes([("N1", 109.181, 13.831)]),
        "fiber_routes": _routes([quy_nhon_route]),
        "mobile_sites": _sites([("S1", "4G", 109.182, 13.832)]),
    }
    store.write(june, dict.fromkeys(june, META), name="Hai kỳ thử", as_of=JUNE)
    december = {
        "fiber_nodes": _nodes([("N1", 109.181, 13.831), ("N2", 108.7205, 14.2805)]),
        "fiber_routes": _routes([quy_nhon_route, ("R2", [(108.715, 14.275), (108.725, 14.285)])]),
        "mobile_sites": _sites([("S1", "4G,5G", 109.182, 13.832), ("S2", "4G", 108.7203, 14.2803)]),
    }
    store.write(december, dict.fromkeys(december, META), as_of=DECEMBER)
    return path


@pytest.fixture(scope="module")
def two_periods(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the periods 30/06/2024 and 31/12/2024."""
    return build_two_periods(tmp_path_factory.mktemp("periods") / "hai_ky.gpkg")


def run_app(
    store: Path | str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    page: str = "progress",
    lang: str | None = None,
    period: str | None = None,
    district: str | None = None,
) -> AppTest:
    """Run the app signed in as the department (the Progress page, latest period)."""
    return run_app_on(store, monkeypatch, page=page, lang=lang, period=period, district=district)


def chart_titles(at: AppTest) -> list[str]:
    """The titles of the Vega-Lite charts on the page."""
    titles = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        title = spec.get("title")
        titles.append(title.get("text") if isinstance(title, dict) else str(title))
    return titles


def download_labels(at: AppTest) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


def table_with(at: AppTest, column: str, value: str) -> pd.DataFrame | None:
    """The first data frame of the page with ``value`` in ``column``."""
    for frame in at.dataframe:
        table = frame.value
        if column in table and value in set(table[column].astype(str)):
            return table
    return None


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# --------------------------------------------------------------------------- the chooser


def test_store_holds_the_two_periods(two_periods: Path) -> None:
    store = Store(two_periods)
    assert store.periods() == [JUNE, DECEMBER]
    assert store.at(DECEMBER).previous_period() == JUNE


def test_the_period_chooser_changes_the_figures(
    two_periods: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(two_periods, monkeypatch, page="overview")
    ok(at)
    chooser = at.selectbox(key="period")
    assert chooser.value == DECEMBER  # the latest by default
    assert chooser.options == ["31/12/2024", "30/06/2024"]
    assert "31/12/2024" in texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Thôn có cáp quang"] == "50 %"  # Khu phố 1 and Làng K2
    chooser.set_value(JUNE).run()
    ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Thôn có cáp quang"] == "25 %"  # Khu phố 1 only
    shown = texts(at)
    assert "30/06/2024" in shown
    assert "kỳ trước" in shown  # the header says an earlier period is shown


def test_the_period_reaches_the_gaps_page(
    two_periods: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    june = run_app(two_periods, monkeypatch, page="gaps", period=JUNE)
    ok(june)
    assert "Làng K2" in set(june.dataframe[0].value["Thôn"])
    december = run_app(two_periods, monkeypatch, page="gaps")
    ok(december)
    table = december.dataframe[0].value
    k2 = table[table["Thôn"] == "Làng K2"]
    assert k2.empty or set(k2["Cáp quang"]) == {"có"}


# --------------------------------------------------------------------------- the page


def test_progress_page_shows_charts_changes_and_report_buttons(
    two_periods: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_app(two_periods, monkeypatch)
    ok(at)
    shown = texts(at)
    assert "Tiến độ thực hiện các chỉ tiêu" in shown
    assert "Diễn biến các chỉ tiêu qua các kỳ" in shown
    assert "Thay đổi giữa hai kỳ" in shown
    assert "30/06/2024 → 31/12/2024" in shown
    titles = chart_titles(at)
    for title in ("Xã có cáp quang", "Thôn có cáp quang", "Hộ trong vùng cáp quang"):
        assert title in titles, titles
    assert "Thôn có sóng 4G" in titles
    # The chart's axis and numbers are Vietnamese.
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert "%d/%m/%Y" in json.dumps(spec)

    operators = table_with(at, "Nhà mạng", "Viettel")
    assert operators is not None
    viettel = operators[operators["Nhà mạng"] == "Viettel"].iloc[0]
    assert viettel["Trạm thêm mới"] == "1"
    assert viettel["Trạm nâng cấp 5G"] == "1"
    vnpt = operators[operators["Nhà mạng"] == "VNPT-VinaPhone"].iloc[0]
    assert vnpt["Cáp quang thêm (km)"] != "0,0"

    fiber = table_with(at, "Thôn", "Làng K2")
    assert fiber is not None
    assert "Khu phố 1" not in set(fiber["Thôn"])  # it had fiber already
    assert table_with(at, "Mã trạm", "S2") is not None
    assert "Tải danh sách thay đổi (Excel)" in download_labels(at)

    # The leadership report for the chosen period, as two downloads.
    assert at.button(key="progress_report").label == "Lập báo cáo kỳ 31/12/2024"
    at.button(key="progress_report").click().run()
    ok(at)
    labels = download_labels(at)
    assert "Tải báo cáo PDF" in labels
    assert "Tải bảng Excel" in labels


def test_change_lists_download_as_one_workbook(two_periods: Path) -> None:
    from ui.data import store_version
    from ui.progress_data import period_changes_of

    version = store_version(str(two_periods))
    summary, lists = period_changes_of(version, JUNE, DECEMBER)
    assert list(lists.fiber["name"]) == ["Làng K2"]
    assert list(lists.upgraded["site_id"]) == ["S1"]
    assert list(lists.added["site_id"]) == ["S2"]
    assert lists.removed.empty
    assert set(summary["operator"]) == {"Viettel", "VNPT"}
    book = workbook_bytes({"Thôn mới có cáp quang": lists.fiber, "Trạm thêm mới": lists.added})
    sheets = pd.read_excel(io.BytesIO(book), sheet_name=None)
    assert list(sheets) == ["Thôn mới có cáp quang", "Trạm thêm mới"]
    assert list(sheets["Thôn mới có cáp quang"]["name"]) == ["Làng K2"]


def test_report_files_are_a_pdf_and_a_workbook(two_periods: Path) -> None:
    from ui.data import store_version
    from ui.progress_data import report_files

    files = report_files(store_version(str(two_periods), JUNE))
    assert files["pdf"].startswith(b"%PDF")
    assert files["xlsx"].startswith(b"PK")


def test_progress_page_in_english(two_periods: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(two_periods, monkeypatch, lang="en")
    ok(at)
    shown = texts(at)
    assert "Changes between two periods" in shown
    assert "Villages with fiber" in chart_titles(at)
    spec: dict[str, Any] = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["config"]["locale"]["number"]["decimal"] == "."


def test_changes_between_chosen_periods(two_periods: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(two_periods, monkeypatch)
    at.selectbox(key="progress_to").set_value(JUNE).run()
    ok(at)
    assert "Chọn “Từ kỳ” trước “Đến kỳ” để so sánh." in texts(at)
    assert table_with(at, "Thôn", "Làng K2") is None
    at.selectbox(key="progress_from").set_value(DECEMBER).run()
    ok(at)  # backwards is refused the same way
    assert "Chọn “Từ kỳ” trước “Đến kỳ” để so sánh." in texts(at)
    at.selectbox(key="progress_from").set_value(JUNE)
    at.selectbox(key="progress_to").set_value(DECEMBER).run()
    ok(at)
    assert table_with(at, "Thôn", "Làng K2") is not None


def test_one_period_store_says_so(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write({"villages": _villages()}, {"villages": META}, as_of=JUNE)
    at = run_app(store.path, monkeypatch)
    ok(at)
    shown = texts(at)
    assert "mới có một kỳ số liệu (30/06/2024)" in shown
    assert "Thôn có cáp quang" in chart_titles(at)  # one point a chart
    assert "Thay đổi giữa hai kỳ" not in shown
    assert at.selectbox(key="period").disabled


# --------------------------------------------------------------------------- the demo


@pytest.mark.basedata
def test_progress_page_on_the_demo(
    demo_store_accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    periods = Store(demo_store_accounts).periods()
    # 2025-07-01 shares end-2024's network (no invented progress): compare end-2024 with mid-2024
    at = run_app(demo_store_accounts, monkeypatch, period=END_2024)
    ok(at)
    titles = chart_titles(at)
    assert "Thôn có cáp quang" in titles
    assert "Thôn có sóng 4G" in titles
    if len(periods) < 2:
        assert "mới có một kỳ số liệu" in texts(at)
        return
    fiber = next(
        (f.value for f in at.dataframe if "Thôn" in f.value and "Mã thôn" in f.value), None
    )
    assert fiber is not None  # villages newly reached by fiber
    assert len(fiber)
    operators = table_with(at, "Nhà mạng", "Viettel")
    assert operators is not None
    viettel = operators[operators["Nhà mạng"] == "Viettel"].iloc[0]
    assert int(viettel["Trạm nâng cấp 5G"].replace(".", "")) > 0
