"""Exact reductions: shrink the graph without losing any optimal tree.

:func:`reduce_graph` takes the root's component and applies, until nothing changes, the
degree tests (remove non-terminal leaves, contract non-terminal degree-2 nodes into one
edge that remembers the original edges) and a bound test: :func:`steiner_bound_test`
(what cannot be in a tree cheaper than a known one) for Steiner trees,
:func:`root_distance_test` (what lies beyond the budget from the root) for the
prize-collecting variants. The reduced-cost test, which needs dual ascent, is in
:mod:`planner.steiner.dual_ascent`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from planner.steiner.net import Net, component, dijkstra

__all__ = [
    "Reduced",
    "degree_tests",
    "reduce_graph",
    "root_distance_test",
    "steiner_bound_test",
]


@dataclass
class Reduced:
    """A reduced instance: contracted edges remember the original edges they stand for."""

    adj: dict[int, dict[int, float]]
    orig: dict[tuple[int, int], tuple[tuple[int, int], ...]] = field(default_factory=dict)
    banned: set[tuple[int, int]] = field(default_factory=set)
    """Arcs (directed) that no optimal arborescence from the root uses."""

    def n_edges(self) -> int:
        """Return the number of edges."""
        return sum(len(nb) for nb in self.adj.values()) // 2

    def edge_orig(self, a: int, b: int) -> tuple[tuple[int, int], ...]:
        """Return the original edges that edge ``(a, b)`` stands for."""
        return self.orig.get((min(a, b), max(a, b)), ((a, b),))

    def remove_node(self, v: int) -> None:
        """Remove node `v` and its edges."""
        for u in self.adj.pop(v):
            del self.adj[u][v]
            self.orig.pop((min(u, v), max(u, v)), None)
            self.banned.difference_update({(u, v), (v, u)})

    def remove_edge(self, a: int, b: int) -> None:
        """Remove edge ``(a, b)``."""
        del self.adj[a][b]
        del self.adj[b][a]
        self.orig.pop((min(a, b), max(a, b)), None)
        self.banned.difference_update({(a, b), (b, a)})


def reduce_graph(
    net: Net,
    keep: set[int],
    root: int,
    bound_test: Callable[[Reduced], int] | None = None,
    banned: Collection[tuple[int, int]] = (),
) -> Reduced:
    """Reduce the root's component by the degree tests and `bound_test` until stable.

    `banned` arcs (the arcs out of sinks, :mod:`planner.steiner.sinks`) are banned
    before any test, so no test relies on them.
    """
    comp = component(net, root)
    red = Reduced({v: {u: w for u, w in net.adj[v].items() if u in comp} for v in comp})
    red.banned.update((a, b) for a, b in banned if a in red.adj and b in red.adj[a])
    for _ in range(10):
        changed = degree_tests(red, keep)
        if bound_test is not None:
            changed += bound_test(red)
        if not changed:
            break
    return red


def degree_tests(red: Reduced, keep: set[int]) -> int:
    """Remove non-kept leaves and contract non-kept degree-2 nodes; count the changes."""
    adj = red.adj
    changes = 0
    stack = [v for v in adj if len(adj[v]) <= 1 and v not in keep]
    while stack:
        v = stack.pop()
        if v not in adj or v in keep or len(adj[v]) > 1:
            continue
        nbrs = list(adj[v])
        red.remove_node(v)
        changes += 1
        stack += [u for u in nbrs if len(adj[u]) <= 1 and u not in keep]
    for v in list(adj):
        if v not in adj or v in keep or len(adj[v]) != 2:
            continue
        a, b = adj[v]
        if red.banned & {(a, v), (v, a), (b, v), (v, b)}:
            continue  # directions matter here: keep the node
        w = adj[v][a] + adj[v][b]
        path = red.edge_orig(a, v) + red.edge_orig(v, b)  # original edges, any order
        red.remove_node(v)
        changes += 1
        if w < adj[a].get(b, math.inf):
            adj[a][b] = w
            adj[b][a] = w
            red.orig[(min(a, b), max(a, b))] = tuple(path)
    return changes


def _two_nearest(red: Reduced, terms: set[int]) -> dict[int, list[tuple[float, int]]]:
    """Distances from every node to its two nearest distinct terminals."""
    adj = red.adj
    labels: dict[int, list[tuple[float, int]]] = {v: [] for v in adj}
    heap = [(0.0, t, t) for t in terms if t in adj]
    heapq.heapify(heap)
    while heap:
        d, v, t = heapq.heappop(heap)
        lab = labels[v]
        if len(lab) >= 2 or any(s == t for _, s in lab):
            continue
        lab.append((d, t))
        for u, w in adj[v].items():
            lu = labels[u]
            if len(lu) < 2 and all(s != t for _, s in lu):
                heapq.heappush(heap, (d + w, u, t))
    return labels


def _distinct_pair(la: list[tuple[float, int]], lb: list[tuple[float, int]]) -> float:
    """Least ``d(a, t) + d(b, t')`` over distinct terminals, from the two nearest of each."""
    return min((da + db for da, ta in la for db, tb in lb if ta != tb), default=math.inf)


def steiner_bound_test(terms: set[int], upper: float) -> Callable[[Reduced], int]:
    """Exact elimination: drop what cannot be in a tree cheaper than `upper`.

    In a tree without non-terminal leaves, a non-terminal node has two branches, each
    reaching a different terminal, and an edge separates two terminals; so the sum of
    the distances to two distinct terminals (plus the edge) bounds the tree's cost.
    """
    tol = 1e-9 * max(upper, 1.0)

    def test(red: Reduced) -> int:
        labels = _two_nearest(red, terms)
        changes = 0
        for v in list(red.adj):
            lab = labels.get(v, [])
            if v in terms:
                continue
            if len(lab) < 2 or lab[0][0] + lab[1][0] > upper + tol:
                red.remove_node(v)
                changes += 1
        for a in list(red.adj):
            for b, w in list(red.adj.get(a, {}).items()):
                if a >= b:
                    continue
                if w + _distinct_pair(labels[a], labels[b]) > upper + tol:
                    red.remove_edge(a, b)
                    changes += 1
        return changes

    return test


def root_distance_test(root: int, bound: float) -> Callable[[Reduced], int]:
    """Drop what lies farther than `bound` from the root (prize-collecting variants)."""
    tol = 1e-9 * max(bound, 1.0)

    def test(red: Reduced) -> int:
        dist = dijkstra(red.adj, root)
        changes = 0
        for v in list(red.adj):
            if dist.get(v, math.inf) > bound + tol:
                red.remove_node(v)
                changes += 1
        for a in list(red.adj):
            for b, w in list(red.adj.get(a, {}).items()):
                if a < b and min(dist[a], dist[b]) + w > bound + tol:
                    red.remove_edge(a, b)
                    changes += 1
        return changes

    return test
