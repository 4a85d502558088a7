"""The road graph and the fiber plan: hand-built networks with known answers, and laws."""

from __future__ import annotations

import itertools
import logging
import math
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage.fiber import fiber_reach
from geodata import CRSProblem
from geodata.crs import WORK_CRS
from planner.attach import attach_existing_fiber, attach_points
from planner.costs import DEFAULT_COSTS, FiberCosts
from planner.fiber import ROUTE_COLUMNS, plan_fiber
from planner.graph import (
    FIBER_ROOT,
    EmptyRoadsError,
    NoFiberError,
    PlannerInputError,
    UnreachableTerminalsError,
    build_road_graph,
    check_reachable,
    point_node,
)
from planner.pieces import bridge_components
from planner.steiner import InfeasibleTargetError

if TYPE_CHECKING:
    from hatangso.demo import DemoDataset

CRS = 32649
X0, Y0 = 600_000.0, 1_550_000.0  # somewhere in Bình Định, UTM 49N
AERIAL = DEFAULT_COSTS.aerial_vnd_per_m
BURIED = DEFAULT_COSTS.buried_vnd_per_m
OFF_ROAD = DEFAULT_COSTS.off_road_vnd_per_m


def roads(*lines: tuple[str, str, list[tuple[float, float]]]) -> gpd.GeoDataFrame:
    """Roads from ``(road_id, class, [(x, y), ...])`` in metres from (X0, Y0)."""
    return gpd.GeoDataFrame(
        {"road_id": [r[0] for r in lines], "class": [r[1] for r in lines]},
        geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in r[2]]) for r in lines],
        crs=CRS,
    )


def at(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def fiber_nodes(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"operator": ["VNPT"] * len(xy), "kind": ["olt"] * len(xy)},
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy],
        crs=CRS,
    )


def fiber_routes(*lines: list[tuple[float, float]], level: str = "access") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"operator": ["Viettel"] * len(lines), "level": [level] * len(lines)},
        geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in ln]) for ln in lines],
        crs=CRS,
    )


@pytest.fixture
def tee() -> gpd.GeoDataFrame:
    """A T junction at (1000, 0): A commune road west, B track east, C national north.

    ::

                    C (national, 1000 m)
                    |
        A (commune) + B (track)
      (0,0)      (1000,0)      (2000,0)
    """
    return roads(
        ("A", "commune", [(0, 0), (1000, 0)]),
        ("B", "track", [(1000, 0), (2000, 0)]),
        ("C", "national", [(1000, 0), (1000, 1000)]),
    )


# ------------------------------------------------------------------------------- costs


def test_default_costs_follow_their_sources() -> None:
    # ESCAP 2018: USD 7,379 saved = 56.83 % -> USD 12,984/km buried; 25,000 VND/USD.
    buried, aerial, off_road = BURIED, AERIAL, OFF_ROAD
    assert buried == pytest.approx(7379 / 0.5683 * 25, rel=2e-3)
    assert aerial / buried == pytest.approx(6.49 / 16.25, rel=5e-3)  # FBA/Cartesian 2023
    assert off_road / buried == pytest.approx(1.5, rel=5e-3)
    assert DEFAULT_COSTS.for_road("commune") == ("aerial", AERIAL)
    assert DEFAULT_COSTS.for_road("track") == ("buried", BURIED)
    assert DEFAULT_COSTS.for_road("unheard-of") == ("buried", BURIED)


def test_costs_refuse_bad_values_and_unknown_names() -> None:
    with pytest.raises(ValueError, match="aerial_vnd_per_m"):
        FiberCosts(aerial_vnd_per_m=-1.0)
    with pytest.raises(ValueError, match="'teleport'"):
        FiberCosts(build_by_class={"national": "teleport"})  # type: ignore[dict-item]
    with pytest.raises(KeyError, match="aerial_vnd_per_km"):
        FiberCosts.from_mapping({"aerial_vnd_per_km": 1.0})
    costs = FiberCosts(class_factor={"national": 1.3})
    assert costs.for_road("national") == ("aerial", pytest.approx(1.3 * AERIAL))
    assert costs.as_dict()["vnd_per_usd"] == 25_000.0


# -------------------------------------------------------------------------- road graph


def test_road_graph_nodes_edges_and_prices(tee: gpd.GeoDataFrame) -> None:
    G = build_road_graph(tee)
    assert set(G.nodes) == {at(0, 0), at(1000, 0), at(2000, 0), at(1000, 1000)}
    a = G.edges[at(0, 0), at(1000, 0)]
    assert (a["road_id"], a["road_class"], a["build"], a["kind"]) == (
        "A",
        "commune",
        "aerial",
        "road",
    )
    assert a["length_m"] == pytest.approx(1000.0)
    assert a["cost_vnd"] == pytest.approx(1000.0 * AERIAL)
    b = G.edges[at(1000, 0), at(2000, 0)]
    assert b["build"] == "buried"
    assert b["cost_vnd"] == pytest.approx(1000.0 * BURIED)
    assert isinstance(a["geometry"], shapely.LineString)
    assert G.graph["crs"] == WORK_CRS
    assert G.graph["costs"] is DEFAULT_COSTS


def test_ring_and_parallel_roads_are_kept() -> None:
    ring = [(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)]
    G = build_road_graph(
        roads(
            ("R", "commune", ring),
            ("P1", "commune", [(0, 0), (500, 0)]),
            ("P2", "village", [(0, 0), (250, 50), (500, 0)]),
        )
    )
    total = sum(d["length_m"] for _, _, d in G.edges(data=True))
    expected = 400 + 500 + 2 * math.hypot(250, 50)
    assert total == pytest.approx(expected)
    assert nx.is_connected(G)
    assert sorted(d["road_id"] for _, _, d in G.edges(data=True)).count("R") == 3


def test_unknown_class_is_priced_with_the_default_build(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="planner.graph"):
        G = build_road_graph(roads(("X", "goat path", [(0, 0), (10, 0)])))
    (edge,) = G.edges(data=True)
    assert edge[2]["build"] == "buried"
    assert "goat path" in caplog.text


def test_empty_roads_are_refused() -> None:
    empty = gpd.GeoDataFrame({"road_id": [], "class": []}, geometry=[], crs=CRS)
    with pytest.raises(EmptyRoadsError, match="roads layer is empty"):
        build_road_graph(empty)
    degenerate = roads(("Z", "commune", [(0, 0), (0, 0)]))
    with pytest.raises(EmptyRoadsError, match="no usable line"):
        build_road_graph(degenerate)
    assert issubclass(EmptyRoadsError, ValueError)


def test_roads_in_degrees_are_refused(tee: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSProblem, match="read_work"):
        build_road_graph(tee.to_crs(4326))


# ----------------------------------------------------------------------- attach points


def test_point_splits_the_nearest_edge_at_its_nearest_point(tee: gpd.GeoDataFrame) -> None:
    G = build_road_graph(tee)
    nodes = attach_points(G, [at(300, -40)], ["V1"])
    v = nodes["V1"]
    assert v == point_node("V1") == "village:V1"
    split = G.nodes[v]["attach_node"]
    assert split == at(300, 0)
    assert G.nodes[split]["kind"] == "split"
    link = G.edges[v, split]
    assert (link["build"], link["kind"]) == ("off_road", "link")
    assert link["length_m"] == pytest.approx(40.0)
    assert link["cost_vnd"] == pytest.approx(40.0 * OFF_ROAD)
    west, east = G.edges[at(0, 0), split], G.edges[split, at(1000, 0)]
    assert (west["length_m"], east["length_m"]) == (pytest.approx(300.0), pytest.approx(700.0))
    assert west["cost_vnd"] + east["cost_vnd"] == pytest.approx(1000.0 * AERIAL)
    assert west["road_id"] == east["road_id"] == "A"
    assert not G.has_edge(at(0, 0), at(1000, 0))


def test_points_on_a_road_and_at_a_junction(tee: gpd.GeoDataFrame) -> None:
    G = build_road_graph(tee)
    nodes = attach_points(G, [at(1500, 0), at(1000, 0), at(1000, 500)], ["on", "jn", "mid"])
    on = G.edges[nodes["on"], at(1500, 0)]
    assert on["length_m"] == 0.0
    assert on["cost_vnd"] == 0.0
    assert G.nodes[nodes["jn"]]["attach_node"] == at(1000, 0)  # no split at a junction
    assert G.number_of_edges() == 3 + 2 + 3  # two splits, three links


