"""Challenges to predicted coverage: open, respond, decide, the figures and the roles.

The sample demo (no evidence of its own) with hand-placed Viettel 4G samples
(as ``tests/test_evidence_cli.py``): at 00004-01, predicted covered by Viettel, 20 samples
from 2 drives with 5 at −118 dBm (75 % < 90 %) → predicted covered but measured weak, the
one village of that class. Three complaints: ``no_signal`` at 00001-01 naming no operator
(a challenge for each operator predicted to cover it with 4G), ``no_signal`` at 00001-03
naming Viettel (predicted covered by no operator: no challenge) and ``weak_signal`` at
00001-02 (not a no-signal report: no challenge).
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

from coverage.engine import CoverageInputs, compute_coverage
from coverage.overrides import apply_gap_overrides
from geodata import Store
from geodata.crs import WORK_CRS
from hatangso import accounts, audit
from hatangso.cli import main
from hatangso.demo import DemoDataset, write_demo
from hatangso.review import ReviewError, ReviewPermissionError
from hatangso.review.challenges import (
    challenge_history,
    challenges,
    decide_challenge,
    gap_overrides,
    open_challenges,
    respond,
    with_challenges,
)

PASSWORD = "mot-mat-khau-dai"  # noqa: S105 - a test account's


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert "Traceback" not in err.getvalue()
    return status, out.getvalue(), err.getvalue()


def _rows(village: str, operator: str, levels: list[float], drives: int, day: int = 5) -> list:
    return [
        {
            "village": village,
            "time": f"2024-11-{day:02d}T08:{i // 60:02d}:{i % 60:02d}+07:00",
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


def _csv(store_path: Path, rows: list[dict], name: str, *, campaign: bool = True) -> Path:
    villages = Store(store_path).read("villages", crs=WORK_CRS).set_index("village_id")
    frame = pd.DataFrame(rows)
    at = villages.geometry.loc[frame["village"]]
    points = gpd.GeoSeries(
        gpd.points_from_xy(at.x.to_numpy() + frame["dx"], at.y.to_numpy()), crs=WORK_CRS
    ).to_crs(4326)
    frame["longitude"] = points.x.round(7).to_numpy()
    frame["latitude"] = points.y.round(7).to_numpy()
    csv = store_path.with_name(name)
    drop = ["village", "dx"] if campaign else ["village", "dx", "campaign"]
    frame.drop(columns=drop).to_csv(csv, index=False)
    return csv


@pytest.fixture(scope="module")
def measured_store(sample_demo: DemoDataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample demo with accounts, the hand-placed samples and three complaints."""
    path = tmp_path_factory.mktemp("challenges") / "sample.gpkg"
    without = dataclasses.replace(
        sample_demo,
        evidence={},
        evidence_meta={},
        later=[dataclasses.replace(p, evidence={}, evidence_meta={}) for p in sample_demo.later],
    )
    write_demo(without, Store(path))
    store = Store(path)
    for name, role in (
        ("mobi", "operator:MobiFone"),
        ("vtl", "operator:Viettel"),
        ("so", "department"),
        ("lanhdao", "viewer"),
    ):
        accounts.add_user(store, name, role, PASSWORD, actor="test")
    good = [-95.0 + 0.5 * i for i in range(24)]
    rows = _rows("00001-01", "Viettel", [-118.0, *good], 3) + _rows(
        "00004-01", "Viettel", [-118.0] * 5 + good[:15], 2
    )
    status, _, err = run(
        "-q", "import", _csv(path, rows, "drive.csv"), "--layer", "measurements", "--into", path
    )
    assert status == 0, err
    complaints = path.with_name("phan_anh.csv")
    pd.DataFrame(
        {
            "complaint_id": ["PA-1", "PA-2", "PA-3"],
            "received_on": ["01/11/2024"] * 3,
            "kind": ["no_signal", "no_signal", "weak_signal"],
            "operator": ["", "Viettel", ""],
            "village_id": ["00001-01", "00001-03", "00001-02"],
        }
    ).to_csv(complaints, index=False)
    status, _, err = run("-q", "import", complaints, "--layer", "complaints", "--into", path)
    assert status == 0, err
    return path


