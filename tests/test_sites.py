"""New mobile sites: hand-built cases with known answers, exact vs greedy, laws, the demo.

Without a density raster every receiver is rural clutter, where a default 4G site
(LTE 1800, 61 dBm EIRP over 2 ports, 30 m) meets the outdoor rule (-110 dBm at 90 % of
locations: a median 8 dB x 1.2816 = 10.25 dB above it) up to about 3.2 km: 2.5 km is
covered, 5 km is not (the oracle :func:`expected_rsrp` evaluates the model's formula by
hand).
"""

from __future__ import annotations

import itertools
from statistics import NormalDist
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage import pathloss
from coverage.mobile import best_signal
from geodata import CRSProblem
from geodata.raster import Grid
from planner.sites import (
    DEFAULT_RULES,
    SITE_COST_VND,
    SiteInputError,
    SitePlan,
    candidate_sites,
    plan_sites,
    solve_covering,
)

if TYPE_CHECKING:
    from hatangso.demo import DemoDataset

CRS = 32649
X0, Y0 = 600_000.0, 1_550_000.0
SOLAR = DEFAULT_RULES.solar_extra_cost_vnd
SATELLITE = DEFAULT_RULES.satellite_cost_vnd


#: The rural median the outdoor rule needs: -110 dBm + 8 dB x Φ⁻¹(0.9).
RURAL_REQUIRED_DBM = -110.0 + 8.0 * NormalDist().inv_cdf(0.9)


def expected_rsrp(distance_m: float) -> float:
    """The model's formula by hand: a default 4G site at 30 m, rural clutter.

    61 dBm EIRP - 10 log10(2 ports) - 10 log10(12 x 100 RB) - COST-231 rural loss.
    """
    loss = float(
        pathloss.hata_cost231_db(
            distance_m, freq_mhz=1800.0, h_base_m=30.0, h_mobile_m=1.5, clutter=pathloss.RURAL
        )
    )
    return float(61.0 - 10 * np.log10(2) - 10 * np.log10(1200) - loss)


def villages(
    xy: list[tuple[float, float]],
    households: list[int] | None = None,
    *,
    electricity: list[bool] | None = None,
) -> gpd.GeoDataFrame:
    """Villages at (X0 + x, Y0 + y), ids V0, V1, ...; without electricity by default."""
    n = len(xy)
    return gpd.GeoDataFrame(
        {
            "village_id": [f"V{i}" for i in range(n)],
            "name": [f"Thôn {i}" for i in range(n)],
            "households": households or [100] * n,
            "has_electricity": electricity or [False] * n,
        },
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy],
        crs=CRS,
    )


def network(*rows: tuple[float, float, str, str]) -> gpd.GeoDataFrame:
    """Existing sites (x, y, operator, tech) at (X0 + x, Y0 + y), ids S0, S1, ..."""
    return gpd.GeoDataFrame(
        {
            "site_id": [f"S{i}" for i in range(len(rows))],
            "operator": [r[2] for r in rows],
            "tech": [r[3] for r in rows],
            "height_m": [30.0] * len(rows),
        },
        geometry=[shapely.Point(X0 + r[0], Y0 + r[1]) for r in rows],
        crs=CRS,
    )


def lines(*rows: tuple[list[tuple[float, float]], float]) -> gpd.GeoDataFrame:
    """Power lines (vertices, kV) offset by (X0, Y0)."""
    return gpd.GeoDataFrame(
        {"line_id": [f"L{i}" for i in range(len(rows))], "voltage_kv": [r[1] for r in rows]},
        geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in r[0]]) for r in rows],
        crs=CRS,
    )


def plan(targets: gpd.GeoDataFrame, **kwargs: object) -> SitePlan:
    """Plan with the targets themselves as the only candidates, no network by default."""
    kwargs.setdefault("existing_sites", None)
    return plan_sites(targets, candidate_sites(targets), **kwargs)  # type: ignore[arg-type]


# --- hand-built cases with known answers -------------------------------------------------------


def test_the_oracle_distances() -> None:
    assert expected_rsrp(2_500.0) >= RURAL_REQUIRED_DBM > expected_rsrp(5_000.0)


