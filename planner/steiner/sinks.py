"""Sinks: nodes that may only be leaves of a tree (the virtual terminals of group Steiner).

A group Steiner problem (reach *any* node of each group) becomes a Steiner problem by
the standard reduction: a virtual terminal per group, joined to each node of the group.
In an undirected graph with zero-cost joins that reduction is wrong: a tree could pass
*through* a virtual terminal, from one group node to another, for free. It is exact when
the virtual terminal can only be a leaf, which the methods guarantee as follows:

* **exact methods** (reductions, dual ascent, the cut ILP) work on the directed
  formulation, an arborescence from the root: the arcs *out of* a sink are banned from
  the start (:func:`sink_arcs`, ``Reduced.banned``), so every sink is entered once and
  never left; its joins keep their true cost (zero, or a per-connection cost). The
  reductions stay exact: the degree tests never contract a node next to a banned arc,
  the bound tests use undirected distances (never longer than the directed ones, so they
  remove less, never too much), and dual ascent skips banned arcs;
* **heuristics** (shortest paths, Voronoi MST, local search, the greedy) are undirected:
  they run on a copy of the network where each join costs :math:`M` more
  (:func:`heuristic_net`) with :math:`M` larger than the distance between any two nodes
  of the root's piece (twice the root's eccentricity) and than any edge. A path through
  a sink then costs at least :math:`2M`, more than any real path, so shortest paths,
  re-spanning (Kruskal takes every real edge before a join) and the local-search moves
  keep sinks as leaves; a tree where a sink is not a leaf is discarded
  (:func:`sinks_are_leaves`). Costs are always reported on the true network.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable

from planner.steiner.net import Net, TAdj, dijkstra

__all__ = ["heuristic_net", "sink_arcs", "sink_indices", "sinks_are_leaves"]


def sink_indices(net: Net, sinks: Collection[Hashable]) -> frozenset[int]:
    """Return the integer indices of the sinks present in `net`."""
    return frozenset(net.index[s] for s in sinks if s in net.index)


def sink_arcs(net: Net, sinks: frozenset[int]) -> set[tuple[int, int]]:
    """Return the arcs leaving a sink: banned in the directed formulation."""
    return {(t, g) for t in sinks for g in net.adj[t]}


def heuristic_net(net: Net, sinks: frozenset[int], root: int) -> tuple[Net, float]:
    """Return a copy of `net` whose joins to sinks cost `M` more, and `M`.

    `M` is twice the largest distance from the root to a node of its piece (not passing
    through sinks) plus twice the largest edge weight, plus one: more than any real
    path between two nodes of the root's piece, so no shortest path crosses a sink.
    """
    if not sinks:
        return net, 0.0
    real = {v: {u: w for u, w in nb.items() if u not in sinks} for v, nb in enumerate(net.adj)}
    dist = dijkstra(real, root)
    ecc = max((d for d in dist.values() if math.isfinite(d)), default=0.0)
    heaviest = max((w for nb in net.adj for w in nb.values()), default=0.0)
    big = 2.0 * (ecc + heaviest) + 1.0
    out = Net.__new__(Net)
    out.nodes, out.index = net.nodes, net.index
    out.adj = [dict(nb) for nb in net.adj]
    for t in sinks:
        for g, w in net.adj[t].items():
            out.adj[t][g] = w + big
            out.adj[g][t] = w + big
    return out, big


def sinks_are_leaves(tadj: TAdj, sinks: frozenset[int]) -> bool:
    """Return whether every sink in the tree has at most one tree edge."""
    return all(len(tadj[t]) <= 1 for t in sinks if t in tadj)
