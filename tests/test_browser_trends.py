"""The Tiến độ (Progress) page in a real browser, on the demo (issue #7).

Reuses the harness of ``test_browser.py`` (``streamlit run app.py`` on the demo store,
Debian's ``/usr/bin/chromium`` through Playwright, every request to another host recorded
and refused). Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geodata import Store

from .test_browser import (
    TIMEOUT_MS,
    _external_urls,
    _shot,
    app_url,
    browser,
    open_as,
    page,
    pytestmark,
)

__all__ = ["app_url", "browser", "page", "pytestmark"]  # the fixtures used here

CHART = "[data-testid='stVegaLiteChart']"


def test_progress_page_draws_its_charts_offline(page: Any, app_url: str, demo_store: Path) -> None:
    # end-2024 against mid-2024 (the 2025 period shares end-2024's network: no change)
    open_as(page, f"{app_url}/?page=progress&period=2024-12-31")
    page.get_by_text("Diễn biến các chỉ tiêu qua các kỳ").wait_for()
    chart = page.locator(CHART).first
    chart.wait_for()
    # Vega draws into a canvas (or an svg): wait until it has a size.
    page.wait_for_function(
        f"() => {{ const c = document.querySelector({CHART!r}); if (!c) return false; "
        "const g = c.querySelector('canvas, svg'); "
        "return g && g.getBoundingClientRect().width > 100; }",
        timeout=TIMEOUT_MS,
    )
    assert page.locator(CHART).count() >= 5
    periods = Store(demo_store).periods()
    if len(periods) >= 2:
        page.get_by_text("Thay đổi giữa hai kỳ").first.wait_for()
        tables = page.locator("[data-testid='stDataFrame'] table")
        page.wait_for_function(
            "() => { const t = document.querySelector(\"[data-testid='stDataFrame'] table\");"
            " return t && t.innerText.includes('Viettel'); }",
            timeout=TIMEOUT_MS,
        )
        operators = tables.first.inner_text()
        assert "Viettel" in operators
        assert "Trạm nâng cấp 5G" in operators
        # The first tab lists the villages newly reached by fiber.
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"[data-testid='stDataFrame'] table\")]"
            ".some(t => t.innerText.includes('Mã thôn'))",
            timeout=TIMEOUT_MS,
        )
        villages = next(t for t in tables.all_inner_texts() if "Mã thôn" in t)
        assert "Làng " in villages  # e.g. a village of An Lão newly on fiber
        # Viettel's sites upgraded to 5G, in their own tab.
        page.get_by_role("tab", name="Trạm nâng cấp 5G", exact=False).click()
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"[data-testid='stDataFrame'] table\")]"
            ".some(t => t.innerText.includes('Viettel') && t.innerText.includes('→ 4G,5G'))",
            timeout=TIMEOUT_MS,
        )
        page.get_by_role("tab", name="Thôn mới có cáp quang", exact=False).click()
        page.get_by_text("Thay đổi giữa hai kỳ").first.scroll_into_view_if_needed()
        _shot(page, "progress_changes")
        assert page.get_by_role("button", name="Tải danh sách thay đổi (Excel)").count() == 1
    else:
        page.get_by_text("mới có một kỳ số liệu", exact=False).first.wait_for()
    page.get_by_role("button", name="Lập báo cáo kỳ", exact=False).wait_for()
    assert not _external_urls(page.content(), app_url)
    assert not page.external_requests
    chart.scroll_into_view_if_needed()
    _shot(page, "progress")


def test_progress_report_downloads(page: Any, app_url: str) -> None:
    open_as(page, f"{app_url}/?page=progress")
    page.get_by_role("button", name="Lập báo cáo kỳ", exact=False).click()
    pdf = page.get_by_role("button", name="Tải báo cáo PDF")
    pdf.wait_for(timeout=TIMEOUT_MS * 2)
    # Streamlit draws the two buttons one after the other: wait for the second as well.
    excel = page.get_by_role("button", name="Tải bảng Excel")
    excel.wait_for(timeout=TIMEOUT_MS)
    assert excel.count() == 1
    with page.expect_download() as info:
        pdf.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    assert not page.external_requests


@pytest.mark.parametrize("period", ["2024-06-30"])
def test_period_from_the_url(page: Any, app_url: str, period: str) -> None:
    open_as(page, f"{app_url}/?page=overview&period={period}")
    # The metrics are redrawn once the signed-in rerun finishes: wait for the figure
    # rather than reading whatever is drawn first (a half-drawn list failed once on CI).
    metric = page.locator("[data-testid='stMetricValue']", has_text="98,7 %")
    metric.first.wait_for(timeout=TIMEOUT_MS * 2)  # the published mid-2024 figure
    values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert "98,7 %" in values
    assert "99,3 %" not in values  # not the end-2024 one
    assert page.get_by_text("30/06/2024").count() > 0
