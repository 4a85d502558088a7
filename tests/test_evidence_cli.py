"""``hatangso evidence``, the report and the roles on the synthetic sample demo.

Hand-placed samples (Viettel 4G unless said) at four of the sample's point villages, each
more than 1 km from its neighbours, so every sample belongs to one village (500 m rule):

* 00001-01, predicted covered by Viettel: 25 samples from 3 drives, 24 at or above
  −110 dBm (96 %) → confirmed covered;
* 00001-03, predicted covered by no operator: 20 samples at −120 dBm, 2 drives →
  confirmed gap;
* 00004-01, predicted covered by Viettel: 20 samples from 2 drives, 5 at −118 dBm
  (75 % < 90 %) → predicted covered but measured weak;
* 00001-02, MobiFone: 20 good samples from a single drive → no evidence (one drive).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geodata import Store
from geodata.crs import WORK_CRS
from hatangso import accounts
from hatangso.access import Role
from hatangso.cli import main
from hatangso.demo import DemoDataset, write_demo
from hatangso.evidence import evidence_line, load_evidence
from hatangso.report import build_report

PASSWORD = "mot-mat-khau-dai"  # noqa: S105 - a test account's


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert "Traceback" not in err.getvalue()
    return status, out.getvalue(), err.getvalue()


def _rows(village: str, operator: str, levels: list[float], drives: int) -> list[dict]:
    return [
        {
            "village": village,
            "time": f"2024-11-05T08:{i // 60:02d}:{i % 60:02d}+07:00",
            "operator": operator,
            "technology": "LTE",
            "rsrp_dbm": level,
            "campaign": "thu nghiem",
            "device": f"DT-{i % drives}",
            "track": f"T{i % drives}",
            "dx": i % 5,
        }
        for i, level in enumerate(levels)
    ]


@pytest.fixture(scope="module")
def plain(sample_demo: DemoDataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample demo with accounts and no measurements (its own evidence left out)."""
    path = tmp_path_factory.mktemp("evidence") / "sample.gpkg"
    without = dataclasses.replace(
        sample_demo,
        evidence={},
        evidence_meta={},
        later=[dataclasses.replace(p, evidence={}, evidence_meta={}) for p in sample_demo.later],
    )
    write_demo(without, Store(path))
    store = Store(path)
    for name, role in (("mobi", "operator:MobiFone"), ("vtl", "operator:Viettel")):
        accounts.add_user(store, name, role, PASSWORD, actor="test")
    return path


@pytest.fixture(scope="module")
def measured(plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same with the hand-placed samples imported from a CSV."""
    path = tmp_path_factory.mktemp("measured") / "sample.gpkg"
    shutil.copy2(plain, path)
    villages = Store(path).read("villages", crs=WORK_CRS).set_index("village_id")
    good = [-95.0 + 0.5 * i for i in range(24)]
    rows = (
        _rows("00001-01", "Viettel", [-118.0, *good], 3)
        + _rows("00001-03", "Viettel", [-120.0] * 20, 2)
        + _rows("00004-01", "Viettel", [-118.0] * 5 + good[:15], 2)
        + _rows("00001-02", "MobiFone", good[:20], 1)
    )
    frame = pd.DataFrame(rows)
    at = villages.geometry.loc[frame["village"]]
    points = gpd.GeoSeries(
        gpd.points_from_xy(at.x.to_numpy() + frame["dx"], at.y.to_numpy()), crs=WORK_CRS
    ).to_crs(4326)
    frame["longitude"] = points.x.round(7).to_numpy()
    frame["latitude"] = points.y.round(7).to_numpy()
    csv = path.with_name("drive.csv")
    frame.drop(columns=["village", "dx"]).to_csv(csv, index=False)
    status, _, err = run("-q", "import", csv, "--layer", "measurements", "--into", path)
    assert status == 0, err
    return path


def test_text_names_the_classes_and_the_share(measured: Path) -> None:
    status, out, _ = run("-q", "evidence", measured)
    assert status == 0
    assert "3/12 villages have enough measurements (25 %" in out
    assert "at least 20 samples from at least 2 drives or devices" in out
    lines = {line.split()[0] + " " + line.split()[1]: line for line in out.splitlines() if line}
    assert lines["Viettel 4G"].split()[2:8] == ["1", "1", "1", "0", "9", "25.0"]
    assert lines["MobiFone 4G"].split()[2:8] == ["0", "0", "0", "0", "12", "0.0"]
    assert "00001-01" in out
    assert "pred.cov/weak" in out


def test_json_rows_and_confusion(measured: Path) -> None:
    status, out, _ = run("-q", "evidence", measured, "--json")
    assert status == 0
    payload = json.loads(out)
    assert payload["share"] == {
        "villages": 12,
        "with_evidence": 3,
        "with_evidence_pct": 25.0,
        "measured": True,
    }
    rows = {(r["village_id"], r["operator"]): r for r in payload["rows"]}
    first = rows[("00001-01", "Viettel")]
    assert (first["n_samples"], first["n_drives"], first["share_above_pct"]) == (25, 3, 96.0)
    # p10 of the 25 levels: h = 2.4 between −94.5 and −94.0 → −94.3 (numpy "linear")
    assert first["p10_dbm"] == pytest.approx(-94.3)
    assert first["evidence_class"] == "confirmed_covered"
    assert rows[("00001-03", "Viettel")]["evidence_class"] == "confirmed_gap"
    weak = rows[("00004-01", "Viettel")]
    assert (weak["share_above_pct"], weak["evidence_class"]) == (
        75.0,
        "predicted_covered_measured_weak",
    )
    lone = rows[("00001-02", "MobiFone")]
    assert (lone["n_samples"], lone["n_drives"], lone["has_evidence"]) == (20, 1, False)
    assert lone["evidence_class"] == "no_evidence"
    viettel = next(c for c in payload["confusion"] if c["operator"] == "Viettel")
    assert viettel["no_evidence"] == 9
    assert viettel["with_evidence_pct"] == 25.0


def test_commune_level(measured: Path) -> None:
    status, out, _ = run("-q", "evidence", measured, "--level", "commune", "--json")
    assert status == 0
    rows = {(r["commune_id"], r["operator"]): r for r in json.loads(out)["rows"]}
    c1 = rows[("00001", "Viettel")]
    assert (c1["villages"], c1["confirmed_covered"], c1["confirmed_gap"], c1["no_evidence"]) == (
        3,
        1,
        1,
        1,
    )


def test_an_operator_sees_only_its_own_rows(measured: Path) -> None:
    status, out, _ = run("-q", "evidence", measured, "--as", "mobi", "--json")
    assert status == 0
    payload = json.loads(out)
    assert {r["operator"] for r in payload["rows"]} == {"MobiFone"}
    assert [c["operator"] for c in payload["confusion"]] == ["MobiFone"]
    # Its share comes from its own measurements: none of its villages has enough.
    assert payload["share"]["with_evidence"] == 0
    status, _, err = run("-q", "evidence", measured, "--as", "mobi", "--operator", "Viettel")
    assert status == 2
    assert "may not see" in err


def test_no_measurements_is_a_clear_error(plain: Path) -> None:
    status, _, err = run("-q", "evidence", plain)
    assert status == 2
    assert "holds no measurements" in err
    assert "hatangso import FILE --layer measurements" in err


def test_unknown_operator(measured: Path) -> None:
    status, _, err = run("-q", "evidence", measured, "--operator", "Nokia")
    assert status == 2
    assert "unknown operator 'Nokia'" in err


def test_report_has_the_share_and_the_table(measured: Path, plain: Path) -> None:
    report = build_report(measured)
    assert any("3/12 thôn có đủ số liệu đo kiểm (25 %" in n for n in report.notes)
    table = next(t for t in report.tables if t.sheet == "Đo kiểm")
    viettel = table.frame[table.frame["Nhà mạng"] == "Viettel"].iloc[0]
    assert viettel["Xác nhận có sóng"] == 1
    assert viettel["Xác nhận vùng lõm"] == 1
    assert viettel["Dự báo có sóng, đo kiểm yếu"] == 1
    assert viettel["Dự báo lõm, đo kiểm có sóng"] == 0
    assert viettel["Chưa có đo kiểm"] == 9
    empty = build_report(plain)
    line = "Chưa có số liệu đo kiểm: mọi số liệu vùng phủ là dự báo."
    assert line in empty.notes
    assert next(t for t in empty.tables if t.sheet == "Đo kiểm").empty == line
    assert not any("0 %" in n and "đo kiểm" in n for n in empty.notes)


def test_overview_line_follows_the_role(measured: Path) -> None:
    store = Store(measured)
    department = load_evidence(store, role=Role("department"))
    assert evidence_line(department).startswith("3/12 thôn có đủ số liệu đo kiểm (25 %")
    viettel = load_evidence(store, role=Role("operator", "Viettel"))
    assert set(viettel.villages["operator"]) == {"Viettel"}
    assert viettel.share["with_evidence"] == 3
    mobifone = load_evidence(store, role=Role("operator", "MobiFone"))
    assert evidence_line(mobifone, "en").startswith("0/12 villages have enough measurements")


def test_overview_page_shows_the_table_or_says_none(
    measured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_app import run_app, texts

    at = run_app(measured, monkeypatch, period="2024-12-31")
    assert not at.exception
    assert "3/12 thôn có đủ số liệu đo kiểm (25 %" in texts(at)
    table = next(d.value for d in at.dataframe if "Xác nhận có sóng" in d.value.columns)
    viettel = table[table["Nhà mạng"] == "Viettel"].iloc[0]
    assert viettel["Dự báo có sóng, đo kiểm yếu"] == "1"
    assert viettel["Chưa có đo kiểm"] == "9"
    assert viettel["Thôn có đo kiểm"] == "25 %"
    # The period before holds no measurement: a line, never 0 %.
    june = run_app(measured, monkeypatch, period="2024-06-30")
    assert "Chưa có số liệu đo kiểm: mọi số liệu vùng phủ là dự báo." in texts(june)
    assert not any("Xác nhận có sóng" in d.value.columns for d in june.dataframe)


def test_cluster_and_cell_levels_follow_the_role(measured: Path) -> None:
    status, out, _ = run("-q", "evidence", measured, "--level", "cell", "--json")
    assert status == 0
    cells = json.loads(out)["rows"]
    assert sum(c["n_samples"] for c in cells) == 85  # every sample lies in one cell
    assert {c["operator"] for c in cells} == {"Viettel", "MobiFone"}
    status, out, _ = run("-q", "evidence", measured, "--level", "cell", "--as", "mobi", "--json")
    assert {c["operator"] for c in json.loads(out)["rows"]} == {"MobiFone"}
    status, out, _ = run("-q", "evidence", measured, "--level", "cluster")
    assert status == 0
    assert "clusters with samples" in out
