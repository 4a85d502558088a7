"""Fiber reach on hand-built layers with known answers, and its laws."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage.fiber import fiber_reach
from coverage.settings import CoverageSettings
from geodata import CRSProblem

CRS = 32649
X0, Y0 = 600_000.0, 1_550_000.0  # somewhere in Bình Định, UTM 49N


def points(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"village_id": [f"V{i}" for i in range(len(xy))]},
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy],
        crs=CRS,
    )


def nodes(*xy: tuple[float, float], operator: str = "VNPT") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"operator": [operator] * len(xy), "kind": ["olt"] * len(xy)},
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy],
        crs=CRS,
    )


def routes(
    *lines: list[tuple[float, float]], level: str = "access", operator: str = "Viettel"
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"operator": [operator] * len(lines), "level": [level] * len(lines)},
        geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in line]) for line in lines],
        crs=CRS,
    )


def test_threshold_at_just_under_and_just_over() -> None:
    villages = points((500.0, 0.0), (499.9, 0.0), (500.1, 0.0), (0.0, 0.0))
    result = fiber_reach(villages, None, nodes((0.0, 0.0)))
    assert result["fiber_reached"].tolist() == [True, True, False, True]
    assert result["fiber_distance_m"].tolist() == pytest.approx([500.0, 499.9, 500.1, 0.0])
    assert result["fiber_operators"].tolist() == ["VNPT", "VNPT", "", "VNPT"]
    assert result.index.equals(villages.index)


def test_route_distance_is_to_the_line_not_its_vertices() -> None:
    villages = points((1000.0, 400.0), (1000.0, 600.0))
    line = routes([(0.0, 0.0), (2000.0, 0.0)])
    result = fiber_reach(villages, line, None)
    assert result["fiber_reached"].tolist() == [True, False]
    assert result["fiber_distance_m"].tolist() == pytest.approx([400.0, 600.0])


def test_backbone_does_not_serve_villages_but_distribution_does() -> None:
    villages = points((0.0, 100.0))
    backbone = routes([(-1000.0, 0.0), (1000.0, 0.0)], level="backbone")
    assert not fiber_reach(villages, backbone, None)["fiber_reached"].iloc[0]
    distribution = routes([(-1000.0, 0.0), (1000.0, 0.0)], level="distribution")
    assert fiber_reach(villages, distribution, None)["fiber_reached"].iloc[0]
    custom = CoverageSettings(fiber_route_levels=("backbone", "distribution", "access"))
    assert fiber_reach(villages, backbone, None, settings=custom)["fiber_reached"].iloc[0]


def test_polygon_village_crossed_by_fiber_and_reach_setting() -> None:
    village = gpd.GeoDataFrame(
        {"village_id": ["P"]},
        geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)],
        crs=CRS,
    )
    inside = fiber_reach(village, None, nodes((500.0, 500.0)))
    assert inside["fiber_distance_m"].iloc[0] == 0.0
    near = fiber_reach(village, None, nodes((1700.0, 500.0)))
    assert not near["fiber_reached"].iloc[0]
    wide = CoverageSettings(fiber_reach_m=700.0)
    assert fiber_reach(village, None, nodes((1700.0, 500.0)), settings=wide)["fiber_reached"].iloc[
        0
    ]


def test_every_operator_within_reach_is_listed_once_sorted() -> None:
    villages = points((0.0, 0.0), (5000.0, 0.0))
    net_nodes = nodes((100.0, 0.0), (200.0, 0.0), operator="VNPT")
    net_routes = routes([(0.0, 300.0), (1000.0, 300.0)], operator="Viettel")
    result = fiber_reach(villages, net_routes, net_nodes)
    assert result["fiber_operators"].tolist() == ["VNPT,Viettel", ""]
    assert np.isfinite(result["fiber_distance_m"].iloc[1])


def test_no_fiber_at_all() -> None:
    result = fiber_reach(points((0.0, 0.0)), None, None)
    assert not result["fiber_reached"].iloc[0]
    assert result["fiber_distance_m"].iloc[0] == np.inf


def test_degrees_are_refused() -> None:
    villages = points((0.0, 0.0)).to_crs(4326)
    with pytest.raises(CRSProblem, match="metric CRS"):
        fiber_reach(villages, None, None)


coords = st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000))


@settings(max_examples=50, deadline=None)
@given(
    village_xy=st.lists(coords, min_size=1, max_size=15),
    node_xy=st.lists(coords, max_size=5),
    extra=coords,
)
def test_adding_fiber_never_reduces_reach(
    village_xy: list[tuple[float, float]],
    node_xy: list[tuple[float, float]],
    extra: tuple[float, float],
) -> None:
    villages = points(*village_xy)
    before = fiber_reach(villages, None, nodes(*node_xy) if node_xy else None)
    after = fiber_reach(villages, None, nodes(*node_xy, extra))
    assert (after["fiber_reached"] | ~before["fiber_reached"]).all()
    assert (after["fiber_distance_m"] <= before["fiber_distance_m"]).all()


@settings(max_examples=30, deadline=None)
@given(
    village_xy=st.lists(coords, min_size=2, max_size=15),
    node_xy=st.lists(coords, min_size=1, max_size=5),
    seed=st.integers(0, 1000),
)
def test_result_does_not_depend_on_feature_order(
    village_xy: list[tuple[float, float]], node_xy: list[tuple[float, float]], seed: int
) -> None:
    villages = points(*village_xy)
    fiber = nodes(*node_xy)
    order = np.random.default_rng(seed).permutation(len(villages))
    fiber_order = np.random.default_rng(seed + 1).permutation(len(fiber))
    straight = fiber_reach(villages, None, fiber)
    shuffled = fiber_reach(villages.iloc[order], None, fiber.iloc[fiber_order])
    assert shuffled.loc[straight.index].equals(straight)
