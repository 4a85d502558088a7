"""Roles in a real browser (issue #6): what each role sees, on (a copy of) the demo.

The harness of ``test_browser.py`` (``streamlit run app.py``, Debian's chromium through
Playwright, every request to another host refused). A site plan with MobiFone's and
Viettel's proposals is saved and published through the Python API before the server
starts. Screenshots per role go to ``test-artifacts/roles_*.png``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from geodata import Store
from hatangso import review

from .conftest import ensure_accounts
from .test_browser import MAP_FRAME, _shot, browser, open_as, pytestmark, start_app

__all__ = ["browser", "pytestmark"]


@pytest.fixture(scope="module")
def roles_store(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ui.plans import plan_features

    out = tmp_path_factory.mktemp("roles-demo") / "bd.gpkg"
    shutil.copy2(demo_store, out)
    ensure_accounts(out)
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["P-MBF-1", "P-VTL-1"],
            "operator": ["MobiFone", "Viettel"],
            "households": [48, 95],
            "cost_vnd": [1.5e9, 1.1e9],
        },
        geometry=gpd.points_from_xy([108.80, 108.95], [14.20, 14.10]),
        crs=4326,
    )
    store = Store(out)
    payload = {"kind": "site_plan", "geojson": plan_features(sites)}
    store.save_result("plan:thu", "site_plan", {}, payload)
    review.publish(store, "thu", actor="so.tttt", role="department")
    return out


@pytest.fixture(scope="module")
def roles_url(roles_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_app(roles_store, tmp_path_factory)


@pytest.fixture
def rpage(browser: Any, roles_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    context.set_default_timeout(90_000)
    external: list[str] = []
    dialogs: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith((roles_url, "data:", "blob:", "about:")):
            route.continue_()
        else:
            external.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    yield page
    context.close()
    assert not external, f"the page asked other hosts for: {external[:5]}"
    assert not dialogs, f"a dialog fired: {dialogs}"


#: Labels and units of the site-level figures (nearest site or fiber, best signal).
SITE_FIGURE_TEXTS = ("Cách trạm 4G", "Tín hiệu 4G tốt nhất", "Cách cáp quang", " dBm")


def _frame_html(page: Any) -> str:
    page.locator(MAP_FRAME).first.wait_for()
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator(".leaflet-container").first.wait_for()
    handle = page.locator(MAP_FRAME).first.element_handle()
    inner = handle.content_frame() if handle is not None else None
    return str(inner.content()) if inner is not None else ""


def test_signed_out_sees_only_the_sign_in_form(rpage: Any, roles_url: str) -> None:
    rpage.goto(f"{roles_url}/?page=map")
    rpage.get_by_label("Tên đăng nhập").wait_for()
    assert rpage.get_by_label("Mật khẩu").count() == 1
    assert rpage.locator(MAP_FRAME).count() == 0
    assert rpage.get_by_text("Bản đồ", exact=True).count() == 0
    assert rpage.locator("[data-testid='stDataFrame']").count() == 0
    _shot(rpage, "roles_signed_out")


def test_mobifone_sees_no_viettel_site(rpage: Any, roles_url: str) -> None:
    open_as(rpage, f"{roles_url}/?page=map", "mobifone")
    html = _frame_html(rpage)
    assert "MBF-" in html
    assert "VTL-" not in html
    assert "Viettel" not in html
    assert "Điện lưới" in html  # the village popup labels are there ...
    # ... without the figures measured against every operator's sites
    for figure in SITE_FIGURE_TEXTS:
        assert figure not in html, figure
    _shot(rpage, "roles_mobifone_map")
    for page_id in ("gaps", "review"):
        rpage.get_by_text({"gaps": "Vùng lõm", "review": "Thẩm định"}[page_id]).first.click()
        rpage.locator("[data-testid='stDataFrame']").first.wait_for()
        rpage.wait_for_timeout(1500)
        body = rpage.locator("[data-testid='stMain']").text_content() or ""
        assert "VTL-" not in body, page_id
        assert "Viettel" not in body, page_id
        for figure in SITE_FIGURE_TEXTS:
            assert figure not in body, (page_id, figure)
        if page_id == "gaps":
            buttons = rpage.locator("[data-testid='stDownloadButton'] button")
            for i in range(buttons.count()):
                if not buttons.nth(i).is_visible():
                    continue
                with rpage.expect_download() as info:
                    buttons.nth(i).click()
                data = Path(info.value.path()).read_bytes()
                assert b"VTL-" not in data
                assert b"Viettel" not in data
                assert "Cách trạm 4G".encode() not in data
    _shot(rpage, "roles_mobifone_review")


def test_mobifone_decides_and_a_script_comment_is_text(rpage: Any, roles_url: str) -> None:
    open_as(rpage, f"{roles_url}/?page=review", "mobifone")
    rpage.get_by_text("Chấp thuận", exact=True).first.click()
    rpage.get_by_role("button", name="Gửi quyết định").click()
    rpage.get_by_text("Chấp thuận").first.wait_for()
    box = rpage.get_by_label("Ý kiến", exact=True)
    box.fill("<script>alert(1)</script><img src=x onerror=alert(2)>")
    rpage.get_by_role("button", name="Gửi ý kiến").click()
    rpage.get_by_text("<script>alert(1)</script>", exact=False).first.wait_for()
    rpage.wait_for_timeout(1000)
    assert not rpage.dialogs  # type: ignore[attr-defined]


def test_viewer_has_no_edit_control(rpage: Any, roles_url: str) -> None:
    open_as(rpage, f"{roles_url}/?page=data", "lanh.dao")
    rpage.locator("[data-testid='stDataFrame']").first.wait_for()
    assert rpage.locator("input[type='file']").count() == 0
    rpage.get_by_text("Thẩm định", exact=True).first.click()
    rpage.get_by_text("Thẩm định đề xuất").first.wait_for()  # the review page is drawn
    rpage.locator("[data-testid='stDataFrame']").first.wait_for()
    rpage.wait_for_timeout(1000)
    names = rpage.locator("[data-testid='stMain'] button").all_inner_texts()
    for forbidden in ("Công bố", "Gửi quyết định", "Gửi ý kiến", "Nhập", "Chạy"):
        assert not any(forbidden in n for n in names), names
    assert rpage.locator("[data-testid='stMain'] textarea").count() == 0
    _shot(rpage, "roles_viewer_review")


def test_department_sees_the_decision(rpage: Any, roles_url: str, roles_store: Path) -> None:
    props = review.proposals(Store(roles_store), role="department")
    mbf = props[props["operator"] == "MobiFone"].iloc[0]
    if mbf["status"] == "proposed":
        review.decide(
            Store(roles_store), str(mbf["proposal_id"]), "needs_changes",
            reason="Dời vị trí", actor="mobifone", role="operator:MobiFone",
        )  # fmt: skip
    open_as(rpage, f"{roles_url}/?page=review", "so.tttt")
    table = rpage.locator("[data-testid='stDataFrame']").first
    table.wait_for()
    rpage.wait_for_function(
        "() => document.querySelector(\"[data-testid='stDataFrame']\").textContent"
        ".includes('mobifone')"
    )
    _shot(rpage, "roles_department_review")


def test_evidence_page_shows_each_role_its_own_measurements(rpage: Any, roles_url: str) -> None:
    """Đo kiểm: the department's map holds every operator's samples, MobiFone's only its own."""
    open_as(rpage, f"{roles_url}/?page=evidence&period=2024-12-31")
    rpage.get_by_text("Dự báo và đo kiểm theo thôn").first.wait_for()
    html = _frame_html(rpage)
    assert "Viettel 4G" in html
    assert "MobiFone 4G" in html
    assert "dBm" in html
    _shot(rpage, "evidence_department")
    open_as(rpage, f"{roles_url}/?page=evidence&period=2024-12-31", "mobifone")
    rpage.get_by_text("Dự báo và đo kiểm theo thôn").first.wait_for()
    html = _frame_html(rpage)
    assert "MobiFone 4G" in html
    assert "Viettel" not in html
    assert "VinaPhone" not in html
    rpage.wait_for_timeout(1500)
    body = rpage.locator("[data-testid='stMain']").text_content() or ""
    assert "Viettel" not in body
    _shot(rpage, "evidence_mobifone")
