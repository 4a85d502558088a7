"""The public Steiner tree function and the methods behind it.

:func:`steiner_tree` checks its inputs, builds the integer network and runs one method
(:data:`ALGORITHMS`): the heuristic (:mod:`planner.steiner.heuristics`), the exact
pipeline (heuristic, exact reductions, dual ascent, then the cut ILP), or networkx's
approximation; it returns the tree as a subgraph of the input with its quality in
``T.graph`` (:func:`as_tree`, shared with the prize-collecting variants).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import networkx as nx

from planner._highs import highspy_module
from planner.graph import check_reachable
from planner.steiner.dual_ascent import dual_ascent, reduced_cost_test
from planner.steiner.heuristics import heuristic_tadj
from planner.steiner.ilp import solve_ilp
from planner.steiner.net import Net, TAdj, add_edge
from planner.steiner.reductions import degree_tests, reduce_graph, steiner_bound_test
from planner.steiner.sinks import heuristic_net, sink_arcs, sink_indices

__all__ = [
    "ALGORITHMS",
    "AUTO_MAX_EDGES",
    "DEFAULT_TIME_S",
    "Outcome",
    "as_tree",
    "check_graph",
    "check_method",
    "steiner_tree",
    "tree_cost",
]

log = logging.getLogger(__name__)

DEFAULT_TIME_S: Final = {"ilp": 60.0, "auto": 10.0, "heuristic": 30.0, "networkx": math.inf}
AUTO_MAX_EDGES: Final = 60_000
"""Reduced instances larger than this are not tried exactly by ``method="auto"``."""


@dataclass
class Outcome:
    """A method's tree, its name, whether it is optimal and the best bound known."""

    tadj: TAdj
    method: str
    optimal: bool
    cost_lower_bound: float
    """No tree costs less (NaN when unknown, or for a budget)."""
    prize_upper_bound: float = math.nan
    """For a budget: no tree within it collects more (NaN when unknown)."""


def _heuristic_steiner(
    net: Net, terms: set[int], root: int, deadline: float, sinks: frozenset[int] = frozenset()
) -> Outcome:
    hnet, _ = heuristic_net(net, sinks, root)
    tadj = heuristic_tadj(hnet, terms, root, deadline, sinks)
    return Outcome(tadj, "heuristic", optimal=len(terms | {root}) <= 2, cost_lower_bound=math.nan)


def _exact_steiner(  # noqa: PLR0913 - the problem, its deadline and its options
    net: Net,
    terms: set[int],
    root: int,
    deadline: float,
    *,
    auto: bool,
    sinks: frozenset[int] = frozenset(),
) -> Outcome:
    t0 = time.perf_counter()
    heur_deadline = t0 + min(max(0.2 * (deadline - t0), 0.5), deadline - t0)
    heur = _heuristic_steiner(net, terms, root, heur_deadline, sinks)
    if heur.optimal:  # one or two terminals: a shortest path, exact
        return Outcome(heur.tadj, "ilp", optimal=True, cost_lower_bound=net.cost(heur.tadj))
    if highspy_module() is None:
        log.warning("highspy is not installed: using the heuristic (pip install highspy)")
        return heur
    upper = net.cost(heur.tadj)
    keep = terms | {root}
    red = reduce_graph(net, keep, root, steiner_bound_test(keep, upper), sink_arcs(net, sinks))
    n_edges = red.n_edges()
    log.debug("ILP: reduced to %d nodes, %d edges", len(red.adj), n_edges)
    if auto and n_edges > AUTO_MAX_EDGES:
        log.info("auto: %d edges after reduction, too many for the ILP; heuristic kept", n_edges)
        return heur
    da_lower = 0.0
    for _ in range(4):
        da = dual_ascent(red, root, terms)
        da_lower = max(da_lower, da.lower)
        if da.lower >= upper - 1e-9 * max(upper, 1.0):
            log.debug("dual ascent: lower bound %.6g meets the heuristic: optimal", da.lower)
            return Outcome(heur.tadj, "ilp", optimal=True, cost_lower_bound=da.lower)
        if not reduced_cost_test(red, root, terms, da, upper) + degree_tests(red, keep):
            break
    log.debug(
        "dual ascent: lower bound %.6g (heuristic %.6g); %d nodes, %d edges, %d arcs banned",
        da_lower,
        upper,
        len(red.adj),
        red.n_edges(),
        len(red.banned),
    )
    res = solve_ilp(red, root, terms, deadline, heur.tadj, cuts=da.cuts)
    ilp_lower = res.cost_lower_bound
    log.debug("ILP: %s, lower bound %.6g, heuristic %.6g", res.status, ilp_lower, upper)
    lower = max(ilp_lower, da_lower) if math.isfinite(ilp_lower) else da_lower
    if res.tadj is not None and keep <= set(res.tadj):
        cost = net.cost(res.tadj)
        if res.optimal or cost < upper:
            return Outcome(res.tadj, "ilp", optimal=res.optimal, cost_lower_bound=lower)
    method = "heuristic" if auto else "ilp"
    return Outcome(heur.tadj, method, optimal=False, cost_lower_bound=lower)


