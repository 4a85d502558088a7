"""The fiber plan counts what the indicator counts: plan, then ask the indicator (hand-built).

A comb of commune roads (aerial), reach 500 m::

    A (0,1000)   B (1000,1000)  C (2000,1000)
       |             |              |
    (0,0)-------(1000,0)-------(2000,0)-------(3000,0) D
    VNPT
                      S (1500,-400)

Clusters: cA, cB, cC, cD at their villages' points (100, 50, 200, 10 households), cS of
village D at (1500, -400) (25; within reach of the spine between x = 1200 and 1800), cF
of village A at (200, 200) (30; already within 283 m of VNPT's node at (0, 0)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from coverage.fiber import fiber_reach
from planner.costs import DEFAULT_COSTS
from planner.fiber import FiberPlan, plan_fiber
from planner.graph import NoFiberError
from planner.reach import reached_by
from planner.run import PROPOSED_OPERATOR, plan_fiber_for

CRS = 32649
X0, Y0 = 600_000.0, 1_550_000.0
AERIAL = DEFAULT_COSTS.aerial_vnd_per_m
EQUIP = DEFAULT_COSTS.equipment_vnd_per_household
M = 1e6


def frame(
    rows: list[tuple[object, ...]], columns: list[str], geoms: Sequence[shapely.Geometry]
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry=geoms, crs=CRS)


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def layers(*fiber: tuple[str, float, float]) -> dict[str, gpd.GeoDataFrame]:
    roads = [
        ("S1", [(0, 0), (1000, 0)]),
        ("S2", [(1000, 0), (2000, 0)]),
        ("S3", [(2000, 0), (3000, 0)]),
        ("T0", [(0, 0), (0, 1000)]),
        ("T1", [(1000, 0), (1000, 1000)]),
        ("T2", [(2000, 0), (2000, 1000)]),
    ]
    villages = [("A", 130, (0, 1000)), ("B", 50, (1000, 1000)), ("C", 200, (2000, 1000))]
    villages.append(("D", 35, (3000, 0)))
    clusters = [
        ("cA", "A", 100, (0, 1000)),
        ("cB", "B", 50, (1000, 1000)),
        ("cC", "C", 200, (2000, 1000)),
        ("cD", "D", 10, (3000, 0)),
        ("cS", "D", 25, (1500, -400)),
        ("cF", "A", 30, (200, 200)),
    ]
    return {
        "roads": frame(
            [(r, "commune") for r, _ in roads], ["road_id", "class"], [line(*c) for _, c in roads]
        ),
        "villages": frame(
            [v[:2] for v in villages], ["village_id", "households"], [pt(*v[2]) for v in villages]
        ),
        "clusters": frame(
            [c[:3] for c in clusters],
            ["cluster_id", "village_id", "households"],
            [pt(*c[3]) for c in clusters],
        ),
        "fiber_nodes": frame(
            [(f"N{i}", op, "olt") for i, (op, _, _) in enumerate(fiber)],
            ["node_id", "operator", "kind"],
            [pt(x, y) for _, x, y in fiber],
        ),
    }


def indicator_gain(data: dict[str, gpd.GeoDataFrame], plan: FiberPlan) -> int:
    """Households the indicator gains once the plan is built (as planner.run.with_plans)."""
    clusters, nodes = data["clusters"], data["fiber_nodes"]
    before = fiber_reach(clusters, None, nodes)["fiber_reached"]
    n = len(plan.routes)
    proposed = gpd.GeoDataFrame(
        {"operator": [PROPOSED_OPERATOR] * n, "level": ["access"] * n},
        geometry=plan.routes.geometry.to_numpy(),
        crs=CRS,
    )
    after = fiber_reach(clusters, proposed if len(proposed) else None, nodes)["fiber_reached"]
    assert not (before & ~after).any()
    return int(clusters.loc[after & ~before, "households"].sum())


VNPT = ("VNPT", 0.0, 0.0)


def test_every_village_reached_and_the_indicator_gains_what_the_plan_claims() -> None:
    # The tree of the comb: T0 to (0,500), spine to (2500,0), T1 and T2 to 500: 4 km.
    # Its spine passes within 400 m of cS (a cluster of D the plan did not aim at): the
    # indicator counts it, so the plan does: cA + cB + cC + cD + cS = 385 (cF was
    # reached already).
    data = layers(VNPT)
    plan = plan_fiber_for(data, ["A", "B", "C", "D"], method="ilp")
    assert plan.village_ids == ("A", "B", "C", "D")
    assert plan.total_length_m == pytest.approx(4000.0, abs=0.2)
    assert plan.households_gained == 385
    assert indicator_gain(data, plan) == plan.households_gained
    assert plan.total_equipment_cost_vnd == pytest.approx(385 * EQUIP)
    assert plan.optimal


@pytest.mark.parametrize("method", ["ilp", "heuristic"])
def test_budget_prizes_are_the_clusters_the_indicator_would_gain(method: str) -> None:
    # Each alone: cA = T0 to (0,500) + 100 hh = 65 + 250 = 315 M; cS = spine to
    # (1200,0) (its reach boundary, sqrt(500^2 - 400^2) = 300 m short of x = 1500) +
    # 25 hh = 156 + 62.5 = 218.5 M; cB + cS = 1.7 km + 75 hh = 408.5 M.
    data = layers(VNPT)
    ids = ["A", "B", "C", "D"]
    small = plan_fiber_for(data, ids, budget_vnd=400 * M, method=method)
    assert small.households_gained == 100  # cA
    assert indicator_gain(data, small) == 100
    # 600 M: cA + cS = 533.5 M (125 hh); cA + cB = 635 M; adding cB to cA + cS: 125 M more.
    more = plan_fiber_for(data, ids, budget_vnd=600 * M, method=method)
    assert more.households_gained == 125
    assert more.total_cost_vnd == pytest.approx(533.5 * M, abs=0.2 * AERIAL)
    assert more.total_cost_vnd <= 600 * M
    assert indicator_gain(data, more) == 125
    target = plan_fiber_for(data, ids, target_households=125, method=method)
    assert target.households_gained >= 125
    assert indicator_gain(data, target) == target.households_gained
    if method == "ilp":  # the greedy takes cA, then cC (best ratio), drops cA: 887.5 M
        assert target.households_gained == 125
        assert target.total_cost_vnd == pytest.approx(533.5 * M, abs=0.2 * AERIAL)
        assert target.optimal


def test_each_operator_extends_its_own_network() -> None:
    # Viettel's node at (2000, 800) on T2 already reaches C (200 m) and cC: C needs no
    # route, and no plan counts cC. Left: A, B, D.
    data = layers(VNPT, ("Viettel", 2000.0, 800.0))
    ids = ["A", "B", "C", "D"]
    # Shared: A by T0 (500), B by the spine from (0,0) and T1 (1.5 km), D from
    # Viettel down T2 and east (800 + 500): 3.3 km; the spine stays short of cS.
    shared = plan_fiber_for(data, ids, method="ilp")
    assert shared.total_length_m == pytest.approx(3300.0, abs=0.2)
    assert shared.households_gained == 100 + 50 + 10
    assert shared.on_fiber == ("C",)
    assert shared.totals()["network"] == "shared"
    # VNPT alone: T0 (500), the spine to (2500, 0) and T1 (3 km): 3.5 km, through cS.
    vnpt = plan_fiber_for(data, ids, method="ilp", operator="VNPT")
    assert vnpt.total_length_m == pytest.approx(3500.0, abs=0.2)
    assert vnpt.households_gained == 100 + 50 + 10 + 25
    assert vnpt.operator == "VNPT"
    # Viettel alone: down T2 (800), the spine west to (0,0) (2 km), T0, T1, and east
    # to (2500,0): 800 + 2000 + 500 + 500 + 500 = 4.3 km.
    viettel = plan_fiber_for(data, ids, method="ilp", operator="Viettel")
    assert viettel.total_length_m == pytest.approx(4300.0, abs=0.2)
    assert viettel.households_gained == 185
    for plan in (shared, vnpt, viettel):
        assert indicator_gain(data, plan) == plan.households_gained
        assert set(plan.village_ids) == {"A", "B", "C", "D"}
    with pytest.raises(NoFiberError, match="MobiFone has no usable fiber"):
        plan_fiber_for(data, ids, operator="MobiFone")


def test_a_place_far_from_every_road_is_linked_to_it() -> None:
    # E at (3000, 900): 900 m from the spine's end, beyond reach of every road: it is
    # joined off-road to (3000, 0) and the tree goes 400 m up that link from the spine.
    data = layers(VNPT)
    far = frame([("E", 40)], ["village_id", "households"], [pt(3000, 900)])
    data["villages"] = pd.concat([data["villages"], far], ignore_index=True)
    from planner.attach import attach_existing_fiber
    from planner.graph import build_road_graph

    G = build_road_graph(data["roads"])
    attach_existing_fiber(G, None, data["fiber_nodes"])
    plan = plan_fiber(G, far, method="ilp")
    assert plan.village_ids == ("E",)
    assert plan.total_length_m == pytest.approx(3000.0 + 400.0, abs=0.2)
    assert plan.routes["off_road_m"].sum() == pytest.approx(400.0, abs=0.2)
    assert math.isclose(plan.households_gained, 40)


def test_many_cables_each_place_to_its_nearest() -> None:
    # 80 cables (more than the 63 the indicator's per-operator bit patterns could hold
    # if each cable were its own operator): each place 300 m from its own cable, 1.7 km
    # from the next; place 80 is 600 m from every cable, out of reach.
    cables = [line((2000 * i, 0), (2000 * i, 100)) for i in range(80)]
    places = frame(
        [(f"p{i}",) for i in range(81)],
        ["cluster_id"],
        [pt(2000 * i + 300, 50) for i in range(80)] + [pt(-600, 50)],
    )
    status = reached_by(places, cables)
    assert status["fiber_reached"].tolist() == [True] * 80 + [False]
    assert status["cable"].tolist() == [*range(80), -1]
    assert status["fiber_distance_m"].iloc[:80].to_numpy() == pytest.approx(300.0)