def test_one_middle_site_covers_three_villages_in_a_row() -> None:
    result = plan(villages([(0, 0), (2_500, 0), (5_000, 0)]))
    assert len(result.sites) == 1
    site = result.sites.iloc[0]
    assert site["target_ids"] == "V0,V1,V2"
    assert site.geometry.equals(shapely.Point(X0 + 2_500, Y0))
    assert result.covered_targets == ("V0", "V1", "V2")
    assert result.households_covered == 300
    assert result.method == "ilp"
    assert result.optimal
    rsrp = [float(v) for v in site["target_rsrp_dbm"].split(",")]
    assert rsrp[0] == pytest.approx(expected_rsrp(2_500.0), abs=0.05)
    assert site["min_rsrp_dbm"] == pytest.approx(expected_rsrp(2_500.0))


def test_two_villages_far_apart_need_two_sites() -> None:
    result = plan(villages([(0, 0), (20_000, 0)]))
    assert len(result.sites) == 2
    assert sorted(result.sites["target_ids"]) == ["V0", "V1"]
    assert result.sites["site_id"].tolist() == ["P-001", "P-002"]
    assert result.uncoverable_targets == ()


@pytest.mark.parametrize(("alone", "expected"), [(150, {"V1,V2"}), (500, {"V0"})])
def test_max_sites_one_picks_the_most_households(alone: int, expected: set[str]) -> None:
    # V0 alone; V1 and V2 2.5 km apart: one site covers both (200 households).
    targets = villages([(0, 0), (30_000, 0), (32_500, 0)], [alone, 100, 100])
    result = plan(targets, max_sites=1)
    assert len(result.sites) == 1
    assert set(result.sites["target_ids"]) == expected
    assert result.households_covered == max(alone, 200)
    assert set(result.unserved_targets) | set(result.covered_targets) == {"V0", "V1", "V2"}


def test_the_coverage_matrix_is_the_coverage_model() -> None:
    targets = villages([(0, 0), (2_800, 400)])
    result = plan(targets, max_sites=1)
    site = result.sites.iloc[0]
    alone = gpd.GeoDataFrame(
        {"site_id": ["x"], "operator": ["x"], "tech": ["4G"], "height_m": [30.0]},
        geometry=[site.geometry],
        crs=CRS,
    )
    xy = shapely.get_coordinates(targets.geometry.to_numpy())
    signal = best_signal(alone, xy, tech="4G").rsrp_dbm["x"].to_numpy()
    assert site["min_rsrp_dbm"] == pytest.approx(signal.min())


def test_targets_no_candidate_can_cover_are_reported() -> None:
    targets = villages([(0, 0), (60_000, 0)], [100, 40])
    candidates = candidate_sites(targets)
    candidates = candidates[candidates["target_id"] == "V0"]
    result = plan_sites(targets, candidates, existing_sites=None)
    assert result.uncoverable_targets == ("V1",)
    assert result.covered_targets == ("V0",)
    assert result.households_covered == 100
    assert result.households_total == 140


@pytest.mark.parametrize(
    ("power_lines", "electrified", "expected"),
    [
        (None, None, "solar"),
        (lines(([(-5_000, 600), (5_000, 600)], 22.0)), None, "grid"),
        (lines(([(-5_000, 600), (5_000, 600)], 110.0)), None, "solar"),  # transmission
        (lines(([(-5_000, 1_500), (5_000, 1_500)], 22.0)), None, "solar"),
        (None, (800.0, 0.0), "grid"),
        (None, (1_500.0, 0.0), "solar"),
    ],
)
def test_power_grid_or_solar(
    power_lines: gpd.GeoDataFrame | None,
    electrified: tuple[float, float] | None,
    expected: str,
) -> None:
    targets = villages([(0, 0)])
    everyone = None
    if electrified is not None:
        everyone = villages([(0, 0), electrified], electricity=[False, True])
    result = plan(targets, power_lines=power_lines, villages=everyone)
    site = result.sites.iloc[0]
    assert site["power"] == expected
    assert site["power_cost_vnd"] == (SOLAR if expected == "solar" else 0.0)
    assert site["cost_vnd"] == pytest.approx(
        SITE_COST_VND + site["backhaul_cost_vnd"] + site["power_cost_vnd"]
    )


