"""Trends and changes (issue #7 part 2): indicators over time, what changed, projections."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage.changes import PeriodChanges, period_changes
from coverage.trends import (
    indicator_series,
    plan_effect,
    projection,
    village_status,
)
from geodata import Store
from geodata.crs import WORK_CRS
from geodata.store import LayerMeta
from hatangso import progress
from tests.conftest import units_frame

# --------------------------------------------------------------------------- payloads


def unit(unit_id: str, name: str, **counts: int) -> dict:
    base = {
        "communes": 2,
        "communes_fiber": 2,
        "villages": 100,
        "villages_fiber": 90,
        "households": 1000,
        "households_fiber": 800,
        "villages_4g": 99,
        "clusters": 200,
        "clusters_4g": 198,
        "places": 0,
        "places_5g": 0,
    }
    return {"unit_id": unit_id, "name": name, **base, **counts}


def payload(province: dict, *districts: dict) -> dict:
    return {"operator": None, "province": province, "districts": list(districts)}


def test_series_rows_values_and_targets() -> None:
    payloads = {
        "2024-06-30": payload(
            unit("52", "Tỉnh", villages=4, villages_fiber=3, places=4, places_5g=1),
            unit("540", "Quy Nhơn", villages=2, villages_fiber=2, places=4, places_5g=1),
        ),
        "2024-12-31": payload(
            unit("52", "Tỉnh", villages=4, villages_fiber=4, households_fiber=951, places=4),
            unit("540", "Quy Nhơn", villages=2, villages_fiber=2, places=4, places_5g=3),
        ),
    }
    table = indicator_series(payloads)
    assert list(table.columns) == [
        "period",
        "level",
        "unit_id",
        "unit_name",
        "indicator",
        "value_pct",
        "numerator",
        "denominator",
        "target_pct",
        "strict",
        "met",
    ]
    province = table[table["level"] == "province"].set_index(["indicator", "period"])
    assert province.loc[("fiber_villages", "2024-06-30"), "value_pct"] == 75.0
    assert not province.loc[("fiber_villages", "2024-06-30"), "met"]
    assert province.loc[("fiber_villages", "2024-12-31"), "met"]
    # > 95 %: 95.1 % meets it, 80 % does not.
    assert province.loc[("fiber_households", "2024-12-31"), "value_pct"] == 95.1
    assert province.loc[("fiber_households", "2024-12-31"), "met"]
    assert province.loc[("fiber_households", "2024-12-31"), "strict"]
    assert province.loc[("mobile_villages", "2024-06-30"), "numerator"] == 99
    # 5G at priority places has no target: reported, met is missing.
    five_g = province.loc[("5g_priority", "2024-06-30")]
    assert five_g["value_pct"] == 25.0
    assert math.isnan(five_g["target_pct"])
    assert pd.isna(five_g["met"])
    districts = table[table["level"] == "district"]
    assert set(districts["unit_name"]) == {"Quy Nhơn"}
    assert districts.loc[districts["indicator"] == "5g_priority", "value_pct"].tolist() == [
        25.0,
        75.0,
    ]
    # Periods ascend within each indicator.
    assert province.reset_index()["period"].tolist()[:2] == ["2024-06-30", "2024-12-31"]


def test_series_prefers_the_targets_entry_and_skips_empty_denominators() -> None:
    p = payload(unit("52", "Tỉnh", villages=10, villages_fiber=5))
    p["targets"] = [{"id": "fiber_villages", "reached": 7, "total": 10, "met": False}]
    table = indicator_series({"2024-06-30": p})
    row = table[table["indicator"] == "fiber_villages"].iloc[0]
    assert (row["numerator"], row["denominator"], row["value_pct"]) == (7, 10, 70.0)
    assert "5g_priority" not in set(table["indicator"])  # no places: not available


def test_series_of_nothing_is_an_empty_table() -> None:
    table = indicator_series({})
    assert table.empty
    assert "value_pct" in table.columns


# --------------------------------------------------------------------------- projection


def series_of(values: dict[str, float], indicator: str = "fiber_villages") -> pd.DataFrame:
    payloads = {}
    for period, pct in values.items():
        reached = round(pct * 100)  # out of 10 000 villages: two decimals exactly
        payloads[period] = payload(unit("52", "Tỉnh", villages=10_000, villages_fiber=reached))
    table = indicator_series(payloads)
    return table[table["indicator"] == indicator].reset_index(drop=True)


def test_projection_pace_and_date() -> None:
    table = series_of({"2024-06-30": 98.72, "2024-12-31": 99.32})
    row = projection(table, as_of="2024-12-31").iloc[0]
    years = 184 / 365.25
    assert row["pace_pp_per_year"] == pytest.approx(0.6 / years, abs=1e-4)
    assert row["status"] == "projected"
    assert row["periods"] == 2
    assert (row["first_pct"], row["latest_pct"], row["gap_pp"]) == (98.72, 99.32, 0.68)
    # 0.68 pp at 1.1910 pp/yr: 0.5709 yr = 208.5 days -> 209 days after 2024-12-31.
    assert row["projected_date"] == "2025-07-28"
    assert dt.date(2024, 12, 31) + dt.timedelta(days=209) == dt.date(2025, 7, 28)


def test_projection_half_year_pace_is_exact() -> None:
    # 25 points in the 184 days to 2024-12-31: the 25 left take 184 more days.
    table = series_of({"2024-06-30": 50.0, "2024-12-31": 75.0})
    row = projection(table, as_of="2024-12-31").iloc[0]
    assert row["projected_date"] == "2025-07-03"


def test_projection_least_squares_over_the_window() -> None:
    values = {"2022-12-31": 90.0, "2023-12-31": 92.0, "2024-12-31": 97.0}
    table = series_of(values)
    x = np.array([dt.date.fromisoformat(d).toordinal() for d in values]) / 365.25
    slope = np.polyfit(x, list(values.values()), 1)[0]
    row = projection(table, as_of="2024-12-31").iloc[0]
    assert row["pace_pp_per_year"] == pytest.approx(slope, abs=1e-4)
    assert row["periods"] == 3
    last_two = projection(table, as_of="2024-12-31", window=2).iloc[0]
    assert last_two["pace_pp_per_year"] == pytest.approx(5.0 / (366 / 365.25), abs=1e-4)
    assert (last_two["periods"], last_two["first_period"]) == (2, "2023-12-31")


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ({"2024-06-30": 99.0, "2024-12-31": 100.0}, "met"),
        ({"2024-06-30": 99.0, "2024-12-31": 99.0}, "not at this pace"),
        ({"2024-06-30": 99.5, "2024-12-31": 99.0}, "not at this pace"),
        ({"2024-12-31": 99.0}, "one period only"),
        ({"2024-06-30": 10.0, "2024-12-31": 10.01}, "not at this pace"),  # > 100 years
    ],
)
def test_projection_statuses(values: dict[str, float], status: str) -> None:
    row = projection(series_of(values), as_of="2024-12-31").iloc[0]
    assert row["status"] == status
    assert row["projected_date"] is None or pd.isna(row["projected_date"])


def test_projection_never_gives_a_past_date() -> None:
    table = series_of({"2024-06-30": 50.0, "2024-12-31": 75.0})
    row = projection(table, as_of="2026-01-01").iloc[0]
    assert row["status"] == "overdue at this pace"
    assert pd.isna(row["projected_date"])
    # Periods after as_of are left out of the fit.
    early = projection(table, as_of="2024-07-01").iloc[0]
    assert (early["periods"], early["status"]) == (1, "one period only")


def test_projection_without_a_target() -> None:
    payloads = {
        p: payload(unit("52", "Tỉnh", places=10, places_5g=n))
        for p, n in (("2024-06-30", 1), ("2024-12-31", 6))
    }
    table = indicator_series(payloads)
    row = projection(table, as_of="2024-12-31").set_index("indicator").loc["5g_priority"]
    assert row["status"] == "no target"
    assert row["pace_pp_per_year"] > 0


# --------------------------------------------------------------------------- plans


def test_plan_effect_before_after_cost() -> None:
    fiber = {
        "kind": "fiber_plan",
        "as_of": "2024-12-31",
        "totals": {"total_cost_vnd": 1_500_000_000, "households_gained": 120},
        "before": {
            "villages_fiber_pct": 99.32,
            "households_fiber_pct": 80.0,
            "villages_4g_pct": 99.91,
            "targets": {"fiber_villages": False, "fiber_households": False},
        },
        "after": {
            "villages_fiber_pct": 100.0,
            "households_fiber_pct": 81.5,
            "villages_4g_pct": 99.91,
            "targets": {"fiber_villages": True, "fiber_households": False},
        },
    }
    sites = {
        "kind": "site_plan",
        "totals": {"total_cost_vnd": 900_000_000, "households_covered": 40},
        "before": [{"id": "mobile_villages", "actual_pct": 99.91, "met": False}],
        "after": [{"id": "mobile_villages", "actual_pct": 100.0, "met": True}],
    }
    table = plan_effect({"o2": sites, "canh": fiber})
    assert table["plan"].tolist() == ["canh"] * 3 + ["o2"]
    row = table.set_index(["plan", "indicator"]).loc[("canh", "fiber_villages")]
    assert (row["before_pct"], row["after_pct"], row["change_pp"]) == (99.32, 100.0, 0.68)
    assert row["met_after"]
    assert not row["met_before"]
    assert (row["cost_vnd"], row["households_gained"]) == (1.5e9, 120)
    mobile = table.set_index(["plan", "indicator"]).loc[("canh", "mobile_villages")]
    assert not mobile["met_after"]  # derived from the value when the plan does not say
    o2 = table[table["plan"] == "o2"].iloc[0]
    assert (o2["indicator"], o2["households_gained"], o2["met_after"]) == (
        "mobile_villages",
        40,
        True,
    )
    assert plan_effect({}).empty


# --------------------------------------------------------------------------- changes

X0, Y0 = 600_000.0, 1_550_000.0


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def sites_frame(rows: list[tuple[str, str, str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in rows],
            "operator": [r[1] for r in rows],
            "tech": [r[2] for r in rows],
            "height_m": [r[3] for r in rows],
        },
        geometry=[pt(r[4], 0) for r in rows],
        crs=WORK_CRS,
    )


def routes_frame(rows: list[tuple[str, str, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "route_id": [r[0] for r in rows],
            "operator": [r[1] for r in rows],
            "level": ["access"] * len(rows),
        },
        geometry=[shapely.LineString([(X0, Y0), (X0 + r[2], Y0)]) for r in rows],
        crs=WORK_CRS,
    )


def status(flags: dict[str, tuple[bool, bool]]) -> pd.DataFrame:
    names = {"A": "Thôn A", "B": "Làng O2", "C": "Thôn C"}
    return pd.DataFrame(
        {
            "village_id": list(flags),
            "name": [names[v] for v in flags],
            "commune_id": ["21790"] * len(flags),
            "households": [10] * len(flags),
            "fiber_reached": [f[0] for f in flags.values()],
            "mobile_4g": [f[1] for f in flags.values()],
        }
    )


@pytest.fixture
def changes() -> PeriodChanges:
    units = units_frame().to_crs(WORK_CRS)
    before = {
        "admin_units": units,
        "mobile_sites": sites_frame(
            [
                ("S1", "Viettel", "4G", 30.0, 0),
                ("S2", "VNPT", "2G,4G", 30.0, 100),
                ("S3", "MobiFone", "4G", 25.0, 200),
                ("S5", "VNPT", "4G", 20.0, 300),
            ]
        ),
        "fiber_routes": routes_frame([("R1", "Viettel", 1000.0), ("R3", "VNPT", 500.0)]),
    }
    after = {
        "admin_units": units,
        "mobile_sites": sites_frame(
            [
                ("S1", "Viettel", "5G,4G", 30.0, 0),  # 5G added (order does not matter)
                ("S2", "VNPT", "4G,2G", 30.0, 100),  # unchanged
                ("S4", "Viettel", "4G", 18.0, 400),  # new
                ("S5", "VNPT", "4G", 25.0, 300),  # raised 5 m
            ]
        ),
        "fiber_routes": routes_frame(
            [("R1", "Viettel", 1000.0), ("R2", "VNPT", 1250.0), ("R3", "VNPT", 800.0)]
        ),
    }
    return period_changes(
        before,
        after,
        status({"A": (True, True), "B": (False, False), "C": (True, True)}),
        status({"A": (True, True), "B": (True, True), "C": (True, False)}),
        before_period="2024-06-30",
        after_period="2024-12-31",
    )


def test_villages_newly_reached_and_lost(changes: PeriodChanges) -> None:
    gained = changes.fiber_gained.iloc[0]
    assert changes.fiber_gained["village_id"].tolist() == ["B"]
    assert (gained["name"], gained["commune"], gained["district"]) == (
        "Làng O2",
        "Xã Vĩnh Kim",
        "Huyện Vĩnh Thạnh",
    )
    assert changes.mobile_4g_gained["village_id"].tolist() == ["B"]
    assert changes.mobile_4g_lost["village_id"].tolist() == ["C"]
    assert changes.fiber_lost.empty


def test_sites_added_removed_changed(changes: PeriodChanges) -> None:
    assert changes.sites_added["site_id"].tolist() == ["S4"]
    assert changes.sites_removed["site_id"].tolist() == ["S3"]
    changed = changes.sites_changed.set_index("site_id")
    assert sorted(changed.index) == ["S1", "S5"]
    assert changed.loc["S1", "techs_added"] == "5G"
    assert changed.loc["S1", "tech_after"] == "4G,5G"
    assert (changed.loc["S5", "height_m_before"], changed.loc["S5", "height_m_after"]) == (20, 25)
    assert changes.routes_added["route_id"].tolist() == ["R2"]
    assert changes.routes_added["length_m"].tolist() == [1250.0]
    assert changes.routes_changed["change_m"].tolist() == [300.0]


def test_summary_per_operator(changes: PeriodChanges) -> None:
    summary = changes.summary().set_index("operator")
    assert list(summary.index) == ["MobiFone", "VNPT", "Viettel"]
    viettel = summary.loc["Viettel"]
    assert (viettel["sites_added"], viettel["sites_removed"], viettel["sites_upgraded_5g"]) == (
        1,
        0,
        1,
    )
    assert (viettel["sites_5g_before"], viettel["sites_5g_after"]) == (0, 1)
    assert (viettel["sites_before"], viettel["sites_after"]) == (1, 2)
    assert summary.loc["MobiFone", "sites_removed"] == 1
    assert summary.loc["VNPT", "sites_changed"] == 1
    assert summary.loc["VNPT", "fiber_km_added"] == pytest.approx(1.55)  # 1 250 m + 300 m
    assert summary.loc["Viettel", "fiber_km_added"] == 0.0


def test_changes_to_dict_and_table(changes: PeriodChanges) -> None:
    data = json.loads(json.dumps(changes.to_dict()))
    assert data["before_period"] == "2024-06-30"
    assert data["fiber_gained"][0]["village_id"] == "B"
    assert "geometry" not in data["sites_added"][0]
    assert {row["operator"] for row in data["summary"]} == {"MobiFone", "VNPT", "Viettel"}
    table = changes.table()
    assert table.loc[table["change"] == "sites_changed", "id"].tolist() == ["S1", "S5"]
    s1 = table[(table["change"] == "sites_changed") & (table["id"] == "S1")].iloc[0]
    assert s1["detail"] == "4G → 4G,5G"


def test_nothing_changed() -> None:
    sites = sites_frame([("S1", "Viettel", "4G", 30.0, 0)])
    frame = status({"A": (True, True)})
    layers = {"mobile_sites": sites}
    found = period_changes(layers, layers, frame, frame)
    assert found.sites_changed.empty
    assert found.fiber_gained.empty
    summary = found.summary()
    assert summary["operator"].tolist() == ["Viettel"]
    assert summary.iloc[0]["sites_upgraded_5g"] == 0
    assert found.table().empty
    assert json.loads(json.dumps(found.to_dict()))["summary"][0]["sites_after"] == 1


def test_routes_in_degrees_are_refused() -> None:
    from geodata import CRSProblem

    routes = routes_frame([("R1", "VNPT", 10.0)]).to_crs(4326)
    frame = status({"A": (True, True)})
    with pytest.raises(CRSProblem, match="metric CRS"):
        period_changes({"fiber_routes": routes}, {}, frame, frame)


def test_village_status_from_payload() -> None:
    villages = status({"A": (True, True), "B": (True, True), "C": (True, True)})[
        ["village_id", "name", "commune_id", "households"]
    ]
    frame = village_status(villages, {"operator": None, "uncovered": {"fiber": ["B"], "4g": []}})
    assert frame.set_index("village_id")["fiber_reached"].to_dict() == {
        "A": True,
        "B": False,
        "C": True,
    }
    assert frame["mobile_4g"].all()
    with pytest.raises(ValueError, match="Viettel"):
        village_status(villages, {"operator": "Viettel", "uncovered": {"fiber": [], "4g": []}})


# --------------------------------------------------------------------------- a store

META = LayerMeta(source="hand-built test layers", licence="CC0", synthetic=True)


def villages_layer() -> gpd.GeoDataFrame:
    """V1 beside fiber and a site; V2 (làng O2) and V4 far from both; V3 in Quy Nhơn (a VNPT
    node beside it)."""
    return gpd.GeoDataFrame(
        {
            "village_id": ["V1", "V2", "V3", "V4"],
            "name": ["Thôn 1", "Làng O2", "Thôn 3", "Thôn 4"],
            "commune_id": ["21790", "21790", "21550", "21790"],
            "households": [100, 40, 60, 50],
            "has_electricity": [True, False, True, True],
            "is_commune_centre": [True, False, True, False],
        },
        geometry=[
            shapely.Point(108.66, 14.21),
            shapely.Point(108.79, 14.34),
            shapely.Point(109.18, 13.83),
            shapely.Point(108.79, 14.21),
        ],
        crs=4326,
    )


def routes_layer(later: bool) -> gpd.GeoDataFrame:
    ids, ops = ["R1"], ["Viettel"]
    lines = [shapely.LineString([(108.655, 14.212), (108.665, 14.212)])]
    if later:  # VNPT brings fiber to làng O2
        ids.append("R2")
        ops.append("VNPT")
        lines.append(shapely.LineString([(108.78, 14.342), (108.80, 14.342)]))
    return gpd.GeoDataFrame(
        {"route_id": ids, "operator": ops, "level": ["access"] * len(ids)},
        geometry=lines,
        crs=4326,
    )


def sites_layer(later: bool) -> gpd.GeoDataFrame:
    rows = [
        ("S1", "Viettel", "4G,5G" if later else "4G", 30.0, (108.661, 14.21)),
        ("S2", "VNPT", "2G,4G", 30.0, (109.181, 13.831)),
    ]
    if later:  # an 18 m Viettel site at làng O2; MobiFone's S3 is gone
        rows.append(("S4", "Viettel", "4G", 18.0, (108.791, 14.341)))
    else:
        rows.append(("S3", "MobiFone", "4G", 25.0, (109.179, 13.829)))
    return gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in rows],
            "operator": [r[1] for r in rows],
            "tech": [r[2] for r in rows],
            "height_m": [r[3] for r in rows],
        },
        geometry=[shapely.Point(*r[4]) for r in rows],
        crs=4326,
    )


def write_first(path: Path) -> Store:
    store = Store(path)
    layers = {
        "admin_units": units_frame(),
        "villages": villages_layer(),
        "fiber_routes": routes_layer(later=False),
        "fiber_nodes": gpd.GeoDataFrame(
            {"node_id": ["N1"], "operator": ["VNPT"], "kind": ["olt"]},
            geometry=[shapely.Point(109.181, 13.83)],
            crs=4326,
        ),
        "mobile_sites": sites_layer(later=False),
    }
    store.write(layers, dict.fromkeys(layers, META), name="Thử nghiệm", as_of="2024-06-30")
    return store


@pytest.fixture
def two_periods(tmp_path: Path) -> Path:
    """A store of two periods: 2024-12-31 re-imports fiber routes and mobile sites."""
    path = tmp_path / "two.gpkg"
    store = write_first(path)
    later = {"fiber_routes": routes_layer(later=True), "mobile_sites": sites_layer(later=True)}
    store.write(later, dict.fromkeys(later, META), as_of="2024-12-31")
    return path


def test_history_on_a_store(two_periods: Path) -> None:
    store = Store(two_periods)
    assert store.at("2024-06-30").read_result("coverage") is None
    payloads = progress.coverage_payloads(store)
    assert list(payloads) == ["2024-06-30", "2024-12-31"]
    assert payloads["2024-06-30"]["uncovered"] == {"fiber": ["V2", "V4"], "4g": ["V2", "V4"]}
    assert payloads["2024-12-31"]["uncovered"] == {"fiber": ["V4"], "4g": ["V4"]}
    # Saved in the CLI's form, and read back the next time.
    saved = store.at("2024-06-30").read_result("coverage")
    assert saved is not None
    assert saved["payload"] == payloads["2024-06-30"]
    assert saved["payload"]["as_of"] == "2024-06-30"
    table = progress.series(store)
    fiber = table[table["indicator"] == "fiber_villages"]
    assert fiber["numerator"].tolist() == [2, 3]
    found = progress.changes(store)
    assert (found.before_period, found.after_period) == ("2024-06-30", "2024-12-31")
    assert found.fiber_gained["village_id"].tolist() == ["V2"]
    assert found.mobile_4g_gained["village_id"].tolist() == ["V2"]
    summary = found.summary().set_index("operator")
    assert summary.loc["Viettel", "sites_upgraded_5g"] == 1
    assert summary.loc["Viettel", "sites_added"] == 1
    assert summary.loc["MobiFone", "sites_removed"] == 1
    assert summary.loc["VNPT", "fiber_km_added"] == pytest.approx(2.158, abs=0.01)
    row = progress.projection(store).set_index("indicator").loc["fiber_villages"]
    assert (row["status"], row["projected_date"]) == ("projected", "2025-07-03")


def test_saved_coverage_of_one_operator_is_not_used(two_periods: Path) -> None:
    store = Store(two_periods).at("2024-06-30")
    store.save_result("coverage", "coverage", {"settings": {}}, {"operator": "Viettel"})
    payloads = progress.coverage_payloads(Store(two_periods), save=False)
    assert payloads["2024-06-30"]["operator"] is None
    saved = store.read_result("coverage")
    assert saved is not None
    assert saved["payload"] == {"operator": "Viettel"}  # save=False left it alone


# --------------------------------------------------------------------------- the CLI

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run() -> Run:
    """Run ``hatangso``, capturing its output."""
    from hatangso import cli

    def call(*args: str | Path) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli.main([str(a) for a in args])
        assert "Traceback" not in err.getvalue()
        return status, out.getvalue(), err.getvalue()

    return call


def test_cli_trends_text(run: Run, two_periods: Path) -> None:
    status, out, _ = run("trends", two_periods)
    assert status == 0
    assert "Thử nghiệm: periods 2024-06-30, 2024-12-31 (province)" in out
    assert "2024-06-30  fiber_villages" in out
    assert "fiber_villages: 50,00 % → 75,00 % (+49,6 pp/yr), target 100 % reached ~2025-07" in out
    assert "fiber_communes: 100,00 % → 100,00 % (+0,0 pp/yr), target 100 % met" in out
    assert "fiber_households: 64,00 % → 80,00 %" in out
    assert "target > 95 %" in out


def test_cli_trends_json_indicator_out(run: Run, two_periods: Path, tmp_path: Path) -> None:
    out_csv = tmp_path / "trends.csv"
    args = ("trends", two_periods, "--indicator", "mobile_villages", "--json", "--out", out_csv)
    status, out, _ = run(*args)
    assert status == 0
    data = json.loads(out)
    assert data["periods"] == ["2024-06-30", "2024-12-31"]
    assert [r["value_pct"] for r in data["series"]] == [50.0, 75.0]
    assert data["projection"][0]["status"] == "projected"
    table = pd.read_csv(out_csv, encoding="utf-8-sig")
    assert table["indicator"].unique().tolist() == ["mobile_villages"]


def test_cli_trends_districts_and_plans(run: Run, two_periods: Path) -> None:
    plan = {
        "kind": "fiber_plan",
        "as_of": "2024-12-31",
        "totals": {"total_cost_vnd": 250_000_000, "households_gained": 50},
        "before": {"villages_fiber_pct": 75.0, "targets": {"fiber_villages": False}},
        "after": {"villages_fiber_pct": 100.0, "targets": {"fiber_villages": True}},
    }
    Store(two_periods).save_result("plan:v4", "fiber_plan", {}, plan)
    status, out, _ = run("trends", two_periods, "--level", "district")
    assert status == 0
    assert "Huyện Vĩnh Thạnh, fiber_villages: 33,33 % → 66,67 %" in out
    assert "Thành phố Quy Nhơn, fiber_villages: 100,00 % → 100,00 %" in out
    assert (
        "plan v4 (fiber_plan): fiber_villages 75,00 % → 100,00 %, target met after, "
        "cost 250.000.000 VND, +50 households" in out
    )


def test_cli_trends_bad_input(run: Run, two_periods: Path, tmp_path: Path) -> None:
    status, _, err = run("trends", two_periods, "--indicator", "fibre")
    assert status == 2
    assert "unknown indicator 'fibre'" in err
    assert "fiber_villages" in err
    status, _, err = run("trends", tmp_path / "missing.gpkg")
    assert status == 2
    assert "no such store" in err


def test_cli_changes_text_and_json(run: Run, two_periods: Path, tmp_path: Path) -> None:
    status, out, _ = run("changes", two_periods)
    assert status == 0
    assert "Thử nghiệm: changes from 2024-06-30 to 2024-12-31" in out
    assert "villages newly reached by fiber: 1" in out
    assert "  V2 Làng O2 (Xã Vĩnh Kim, Huyện Vĩnh Thạnh, 40 households)" in out
    assert "villages that lost fiber: none" in out
    assert "  S4 Viettel: 4G, 18 m" in out
    assert "  S3 MobiFone: 4G, 25 m" in out
    assert "  S1 Viettel: 4G → 4G,5G" in out
    assert "  R2 VNPT: access, 2158 m" in out
    out_xlsx = tmp_path / "changes.xlsx"
    args = ("changes", two_periods, "--from", "2024-06-30", "--to", "2024-12-31")
    status, out, _ = run(*args, "--json", "--out", out_xlsx)
    assert status == 0
    data = json.loads(out)
    assert [v["village_id"] for v in data["mobile_4g_gained"]] == ["V2"]
    viettel = next(r for r in data["summary"] if r["operator"] == "Viettel")
    assert viettel["sites_upgraded_5g"] == 1
    table = pd.read_excel(out_xlsx)
    assert set(table["change"]) >= {"fiber_gained", "sites_added", "sites_removed"}


def test_cli_changes_unknown_period(run: Run, two_periods: Path) -> None:
    status, out, err = run("changes", two_periods, "--from", "2023-12-31", "--json")
    assert status == 2
    assert "no period 2023-12-31" in err
    assert "2024-06-30, 2024-12-31" in err
    assert json.loads(out)["ok"] is False
    status, _, err = run("changes", two_periods, "--from", "2024-12-31", "--to", "2024-06-30")
    assert status == 2
    assert "earlier period" in err


def test_cli_changes_needs_two_periods(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "one.gpkg"
    write_first(path)
    status, _, err = run("changes", path)
    assert status == 2
    assert "holds one period (2024-06-30)" in err
    status, out, _ = run("trends", path)
    assert status == 0
    assert "fiber_villages: 50,00 %, target 100 %; one period only" in out


# --------------------------------------------------------------------------- the demo


@pytest.mark.basedata
def test_demo_periods(demo_store: Path, tmp_path: Path) -> None:
    store_path = tmp_path / "bd.gpkg"
    shutil.copyfile(demo_store, store_path)  # coverage gets saved: keep the session's clean
    store = Store(store_path)
    periods = store.periods()
    assert len(periods) >= 2, (
        f"the demo store holds only the period(s) {periods}: the demo generator always builds "
        "a later period, so its builder lost it"
    )
    table = progress.series(store)
    first, last = periods[0], periods[-1]
    by = table.set_index(["indicator", "period"])
    assert by.loc[("fiber_villages", first), "numerator"] == 1161
    assert by.loc[("fiber_villages", last), "numerator"] == 1168
    assert by.loc[("mobile_villages", first), "numerator"] == 1175
    assert by.loc[("mobile_villages", last), "numerator"] == 1175
    # mid-2024 → end-2024 (the latest, 2025-07-01, is the same network in the new layout)
    found = progress.changes(store, periods[0], "2024-12-31")
    assert len(found.fiber_gained) == 7
    assert found.fiber_lost.empty
    assert found.mobile_4g_gained.empty
    viettel = found.summary().set_index("operator").loc["Viettel"]
    # The published figures: a 5-site pilot mid-2024, more than 70 Viettel 5G sites by its end.
    assert viettel["sites_5g_before"] == 5
    assert viettel["sites_5g_after"] > 70
    assert viettel["sites_upgraded_5g"] > 0
    row = progress.projection(store).set_index("indicator").loc["fiber_villages"]
    assert row["status"] == "projected"
    assert row["projected_date"] > last
