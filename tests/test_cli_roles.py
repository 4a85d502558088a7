"""The command line under ``--as USER``: an operator's extract never holds another's rows."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geodata import Store
from hatangso import accounts, audit
from hatangso.cli import main

PASSWORD = "mot-mat-khau-dai"  # noqa: S105 - a test account's


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert "Traceback" not in err.getvalue()
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic sample demo with a MobiFone, a Viettel and a viewer account."""
    path = tmp_path_factory.mktemp("roles") / "sample.gpkg"
    assert run("demo", "--out", path)[0] == 0
    store = Store(path)
    for name, role in (
        ("mobi", "operator:Mobifone"),
        ("vtl", "operator:Viettel"),
        ("lead", "viewer"),
    ):
        accounts.add_user(store, name, role, PASSWORD, actor="test")
    return path


def test_operator_export_holds_only_its_own_sites(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "sites.geojson"
    status, _, err = run("export", sample, "mobile_sites", "--out", out, "--as", "mobi")
    assert status == 0, err
    sites = gpd.read_file(out)
    assert len(sites) > 0
    assert set(sites["operator"]) == {"MobiFone"}
    everything = Store(sample).read("mobile_sites")
    assert len(sites) == int((everything["operator"] == "MobiFone").sum()) < len(everything)


def test_forged_request_for_another_operator_is_refused_and_audited(
    sample: Path, tmp_path: Path
) -> None:
    out = tmp_path / "viettel.csv"
    status, _, err = run(
        "export", sample, "mobile_sites", "--operator", "Viettel", "--out", out, "--as", "mobi"
    )
    assert status == 2
    assert "may not see Viettel" in err
    assert not out.exists()
    denied = audit.entries(Store(sample), action="access_denied")
    assert (denied["actor"].str.endswith("as mobi")).any()


def test_operator_coverage_table_names_no_other_operator(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "villages.csv"
    status, _, err = run(
        "coverage", sample, "--level", "village", "--out", out, "--as", "vtl", "--json"
    )
    assert status == 0, err
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    for column in ("operators_4g", "fiber_operators"):
        if column in table:
            names = {n for cell in table[column] for n in cell.split(",") if n}
            assert names <= {"Viettel"}, column
    status, _, err = run("coverage", sample, "--operator", "MobiFone", "--as", "vtl")
    assert status == 2
    assert "may not see MobiFone" in err


def test_only_the_department_imports_and_plans(sample: Path, tmp_path: Path) -> None:
    sites = tmp_path / "s.geojson"
    Store(sample).read("mobile_sites").head(2).to_file(sites, driver="GeoJSON")
    before = Store(sample).read("mobile_sites")
    for user in ("lead", "mobi"):
        status, _, err = run(
            "import", sites, "--layer", "mobile_sites", "--into", sample, "--as", user
        )
        assert status == 2
        assert "only the department imports" in err
        status, _, err = run("plan", "sites", sample, "--as", user)
        assert status == 2
        assert "only the department runs plans" in err
    assert len(Store(sample).read("mobile_sites")) == len(before)


def test_unknown_account_is_a_clear_error(sample: Path, tmp_path: Path) -> None:
    status, _, err = run(
        "export", sample, "villages", "--out", tmp_path / "v.csv", "--as", "nobody"
    )
    assert status == 2
    assert "no such account" in err


def test_department_import_is_audited(sample: Path, tmp_path: Path) -> None:
    sites = tmp_path / "s.geojson"
    Store(sample).read("mobile_sites").head(3).to_file(sites, driver="GeoJSON")
    status, out, err = run(
        "import", sites, "--layer", "mobile_sites", "--into", sample, "--mode", "upsert", "--json"
    )
    assert status == 0, err
    assert json.loads(out)["ok"] is True
    rows = audit.entries(Store(sample), action="import")
    assert rows.iloc[0]["subject"] == "mobile_sites"
    assert rows.iloc[0]["detail"]["file"] == "s.geojson"


def test_operator_coverage_table_has_no_site_level_figure(sample: Path, tmp_path: Path) -> None:
    """Distances to the nearest site or fiber and the best signal are blank for an operator."""
    from hatangso.access import is_site_figure

    out = tmp_path / "dept.csv"
    status, _, err = run("coverage", sample, "--level", "village", "--out", out)
    assert status == 0, err
    everything = pd.read_csv(out)
    figures = [c for c in everything.columns if is_site_figure(c)]
    assert {"fiber_distance_m", "nearest_4g_site_m", "rsrp_4g_dbm"} <= set(figures)
    assert everything[["fiber_distance_m", "nearest_4g_site_m", "rsrp_4g_dbm"]].notna().any().all()
    for suffix in (".csv", ".geojson"):
        out = tmp_path / f"mobi{suffix}"
        status, _, err = run("coverage", sample, "--level", "village", "--out", out, "--as", "mobi")
        assert status == 0, err
        mine = pd.read_csv(out) if suffix == ".csv" else gpd.read_file(out)
        assert len(mine) == len(everything)  # every village, the flags as they are
        assert mine["mobile_4g"].tolist() == everything["mobile_4g"].tolist()
        assert mine["fiber_reached"].tolist() == everything["fiber_reached"].tolist()
        present = [c for c in mine.columns if is_site_figure(c)]
        assert mine[present].isna().all().all(), suffix


def test_operator_json_has_no_village_list_of_single_operator_villages(sample: Path) -> None:
    status, out, err = run("coverage", sample, "--json", "--as", "vtl")
    assert status == 0, err
    payload = json.loads(out)
    assert "roaming_candidates" not in payload
    assert isinstance(payload["roaming_candidates_count"], int)
    status, out, _ = run("coverage", sample, "--json")
    assert isinstance(json.loads(out)["roaming_candidates"], list)  # the department's


def test_export_formats(sample: Path, tmp_path: Path) -> None:
    kml = tmp_path / "sites.kml"
    status, _, err = run("export", sample, "mobile_sites", "--out", kml, "--as", "mobi")
    assert status == 0, err
    text = kml.read_text(encoding="utf-8")
    assert "<name>MBF-" in text  # placemarks named by their site id
    assert "VTL-" not in text
    status, _, err = run("export", sample, "villages", "--out", tmp_path / "v.docx")
    assert status == 2
    assert ".geojson, .kml, .csv or .xlsx" in err
