"""The plan by year (issue 15 item 4): hand-built projects with known schedules, and the demo."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatangso.cli import main
from planner.cost_table import default_cost_table
from planner.graph import PlannerInputError
from planner.mix.years import schedule


def projects(rows: list[tuple[str, int, float, tuple[str, ...], float, int]]) -> pd.DataFrame:
    """(id, households, own capex, needs, ten-year cost, tier) -> a project frame."""
    return pd.DataFrame(
        {
            "project_id": [r[0] for r in rows],
            "village_id": [r[0][0] for r in rows],
            "tech": ["fiber"] * len(rows),
            "households": [r[1] for r in rows],
            "own_capex_vnd": [r[2] for r in rows],
            "needs": [r[3] for r in rows],
            "npv_vnd": [r[4] for r in rows],
            "tier": [r[5] for r in rows],
        }
    )


def years_of(done: pd.DataFrame) -> dict[str, int | None]:
    return {
        str(p): (None if pd.isna(y) else int(y))
        for p, y in zip(done["project_id"], done["year"], strict=True)
    }


def test_most_households_per_vnd_first_and_a_shared_cable_paid_once() -> None:
    # a: 100 households for 50 (2 a VND); b: 30 for 30 (1); c: 10 for 40 (0.25).
    # b and c share cable e1 (20): b pays it in 2026, c only its own 20 in 2027.
    p = projects(
        [
            ("a1", 100, 50.0, (), 50.0, 1),
            ("b1", 30, 10.0, ("e1",), 30.0, 1),
            ("c1", 10, 20.0, ("e1",), 40.0, 1),
        ]
    )
    done = schedule(p, {"e1": 20.0}, {2026: 80.0, 2027: 25.0})
    assert years_of(done) == {"a1": 2026, "b1": 2026, "c1": 2027}
    assert done.set_index("project_id")["capex_vnd"].to_dict() == {
        "a1": 50.0,
        "b1": 30.0,
        "c1": 20.0,
    }


def test_priority_tier_goes_first_and_what_does_not_fit_waits() -> None:
    # x is the best per VND, but y (a village without any service) comes first; the
    # budget then leaves 30: x (60) waits, z (25) still fits.
    p = projects(
        [
            ("x1", 600, 60.0, (), 60.0, 1),
            ("y1", 10, 70.0, (), 70.0, 0),
            ("z1", 20, 25.0, (), 25.0, 1),
        ]
    )
    done = schedule(p, {}, {2026: 100.0})
    assert years_of(done) == {"x1": None, "y1": 2026, "z1": 2026}
    assert done.set_index("project_id")["rank"].to_dict() == {"y1": 1, "x1": 2, "z1": 3}


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(PlannerInputError, match="budget of 2027"):
        schedule(projects([("a1", 1, 1.0, (), 1.0, 1)]), {}, {2026: 5.0, 2027: -1.0})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 500),
            st.floats(0, 100),
            st.lists(st.sampled_from(["e1", "e2", "e3"]), max_size=3, unique=True),
            st.integers(0, 1),
        ),
        min_size=1,
        max_size=12,
    ),
    st.lists(st.floats(0, 300), min_size=1, max_size=4),
)
def test_no_year_spends_more_than_its_budget_and_shared_cable_is_paid_once(
    rows: list[tuple[int, float, list[str], int]], money: list[float]
) -> None:
    resources = {"e1": 40.0, "e2": 15.0, "e3": 70.0}
    p = projects(
        [(f"p{i}", hh, own, tuple(n), own + 10.0, t) for i, (hh, own, n, t) in enumerate(rows)]
    )
    budgets = {2026 + i: m for i, m in enumerate(money)}
    done = schedule(p, resources, budgets)
    for year, budget in budgets.items():
        assert done.loc[done["year"] == year, "capex_vnd"].sum() <= budget + 1e-6
    built = done[done["year"].notna()]
    needed = {r for n in built["needs"] for r in n}
    own = built["own_capex_vnd"].sum()
    assert built["capex_vnd"].sum() == pytest.approx(own + sum(resources[r] for r in needed))


def test_the_revenue_assumptions_are_in_the_cost_table_with_their_source() -> None:
    table = default_cost_table()
    assert 0 < table["revenue.take_up_share"] < 1
    assert table["revenue.vnd_per_household_per_month"] > 0
    rows = {r.key: r for r in table.rows}
    assert "giả định" in rows["revenue.take_up_share"].source


@pytest.mark.basedata
def test_plan_years_on_the_demo(demo_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "bd.gpkg"
    shutil.copy(demo_store, store)
    out, err = io.StringIO(), io.StringIO()
    args = ["plan", "years", str(store), "--budget-per-year-vnd", "60e9", "--json"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([*args, "--from", "2026", "--to", "2030", "--save", "y"])
    assert status == 0, err.getvalue()
    payload = json.loads(out.getvalue())
    years = payload["years"]
    assert [y["year"] for y in years] == [2026, 2027, 2028, 2029, 2030]
    assert all(y["spent_vnd"] <= 60e9 + 1 for y in years)
    shares = [y["fiber_households_pct"] for y in years]
    assert shares == sorted(shares)
    assert payload["share_before_pct"] < shares[0]
    # the money is enough: 95 % reached within the years, nothing missing
    assert payload["target_met_year"] in (2029, 2030)
    assert payload["projects_missing"] == 0
    first = [p for p in payload["projects"] if p["year"] == 2026]
    assert first
    tiers = [p["tier"] for p in sorted(payload["projects"], key=lambda p: p["rank"])]
    assert tiers == sorted(tiers)  # every priority project considered before the rest
    gap = [p for p in payload["projects"] if p["needs_fund"]]
    assert all(p["subsidy_gap_vnd"] > 0 for p in gap)
    assert payload["assumptions"]["take_up_share"] == pytest.approx(0.4)
    # the report shows the saved plan by year
    from hatangso.report import build_report

    data = build_report(store)
    table = next(t for t in data.tables if t.sheet == "Kế hoạch theo năm")
    assert table.frame["Năm"].tolist() == [2026, 2027, 2028, 2029, 2030]
    assert f"đạt mục tiêu năm {payload['target_met_year']}" in table.title
