"""Importing a new period's file leaves the earlier periods' figures unchanged."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest
from shapely.geometry import Point

from geodata import Store
from hatangso.cli import main
from tests.conftest import END_2024, MID_2024

pytestmark = pytest.mark.basedata

NEXT = "2025-06-30"


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert "Traceback" not in err.getvalue()
    return status, out.getvalue(), err.getvalue()


def coverage(store: Path, period: str) -> dict:
    status, out, err = run("coverage", store, "--period", period, "--json")
    assert status == 0, err
    payload = json.loads(out)
    payload.pop("settings", None)
    return payload


def test_importing_a_new_period_leaves_earlier_figures_unchanged(
    demo_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "bd.gpkg"
    shutil.copyfile(demo_store, store)
    before = {p: coverage(store, p) for p in (MID_2024, END_2024)}
    sites_before = {p: Store(store, period=p).read("mobile_sites") for p in (MID_2024, END_2024)}

    # VNPT reports a new site beside Làng O2 (with solar power) for mid-2025.
    villages = Store(store).read("villages")
    o2 = villages.loc[villages["village_id"] == "21790-01"].iloc[0]
    new = sites_before[END_2024].query("operator == 'VNPT'").head(1).copy()
    new["site_id"] = "VNPT-21790-N01"
    new["tech"] = "4G"
    new["height_m"] = 30.0
    new["power"] = "solar"
    new["geometry"] = [Point(o2.geometry.x + 0.001, o2.geometry.y)]
    upload = tmp_path / "vnpt_2025.geojson"
    new.to_file(upload, driver="GeoJSON")
    status, _, err = run(
        "import",
        upload,
        "--layer",
        "mobile_sites",
        "--into",
        store,
        "--as-of",
        NEXT,
        "--mode",
        "upsert",
    )
    assert status == 0, err

    # the demo's 2025-07-01 period (the two-tier layout, issue 14) stays after the new one
    assert Store(store).periods() == [MID_2024, END_2024, NEXT, "2025-07-01"]
    for period in (MID_2024, END_2024):
        assert coverage(store, period) == before[period], period
        again = Store(store, period=period).read("mobile_sites")
        assert again.equals(sites_before[period]), period
    latest = Store(store, period=NEXT)
    assert len(latest.read("mobile_sites")) == len(sites_before[END_2024]) + 1
    after = coverage(store, NEXT)
    assert after["province"]["villages_4g"] == 1176  # Làng O2 finally has 4G
    assert before[END_2024]["province"]["villages_4g"] == 1175
    # the unchanged layers are shared, not copied
    info = {r.layer: r for r in latest.info().layers}
    assert info["villages"].as_of == MID_2024
    assert info["mobile_sites"].as_of == NEXT
