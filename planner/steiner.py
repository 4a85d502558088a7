"""Steiner trees and prize-collecting Steiner trees on a weighted graph.

:func:`steiner_tree` connects a set of terminals (and a root) at least total weight;
:func:`prize_collecting_steiner` chooses which nodes to connect to a root: the largest
total prize within a budget, or the least weight reaching a total prize. Both return a
subgraph of ``G`` that is a tree, with what is known about its quality in ``T.graph``:
``method`` (the method that produced it), ``optimal``, ``gap`` (relative distance to the
best lower bound: 0 when proven optimal, NaN when no bound is known), ``lower_bound``,
``cost`` and ``time_s``.

Methods (:data:`ALGORITHMS`, :data:`PCST_ALGORITHMS`)
------------------------------------------------------
``"ilp"``
    Exact: the directed cut formulation (an arborescence from the root; every set of
    nodes holding a terminal but not the root has an arc coming in), solved by HiGHS
    (``highspy``) with the cuts generated as needed: rounds of the linear relaxation
    with max-flow separation, then branch and bound, re-checking the integer solution's
    connectivity. The graph is reduced first by exact tests only: non-terminal leaves are
    removed, chains of non-terminal degree-2 nodes contracted, and nodes and edges that
    cannot be in any tree cheaper than the heuristic's removed (the cost of reaching two
    distinct terminals from them already exceeds it). Reducing to the union of shortest
    paths between terminals, a common shortcut, is not exact (a star centre linking three
    terminals lies on none of their pairwise shortest paths) and is not used. Stops at
    `time_limit_s` with the best tree known and its gap.
``"heuristic"``
    Shortest-path heuristic (Takahashi-Matsuyama) from the root and from a few other
    terminals, each followed by re-spanning the tree's nodes with a minimum spanning
    tree, pruning non-terminal leaves, and local search to a fixed point: key-path
    exchange (replace a path between key nodes by a shorter one joining the two sides)
    and key-vertex elimination (drop a Steiner node of degree >= 3 and reconnect its
    pieces more cheaply). For the prize-collecting variants: greedy growth by prize per
    unit of connection cost, alternating with the same clean-up.
``"networkx"``
    ``networkx.algorithms.approximation.steiner_tree`` (Mehlhorn), for comparison.
``"auto"``
    The heuristic, then the ILP within a few seconds; the better tree (the ILP's when
    it proves optimality).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import math
import random
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import networkx as nx
import numpy as np
import numpy.typing as npt

from planner._highs import highspy_module, new_highs
from planner.graph import PlannerInputError, check_reachable

__all__ = [
    "ALGORITHMS",
    "PCST_ALGORITHMS",
    "InfeasibleTargetError",
    "prize_collecting_steiner",
    "steiner_tree",
    "tree_cost",
]

log = logging.getLogger(__name__)

_EPS: Final = 1e-9
_CUT_TOL: Final = 1e-6
_NESTED: Final = 25
"""At most this many nested cuts per terminal and separation round."""
_DEFAULT_TIME_S: Final = {"ilp": 60.0, "auto": 10.0, "heuristic": 30.0, "networkx": math.inf}
_AUTO_MAX_EDGES: Final = 60_000
"""Reduced instances larger than this are not tried exactly by ``method="auto"``."""
_MAX_STARTS: Final = 7
_DA_START_MAX_EDGES: Final = 50_000
"""The dual-ascent start of the heuristic is used on graphs up to this many edges."""
_INSERTION_MAX: Final = 400
"""Steiner-vertex insertion is tried on trees up to this many nodes."""
_DA_CUT_NODES: Final = 500_000
"""Dual ascent hands its raised sets to the ILP up to this many nodes in all."""
_LOCAL_SIDE: Final = 64
"""Local search starts from all of a tree side up to this size, else from its part near
the removed path."""


class InfeasibleTargetError(PlannerInputError):
    """The requested total prize cannot be reached at any cost."""


FloatArray = npt.NDArray[np.float64]
_Row = tuple[float, float, list[int], list[float]]
"""A constraint row: lower, upper, column indices, values."""

TAdj = dict[int, set[int]]
"""A tree as adjacency sets over the integer node indices of a :class:`_Net`."""


# ------------------------------------------------------------------------ integer network


class _Net:
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
        return sum(len(nb) for nb in self.adj) // 2

    def induced(self, nodes: set[int]) -> _Net:
        """Return the same network with only the edges between `nodes` (same indices)."""
        sub = _Net.__new__(_Net)
        sub.nodes, sub.index = self.nodes, self.index
        sub.adj = [
            {u: w for u, w in nb.items() if u in nodes} if v in nodes else {}
            for v, nb in enumerate(self.adj)
        ]
        return sub

    def cost(self, tadj: TAdj) -> float:
        adj = self.adj
        return sum(adj[u][v] for u, nbrs in tadj.items() for v in nbrs if u < v)


def _add_edge(tadj: TAdj, a: int, b: int) -> None:
    tadj.setdefault(a, set()).add(b)
    tadj.setdefault(b, set()).add(a)


def _remove_edge(tadj: TAdj, a: int, b: int) -> None:
    tadj[a].discard(b)
    tadj[b].discard(a)
    for x in (a, b):
        if not tadj[x]:
            del tadj[x]


def _prune(tadj: TAdj, keep: set[int]) -> None:
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


def _mst_respan(net: _Net, nodes: Iterable[int], keep: set[int]) -> TAdj:
    """Minimum spanning tree of the subgraph induced by `nodes`, pruned to `keep`."""
    node_set = set(nodes)
    edges = sorted(
        (w, u, v) for u in node_set for v, w in net.adj[u].items() if u < v and v in node_set
    )
    parent = {v: v for v in node_set}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    tadj: TAdj = {v: set() for v in node_set}
    for _, u, v in edges:
        ru, rv = find(u), find(v)
        if ru != rv:
            parent[ru] = rv
            _add_edge(tadj, u, v)
    _prune(tadj, keep)
    return {v: nb for v, nb in tadj.items() if nb or v in keep}


# ----------------------------------------------------------------- shortest-path heuristic


class _Grower:
    """A tree grown from a start node, with distances from the tree kept up to date.

    ``grow(nodes)`` adds nodes to the tree and decreases the distances of the nodes now
    closer to the tree (a Dijkstra from the new nodes only); ``path_to(t)`` is the
    shortest path from the tree to `t`.
    """

    def __init__(self, net: _Net, start: int, watch: set[int]) -> None:
        n = len(net.adj)
        self.net = net
        self.dist = [math.inf] * n
        self.pred = [-1] * n
        self.in_tree = bytearray(n)
        self.watch = watch
        self.heap: list[tuple[float, int]] = []  # (distance, watched node), lazily updated
        self.tadj: TAdj = {start: set()}
        self.grow([start])

    def grow(self, sources: Sequence[int]) -> None:
        dist, pred, in_tree, adj = self.dist, self.pred, self.in_tree, self.net.adj
        watch, theap = self.watch, self.heap
        heap: list[tuple[float, int]] = []
        for s in sources:
            in_tree[s] = 1
            dist[s] = 0.0
            pred[s] = -1
            heap.append((0.0, s))
        heapq.heapify(heap)
        pop, push = heapq.heappop, heapq.heappush
        while heap:
            d, u = pop(heap)
            if d > dist[u]:
                continue
            for v, w in adj[u].items():
                nd = d + w
                if nd < dist[v]:
                    dist[v] = nd
                    pred[v] = u
                    push(heap, (nd, v))
                    if v in watch:
                        push(theap, (nd, v))

    def path_to(self, t: int) -> list[int]:
        path = [t]
        v = t
        while not self.in_tree[v]:
            v = self.pred[v]
            path.append(v)
        return path

    def connect(self, t: int) -> list[int]:
        """Add the shortest path to `t`; return its nodes that were not in the tree."""
        path = self.path_to(t)
        for a, b in itertools.pairwise(path):
            _add_edge(self.tadj, a, b)
        new = [v for v in path if not self.in_tree[v]]
        self.grow(new)
        return new

    def nearest(self, remaining: set[int]) -> int | None:
        theap, dist = self.heap, self.dist
        while theap:
            d, t = heapq.heappop(theap)
            if t in remaining and d == dist[t]:
                return t
        return None


def _sph(net: _Net, terms: set[int], start: int) -> TAdj:
    """Shortest-path heuristic: join the nearest remaining terminal until none is left."""
    remaining = set(terms) - {start}
    grower = _Grower(net, start, remaining)
    while remaining:
        t = grower.nearest(remaining)
        if t is None:  # pragma: no cover - reachability is checked before
            msg = "internal error: a terminal is unreachable in the shortest-path heuristic"
            raise RuntimeError(msg)
        remaining.difference_update(grower.connect(t))
    return grower.tadj


def _voronoi(net: _Net, terms: Iterable[int]) -> tuple[list[float], list[int], list[int]]:
    """Return the distance to, nearest of and next node towards the terminals, per node."""
    adj = net.adj
    n = len(adj)
    dist = [math.inf] * n
    base = [-1] * n
    pred = [-1] * n
    heap = []
    for t in terms:
        dist[t] = 0.0
        base[t] = t
        heap.append((0.0, t))
    heapq.heapify(heap)
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        bu = base[u]
        for v, w in adj[u].items():
            nd = d + w
            if nd < dist[v]:
                dist[v] = nd
                base[v] = bu
                pred[v] = u
                heapq.heappush(heap, (nd, v))
    return dist, base, pred


def _voronoi_mst(net: _Net, terms: set[int]) -> TAdj:
    """Mehlhorn's construction: MST of the terminals' Voronoi neighbourhood, expanded.

    One multi-source Dijkstra assigns every node its nearest terminal; each edge between
    two regions links their terminals at ``d(u) + w + d(v)``; the minimum spanning tree
    of those links, expanded into paths, spans the terminals.
    """
    dist, base, pred = _voronoi(net, terms)
    best: dict[tuple[int, int], tuple[float, int, int]] = {}
    for u, nbrs in enumerate(net.adj):
        bu = base[u]
        if bu < 0:
            continue
        for v, w in nbrs.items():
            if base[v] > bu:
                key = (bu, base[v])
                c = dist[u] + w + dist[v]
                if c < best.get(key, (math.inf, 0, 0))[0]:
                    best[key] = (c, u, v)
    index = {t: i for i, t in enumerate(terms)}
    links = {(index[a], index[b]): (c, [u, v]) for (a, b), (c, u, v) in best.items()}
    tadj: TAdj = {t: set() for t in terms}
    for key in _kruskal(len(index), links) or []:
        u, v = links[key][1]
        _add_edge(tadj, u, v)
        for end in (u, v):
            x = end
            while pred[x] >= 0:
                _add_edge(tadj, x, pred[x])
                x = pred[x]
    return tadj


# ------------------------------------------------------------------------- local search


@dataclass
class _Rooted:
    parent: dict[int, int]
    order: list[int]
    tin: dict[int, int]
    size: dict[int, int]

    def inside(self, x: int, top: int) -> bool:
        """Whether `x` is in the subtree of `top`."""
        t = self.tin[top]
        return t <= self.tin[x] < t + self.size[top]


def _rooted(tadj: TAdj, root: int) -> _Rooted:
    parent = {root: -1}
    order: list[int] = []
    stack = [root]
    while stack:
        v = stack.pop()
        order.append(v)
        for c in tadj.get(v, ()):
            if c != parent[v]:
                parent[c] = v
                stack.append(c)
    size = dict.fromkeys(order, 1)
    for v in reversed(order):
        p = parent[v]
        if p != -1:
            size[p] += size[v]
    return _Rooted(parent, order, {v: i for i, v in enumerate(order)}, size)


def _key_paths(
    net: _Net, tadj: TAdj, keep: set[int], rt: _Rooted
) -> list[tuple[int, list[int], int, float]]:
    """Key paths as ``(lower key node, interior nodes, upper key node, cost)``."""
    adj = net.adj
    out = []
    for k in rt.order:
        if rt.parent[k] == -1 or not (k in keep or len(tadj[k]) >= 3):
            continue
        interior: list[int] = []
        cost = 0.0
        v = k
        while True:
            p = rt.parent[v]
            cost += adj[v][p]
            if p in keep or len(tadj[p]) >= 3 or rt.parent[p] == -1:
                break
            interior.append(p)
            v = p
        out.append((k, interior, p, cost))
    return out


def _ball(net: _Net, centre: Iterable[int], radius: float) -> list[int]:
    """Return the nodes closer than `radius` to `centre`."""
    adj = net.adj
    dist = dict.fromkeys(centre, 0.0)
    heap = [(0.0, s) for s in dist]
    heapq.heapify(heap)
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in adj[u].items():
            nd = d + w
            if nd < radius and nd < dist.get(v, math.inf):
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return list(dist)


def _bounded_search(
    net: _Net,
    sources: Iterable[int],
    is_target: Callable[[int], bool],
    bound: float,
    blocked: Callable[[int], bool] | None = None,
) -> tuple[float, list[int]] | None:
    """Dijkstra from `sources` to the first target closer than `bound` (its path)."""
    adj = net.adj
    dist: dict[int, float] = {}
    pred: dict[int, int] = {}
    heap: list[tuple[float, int]] = []
    for s in sources:
        dist[s] = 0.0
        heap.append((0.0, s))
    src = set(dist)
    heapq.heapify(heap)
    while heap:
        d, u = heapq.heappop(heap)
        if d >= bound:
            return None
        if d > dist[u]:
            continue
        if u not in src and is_target(u):
            path = [u]
            while path[-1] in pred:
                path.append(pred[path[-1]])
            return d, path
        if u not in src and blocked is not None and blocked(u):
            continue
        for v, w in adj[u].items():
            nd = d + w
            if nd < bound and nd < dist.get(v, math.inf):
                dist[v] = nd
                pred[v] = u
                heapq.heappush(heap, (nd, v))
    return None


class _Side:
    """Test for the tree nodes on one side of a key path (the target of a search)."""

    __slots__ = ("hi", "inner", "lo", "tin", "want_low")

    def __init__(
        self, tin: dict[int, int], lo: int, hi: int, inner: set[int], *, want_low: bool
    ) -> None:
        self.tin, self.lo, self.hi, self.inner, self.want_low = tin, lo, hi, inner, want_low

    def __call__(self, x: int) -> bool:
        t = self.tin.get(x)
        if t is None or x in self.inner:
            return False
        return (self.lo <= t < self.hi) == self.want_low


def _key_path_exchange(net: _Net, tadj: TAdj, keep: set[int], root: int, deadline: float) -> bool:
    """Replace key paths by shorter connections between the two sides; True if improved."""
    improved = False
    rt = _rooted(tadj, root)
    for k, interior, top, cost in _key_paths(net, tadj, keep, rt):
        if time.perf_counter() > deadline:
            break
        nodes = [k, *interior, top]
        if not all(b in tadj.get(a, ()) for a, b in itertools.pairwise(nodes)):
            continue  # changed by an earlier exchange in this pass
        if any(len(tadj[x]) != 2 or x in keep for x in interior):
            continue
        # The chain is vertical in the rooted tree: its lower end roots one side.
        lower = top if rt.inside(top, k) else k
        inner = set(interior)
        lo = rt.tin[lower]
        hi = lo + rt.size[lower]
        from_low = hi - lo <= len(rt.order) - (hi - lo) - len(inner)
        side = _Side(rt.tin, lo, hi, inner, want_low=not from_low)
        if min(hi - lo, len(rt.order) - (hi - lo)) > _LOCAL_SIDE:
            # A large side: start from its part near the removed path (replacements are
            # local; the search is then bounded by the path's cost around it).
            near = _ball(net, nodes, cost)
            mine = _Side(rt.tin, lo, hi, inner, want_low=from_low)
            sources: list[int] = [x for x in near if mine(x)]
        elif from_low:
            sources = rt.order[lo:hi]
        else:
            sources = [x for x in rt.order[:lo] + rt.order[hi:] if x not in inner]
        found = _bounded_search(net, sources, side, cost - _EPS * max(cost, 1.0))
        if found is None:
            continue
        for a, b in itertools.pairwise(nodes):
            _remove_edge(tadj, a, b)
        path = found[1]
        for a, b in itertools.pairwise(path):
            _add_edge(tadj, a, b)
        improved = True
        rt = _rooted(tadj, root)
    return improved


class _PieceOf:
    """Which piece a tree node falls in once a key vertex and its key paths are removed.

    Pieces are numbered like the branches of the vertex; -1 for removed or non-tree nodes.
    """

    __slots__ = ("downs", "removed", "rt", "up", "v")

    def __init__(self, rt: _Rooted, v: int, ends: list[int], up: int, removed: set[int]) -> None:
        self.rt, self.v, self.up, self.removed = rt, v, up, removed
        self.downs = [(i, e) for i, e in enumerate(ends) if i != up]

    def __call__(self, x: int) -> int:
        rt = self.rt
        if x not in rt.tin or x in self.removed:
            return -1
        if not rt.inside(x, self.v):
            return self.up
        for i, e in self.downs:
            if rt.inside(x, e):
                return i
        return -1  # pragma: no cover - every node below v is in a piece or removed


def _key_vertex_elimination(  # noqa: C901, PLR0912, PLR0915 - one move, kept whole
    net: _Net, tadj: TAdj, keep: set[int], root: int, deadline: float
) -> bool:
    """Drop Steiner nodes of degree >= 3 when their pieces reconnect cheaper."""
    improved = False
    rt = _rooted(tadj, root)
    adj = net.adj
    for v in [x for x in rt.order if len(tadj[x]) >= 3 and x not in keep]:
        if time.perf_counter() > deadline:
            break
        if v not in tadj or len(tadj[v]) < 3:
            continue
        branches = [_walk_branch(net, tadj, keep, v, first) for first in tadj[v]]
        removed_cost = sum(b[2] for b in branches)
        removed = {v} | {x for b in branches for x in b[0]}
        up = next(i for i, b in enumerate(branches) if b[3] == rt.parent[v])
        ends = [b[1] for b in branches]
        piece_of = _PieceOf(rt, v, ends, up, removed)
        sizes = [
            rt.size[e] if i != up else len(rt.order) - rt.size[v] - len(branches[up][0])
            for i, e in enumerate(ends)
        ]
        biggest = int(np.argmax(sizes))
        links: dict[tuple[int, int], tuple[float, list[int]]] = {}
        near: list[int] | None = None
        for i, e in enumerate(ends):
            if i == biggest:
                continue
            if sizes[i] > _LOCAL_SIDE:
                near = near if near is not None else _ball(net, removed, removed_cost)
                sources = [x for x in near if piece_of(x) == i]
            elif i == up:
                lo, hi = rt.tin[v], rt.tin[v] + rt.size[v]
                inner = set(branches[up][0])
                sources = [x for x in rt.order[:lo] + rt.order[hi:] if x not in inner]
            else:
                sources = rt.order[rt.tin[e] : rt.tin[e] + rt.size[e]]
            _links_from(net, i, sources, piece_of, removed_cost, links, len(ends))
        chosen = _kruskal(len(ends), links)
        if chosen is None:
            continue
        total = sum(links[key][0] for key in chosen)
        if total >= removed_cost - _EPS * max(removed_cost, 1.0):
            continue
        backup = {x: set(nb) for x, nb in tadj.items()}
        before = net.cost(tadj)
        for x in removed:
            for y in list(tadj.get(x, ())):
                _remove_edge(tadj, x, y)
        for key in chosen:
            path = links[key][1]
            for a, b in itertools.pairwise(path):
                _add_edge(tadj, a, b)
        n_edges = sum(len(nb) for nb in tadj.values()) // 2
        if n_edges != len(tadj) - 1:  # two links crossed: re-span their union
            fresh = _mst_respan(net, tadj.keys(), keep)
            tadj.clear()
            tadj.update(fresh)
        if net.cost(tadj) < before - _EPS * max(before, 1.0) and _spans(tadj, keep, root):
            improved = True
            rt = _rooted(tadj, root)
        else:
            tadj.clear()
            tadj.update(backup)
    del adj
    return improved


def _walk_branch(
    net: _Net, tadj: TAdj, keep: set[int], v: int, first: int
) -> tuple[list[int], int, float, int]:
    """Follow a branch of `v` to the next key node: (interior, end, cost, first node)."""
    adj = net.adj
    prev, cur, cost, inner = v, first, adj[v][first], []
    while cur not in keep and len(tadj[cur]) == 2:
        inner.append(cur)
        nxt = next(x for x in tadj[cur] if x != prev)
        cost += adj[cur][nxt]
        prev, cur = cur, nxt
    return inner, cur, cost, first


def _kruskal(
    n: int, links: Mapping[tuple[int, int], tuple[float, list[int]]]
) -> list[tuple[int, int]] | None:
    """Minimum spanning tree over `n` pieces with the given links (None if not spanning)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    chosen = []
    for key in sorted(links, key=lambda k: links[k][0]):
        a, b = find(key[0]), find(key[1])
        if a != b:
            parent[a] = b
            chosen.append(key)
    return chosen if len(chosen) == n - 1 else None


