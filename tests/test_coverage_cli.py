"""`hatangso coverage` on the Bình Định demo: the published mid-2024 status (issue #3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geodata import Store
from hatangso.cli import main
from tests.conftest import END_2024, MID_2024

#: The end-2024 period: the latest is 2025-07-01, in the two-tier layout (issue 14).
END = ("--period", END_2024)

pytestmark = pytest.mark.basedata


def run_json(capsys: pytest.CaptureFixture[str], *args: str | Path) -> dict:
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "Traceback" not in err
    return json.loads(out)


@pytest.fixture(scope="module")
def payload(demo_store: Path) -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["coverage", str(demo_store), "--period", MID_2024, "--json"]) == 0
    return json.loads(out.getvalue())


def test_published_mid_2024_status(payload: dict) -> None:
    p = payload["province"]
    assert payload["as_of"] == "2024-06-30"
    assert (p["communes_fiber"], p["communes"]) == (159, 159)
    assert (p["villages_fiber"], p["villages"]) == (1161, 1176)
    assert p["villages_fiber_pct"] == pytest.approx(98.7, abs=0.05)
    assert p["households"] == 434_379
    assert p["households_fiber_pct"] == pytest.approx(75.0, abs=0.5)
    assert (p["villages_4g"], p["villages"]) == (1175, 1176)
    assert p["commune_centres_4g"] == p["commune_centres"] == 159


def test_lang_o2_is_the_one_dead_zone(payload: dict) -> None:
    assert [z["name"] for z in payload["dead_zones"]] == ["Làng O2"]
    o2 = payload["dead_zones"][0]["village_id"]
    assert payload["uncovered"]["4g"] == [o2]
    assert o2 in payload["uncovered"]["fiber"]
    assert len(payload["uncovered"]["fiber"]) == 15
    assert payload["villages_without_electricity"] == [o2]


def test_targets(payload: dict) -> None:
    met = {t["id"]: t["met"] for t in payload["targets"]}
    assert met["fiber_communes"] is True
    assert met["fiber_villages"] is False
    assert met["fiber_households"] is False
    assert met["mobile_villages"] is False
    gaps = {t["id"]: t["gap"] for t in payload["targets"]}
    assert gaps["fiber_villages"] == 15
    assert gaps["mobile_villages"] == 1


def test_district_and_commune_rows(payload: dict) -> None:
    assert len(payload["districts"]) == 11
    assert len(payload["communes"]) == 159
    vinh_thanh = next(d for d in payload["districts"] if d["name"] == "Huyện Vĩnh Thạnh")
    assert vinh_thanh["villages_4g"] == vinh_thanh["villages"] - 1


def test_levels_operator_and_outputs(
    demo_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "bd.gpkg"
    shutil.copyfile(demo_store, store)
    vnpt = run_json(capsys, "coverage", store, "--json", "--operator", "Vinaphone", *END)
    assert vnpt["operator"] == "VNPT"
    assert vnpt["rules"]["4G"]["outdoor"]["vi"] == "ngoài trời, 90 % vị trí, RSRP ≥ −110 dBm"
    assert main(["coverage", str(store), *END]) == 0
    text = capsys.readouterr().out
    assert "covered means 4G: outdoor, 90 % of locations, RSRP ≥ −110 dBm; 5G:" in text
    # the demo has no land cover, and says what that means (issue 12 item 3)
    assert vnpt["clutter"]["land_cover"] is False
    assert vnpt["clutter"]["note"]["vi"].startswith("Chưa có lớp phủ mặt đất")
    assert "No land cover: sparsely inhabited areas are counted as rural (quasi-open)" in text
    assert vnpt["province"]["villages_fiber"] < 1161
    csv = tmp_path / "communes.csv"
    assert main(["coverage", str(store), *END, "--level", "commune", "--out", str(csv)]) == 0
    table = pd.read_csv(csv, encoding="utf-8-sig", dtype={"unit_id": str})
    assert len(table) == 159
    assert "Xã Vĩnh Kim" in set(table["name"])
    geo = tmp_path / "villages.geojson"
    assert main(["coverage", str(store), *END, "--level", "village", "--out", str(geo)]) == 0
    assert len(gpd.read_file(geo)) == 1176
    xlsx = tmp_path / "districts.xlsx"
    assert main(["coverage", str(store), *END, "--level", "district", "--out", str(xlsx)]) == 0
    assert len(pd.read_excel(xlsx)) == 11
    capsys.readouterr()


def test_save_into_the_store(
    demo_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "bd.gpkg"
    shutil.copyfile(demo_store, store)
    assert main(["coverage", str(store), *END, "--save", "--raster-resolution-m", "2000"]) == 0
    capsys.readouterr()
    saved = Store(store, period=END_2024).read_result("coverage")
    assert saved is not None
    assert saved["payload"]["as_of"] == END_2024
    assert saved["payload"]["province"]["villages_fiber"] == 1168
    assert Store(store, period=MID_2024).read_result("coverage") is None
    rasters = {r.layer for r in Store(store, period=END_2024).info().layers if r.kind == "raster"}
    assert {"coverage_4g_viettel", "coverage_4g_vnpt", "coverage_5g_viettel"} <= rasters
    grid = Store(store, period=END_2024).read_grid("coverage_4g_viettel")
    assert grid.crs.to_epsg() == 32649


def test_unknown_operator_is_input_error(
    demo_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["coverage", str(demo_store), "--operator", "Bkav"])
    _, err = capsys.readouterr()
    assert status == 2
    assert "unknown operator 'Bkav'" in err


def test_an_imported_land_cover_is_used_and_said(
    demo_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    store = tmp_path / "bd.gpkg"
    shutil.copyfile(demo_store, store)
    tif = tmp_path / "worldcover.tif"
    with rasterio.open(  # 0.2° x 0.2° of tree cover over Quy Nhơn's hinterland
        tif,
        "w",
        driver="GTiff",
        width=20,
        height=20,
        count=1,
        dtype="uint8",
        crs="EPSG:4326",
        transform=from_origin(109.0, 14.0, 0.01, 0.01),
        nodata=0,
    ) as dst:
        dst.write(np.full((20, 20), 10, dtype="uint8"), 1)
    assert main(["import", str(tif), "--layer", "land_cover", "--into", str(store)]) == 0
    capsys.readouterr()
    payload = run_json(capsys, "coverage", store, "--json")
    clutter = payload["clutter"]
    assert clutter["land_cover"] is True
    assert 0 < clutter["villages_without_land_cover"] < 1176
    assert clutter["note"]["vi"].startswith("Môi trường quanh máy thu theo lớp phủ mặt đất")


def test_text_warns_about_sites_and_points_outside_the_elevation_raster() -> None:
    import dataclasses

    import numpy as np
    from affine import Affine

    from coverage.engine import compute_coverage
    from geodata.raster import Grid
    from hatangso.cli.coverage import _coverage_text
    from tests.test_engine import CRS, X0, Y0, province

    dem = Grid(
        array=np.full((30, 30), 10.0),
        transform=Affine(1000.0, 0.0, X0, 0.0, -1000.0, Y0 + 30_000.0),
        crs=gpd.GeoSeries(crs=CRS).crs,
    )
    result = compute_coverage(dataclasses.replace(province(), elevation=dem))
    payload = result.to_dict() | {"dataset": "test", "as_of": "2026-01-01"}
    text = _coverage_text(payload, result.summary("province"), "province")
    assert "warning: Elevation: 1 sites and 5 points" in text
    plain = compute_coverage(province()).to_dict() | {"dataset": "test", "as_of": "2026-01-01"}
    assert "warning:" not in _coverage_text(plain, result.summary("province"), "province")