def test_backhaul_fiber_when_fiber_is_near() -> None:
    nodes = gpd.GeoDataFrame(
        {"node_id": ["N1"], "operator": ["VNPT"], "kind": ["closure"]},
        geometry=[shapely.Point(X0 + 1_000, Y0)],
        crs=CRS,
    )
    site = plan(villages([(0, 0)]), fiber_nodes=nodes).sites.iloc[0]
    assert site["backhaul"] == "fiber"
    assert site["fiber_distance_m"] == pytest.approx(1_000.0)
    assert site["backhaul_cost_vnd"] == pytest.approx(1_000.0 * DEFAULT_RULES.fiber_cost_per_m_vnd)


def test_backhaul_microwave_when_fiber_is_far_and_a_site_is_in_range() -> None:
    routes = gpd.GeoDataFrame(
        {"route_id": ["R1"], "operator": ["VNPT"], "level": ["access"]},
        geometry=[shapely.LineString([(X0 + 5_000, Y0 - 9_000), (X0 + 5_000, Y0 + 9_000)])],
        crs=CRS,
    )
    existing = network((10_000, 0, "Viettel", "4G"))
    site = plan(villages([(0, 0)]), fiber_routes=routes, existing_sites=existing).sites.iloc[0]
    assert site["fiber_distance_m"] == pytest.approx(5_000.0)
    assert site["backhaul"] == "microwave"
    assert site["backhaul_to"] == "S0"
    assert site["backhaul_distance_m"] == pytest.approx(10_000.0)
    assert "assumed" in site["backhaul_note"]
    assert site["backhaul_cost_vnd"] == DEFAULT_RULES.microwave_cost_vnd


def test_backhaul_none_when_nothing_is_in_reach() -> None:
    existing = network((30_000, 0, "Viettel", "4G"))
    site = plan(villages([(0, 0)]), existing_sites=existing).sites.iloc[0]
    assert site["backhaul"] == "satellite/none"
    assert np.isnan(site["fiber_distance_m"])
    assert site["cost_vnd"] == SITE_COST_VND + SATELLITE + SOLAR


def flat(ridge_m: float = 0.0) -> Grid:
    """Terrain 0 m, 100 m cells over (X0-2 km .. X0+14 km, Y0±2 km), a N-S ridge at x=5 km."""
    array = np.zeros((40, 160))
    array[:, 70] = ridge_m  # cells 7.0-7.1 km east of the west edge: x = X0 + 5.0 km
    return Grid(array, Affine(100.0, 0.0, X0 - 2_000.0, 0.0, -100.0, Y0 + 2_000.0), pyproj.CRS(CRS))


@pytest.mark.parametrize(("ridge_m", "expected"), [(0.0, "microwave"), (400.0, "satellite/none")])
def test_microwave_needs_line_of_sight_over_the_terrain(ridge_m: float, expected: str) -> None:
    existing = network((10_000, 0, "Viettel", "4G"))
    result = plan(villages([(0, 0)]), existing_sites=existing, elevation=flat(ridge_m))
    site = result.sites.iloc[0]
    assert site["backhaul"] == expected
    if expected == "microwave":
        assert "Fresnel" in site["backhaul_note"]
    else:
        assert "terrain blocks" in site["backhaul_note"]


def test_operator_is_the_nearest_network_of_the_technology() -> None:
    existing = network(
        (10_000, 0, "Viettel", "2G,4G"),
        (-20_000, 0, "VNPT", "4G"),
        (3_000, 0, "MobiFone", "2G"),  # nearer, but no 4G
    )
    site = plan(villages([(0, 0)]), existing_sites=existing).sites.iloc[0]
    assert site["operator"] == "Viettel"
    assert "S0" in site["operator_note"]
    shared = plan(villages([(0, 0)]), existing_sites=existing, operator="shared")
    assert shared.sites["operator"].tolist() == ["Shared"]
    assert plan(villages([(0, 0)])).sites["operator"].tolist() == ["Shared"]


def test_budget_is_respected() -> None:
    targets = villages([(0, 0), (40_000, 0), (80_000, 0)], [300, 200, 100])
    one_site = SITE_COST_VND + SATELLITE + SOLAR
    for budget, n in [(0.0, 0), (one_site, 1), (2.5 * one_site, 2), (10 * one_site, 3)]:
        result = plan(targets, budget_vnd=budget)
        assert len(result.sites) == n
        assert result.total_cost_vnd <= budget
    assert plan(targets, budget_vnd=2.5 * one_site).households_covered == 500


def test_households_are_credited_once() -> None:
    targets = villages([(0, 0), (3_000, 0), (40_000, 0)], [10, 20, 30])
    result = plan(targets, max_sites=3)
    assert result.sites["households"].sum() == result.households_covered == 60
    assert sorted(",".join(result.sites["target_ids"]).split(",")) == ["V0", "V1", "V2"]


# --- candidates ---------------------------------------------------------------------------


def test_candidates_along_roads_and_on_high_ground() -> None:
    targets = villages([(0, 0)])
    roads = gpd.GeoDataFrame(
        {"road_id": ["R1"], "class": ["commune"]},
        geometry=[shapely.LineString([(X0 - 9_000, Y0 + 1_000), (X0 + 9_000, Y0 + 1_000)])],
        crs=CRS,
    )
    array = np.zeros((60, 60))
    array[10, 40] = 900.0  # a peak; cell centre at (X0 + 1_050, Y0 + 1_950)
    array[30, 30] = 500.0
    dem = Grid(array, Affine(100.0, 0.0, X0 - 3_000.0, 0.0, -100.0, Y0 + 3_000.0), pyproj.CRS(CRS))
    cands = candidate_sites(targets, roads=roads, elevation=dem, spacing_m=500.0, radius_m=3_000.0)
    assert cands["kind"].iloc[0] == "target"
    road = cands[cands["kind"] == "road"]
    ys = shapely.get_coordinates(road.geometry.to_numpy())[:, 1]
    assert np.allclose(ys, Y0 + 1_000)
    xs = np.sort(shapely.get_coordinates(road.geometry.to_numpy())[:, 0] - X0)
    assert np.all(np.diff(xs) >= 499.0)
    assert np.all(np.hypot(xs, 1_000) <= 3_000.0 + 1e-6)
    high = cands[cands["kind"] == "high_ground"]
    assert len(high) == 3
    assert high.geometry.iloc[0].equals(shapely.Point(X0 + 1_050, Y0 + 1_950))
    assert high.geometry.iloc[1].equals(shapely.Point(X0 + 50, Y0 - 50))
    assert cands["candidate_id"].is_unique
    assert cands["target_id"].eq("V0").all()
    again = candidate_sites(targets, roads=roads, elevation=dem)
    assert again.equals(candidate_sites(targets, roads=roads, elevation=dem))


def test_a_site_on_high_ground_is_chosen_when_only_it_covers_both() -> None:
    # Two villages 5 km apart; a candidate half-way covers both (2.5 km each).
    targets = villages([(0, 0), (5_000, 0)])
    cands = candidate_sites(targets)
    extra = gpd.GeoDataFrame(
        {"candidate_id": ["C-H"], "kind": ["high_ground"], "target_id": ["V0"]},
        geometry=[shapely.Point(X0 + 2_500, Y0)],
        crs=CRS,
    )
    both = gpd.GeoDataFrame(
        gpd.pd.concat([cands, extra], ignore_index=True), geometry="geometry", crs=CRS
    )
    result = plan_sites(targets, both, existing_sites=None)
    assert result.sites["candidate_id"].tolist() == ["C-H"]


# --- errors -------------------------------------------------------------------------------


def test_layers_must_share_one_metric_crs() -> None:
    targets = villages([(0, 0)])
    with pytest.raises(CRSProblem, match="metric CRS"):
        candidate_sites(targets.to_crs(4326))
    with pytest.raises(CRSProblem, match="CRS mismatch"):
        plan_sites(targets, candidate_sites(targets).to_crs(32648), existing_sites=None)
    lonlat = Grid(np.zeros((2, 2)), Affine(0.01, 0, 108.0, 0, -0.01, 14.0), pyproj.CRS(4326))
    with pytest.raises(CRSProblem, match="Reproject the raster"):
        plan(targets, elevation=lonlat)


def test_bad_inputs_are_refused() -> None:
    targets = villages([(0, 0)])
    with pytest.raises(SiteInputError, match="households"):
        plan(targets.drop(columns="households"))
    with pytest.raises(ValueError, match="not a valid choice"):
        plan(targets, method="simplex")
    with pytest.raises(SiteInputError, match="max_sites"):
        plan(targets, max_sites=-1)
    with pytest.raises(SiteInputError, match="tech"):
        plan(targets, tech="6G")
    with pytest.raises(SiteInputError, match="id column"):
        candidate_sites(targets.drop(columns="village_id"))


# --- exact vs greedy ----------------------------------------------------------------------


def brute_force(cover: np.ndarray, weights: np.ndarray, k: int | None) -> tuple[int, float]:
    """Fewest columns covering every coverable row, or the most weight with k columns."""
    n_c = cover.shape[1]
    coverable = cover.any(axis=1)
    best_n, best_w = n_c + 1, -1.0
    for size in range(n_c + 1):
        for cols in itertools.combinations(range(n_c), size):
            covered = cover[:, list(cols)].any(axis=1)
            if k is None and (covered == coverable).all():
                return size, float(weights[covered].sum())
            if k is not None and size <= k:
                best_w = max(best_w, float(weights[covered].sum()))
    return best_n, best_w


def random_instance(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_t, n_c = int(rng.integers(3, 9)), int(rng.integers(2, 8))
    cover = rng.random((n_t, n_c)) < 0.3
    return cover, rng.integers(1, 50, n_t).astype(float), rng.integers(1, 5, n_c).astype(float)


@pytest.mark.parametrize("seed", range(12))
def test_ilp_matches_brute_force_and_greedy_never_beats_it(seed: int) -> None:
    cover, weights, costs = random_instance(seed)
    t, c = np.nonzero(cover)
    n_best, _ = brute_force(cover, weights, None)
    exact = solve_covering(t, c, weights=weights, costs=costs, method="ilp")
    greedy = solve_covering(t, c, weights=weights, costs=costs, method="greedy")
    assert exact.optimal
    assert exact.method == "ilp"
    assert len(exact.chosen) == n_best <= len(greedy.chosen)
    coverable = cover.any(axis=1)
    assert (exact.covered == coverable).all()
    assert (greedy.covered == coverable).all()
    for k in range(cover.shape[1] + 1):
        _, w_best = brute_force(cover, weights, k)
        got = solve_covering(t, c, weights=weights, costs=costs, max_sites=k, method="ilp")
        assert len(got.chosen) <= k
        assert weights[got.covered].sum() == pytest.approx(w_best)


@pytest.mark.parametrize("seed", range(3))
def test_ilp_never_uses_more_sites_than_greedy_on_random_villages(seed: int) -> None:
    rng = np.random.default_rng(seed)
    xy = [(float(x), float(y)) for x, y in rng.uniform(0, 40_000, size=(14, 2))]
    targets = villages(xy, rng.integers(20, 300, 14).tolist())
    extra = gpd.GeoDataFrame(
        {"candidate_id": [f"G{i}" for i in range(25)], "kind": "grid", "target_id": ""},
        geometry=[
            shapely.Point(X0 + x, Y0 + y)
            for x, y in itertools.product(np.linspace(0, 40_000, 5), repeat=2)
        ],
        crs=CRS,
    )
    cands = gpd.GeoDataFrame(
        gpd.pd.concat([candidate_sites(targets), extra], ignore_index=True),
        geometry="geometry",
        crs=CRS,
    )
    exact = plan_sites(targets, cands, existing_sites=None, method="ilp")
    greedy = plan_sites(targets, cands, existing_sites=None, method="greedy")
    assert exact.method == "ilp"
    assert greedy.method == "greedy"
    assert len(exact.sites) <= len(greedy.sites)
    for result in (exact, greedy):
        assert result.uncoverable_targets == ()  # each target is its own candidate
        assert result.unserved_targets == ()
        assert sorted(result.covered_targets) == sorted(targets["village_id"])


def test_auto_falls_back_to_greedy_without_highspy(monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.sites.covering as covering_module

    monkeypatch.setattr(covering_module, "highspy_module", lambda: None)
    result = plan(villages([(0, 0), (2_500, 0), (5_000, 0)]))
    assert result.method == "greedy"
    assert not result.optimal
    assert len(result.sites) == 1
    with pytest.raises(ImportError, match="highspy"):
        plan(villages([(0, 0)]), method="ilp")


# --- laws ---------------------------------------------------------------------------------

covers = st.integers(0, 2**31 - 1).map(random_instance)


@settings(max_examples=30, deadline=None)
@given(instance=covers, method=st.sampled_from(["ilp", "greedy"]))
def test_more_sites_allowed_never_covers_fewer_households(
    instance: tuple[np.ndarray, np.ndarray, np.ndarray], method: str
) -> None:
    cover, weights, costs = instance
    t, c = np.nonzero(cover)
    households = [
        weights[
            solve_covering(t, c, weights=weights, costs=costs, max_sites=k, method=method).covered
        ].sum()
        for k in range(cover.shape[1] + 1)
    ]
    assert all(a <= b + 1e-9 for a, b in itertools.pairwise(households))
    assert households[-1] == pytest.approx(weights[cover.any(axis=1)].sum())


@settings(max_examples=20, deadline=None)
@given(instance=covers)
def test_more_budget_never_covers_fewer_households(
    instance: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    cover, weights, costs = instance
    t, c = np.nonzero(cover)
    previous = -1.0
    for budget in range(int(costs.sum()) + 1):
        got = solve_covering(t, c, weights=weights, costs=costs, budget=budget, method="ilp")
        assert costs[list(got.chosen)].sum() <= budget
        assert weights[got.covered].sum() >= previous
        previous = float(weights[got.covered].sum())


# --- the demo -----------------------------------------------------------------------------


@pytest.mark.basedata
def test_demo_plan_gives_lang_o2_a_solar_site_with_backhaul(province_demo: DemoDataset) -> None:
    from geodata.raster import grid_from_bytes

    demo = province_demo
    layers = {name: frame.to_crs(CRS) for name, frame in demo.layers.items()}
    all_villages = layers["villages"]
    existing = layers.get("mobile_sites")
    if existing is None or not len(existing):
        centre = all_villages[
            (all_villages["commune_id"] == "21790") & all_villages["is_commune_centre"]
        ]
        existing = gpd.GeoDataFrame(
            {"site_id": ["VK-1"], "operator": ["Viettel"], "tech": ["2G,4G"], "height_m": [30.0]},
            geometry=centre.geometry.to_numpy()[:1],
            crs=CRS,
        )
    o2 = all_villages[(all_villages["name"] == "Làng O2") & (all_villages["commune_id"] == "21790")]
    assert len(o2) == 1
    assert not o2["has_electricity"].iloc[0]
    density = grid_from_bytes(demo.rasters["population_density"])
    candidates = candidate_sites(o2, roads=layers["roads"])
    result = plan_sites(
        o2,
        candidates,
        existing_sites=existing,
        density=density,
        fiber_routes=layers.get("fiber_routes"),
        fiber_nodes=layers.get("fiber_nodes"),
        power_lines=layers["power_lines"],
        villages=all_villages,
    )
    o2_id = o2["village_id"].iloc[0]
    assert result.covered_targets == (o2_id,)
    serving = result.sites[result.sites["target_ids"].str.split(",").map(lambda ids: o2_id in ids)]
    assert len(serving) >= 1
    site = serving.iloc[0]
    assert site["power"] == "solar"
    assert site["power_cost_vnd"] == SOLAR
    assert site["backhaul"] in {"fiber", "microwave"}
    assert site["backhaul_note"]
    assert site["min_rsrp_dbm"] >= -110.0
    assert site["operator"]