def _networkx_steiner(G: nx.Graph, net: Net, terms: set[int], root: int, weight: str) -> Outcome:
    nodes = [net.nodes[t] for t in sorted(terms | {root})]
    comp = nx.node_connected_component(G, net.nodes[root])
    T = nx.algorithms.approximation.steiner_tree(
        G.subgraph(comp), nodes, weight=weight, method="mehlhorn"
    )
    tadj: TAdj = {root: set()}
    for u, v in T.edges():
        add_edge(tadj, net.index[u], net.index[v])
    return Outcome(tadj, "networkx", optimal=len(nodes) <= 2, cost_lower_bound=math.nan)


ALGORITHMS: Final[dict[str, str]] = {
    "auto": "heuristic, then the ILP within a few seconds; the better tree",
    "heuristic": "shortest paths from the root + MST re-spanning + pruning + local search",
    "ilp": "exact: directed cut formulation with HiGHS on the reduced graph",
    "networkx": "networkx.algorithms.approximation.steiner_tree (Mehlhorn)",
}
"""Methods of :func:`steiner_tree`, with what they do."""


def check_graph(G: nx.Graph) -> None:
    """Raise unless `G` is an undirected simple graph."""
    if G.is_directed() or G.is_multigraph():
        msg = "Steiner trees here need an undirected simple graph (nx.Graph)"
        raise nx.NetworkXNotImplemented(msg)


def check_method(method: str, table: Mapping[str, str]) -> None:
    """Raise ``ValueError`` unless `method` is a key of `table`."""
    if method not in table:
        msg = f"{method!r} is not a valid choice for an algorithm; choose one of {sorted(table)}."
        raise ValueError(msg)


def as_tree(  # noqa: PLR0913
    G: nx.Graph, net: Net, outcome: Outcome, root: int, t0: float, extra: Mapping[str, Any]
) -> nx.Graph:
    """Return an outcome as a subgraph of `G` with its quality (and `extra`) in ``T.graph``."""
    edges = [(net.nodes[u], net.nodes[v]) for u, nb in outcome.tadj.items() for v in nb if u < v]
    T = G.edge_subgraph(edges).copy() if edges else nx.Graph()
    T.add_node(net.nodes[root], **G.nodes[net.nodes[root]])
    cost = float(net.cost(outcome.tadj))
    lower = outcome.cost_lower_bound
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
    sinks: Collection[Hashable] = (),
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
    sinks
        Terminals that may only be leaves of the tree: the virtual terminals of a group
        Steiner problem (:mod:`planner.steiner.groups`; why and how in
        :mod:`planner.steiner.sinks`). Not with ``method="networkx"``.

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
    check_method(method, ALGORITHMS)
    check_graph(G)
    t0 = time.perf_counter()
    terms = list(dict.fromkeys(terminals))
    if root is None:
        if not terms:
            return nx.Graph(method=method, optimal=True, gap=0.0, lower_bound=0.0, cost=0.0)
        root = terms[0]
    check_reachable(G, root, terms)
    limit = DEFAULT_TIME_S[method] if time_limit_s is None else float(time_limit_s)
    deadline = t0 + limit
    net = Net(G, weight)
    r = net.index[root]
    tset = {net.index[t] for t in terms} - {r}
    sink_set = sink_indices(net, sinks)
    if sink_set and method == "networkx":
        msg = "method='networkx' cannot keep sinks as leaves; use 'auto', 'ilp' or 'heuristic'"
        raise ValueError(msg)
    if method == "networkx":
        outcome = _networkx_steiner(G, net, tset, r, weight)
    elif method == "heuristic":
        outcome = _heuristic_steiner(net, tset, r, deadline, sink_set)
    else:
        outcome = _exact_steiner(net, tset, r, deadline, auto=method == "auto", sinks=sink_set)
    T = as_tree(G, net, outcome, r, t0, {})
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
