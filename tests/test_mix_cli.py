"""`hatangso plan mix` on the Bình Định demo: the mix against fiber alone, one command."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from geodata import Store
from hatangso.cli import main

pytestmark = pytest.mark.basedata


def run(*args: str | Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert status == 0, err.getvalue()
    assert "Traceback" not in err.getvalue()
    return out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def mix(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    copy = tmp_path_factory.mktemp("mix") / "bd.gpkg"
    shutil.copy(demo_store, copy)
    out, _ = run("plan", "mix", copy, "--target", "fiber_households:99", "--json", "--save", "m")
    return json.loads(out), copy


def test_the_mix_meets_the_target_for_less_than_fiber_alone(
    mix: tuple[dict[str, Any], Path],
) -> None:
    payload, _ = mix
    m, f = payload["mix"], payload["fiber_only"]
    assert m["feasible"]
    assert f["feasible"]
    assert m["share_after_pct"] >= 99.0
    assert f["share_after_pct"] >= 99.0
    assert m["npv_vnd"] < f["npv_vnd"]  # at 99 % fixed wireless beats the last cables
    assert sum(m["households_by_tech"].values()) == m["households_served"]
    assert payload["saving_vnd"] == f["npv_vnd"] - m["npv_vnd"]


def test_the_greedy_is_checked_against_the_exact_milp(mix: tuple[dict[str, Any], Path]) -> None:
    payload, _ = mix
    for answer in (payload["mix"], payload["fiber_only"]):
        assert answer["exact_proven"] is True
        assert 0.0 <= answer["greedy_gap"] < 0.01  # the greedy within 1 % of the optimum
        assert answer["method"] in ("greedy", "milp")
        assert answer["npv_vnd"] <= answer["greedy_npv_vnd"]


def test_the_curves_rise_and_the_mix_is_never_dearer(mix: tuple[dict[str, Any], Path]) -> None:
    payload, _ = mix
    fiber = {round(p["share_pct"]): p["npv_vnd"] for p in payload["curve_fiber"]}
    for p in payload["curve_mix"]:
        share = round(p["share_pct"])
        if share in fiber:
            assert p["npv_vnd"] <= fiber[share]
    costs = [p["npv_vnd"] for p in payload["curve_fiber"]]
    assert costs == sorted(costs)


def test_the_saved_plan_carries_its_prices(mix: tuple[dict[str, Any], Path]) -> None:
    _, store = mix
    saved = Store(store).read_result("plan:m")
    assert saved is not None
    assert saved["kind"] == "mix_plan"
    keys = {r["key"] for r in saved["payload"]["costs"]}
    assert "leo.terminal_vnd" in keys
    assert all(r["source"] for r in saved["payload"]["costs"])
    units = saved["payload"]["units"]
    unserved = [u for u in units if not u["tech"]]
    assert all(u["cost_per_household_vnd"] is None for u in unserved)  # null, not NaN
    assert "fiber" in {u["tech"] for u in units}
    # why the others lost, in Vietnamese with Vietnamese numbers: "6,4 triệu đồng/hộ"
    fwa = next(u for u in units if u["tech"] == "fwa_existing")
    assert "cáp quang: " in fwa["alternatives"]
    assert re.search(r"\d+,\d triệu đồng/hộ", fwa["alternatives"])


def test_the_text_is_vietnamese(mix: tuple[dict[str, Any], Path]) -> None:
    _, store = mix
    out, _ = run("plan", "mix", store, "--budget-vnd", "100000000000")
    assert "Chi phí 10 năm (hiện giá)" in out
    assert "Chỉ cáp quang" in out
    assert "Với vốn 100,00 tỷ đồng" in out
    assert "Trạm 4G mới" in out


def test_without_fiber_the_mix_still_answers_with_wireless_and_satellite(
    demo_store: Path,
) -> None:
    from coverage.engine import CoverageInputs, compute_coverage
    from geodata.crs import WORK_CRS
    from planner.mix import MixTarget, plan_mix

    layers = Store(demo_store).read_all(crs=WORK_CRS)
    layers = {k: v for k, v in layers.items() if k not in ("fiber_routes", "fiber_nodes")}
    result = compute_coverage(CoverageInputs.from_layers(layers))
    plan = plan_mix(layers, result, target=MixTarget(10.0), exact=False)
    assert plan.summary["share_before_pct"] == 0.0
    assert not plan.summary["fiber_only"]["feasible"]
    assert plan.summary["mix"]["feasible"]
    assert "fiber" not in plan.summary["mix"]["households_by_tech"]
    assert (plan.options.loc[plan.options["tech"] == "fiber", "households_served"] == 0).all()


def test_the_report_shows_the_saved_mix(mix: tuple[dict[str, Any], Path]) -> None:
    from hatangso.report import build_report

    payload, store = mix
    data = build_report(store)
    table = next(t for t in data.tables if t.sheet == "Chi phí theo công nghệ")
    assert "99 %" in table.title
    rows = table.frame.set_index("Phương án")
    assert rows.loc["Chỉ cáp quang", "Chi phí 10 năm (tỷ đồng)"] == pytest.approx(
        payload["fiber_only"]["npv_vnd"] / 1e9, abs=0.01
    )
    assert rows.loc["Kết hợp rẻ nhất", "Số hộ phục vụ thêm"] == payload["mix"]["households_served"]
    saved = next(t for t in data.tables if t.sheet == "Phương án").frame
    assert "Kết hợp công nghệ" in set(saved["Loại"])


def test_a_saved_mix_goes_to_operator_review(mix: tuple[dict[str, Any], Path]) -> None:
    """Each served cluster becomes a proposal (kind ``unit``) every operator may take up."""
    from hatangso import review

    payload, store = mix
    s = Store(store)
    review_id = review.publish(s, "m", actor="tests", role="department")
    rows = review.proposals(s, review_id, role="department")
    assert set(rows["kind"]) == {"unit"}
    assert int(rows["households"].sum()) == payload["mix"]["households_served"]
    mobifone = review.proposals(s, review_id, role="operator:MobiFone")
    assert len(mobifone) == len(rows)  # shared: no operator named, every operator reviews
