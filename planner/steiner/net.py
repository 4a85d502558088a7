"""The integer network every method works on, and the tree operations they share.

:class:`Net` re-indexes a networkx graph by integers (the hot loops avoid networkx's
overhead); a tree is a :data:`TAdj`, adjacency sets over those indices. Here too: adding
and removing tree edges, pruning leaves that need not be there, re-spanning a node set
with a minimum spanning tree (:func:`mst_respan`, :func:`spanning_forest`), Kruskal over
a few pieces (:func:`kruskal`), the root's connected component and a multi-source
Dijkstra.

Union-find
----------
The Kruskal loops here and in :mod:`planner.steiner.local_search` share one hand-written
union-find (:func:`find_root`) rather than ``networkx.utils.UnionFind``: on the hot path
networkx's costs time (``bench/unionfind_bench.py`` measures it: 1.29x on the whole
heuristic, the trees identical). On the 18 generated instances of ``bench/steiner_bench.py
--quick`` (``method="heuristic"``, best of 3 runs each, summed; 2 shared CPUs) the
heuristic took 2.50-2.55 s with the hand-written union-find; with ``UnionFind`` in
:func:`kruskal` only 2.67-2.70 s (+5 %), in :func:`kruskal` and :func:`mst_respan`
2.81 s (+12 %), in every Kruskal 3.17-3.26 s (+25 %: Steiner-vertex insertion runs one
per candidate node). The trees were identical. (The planner's cold paths, such as the
grouping of a tree's edges into routes in :mod:`planner.fiber`, use ``UnionFind``.)
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Final

import networkx as nx

__all__ = [
    "EPS",
    "Net",
    "TAdj",
    "add_edge",
    "component",
    "dijkstra",
    "find_root",
    "kruskal",
    "mst_respan",
    "prune",
    "remove_edge",
    "spanning_forest",
]

EPS: Final = 1e-9


TAdj = dict[int, set[int]]
"""A tree as adjacency sets over the integer node indices of a :class:`Net`."""


class Net:
    """Integer-indexed adjacency of a graph (the hot loops avoid networkx's overhead)."""

    __slots__ = ("adj", "index", "nodes")

    def __init__(self, G: nx.Graph, weight: str) -> None:
        self.nodes: list[Hashable] = list(G)
        self.index: dict[Hashable, int] = {n: i for i, n in enumerate(self.nodes)}
        self.adj: list[dict[int, float]] = [{} for _ in self.nodes]
        index, adj = self.index, self.adj
        for u, v, d in G.edges(data=True):
            w = d.get(weight, 1)
            if w is None or not math.isfinite(float(w)) or float(w) < 0:
                msg = (
                    f"edge {(u, v)!r} has {weight}={w!r}; Steiner trees need finite "
                    "weights >= 0. Fix the edge attribute or pick another `weight`."
                )
                raise ValueError(msg)
            i, j = index[u], index[v]
            if i == j:
                continue
            wf = float(w)
            if wf < adj[i].get(j, math.inf):
                adj[i][j] = wf
                adj[j][i] = wf

    def n_edges(self) -> int:
        """Return the number of edges."""
        return sum(len(nb) for nb in self.adj) // 2

    def induced(self, nodes: set[int]) -> Net:
        """Return the same network with only the edges between `nodes` (same indices)."""
        sub = Net.__new__(Net)
        sub.nodes, sub.index = self.nodes, self.index
        sub.adj = [
            {u: w for u, w in nb.items() if u in nodes} if v in nodes else {}
            for v, nb in enumerate(self.adj)
        ]
        return sub

    def cost(self, tadj: TAdj) -> float:
        """Return the total weight of a tree."""
        adj = self.adj
        return sum(adj[u][v] for u, nbrs in tadj.items() for v in nbrs if u < v)


def add_edge(tadj: TAdj, a: int, b: int) -> None:
    """Add edge ``(a, b)`` to a tree."""
    tadj.setdefault(a, set()).add(b)
    tadj.setdefault(b, set()).add(a)


def remove_edge(tadj: TAdj, a: int, b: int) -> None:
    """Remove edge ``(a, b)`` from a tree, and its ends when they are left alone."""
    tadj[a].discard(b)
    tadj[b].discard(a)
    for x in (a, b):
        if not tadj[x]:
            del tadj[x]


def prune(tadj: TAdj, keep: set[int]) -> None:
    """Remove non-kept leaves (and isolated non-kept nodes) until none is left."""
    stack = [v for v, nb in tadj.items() if len(nb) <= 1 and v not in keep]
    while stack:
        v = stack.pop()
        if v not in tadj or v in keep or len(tadj[v]) > 1:
            continue
        for u in list(tadj[v]):
            tadj[u].discard(v)
            if len(tadj[u]) <= 1 and u not in keep:
                stack.append(u)
        del tadj[v]


def mst_respan(net: Net, nodes: Iterable[int], keep: set[int]) -> TAdj:
    """Minimum spanning tree of the subgraph induced by `nodes`, pruned to `keep`."""
    node_set = set(nodes)
    edges = sorted(
        (w, u, v) for u in node_set for v, w in net.adj[u].items() if u < v and v in node_set
    )
    tadj = spanning_forest(node_set, edges)
    prune(tadj, keep)
    return {v: nb for v, nb in tadj.items() if nb or v in keep}


def find_root(parent: dict[int, int], x: int) -> int:
    """Return the root of `x`'s set in the union-find forest `parent` (halving the path)."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def spanning_forest(nodes: Iterable[int], edges: Iterable[tuple[float, int, int]]) -> TAdj:
    """Kruskal: keep each edge ``(w, u, v)`` of `edges` (sorted) that joins two parts.

    Returns the forest over `nodes` (every node a key, in the order given).
    """
    parent = {v: v for v in nodes}
    tadj: TAdj = {v: set() for v in parent}
    for _, u, v in edges:
        ru, rv = find_root(parent, u), find_root(parent, v)
        if ru != rv:
            parent[ru] = rv
            add_edge(tadj, u, v)
    return tadj


def kruskal(
    n: int, links: Mapping[tuple[int, int], tuple[float, list[int]]]
) -> list[tuple[int, int]] | None:
    """Minimum spanning tree over `n` pieces with the given links (None if not spanning)."""
    parent = {i: i for i in range(n)}
    chosen = []
    for key in sorted(links, key=lambda k: links[k][0]):
        a, b = find_root(parent, key[0]), find_root(parent, key[1])
        if a != b:
            parent[a] = b
            chosen.append(key)
    return chosen if len(chosen) == n - 1 else None


def component(net: Net, root: int) -> set[int]:
    """Return the nodes connected to `root`."""
    seen = {root}
    stack = [root]
    while stack:
        x = stack.pop()
        for y in net.adj[x]:
            if y not in seen:
                seen.add(y)
                stack.append(y)
    return seen


def dijkstra(
    adj: Mapping[int, Mapping[int, float]],
    sources: int | Iterable[int],
    bound: float = math.inf,
) -> dict[int, float]:
    """Distances from the nearest source, for the nodes closer than `bound`."""
    starts = [sources] if isinstance(sources, int) else list(sources)
    dist = dict.fromkeys(starts, 0.0)
    heap = [(0.0, s) for s in starts]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in adj[u].items():
            nd = d + w
            if nd <= bound and nd < dist.get(v, math.inf):
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist
