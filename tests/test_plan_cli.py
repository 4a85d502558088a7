"""`hatangso plan` on the Bình Định demo (issue #4's acceptance)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geodata import Store
from geodata.crs import WORK_CRS
from hatangso.cli import main
from tests.conftest import MID_2024

pytestmark = pytest.mark.basedata


def run(*args: str | Path) -> dict:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert status == 0, err.getvalue()
    assert "Traceback" not in err.getvalue()
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def fiber_plan(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("plan") / "plan.geojson"
    payload = run(
        "plan", "fiber", demo_store, "--period", MID_2024, "--all-uncovered", "--out", out, "--json"
    )
    return payload, out


def test_all_uncovered_villages_connected(fiber_plan: tuple[dict, Path]) -> None:
    payload, _ = fiber_plan
    before = payload["before"]
    assert len(before["uncovered"]["fiber"]) == 15
    assert sorted(payload["totals"]["village_ids"]) == before["uncovered"]["fiber"]
    assert payload["after"]["villages_fiber"] == 1176
    assert payload["after"]["targets"]["fiber_villages"] is True
    assert payload["totals"]["total_cost_vnd"] > 0


def test_routes_reach_lang_o2_and_start_on_fiber(
    fiber_plan: tuple[dict, Path], demo_store: Path
) -> None:
    _, out = fiber_plan
    routes = gpd.read_file(out).to_crs(WORK_CRS)
    assert {
        "length_m",
        "cost_vnd",
        "villages",
        "households",
        "cost_per_household_vnd",
        "rank",
    } <= set(routes.columns)
    store = Store(demo_store, period=MID_2024)
    villages = store.read_work("villages")
    o2 = villages.loc[villages["name"] == "Làng O2"].iloc[0]
    assert any(o2["village_id"] in ids.split(",") for ids in routes["villages"])
    assert shapely.distance(routes.union_all(), o2.geometry) <= 500.0  # within reach
    # every route touches the existing fiber or another route: the network stays one piece
    fiber = shapely.union_all(store.read_work("fiber_routes").geometry.to_numpy())
    network = shapely.union_all([fiber, routes.union_all()])
    for geom in routes.geometry:
        assert shapely.distance(geom, fiber) < 60.0 or any(
            shapely.distance(geom, other) < 1.0 for other in routes.geometry if other != geom
        )
    assert network.is_valid
    # routes follow roads, except their priced off-road links to places far from any road
    roads = shapely.union_all(store.read_work("roads").geometry.to_numpy())
    on_road = shapely.intersection(routes.union_all(), roads.buffer(1.0)).length
    assert on_road / routes.geometry.length.sum() > 0.9


def test_target_households_95(demo_store: Path) -> None:
    payload = run(
        "plan", "fiber", demo_store, "--period", MID_2024, "--target-households-pct", "95", "--json"
    )
    assert payload["before"]["households_fiber_pct"] < 95.0
    assert payload["after"]["households_fiber_pct"] >= 95.0
    assert payload["after"]["targets"]["fiber_households"] is True
    assert payload["totals"]["total_cost_vnd"] > 0


def test_smaller_budget_stays_within_it(demo_store: Path) -> None:
    budget = 2_000_000_000
    payload = run(
        "plan", "fiber", demo_store, "--period", MID_2024, "--budget-vnd", str(budget), "--json"
    )
    assert 0 < payload["totals"]["total_cost_vnd"] <= budget
    assert payload["totals"]["households_gained"] > 0
    assert payload["after"]["households_fiber_pct"] > payload["before"]["households_fiber_pct"]


def test_sites_give_lang_o2_4g_solar_with_backhaul(demo_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "bd.gpkg"
    shutil.copyfile(demo_store, store)
    out = tmp_path / "sites.geojson"
    payload = run("plan", "sites", store, "--out", out, "--json", "--save", "o2")
    assert payload["after"]["villages_4g"] == 1176
    assert payload["after"]["targets"]["mobile_villages"] is True
    sites = gpd.read_file(out)
    villages = Store(store).read("villages")
    o2 = villages.loc[villages["name"] == "Làng O2", "village_id"].iloc[0]
    serving = sites[sites["target_ids"].str.split(",").map(lambda ids: o2 in ids)]
    assert len(serving) >= 1
    assert (serving["power"] == "solar").all()
    assert serving["backhaul"].isin(["fiber", "microwave"]).all()
    saved = Store(store).read_result("plan:o2")
    assert saved is not None
    assert saved["kind"] == "site_plan"
    assert saved["payload"]["geojson"]["features"]


def test_unknown_village_is_a_clear_error(demo_store: Path) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["plan", "fiber", str(demo_store), "--villages", "99999-99"])
    assert status == 2
    assert "unknown village ids ['99999-99']" in err.getvalue()


def test_operator_plan_extends_its_own_network(demo_store: Path) -> None:
    payload = run("plan", "fiber", demo_store, "--period", MID_2024, "--operator", "vnpt", "--json")
    assert payload["totals"]["network"] == "VNPT"
    assert payload["after"]["villages_fiber"] == 1176  # every village still reached
    assert payload["totals"]["equipment_vnd_per_household"] > 0
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["plan", "fiber", str(demo_store), "--operator", "Nobody", "--json"])
    assert status != 0
    assert "unknown operator" in err.getvalue()
    assert "Traceback" not in err.getvalue()