def _links_from(  # noqa: PLR0913 - the search's state, passed explicitly in the hot loop
    net: _Net,
    i: int,
    sources: Iterable[int],
    piece_of: Callable[[int], int],
    bound: float,
    links: dict[tuple[int, int], tuple[float, list[int]]],
    n_pieces: int,
) -> None:
    """Bounded Dijkstra from piece `i` recording the shortest link to every other piece."""
    adj = net.adj
    dist = dict.fromkeys(sources, 0.0)
    pred: dict[int, int] = {}
    heap = [(0.0, s) for s in dist]
    heapq.heapify(heap)
    seen: set[int] = set()
    while heap:
        d, u = heapq.heappop(heap)
        if d >= bound or len(seen) == n_pieces - 1:
            break
        if d > dist[u]:
            continue
        lab = piece_of(u) if d > 0 else i
        if lab not in (-1, i):
            if lab not in seen:
                seen.add(lab)
                key = (min(i, lab), max(i, lab))
                if d < links.get(key, (math.inf, []))[0]:
                    path = [u]
                    while path[-1] in pred:
                        path.append(pred[path[-1]])
                    links[key] = (d, path)
            continue
        for v, w in adj[u].items():
            nd = d + w
            if nd < bound and nd < dist.get(v, math.inf):
                dist[v] = nd
                pred[v] = u
                heapq.heappush(heap, (nd, v))