def test_several_points_on_one_edge_split_it_in_order(tee: gpd.GeoDataFrame) -> None:
    G = build_road_graph(tee)
    attach_points(G, [at(800, 10), at(200, -10), at(500, 5)], ["c", "a", "b"])
    path = nx.shortest_path(G, at(0, 0), at(1000, 0), weight="length_m")
    assert path == [at(0, 0), at(200, 0), at(500, 0), at(800, 0), at(1000, 0)]
    lengths = [G.edges[u, v]["length_m"] for u, v in itertools.pairwise(path)]
    assert lengths == pytest.approx([200.0, 300.0, 300.0, 200.0])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-500, 2500), st.floats(-500, 1500)),
        min_size=1,
        max_size=6,
        unique=True,
    )
)
def test_attach_splits_at_the_exact_nearest_point(xy: list[tuple[float, float]]) -> None:
    layer = roads(
        ("A", "commune", [(0, 0), (1000, 0)]),
        ("B", "track", [(1000, 0), (1700, 300), (2000, 0)]),
        ("C", "national", [(1000, 0), (1000, 1000)]),
    )
    G = build_road_graph(layer)
    network = shapely.union_all(layer.geometry.to_numpy())
    length_before = sum(d["length_m"] for _, _, d in G.edges(data=True))
    pts = [at(x, y) for x, y in xy]
    nodes = attach_points(G, pts, [f"P{i}" for i in range(len(pts))])
    links = 0.0
    for i, p in enumerate(pts):
        node = nodes[f"P{i}"]
        road_node = G.nodes[node]["attach_node"]
        dist = network.distance(shapely.Point(p))
        assert G.nodes[node]["attach_distance_m"] == pytest.approx(dist, abs=1e-6)
        # Within a millimetre of a road the link has zero length (documented snap).
        assert G.edges[node, road_node]["length_m"] == pytest.approx(dist, abs=1e-3)
        q = shapely.Point(G.nodes[road_node]["x"], G.nodes[road_node]["y"])
        assert network.distance(q) == pytest.approx(0.0, abs=1e-6)  # the split is on a road
        assert q.distance(shapely.Point(p)) == pytest.approx(dist, abs=1e-3)
        links += G.edges[node, road_node]["length_m"]
    length_after = sum(d["length_m"] for _, _, d in G.edges(data=True))
    assert length_after == pytest.approx(length_before + links)
    assert nx.is_connected(G)


def test_attach_refuses_duplicates_and_bad_coordinates(tee: gpd.GeoDataFrame) -> None:
    G = build_road_graph(tee)
    with pytest.raises(ValueError, match="duplicated"):
        attach_points(G, [at(0, 1), at(0, 2)], ["V", "V"])
    with pytest.raises(ValueError, match="missing or infinite"):
        attach_points(G, [(math.nan, 0.0)], ["V"])
    attach_points(G, [at(0, 1)], ["V"])
    with pytest.raises(ValueError, match="attached already"):
        attach_points(G, [at(0, 1)], ["V"])


# ---------------------------------------------------------------------- existing fiber


def test_nodes_near_fiber_link_to_the_root_for_free(tee: gpd.GeoDataFrame) -> None:
    G = build_road_graph(tee)
    linked = attach_existing_fiber(G, None, fiber_nodes((2000, 20)), tolerance_m=50)
    assert linked == [at(2000, 0)]
    edge = G.edges[at(2000, 0), FIBER_ROOT]
    assert (edge["cost_vnd"], edge["length_m"], edge["build"]) == (0.0, 0.0, "existing")
    assert G.nodes[at(2000, 0)]["fiber"] is True
    # A village attached afterwards next to the fiber is linked too.
    nodes = attach_points(G, [at(1990, 30)], ["near"])
    assert G.has_edge(nodes["near"], FIBER_ROOT)


def test_a_fiber_route_crossing_a_road_splits_it(tee: gpd.GeoDataFrame) -> None:
    G = build_road_graph(tee)
    crossing = fiber_routes([(400, -300), (400, 300)])
    linked = attach_existing_fiber(G, crossing, None, tolerance_m=20)
    assert linked == [at(400, 0)]
    assert G.has_edge(at(0, 0), at(400, 0))


