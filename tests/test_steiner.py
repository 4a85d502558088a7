"""Steiner trees on hand-built graphs whose optimal trees are known, and their laws.

Every acceptable optimal tree is listed where there are ties (as NetworkX's own tests
do); the exact method is checked against brute force on small random graphs.
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.graph import UnreachableTerminalsError
from planner.steiner import (
    ALGORITHMS,
    PCST_ALGORITHMS,
    InfeasibleTargetError,
    prize_collecting_steiner,
    steiner_tree,
    tree_cost,
)

W = "cost_vnd"


@pytest.fixture(params=["ilp", "heuristic"])
def method(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def graph(edges: list[tuple[object, object, float]]) -> nx.Graph:
    G = nx.Graph()
    G.add_weighted_edges_from(edges, weight=W)
    return G


def edge_set(T: nx.Graph) -> set[frozenset[object]]:
    return {frozenset(e) for e in T.edges()}


def as_sets(*trees: list[tuple[object, object]]) -> list[set[frozenset[object]]]:
    return [{frozenset(e) for e in tree} for tree in trees]


def assert_valid_tree(G: nx.Graph, T: nx.Graph, keep: set[object]) -> None:
    """A subgraph of G, a tree, holding `keep`, with no leaf outside `keep`."""
    assert keep <= set(T)
    if T.number_of_nodes() > 1:
        assert nx.is_tree(T)
    else:
        assert T.number_of_edges() == 0
    for u, v, d in T.edges(data=True):
        assert G.has_edge(u, v)
        assert d[W] == G.edges[u, v][W]
    for n in T:
        if T.degree(n) <= 1 and T.number_of_nodes() > 1:
            assert n in keep


# ---------------------------------------------------------------- hand-built graphs


def test_star_centre_that_lies_on_no_shortest_path(method: str) -> None:
    """Three terminals pairwise 3.9 apart; a centre 2 from each: the star (6) wins.

    The centre is on none of the terminals' pairwise shortest paths (4 > 3.9): reducing
    the graph to their union would lose the optimum (7.8).
    """
    G = graph(
        [
            ("a", "b", 3.9),
            ("b", "d", 3.9),
            ("a", "d", 3.9),
            ("a", "c", 2),
            ("b", "c", 2),
            ("d", "c", 2),
        ]
    )
    T = steiner_tree(G, ["a", "b", "d"], method=method)
    assert edge_set(T) == {frozenset(("a", "c")), frozenset(("b", "c")), frozenset(("d", "c"))}
    assert T.graph["cost"] == pytest.approx(6.0)


def test_networkx_reference_graph(method: str) -> None:
    """The example of networkx's own Steiner tests: 1-2-3 and 2-7-5 (cost 22)."""
    G = graph([(1, 2, 10), (2, 3, 10), (3, 4, 10), (4, 5, 10), (5, 6, 10), (2, 7, 1), (7, 5, 1)])
    T = steiner_tree(G, [1, 3, 5], method=method)
    assert edge_set(T) == as_sets([(1, 2), (2, 3), (2, 7), (7, 5)])[0]
    assert tree_cost(T) == pytest.approx(22.0)


def test_ties_give_one_of_the_optimal_trees(method: str) -> None:
    """A unit square, opposite corners: two optimal trees."""
    G = graph([(1, 2, 1), (2, 3, 1), (3, 4, 1), (4, 1, 1)])
    T = steiner_tree(G, [1, 3], method=method)
    assert edge_set(T) in as_sets([(1, 2), (2, 3)], [(1, 4), (4, 3)])


def test_root_joins_the_tree(method: str) -> None:
    """A path r - x - a - y - b: the tree from r runs to b; y is kept, x too."""
    G = graph([("r", "x", 1), ("x", "a", 1), ("a", "y", 1), ("y", "b", 1), ("x", "z", 5)])
    T = steiner_tree(G, ["a", "b"], root="r", method=method)
    assert edge_set(T) == as_sets([("r", "x"), ("x", "a"), ("a", "y"), ("y", "b")])[0]