def _spans(tadj: TAdj, keep: set[int], root: int) -> bool:
    if root not in tadj:
        return keep <= {root}
    seen = {root}
    stack = [root]
    while stack:
        x = stack.pop()
        for y in tadj[x]:
            if y not in seen:
                seen.add(y)
                stack.append(y)
    return keep <= seen and len(seen) == len(tadj)


def _vertex_insertion(net: _Net, tadj: TAdj, keep: set[int], deadline: float) -> bool:
    """Add a Steiner node next to several tree nodes when re-spanning then costs less.

    For each node outside the tree with at least two tree neighbours, the minimum
    spanning tree of the tree's edges plus the node's edges to the tree is computed
    (Kruskal over the presorted tree edges) and pruned; it replaces the tree if cheaper.
    Quadratic in the tree's size: run on trees up to :data:`_INSERTION_MAX` nodes.
    """
    if len(tadj) > _INSERTION_MAX:
        return False
    adj = net.adj
    improved = False
    candidates = sorted({v for u in tadj for v in adj[u] if v not in tadj})
    for v in candidates:
        if time.perf_counter() > deadline:
            break
        links = [(w, v, u) for u, w in adj[v].items() if u in tadj]
        if len(links) < 2:
            continue
        edges = sorted([(adj[a][b], a, b) for a, nb in tadj.items() for b in nb if a < b] + links)
        parent = {x: x for x in tadj}
        parent[v] = v

        def find(x: int, parent: dict[int, int] = parent) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        new: TAdj = {x: set() for x in parent}
        for _, a, b in edges:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
                _add_edge(new, a, b)
        _prune(new, keep)
        new = {x: nb for x, nb in new.items() if nb or x in keep}
        before = net.cost(tadj)
        if net.cost(new) < before - _EPS * max(before, 1.0):
            tadj.clear()
            tadj.update(new)
            improved = True
    return improved


def _local_search(net: _Net, tadj: TAdj, keep: set[int], root: int, deadline: float) -> None:
    while time.perf_counter() < deadline:
        a = _key_path_exchange(net, tadj, keep, root, deadline)
        b = _key_vertex_elimination(net, tadj, keep, root, deadline)
        c = _vertex_insertion(net, tadj, keep, deadline)
        if not (a or b or c):
            break
        fresh = _mst_respan(net, tadj.keys(), keep)
        if net.cost(fresh) < net.cost(tadj):
            tadj.clear()
            tadj.update(fresh)


def _dual_ascent_tree(net: _Net, keep: set[int], root: int) -> TAdj | None:
    """Shortest-path heuristic inside the region dual ascent saturates from the root.

    Dual ascent leaves a path of zero reduced cost from the root to every terminal; the
    nodes it reaches are where good trees lie (Polzin & Vahdati's dual-ascent heuristic).
    """
    comp = _component(net, root)
    red = _Reduced({v: {u: w for u, w in net.adj[v].items() if u in comp} for v in comp})
    da = _dual_ascent(red, root, keep - {root})
    saturated: dict[int, list[int]] = {}
    for (a, b), c in da.rc.items():
        if c <= 0.0:
            saturated.setdefault(a, []).append(b)
    reach = {root}
    stack = [root]
    while stack:
        x = stack.pop()
        for y in saturated.get(x, ()):
            if y not in reach:
                reach.add(y)
                stack.append(y)
    if not keep <= reach:  # pragma: no cover - dual ascent joins every terminal to the root
        return None
    return _sph(net.induced(reach), keep, root)


