"""Constructions of a first tree: shortest-path heuristic, Voronoi MST, dual-ascent start.

:func:`heuristic_tadj` builds a tree several ways, cleans each up (MST re-spanning,
pruning) and improves it by local search (:mod:`planner.steiner.local_search`), and keeps
the cheapest:

* the shortest-path heuristic (SPH, Takahashi & Matsuyama 1980) from the root: join the
  nearest remaining terminal until none is left (:class:`Grower` keeps the distances from
  the growing tree up to date, and is reused by the prize-collecting greedy);
* Mehlhorn's Voronoi MST (1988): the minimum spanning tree of the terminals' Voronoi
  neighbourhood, expanded into paths;
* the SPH inside the region saturated by dual ascent (Polzin & Vahdati's dual-ascent
  heuristic; :mod:`planner.steiner.dual_ascent`);
* the SPH from a few other terminals (a seeded choice).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from planner.steiner.dual_ascent import dual_ascent
from planner.steiner.local_search import local_search
from planner.steiner.net import EPS, Net, TAdj, add_edge, component, kruskal, mst_respan
from planner.steiner.reductions import Reduced
from planner.steiner.sinks import sinks_are_leaves

__all__ = [
    "Grower",
    "heuristic_tadj",
]

log = logging.getLogger(__name__)

_MAX_STARTS: Final = 7
_DA_START_MAX_EDGES: Final = 50_000
"""The dual-ascent start of the heuristic is used on graphs up to this many edges."""


class Grower:
    """A tree grown from a start node, with distances from the tree kept up to date.

    ``grow(nodes)`` adds nodes to the tree and decreases the distances of the nodes now
    closer to the tree (a Dijkstra from the new nodes only); ``path_to(t)`` is the
    shortest path from the tree to `t`.
    """

    def __init__(self, net: Net, start: int, watch: set[int]) -> None:
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
        """Add `sources` to the tree and lower the distances of the nodes now closer to it."""
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
        """Return the shortest path from `t` back to the tree (`t` first)."""
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
            add_edge(self.tadj, a, b)
        new = [v for v in path if not self.in_tree[v]]
        self.grow(new)
        return new

    def nearest(self, remaining: set[int]) -> int | None:
        """Return the watched node of `remaining` nearest the tree (None when none is left)."""
        theap, dist = self.heap, self.dist
        while theap:
            d, t = heapq.heappop(theap)
            if t in remaining and d == dist[t]:
                return t
        return None


def _sph(net: Net, terms: set[int], start: int) -> TAdj:
    """Shortest-path heuristic: join the nearest remaining terminal until none is left."""
    remaining = set(terms) - {start}
    grower = Grower(net, start, remaining)
    while remaining:
        t = grower.nearest(remaining)
        if t is None:  # pragma: no cover - reachability is checked before
            msg = "internal error: a terminal is unreachable in the shortest-path heuristic"
            raise RuntimeError(msg)
        remaining.difference_update(grower.connect(t))
    return grower.tadj


def _voronoi(net: Net, terms: Iterable[int]) -> tuple[list[float], list[int], list[int]]:
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


def _voronoi_mst(net: Net, terms: set[int]) -> TAdj:
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
    for key in kruskal(len(index), links) or []:
        u, v = links[key][1]
        add_edge(tadj, u, v)
        for end in (u, v):
            x = end
            while pred[x] >= 0:
                add_edge(tadj, x, pred[x])
                x = pred[x]
    return tadj


def _dual_ascent_tree(net: Net, keep: set[int], root: int) -> TAdj | None:
    """Shortest-path heuristic inside the region dual ascent saturates from the root.

    Dual ascent leaves a path of zero reduced cost from the root to every terminal; the
    nodes it reaches are where good trees lie (Polzin & Vahdati's dual-ascent heuristic).
    """
    comp = component(net, root)
    red = Reduced({v: {u: w for u, w in net.adj[v].items() if u in comp} for v in comp})
    da = dual_ascent(red, root, keep - {root})
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


def heuristic_tadj(
    net: Net, terms: set[int], root: int, deadline: float, sinks: frozenset[int] = frozenset()
) -> TAdj:
    """Best tree over a few constructions, each cleaned up and locally improved.

    The constructions are the shortest-path heuristic from the root, Mehlhorn's
    Voronoi MST, the shortest-path heuristic inside the region saturated by dual ascent
    (on graphs up to :data:`_DA_START_MAX_EDGES` edges), then the shortest-path
    heuristic from other terminals (seeded choice); a new one starts only while the time
    of the last one still fits before `deadline`. A tree where one of the `sinks` is not
    a leaf is discarded (`net` is then :func:`~planner.steiner.sinks.heuristic_net`'s,
    on which the shortest-path heuristic from the root always keeps them leaves).
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
        tadj = mst_respan(net, built.keys(), keep)
        local_search(net, tadj, keep, root, deadline)
        cost = net.cost(tadj)
        log.debug("heuristic from %s: cost %.6g", label, cost)
        if not sinks_are_leaves(tadj, sinks):
            log.debug("heuristic from %s: a sink is not a leaf; discarded", label)
        elif cost < best_cost - EPS * max(cost, 1.0):
            best, best_cost = tadj, cost
        took = time.perf_counter() - t0
        if time.perf_counter() + took > deadline:
            break
    if best is None:  # pragma: no cover - at least one start always runs
        msg = "internal error: no heuristic start ran"
        raise RuntimeError(msg)
    return best
