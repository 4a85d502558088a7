"""Group Steiner trees: the virtual-terminal reduction stays exact (hand-built answers, laws)."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.steiner import group_prize_collecting_steiner, group_steiner_tree, steiner_tree

METHODS = ["ilp", "heuristic", "auto"]


def shortcut_graph() -> nx.Graph:
    """Group x = {p, q}: both near a place, far apart by road; y lies past q.

    ::

        r --1-- p --100-- q --1-- y
        r ---------50------ q

    Through a zero-cost virtual terminal of x, p -> x -> q would cost nothing: a wrong
    reduction finds r-p, q-y for 2. The true optimum reaches y through q: r-q-y = 51.
    """
    G = nx.Graph()
    G.add_weighted_edges_from(
        [("r", "p", 1), ("p", "q", 100), ("q", "y", 1), ("r", "q", 50)], weight="cost_vnd"
    )
    return G


@pytest.mark.parametrize("method", METHODS)
def test_no_tree_passes_through_a_virtual_terminal(method: str) -> None:
    T = group_steiner_tree(shortcut_graph(), {"x": ["p", "q"], "y": ["y"]}, root="r", method=method)
    assert T.graph["cost"] == pytest.approx(51.0)
    assert sorted(map(sorted, T.edges())) == [["q", "r"], ["q", "y"]]
    assert sorted(T.graph["groups"]) == ["x", "y"]
    assert all(not isinstance(n, tuple) for n in T)  # virtual terminals removed
    if method == "ilp":
        assert T.graph["optimal"]
        assert T.graph["lower_bound"] == pytest.approx(51.0)


@pytest.mark.parametrize("method", ["ilp", "heuristic"])
def test_budget_cannot_buy_a_free_passage(method: str) -> None:
    # Budget 10: x through p (cost 1) is all it buys; a wrong reduction would also take
    # y for 1 more through the virtual terminal.
    T = group_prize_collecting_steiner(
        shortcut_graph(),
        "r",
        {"x": ["p", "q"], "y": ["y"]},
        {"x": 5.0, "y": 7.0},
        budget=10.0,
        method=method,
    )
    assert T.graph["groups"] == ("x",)
    assert T.graph["prize"] == 5.0
    assert T.graph["cost"] == pytest.approx(1.0)
    # Budget 51 buys both, through q.
    T = group_prize_collecting_steiner(
        shortcut_graph(),
        "r",
        {"x": ["p", "q"], "y": ["y"]},
        {"x": 5.0, "y": 7.0},
        budget=51.0,
        method=method,
    )
    assert sorted(T.graph["groups"]) == ["x", "y"]
    assert T.graph["cost"] == pytest.approx(51.0)


@pytest.mark.parametrize("method", ["ilp", "heuristic"])
def test_join_cost_counts_once_per_group(method: str) -> None:
    # Reaching a group costs its join once (equipment of its households): with a join
    # of 3 on x, 10 buys x (1 + 3) but not x and y (1 + 3 + 50 + 1 + 4).
    T = group_prize_collecting_steiner(
        shortcut_graph(),
        "r",
        {"x": ["p", "q"], "y": ["y"]},
        {"x": 5.0, "y": 7.0},
        join_cost={"x": 3.0, "y": 4.0},
        budget=10.0,
        method=method,
    )
    assert T.graph["groups"] == ("x",)
    assert T.graph["cost"] == pytest.approx(4.0)
    T = group_prize_collecting_steiner(
        shortcut_graph(),
        "r",
        {"x": ["p", "q"], "y": ["y"]},
        {"x": 5.0, "y": 7.0},
        join_cost={"x": 3.0, "y": 4.0},
        min_prize=12.0,
        method=method,
    )
    assert T.graph["cost"] == pytest.approx(58.0)  # r-q-y 51 + joins 3 + 4


def test_target_by_prize_picks_the_cheaper_group_node() -> None:
    # x = {a, b}: a costs 4 from r, b 2; the cheapest tree with prize 1 stops at b.
    G = nx.Graph()
    G.add_weighted_edges_from([("r", "a", 4), ("r", "b", 2), ("a", "b", 1)], weight="cost_vnd")
    T = group_prize_collecting_steiner(G, "r", {"x": ["a", "b"]}, {"x": 1.0}, min_prize=1.0)
    assert sorted(T.nodes) == ["b", "r"]
    assert T.graph["optimal"]


def test_empty_groups_are_left_out_and_labels_must_not_collide() -> None:
    G = shortcut_graph()
    T = group_steiner_tree(G, {"x": ["p"], "ghost": ["nowhere"]}, root="r", method="ilp")
    assert T.graph["groups"] == ("x",)
    G.add_edge(("group", "x"), "r", cost_vnd=1.0)
    with pytest.raises(ValueError, match="collide"):
        group_steiner_tree(G, {"x": ["p"]}, root="r")
    with pytest.raises(ValueError, match="networkx"):
        group_steiner_tree(shortcut_graph(), {"x": ["p", "q"]}, root="r", method="networkx")


@st.composite
def instances(draw: st.DrawFn) -> tuple[nx.Graph, dict[str, list[int]]]:
    n = draw(st.integers(5, 9))
    G = nx.Graph()
    for v in range(1, n):  # a random spanning tree, then a few more edges
        u = draw(st.integers(0, v - 1))
        G.add_edge(u, v, cost_vnd=float(draw(st.integers(1, 20))))
    for _ in range(draw(st.integers(0, n))):
        u, v = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if u != v:
            G.add_edge(u, v, cost_vnd=float(draw(st.integers(1, 20))))
    k = draw(st.integers(1, 3))
    groups = {
        f"g{i}": draw(st.lists(st.integers(1, n - 1), min_size=1, max_size=3, unique=True))
        for i in range(k)
    }
    return G, groups


@settings(max_examples=40, deadline=None)
@given(instances())
def test_group_optimum_is_the_best_steiner_tree_over_representatives(
    inst: tuple[nx.Graph, dict[str, list[int]]],
) -> None:
    """The exact group tree costs the least Steiner tree over one node of each group.

    Any group tree holds one node of each group, so it is a Steiner tree for those; and
    any such Steiner tree reaches every group: the two optima are equal.
    """
    G, groups = inst
    best = math.inf
    for reps in itertools.product(*groups.values()):
        T = steiner_tree(G, list(set(reps)), root=0, method="ilp")
        best = min(best, T.graph["cost"])
    exact = group_steiner_tree(G, groups, root=0, method="ilp")
    assert exact.graph["optimal"]
    assert exact.graph["cost"] == pytest.approx(best)
    assert nx.is_tree(exact) or exact.number_of_nodes() == 1
    for nodes in groups.values():
        assert any(n in exact for n in nodes)
    heur = group_steiner_tree(G, groups, root=0, method="heuristic")
    assert heur.graph["cost"] >= best - 1e-9
    assert all(any(n in heur for n in nodes) for nodes in groups.values())