def _heuristic_tadj(net: _Net, terms: set[int], root: int, deadline: float) -> TAdj:
    """Best tree over a few constructions, each cleaned up and locally improved.

    The constructions are the shortest-path heuristic from the root, Mehlhorn's
    Voronoi MST, the shortest-path heuristic inside the region saturated by dual ascent
    (on graphs up to :data:`_DA_START_MAX_EDGES` edges), then the shortest-path
    heuristic from other terminals (seeded choice); a new one starts only while the time
    of the last one still fits before `deadline`.
    """
    keep = set(terms) | {root}
    if len(keep) == 1:
        return {root: set()}
    others = sorted(keep - {root})
    rng = random.Random(0)  # noqa: S311 - reproducible choice of starts, not cryptography
    builders: list[tuple[str, Callable[[], TAdj | None]]] = [
        ("the root", lambda: _sph(net, keep, root)),
        ("Voronoi MST", lambda: _voronoi_mst(net, keep)),
    ]
    if net.n_edges() <= _DA_START_MAX_EDGES:
        builders.append(("dual ascent", lambda: _dual_ascent_tree(net, keep, root)))
    builders.extend(
        (f"terminal {net.nodes[t]!r}", functools.partial(_sph, net, keep, t))
        for t in rng.sample(others, min(len(others), _MAX_STARTS - len(builders)))
    )
    best: TAdj | None = None
    best_cost = math.inf
    for label, build in builders:
        t0 = time.perf_counter()
        built = build()
        if built is None:  # pragma: no cover
            continue
        tadj = _mst_respan(net, built.keys(), keep)
        _local_search(net, tadj, keep, root, deadline)
        cost = net.cost(tadj)
        log.debug("heuristic from %s: cost %.6g", label, cost)
        if cost < best_cost - _EPS * max(cost, 1.0):
            best, best_cost = tadj, cost
        took = time.perf_counter() - t0
        if time.perf_counter() + took > deadline:
            break
    if best is None:  # pragma: no cover - at least one start always runs
        msg = "internal error: no heuristic start ran"
        raise RuntimeError(msg)
    return best


@dataclass
class _Reduced:
    """A reduced instance: contracted edges remember the original edges they stand for."""

    adj: dict[int, dict[int, float]]
    orig: dict[tuple[int, int], tuple[tuple[int, int], ...]] = field(default_factory=dict)
    banned: set[tuple[int, int]] = field(default_factory=set)
    """Arcs (directed) that no optimal arborescence from the root uses."""

    def n_edges(self) -> int:
        return sum(len(nb) for nb in self.adj.values()) // 2

    def edge_orig(self, a: int, b: int) -> tuple[tuple[int, int], ...]:
        return self.orig.get((min(a, b), max(a, b)), ((a, b),))

    def remove_node(self, v: int) -> None:
        for u in self.adj.pop(v):
            del self.adj[u][v]
            self.orig.pop((min(u, v), max(u, v)), None)
            self.banned.difference_update({(u, v), (v, u)})

    def remove_edge(self, a: int, b: int) -> None:
        del self.adj[a][b]
        del self.adj[b][a]
        self.orig.pop((min(a, b), max(a, b)), None)
        self.banned.difference_update({(a, b), (b, a)})


def _component(net: _Net, root: int) -> set[int]:
    seen = {root}
    stack = [root]
    while stack:
        x = stack.pop()
        for y in net.adj[x]:
            if y not in seen:
                seen.add(y)
                stack.append(y)
    return seen


def _reduce(
    net: _Net,
    keep: set[int],
    root: int,
    bound_test: Callable[[_Reduced], int] | None = None,
) -> _Reduced:
    comp = _component(net, root)
    red = _Reduced({v: {u: w for u, w in net.adj[v].items() if u in comp} for v in comp})
    for _ in range(10):
        changed = _degree_tests(red, keep)
        if bound_test is not None:
            changed += bound_test(red)
        if not changed:
            break
    return red


def _degree_tests(red: _Reduced, keep: set[int]) -> int:
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


def _two_nearest(red: _Reduced, terms: set[int]) -> dict[int, list[tuple[float, int]]]:
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


def _steiner_bound_test(terms: set[int], upper: float) -> Callable[[_Reduced], int]:
    """Exact elimination: drop what cannot be in a tree cheaper than `upper`.

    In a tree without non-terminal leaves, a non-terminal node has two branches, each
    reaching a different terminal, and an edge separates two terminals; so the sum of
    the distances to two distinct terminals (plus the edge) bounds the tree's cost.
    """
    tol = 1e-9 * max(upper, 1.0)

    def test(red: _Reduced) -> int:
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


def _root_distance_test(root: int, bound: float) -> Callable[[_Reduced], int]:
    """Drop what lies farther than `bound` from the root (prize-collecting variants)."""
    tol = 1e-9 * max(bound, 1.0)

    def test(red: _Reduced) -> int:
        dist = _dijkstra(red.adj, root)
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


