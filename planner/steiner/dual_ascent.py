"""Dual ascent: a lower bound on any Steiner tree, and the reductions it allows.

Wong's dual ascent (1984) on the directed cut formulation raises, for one terminal at a
time, the dual of the cut around the set of nodes reaching it through saturated arcs,
until the root joins every such set. It gives a lower bound on the cost of any tree, the
reduced cost of every arc (used by :func:`reduced_cost_test` to drop nodes and arcs, and
by the dual-ascent start of the heuristic), and the cuts it raised (handed to the ILP).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Final

from planner.steiner.net import dijkstra
from planner.steiner.reductions import Reduced

__all__ = [
    "DualAscent",
    "dual_ascent",
    "reduced_cost_test",
]

_DA_CUT_NODES: Final = 500_000
"""Dual ascent hands its raised sets to the ILP up to this many nodes in all."""


@dataclass
class DualAscent:
    """Wong's dual ascent on the directed cut formulation.

    ``lower`` is a lower bound on the cost of any tree; ``rc`` the reduced cost of every
    arc; ``cuts`` the sets raised, ``(terminal, nodes)``: valid cuts that give the ILP's
    relaxation at least ``lower`` from its first round.
    """

    lower: float
    rc: dict[tuple[int, int], float]
    cuts: list[tuple[int, frozenset[int]]]


def dual_ascent(red: Reduced, root: int, terms: set[int]) -> DualAscent:  # noqa: C901, PLR0915
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
    return DualAscent(lower, rc, raised)


def reduced_cost_test(  # noqa: C901 - the node test and the arc test
    red: Reduced, root: int, terms: set[int], da: DualAscent, upper: float
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
    from_root = dijkstra(fwd, root, bound=slack)
    to_term = dijkstra(bwd, terms, bound=slack)
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