def test_zero_cost_links_and_a_virtual_root(method: str) -> None:
    """Existing fiber as a root linked for free to f1 and f2: each village uses the nearer."""
    G = graph(
        [
            ("ROOT", "f1", 0),
            ("ROOT", "f2", 0),
            ("f1", "m", 5),
            ("m", "f2", 5),
            ("f1", "v1", 2),
            ("f2", "v2", 3),
            ("v1", "v2", 20),
        ]
    )
    T = steiner_tree(G, ["v1", "v2"], root="ROOT", method=method)
    assert edge_set(T) == as_sets([("ROOT", "f1"), ("ROOT", "f2"), ("f1", "v1"), ("f2", "v2")])[0]
    assert T.graph["cost"] == pytest.approx(5.0)


def test_trivial_cases(method: str) -> None:
    G = graph([("a", "b", 1)])
    only = steiner_tree(G, ["a"], method=method)
    assert list(only.nodes) == ["a"]
    assert only.number_of_edges() == 0
    same = steiner_tree(G, ["a"], root="a", method=method)
    assert list(same.nodes) == ["a"]
    empty = steiner_tree(G, [], method=method)
    assert empty.number_of_nodes() == 0
    pair = steiner_tree(G, ["a", "b"], method=method)
    assert pair.graph["optimal"]
    assert pair.graph["gap"] == 0.0


def test_tree_keeps_attributes_and_reports_its_quality() -> None:
    G = graph([("a", "b", 2), ("b", "c", 3)])
    G.edges["a", "b"]["road_id"] = "R1"
    G.nodes["a"]["kind"] = "village"
    T = steiner_tree(G, ["a", "c"], method="ilp")
    assert T.edges["a", "b"]["road_id"] == "R1"
    assert T.nodes["a"]["kind"] == "village"
    assert T.graph["method"] == "ilp"
    assert T.graph["optimal"] is True
    assert T.graph["gap"] == 0.0
    assert T.graph["cost"] == pytest.approx(5.0)
    assert T.graph["lower_bound"] == pytest.approx(5.0)
    heuristic = steiner_tree(G, ["a", "c", "b"], method="heuristic")
    assert heuristic.graph["method"] == "heuristic"


def test_methods_and_errors() -> None:
    assert {"ilp", "heuristic", "networkx", "auto"} == set(ALGORITHMS)
    assert {"ilp", "heuristic", "auto"} == set(PCST_ALGORITHMS)
    G = graph([("a", "b", 1), ("c", "d", 1)])
    with pytest.raises(ValueError, match="not a valid choice for an algorithm"):
        steiner_tree(G, ["a", "b"], method="kou")
    with pytest.raises(UnreachableTerminalsError, match=r"cannot be reached.*'c'"):
        steiner_tree(G, ["a", "c"], method="heuristic")
    with pytest.raises(nx.NodeNotFound, match="attach"):
        steiner_tree(G, ["a", "zz"])
    with pytest.raises(ValueError, match="weights >= 0"):
        steiner_tree(graph([("a", "b", -1)]), ["a", "b"])
    with pytest.raises(nx.NetworkXNotImplemented):
        steiner_tree(nx.DiGraph([("a", "b")]), ["a", "b"])


# ------------------------------------------------------------------- brute-force oracle


def brute_force_cost(G: nx.Graph, terminals: set[object]) -> float:
    """Least MST cost over every node set holding the terminals (exact for tiny graphs)."""
    others = [n for n in G if n not in terminals]
    best = math.inf
    for k in range(len(others) + 1):
        for extra in itertools.combinations(others, k):
            H = G.subgraph([*terminals, *extra])
            if nx.is_connected(H):
                best = min(best, tree_cost(nx.minimum_spanning_tree(H, weight=W)))
    return best