def _dijkstra(
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


# ------------------------------------------------------------------------- dual ascent


@dataclass
class _DualAscent:
    """Wong's dual ascent on the directed cut formulation.

    ``lower`` is a lower bound on the cost of any tree; ``rc`` the reduced cost of every
    arc; ``cuts`` the sets raised, ``(terminal, nodes)``: valid cuts that give the ILP's
    relaxation at least ``lower`` from its first round.
    """

    lower: float
    rc: dict[tuple[int, int], float]
    cuts: list[tuple[int, frozenset[int]]]


def _dual_ascent(red: _Reduced, root: int, terms: set[int]) -> _DualAscent:  # noqa: C901, PLR0915
    """Raise the dual of the cut around each terminal until the root joins it.

    Each terminal's set ``W`` holds the nodes that reach it through saturated arcs (zero
    reduced cost); the set with the fewest arcs coming in is raised by the least reduced
    cost among them, which saturates at least one more arc. Wong (1984).
    """
    adj = red.adj
    rc = {
        (a, b): w for a in adj for b, w in adj[a].items() if b != root and (a, b) not in red.banned
    }
    tol = 1e-12 * max(max(rc.values(), default=1.0), 1.0)
    sets: dict[int, set[int]] = {}
    cuts: dict[int, set[tuple[int, int]]] = {}
    done: set[int] = set()

    def absorb(t: int, x: int) -> None:
        W, cut = sets[t], cuts[t]
        W.add(x)
        stack = [x]
        while stack:
            y = stack.pop()
            if y == root:
                done.add(t)
            for z in adj[y]:
                cut.discard((y, z))
                arc = (z, y)
                if z in W or arc not in rc:
                    continue
                if rc[arc] <= tol:
                    W.add(z)
                    stack.append(z)
                else:
                    cut.add(arc)

    for t in terms:
        sets[t], cuts[t] = set(), set()
        absorb(t, t)
    lower = 0.0
    raised: list[tuple[int, frozenset[int]]] = []
    kept = 0
    heap = [(len(cuts[t]), t) for t in terms if t not in done]
    heapq.heapify(heap)
    while heap:
        size, t = heapq.heappop(heap)
        if t in done:
            continue
        cut = cuts[t]
        if size != len(cut):
            heapq.heappush(heap, (len(cut), t))
            continue
        if not cut:  # pragma: no cover - every terminal is reachable from the root
            done.add(t)
            continue
        delta = min(rc[a] for a in cut)
        if delta > tol and kept < _DA_CUT_NODES:
            raised.append((t, frozenset(sets[t])))
            kept += len(sets[t])
        lower += delta
        saturated = []
        for a in cut:
            rc[a] -= delta
            if rc[a] <= tol:
                rc[a] = 0.0
                saturated.append(a)
        for u, _ in saturated:
            if u not in sets[t]:
                absorb(t, u)
        if t not in done:
            heapq.heappush(heap, (len(cuts[t]), t))
    return _DualAscent(lower, rc, raised)


def _reduced_cost_test(  # noqa: C901 - the node test and the arc test
    red: _Reduced, root: int, terms: set[int], da: _DualAscent, upper: float
) -> int:
    """Drop the nodes and arcs that any tree using them would cost more than `upper`.

    Any tree costs at least ``lower`` plus the reduced costs of its arcs, and a tree
    using arc (u, v) holds a path root -> u and a path v -> terminal besides it.
    """
    rc = da.rc
    tol = 1e-9 * max(upper, 1.0)
    slack = upper + tol - da.lower
    if slack < 0:
        return 0
    fwd: dict[int, dict[int, float]] = {v: {} for v in red.adj}
    bwd: dict[int, dict[int, float]] = {v: {} for v in red.adj}
    for (a, b), c in rc.items():
        if a in fwd and b in fwd:
            fwd[a][b] = c
            bwd[b][a] = c
    from_root = _dijkstra(fwd, root, bound=slack)
    to_term = _dijkstra(bwd, terms, bound=slack)
    changes = 0
    for v in list(red.adj):
        if v in terms or v == root:
            continue
        if from_root.get(v, math.inf) + to_term.get(v, math.inf) > slack:
            red.remove_node(v)
            changes += 1
    for (a, b), c in rc.items():
        if (a, b) in red.banned or a not in red.adj or b not in red.adj.get(a, {}):
            continue
        if from_root.get(a, math.inf) + c + to_term.get(b, math.inf) > slack:
            red.banned.add((a, b))
            changes += 1
            if (b, a) in red.banned or b == root:
                red.remove_edge(a, b)
    return changes


# ------------------------------------------------------------------------------- the ILP


@dataclass
class _IlpResult:
    tadj: TAdj | None
    optimal: bool
    lower_bound: float  # in original units (for max-prize problems: an upper bound on prize)
    status: str


def _max_flow_back_cut(  # noqa: C901, PLR0912 - Edmonds-Karp, kept whole
    cap: dict[int, dict[int, float]], s: int, t: int, demand: float
) -> tuple[float, set[int]]:
    """Max-flow from `s` to `t` (stopping at `demand`) and the minimum cut nearest `t`.

    Edmonds-Karp on the small support graph. Returns the flow and the set of nodes that
    can still reach `t` in the residual graph (`t` included; `s` excluded unless the
    flow reached the demand).
    """
    res: dict[int, dict[int, float]] = {}
    for u, nbrs in cap.items():
        ru = res.setdefault(u, {})
        for v, c in nbrs.items():
            ru[v] = ru.get(v, 0.0) + c
            res.setdefault(v, {}).setdefault(u, 0.0)
    res.setdefault(s, {})
    res.setdefault(t, {})
    flow = 0.0
    while flow < demand - _CUT_TOL:
        parent = {s: s}
        queue = [s]
        for u in queue:
            if t in parent:
                break
            for v, c in res[u].items():
                if c > _CUT_TOL and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if t not in parent:
            break
        path = [t]
        while path[-1] != s:
            path.append(parent[path[-1]])
        aug = min(res[parent[v]][v] for v in path[:-1])
        aug = min(aug, demand - flow)
        for v in path[:-1]:
            u = parent[v]
            res[u][v] -= aug
            res[v][u] += aug
        flow += aug
    S = {t}
    stack = [t]
    while stack:
        v = stack.pop()
        for u in res[v]:
            if u not in S and res[u][v] > _CUT_TOL:
                S.add(u)
                stack.append(u)
    return flow, S


class _Dcut:
    """Directed cut model of a (prize-collecting) Steiner arborescence, with HiGHS."""

    def __init__(  # noqa: PLR0913 - the instance and its variant, keyword-only
        self,
        red: _Reduced,
        root: int,
        terms: set[int],
        *,
        prizes: Mapping[int, float] | None = None,
        budget: float | None = None,
        min_prize: float | None = None,
    ) -> None:
        hs = highspy_module()
        if hs is None:  # pragma: no cover
            msg = (
                "highspy must be installed for the exact (ILP) methods: "
                "pip install highspy, or use method='heuristic'"
            )
            raise ImportError(msg)
        self.red, self.root = red, root
        self.prizes = dict(prizes or {})
        self.pcst = prizes is not None
        weights = [w for v in red.adj for w in red.adj[v].values()]
        self.scale = max([w for w in weights if w > 0], default=1.0)
        self.arcs: list[tuple[int, int]] = [
            (a, b) for a in red.adj for b in red.adj[a] if b != root and (a, b) not in red.banned
        ]
        self.arc_id = {a: i for i, a in enumerate(self.arcs)}
        self.inn: dict[int, list[int]] = {v: [] for v in red.adj}
        self.out: dict[int, list[int]] = {v: [] for v in red.adj}
        for i, (a, b) in enumerate(self.arcs):
            self.out[a].append(i)
            self.inn[b].append(i)
        n_arc = len(self.arcs)
        self.ycol: dict[int, int] = {}
        if self.pcst:
            for v in sorted(self.prizes):
                if v != root and v in red.adj:
                    self.ycol[v] = n_arc + len(self.ycol)
            self.terms = set(self.ycol)
        else:
            self.terms = {t for t in terms if t != root}
        self.n_col = n_arc + len(self.ycol)
        w = np.array([red.adj[a][b] / self.scale for a, b in self.arcs], dtype=np.float64)
        self.w = w
        cost = np.zeros(self.n_col)
        if self.pcst and budget is not None:
            prize_arr = np.array([self.prizes[v] for v in self.ycol], dtype=np.float64)
            tie = 1e-3 / max(float(w.sum()), 1e-12)
            if not np.all(prize_arr == np.round(prize_arr)):
                tie *= max(float(prize_arr[prize_arr > 0].min(initial=1.0)), 1e-6) * 1e-3
            cost[:n_arc] = w * tie
            cost[n_arc:] = -prize_arr
            self.tie = tie
        else:
            cost[:n_arc] = w
            self.tie = 1.0
        h = new_highs()
        h.setOptionValue("output_flag", False)  # noqa: FBT003 - HiGHS's option API
        h.setOptionValue("mip_rel_gap", 1e-7)
        h.setOptionValue("random_seed", 0)
        h.addCols(
            self.n_col,
            cost,
            np.zeros(self.n_col),
            np.ones(self.n_col),
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.float64),
        )
        self.h = h
        self.cuts_seen: set[tuple[int, frozenset[int]]] = set()
        self._initial_rows(budget, min_prize)

    # rows -----------------------------------------------------------------------------

    def _add_rows(self, rows: list[tuple[float, float, list[int], list[float]]]) -> None:
        if not rows:
            return
        lower = np.array([r[0] for r in rows], dtype=np.float64)
        upper = np.array([r[1] for r in rows], dtype=np.float64)
        starts = np.cumsum([0] + [len(r[2]) for r in rows[:-1]]).astype(np.int32)
        idx = np.array([i for r in rows for i in r[2]], dtype=np.int32)
        val = np.array([x for r in rows for x in r[3]], dtype=np.float64)
        self.h.addRows(len(rows), lower, upper, len(idx), starts, idx, val)

    def _initial_rows(self, budget: float | None, min_prize: float | None) -> None:
        inf = highspy_module().kHighsInf
        rows: list[_Row] = []
        for v in self.red.adj:
            if v == self.root:
                continue
            inn = self.inn[v]
            if v in self.ycol:
                rows.append((0.0, 0.0, [*inn, self.ycol[v]], [1.0] * len(inn) + [-1.0]))
            elif v in self.terms:
                rows.append((1.0, 1.0, inn, [1.0] * len(inn)))
            else:
                rows.append((-inf, 1.0, inn, [1.0] * len(inn)))
                # A Steiner node entered must be left (no Steiner leaves).
                out = self.out[v]
                rows.append((-inf, 0.0, inn + out, [1.0] * len(inn) + [-1.0] * len(out)))
            # leaving v requires entering v
            rows.extend((-inf, 0.0, [a, *inn], [1.0] + [-1.0] * len(inn)) for a in self.out[v])
        for i, (a, b) in enumerate(self.arcs):
            j = self.arc_id.get((b, a))
            if j is not None and i < j:
                rows.append((-inf, 1.0, [i, j], [1.0, 1.0]))
        if budget is not None:
            rows.append((-inf, budget / self.scale, list(range(len(self.arcs))), list(self.w)))
        if min_prize is not None:
            cols = list(self.ycol.values())
            rows.append((min_prize, inf, cols, [self.prizes[v] for v in self.ycol]))
        self._add_rows(rows)

    # separation -----------------------------------------------------------------------

    def _demand(self, x: FloatArray, t: int) -> float:
        return float(x[self.ycol[t]]) if self.pcst else 1.0

    def _cut_row(self, t: int, S: set[int], arcs_in: list[int] | None = None) -> _Row | None:
        key = (t if self.pcst else -1, frozenset(S))
        if key in self.cuts_seen:
            return None
        self.cuts_seen.add(key)
        if arcs_in is None:
            arcs_in = [a for v in S for a in self.inn[v] if self.arcs[a][0] not in S]
        idx = list(arcs_in)
        val = [1.0] * len(idx)
        if self.pcst:
            return (0.0, highspy_module().kHighsInf, [*idx, self.ycol[t]], [*val, -1.0])
        return (1.0, highspy_module().kHighsInf, idx, val)

    def add_cuts(self, cuts: Iterable[tuple[int, frozenset[int]]]) -> None:
        """Add known cuts ``(terminal, node set)``, e.g. those raised by dual ascent."""
        rows = []
        for t, S in cuts:
            inside = {v for v in S if v in self.inn}
            if t in self.terms and self.root not in inside:
                row = self._cut_row(t, inside)
                if row is not None:
                    rows.append(row)
        self._add_rows(rows)

    def separate_fractional(self, x: FloatArray) -> list[_Row]:
        """Nested back-cuts violated by the fractional solution `x`.

        For each terminal, a max-flow from the root in the support graph (capacities
        ``x``) finds the minimum cut nearest the terminal; its arcs are then raised to
        capacity 1 and the next cut is sought, up to :data:`_NESTED` cuts a terminal.
        """
        n_arc = len(self.arcs)
        cap: dict[int, dict[int, float]] = {}
        for i in np.flatnonzero(x[:n_arc] > _CUT_TOL):
            a, b = self.arcs[i]
            cap.setdefault(a, {})[b] = float(x[i])
        rows: list[_Row] = []
        for t in sorted(self.terms):
            demand = self._demand(x, t)
            if demand <= _CUT_TOL:
                continue
            caps = {u: dict(nb) for u, nb in cap.items()}
            for _ in range(_NESTED):
                flow, S = _max_flow_back_cut(caps, self.root, t, demand)
                if flow >= demand - _CUT_TOL or self.root in S:
                    break
                arcs_in = [a for v in S for a in self.inn[v] if self.arcs[a][0] not in S]
                if float(x[arcs_in].sum()) < demand - _CUT_TOL:
                    row = self._cut_row(t, S, arcs_in)
                    if row is not None:
                        rows.append(row)
                for a in arcs_in:
                    u, v = self.arcs[a]
                    caps.setdefault(u, {})[v] = 1.0
        return rows

    def separate_integral(self, x: FloatArray) -> list[tuple[float, float, list[int], list[float]]]:
        D = nx.DiGraph()
        D.add_node(self.root)
        for i in np.flatnonzero(x[: len(self.arcs)] > 0.5):
            D.add_edge(*self.arcs[i])
        reach = nx.descendants(D, self.root) | {self.root}
        rows = []
        for t in sorted(self.terms):
            if self._demand(x, t) > 0.5 and t not in reach:
                S = ({t} | nx.ancestors(D, t)) if t in D else {t}
                row = self._cut_row(t, S - reach)
                if row is not None:
                    rows.append(row)
        return rows

    # solving --------------------------------------------------------------------------

    def start_vector(self, tadj: TAdj) -> FloatArray | None:
        """Return the MIP start of a known tree (None when it does not fit the model)."""
        arcs = _to_reduced_arcs(self.red, tadj, self.root)
        if arcs is None:
            return None
        x = np.zeros(self.n_col)
        for a in arcs:
            i = self.arc_id.get(a)
            if i is None:
                return None
            x[i] = 1.0
        for v, col in self.ycol.items():
            x[col] = 1.0 if (v in tadj) else 0.0
        return x

    def solve(  # noqa: C901, PLR0911 - LP rounds, then branch and bound with checks
        self, deadline: float, start: FloatArray | None
    ) -> tuple[FloatArray | None, bool, float, str]:
        h = self.h
        lp_bound = -math.inf
        # Rounds of the linear relaxation.
        for _ in range(500):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None, False, lp_bound, "time limit (LP)"
            h.setOptionValue("time_limit", h.getRunTime() + remaining)  # HiGHS: cumulative
            h.run()
            if h.getModelStatus() != highspy_module().HighsModelStatus.kOptimal:
                text = h.modelStatusToString(h.getModelStatus())
                return None, False, lp_bound, f"LP {text}"
            x = np.asarray(h.getSolution().col_value)
            lp_bound = float(h.getInfo().objective_function_value)
            rows = self.separate_fractional(x)
            if not rows:
                break
            self._add_rows(rows)
        integral = np.all(np.abs(x - np.round(x)) < 1e-7)
        if integral and not self.separate_integral(x):
            return np.round(x), True, lp_bound, "optimal (LP integral)"
        # Branch and bound, checking connectivity of each integer solution.
        h.changeColsIntegrality(
            self.n_col, np.arange(self.n_col, dtype=np.int32), np.ones(self.n_col, dtype=np.uint8)
        )
        bound = lp_bound
        best: FloatArray | None = None
        for _ in range(200):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return best, False, bound, "time limit (MIP)"
            h.setOptionValue("time_limit", h.getRunTime() + remaining)  # HiGHS: cumulative
            if start is not None:
                h.setSolution(self.n_col, np.arange(self.n_col, dtype=np.int32), start)
            h.run()
            status = h.getModelStatus()
            info = h.getInfo()
            if math.isfinite(info.mip_dual_bound):
                bound = max(bound, float(info.mip_dual_bound))
            if info.primal_solution_status != 2:  # no feasible solution
                return best, False, bound, h.modelStatusToString(status)
            x = np.round(np.asarray(h.getSolution().col_value))
            rows = self.separate_integral(x)
            if rows:
                self._add_rows(rows)
                continue
            best = x
            done = status == highspy_module().HighsModelStatus.kOptimal
            return best, done, bound, h.modelStatusToString(status)
        return best, False, bound, "too many rounds"  # pragma: no cover


