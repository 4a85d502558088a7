"""The app in a real browser: ``streamlit run app.py`` on the demo, driven in headless Chromium.

Debian's ``chromium`` package (``/usr/bin/chromium``) with the ``playwright`` Python package
(Playwright's own browser download is not used). Every request the page makes to a host
other than the app is recorded and refused: the app must draw everything on a closed
network. Screenshots go to ``test-artifacts/``.

Skipped only when ``/usr/bin/chromium`` is missing (CI installs it in ``.ci/run``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ui.server import CHROMIUM, CHROMIUM_ARGS, MAP_FRAME, ROOT, AppServerError, running_app

ARTIFACTS = ROOT / "test-artifacts"
#: Namespace names in inline SVG: identifiers, never fetched.
NAMESPACES = ("http://www.w3.org/",)
TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.basedata,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="browser tests need Debian's chromium at /usr/bin/chromium "
        "(apt-get install -y chromium); CI installs it",
    ),
]


def start_app(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``streamlit run app.py -- --store STORE`` on a free localhost port (ui.server)."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    try:
        with running_app(store, log) as url:
            yield url
    except AppServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def app_url(demo_store_accounts: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on (a copy of) the demo with the test accounts."""
    yield from start_app(demo_store_accounts, tmp_path_factory)


def sign_in(page: Any, user: str = "so.tttt") -> None:
    """Fill the sign-in form on the page shown, and wait for the app behind it."""
    from .conftest import TEST_PASSWORD

    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("button", name="Đăng xuất").wait_for()


def open_as(page: Any, url: str, user: str = "so.tttt") -> None:
    """Open ``url`` (a new app session) and sign in as ``user``."""
    page.goto(url)
    sign_in(page, user)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), through Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Any]:
    """A fresh page; requests to any host but the app are recorded and refused."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    external: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith((app_url, "data:", "blob:", "about:")):
            route.continue_()
        else:
            external.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.external_requests = external  # type: ignore[attr-defined]
    yield page
    context.close()
    assert not external, f"the page asked other hosts for: {external[:5]}"


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _external_urls(html: str, app_url: str) -> list[str]:
    found = re.findall(r"https?://[^\s\"'<>)]+", html)
    return sorted({u for u in found if not u.startswith(app_url) and not u.startswith(NAMESPACES)})


def _choose(page: Any, key: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox with widget key ``key``.

    A rerun of the script (after an upload, say) can close the list just opened, so
    opening it is retried until the option shows. The option's name is typed, as a user
    does in a long list (58 communes): the list only draws the options in view.
    """
    box = page.locator(f".st-key-{key} [role='combobox']")
    wanted = page.get_by_role("option", name=option, exact=True)
    for _ in range(6):
        box.click()
        page.keyboard.type(option)
        try:
            wanted.wait_for(state="visible", timeout=10_000)
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; retry the opening
            page.keyboard.press("Escape")
            continue
        wanted.click()
        return
    wanted.click()  # last try: fails with playwright's own message


def test_overview_shows_the_published_figures(page: Any, app_url: str) -> None:
    open_as(page, f"{app_url}/?page=overview&period=2024-06-30")  # the published mid-2024 figures
    metrics = page.locator("[data-testid='stMetricValue']")
    # wait for the figure itself: the first redraw after signing in may be half-drawn
    metrics.filter(has_text="98,7 %").first.wait_for(timeout=TIMEOUT_MS * 2)
    values = metrics.all_inner_texts()
    for figure in ("98,7 %", "75 %", "99,9 %"):
        assert figure in values
    assert page.get_by_text("30/06/2024").count() > 0
    assert page.get_by_text("Dữ liệu tổng hợp", exact=False).count() > 0
    # The targets table is drawn after the metrics (and the breakdown table may come first):
    # wait until a drawn table holds the assessment.
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"[data-testid='stDataFrame'] table\")]"
        ".some(t => t.innerText.includes('Chưa đạt'))",
        timeout=TIMEOUT_MS,
    )
    assert page.get_by_text("ngoài trời, 90 % vị trí", exact=False).count() > 0
    _shot(page, "overview")


