"""The least-cost mix (issue 15, items 2 and 3): options, ten-year costs, greedy and MILP.

Hand-built: three units on a line, each won by another technology for a reason the
numbers show; the ten-year costs computed by hand from the default cost table; random
small problems where the exact MILP bounds the greedy from below and fiber alone from
above.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.raster import Grid
from planner.cost_table import default_cost_table
from planner.graph import FIBER_ROOT, PlannerInputError
from planner.mix import MixTarget
from planner.mix.milp import solve_milp
from planner.mix.options import OptionRules, unit_options
from planner.mix.problem import FIBER, NONE, MixProblem
from planner.mix.solve import least_cost_for, sweep
from planner.mix.tree import FiberTree, tree_from_graph

CRS = "EPSG:32649"
COSTS = default_cost_table()
#: (1 - 1.09^-10) / 0.09, the present value of 1 VND a year for ten years at 9 %.
ANNUITY = (1 - 1.09**-10) / 0.09


def three_units() -> pd.DataFrame:
    """A (50 households) next to the fiber, B (20) 3 km from a 4G site, C (1) far away."""
    return pd.DataFrame(
        {
            "unit_id": ["A", "B", "C"],
            "village_id": ["vA", "vB", "vC"],
            "households": [50.0, 20.0, 1.0],
            "has_power": [True, True, True],
            "x": [0.0, 10_000.0, 50_000.0],
            "y": [0.0, 0.0, 0.0],
        }
    )


def existing_site() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": ["S1"], "operator": ["Viettel"], "tech": ["4G"], "height_m": [30.0]},
        geometry=[shapely.Point(10_000.0, 3_000.0)],
        crs=CRS,
    )


def line_tree() -> nx.Graph:
    """Root - a (10 m, 1 million VND) - b (10 km, 5 billion) - c (40 km, 8 billion)."""
    T = nx.Graph()
    T.add_edge(FIBER_ROOT, "a", cost_vnd=1e6, length_m=10.0)
    T.add_edge("a", "b", cost_vnd=5e9, length_m=10_000.0)
    T.add_edge("b", "c", cost_vnd=8e9, length_m=40_000.0)
    return T


def three_problem() -> tuple[MixProblem, pd.DataFrame]:
    units = three_units()
    options, groups = unit_options(
        units, costs=COSTS, existing_sites=existing_site(), crs=pyproj.CRS(CRS)
    )
    tree = tree_from_graph(line_tree(), ["a", "b", "c"], costs=COSTS)
    problem = MixProblem.build(
        ["A", "B", "C"],
        units["households"].to_numpy(),
        np.zeros(3, dtype=bool),
        options,
        groups,
        tree,
        opex_per_km=COSTS["fiber.opex_vnd_per_km_per_year"],
    )
    return problem, options


def option(options: pd.DataFrame, unit: str, tech: str) -> pd.Series:
    row = options[(options["unit_id"] == unit) & (options["tech"] == tech)]
    assert len(row) == 1
    return row.iloc[0]


def test_annuity_factor_is_the_ten_year_present_value_at_nine_percent() -> None:
    assert COSTS.annuity_factor() == pytest.approx(ANNUITY, rel=1e-12)
    assert COSTS.npv(10.0, 1.0) == pytest.approx(10.0 + ANNUITY)


def test_fixed_wireless_costs_the_cpe_and_ten_years_of_upkeep() -> None:
    _, options = three_problem()
    fwa = option(options, "B", "fwa_existing")
    # 20 households: 20 × 2.5 million CPE now, 20 × 0.6 million a year for ten years.
    assert fwa["households_served"] == 20
    assert fwa["capex_vnd"] == pytest.approx(20 * 2_500_000)
    assert fwa["npv_vnd"] == pytest.approx(20 * 2_500_000 + 20 * 600_000 * ANNUITY)
    # 40 Mbit/s spare shared by B's 20 households only: exactly the 2 Mbit/s target.
    assert fwa["capacity_mbps_per_household"] == pytest.approx(2.0)


def test_leo_terminal_costs_the_kit_and_ten_years_of_service() -> None:
    _, options = three_problem()
    leo = option(options, "C", "leo_household")
    assert leo["households_served"] == 1
    assert leo["npv_vnd"] == pytest.approx(12_000_000 + 12 * 1_500_000 * ANNUITY)


def test_options_say_why_they_cannot_serve() -> None:
    _, options = three_problem()
    # A and C are 10 km and 40 km from the only 4G site (reach 5 km).
    assert option(options, "A", "fwa_existing")["reason"].startswith("ngoài vùng phục vụ")
    assert option(options, "C", "fwa_existing")["households_served"] == 0
    # LEO over A's 50 households: 10 Mbit/s per km² is 0.2 Mbit/s a household, so the
    # beam carries 5 households at the 2 Mbit/s target, not the hamlet.
    leo = option(options, "A", "leo_household")
    assert leo["capacity_mbps_per_household"] == pytest.approx(10.0 * math.pi * 0.56419**2 / 50)
    assert leo["households_served"] == 5


def test_no_grid_power_rules_out_household_equipment_but_not_a_community_point() -> None:
    units = three_units().assign(has_power=[True, True, False])
    options, _ = unit_options(
        units, costs=COSTS, existing_sites=existing_site(), crs=pyproj.CRS(CRS)
    )
    for tech in ("fiber", "fwa_existing", "site_fwa", "leo_household"):
        assert "không có điện" in option(options, "C", tech)["reason"]
    assert option(options, "C", "leo_community")["households_served"] == 1


def test_fixed_wireless_capacity_is_shared_by_the_units_around_a_site() -> None:
    units = pd.DataFrame(
        {
            "unit_id": ["P", "Q"],
            "village_id": ["v", "v"],
            "households": [30.0, 10.0],
            "has_power": [True, True],
            "x": [10_000.0, 10_100.0],
            "y": [0.0, 0.0],
        }
    )
    options, _ = unit_options(
        units, costs=COSTS, existing_sites=existing_site(), crs=pyproj.CRS(CRS)
    )
    # 40 Mbit/s over 40 households is 1 Mbit/s: half the target, half of each unit served.
    assert option(options, "P", "fwa_existing")["households_served"] == 15
    assert option(options, "Q", "fwa_existing")["households_served"] == 5


def test_each_technology_wins_where_its_numbers_say() -> None:
    problem, _ = three_problem()
    curve = sweep(problem)
    best = least_cost_for(problem, 71, curve)
    assert best is not None
    by_unit = dict(zip(problem.unit_ids, best.choice.tolist(), strict=True))
    assert by_unit["A"] == FIBER
    assert problem.alt_tech[by_unit["B"]] == "fwa_existing"
    assert problem.alt_tech[by_unit["C"]] == "leo_household"
    fiber_a = 50 * COSTS.connection_vnd() + 1e6 + 4_000_000 * 0.01 * ANNUITY
    fwa_b = 20 * 2_500_000 + 20 * 600_000 * ANNUITY
    leo_c = 12_000_000 + 18_000_000 * ANNUITY
    assert best.evaluation.npv_vnd == pytest.approx(fiber_a + fwa_b + leo_c, rel=1e-9)
    assert best.evaluation.households_served == 71


def test_fiber_alone_pays_the_whole_line() -> None:
    problem, _ = three_problem()
    fiber = problem.without_alternatives()
    best = least_cost_for(fiber, 71, sweep(fiber))
    assert best is not None
    line = 1e6 + 5e9 + 8e9 + 4_000_000 * 50.01 * ANNUITY
    assert best.evaluation.npv_vnd == pytest.approx(line + 71 * COSTS.connection_vnd(), rel=1e-9)


def test_a_smaller_target_drops_the_dearest_household_first() -> None:
    problem, _ = three_problem()
    best = least_cost_for(problem, 70, sweep(problem))
    assert best is not None
    # C's terminal (127.5 million for 1 household) goes; A and B stay.
    assert best.choice[2] == NONE
    assert best.evaluation.households_served == 70


def test_tree_shares_split_each_edge_by_the_households_below() -> None:
    tree = tree_from_graph(line_tree(), ["a", "b", "c"], costs=COSTS)
    shares = tree.shares(np.array([50.0, 20.0, 1.0]))
    edge = tree.edge_npv_vnd  # nodes in BFS order: root, a, b, c
    assert shares[2] == pytest.approx(edge[1] / 71 + edge[2] / 21 + edge[3])
    assert shares.sum() == pytest.approx(edge.sum())


def test_the_milp_finds_the_same_mix_on_the_three_units() -> None:
    problem, _ = three_problem()
    choice, optimal = solve_milp(problem, 71)
    assert optimal
    assert choice is not None
    greedy = least_cost_for(problem, 71, sweep(problem))
    assert greedy is not None
    assert problem.evaluate(choice).npv_vnd == pytest.approx(greedy.evaluation.npv_vnd)


def random_problem(seed: int, n_nodes: int, n_units: int) -> MixProblem:
    """A random tree, units on distinct nodes, an option or two each, one shared site."""
    rng = np.random.default_rng(seed)
    parent = np.array([-1, *[int(rng.integers(0, v)) for v in range(1, n_nodes)]], dtype=np.intp)
    edge = np.r_[0.0, rng.uniform(1e6, 5e8, n_nodes - 1)]
    nodes = rng.choice(np.arange(1, n_nodes), size=n_units, replace=False).astype(np.intp)
    tree = FiberTree(
        parent=parent,
        order=np.arange(n_nodes, dtype=np.intp),
        edge_npv_vnd=edge,
        edge_capex_vnd=edge,
        edge_length_m=np.zeros(n_nodes),
        unit_node=nodes,
    )
    hh = rng.integers(1, 80, n_units).astype(float)
    alt_unit, alt_group, alt_npv, alt_served, alt_tech = [], [], [], [], []
    for u in range(n_units):
        k = int(rng.integers(0, 3))
        for _ in range(k):
            served = float(rng.integers(1, int(hh[u]) + 1))
            alt_unit.append(u)
            shared = bool(rng.random() < 0.3)
            alt_group.append(0 if shared else -1)
            alt_npv.append(float(rng.uniform(1e6, 1e7)) * served)
            alt_served.append(served)
            alt_tech.append("site_fwa" if shared else "fwa_existing")
    return MixProblem(
        unit_ids=tuple(f"u{u}" for u in range(n_units)),
        households=hh,
        mandatory=np.zeros(n_units, dtype=bool),
        tree=tree,
        fiber_ok=np.ones(n_units, dtype=bool),
        fiber_npv=hh * 2e6,
        fiber_capex=hh * 2e6,
        fiber_served=hh,
        alt_unit=np.asarray(alt_unit, dtype=np.intp),
        alt_tech=tuple(alt_tech),
        alt_group=np.asarray(alt_group, dtype=np.intp),
        alt_npv=np.asarray(alt_npv),
        alt_capex=np.asarray(alt_npv),
        alt_opex=np.zeros(len(alt_npv)),
        alt_served=np.asarray(alt_served),
        group_ids=("S",),
        group_npv=np.array([float(rng.uniform(1e8, 1e9))]),
        group_capex=np.array([0.0]),
        group_opex=np.array([0.0]),
        group_mandatory=np.array([False]),
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_units=st.integers(2, 9),
    share=st.floats(0.1, 1.0),
)
def test_milp_le_greedy_mix_le_fiber_alone(seed: int, n_units: int, share: float) -> None:
    problem = random_problem(seed, n_nodes=n_units + 6, n_units=n_units)
    need = math.ceil(share * problem.households.sum())
    fiber = problem.without_alternatives()
    alone = least_cost_for(fiber, need, sweep(fiber))
    assert alone is not None  # fiber reaches every unit here
    mix = least_cost_for(problem, need, sweep(problem), [alone])
    assert mix is not None
    assert mix.evaluation.households_served >= need
    assert mix.evaluation.npv_vnd <= alone.evaluation.npv_vnd + 1e-6
    choice, optimal = solve_milp(problem, need, time_limit_s=20)
    assert optimal
    assert choice is not None
    exact = problem.evaluate(choice)
    assert exact.households_served >= need
    assert exact.npv_vnd <= mix.evaluation.npv_vnd * (1 + 1e-6) + 1.0


def test_targets_are_read_and_bad_ones_refused() -> None:
    t = MixTarget.parse(["fiber_households:95,5", "villages:100", "mobile_villages"])
    assert (t.households_pct, t.villages, t.mobile_villages) == (95.5, True, True)
    assert MixTarget.parse(["villages:100"]).households_pct is None
    with pytest.raises(PlannerInputError, match="only 100 %"):
        MixTarget.parse(["villages:90"])
    with pytest.raises(PlannerInputError, match=r"number in \(0, 100\]"):
        MixTarget.parse(["fiber_households:120"])
    with pytest.raises(PlannerInputError, match="unknown target 'fiber'"):
        MixTarget.parse(["fiber:95"])


def test_rules_refuse_a_zero_capacity() -> None:
    with pytest.raises(ValueError, match="fwa_new_site_mbps"):
        OptionRules(fwa_new_site_mbps=0.0)


def ridge_grid(height_m: float) -> Grid:
    """Flat ground from x = -1 km to 9 km, with a ridge `height_m` high around x = 4 km."""
    array = np.zeros((20, 100))
    array[:, 49:51] = height_m  # columns 49-50: x from 3,900 m to 4,100 m
    return Grid(
        array=array, transform=Affine(100.0, 0.0, -1000.0, 0.0, -100.0, 1000.0), crs=pyproj.CRS(CRS)
    )


def one_unit_site(elevation: Grid | None, power_lines: gpd.GeoDataFrame | None = None) -> pd.Series:
    units = pd.DataFrame(
        {
            "unit_id": ["X"],
            "village_id": ["vX"],
            "households": [30.0],
            "has_power": [True],
            "x": [0.0],
            "y": [0.0],
        }
    )
    far_site = gpd.GeoDataFrame(
        {"site_id": ["S9"], "operator": ["VNPT"], "tech": ["4G"], "height_m": [30.0]},
        geometry=[shapely.Point(8_000.0, 0.0)],
        crs=CRS,
    )
    _, groups = unit_options(
        units,
        costs=COSTS,
        existing_sites=far_site,
        power_lines=power_lines,
        elevation=elevation,
        crs=pyproj.CRS(CRS),
    )
    assert len(groups.frame) == 1
    return groups.frame.iloc[0]


def test_a_new_site_links_by_microwave_when_the_terrain_is_clear() -> None:
    site = one_unit_site(ridge_grid(0.0))
    assert site["backhaul"] == "microwave"
    assert "line of sight" in site["backhaul_note"]
    # no line within reach: solar and batteries
    assert site["power"] == "solar"
    assert site["capex_vnd"] == pytest.approx(1.2e9 + 650e6 + 250e6)


def test_a_ridge_sends_the_backhaul_to_satellite_with_the_reason() -> None:
    site = one_unit_site(ridge_grid(500.0))
    assert site["backhaul"] == "satellite"
    assert "terrain blocks" in site["backhaul_note"]
    # a VSAT terminal now and its capacity every month for ten years, and the site's upkeep
    opex = 150e6 + 30e6 + 12 * 40e6
    assert site["opex_vnd_per_year"] == pytest.approx(opex)
    assert site["npv_vnd"] == pytest.approx(1.2e9 + 650e6 + 200e6 + opex * ANNUITY)


def test_the_site_type_picks_its_row_of_the_cost_table() -> None:
    units = pd.DataFrame(
        {
            "unit_id": ["X"],
            "village_id": ["vX"],
            "households": [30.0],
            "has_power": [True],
            "x": [0.0],
            "y": [0.0],
        }
    )
    rules = OptionRules(site_type="pole_15m", site_height_m=15.0)
    _, groups = unit_options(units, costs=COSTS, rules=rules, crs=pyproj.CRS(CRS))
    # no existing site for a hop, no fiber: a 15 m pole, solar, and a satellite link
    assert groups.frame["capex_vnd"].iloc[0] == pytest.approx(600e6 + 650e6 + 200e6)
    with pytest.raises(ValueError, match="site_type"):
        OptionRules(site_type="tower_60m")


def test_a_distribution_line_within_reach_powers_the_site_from_the_grid() -> None:
    line = gpd.GeoDataFrame(
        {"line_id": ["L1"], "voltage_kv": [22.0]},
        geometry=[shapely.LineString([(-5_000.0, 400.0), (5_000.0, 400.0)])],
        crs=CRS,
    )
    site = one_unit_site(ridge_grid(0.0), power_lines=line)
    assert site["power"] == "grid"
    assert site["capex_vnd"] == pytest.approx(1.2e9 + 80e6 + 250e6)


def test_the_cable_to_a_unit_stops_within_the_indicators_reach() -> None:
    T = nx.Graph()
    T.add_edge(FIBER_ROOT, "road", cost_vnd=1e6, length_m=100.0)
    T.add_edge("road", "far", cost_vnd=700 * 488_000.0, length_m=700.0, kind="link")
    T.add_edge("road", "near", cost_vnd=300 * 488_000.0, length_m=300.0, kind="link")
    tree = tree_from_graph(T, ["far", "near"], costs=COSTS, reach_m=500.0)
    far, near = tree.unit_node
    # 700 m from the road: 200 m of cable brings it within 500 m; 300 m: the road is enough
    assert tree.edge_capex_vnd[far] == pytest.approx(200 * 488_000.0)
    assert tree.edge_length_m[far] == pytest.approx(200.0)
    assert tree.edge_capex_vnd[near] == 0.0
    whole = tree_from_graph(T, ["far", "near"], costs=COSTS)
    assert whole.edge_capex_vnd[whole.unit_node[0]] == pytest.approx(700 * 488_000.0)