def _ilp(  # noqa: PLR0913 - the reduced problem, its incumbent and its variant
    red: _Reduced,
    root: int,
    terms: set[int],
    deadline: float,
    incumbent: TAdj | None,
    *,
    prizes: Mapping[int, float] | None = None,
    budget: float | None = None,
    min_prize: float | None = None,
    cuts: Sequence[tuple[int, frozenset[int]]] = (),
) -> _IlpResult:
    model = _Dcut(red, root, terms, prizes=prizes, budget=budget, min_prize=min_prize)
    model.add_cuts(cuts)
    start = None
    if incumbent is not None:
        start = model.start_vector(incumbent)
    x, optimal, bound, status = model.solve(deadline, start)
    # For a budget the objective is minus the prize: its bound caps the prize.
    lower = -bound if model.pcst and budget is not None else bound * model.scale
    if x is None:
        return _IlpResult(None, optimal=False, lower_bound=lower, status=status)
    tadj: TAdj = {root: set()}
    for i in np.flatnonzero(x[: len(model.arcs)] > 0.5):
        a, b = model.arcs[i]
        for u, v in red.edge_orig(a, b):
            _add_edge(tadj, u, v)
    keep = set(model.terms) if not model.pcst else {v for v in model.ycol if x[model.ycol[v]] > 0.5}
    keep.add(root)
    _keep_root_side(tadj, root)
    _prune(tadj, keep)
    tadj.setdefault(root, set())
    return _IlpResult(tadj, optimal=optimal, lower_bound=lower, status=status)


def _keep_root_side(tadj: TAdj, root: int) -> None:
    seen = {root}
    stack = [root]
    while stack:
        x = stack.pop()
        for y in tadj.get(x, ()):
            if y not in seen:
                seen.add(y)
                stack.append(y)
    for v in [v for v in tadj if v not in seen]:
        del tadj[v]


def _to_reduced_arcs(red: _Reduced, tadj: TAdj, root: int) -> list[tuple[int, int]] | None:
    """Map a tree on the original graph to arcs of the reduced graph, oriented from root."""
    chosen: dict[int, set[int]] = {}
    covered = 0
    for a, nbrs in red.adj.items():
        for b in nbrs:
            if a < b:
                path = red.edge_orig(a, b)
                if all(v in tadj.get(u, ()) for u, v in path):
                    chosen.setdefault(a, set()).add(b)
                    chosen.setdefault(b, set()).add(a)
                    covered += len(path)
    n_tree = sum(len(nb) for nb in tadj.values()) // 2
    if covered != n_tree:
        return None
    arcs = []
    seen = {root}
    stack = [root]
    while stack:
        x = stack.pop()
        for y in chosen.get(x, ()):
            if y not in seen:
                seen.add(y)
                arcs.append((x, y))
                stack.append(y)
    return arcs


# ----------------------------------------------------------------------- the algorithms


@dataclass
class _Outcome:
    tadj: TAdj
    method: str
    optimal: bool
    lower_bound: float


def _heuristic_steiner(net: _Net, terms: set[int], root: int, deadline: float) -> _Outcome:
    tadj = _heuristic_tadj(net, terms, root, deadline)
    return _Outcome(tadj, "heuristic", optimal=len(terms | {root}) <= 2, lower_bound=math.nan)


def _exact_steiner(
    net: _Net, terms: set[int], root: int, deadline: float, *, auto: bool
) -> _Outcome:
    t0 = time.perf_counter()
    heur_deadline = t0 + min(max(0.2 * (deadline - t0), 0.5), deadline - t0)
    heur = _heuristic_steiner(net, terms, root, heur_deadline)
    if heur.optimal:  # one or two terminals: a shortest path, exact
        return _Outcome(heur.tadj, "ilp", optimal=True, lower_bound=net.cost(heur.tadj))
    if highspy_module() is None:
        log.warning("highspy is not installed: using the heuristic (pip install highspy)")
        return heur
    upper = net.cost(heur.tadj)
    keep = terms | {root}
    red = _reduce(net, keep, root, _steiner_bound_test(keep, upper))
    n_edges = red.n_edges()
    log.debug("ILP: reduced to %d nodes, %d edges", len(red.adj), n_edges)
    if auto and n_edges > _AUTO_MAX_EDGES:
        log.info("auto: %d edges after reduction, too many for the ILP; heuristic kept", n_edges)
        return heur
    da_lower = 0.0
    for _ in range(4):
        da = _dual_ascent(red, root, terms)
        da_lower = max(da_lower, da.lower)
        if da.lower >= upper - 1e-9 * max(upper, 1.0):
            log.debug("dual ascent: lower bound %.6g meets the heuristic: optimal", da.lower)
            return _Outcome(heur.tadj, "ilp", optimal=True, lower_bound=da.lower)
        if not _reduced_cost_test(red, root, terms, da, upper) + _degree_tests(red, keep):
            break
    log.debug(
        "dual ascent: lower bound %.6g (heuristic %.6g); %d nodes, %d edges, %d arcs banned",
        da_lower,
        upper,
        len(red.adj),
        red.n_edges(),
        len(red.banned),
    )
    res = _ilp(red, root, terms, deadline, heur.tadj, cuts=da.cuts)
    log.debug("ILP: %s, lower bound %.6g, heuristic %.6g", res.status, res.lower_bound, upper)
    lower = max(res.lower_bound, da_lower) if math.isfinite(res.lower_bound) else da_lower
    if res.tadj is not None and keep <= set(res.tadj):
        cost = net.cost(res.tadj)
        if res.optimal or cost < upper:
            return _Outcome(res.tadj, "ilp", optimal=res.optimal, lower_bound=lower)
    return _Outcome(heur.tadj, "heuristic" if auto else "ilp", optimal=False, lower_bound=lower)