def test_map_draws_its_layers_offline(page: Any, app_url: str) -> None:
    started = time.monotonic()
    open_as(page, f"{app_url}/?page=map")
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for()
    frame.locator(".leaflet-control-layers").wait_for(state="attached")
    frame.locator("canvas").first.wait_for(state="attached")
    drawn_s = time.monotonic() - started
    labels = [
        t.strip()
        for t in frame.locator(".leaflet-control-layers-overlays label").all_text_contents()
    ]
    for expected in (
        "Ranh giới huyện",
        "Ranh giới xã",
        "Thôn theo hiện trạng (tổng hợp)",
        "Cáp quang Viettel (tổng hợp)",
        "Trạm BTS Viettel (tổng hợp)",
        "Vùng phủ 4G Viettel (tổng hợp)",
        "Địa điểm ưu tiên (5G) (tổng hợp)",
        "Đường dây điện",
    ):
        assert expected in labels, labels
    # No tiles by default: a plain background, and nothing fetched from outside.
    assert frame.locator(".leaflet-tile").count() == 0
    map_html = next(f for f in page.frames if "streamlit_folium" in f.url).content()
    assert not _external_urls(map_html, app_url)
    assert not _external_urls(page.content(), app_url)
    assert not page.external_requests
    frame.locator(".leaflet-control-layers").hover()  # the screenshot shows the layer list
    _shot(page, "map")
    print(f"map drawn in {drawn_s:.1f} s")  # noqa: T201


def test_selecting_vinh_son_shows_lang_o2_among_the_gaps(page: Any, app_url: str) -> None:
    """The latest period is in the 2025 layout: Xã Vĩnh Kim is now part of Xã Vĩnh Sơn."""
    open_as(page, f"{app_url}/?page=gaps")
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    _choose(page, "commune", "Xã Vĩnh Sơn")
    villages = "[data-testid='stDataFrame'] table"  # the first: the villages' tab
    page.wait_for_function(
        f"() => {{ const t = document.querySelector({villages!r}); "
        "return t && t.innerText.includes('Làng O2') && !t.innerText.includes('Xã Vân Canh'); }",
        timeout=TIMEOUT_MS,
    )
    text = page.locator(villages).first.inner_text()
    assert "Làng O2" in text
    assert "Xã Vân Canh" not in text
    assert "Huyện cũ" in text  # no districts since 2025: the former one helps find a place
    assert "Huyện Vĩnh Thạnh" in text
    _shot(page, "gaps_vinh_son")


def test_invalid_upload_shows_the_validation_report(
    page: Any, app_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "thon_loi.csv"
    bad.write_text(
        "village_id,name,commune_id,households,lon,lat\n"
        "V1,Làng O2,21790,-3,108.7,14.3\n"
        "V1,Làng O3,99999,12,108.7,14.31\n",
        encoding="utf-8",
    )
    open_as(page, f"{app_url}/?page=data")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(bad))
    page.get_by_text("thon_loi.csv").first.wait_for()
    _choose(page, "upload_layer", "Thôn, làng, xóm, khu phố (villages)")
    page.get_by_role("button", name="Kiểm tra").click()
    page.get_by_text("Tệp chưa hợp lệ", exact=False).first.wait_for()
    report = page.locator("[data-testid='stCode']").first.inner_text()
    # the latest period is in the 2025 layout: Vĩnh Kim's old code is named, with its new one
    assert "thon_loi.csv: layer 'villages' failed validation (4 problems):" in report
    assert "'21790' is the code of a unit (Xã Vĩnh Kim)" in report
    assert "now part of 21787 Xã Vĩnh Sơn" in report
    assert "-3 is negative" in report
    assert page.get_by_role("button", name="Nhập vào kho dữ liệu").count() == 0
    page.locator("[data-testid='stCode']").first.scroll_into_view_if_needed()
    _shot(page, "upload_invalid")


def test_planner_run_shows_a_route_to_lang_o2(page: Any, app_url: str) -> None:
    open_as(page, f"{app_url}/?page=plans")
    page.get_by_role("button", name="Lập phương án").wait_for()
    _choose(page, "commune", "Xã Vĩnh Sơn")  # the 2025 layout: Xã Vĩnh Kim is in it
    page.get_by_text("Phạm vi: Xã Vĩnh Sơn").wait_for()
    page.get_by_role("button", name="Lập phương án").click()
    page.get_by_text("Tuyến cáp quang đề xuất").wait_for()
    routes = page.locator("[data-testid='stDataFrame'] table").nth(1)
    page.wait_for_function(
        "() => { const t = document.querySelectorAll(\"[data-testid='stDataFrame'] table\")[1];"
        " return t && t.innerText.includes('Làng O2'); }",
        timeout=TIMEOUT_MS,
    )
    assert "Làng O2 (21790-01)" in routes.inner_text()
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-control-layers").wait_for(state="attached")
    labels = [
        t.strip()
        for t in frame.locator(".leaflet-control-layers-overlays label").all_text_contents()
    ]
    assert "Đề xuất: tuyến cáp quang" in labels
    assert "Đề xuất: trạm BTS mới" in labels
    indicators = page.locator("[data-testid='stDataFrame'] table").first.inner_text()
    assert "Sau phương án" in indicators
    _shot(page, "plan_vinh_son")
