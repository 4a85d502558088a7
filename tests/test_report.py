"""`hatangso report` on the Bình Định demo (issue #7, item 3: the current period)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from coverage.engine import CoverageInputs, compute_coverage
from geodata import Store
from geodata.crs import WORK_CRS
from hatangso.cli import main
from tests.conftest import END_2024, MID_2024

pytestmark = pytest.mark.basedata

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert "Traceback" not in err.getvalue()
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def without_4g(demo_store: Path) -> list[str]:
    store = Store(demo_store, period=MID_2024)
    layers = store.read_all(crs=WORK_CRS)
    density = store.read_grid("population_density")
    result = compute_coverage(CoverageInputs.from_layers(layers, density=density))
    ids = set(result.uncovered()["4g"])
    v = result.villages
    return sorted(v.loc[v["village_id"].astype(str).isin(ids), "name"].astype(str))


@pytest.fixture(scope="module")
def pdf(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.pdf"
    status, stdout, err = run("report", demo_store, "--out", out, "--period", MID_2024, "--json")
    assert status == 0, err
    payload = json.loads(stdout)
    assert payload["ok"] is True
    assert payload["as_of"] == "2024-06-30"
    return out


@pytest.fixture(scope="module")
def xlsx(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.xlsx"
    status, _, err = run("report", demo_store, "--out", out, "--period", "2024-06-30")
    assert status == 0, err
    return out


def test_pdf_text_has_the_published_figures(pdf: Path, without_4g: list[str]) -> None:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    flat = " ".join(text.replace("\u00a0", " ").split())  # table cells wrap lines
    for figure in ("159/159", "1.161/1.176", "98,7", "75,0", "1.175/1.176", "99,9"):
        assert figure in flat, figure
    assert "Số liệu đến ngày 30/06/2024" in flat
    assert "LƯU Ý" in flat  # the demo's layers are synthetic
    assert "Chưa đạt" in flat
    assert "Đạt" in flat
    assert "Làng O2" in flat
    assert without_4g
    for name in without_4g:
        assert name in flat, name


def test_first_period_says_there_is_nothing_to_compare(pdf: Path) -> None:
    flat = " ".join("\n".join(p.extract_text() or "" for p in PdfReader(pdf).pages).split())
    assert "Đây là kỳ số liệu đầu tiên (30/06/2024)" in flat


@pytest.fixture(scope="module")
def pdf_end_2024(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report-2024-12-31.pdf"
    # the end-2024 period (the latest is 2025-07-01, in the two-tier layout: issue 14)
    status, _, err = run("report", demo_store, "--out", out, "--period", "2024-12-31")
    assert status == 0, err
    return out


def test_end_2024_report_has_its_figures_and_the_changes(pdf_end_2024: Path) -> None:
    pages = PdfReader(pdf_end_2024).pages
    flat = " ".join("\n".join(p.extract_text() or "" for p in pages).replace("\u00a0", " ").split())
    assert "Số liệu đến ngày 31/12/2024" in flat
    for figure in ("159/159", "1.168/1.176", "99,3", "1.175/1.176", "99,9"):
        assert figure in flat, figure
    assert "Thay đổi so với kỳ trước (30/06/2024)" in flat
    assert "+7 thôn" in flat  # 1,161 -> 1,168 villages with fiber
    assert "Thôn mới có cáp quang so với kỳ trước" in flat
    assert "Làng O2" in flat  # still the one village without 4G
    assert "Thôn Canh Giao" in flat  # still without fiber at the end of 2024
    ARTIFACTS.mkdir(exist_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm is missing: apt-get install -y poppler-utils")
    prefix = ARTIFACTS / f"report_{END_2024}"
    subprocess.run([pdftoppm, "-png", "-r", "60", pdf_end_2024, prefix], check=True, timeout=120)
    rendered = sorted(ARTIFACTS.glob(f"report_{END_2024}-*.png"))
    assert len(rendered) == len(pages)
    for png in rendered:
        image = np.asarray(Image.open(png).convert("L"))
        assert (image < 100).mean() > 0.003, f"{png.name} looks blank"


def test_pdf_page_one_renders(pdf: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "report_page"
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm is missing: apt-get install -y poppler-utils")
    subprocess.run(
        [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, prefix],
        check=True,
        timeout=60,
    )
    image = np.asarray(Image.open(prefix.with_suffix(".png")).convert("L"))
    assert image.shape[0] > 500
    dark = (image < 100).mean()
    assert dark > 0.005, f"page 1 looks blank ({dark:.4%} dark pixels)"


def test_xlsx_sheets_and_counts(xlsx: Path, without_4g: list[str]) -> None:
    book = load_workbook(xlsx, read_only=True)
    expected = [
        "Tóm tắt",
        "Theo huyện",
        "Thay đổi",  # the first period: nothing to compare with
        "Theo xã",
        "Thôn chưa có cáp quang",
        "Thôn chưa có 4G",
    ]
    assert book.sheetnames[:6] == expected

    def rows(sheet: str) -> list[tuple]:
        return [r for r in book[sheet].iter_rows(values_only=True) if any(v is not None for v in r)]

    summary = [" ".join(str(v) for v in r if v is not None) for r in rows("Tóm tắt")]
    assert any("1.161/1.176" in line for line in summary)
    assert any("30/06/2024" in line for line in summary)
    districts = rows("Theo huyện")
    assert len(districts) - 1 == 11 + 1  # and the province's total
    assert districts[-1][0] == "Toàn tỉnh"
    assert districts[-1][3] == sum(r[3] for r in districts[1:-1]) == 1176
    communes = rows("Theo xã")
    assert len(communes) - 1 == 159
    assert sum(r[3] for r in communes[1:]) == 1176
    assert len(rows("Thôn chưa có cáp quang")) - 1 == 1176 - 1161
    no_4g = rows("Thôn chưa có 4G")
    assert sorted(r[2] for r in no_4g[1:]) == without_4g
    book.close()


def test_a_period_not_held_is_refused(demo_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    status, _, err = run("report", demo_store, "--out", out, "--period", "2023-01-01")
    assert status == 2
    assert "has no period 2023-01-01" in err
    assert "2024-06-30, 2024-12-31" in err
    assert not out.exists()


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    status, _, err = run("report", tmp_path / "none.gpkg", "--out", tmp_path / "r.pdf")
    assert status == 2
    assert "no such store" in err


def test_saved_plans_are_listed(demo_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "bd.gpkg"
    shutil.copyfile(demo_store, store)
    totals = {"total_cost_vnd": 1_250_000_000, "households_covered": 56}
    Store(store).write({}, {}, results={"plan:o2": ("site_plan", {}, {"totals": totals})})
    out = tmp_path / "r.xlsx"
    status, _, err = run("report", store, "--out", out)
    assert status == 0, err
    plans = list(load_workbook(out, read_only=True)["Phương án"].iter_rows(values_only=True))
    assert plans[1] == ("o2", "Trạm 4G mới", 1250.0, 56)