def _networkx_steiner(G: nx.Graph, net: _Net, terms: set[int], root: int, weight: str) -> _Outcome:
    nodes = [net.nodes[t] for t in sorted(terms | {root})]
    comp = nx.node_connected_component(G, net.nodes[root])
    T = nx.algorithms.approximation.steiner_tree(
        G.subgraph(comp), nodes, weight=weight, method="mehlhorn"
    )
    tadj: TAdj = {root: set()}
    for u, v in T.edges():
        _add_edge(tadj, net.index[u], net.index[v])
    return _Outcome(tadj, "networkx", optimal=len(nodes) <= 2, lower_bound=math.nan)


ALGORITHMS: Final[dict[str, str]] = {
    "auto": "heuristic, then the ILP within a few seconds; the better tree",
    "heuristic": "shortest paths from the root + MST re-spanning + pruning + local search",
    "ilp": "exact: directed cut formulation with HiGHS on the reduced graph",
    "networkx": "networkx.algorithms.approximation.steiner_tree (Mehlhorn)",
}
"""Methods of :func:`steiner_tree`, with what they do."""

PCST_ALGORITHMS: Final[dict[str, str]] = {
    "auto": "greedy, then the ILP within a few seconds; the better tree",
    "heuristic": "greedy growth by prize per cost + Steiner clean-up",
    "ilp": "exact: directed cut formulation with a budget or prize row, HiGHS",
}
"""Methods of :func:`prize_collecting_steiner`."""


def _check_graph(G: nx.Graph) -> None:
    if G.is_directed() or G.is_multigraph():
        msg = "Steiner trees here need an undirected simple graph (nx.Graph)"
        raise nx.NetworkXNotImplemented(msg)


def _check_method(method: str, table: Mapping[str, str]) -> None:
    if method not in table:
        msg = f"{method!r} is not a valid choice for an algorithm; choose one of {sorted(table)}."
        raise ValueError(msg)


def _as_tree(  # noqa: PLR0913
    G: nx.Graph, net: _Net, outcome: _Outcome, root: int, t0: float, extra: Mapping[str, Any]
) -> nx.Graph:
    edges = [(net.nodes[u], net.nodes[v]) for u, nb in outcome.tadj.items() for v in nb if u < v]
    T = G.edge_subgraph(edges).copy() if edges else nx.Graph()
    T.add_node(net.nodes[root], **G.nodes[net.nodes[root]])
    cost = float(net.cost(outcome.tadj))
    lower = outcome.lower_bound
    if outcome.optimal:
        gap = 0.0
        lower = cost if not math.isfinite(lower) else lower
    elif math.isfinite(lower) and cost > 0:
        gap = max(0.0, (cost - lower) / cost)
    else:
        gap = math.nan
    T.graph.clear()
    T.graph.update({k: G.graph[k] for k in ("crs", "costs") if k in G.graph})
    T.graph.update(
        method=outcome.method,
        optimal=bool(outcome.optimal),
        gap=float(gap),
        lower_bound=float(lower),
        cost=cost,
        time_s=time.perf_counter() - t0,
        **extra,
    )
    return T


def steiner_tree(  # noqa: PLR0913 - options keyword-only, as in NetworkX
    G: nx.Graph,
    terminals: Iterable[Hashable],
    *,
    root: Hashable | None = None,
    weight: str = "cost_vnd",
    method: str = "auto",
    time_limit_s: float | None = None,
) -> nx.Graph:
    """Return a tree of least total weight joining the root and every terminal.

    Parameters
    ----------
    G
        Undirected graph with non-negative edge weights.
    terminals
        Nodes to connect.
    root
        A node the tree must contain (:data:`planner.graph.FIBER_ROOT` for fiber
        plans); by default the first terminal.
    weight
        Edge attribute to minimise (missing: 1).
    method
        ``"auto"``, ``"ilp"``, ``"heuristic"`` or ``"networkx"`` (:data:`ALGORITHMS`).
    time_limit_s
        Time allowed (default: 60 s for ``"ilp"``, 10 s for ``"auto"``, 30 s for the
        heuristic's restarts and local search). An ILP stopped by it returns the best
        tree known with ``optimal=False`` and its gap.

    Returns
    -------
    networkx.Graph
        A subgraph of `G` (node and edge attributes copied) that is a tree containing
        the root and every terminal and no non-terminal leaf. ``T.graph`` holds
        ``method``, ``optimal``, ``gap``, ``lower_bound``, ``cost``, ``time_s`` (and the
        ``crs`` and ``costs`` of `G`).

    Raises
    ------
    ValueError
        For an unknown method or negative weights.
    UnreachableTerminalsError
        When a terminal is not connected to the root.
    networkx.NodeNotFound
        When a terminal or the root is not in `G`.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_weighted_edges_from(
    ...     [("a", "c", 2), ("b", "c", 2), ("d", "c", 2), ("a", "b", 3.9), ("b", "d", 3.9)],
    ...     weight="cost_vnd",
    ... )
    >>> T = steiner_tree(G, ["a", "b", "d"], method="ilp")
    >>> sorted(map(sorted, T.edges())), T.graph["cost"], T.graph["optimal"]
    ([['a', 'c'], ['b', 'c'], ['c', 'd']], 6.0, True)
    """
    _check_method(method, ALGORITHMS)
    _check_graph(G)
    t0 = time.perf_counter()
    terms = list(dict.fromkeys(terminals))
    if root is None:
        if not terms:
            return nx.Graph(method=method, optimal=True, gap=0.0, lower_bound=0.0, cost=0.0)
        root = terms[0]
    check_reachable(G, root, terms)
    limit = _DEFAULT_TIME_S[method] if time_limit_s is None else float(time_limit_s)
    deadline = t0 + limit
    net = _Net(G, weight)
    r = net.index[root]
    tset = {net.index[t] for t in terms} - {r}
    if method == "networkx":
        outcome = _networkx_steiner(G, net, tset, r, weight)
    elif method == "heuristic":
        outcome = _heuristic_steiner(net, tset, r, deadline)
    else:
        outcome = _exact_steiner(net, tset, r, deadline, auto=method == "auto")
    T = _as_tree(G, net, outcome, r, t0, {})
    log.info(
        "steiner_tree(%s): %d terminals, cost %.6g by %s (optimal %s, gap %.3g) in %.2f s",
        method,
        len(tset),
        T.graph["cost"],
        T.graph["method"],
        T.graph["optimal"],
        T.graph["gap"],
        T.graph["time_s"],
    )
    return T


# ------------------------------------------------------------ prize-collecting variants


def _greedy_pcst(  # noqa: C901, PLR0913 - the greedy and its options
    net: _Net,
    root: int,
    prizes: Mapping[int, float],
    deadline: float,
    *,
    budget: float | None,
    min_prize: float | None,
    first: int | None = None,
) -> TAdj:
    """Grow from the root by prize per unit of connection cost; clean up; grow again.

    Each round joins, one at a time, the prize node with the best prize per cost of its
    shortest path from the tree that still fits the budget (or until the prize target is
    reached), then re-spans and locally improves the tree; when that frees budget, the
    next round grows again. `first`, when given, is joined before anything else.
    """
    tadj: TAdj = {root: set()}
    if first is not None:
        grower = _Grower(net, root, {first})
        grower.connect(first)
        tadj = grower.tadj
    for _ in range(50):
        grower = _Grower(net, root, set(prizes))
        if len(tadj) > 1:
            grower.tadj = {v: set(nb) for v, nb in tadj.items()}
            grower.grow([v for v in tadj if v != root])
        spent = net.cost(tadj)
        gained = sum(prizes.get(v, 0.0) for v in tadj)
        remaining = {v for v in prizes if v not in tadj}
        added = 0
        while remaining and not (min_prize is not None and gained >= min_prize):
            best, best_ratio = -1, -1.0
            for v in remaining:
                d = grower.dist[v]
                if not math.isfinite(d) or (budget is not None and spent + d > budget):
                    continue
                ratio = math.inf if d <= 0 else prizes[v] / d
                if ratio > best_ratio:
                    best, best_ratio = v, ratio
            if best < 0:
                break
            spent += grower.dist[best]
            for v in grower.connect(best):
                gained += prizes.get(v, 0.0)
                remaining.discard(v)
            added += 1
        chosen = {v for v in grower.tadj if v in prizes} | {root}
        tadj = _mst_respan(net, grower.tadj.keys(), chosen)
        _local_search(net, tadj, chosen, root, deadline)
        if min_prize is not None:
            _drop_excess(net, tadj, chosen, root, prizes, min_prize)
            break
        if not added or time.perf_counter() > deadline:
            break
    return tadj


