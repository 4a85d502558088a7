"""Hardening before the season: rings to close and backup power, on hand-built networks.

Rings, metres from (X0, Y0), UTM 49N, every road of class ``commune`` (aerial,
130,000 VND/m)::

    (-1000,3000)──(0,3000)V──────(2000,3000)
        │ r3b         │ r1 = the access cable AC   │ r2b
    ════╪═════════════╪════════════════════════════╪══════ backbone BB (-3000..4000, y=0)
     (-1000,0)      (0,0)                       (2000,0)

The village V hangs on the access cable AC, one route from the backbone: a bridge. Its
cable runs along r1, so a ring may not use r1, nor end at (0,0) beside it. Two rings
remain: west, r3a + r3b = 1,000 + 3,000 m = 4,000 m (520,000,000 VND), east, r2a + r2b =
2,000 + 3,000 m = 5,000 m. The cheapest is the west one, by hand.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage.engine import CoverageInputs
from coverage.resilience import build_network, run_scenario, single_points_of_failure
from coverage.resilience.scenario import Hazard
from planner.costs import BackupCosts
from planner.graph import build_road_graph
from planner.hardening.backup import outage_everywhere, propose_backup, with_backup
from planner.hardening.rings import propose_rings

CRS = 32649
X0, Y0 = 600_000.0, 1_550_000.0


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def roads_frame(segments: dict[str, list[tuple[float, float]]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"road_id": list(segments), "class": ["commune"] * len(segments)},
        geometry=[line(*xy) for xy in segments.values()],
        crs=CRS,
    )


def ring_case() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    roads = roads_frame(
        {
            "bb1": [(-3000, 0), (-1000, 0)],
            "bb2": [(-1000, 0), (0, 0)],
            "bb3": [(0, 0), (2000, 0)],
            "bb4": [(2000, 0), (4000, 0)],
            "r1": [(0, 0), (0, 3000)],
            "r2a": [(0, 3000), (2000, 3000)],
            "r2b": [(2000, 3000), (2000, 0)],
            "r3a": [(0, 3000), (-1000, 3000)],
            "r3b": [(-1000, 3000), (-1000, 0)],
        }
    )
    routes = gpd.GeoDataFrame(
        {
            "route_id": ["BB", "AC"],
            "operator": ["VNPT", "VNPT"],
            "level": ["backbone", "access"],
        },
        geometry=[line((-3000, 0), (4000, 0)), line((0, 0), (0, 3000))],
        crs=CRS,
    )
    villages = gpd.GeoDataFrame(
        {"village_id": ["V"], "commune_id": ["A"], "households": [100]},
        geometry=[pt(0, 3050)],
        crs=CRS,
    )
    return roads, routes, villages


def test_the_cheapest_ring_is_the_one_found_by_hand() -> None:
    roads, routes, villages = ring_case()
    network = build_network(routes, None, None)
    plan = propose_rings(network, villages, None, build_road_graph(roads))
    assert plan.vulnerable_households == 100
    assert len(plan.routes) == 1
    ring = plan.routes.iloc[0]
    assert ring["bridge_route"] == "AC"
    assert ring["length_m"] == pytest.approx(4000.0)
    assert ring["cost_vnd"] == pytest.approx(520_000_000.0)
    assert ring["households"] == 100
    assert ring["villages"] == "V"
    assert ring["operator"] == "VNPT"
    xs = shapely.get_coordinates(ring.geometry)[:, 0] - X0
    assert xs.min() == pytest.approx(-1000.0)  # the west road, not r1 beside the cable


def test_without_a_second_road_there_is_no_ring() -> None:
    roads, routes, villages = ring_case()
    roads = roads[roads["road_id"].isin(["bb1", "bb2", "bb3", "bb4", "r1"])]
    plan = propose_rings(build_network(routes, None, None), villages, None, build_road_graph(roads))
    assert len(plan.routes) == 0
    assert plan.no_path == ["AC"]


def test_a_budget_below_the_ring_leaves_it_out_and_other_operators_are_not_served() -> None:
    roads, routes, villages = ring_case()
    network = build_network(routes, None, None)
    G = build_road_graph(roads)
    assert len(propose_rings(network, villages, None, G, budget_vnd=5e8).routes) == 0
    assert len(propose_rings(network, villages, None, G, operator="Viettel").routes) == 0


def _with_rings(routes: gpd.GeoDataFrame, rings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    new = gpd.GeoDataFrame(
        {
            "route_id": rings["route_id"].to_numpy(),
            "operator": rings["operator"].to_numpy(),
            "level": rings["level"].to_numpy(),
        },
        geometry=rings.geometry.to_numpy(),
        crs=CRS,
    )
    return gpd.GeoDataFrame(pd.concat([routes, new], ignore_index=True), crs=CRS)


def _behind_a_route(table: pd.DataFrame) -> set[str]:
    rows = table[table["kind"] == "route"]
    return {v for ids in rows["village_ids"] for v in str(ids).split(",") if v}


@settings(max_examples=12, deadline=None)
@given(
    columns=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=4, unique=True),
    depth=st.integers(min_value=1, max_value=3),
    households=st.integers(min_value=1, max_value=500),
)
def test_after_the_rings_the_protected_villages_are_behind_no_bridge(
    columns: list[int], depth: int, households: int
) -> None:
    """On a grid of roads, access cables climb some columns from the backbone (y = 0).

    Whatever rings are proposed, once they are built (added as routes and the network
    rebuilt) no protected village is cut off by any single route cut
    (:func:`single_points_of_failure` run again), and the households no longer behind a
    route are at least those the plan says it protects.
    """
    step = 1000.0
    segments: dict[str, list[tuple[float, float]]] = {}
    for i in range(7):
        for j in range(4):
            if i < 6:
                segments[f"h{i}-{j}"] = [(i * step, j * step), ((i + 1) * step, j * step)]
            if j < 3:
                segments[f"v{i}-{j}"] = [(i * step, j * step), (i * step, (j + 1) * step)]
    routes = gpd.GeoDataFrame(
        {
            "route_id": ["BB", *[f"AC{c}" for c in columns]],
            "operator": ["VNPT"] * (1 + len(columns)),
            "level": ["backbone", *["access"] * len(columns)],
        },
        geometry=[
            line((0, 0), (6 * step, 0)),
            *[line((c * step, 0), (c * step, depth * step)) for c in columns],
        ],
        crs=CRS,
    )
    villages = gpd.GeoDataFrame(
        {
            "village_id": [f"V{c}" for c in columns],
            "commune_id": ["A"] * len(columns),
            "households": [households] * len(columns),
        },
        geometry=[pt(c * step + 30.0, depth * step + 30.0) for c in columns],
        crs=CRS,
    )
    network = build_network(routes, None, None)
    before = _behind_a_route(single_points_of_failure(network, villages))
    plan = propose_rings(network, villages, None, build_road_graph(roads_frame(segments)))
    after_routes = _with_rings(routes, plan.routes)
    after = _behind_a_route(
        single_points_of_failure(build_network(after_routes, None, None), villages)
    )
    protected = {v for ids in plan.routes["villages"] for v in str(ids).split(",") if v}
    assert protected <= before
    assert not protected & after
    assert protected == before  # the grid always has a second road: every village gets one
    assert not after
    assert len(before - after) * households >= plan.totals()["households_protected"]
    assert plan.vulnerable_households == len(before) * households


# ------------------------------------------------------------------------------- backup


def backup_case() -> CoverageInputs:
    """Three villages 30 km apart, each with sites beside it; the grid off everywhere.

    V1 (50 households) is served by S_A (battery 2 h) and S_D (battery 8 h); V2 (80) by
    S_B, which has a generator; V3 (30) by S_C (battery 2 h).
    """
    area = shapely.box(X0 - 5000, Y0 - 5000, X0 + 65000, Y0 + 5000)
    units = gpd.GeoDataFrame(
        {
            "unit_id": ["52", "540", "A"],
            "name": ["Tỉnh", "Huyện", "Xã A"],
            "level": ["province", "district", "commune"],
            "parent_id": [None, "52", "540"],
        },
        geometry=[area, area, area],
        crs=CRS,
    )
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["V1", "V2", "V3"],
            "name": ["Thôn 1", "Thôn 2", "Thôn 3"],
            "commune_id": ["A", "A", "A"],
            "households": [50, 80, 30],
            "has_electricity": [True, True, True],
        },
        geometry=[pt(0, 200), pt(30000, 200), pt(60000, 200)],
        crs=CRS,
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S_A", "S_B", "S_C", "S_D"],
            "operator": ["Viettel"] * 4,
            "tech": ["4G"] * 4,
            "height_m": [30.0] * 4,
            "battery_hours": [2.0, 2.0, 2.0, 8.0],
            "generator": [False, True, False, False],
            "backhaul": ["satellite"] * 4,
        },
        geometry=[pt(0, 0), pt(30000, 0), pt(60000, 0), pt(100, 0)],
        crs=CRS,
    )
    return CoverageInputs(admin_units=units, villages=villages, mobile_sites=sites)


def test_backup_for_a_day_long_outage_gives_generators_to_the_sites_that_alone_serve() -> None:
    inputs = backup_case()
    plan = propose_backup(inputs, outage_everywhere(inputs, 24.0))
    assert plan.households_without_4g == 80  # V1 and V3; V2 keeps S_B's generator
    assert plan.sites_down_power == 3
    table = plan.sites
    # V1: S_A and S_D tie (50 households, 150 million each), the id breaks the tie; then
    # S_A brings nobody more back and is not proposed. V3: S_C.
    assert list(table["site_id"]) == ["S_D", "S_C"]
    assert list(table["option"]) == ["generator", "generator"]
    assert list(table["households"]) == [50, 30]
    assert table["cost_vnd"].sum() == pytest.approx(300_000_000.0)


def test_backup_for_four_hours_extends_the_battery_that_falls_short() -> None:
    inputs = backup_case()
    plan = propose_backup(inputs, outage_everywhere(inputs, 4.0))
    # at the end of 4 hours S_D (8 h) still serves V1; S_C (2 h) leaves V3 dark.
    # 2 h more at 1,5 kW, 80 % usable: 3,75 kWh at 7 million VND = 26.250.000 VND,
    # cheaper than a generator; S_A has nobody left to bring back.
    assert plan.households_without_4g == 30
    assert list(plan.sites["site_id"]) == ["S_C"]
    row = plan.sites.iloc[0]
    assert row["option"] == "battery"
    assert row["to_hours"] == 4.0
    assert row["cost_vnd"] == pytest.approx(26_250_000.0)
    assert BackupCosts().battery_vnd(2.0, 4.0) == pytest.approx(26_250_000.0)


def test_the_backup_plan_agrees_with_the_engine_run_on_the_upgraded_sites() -> None:
    inputs = backup_case()
    hazard = outage_everywhere(inputs, 24.0)
    plan = propose_backup(inputs, hazard)
    hour = float(np.nextafter(24.0, 0.0))
    lost = run_scenario(inputs, hazard, hours=(hour,)).summary()["households_without_4g"]
    kept = run_scenario(with_backup(inputs, plan), hazard, hours=(hour,)).summary()
    assert int(lost.iloc[0]) - int(kept["households_without_4g"].iloc[0]) == 80


def test_an_outage_only_over_one_village_touches_only_its_sites() -> None:
    inputs = backup_case()
    area = gpd.GeoDataFrame(
        {"kind": ["power_outage"], "name": ["x"]},
        geometry=[shapely.box(X0 + 55000, Y0 - 1000, X0 + 65000, Y0 + 1000)],
        crs=CRS,
    )
    plan = propose_backup(inputs, Hazard(area, 24.0), top=1)
    assert plan.sites_down_power == 1
    assert list(plan.sites["site_id"]) == ["S_C"]


def test_the_ring_costs_what_the_exact_steiner_tree_of_its_two_ends_costs() -> None:
    """A ring is a Steiner tree of two terminals: the planner's exact method agrees."""
    import networkx as nx

    from planner.steiner import steiner_tree

    roads, routes, villages = ring_case()
    plan = propose_rings(build_network(routes, None, None), villages, None, build_road_graph(roads))
    G = build_road_graph(roads)
    G.remove_edge((X0, Y0), (X0, Y0 + 3000.0))  # r1, along the cable
    G.add_edge("block", (X0, Y0 + 3000.0), cost_vnd=0.0)
    for x in (-3000.0, -1000.0, 2000.0, 4000.0):  # the backbone, not beside the cable
        G.add_edge((X0 + x, Y0), "safe", cost_vnd=0.0)
    tree = steiner_tree(G, ["block"], root="safe", method="ilp")
    assert tree.graph["optimal"]
    assert tree.graph["cost"] == pytest.approx(plan.routes["cost_vnd"].iloc[0])
    assert nx.is_tree(tree)