def test_no_fiber_gives_a_clear_error(tee: gpd.GeoDataFrame) -> None:
    G = build_road_graph(tee)
    with pytest.raises(NoFiberError, match="no existing fiber to connect to"):
        attach_existing_fiber(G, None, None)
    backbone = fiber_routes([(0, 0), (2000, 0)], level="backbone")
    with pytest.raises(NoFiberError, match=r"backbone|levels"):
        attach_existing_fiber(G, backbone, None)
    with pytest.raises(NoFiberError, match=r"nearest is 4,123 m away"):
        attach_existing_fiber(G, None, fiber_nodes((2000, 5000)), tolerance_m=50)
    with pytest.raises(NoFiberError, match="attach_existing_fiber"):
        check_reachable(G, FIBER_ROOT, [])


# ---------------------------------------------------------------------- road pieces


@pytest.fixture
def islands() -> gpd.GeoDataFrame:
    """Three road pieces: main (with fiber), east 300 m away, far north 5 km away.

    ::

        main: (0,0)-(1000,0)        east: (1300,0)-(2300,0)
        north: (0,5000)-(100,5000)
    """
    return roads(
        ("main", "commune", [(0, 0), (1000, 0)]),
        ("east", "commune", [(1300, 0), (2300, 0)]),
        ("north", "commune", [(0, 5000), (100, 5000)]),
    )


def test_pieces_holding_villages_are_bridged(
    islands: gpd.GeoDataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    G = build_road_graph(islands)
    attach_existing_fiber(G, None, fiber_nodes((0, 0)))
    nodes = attach_points(G, [at(2000, 0)], ["E"])
    with pytest.raises(UnreachableTerminalsError, match="bridge_components"):
        check_reachable(G, FIBER_ROOT, [nodes["E"]])
    with caplog.at_level(logging.WARNING, logger="planner.pieces"):
        pieces = bridge_components(G, [nodes["E"]])
    assert "road piece" in caplog.text
    east = next(p for p in pieces if p.terminals)
    north = next(p for p in pieces if not p.terminals)
    assert east.bridged
    assert east.bridge_length_m == pytest.approx(300.0)
    assert east.bridge_cost_vnd == pytest.approx(300.0 * OFF_ROAD)
    assert not north.bridged
    assert north.n_nodes == 2
    bridge = G.edges[at(1000, 0), at(1300, 0)]
    assert (bridge["kind"], bridge["build"]) == ("bridge", "off_road")
    check_reachable(G, FIBER_ROOT, [nodes["E"]])


def test_a_chain_of_pieces_is_used_when_shorter() -> None:
    """main - 200 m - middle - 200 m - far; main to far directly is 900 m."""
    layer = roads(
        ("main", "commune", [(0, 0), (100, 0)]),
        ("middle", "commune", [(300, 0), (500, 0)]),
        ("far", "commune", [(700, 0), (1000, 0)]),
    )
    G = build_road_graph(layer)
    attach_existing_fiber(G, None, fiber_nodes((0, 0)))
    nodes = attach_points(G, [at(1000, 10)], ["F"])
    pieces = bridge_components(G, [nodes["F"]])
    assert all(p.bridged for p in pieces)
    by_size = sorted(pieces, key=lambda p: p.length_m)  # middle (200 m), far (300 m)
    assert by_size[0].bridge_length_m == pytest.approx(400.0)  # bridged on both sides
    assert by_size[1].bridge_length_m == pytest.approx(200.0)
    path = nx.shortest_path(G, FIBER_ROOT, nodes["F"], weight="cost_vnd")
    assert at(300, 0) in path
    assert at(500, 0) in path


# --------------------------------------------------------------------------- the plan


def villages(*rows: tuple[str, int, tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"village_id": [r[0] for r in rows], "households": [r[1] for r in rows]},
        geometry=[shapely.Point(X0 + r[2][0], Y0 + r[2][1]) for r in rows],
        crs=CRS,
    )


@pytest.fixture
def network() -> nx.Graph:
    """A comb of commune roads, fiber at the west end of the spine.

    ::

        (0,1000) (1000,1000) (2000,1000)
           |         |           |
        (0,0)----(1000,0)-----(2000,0)----(3000,0)
        fiber
    """
    layer = roads(
        ("S1", "commune", [(0, 0), (1000, 0)]),
        ("S2", "commune", [(1000, 0), (2000, 0)]),
        ("S3", "commune", [(2000, 0), (3000, 0)]),
        ("T0", "commune", [(0, 0), (0, 1000)]),
        ("T1", "commune", [(1000, 0), (1000, 1000)]),
        ("T2", "commune", [(2000, 0), (2000, 1000)]),
    )
    G = build_road_graph(layer)
    attach_existing_fiber(G, None, fiber_nodes((0, 0)))
    return G


@pytest.fixture
def combs() -> gpd.GeoDataFrame:
    return villages(
        ("A", 100, (0, 1000)),
        ("B", 50, (1000, 1000)),
        ("C", 200, (2000, 1000)),
        ("D", 10, (3000, 0)),
    )


EQUIP = DEFAULT_COSTS.equipment_vnd_per_household


def test_plan_connects_every_village_along_the_roads(
    network: nx.Graph, combs: gpd.GeoDataFrame
) -> None:
    # Reach 500 m: A needs the tooth T0 up to (0, 500); B the spine to (1000, 0) and T1
    # up to (1000, 500); C the spine to (2000, 0) and T2 up to (2000, 500); D the spine
    # on to (2500, 0). 500 + 2500 + 500 + 500 = 4 km of commune road, aerial (by hand;
    # the old rule, cable to every village point, needed 6 km).
    plan = plan_fiber(network, combs, method="ilp")
    assert plan.village_ids == ("A", "B", "C", "D")
    assert plan.villages_connected == 4
    assert plan.households_gained == 360
    assert plan.total_length_m == pytest.approx(4000.0, abs=0.2)
    assert plan.total_cable_cost_vnd == pytest.approx(4000.0 * AERIAL, abs=0.2 * AERIAL)
    assert plan.total_equipment_cost_vnd == pytest.approx(360 * EQUIP)
    assert plan.total_cost_vnd == pytest.approx(
        plan.total_cable_cost_vnd + plan.total_equipment_cost_vnd
    )
    assert plan.reach_m == 500.0
    assert plan.optimal
    assert plan.gap == 0.0
    assert list(plan.routes.columns) == [*ROUTE_COLUMNS, "geometry"]
    assert plan.routes.crs == WORK_CRS
    # Two routes leave the fiber node: the tooth to A, and the spine with B, C, D.
    assert sorted(plan.routes["villages"]) == ["A", "B,C,D"]
    assert plan.routes["rank"].tolist() == [1, 2]
    first = plan.routes.iloc[0]
    assert first["villages"] == "A"
    assert first["cost_per_household_vnd"] == pytest.approx(
        (500.0 * AERIAL + 100 * EQUIP) / 100, rel=1e-4
    )
    assert plan.routes["cost_vnd"].sum() == pytest.approx(plan.total_cost_vnd)
    for geom in plan.routes.geometry:
        assert geom.geom_type == "MultiLineString"
        assert geom.distance(shapely.Point(at(0, 0))) == pytest.approx(0.0)  # starts on fiber
    assert plan.totals()["routes"] == 2
    assert plan.totals()["network"] == "shared"


def test_plan_does_not_modify_the_graph(network: nx.Graph, combs: gpd.GeoDataFrame) -> None:
    before = (network.number_of_nodes(), network.number_of_edges())
    plan_fiber(network, combs)
    assert (network.number_of_nodes(), network.number_of_edges()) == before


@pytest.mark.parametrize("method", ["ilp", "heuristic"])
def test_budget_and_target(network: nx.Graph, combs: gpd.GeoDataFrame, method: str) -> None:
    # Each place alone (cable to its reach + equipment, EQUIP = 2.5 M VND a household):
    # A 500 m + 100 hh = 315 M; B 1.5 km + 50 hh = 320 M; C 2.5 km + 200 hh = 825 M;
    # D 2.5 km + 10 hh = 350 M. 400 M buys A; A + B would cost 635 M.
    m = 1e6
    small = plan_fiber(network, combs, budget_vnd=400 * m, method=method)
    assert small.village_ids == ("A",)
    assert small.total_cost_vnd == pytest.approx(315 * m, abs=0.2 * AERIAL)
    # 900 M: C (200 hh, 825 M) beats A + B + D (160 hh, 855 M); C + D would cost 915 M.
    more = plan_fiber(network, combs, budget_vnd=900 * m, method=method)
    assert more.village_ids == ("C",)
    assert more.households_gained == 200
    # 300 households at least cost: A + C = 3 km + 300 hh = 1,140 M (B + C + D: 260 hh;
    # A + C + D: 1,230 M; A + B + C: 1,330 M).
    target = plan_fiber(network, combs, target_households=300, method=method)
    assert target.village_ids == ("A", "C")
    assert target.total_length_m == pytest.approx(3000.0, abs=0.2)
    assert target.total_cost_vnd == pytest.approx(1140 * m, abs=0.2 * AERIAL)


def test_plan_errors(network: nx.Graph, combs: gpd.GeoDataFrame, tee: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="not both"):
        plan_fiber(network, combs, budget_vnd=1.0, target_households=1)
    with pytest.raises(InfeasibleTargetError, match="cannot be reached"):
        plan_fiber(network, combs, target_households=1000)
    with pytest.raises(NoFiberError, match="attach_existing_fiber"):
        plan_fiber(build_road_graph(tee), combs)
    with pytest.raises(CRSProblem, match="metric CRS"):
        plan_fiber(network, combs.to_crs(4326))
    with pytest.raises(PlannerInputError, match="households"):
        plan_fiber(network, combs.drop(columns="households"))
    with pytest.raises(ValueError, match="not a valid choice"):
        plan_fiber(network, combs, method="simplex")


def test_empty_village_list_gives_an_empty_plan(network: nx.Graph) -> None:
    plan = plan_fiber(network, villages())
    assert plan.villages_connected == 0
    assert plan.total_cost_vnd == 0.0
    assert len(plan.routes) == 0


# ------------------------------------------------------------------------ the real demo


@pytest.fixture(scope="module")
def demo_layers(province_demo: DemoDataset) -> dict[str, gpd.GeoDataFrame]:
    layers = province_demo.layers
    return {k: v.to_crs(WORK_CRS) for k, v in layers.items() if k in _DEMO_LAYERS}


_DEMO_LAYERS = ("roads", "villages", "fiber_routes", "fiber_nodes")


@pytest.mark.basedata
def test_demo_roads_are_connected_and_every_village_attaches(
    demo_layers: dict[str, gpd.GeoDataFrame],
) -> None:
    roads_layer, vill = demo_layers["roads"], demo_layers["villages"]
    G = build_road_graph(roads_layer)
    assert nx.is_connected(G)
    xy = shapely.get_coordinates(vill.geometry.to_numpy())
    nodes = attach_points(G, xy, vill["village_id"].tolist())
    network = shapely.union_all(roads_layer.geometry.to_numpy())
    dist = shapely.distance(shapely.points(xy), network)
    got = np.array([G.nodes[nodes[v]]["attach_distance_m"] for v in vill["village_id"]])
    np.testing.assert_allclose(got, dist, atol=1e-6)
    for v in vill["village_id"]:
        node = nodes[v]
        assert G.edges[node, G.nodes[node]["attach_node"]]["length_m"] <= got.max() + 1e-6
    assert nx.is_connected(G)


@pytest.mark.basedata
def test_demo_plan_reaches_every_village_without_fiber(
    demo_layers: dict[str, gpd.GeoDataFrame],
) -> None:
    vill = demo_layers["villages"]
    routes, fnodes = demo_layers["fiber_routes"], demo_layers["fiber_nodes"]
    G = build_road_graph(demo_layers["roads"])
    attach_existing_fiber(G, routes, fnodes)
    without = vill[~fiber_reach(vill, routes, fnodes)["fiber_reached"].to_numpy()]
    plan = plan_fiber(G, without, time_limit_s=20)
    assert plan.villages_connected == len(without) > 0
    assert set(plan.village_ids) == set(without["village_id"])
    assert "Làng O2" in set(without["name"])
    assert plan.households_gained == int(without["households"].sum())
    assert plan.total_cost_vnd > 0
