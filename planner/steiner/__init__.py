"""Steiner trees and prize-collecting Steiner trees on a weighted graph.

:func:`steiner_tree` connects a set of terminals (and a root) at least total weight;
:func:`prize_collecting_steiner` chooses which nodes to connect to a root: the largest
total prize within a budget (the budgeted variant), or the least weight reaching a total
prize (the prize-target variant). Both return a subgraph of ``G`` that is a tree, with
what is known about its quality in ``T.graph``: ``method`` (the method that produced
it), ``optimal``, ``gap`` (relative distance to the best bound: 0 when proven optimal,
NaN when no bound is known), ``lower_bound`` (on the cost; for the budgeted variant
``prize_upper_bound`` instead, on the prize), ``cost`` and ``time_s``.

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
    distinct terminals from them already exceeds it); then dual ascent gives a lower
    bound (which proves the heuristic's tree optimal when it meets its cost), removes
    what its reduced costs rule out, and hands the cuts it raised to the ILP. Reducing
    to the union of shortest paths between terminals, a common shortcut, is not exact (a
    star centre linking three terminals lies on none of their pairwise shortest paths)
    and is not used. Stops at `time_limit_s` with the best tree known and its gap.
``"heuristic"``
    A few first trees: the shortest-path heuristic (Takahashi-Matsuyama) from the root,
    Mehlhorn's Voronoi MST, the shortest-path heuristic inside the region dual ascent
    saturates (graphs up to 50,000 edges) and from a few other terminals; each followed
    by re-spanning the tree's nodes with a minimum spanning tree, pruning non-terminal
    leaves, and local search to a fixed point: key-path exchange (replace a path between
    key nodes by a shorter one joining the two sides), key-vertex elimination (drop a
    Steiner node of degree >= 3 and reconnect its pieces more cheaply) and, on trees up
    to 400 nodes, Steiner-vertex insertion. The cheapest tree is kept. For the
    prize-collecting variants: greedy growth by prize per unit of connection cost,
    alternating with the same clean-up.
``"networkx"``
    ``networkx.algorithms.approximation.steiner_tree`` (Mehlhorn), for comparison.
``"auto"``
    The heuristic, then the ILP within a few seconds; the better tree (the ILP's when
    it proves optimality). A reduced graph of more than 60,000 edges keeps the
    heuristic's tree.

Modules, one family each
------------------------
:mod:`~planner.steiner.tree`
    :func:`steiner_tree`, the method table and the result graph.
:mod:`~planner.steiner.prize_collecting`
    :func:`prize_collecting_steiner`: the budgeted and prize-target variants.
:mod:`~planner.steiner.heuristics`
    First trees: shortest-path heuristic, Voronoi MST, dual-ascent start.
:mod:`~planner.steiner.local_search`
    Key-path exchange, key-vertex elimination, Steiner-vertex insertion.
:mod:`~planner.steiner.reductions`
    Exact reductions: degree tests and bound tests.
:mod:`~planner.steiner.dual_ascent`
    Wong's dual ascent: lower bound, reduced costs, reduced-cost test.
:mod:`~planner.steiner.ilp`
    The directed cut ILP with HiGHS (:mod:`planner._highs`).
:mod:`~planner.steiner.net`
    The integer network and the tree operations every method shares.
:mod:`~planner.steiner.groups`
    :func:`group_steiner_tree`, :func:`group_prize_collecting_steiner`: reach any one
    node of each group (a place within reach of several road nodes), by the virtual
    terminal reduction.
:mod:`~planner.steiner.sinks`
    Why and how the virtual terminals stay leaves (banned arcs in the exact methods, a
    large join weight in the heuristics), which keeps that reduction exact.

Glossary (the shorthand in the code)
------------------------------------
terminal, ``terms``
    A node the tree must contain; ``keep`` is the terminals plus the root.
group, virtual terminal, sink
    A group is a set of nodes of which the tree must hold one; its virtual terminal is
    joined to each of them; a sink is a node that may only be a leaf (a virtual
    terminal), so no tree passes through it.
Steiner node
    A node of the tree that is not a terminal (it is there to make the tree cheaper).
``net``, ``Net``
    The graph re-indexed by integers (:class:`~planner.steiner.net.Net`); the methods
    work on indices, and the tree is mapped back to ``G``'s nodes at the end.
``tadj``, ``TAdj``
    A tree as adjacency sets over those indices.
PCST
    Prize-collecting Steiner tree: each node has a prize; choose which to connect.
SPH
    Shortest-path heuristic (Takahashi & Matsuyama): grow the tree by the shortest
    path to the nearest terminal not in it yet.
MST, Kruskal, re-spanning
    Minimum spanning tree; re-spanning a tree replaces it by the MST of the subgraph
    induced by its nodes, pruned back to the terminals.
Voronoi MST
    Mehlhorn's 2-approximation: every node joins its nearest terminal's region, and
    the MST over the links between regions is expanded into paths.
key node, key path, key vertex
    A key node is a terminal or a node of degree >= 3 in the tree; a key path is a
    chain of degree-2 Steiner nodes between two key nodes; a key vertex is a Steiner
    node of degree >= 3 (the local-search moves exchange or eliminate them).
``red``, ``Reduced``
    The reduced instance: the graph after the exact reductions, whose contracted edges
    remember the original edges they stand for (``orig``) and whose ``banned`` arcs no
    optimal arborescence uses.
degree tests
    Remove non-terminal leaves; contract non-terminal nodes of degree 2.
bound test
    Remove what cannot be in a tree cheaper than a known one (``upper``).
DA, ``da``
    Dual ascent (Wong 1984) on the directed cut formulation: a lower bound
    (``da.lower``), the reduced cost ``rc`` of every arc, and the cuts raised.
``rc``, reduced cost, saturated arc
    An arc's weight minus the duals of the cuts it crosses; an arc is saturated when
    its reduced cost reaches 0.
reduced-cost test
    Remove what any tree using it would make cost more than ``upper`` (lower bound plus
    reduced costs of the cheapest way through it).
ILP, LP, MIP
    Integer linear programme; its linear relaxation; mixed-integer programme (what
    HiGHS solves in branch and bound).
cut, back-cut, nested cuts, ``Dcut``
    A cut row: the arcs entering a set of nodes that holds a terminal but not the root
    sum to at least 1 (or to the terminal's ``y``, for PCST). Separation finds violated
    ones by max-flow from the root; a back-cut is the minimum cut nearest the terminal;
    nested cuts are found one after the other by raising the last cut's arcs to
    capacity 1 (up to ``_NESTED`` a round). ``_Dcut`` is the directed cut model.
``ycol``, ``y``
    For PCST, the column of a prize node: 1 when the node is in the tree.
incumbent
    The best tree known (the heuristic's), given to the ILP as its start.
gap
    ``(cost - lower bound) / cost`` for a cost; ``(prize upper bound - prize) /
    prize upper bound`` for the budgeted variant.
"""

from planner.steiner.groups import (
    group_prize_collecting_steiner as group_prize_collecting_steiner,
)
from planner.steiner.groups import group_steiner_tree as group_steiner_tree
from planner.steiner.prize_collecting import PCST_ALGORITHMS as PCST_ALGORITHMS
from planner.steiner.prize_collecting import InfeasibleTargetError as InfeasibleTargetError
from planner.steiner.prize_collecting import prize_collecting_steiner as prize_collecting_steiner
from planner.steiner.tree import ALGORITHMS as ALGORITHMS
from planner.steiner.tree import steiner_tree as steiner_tree
from planner.steiner.tree import tree_cost as tree_cost

__all__ = [
    "ALGORITHMS",
    "PCST_ALGORITHMS",
    "InfeasibleTargetError",
    "group_prize_collecting_steiner",
    "group_steiner_tree",
    "prize_collecting_steiner",
    "steiner_tree",
    "tree_cost",
]
