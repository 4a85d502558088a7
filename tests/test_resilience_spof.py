"""Single points of failure on hand-built networks with known bridges.

The fixture (metres, UTM 49N; one operator, VNPT)::

    (5000,8000) V1 ── S1 ~~~ S2           S1: fiber drop to A1's end; S2: microwave to S1
        │ A1 (access, a bridge)
    (5000,5000) OLT ──── A2 ──── (8000,5000)  V2 beside D2's top
        │ D1                           │ D2       V3 beside D1's middle
    (5000,0) ═══ backbone (the core) ═══ (8000,0)

D1, A2 and D2 close a ring with the backbone, so none is a bridge; A1 is, and the OLT
where it starts is an articulation point. V3 and V2 stay fed whatever single cut
happens; V1 (100 households) and the two sites hang on A1. A piece of cable touching a
failed node dies with it, so the OLT's failure also takes V3 (30 households), whose only
fiber, D1, ends at the OLT; V2 keeps D2.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coverage.resilience import build_network, single_points_of_failure
from geodata.crs import WORK_CRS

LINE = shapely.LineString


def _routes(rows: list[tuple[str, str, list[tuple[float, float]]]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "route_id": [r[0] for r in rows],
            "operator": ["VNPT"] * len(rows),
            "level": [r[1] for r in rows],
        },
        geometry=[LINE(r[2]) for r in rows],
        crs=WORK_CRS,
    )


def _villages(rows: list[tuple[str, float, float, int]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "village_id": [r[0] for r in rows],
            "commune_id": ["C1"] * len(rows),
            "households": [r[3] for r in rows],
        },
        geometry=[shapely.Point(r[1], r[2]) for r in rows],
        crs=WORK_CRS,
    )


ROUTES = [
    ("BB", "backbone", [(0, 0), (10000, 0)]),
    ("D1", "distribution", [(5000, 0), (5000, 5000)]),
    ("D2", "distribution", [(8000, 0), (8000, 5000)]),
    ("A1", "access", [(5000, 5000), (5000, 8000)]),
    ("A2", "access", [(5000, 5000), (8000, 5000)]),
]
VILLAGES = [("V1", 5000, 8100, 100), ("V2", 8100, 5000, 50), ("V3", 5100, 2500, 30)]


def _network() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    nodes = gpd.GeoDataFrame(
        {"node_id": ["OLT1"], "operator": ["VNPT"], "kind": ["olt"]},
        geometry=[shapely.Point(5002, 5001)],
        crs=WORK_CRS,
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2", "S3", "S4"],
            "operator": ["VNPT"] * 4,
            "backhaul": ["fiber", "microwave", "fiber", "satellite"],
            "backhaul_to": [None, "S1", None, None],
        },
        geometry=[
            shapely.Point(5200, 8000),
            shapely.Point(9000, 9000),
            shapely.Point(20000, 20000),
            shapely.Point(9500, 9500),
        ],
        crs=WORK_CRS,
    )
    return _routes(ROUTES), nodes, sites


def test_known_bridges_and_articulation_points() -> None:
    routes, nodes, sites = _network()
    network = build_network(routes, nodes, sites)
    assert network.unlocated == ["S3"]
    table = single_points_of_failure(network, _villages(VILLAGES))
    got = [
        (r.kind, r.element_id, r.households, r.village_ids, r.site_ids) for r in table.itertuples()
    ]
    assert got == [
        ("node", "OLT1", 130, "V1,V3", "S1,S2"),
        ("route", "A1", 100, "V1", "S1,S2"),
        ("microwave", "S2", 0, "", "S2"),
        ("site", "S1", 0, "", "S2"),
    ]
    assert table["communes"].tolist() == [1, 1, 0, 0]


def test_opening_the_ring_makes_bridges() -> None:
    """Without D2, A2 and D1 become bridges: D1 cuts off every village."""
    routes, nodes, sites = _network()
    network = build_network(routes[routes["route_id"] != "D2"], nodes, sites)
    table = single_points_of_failure(network, _villages(VILLAGES)).set_index(["kind", "element_id"])
    assert table.loc[("route", "D1"), "households"] == 180
    assert table.loc[("route", "D1"), "village_ids"] == "V1,V2,V3"
    assert table.loc[("route", "A2"), "households"] == 50
    assert table.loc[("route", "A1"), "households"] == 100
    assert ("route", "D2") not in table.index


def test_route_end_near_a_cable_is_spliced() -> None:
    """A cable ending 3 m from another (a T-junction drawn loosely) is joined to it."""
    routes = _routes(
        [
            ("BB", "backbone", [(0, 0), (10000, 0)]),
            ("D1", "distribution", [(5000, 3), (5000, 4000)]),
        ]
    )
    network = build_network(routes, None, None)
    assert (network.edges["kind"] == "splice").sum() == 1
    table = single_points_of_failure(network, _villages([("V", 5100, 4000, 10)]))
    assert table[["element_id", "households"]].to_numpy().tolist() == [["D1", 10]]
    far = build_network(
        _routes(
            [
                ("BB", "backbone", [(0, 0), (10000, 0)]),
                ("D1", "distribution", [(5000, 30), (5000, 4000)]),  # 30 m: not joined
            ]
        ),
        None,
        None,
    )
    assert single_points_of_failure(far, _villages([("V", 5100, 4000, 10)])).empty


GRID = [(x, y) for x in range(0, 5000, 1000) for y in range(1000, 5000, 1000)]


@st.composite
def _grid_network(draw: st.DrawFn) -> tuple[list[tuple[str, str, list]], list, tuple]:
    """A random tree of access cables over a grid above a backbone, villages, one new link."""
    order = draw(st.permutations(GRID))
    reached = [(draw(st.sampled_from(range(0, 5000, 1000))), 1000)]
    rows: list[tuple[str, str, list]] = [("BB", "backbone", [(-1000, 0), (5000, 0)])]
    rows.append(("R0", "distribution", [(reached[0][0], 0), reached[0]]))
    for k, point in enumerate(p for p in order if p != reached[0]):
        near = [q for q in reached if abs(q[0] - point[0]) + abs(q[1] - point[1]) == 1000]
        if not near:
            continue
        rows.append((f"R{k + 1}", "access", [draw(st.sampled_from(near)), point]))
        reached.append(point)
    villages = [
        (f"V{k}", x + 120, y + 80, draw(st.integers(1, 50)))
        for k, (x, y) in enumerate(reached)
        if draw(st.booleans())
    ]
    a, b = draw(st.sampled_from(reached)), draw(st.sampled_from(reached))
    return rows, villages, (a, b)


@settings(max_examples=25, deadline=None)
@given(_grid_network())
def test_adding_a_link_never_adds_a_single_point_of_failure(case: tuple) -> None:
    rows, villages, (a, b) = case
    assume(a != b and villages)
    before = single_points_of_failure(build_network(_routes(rows), None, None), _villages(villages))
    after = single_points_of_failure(
        build_network(_routes([*rows, ("NEW", "access", [a, b])]), None, None),
        _villages(villages),
    )
    assert len(before)  # a tree: every cable is a bridge
    old = before.set_index(["kind", "element_id"])
    for row in after.itertuples():
        assert (row.kind, row.element_id) in old.index, row
        was = old.loc[(row.kind, row.element_id)]
        assert row.households <= was["households"]
        assert set(filter(None, row.village_ids.split(","))) <= set(
            filter(None, str(was["village_ids"]).split(","))
        )


def test_empty_network() -> None:
    table = single_points_of_failure(build_network(None, None, None), _villages(VILLAGES))
    assert table.empty
    assert isinstance(table, pd.DataFrame)


@pytest.mark.parametrize("cut", ["A1"])
def test_cut_matches_the_engine(cut: str) -> None:
    """The households a bridge cuts off are those fiber_reach loses without that route."""
    from coverage.fiber import fiber_reach

    routes, _, sites = _network()
    villages = _villages(VILLAGES)
    table = single_points_of_failure(build_network(routes, None, sites), villages)
    before = fiber_reach(villages, routes, None)["fiber_reached"]
    after = fiber_reach(villages, routes[routes["route_id"] != cut], None)["fiber_reached"]
    lost = villages.loc[before & ~after, "households"].sum()
    assert table.set_index("element_id").loc[cut, "households"] == lost


def test_points_cutting_off_the_same_are_one_line() -> None:
    """A closure, its ODF and the cable between them: one chain in the text, three rows kept."""
    from hatangso.cli.resilience import same_cuts

    row = {"operator": "Viettel", "households": 10, "villages": 1, "communes": 1, "sites": 2}
    table = pd.DataFrame(
        [
            {**row, "element_id": "CL-1", "commune_ids": "A"},
            {**row, "element_id": "DS-1", "commune_ids": "A"},
            {**row, "element_id": "DS-2", "commune_ids": "B"},
            {**row, "element_id": "ODF-1", "commune_ids": "A"},
        ]
    )
    chains = same_cuts(table)
    assert [[r["element_id"] for r in c] for c in chains] == [["CL-1", "DS-1", "ODF-1"], ["DS-2"]]
