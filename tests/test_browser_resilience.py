"""The Ứng cứu thông tin page in a real browser, on the demo with its storm (issue #16).

Reuses the harness of ``test_browser.py`` (``streamlit run app.py``, Debian's chromium
through Playwright, every request to another host refused). Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geodata import Store
from geodata.export import write_table
from hatangso.cli.demo import storm_path
from hatangso.demo.resilience import demo_storm
from ui.server import MAP_FRAME

from .test_browser import TIMEOUT_MS, _shot, browser, open_as, page, pytestmark, start_app

__all__ = ["browser", "page", "pytestmark"]  # the fixtures used here

JUNE = "2024-06-30"


@pytest.fixture(scope="module")
def app_url(demo_store_accounts: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a copy of the demo with the demo's storm beside it."""
    path = tmp_path_factory.mktemp("resilience-browser") / "bd.gpkg"
    shutil.copy2(demo_store_accounts, path)
    write_table(demo_storm(Store(path, period=JUNE).read("admin_units")), storm_path(path))
    yield from start_app(path, tmp_path_factory)


def test_resilience_page_moves_over_the_hours(page: Any, app_url: str) -> None:
    open_as(page, f"{app_url}/?page=resilience&period={JUNE}")
    page.get_by_text("Điểm lỗi đơn").first.wait_for(timeout=TIMEOUT_MS * 2)
    page.get_by_text("Thứ tự khắc phục").first.wait_for(timeout=TIMEOUT_MS * 3)
    maps = page.frame_locator(MAP_FRAME)
    scenario = maps.last
    scenario.locator(".leaflet-container").wait_for()
    scenario.locator("canvas").first.wait_for(state="attached")
    # The worst hour first (8 h: the batteries spent, the power still off).
    before = page.get_by_text("Lúc 8 giờ:", exact=False).first.inner_text()
    assert "trạm mất sóng" in before
    _shot(page, "resilience_8h")
    thumb = page.locator("[data-testid='stSliderThumbValue']").first.locator("xpath=..")
    thumb.click()
    page.keyboard.press("ArrowRight")
    after = page.get_by_text("Lúc 24 giờ:", exact=False).first.inner_text()
    assert after != before
    scenario.locator(".leaflet-container").wait_for()
    labels = [
        t.strip()
        for t in scenario.locator(".leaflet-control-layers-overlays label").all_text_contents()
    ]
    for expected in ("Vùng ảnh hưởng", "Thôn mất liên lạc", "Trạm mất sóng", "Tuyến cáp đứt"):
        assert expected in labels, labels
    page.get_by_role("button", name="Tải báo cáo nhanh", exact=False).wait_for()
    page.get_by_text("Kịch bản thiên tai").first.scroll_into_view_if_needed()
    _shot(page, "resilience")
    page.get_by_text("Lúc 24 giờ:", exact=False).first.scroll_into_view_if_needed()
    _shot(page, "resilience_24h")
    page.get_by_text("Thứ tự khắc phục").first.scroll_into_view_if_needed()
    _shot(page, "resilience_repairs")
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    _shot(page, "resilience_spof")
    assert not page.external_requests


def test_a_hazard_can_be_drawn_with_tools_served_offline(page: Any, app_url: str) -> None:
    """Vẽ trên bản đồ: Leaflet.draw's toolbar, from the app's own copy, no other host asked."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    open_as(page, f"{app_url}/?page=resilience&period={JUNE}")
    page.get_by_text("Vẽ trên bản đồ").first.click()
    page.get_by_text("Chưa có vùng nào được vẽ.").first.wait_for(timeout=TIMEOUT_MS)
    frames = page.locator(MAP_FRAME)
    frames.nth(1).wait_for(timeout=TIMEOUT_MS)  # the single points' map, then the drawing map
    drawing = page.frame_locator(MAP_FRAME).nth(1)
    drawing.locator(".leaflet-draw-toolbar").first.wait_for(timeout=TIMEOUT_MS)
    assert drawing.locator(".leaflet-draw-draw-polygon").count() == 1
    assert drawing.locator(".leaflet-draw-draw-polyline").count() == 1
    assert any("vendor/leaflet-draw/leaflet.draw.js" in u for u in asked)
    assert not [u for u in asked if not u.startswith(app_url) and u.startswith("http")]
    _shot(page, "resilience_draw")
