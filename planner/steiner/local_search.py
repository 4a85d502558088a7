"""Local search on a Steiner tree: key-path exchange, key-vertex elimination, insertion.

:func:`local_search` repeats three moves until none improves the tree (or time is up),
re-spanning the tree's nodes with a minimum spanning tree after each pass:

* key-path exchange: replace a key path (a chain of Steiner nodes of degree 2 between two
  key nodes) by a shorter path joining the two sides of the tree it separates;
* key-vertex elimination: drop a Steiner node of degree >= 3 with its key paths, and
  reconnect the pieces left more cheaply (Kruskal over the shortest links between them);
* Steiner-vertex insertion: add a node next to several tree nodes when the minimum
  spanning tree with it costs less (on small trees only).

Searches are bounded by the cost of what they would replace, and start from the smaller
side of the tree (or the part of a large side near the removed path).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np

from planner.steiner.net import (
    EPS,
    Net,
    TAdj,
    add_edge,
    kruskal,
    mst_respan,
    prune,
    remove_edge,
    spanning_forest,
)

__all__ = [
    "local_search",
]

log = logging.getLogger(__name__)

_INSERTION_MAX: Final = 400
"""Steiner-vertex insertion is tried on trees up to this many nodes."""


_LOCAL_SIDE: Final = 64
"""Local search starts from all of a tree side up to this size, else from its part near
the removed path."""


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
    net: Net, tadj: TAdj, keep: set[int], rt: _Rooted
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


def _ball(net: Net, centre: Iterable[int], radius: float) -> list[int]:
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
    net: Net,
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


def _key_path_exchange(net: Net, tadj: TAdj, keep: set[int], root: int, deadline: float) -> bool:
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
        found = _bounded_search(net, sources, side, cost - EPS * max(cost, 1.0))
        if found is None:
            continue
        for a, b in itertools.pairwise(nodes):
            remove_edge(tadj, a, b)
        path = found[1]
        for a, b in itertools.pairwise(path):
            add_edge(tadj, a, b)
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
    net: Net, tadj: TAdj, keep: set[int], root: int, deadline: float
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
        chosen = kruskal(len(ends), links)
        if chosen is None:
            continue
        total = sum(links[key][0] for key in chosen)
        if total >= removed_cost - EPS * max(removed_cost, 1.0):
            continue
        backup = {x: set(nb) for x, nb in tadj.items()}
        before = net.cost(tadj)
        for x in removed:
            for y in list(tadj.get(x, ())):
                remove_edge(tadj, x, y)
        for key in chosen:
            path = links[key][1]
            for a, b in itertools.pairwise(path):
                add_edge(tadj, a, b)
        n_edges = sum(len(nb) for nb in tadj.values()) // 2
        if n_edges != len(tadj) - 1:  # two links crossed: re-span their union
            fresh = mst_respan(net, tadj.keys(), keep)
            tadj.clear()
            tadj.update(fresh)
        if net.cost(tadj) < before - EPS * max(before, 1.0) and _spans(tadj, keep, root):
            improved = True
            rt = _rooted(tadj, root)
        else:
            tadj.clear()
            tadj.update(backup)
    del adj
    return improved


def _walk_branch(
    net: Net, tadj: TAdj, keep: set[int], v: int, first: int
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


def _links_from(  # noqa: PLR0913 - the search's state, passed explicitly in the hot loop
    net: Net,
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


def _vertex_insertion(net: Net, tadj: TAdj, keep: set[int], deadline: float) -> bool:
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
        new = spanning_forest([*tadj, v], edges)
        prune(new, keep)
        new = {x: nb for x, nb in new.items() if nb or x in keep}
        before = net.cost(tadj)
        if net.cost(new) < before - EPS * max(before, 1.0):
            tadj.clear()
            tadj.update(new)
            improved = True
    return improved


def local_search(net: Net, tadj: TAdj, keep: set[int], root: int, deadline: float) -> None:
    """Improve `tadj` in place by the three moves until none improves it or time is up."""
    while time.perf_counter() < deadline:
        a = _key_path_exchange(net, tadj, keep, root, deadline)
        b = _key_vertex_elimination(net, tadj, keep, root, deadline)
        c = _vertex_insertion(net, tadj, keep, deadline)
        if not (a or b or c):
            break
        fresh = mst_respan(net, tadj.keys(), keep)
        if net.cost(fresh) < net.cost(tadj):
            tadj.clear()
            tadj.update(fresh)
