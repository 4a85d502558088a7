"""`hatangso plan rings` and `plan backup` on the Bình Định demo: saved, then reviewed."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from geodata import Store
from hatangso import review
from hatangso.cli import main

pytestmark = pytest.mark.basedata


def run(*args: str | Path) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    assert status == 0, err.getvalue()
    assert "Traceback" not in err.getvalue()
    payload: dict[str, Any] = json.loads(out.getvalue())
    return payload


@pytest.fixture(scope="module")
def copy(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("harden") / "bd.gpkg"
    shutil.copy(demo_store, path)
    return path


def test_rings_are_ranked_saved_and_go_to_the_operators(copy: Path) -> None:
    payload = run("plan", "rings", copy, "--top", "5", "--save", "vong", "--json")
    rows = payload["proposals"]
    assert payload["kind"] == "ring_plan"
    assert 0 < len(rows) <= 5
    assert payload["totals"]["households_protected"] == sum(r["households"] for r in rows)
    assert payload["totals"]["households_protected"] <= payload["totals"]["vulnerable_households"]
    assert all(r["cost_vnd"] > 0 and r["households"] > 0 for r in rows)
    store = Store(copy)
    rid = review.publish(store, "vong", actor="so.tttt", role="department")
    proposals = review.proposals(store, rid, role="department")
    assert sorted(proposals["ref"]) == sorted(r["route_id"] for r in rows)
    assert set(proposals["kind"]) == {"route"}
    assert set(proposals["operator"]) == {r["operator"] for r in rows}


def test_backup_is_ranked_by_households_per_vnd_and_saved(copy: Path) -> None:
    payload = run(
        "plan", "backup", copy, "--outage-hours", "24", "--top", "5", "--save", "nguon", "--json"
    )
    rows = payload["proposals"]
    assert payload["kind"] == "backup_plan"
    assert len(rows) == 5
    per = [r["households_per_billion_vnd"] for r in rows]
    assert per == sorted(per, reverse=True)
    assert {r["option"] for r in rows} == {"generator"}  # no battery lasts a day
    store = Store(copy)
    rid = review.publish(store, "nguon", actor="so.tttt", role="department")
    proposals = review.proposals(store, rid, role="department")
    assert sorted(proposals["ref"]) == sorted(r["site_id"] for r in rows)
    assert set(proposals["kind"]) == {"site"}


def test_an_unknown_operator_is_refused_before_any_computation(copy: Path) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["plan", "rings", str(copy), "--operator", "Nobody"])
    assert status != 0
    assert "Traceback" not in err.getvalue()


def test_on_the_demo_the_protected_villages_are_behind_no_route_once_the_rings_are_built(
    demo_store: Path,
) -> None:
    """The rings added as routes and the network rebuilt: single_points_of_failure finds
    none of the protected villages behind a route any more (villages as the units, no
    clusters, so that the table names them)."""
    import geopandas as gpd
    import pandas as pd

    from coverage.resilience import build_network, single_points_of_failure
    from geodata.crs import WORK_CRS
    from planner.graph import build_road_graph
    from planner.hardening.rings import propose_rings

    layers = Store(demo_store).read_all(crs=WORK_CRS)
    routes, nodes, sites = layers["fiber_routes"], layers["fiber_nodes"], layers["mobile_sites"]
    villages = layers["villages"]
    network = build_network(routes, nodes, sites)
    plan = propose_rings(network, villages, None, build_road_graph(layers["roads"]), top=5)
    assert len(plan.routes) >= 1
    rings = gpd.GeoDataFrame(
        plan.routes[["route_id", "operator", "level"]], geometry=plan.routes.geometry
    )
    both = gpd.GeoDataFrame(
        pd.concat([routes[["route_id", "operator", "level", "geometry"]], rings]),
        crs=routes.crs,
    )

    def behind(table: pd.DataFrame) -> set[str]:
        rows = table.loc[table["kind"] == "route", "village_ids"]
        return {v for ids in rows for v in str(ids).split(",") if v}

    before = behind(single_points_of_failure(network, villages))
    after = behind(single_points_of_failure(build_network(both, nodes, sites), villages))
    protected = set(plan.protected)
    assert protected
    assert protected <= before
    assert not protected & after
    assert len(before - after) >= len(protected)
