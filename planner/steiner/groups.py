"""Group Steiner trees: reach *one* node of each group, from a root, at least cost.

A place is reached by fiber when the cable comes within a distance of it, so any road
node within that distance will do: the nodes near a place form its group. The problem
is reduced to a Steiner tree by the standard reduction: a virtual terminal per group,
joined to each of its nodes (at zero cost, or at the group's per-connection cost). The
virtual terminals are *sinks*, which may only be leaves: without that, a tree could pass
through a virtual terminal from one group node to another for nothing, and the
reduction would be wrong. How each method keeps them leaves (banned arcs out of a sink
in the exact directed formulation and its reductions; a large join weight in the
heuristics) is in :mod:`planner.steiner.sinks`. With that, a tree of the reduced problem
is optimal exactly when the group tree it stands for is, and the exact method's proof
and gap carry over unchanged.

:func:`group_steiner_tree` reaches every group; :func:`group_prize_collecting_steiner`
chooses which groups to reach (the most prize within a budget, or a prize at least
cost). Both return the tree on the original graph (the virtual terminals removed) with
``T.graph["groups"]``, the groups reached.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from typing import TypeVar

import networkx as nx

from planner.steiner.prize_collecting import prize_collecting_steiner
from planner.steiner.tree import steiner_tree

__all__ = ["group_prize_collecting_steiner", "group_steiner_tree", "group_terminal"]

K = TypeVar("K", bound=Hashable)
"""A group's label."""


def group_terminal(label: Hashable) -> tuple[str, Hashable]:
    """Return the key of a group's virtual terminal."""
    return ("group", label)


def _augmented(
    G: nx.Graph,
    groups: Mapping[K, Collection[Hashable]],
    weight: str,
    join_cost: Mapping[K, float] | None,
) -> tuple[nx.Graph, dict[Hashable, K]]:
    """Return `G` with a virtual terminal per non-empty group, and terminal -> label."""
    H = G.copy()
    virtual: dict[Hashable, K] = {}
    for label, nodes in groups.items():
        members = [n for n in dict.fromkeys(nodes) if n in G]
        if not members:
            continue
        t = group_terminal(label)
        if t in G:
            msg = f"node {t!r} is already in the graph; group labels must not collide with it"
            raise ValueError(msg)
        w = 0.0 if join_cost is None else float(join_cost.get(label, 0.0))
        H.add_node(t, kind="group")
        for n in members:
            H.add_edge(t, n, **{weight: w}, length_m=0.0, kind="group", geometry=None)
        virtual[t] = label
    return H, virtual


def _strip(T: nx.Graph, virtual: Mapping[Hashable, Hashable]) -> nx.Graph:
    reached = tuple(virtual[t] for t in T if t in virtual)
    T.remove_nodes_from([t for t in list(T) if t in virtual])
    T.graph["groups"] = reached
    return T


def group_steiner_tree(  # noqa: PLR0913 - options keyword-only, as in steiner_tree
    G: nx.Graph,
    groups: Mapping[K, Collection[Hashable]],
    *,
    root: Hashable,
    weight: str = "cost_vnd",
    method: str = "auto",
    time_limit_s: float | None = None,
) -> nx.Graph:
    """Return a least-cost tree from the root holding at least one node of every group.

    Parameters
    ----------
    G
        Undirected graph with non-negative edge weights.
    groups
        Label -> its nodes (reaching any one suffices). An empty group is left out.
    root, weight, method, time_limit_s
        As in :func:`~planner.steiner.steiner_tree` (not ``method="networkx"``).

    Returns
    -------
    networkx.Graph
        A subgraph of `G`; ``T.graph`` as in :func:`~planner.steiner.steiner_tree` (its
        ``cost``, ``optimal``, ``gap`` and ``lower_bound`` are those of the group
        problem) plus ``groups``, the labels of the groups reached.

    Examples
    --------
    A path a - b - c - d from the root a; group x is {c, d}, group y is {b}: the tree
    stops at c, the nearer node of x.

    >>> G = nx.Graph()
    >>> G.add_weighted_edges_from([("a", "b", 1), ("b", "c", 1), ("c", "d", 1)], "cost_vnd")
    >>> T = group_steiner_tree(G, {"x": ["c", "d"], "y": ["b"]}, root="a", method="ilp")
    >>> sorted(T.nodes), T.graph["cost"], T.graph["optimal"], sorted(T.graph["groups"])
    (['a', 'b', 'c'], 2.0, True, ['x', 'y'])
    """
    H, virtual = _augmented(G, groups, weight, None)
    T = steiner_tree(
        H,
        list(virtual),
        root=root,
        weight=weight,
        method=method,
        time_limit_s=time_limit_s,
        sinks=list(virtual),
    )
    return _strip(T, virtual)


def group_prize_collecting_steiner(  # noqa: PLR0913 - options keyword-only
    G: nx.Graph,
    root: Hashable,
    groups: Mapping[K, Collection[Hashable]],
    prizes: Mapping[K, float],
    *,
    join_cost: Mapping[K, float] | None = None,
    weight: str = "cost_vnd",
    budget: float | None = None,
    min_prize: float | None = None,
    method: str = "auto",
    time_limit_s: float | None = None,
) -> nx.Graph:
    """Return a tree from the root reaching groups: most prize within a budget, or cheapest.

    Parameters
    ----------
    G
        Undirected graph with non-negative edge weights.
    root
        The node the tree grows from.
    groups
        Label -> its nodes (reaching any one suffices).
    prizes
        Label -> prize, collected once when the group is reached.
    join_cost
        Label -> a cost paid once when the group is reached (e.g. the equipment of its
        connections); counted in the cost, the budget and the bound. Default 0.
    weight, budget, min_prize, method, time_limit_s
        As in :func:`~planner.steiner.prize_collecting_steiner`.

    Returns
    -------
    networkx.Graph
        A subgraph of `G`; ``T.graph`` as in
        :func:`~planner.steiner.prize_collecting_steiner` (``cost`` includes the join
        costs) plus ``groups``, the labels reached.

    Examples
    --------
    Budget 2 from a: group x = {c} (prize 5) costs 2, group y = {e} (prize 3) costs 1.5.

    >>> G = nx.Graph()
    >>> G.add_weighted_edges_from([("a", "b", 1), ("b", "c", 1), ("a", "e", 1.5)], "cost_vnd")
    >>> T = group_prize_collecting_steiner(
    ...     G, "a", {"x": ["c"], "y": ["e"]}, {"x": 5, "y": 3}, budget=2, method="ilp"
    ... )
    >>> T.graph["groups"], T.graph["prize"], T.graph["optimal"]
    (('x',), 5.0, True)
    """
    H, virtual = _augmented(G, groups, weight, join_cost)
    node_prizes = {t: float(prizes.get(label, 0.0)) for t, label in virtual.items()}
    T = prize_collecting_steiner(
        H,
        root,
        node_prizes,
        weight=weight,
        budget=budget,
        min_prize=min_prize,
        method=method,
        time_limit_s=time_limit_s,
        sinks=list(virtual),
    )
    T.graph["chosen"] = tuple(virtual[t] for t in T.graph.get("chosen", ()) if t in virtual)
    return _strip(T, virtual)
