"""The command line: exit statuses, readable reports without tracebacks, JSON output."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from geodata import Store
from hatangso.cli import main

from .test_geodata import VILLAGES, bowtie_file, tcvn3_shapefile, vn2000_csv

ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def test_validate_ok_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    status, out, _ = run(capsys, "validate", path, "--layer", "villages")
    assert status == 0
    assert "thon.csv: layer 'villages' is valid." in out
    # The count is written the Vietnamese way; the messages keep their own commas.
    assert out.splitlines()[0] == "thon.csv: layer 'villages' is valid. 4 features."
    assert "into the store first, or validate with --store." in out
    status, out, _ = run(capsys, "validate", path, "--layer", "villages", "--json")
    assert status == 0
    payload = json.loads(out)
    assert payload["ok"] is True
    assert payload["features"] == 4


def test_import_creates_store_and_layers_lists_it(
    tmp_path: Path, units_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "new.gpkg"
    status, out, _ = run(
        capsys,
        "import",
        units_file,
        "--layer",
        "admin_units",
        "--into",
        store,
        "--as-of",
        "2024-06-30",
    )
    assert status == 0, out
    assert "(5 features)" in out
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    status, out, err = run(capsys, "import", path, "--layer", "thon", "--into", store)
    assert status == 0, err
    status, out, _ = run(capsys, "layers", store, "--json")
    assert status == 0
    layers = {row["layer"]: row for row in json.loads(out)["layers"]}
    assert layers["admin_units"]["feature_count"] == 5
    assert layers["villages"]["feature_count"] == 4
    assert layers["villages"]["crs"] == "EPSG:4326"
    assert layers["villages"]["as_of"] == "2024-06-30"
    status, out, _ = run(capsys, "layers", store)
    assert "villages" in out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


BAD_INPUTS = {
    "swapped lat/lon": ("swapped.csv", "villages", "--swap-xy"),
    "VN-2000 without CRS": ("vn2000.csv", "villages", "vn2000-binhdinh"),
    "self-intersecting polygon": ("bowtie.geojson", "admin_units", "Self-intersection"),
    "duplicate ids": ("dup.csv", "villages", "is used 2 times"),
    "unknown commune": ("orphan.csv", "villages", "'99999' is not a known commune"),
    "missing households": ("nohh.xlsx", "villages", "required column 'households' is missing"),
    "TCVN3 without --encoding": ("tcvn3", "villages", "looks TCVN3-encoded"),
    "truncated GeoPackage": ("broken.gpkg", "villages", "is not a readable GeoPackage"),
}


def make_bad(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    if name == "swapped.csv":
        VILLAGES.rename(columns={"lon": "lat", "lat": "lon"}).to_csv(path, index=False)
    elif name == "vn2000.csv":
        return vn2000_csv(tmp_path)
    elif name == "bowtie.geojson":
        return bowtie_file(tmp_path)
    elif name == "dup.csv":
        VILLAGES.assign(ma_thon=["A", "B", "C", "A"]).to_csv(path, index=False)
    elif name == "orphan.csv":
        VILLAGES.assign(ma_xa=["21790", "99999", "21790", "21550"]).to_csv(path, index=False)
    elif name == "nohh.xlsx":
        VILLAGES.drop(columns="so_ho").to_excel(path, index=False)
    elif name == "tcvn3":
        return tcvn3_shapefile(tmp_path)
    elif name == "broken.gpkg":
        from .test_geodata import villages_gdf

        villages_gdf().to_file(path, driver="GPKG")
        path.write_bytes(path.read_bytes()[:5000])
    return path


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_with_status_2_and_store_unchanged(
    case: str, tmp_path: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    name, layer, expected = BAD_INPUTS[case]
    path = make_bad(tmp_path, name)
    before = sha(store.path)
    status, out, err = run(capsys, "import", path, "--layer", layer, "--into", store.path)
    assert status == 2
    assert expected in err
    assert path.name in err or path.parent.name in err
    assert sha(store.path) == before
    assert out == ""


def test_tcvn3_with_encoding_gives_correct_names(
    tmp_path: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tcvn3_shapefile(tmp_path)
    status, _, err = run(
        capsys, "import", path, "--layer", "villages", "--into", store.path, "--encoding", "tcvn3"
    )
    assert status == 0, err
    assert store.read("villages")["name"].tolist()[:3] == ["Làng O2", "Làng K2", "Làng Kon Trú"]


def test_json_errors_are_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_bad(tmp_path, "dup.csv")
    status, out, err = run(capsys, "validate", path, "--layer", "villages", "--json")
    assert status == 2
    payload = json.loads(out)
    assert payload["ok"] is False
    assert payload["problems"][0]["column"] == "village_id"
    assert "failed validation" in err


def test_missing_store_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "layers", tmp_path / "none.gpkg")
    assert status == 2
    assert "no such store" in err
    status, _, err = run(capsys, "validate", tmp_path / "none.csv", "--layer", "villages")
    assert status == 2
    assert "no such file" in err


def test_unknown_layer_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    status, _, err = run(capsys, "validate", path, "--layer", "hamlet_points")
    assert status == 2
    assert "unknown layer 'hamlet_points'" in err


def test_internal_error_is_status_1_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import geodata.importer

    def boom(*args: object, **kwargs: object) -> None:
        msg = "unexpected"
        raise RuntimeError(msg)

    monkeypatch.setattr(geodata.importer, "read_raw", boom)
    path = tmp_path / "thon.csv"
    VILLAGES.to_csv(path, index=False)
    status, _, err = run(capsys, "validate", path, "--layer", "villages")
    assert status == 1
    assert "internal error: RuntimeError: unexpected" in err


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    """The installed entry point, as an official runs it (a real process, real exit code)."""
    path = tmp_path / "dup.csv"
    VILLAGES.assign(ma_thon=["A", "B", "C", "A"]).to_csv(path, index=False)
    proc = subprocess.run(
        [sys.executable, "-m", "hatangso", "validate", str(path), "--layer", "villages"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "dup.csv: layer 'villages' failed validation (1 problem):" in proc.stderr


def test_sample_demo_without_base_is_reproducible(tmp_path: Path) -> None:
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    assert main(["demo", "--out", str(a), "--seed", "3"]) == 0
    assert main(["demo", "--out", str(b), "--seed", "3"]) == 0
    assert sha(a) == sha(b)
    info = Store(a).info()
    assert "mẫu" in info.name or "sample" in info.name.lower()
    assert all(row.synthetic for row in info.layers if row.kind == "vector")


@pytest.mark.basedata
def test_binh_dinh_demo_end_to_end(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bd.gpkg"
    status, _, err = run(capsys, "demo", "--base", base, "--out", out)
    assert status == 0, err
    status, text, _ = run(capsys, "layers", out, "--json")
    layers = {row["layer"]: row for row in json.loads(text)["layers"]}
    assert layers["villages"]["feature_count"] == 1176
    assert layers["villages"]["synthetic"] is True
    assert layers["admin_units"]["synthetic"] is False
    store = Store(out, period="2024-12-31")  # the 2019-2025 layout (2025-07-01: issue 14)
    units = store.read("admin_units")
    counts = units["level"].value_counts().to_dict()
    assert counts == {"commune": 159, "district": 11, "province": 1}
    villages = store.read("villages")
    assert int(villages["households"].sum()) == 434_379
    o2 = villages[villages["name"] == "Làng O2"]
    assert len(o2) == 1
    assert o2["commune_id"].iloc[0] == "21790"
    assert not bool(o2["has_electricity"].iloc[0])
    census = pd.read_csv(
        base / "gso_census2019" / "binh_dinh_commune_population_households_2019.csv",
        dtype={"gso_code_2019": str},
    )
    per_commune = villages.groupby("commune_id")["households"].sum()
    expected = census.set_index("gso_code_2019")["hh_total"]
    pd.testing.assert_series_equal(
        per_commune.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )
