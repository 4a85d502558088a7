"""A village is more than one point: its share covered (clusters, an area sample, its point)."""

from __future__ import annotations

import functools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage.engine import CoverageInputs, compute_coverage
from coverage.mobile import best_signal
from coverage.settings import CoverageSettings
from coverage.villages import sample_points, weighted_share

CRS = 32649
X0, Y0 = 600_000.0, 1_550_000.0


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def rect(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def sites_at(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": [f"S{k}" for k in range(len(xy))],
            "operator": ["Viettel"] * len(xy),
            "tech": ["4G,5G"] * len(xy),
            "height_m": [30.0] * len(xy),
        },
        geometry=[pt(x, y) for x, y in xy],
        crs=CRS,
    )


def inputs(
    villages: list[tuple[str, shapely.Geometry]],
    clusters: list[tuple[str, str, int, shapely.Point]],
    sites: gpd.GeoDataFrame,
) -> CoverageInputs:
    units = gpd.GeoDataFrame(
        {
            "unit_id": ["52", "540", "A"],
            "name": ["Tỉnh", "Huyện", "Xã A"],
            "level": ["province", "district", "commune"],
            "parent_id": [None, "52", "540"],
        },
        geometry=[rect(-50_000, -50_000, 50_000, 50_000)] * 3,
        crs=CRS,
    )
    v = gpd.GeoDataFrame(
        {
            "village_id": [i for i, _ in villages],
            "name": [f"Thôn {i}" for i, _ in villages],
            "commune_id": ["A"] * len(villages),
            "households": [100] * len(villages),
            "has_electricity": [True] * len(villages),
        },
        geometry=[g for _, g in villages],
        crs=CRS,
    )
    c = gpd.GeoDataFrame(
        {
            "cluster_id": [c[0] for c in clusters],
            "village_id": [c[1] for c in clusters],
            "households": [c[2] for c in clusters],
        },
        geometry=[c[3] for c in clusters],
        crs=CRS,
    )
    return CoverageInputs(
        admin_units=units, villages=v, clusters=c if clusters else None, mobile_sites=sites
    )


@functools.cache
def reach_4g_m() -> float:
    """Distance at which one default omni 4G site stops covering (rural, flat), to 1 m."""
    site = sites_at((0.0, 0.0))
    low, high = 100.0, 30_000.0
    while high - low > 1.0:
        mid = (low + high) / 2
        covered = best_signal(site, [[X0 + mid, Y0]], tech="4G").covered.iloc[0]
        low, high = (mid, high) if covered else (low, mid)
    return low


def test_two_clusters_30_and_70_households_one_covered_is_70_pct() -> None:
    far = 3 * reach_4g_m()
    run = inputs(
        [("V1", pt(0, 0))],
        [("C1", "V1", 30, pt(far, 0)), ("C2", "V1", 70, pt(0, 100))],
        sites_at((0.0, 0.0)),
    )
    v = compute_coverage(run).villages.iloc[0]
    assert v["share_4g_pct"] == pytest.approx(70.0)
    assert v["share_basis"] == "clusters"
    assert v["share_samples"] == 2
    assert bool(v["mobile_4g"])  # 70 % >= 50 %


def test_a_covered_point_in_a_mostly_uncovered_village_is_no_4g() -> None:
    far = 3 * reach_4g_m()
    clusters = [("C1", "V1", 30, pt(0, 100)), ("C2", "V1", 70, pt(far, 0))]
    run = inputs([("V1", pt(0, 0))], clusters, sites_at((0.0, 0.0)))
    v = compute_coverage(run).villages.iloc[0]
    assert v["share_4g_pct"] == pytest.approx(30.0)
    assert not v["mobile_4g"]  # its point is covered, 70 % of its households are not
    assert v["operators_4g"] == ""
    assert v["rsrp_4g_dbm"] > -110.0  # the median at its point, still shown
    lenient = compute_coverage(run, settings=CoverageSettings(village_min_share_pct=30.0))
    assert bool(lenient.villages.iloc[0]["mobile_4g"])
    strict = compute_coverage(run, settings=CoverageSettings(village_min_share_pct=30.1))
    assert not strict.villages.iloc[0]["mobile_4g"]


def test_an_operator_covers_a_village_by_its_own_share() -> None:
    far = 3 * reach_4g_m()
    sites = sites_at((0.0, 0.0), (far, 0.0))
    sites["operator"] = ["Viettel", "MobiFone"]
    clusters = [("C1", "V1", 40, pt(0, 100)), ("C2", "V1", 60, pt(far, 100))]
    v = compute_coverage(inputs([("V1", pt(0, 0))], clusters, sites)).villages.iloc[0]
    assert v["share_4g_pct"] == pytest.approx(100.0)
    assert bool(v["mobile_4g"])
    assert v["operators_4g"] == "MobiFone"  # Viettel's 40 % falls short of 50 %


def test_indoor_share_is_never_above_outdoor() -> None:
    r = reach_4g_m()
    clusters = [(f"C{k}", "V1", 10, pt(r * k / 10, 0)) for k in range(1, 11)]
    v = compute_coverage(inputs([("V1", pt(0, 0))], clusters, sites_at((0.0, 0.0)))).villages
    row = v.iloc[0]
    assert row["share_4g_indoor_pct"] < row["share_4g_pct"]
    assert row["share_4g_pct"] == pytest.approx(100.0)
    assert bool(row["mobile_4g_indoor"]) == (row["share_4g_indoor_pct"] >= 50.0)


def test_polygon_half_inside_coverage_is_about_half() -> None:
    r = reach_4g_m()
    # A 2 km × 400 m strip across the edge of the site's reach: half inside, half outside.
    run = inputs([("V1", rect(r - 1000, -200, r + 1000, 200))], [], sites_at((0.0, 0.0)))
    result = compute_coverage(run, settings=CoverageSettings(village_sample_spacing_m=100.0))
    v = result.villages.iloc[0]
    assert v["share_basis"] == "area"
    assert v["share_samples"] == 20 * 4
    assert v["share_4g_pct"] == pytest.approx(50.0, abs=5.0)
    assert v["share_5g_pct"] < v["share_4g_pct"]  # 5G at 2.6 GHz reaches less far


def test_point_village_without_clusters_is_0_or_100() -> None:
    far = 3 * reach_4g_m()
    run = inputs([("V1", pt(0, 100)), ("V2", pt(far, 0))], [], sites_at((0.0, 0.0)))
    v = compute_coverage(run).villages.set_index("village_id")
    assert v["share_4g_pct"].to_dict() == {"V1": 100.0, "V2": 0.0}
    assert set(v["share_basis"]) == {"point"}


def test_clusters_take_precedence_and_the_json_lists_the_partly_covered() -> None:
    far = 3 * reach_4g_m()
    run = inputs(
        [("V1", rect(-500, -500, 500, 500)), ("V2", rect(far, 0, far + 500, 500))],
        [("C1", "V1", 0, pt(0, 0)), ("C2", "V1", 0, pt(far, 0))],  # no households: by count
        sites_at((0.0, 0.0)),
    )
    payload = compute_coverage(run).to_dict()
    shares = payload["village_shares"]
    assert shares["basis"] == {"clusters": 1, "area": 1, "point": 0}
    listed = {row["village_id"]: row for row in shares["not_fully_covered_4g"]}
    assert listed["V1"]["share_4g_pct"] == 50.0
    assert listed["V1"]["share_basis"] == "clusters"
    assert listed["V2"]["share_4g_pct"] == 0.0
    assert list(listed) == ["V2", "V1"]  # least covered first


def test_sample_points_are_bounded_and_inside() -> None:
    big = shapely.box(0, 0, 10_000, 10_000)
    thin = shapely.LineString([(0, 0), (50_000, 50_000)]).buffer(5.0)
    xy, owner = sample_points([big, thin], spacing_m=10.0, max_points=400)
    assert np.bincount(owner).tolist()[0] == 400  # 20 × 20 at 500 m
    assert 1 <= np.bincount(owner)[1] <= 400
    assert shapely.contains_xy(big, *xy[owner == 0].T).all()


def test_weighted_share_by_households() -> None:
    got = weighted_share([True, False, True, True], [30, 70, 10, 0], [0, 0, 1, 1], 2)
    assert got.tolist() == [30.0, 100.0]


@pytest.mark.parametrize(
    "values",
    [
        {"village_sample_spacing_m": 0.0},
        {"village_sample_spacing_m": float("nan")},
        {"village_sample_max_points": 0},
        {"village_sample_max_points": 2.5},
        {"village_min_share_pct": 0.0},
        {"village_min_share_pct": 100.5},
    ],
)
def test_sampling_settings_are_checked(values: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"village_(sample|min_share)"):
        CoverageSettings.from_mapping(values)


coords = st.floats(min_value=-8000.0, max_value=8000.0, allow_nan=False)


@given(
    first=st.lists(st.tuples(coords, coords), min_size=1, max_size=3),
    added=st.tuples(coords, coords),
)
@settings(max_examples=20, deadline=None)
def test_adding_a_site_never_lowers_a_share(
    first: list[tuple[float, float]], added: tuple[float, float]
) -> None:
    villages = [
        ("V1", rect(-6000, -3000, 2000, 1000)),  # area sample
        ("V2", pt(3000, 3000)),  # clusters
        ("V3", pt(-3000, 5000)),  # its point
    ]
    clusters = [
        ("C1", "V2", 30, pt(3000, 3000)),
        ("C2", "V2", 70, pt(7000, -6000)),
        ("C3", "V2", 5, pt(-7000, 7000)),
    ]
    rules = CoverageSettings(village_sample_spacing_m=500.0)
    before = compute_coverage(inputs(villages, clusters, sites_at(*first)), settings=rules)
    after = compute_coverage(inputs(villages, clusters, sites_at(*first, added)), settings=rules)
    for key in ("share_4g_pct", "share_5g_pct", "share_4g_indoor_pct", "share_5g_indoor_pct"):
        assert (after.villages[key] >= before.villages[key] - 1e-9).all()
    for key in ("mobile_4g", "mobile_5g", "mobile_4g_indoor"):  # nor a village's status
        assert (after.villages[key] | ~before.villages[key]).all()