@pytest.fixture
def store(measured_store: Path, tmp_path: Path) -> Store:
    """A copy each test may change."""
    path = tmp_path / "sample.gpkg"
    shutil.copy2(measured_store, path)
    return Store(path)


def _engine(store: Store):
    layers = store.read_all(crs=WORK_CRS)
    return compute_coverage(CoverageInputs.from_layers(layers))


def _claimed(store: Store, village_id: str) -> list[str]:
    v = _engine(store).villages.set_index("village_id")
    return sorted(x for x in str(v.loc[village_id, "operators_4g"]).split(",") if x)


def test_open_takes_measured_weak_and_no_signal_complaints(store: Store) -> None:
    found = open_challenges(store, actor="so", role="department")
    got = {(r.village_id, r.operator, r.tech, r.basis) for r in found.itertuples()}
    expected = {("00004-01", "Viettel", "4G", "measured_weak")}
    expected |= {("00001-01", op, "4G", "complaints") for op in _claimed(store, "00001-01")}
    assert _claimed(store, "00001-01")  # the complaint names no operator: all claimed ones
    assert got == expected
    assert found["new"].all()
    weak = found.set_index("village_id").loc["00004-01"]
    assert (weak["n_samples"], weak["share_above_pct"]) == (20, 75.0)
    again = open_challenges(store, actor="so", role="department")
    assert not again["new"].any()
    assert sorted(again["challenge_id"]) == sorted(found["challenge_id"])
    assert len(challenges(store)) == len(found)
    only = open_challenges(store, actor="so", role="department", operator="viettel")
    assert set(only["operator"]) == {"Viettel"}


def test_only_the_department_opens_and_decides(store: Store) -> None:
    for role in ("viewer", "operator:Viettel"):
        with pytest.raises(ReviewPermissionError, match="only the department"):
            open_challenges(store, actor="x", role=role)
    found = open_challenges(store, actor="so", role="department")
    cid = found.set_index("village_id").loc["00004-01", "challenge_id"]
    with pytest.raises(ReviewPermissionError, match="only the department"):
        decide_challenge(store, cid, uphold=True, actor="vtl", role="operator:Viettel")


def test_concede_makes_the_village_a_gap_for_that_operator(store: Store) -> None:
    found = open_challenges(store, actor="so", role="department").set_index("village_id")
    cid = str(found.loc["00004-01", "challenge_id"])
    before = _engine(store)
    row = before.villages.set_index("village_id").loc["00004-01"]
    others = [x for x in str(row["operators_4g"]).split(",") if x and x != "Viettel"]
    assert gap_overrides(store).empty
    event = respond(store, cid[:8], concede=True, actor="vtl", role="operator:Viettel")
    assert (event.action, event.status_from, event.status_to) == ("concede", "open", "conceded")
    overrides = gap_overrides(store)
    assert overrides[["village_id", "operator", "tech"]].to_numpy().tolist() == [
        ["00004-01", "Viettel", "4G"]
    ]
    after = with_challenges(store, before)
    moved = after.villages.set_index("village_id").loc["00004-01"]
    assert "Viettel" not in str(moved["operators_4g"]).split(",")
    assert bool(moved["mobile_4g"]) == bool(others)
    assert after.overrides is not None
    assert after.overrides["changed"].tolist() == [not others and bool(row["mobile_4g"])]
    # the engine's own result is untouched; a store without accepted challenges: same object
    assert "Viettel" in str(row["operators_4g"])
    with pytest.raises(ReviewError, match="already conceded"):
        respond(store, cid, concede=True, actor="vtl", role="operator:Viettel")