def _drop_excess(  # noqa: PLR0913
    net: _Net, tadj: TAdj, chosen: set[int], root: int, prizes: Mapping[int, float], target: float
) -> None:
    """Cut off the costliest leaf branches that the prize target does not need."""
    while True:
        total = sum(prizes.get(v, 0.0) for v in tadj)
        best: tuple[float, list[int]] | None = None
        for leaf in [v for v, nb in tadj.items() if len(nb) == 1 and v != root]:
            branch, cost, prev, cur = [leaf], 0.0, -1, leaf
            while True:
                nxt = next(x for x in tadj[cur] if x != prev)
                cost += net.adj[cur][nxt]
                if nxt == root or len(tadj[nxt]) != 2 or prizes.get(nxt, 0.0) > 0:
                    break
                branch.append(nxt)
                prev, cur = cur, nxt
            lost = sum(prizes.get(v, 0.0) for v in branch)
            if total - lost >= target and (best is None or cost > best[0]):
                best = (cost, branch)
        if best is None or best[0] <= 0:
            return
        for v in best[1]:
            for u in list(tadj.get(v, ())):
                _remove_edge(tadj, u, v)
            chosen.discard(v)
        _prune(tadj, chosen)


def _prize_key(tadj: TAdj, prizes: Mapping[int, float], net: _Net) -> tuple[float, float]:
    """Order trees by prize, then by lower cost."""
    return sum(prizes.get(v, 0.0) for v in tadj), -net.cost(tadj)


def _check_question(budget: float | None, min_prize: float | None) -> None:
    if (budget is None) == (min_prize is None):
        msg = "give exactly one of `budget` (maximise prize) and `min_prize` (minimise cost)"
        raise ValueError(msg)
    for name, value in (("budget", budget), ("min_prize", min_prize)):
        if value is not None and not (math.isfinite(value) and value >= 0):
            msg = f"`{name}` must be a finite number >= 0, got {value!r}"
            raise ValueError(msg)


def prize_collecting_steiner(  # noqa: PLR0913 - options keyword-only, as in NetworkX
    G: nx.Graph,
    root: Hashable,
    prizes: Mapping[Hashable, float],
    *,
    weight: str = "cost_vnd",
    budget: float | None = None,
    min_prize: float | None = None,
    method: str = "auto",
    time_limit_s: float | None = None,
) -> nx.Graph:
    """Return a tree from the root that collects prizes: most within a budget, or cheapest.

    Parameters
    ----------
    G
        Undirected graph with non-negative edge weights.
    root
        The node the tree grows from.
    prizes
        Node -> prize (households gained); nodes not in the graph's root piece or with
        prize <= 0 are ignored.
    weight
        Edge attribute to count against the budget / minimise.
    budget
        Maximise the total prize of a tree of weight at most `budget` (ties: the cheaper).
    min_prize
        Minimise the weight of a tree whose total prize is at least `min_prize`.
    method
        ``"auto"``, ``"ilp"`` or ``"heuristic"`` (:data:`PCST_ALGORITHMS`).
    time_limit_s
        As in :func:`steiner_tree`.

    Returns
    -------
    networkx.Graph
        A tree (subgraph of `G`) containing the root and the chosen prize nodes, no
        leaf without prize. ``T.graph`` as in :func:`steiner_tree` plus ``prize`` (the
        total collected) and ``chosen`` (the prize nodes in the tree); for a budget,
        ``lower_bound`` is an upper bound on the prize and ``gap`` relative to it.

    Raises
    ------
    ValueError
        Unless exactly one of `budget` and `min_prize` is given, or for a negative one.
    InfeasibleTargetError
        When `min_prize` exceeds the prize reachable from the root.
    """
    _check_method(method, PCST_ALGORITHMS)
    _check_graph(G)
    _check_question(budget, min_prize)
    t0 = time.perf_counter()
    check_reachable(G, root, [])
    limit = _DEFAULT_TIME_S[method] if time_limit_s is None else float(time_limit_s)
    deadline = t0 + limit
    net = _Net(G, weight)
    r = net.index[root]
    comp = _component(net, r)
    p = {
        net.index[n]: float(v)
        for n, v in prizes.items()
        if n in net.index and net.index[n] in comp and float(v) > 0 and net.index[n] != r
    }
    reachable = sum(p.values())
    if min_prize is not None and min_prize > reachable + 1e-9 * max(reachable, 1.0):
        msg = (
            f"a total prize of {min_prize:,.6g} cannot be reached: all nodes connected to "
            f"{root!r} hold {reachable:,.6g}. Lower the target or add the missing places "
            "(attach them / bridge their road pieces)."
        )
        raise InfeasibleTargetError(msg)
    heur_deadline = deadline if method == "heuristic" else t0 + min(0.2 * limit, 5.0)
    tadj = _greedy_pcst(net, r, p, heur_deadline, budget=budget, min_prize=min_prize)
    if budget is not None and p:
        # Greedy by ratio can miss one big prize (Khuller, Moss & Naor 1999): also start
        # from the largest prize that fits alone, and keep the better tree.
        dist = _dijkstra(dict(enumerate(net.adj)), r, bound=budget)
        fits = [v for v in p if v in dist]
        if fits:
            big = max(fits, key=lambda v: (p[v], -dist[v]))
            alt = _greedy_pcst(net, r, p, heur_deadline, budget=budget, min_prize=None, first=big)
            if _prize_key(alt, p, net) > _prize_key(tadj, p, net):
                tadj = alt
    outcome = _Outcome(tadj, "heuristic", optimal=not p, lower_bound=math.nan)
    if method != "heuristic" and p and highspy_module() is not None:
        outcome = _exact_pcst(
            net, r, p, deadline, tadj, budget=budget, min_prize=min_prize, auto=method == "auto"
        )
    elif method != "heuristic" and highspy_module() is None:  # pragma: no cover
        log.warning("highspy is not installed: using the greedy heuristic (pip install highspy)")
    chosen = tuple(net.nodes[v] for v in sorted(outcome.tadj) if v in p)
    prize = float(sum(p[v] for v in outcome.tadj if v in p))
    T = _as_tree(G, net, outcome, r, t0, {"prize": prize, "chosen": chosen})
    if budget is not None:
        upper = outcome.lower_bound
        if outcome.optimal:
            T.graph.update(gap=0.0, lower_bound=prize)
        elif math.isfinite(upper) and upper > 0:
            T.graph.update(gap=max(0.0, (upper - prize) / upper), lower_bound=upper)
        else:
            T.graph.update(gap=math.nan, lower_bound=math.nan)
    log.info(
        "prize_collecting_steiner(%s): prize %.6g of %.6g for cost %.6g by %s (optimal %s)",
        method,
        prize,
        reachable,
        T.graph["cost"],
        T.graph["method"],
        T.graph["optimal"],
    )
    return T


def _exact_pcst(  # noqa: PLR0913 - the problem and its incumbent
    net: _Net,
    root: int,
    prizes: Mapping[int, float],
    deadline: float,
    incumbent: TAdj,
    *,
    budget: float | None,
    min_prize: float | None,
    auto: bool,
) -> _Outcome:
    heur_cost = net.cost(incumbent)
    heur_prize = sum(prizes.get(v, 0.0) for v in incumbent)
    bound = budget if budget is not None else heur_cost
    keep = set(prizes) | {root}
    red = _reduce(net, keep, root, _root_distance_test(root, bound))
    fallback = _Outcome(
        incumbent, "heuristic" if auto else "ilp", optimal=False, lower_bound=math.nan
    )
    if auto and red.n_edges() > _AUTO_MAX_EDGES:
        return fallback
    kept = {v: w for v, w in prizes.items() if v in red.adj}
    res = _ilp(
        red, root, set(), deadline, incumbent, prizes=kept, budget=budget, min_prize=min_prize
    )
    fallback.lower_bound = res.lower_bound
    if res.tadj is None:
        return fallback
    cost = net.cost(res.tadj)
    prize = sum(prizes.get(v, 0.0) for v in res.tadj)
    if budget is not None:
        within = cost <= budget * (1 + 1e-9) + 1e-9
        better = within and (prize > heur_prize or (prize == heur_prize and cost <= heur_cost))
    else:
        target = 0.0 if min_prize is None else min_prize
        better = prize >= target - 1e-9 and cost <= heur_cost
    if res.optimal or better:
        return _Outcome(res.tadj, "ilp", optimal=res.optimal, lower_bound=res.lower_bound)
    return fallback


def tree_cost(T: nx.Graph, weight: str = "cost_vnd") -> float:
    """Return the total weight of a graph's edges.

    Parameters
    ----------
    T
        A tree (any graph).
    weight
        Edge attribute (missing: 1).

    Returns
    -------
    float
    """
    return float(sum(d.get(weight, 1) for _, _, d in T.edges(data=True)))