@st.composite
def instances(draw: st.DrawFn, max_nodes: int = 8) -> tuple[nx.Graph, list[int], int]:
    """A connected weighted graph (with zero weights and ties), terminals and a root."""
    n = draw(st.integers(2, max_nodes))
    weights = st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0, 7.5])
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for v in range(1, n):  # a random spanning tree keeps it connected
        G.add_edge(draw(st.integers(0, v - 1)), v, **{W: draw(weights)})
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n))
    for u, v in extra:
        if u != v:
            G.add_edge(u, v, **{W: draw(weights)})
    terminals = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    root = draw(st.sampled_from(terminals))
    return G, terminals, root


@settings(max_examples=60, deadline=None)
@given(instances())
def test_every_method_returns_a_spanning_tree_and_the_ilp_is_optimal(
    case: tuple[nx.Graph, list[int], int],
) -> None:
    G, terminals, root = case
    keep = {*terminals, root}
    costs = {}
    for m in ("ilp", "heuristic", "networkx", "auto"):
        T = steiner_tree(G, terminals, root=root, method=m)
        assert_valid_tree(G, T, keep)
        if m != "networkx":
            assert nx.has_path(T, root, terminals[0])
        costs[m] = T.graph["cost"]
    opt = brute_force_cost(G, keep)
    assert costs["ilp"] == pytest.approx(opt)
    assert costs["auto"] == pytest.approx(opt)
    assert costs["ilp"] <= costs["heuristic"] + 1e-9
    assert costs["ilp"] <= costs["networkx"] + 1e-9


@settings(max_examples=25, deadline=None)
@given(instances(max_nodes=40))
def test_larger_graphs_stay_trees_and_the_ilp_is_best(
    case: tuple[nx.Graph, list[int], int],
) -> None:
    G, terminals, root = case
    keep = {*terminals, root}
    exact = steiner_tree(G, terminals, root=root, method="ilp")
    assert_valid_tree(G, exact, keep)
    assert exact.graph["optimal"]
    for m in ("heuristic", "networkx"):
        T = steiner_tree(G, terminals, root=root, method=m)
        assert_valid_tree(G, T, keep)
        assert exact.graph["cost"] <= T.graph["cost"] + 1e-9


# ------------------------------------------------------------------ prize-collecting


@pytest.fixture
def villages() -> tuple[nx.Graph, dict[str, float]]:
    """Root r; a (10 households) 5 away; c (5) 3 behind a; b (1) 5 away on its own.

    ::

        b --5-- r --5-- a --3-- c
    """
    G = graph([("r", "a", 5), ("a", "c", 3), ("r", "b", 5)])
    return G, {"a": 10.0, "b": 1.0, "c": 5.0}


def test_budget_buys_the_most_households(
    method: str, villages: tuple[nx.Graph, dict[str, float]]
) -> None:
    G, prizes = villages
    expected = {0: set(), 4.9: set(), 5: {"a"}, 7: {"a"}, 8: {"a", "c"}, 13: {"a", "b", "c"}}
    for budget, chosen in expected.items():
        T = prize_collecting_steiner(G, "r", prizes, budget=budget, method=method)
        assert set(T.graph["chosen"]) == chosen, budget
        assert T.graph["cost"] <= budget + 1e-9
        assert T.graph["prize"] == sum(prizes[v] for v in chosen)
        assert_valid_tree(G, T, {"r", *chosen})
        # The bound of a budgeted tree is on the prize, from above.
        assert "lower_bound" not in T.graph
        if T.graph["optimal"]:
            assert T.graph["prize_upper_bound"] == T.graph["prize"]


def test_target_at_least_cost(method: str, villages: tuple[nx.Graph, dict[str, float]]) -> None:
    G, prizes = villages
    T = prize_collecting_steiner(G, "r", prizes, min_prize=11, method=method)
    assert set(T.graph["chosen"]) == {"a", "c"}  # 8, not a + b at 10
    assert T.graph["cost"] == pytest.approx(8.0)
    zero = prize_collecting_steiner(G, "r", prizes, min_prize=0, method=method)
    assert zero.graph["cost"] == 0.0


def test_prize_errors(villages: tuple[nx.Graph, dict[str, float]]) -> None:
    G, prizes = villages
    with pytest.raises(InfeasibleTargetError, match="cannot be reached"):
        prize_collecting_steiner(G, "r", prizes, min_prize=17)
    with pytest.raises(ValueError, match="exactly one"):
        prize_collecting_steiner(G, "r", prizes)
    with pytest.raises(ValueError, match="exactly one"):
        prize_collecting_steiner(G, "r", prizes, budget=1, min_prize=1)
    with pytest.raises(ValueError, match=">= 0"):
        prize_collecting_steiner(G, "r", prizes, budget=-1)
    with pytest.raises(ValueError, match="not a valid choice"):
        prize_collecting_steiner(G, "r", prizes, budget=1, method="networkx")


def brute_force_prizes(
    G: nx.Graph, root: int, prizes: dict[int, float]
) -> list[tuple[float, float]]:
    """(cost, prize) of the cheapest tree over every node set holding the root."""
    others = [n for n in G if n != root]
    out = []
    for k in range(len(others) + 1):
        for extra in itertools.combinations(others, k):
            H = G.subgraph([root, *extra])
            if nx.is_connected(H):
                cost = tree_cost(nx.minimum_spanning_tree(H, weight=W))
                out.append((cost, sum(prizes.get(v, 0.0) for v in H)))
    return out


@settings(max_examples=40, deadline=None)
@given(instances(max_nodes=7), st.data())
def test_more_budget_never_buys_fewer_households(
    case: tuple[nx.Graph, list[int], int], data: st.DataObject
) -> None:
    G, _, root = case
    prizes = {v: float(data.draw(st.integers(0, 20), label=f"prize {v}")) for v in G if v != root}
    budgets = sorted(data.draw(st.lists(st.sampled_from([0, 1, 2, 4, 7, 11, 20]), min_size=2)))
    options = brute_force_prizes(G, root, prizes)
    last = -1.0
    for budget in budgets:
        T = prize_collecting_steiner(G, root, prizes, budget=budget, method="ilp")
        assert_valid_tree(G, T, {root, *T.graph["chosen"]})
        assert T.graph["cost"] <= budget + 1e-9
        best = max(p for c, p in options if c <= budget + 1e-9)
        assert T.graph["prize"] == pytest.approx(best)
        assert T.graph["prize"] >= last  # monotone in the budget
        last = T.graph["prize"]
        greedy = prize_collecting_steiner(G, root, prizes, budget=budget, method="heuristic")
        assert greedy.graph["cost"] <= budget + 1e-9
        assert greedy.graph["prize"] <= T.graph["prize"] + 1e-9
    target = data.draw(st.integers(0, int(sum(prizes.values()))), label="target")
    T = prize_collecting_steiner(G, root, prizes, min_prize=target, method="ilp")
    assert T.graph["prize"] >= target
    assert T.graph["cost"] == pytest.approx(min(c for c, p in options if p >= target))


def test_prize_target_tree_is_as_cheap_as_its_proof() -> None:
    """Found by the property above: HiGHS 1.16's presolve returned a tree costing 2 with
    a proved bound of 1. The solver's answer is checked and solved again without presolve."""
    G = nx.Graph()
    edges = [(0, 1, 1), (0, 2, 0), (0, 4, 1), (0, 6, 0), (1, 2, 1), (1, 3, 0), (1, 4, 0), (1, 5, 2)]
    G.add_weighted_edges_from([(u, v, float(w)) for u, v, w in edges], weight=W)
    prizes = {1: 10.0, 2: 1.0, 4: 20.0, 5: 3.0}
    T = prize_collecting_steiner(G, 3, prizes, min_prize=31, method="ilp")
    assert T.graph["optimal"]
    assert T.graph["cost"] == 1.0
    assert T.graph["prize"] == 31.0
    assert T.graph["lower_bound"] == pytest.approx(T.graph["cost"])