def test_dispute_with_a_file_then_reject_or_uphold(store: Store, tmp_path: Path) -> None:
    found = open_challenges(store, actor="so", role="department")
    weak = str(found.set_index("village_id").loc["00004-01", "challenge_id"])
    good = [-90.0] * 20
    csv = _csv(
        store.path, _rows("00004-01", "Viettel", good, 2, day=20), "phan_bac.csv", campaign=False
    )
    before = len(store.read("measurements"))
    with pytest.raises(ReviewError, match="needs evidence"):
        respond(store, weak, concede=False, actor="vtl", role="operator:Viettel")
    event = respond(
        store, weak, concede=False, actor="vtl", role="operator:Viettel", evidence=csv, note="Đã đo"
    )
    assert (event.status_to, event.reason, event.comment) == (
        "disputed",
        f"challenge-{weak[:8]}",
        "Đã đo",
    )
    samples = store.read("measurements")
    assert len(samples) == before + 20
    assert (samples["campaign"] == f"challenge-{weak[:8]}").sum() == 20
    decided = decide_challenge(store, weak, uphold=False, actor="so", role="department", note="OK")
    assert (decided.status_from, decided.status_to, decided.reason) == (
        "disputed",
        "rejected",
        "OK",
    )
    assert gap_overrides(store).empty
    with pytest.raises(ReviewError, match="already rejected"):
        decide_challenge(store, weak, uphold=True, actor="so", role="department")
    other = str(found.loc[found["village_id"] == "00001-01", "challenge_id"].iloc[0])
    decide_challenge(store, other, uphold=True, actor="so", role="department")
    assert gap_overrides(store)["challenge_id"].tolist() == [other]
    steps = [(e.action, e.status_to) for e in challenge_history(store, weak)]
    assert steps == [("challenge_open", "open"), ("dispute", "disputed"), ("decide", "rejected")]


def test_every_step_is_audited(store: Store, tmp_path: Path) -> None:
    found = open_challenges(store, actor="so", role="department")
    ids = found["challenge_id"].tolist()
    respond(store, ids[0], concede=True, actor="vtl", role=f"operator:{found['operator'][0]}")
    decide_challenge(store, ids[1], uphold=True, actor="so", role="department", note="Lý do")
    log = audit.entries(store)
    opened = log[log["action"] == "challenge_opened"]
    assert len(opened) == 1
    assert opened["detail"].iloc[0]["opened"] == len(found)
    answer = log[log["action"] == "challenge_response"].iloc[0]
    assert (answer["actor"], answer["subject"], answer["detail"]["status"]) == (
        "vtl",
        ids[0],
        "conceded",
    )
    decision = log[log["action"] == "challenge_decision"].iloc[0]
    assert (decision["subject"], decision["detail"]["to"], decision["detail"]["note"]) == (
        ids[1],
        "upheld",
        "Lý do",
    )


def test_an_operator_sees_and_answers_only_its_own(store: Store) -> None:
    found = open_challenges(store, actor="so", role="department")
    viettel = found[found["operator"] == "Viettel"]
    seen = challenges(store, role="operator:Viettel")
    assert set(seen["operator"]) == {"Viettel"}
    assert len(seen) == len(viettel)
    cid = str(viettel["challenge_id"].iloc[0])
    with pytest.raises(ReviewPermissionError, match="among those operator:MobiFone can see"):
        respond(store, cid, concede=True, actor="mobi", role="operator:MobiFone")
    with pytest.raises(ReviewPermissionError, match="only Viettel"):
        respond(store, cid, concede=True, actor="so", role="department")
    with pytest.raises(ReviewPermissionError):
        challenge_history(store, cid, role="operator:MobiFone")


def test_apply_gap_overrides_by_hand() -> None:
    """Two villages: one keeps another operator, one loses its only one (and its share)."""
    v = pd.DataFrame(
        {
            "village_id": ["a", "b"],
            "operators_4g": ["Viettel,VNPT", "VNPT"],
            "mobile_4g": [True, True],
            "operators_4g_indoor": ["VNPT", "VNPT"],
            "mobile_4g_indoor": [True, True],
            "share_4g_pct": [100.0, 80.0],
        }
    )
    c = v.assign(cluster_id=["a1", "b1"])
    from coverage.engine import CoverageResult

    result = CoverageResult(v, c, pd.DataFrame(), pd.DataFrame())
    o = pd.DataFrame({"village_id": ["a", "b", "zz"], "operator": ["VNPT"] * 3, "tech": ["4G"] * 3})
    out = apply_gap_overrides(result, o)
    assert out.villages["operators_4g"].tolist() == ["Viettel", ""]
    assert out.villages["mobile_4g"].tolist() == [True, False]
    assert out.villages["mobile_4g_indoor"].tolist() == [False, False]
    assert out.villages["share_4g_pct"].tolist() == [100.0, 0.0]
    assert out.clusters["mobile_4g"].tolist() == [True, False]
    assert out.overrides is not None
    assert out.overrides[["applied", "changed"]].to_numpy().tolist() == [
        [True, False],
        [True, True],
        [False, False],
    ]
    assert result.villages["operators_4g"].tolist() == ["Viettel,VNPT", "VNPT"]


def test_cli_open_list_respond_decide(store: Store, tmp_path: Path) -> None:
    path = store.path
    status, out, err = run("challenge", "open", path, "--as", "so", "--json")
    assert status == 0, err
    payload = json.loads(out)
    assert payload["opened"] == len(payload["challenges"])
    weak = next(c for c in payload["challenges"] if c["village_id"] == "00004-01")
    status, out, _ = run("challenge", "open", path, "--as", "so")
    assert status == 0
    assert f"0 challenges opened, {payload['opened']} already open" in out
    status, out, _ = run("challenge", "list", path, "--as", "mobi")
    assert "Viettel" not in out
    status, out, _ = run("challenge", "list", path, "--as", "vtl", "--json")
    rows = json.loads(out)["challenges"]
    assert {r["operator"] for r in rows} == {"Viettel"}
    cid = weak["challenge_id"][:8]
    status, _, err = run("challenge", "respond", path, cid, "--concede", "--as", "mobi")
    assert status == 2
    assert "among those operator:MobiFone can see" in err
    status, out, _ = run("challenge", "respond", path, cid, "--concede", "--as", "vtl")
    assert status == 0
    assert f"challenge {cid}: conceded by vtl." in out
    status, _, err = run("challenge", "decide", path, cid, "--uphold", "--as", "vtl")
    assert status == 2
    assert "only the department" in err
    status, out, _ = run("challenge", "list", path, "--json")
    by_id = {r["challenge_id"]: r for r in json.loads(out)["challenges"]}
    assert by_id[weak["challenge_id"]]["status"] == "conceded"
    status, out, _ = run("challenge", "history", path, cid)
    assert "concede" in out
    assert "open → conceded" in out


def test_report_and_coverage_say_which_figures_come_from_challenges(store: Store) -> None:
    """00001-01 (MobiFone, VNPT, Viettel predicted) loses all three: it becomes a gap.

    00004-01 (MobiFone, Viettel) loses Viettel only and stays covered; 00001-03 was a
    predicted gap without measurements.
    """
    from hatangso.report import build_report

    found = open_challenges(store, actor="so", role="department")
    status, out, _ = run("-q", "coverage", store.path, "--json")
    assert json.loads(out)["challenges"]["accepted"] == 0
    assert "00001-01" not in json.loads(out)["uncovered"]["4g"]
    for r in found.itertuples():
        if r.village_id == "00004-01":
            respond(store, r.challenge_id, concede=True, actor="vtl", role="operator:Viettel")
        else:
            decide_challenge(store, r.challenge_id, uphold=True, actor="so", role="department")
    status, out, _ = run("-q", "coverage", store.path, "--json")
    assert status == 0
    payload = json.loads(out)
    assert (payload["challenges"]["accepted"], payload["challenges"]["villages_moved"]) == (4, 1)
    assert payload["uncovered"]["4g"] == ["00001-01", "00001-03"]
    note = payload["challenges"]["note"]["vi"]
    assert note == (
        "Thách thức: 4 đã chấp nhận (nhà mạng chấp nhận hoặc Sở giữ) được tính là vùng lõm "
        "của nhà mạng đó; 1 thôn chuyển từ có sóng sang vùng lõm."
    )
    status, out, _ = run("-q", "coverage", store.path)
    assert "Challenges: 4 accepted" in out
    report = build_report(store.path)
    assert note in report.notes
    gaps = next(t for t in report.tables if t.sheet == "Thôn chưa có 4G").frame
    basis = dict(zip(gaps["Mã thôn"], gaps["Cơ sở"], strict=True))
    assert basis == {"00001-01": "thách thức đã chấp nhận", "00001-03": "dự báo"}
