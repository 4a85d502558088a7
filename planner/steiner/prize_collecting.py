"""The prize-collecting variants: the most prize within a budget, or a prize at least cost.

:func:`prize_collecting_steiner` answers both (the budgeted variant with `budget`, the
prize-target variant with `min_prize`): a greedy growth by prize per unit of connection
cost, cleaned up and locally improved like the Steiner heuristic (and, under a budget,
also started from the largest prize that fits alone), then the cut ILP with a budget or
prize row (:mod:`planner.steiner.ilp`) on the graph reduced by the distance from the
root.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Collection, Hashable, Mapping
from typing import Final

import networkx as nx

from planner._highs import highspy_module
from planner.graph import PlannerInputError, check_reachable
from planner.steiner.heuristics import Grower
from planner.steiner.ilp import solve_ilp
from planner.steiner.local_search import local_search
from planner.steiner.net import Net, TAdj, component, dijkstra, mst_respan, prune, remove_edge
from planner.steiner.reductions import reduce_graph, root_distance_test
from planner.steiner.sinks import heuristic_net, sink_arcs, sink_indices, sinks_are_leaves
from planner.steiner.tree import (
    AUTO_MAX_EDGES,
    DEFAULT_TIME_S,
    Outcome,
    as_tree,
    check_graph,
    check_method,
)

__all__ = [
    "PCST_ALGORITHMS",
    "InfeasibleTargetError",
    "prize_collecting_steiner",
]

log = logging.getLogger(__name__)


class InfeasibleTargetError(PlannerInputError):
    """The requested total prize cannot be reached at any cost."""


PCST_ALGORITHMS: Final[dict[str, str]] = {
    "auto": "greedy, then the ILP within a few seconds; the better tree",
    "heuristic": "greedy growth by prize per cost + Steiner clean-up",
    "ilp": "exact: directed cut formulation with a budget or prize row, HiGHS",
}
"""Methods of :func:`prize_collecting_steiner`."""


def _greedy_pcst(  # noqa: C901, PLR0913 - the greedy and its options
    net: Net,
    root: int,
    prizes: Mapping[int, float],
    deadline: float,
    *,
    budget: float | None,
    min_prize: float | None,
    first: int | None = None,
    real: Net | None = None,
    offset: Mapping[int, float] | None = None,
) -> TAdj:
    """Grow from the root by prize per unit of connection cost; clean up; grow again.

    Each round joins, one at a time, the prize node with the best prize per cost of its
    shortest path from the tree that still fits the budget (or until the prize target is
    reached), then re-spans and locally improves the tree; when that frees budget, the
    next round grows again. `first`, when given, is joined before anything else.
    With sinks, `net` is the heuristic network (:func:`~planner.steiner.sinks.heuristic_net`),
    `real` the true one (costs against the budget) and `offset` the extra weight of the
    one join a path to each sink ends with.
    """
    real = net if real is None else real
    off = offset or {}
    tadj: TAdj = {root: set()}
    if first is not None:
        grower = Grower(net, root, {first})
        grower.connect(first)
        tadj = grower.tadj
    for _ in range(50):
        grower = Grower(net, root, set(prizes))
        if len(tadj) > 1:
            grower.tadj = {v: set(nb) for v, nb in tadj.items()}
            grower.grow([v for v in tadj if v != root])
        spent = real.cost(tadj)
        gained = sum(prizes.get(v, 0.0) for v in tadj)
        remaining = {v for v in prizes if v not in tadj}
        added = 0
        while remaining and not (min_prize is not None and gained >= min_prize):
            best, best_ratio = -1, -1.0
            for v in remaining:
                d = grower.dist[v] - off.get(v, 0.0)
                if not math.isfinite(d) or (budget is not None and spent + d > budget):
                    continue
                ratio = math.inf if d <= 0 else prizes[v] / d
                if ratio > best_ratio:
                    best, best_ratio = v, ratio
            if best < 0:
                break
            spent += grower.dist[best] - off.get(best, 0.0)
            for v in grower.connect(best):
                gained += prizes.get(v, 0.0)
                remaining.discard(v)
            added += 1
        chosen = {v for v in grower.tadj if v in prizes} | {root}
        tadj = mst_respan(net, grower.tadj.keys(), chosen)
        local_search(net, tadj, chosen, root, deadline)
        if min_prize is not None:
            _drop_excess(net, tadj, chosen, root, prizes, min_prize)
            break
        if not added or time.perf_counter() > deadline:
            break
    return tadj


def _drop_excess(  # noqa: PLR0913
    net: Net, tadj: TAdj, chosen: set[int], root: int, prizes: Mapping[int, float], target: float
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
                remove_edge(tadj, u, v)
            chosen.discard(v)
        prune(tadj, chosen)


def _prize_key(tadj: TAdj, prizes: Mapping[int, float], net: Net) -> tuple[float, float]:
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
    sinks: Collection[Hashable] = (),
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
    sinks
        Prize nodes that may only be leaves: the virtual terminals of a group problem
        (:mod:`planner.steiner.groups`, :mod:`planner.steiner.sinks`).

    Returns
    -------
    networkx.Graph
        A tree (subgraph of `G`) containing the root and the chosen prize nodes, no
        leaf without prize. ``T.graph`` as in :func:`steiner_tree` plus ``prize`` (the
        total collected) and ``chosen`` (the prize nodes in the tree); for a budget,
        ``prize_upper_bound`` (the most prize any tree within the budget could collect,
        NaN when unknown) instead of ``lower_bound``, and ``gap`` relative to it.

    Raises
    ------
    ValueError
        Unless exactly one of `budget` and `min_prize` is given, or for a negative one.
    InfeasibleTargetError
        When `min_prize` exceeds the prize reachable from the root.
    """
    check_method(method, PCST_ALGORITHMS)
    check_graph(G)
    _check_question(budget, min_prize)
    t0 = time.perf_counter()
    check_reachable(G, root, [])
    limit = DEFAULT_TIME_S[method] if time_limit_s is None else float(time_limit_s)
    deadline = t0 + limit
    net = Net(G, weight)
    r = net.index[root]
    comp = component(net, r)
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
    sink_set = sink_indices(net, sinks)
    tadj = _heuristic_pcst(net, r, p, heur_deadline, budget, min_prize, sink_set)
    outcome = Outcome(tadj, "heuristic", optimal=not p, cost_lower_bound=math.nan)
    if method != "heuristic" and p and highspy_module() is not None:
        outcome = _exact_pcst(
            net,
            r,
            p,
            deadline,
            tadj,
            budget=budget,
            min_prize=min_prize,
            auto=method == "auto",
            banned=sink_arcs(net, sink_set),
        )
    elif method != "heuristic" and highspy_module() is None:  # pragma: no cover
        log.warning("highspy is not installed: using the greedy heuristic (pip install highspy)")
    chosen = tuple(net.nodes[v] for v in sorted(outcome.tadj) if v in p)
    prize = float(sum(p[v] for v in outcome.tadj if v in p))
    T = as_tree(G, net, outcome, r, t0, {"prize": prize, "chosen": chosen})
    if budget is not None:
        # The prize is maximised: its bound is an upper one, and no bound on the cost
        # is known.
        del T.graph["lower_bound"]
        upper = outcome.prize_upper_bound
        if outcome.optimal:
            T.graph.update(gap=0.0, prize_upper_bound=prize)
        elif math.isfinite(upper) and upper > 0:
            T.graph.update(gap=max(0.0, (upper - prize) / upper), prize_upper_bound=upper)
        else:
            T.graph.update(gap=math.nan, prize_upper_bound=math.nan)
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


def _heuristic_pcst(  # noqa: PLR0913 - the problem and its question
    net: Net,
    r: int,
    p: Mapping[int, float],
    heur_deadline: float,
    budget: float | None,
    min_prize: float | None,
    sink_set: frozenset[int],
) -> TAdj:
    """Run the greedy (and, under a budget, the big-prize start), sinks kept leaves."""
    hnet, big_m = heuristic_net(net, sink_set, r)
    off = dict.fromkeys(sink_set, big_m)
    tadj = _greedy_pcst(
        hnet, r, p, heur_deadline, budget=budget, min_prize=min_prize, real=net, offset=off
    )
    if budget is not None and p:
        # Greedy by ratio can miss one big prize (Khuller, Moss & Naor 1999): also start
        # from the largest prize that fits alone, and keep the better tree.
        far = dijkstra(dict(enumerate(hnet.adj)), r, bound=budget + big_m)
        dist = {v: d - off.get(v, 0.0) for v, d in far.items()}
        fits = [v for v in p if v in dist and dist[v] <= budget]
        if fits:
            big = max(fits, key=lambda v: (p[v], -dist[v]))
            alt = _greedy_pcst(
                hnet,
                r,
                p,
                heur_deadline,
                budget=budget,
                min_prize=None,
                first=big,
                real=net,
                offset=off,
            )
            if _prize_key(alt, p, net) > _prize_key(tadj, p, net):
                tadj = alt
    if not sinks_are_leaves(tadj, sink_set):  # pragma: no cover - M keeps them leaves
        msg = "internal error: the greedy passed through a group's virtual terminal"
        raise RuntimeError(msg)
    return tadj


def _exact_pcst(  # noqa: PLR0913 - the problem and its incumbent
    net: Net,
    root: int,
    prizes: Mapping[int, float],
    deadline: float,
    incumbent: TAdj,
    *,
    budget: float | None,
    min_prize: float | None,
    auto: bool,
    banned: set[tuple[int, int]] | None = None,
) -> Outcome:
    heur_cost = net.cost(incumbent)
    heur_prize = sum(prizes.get(v, 0.0) for v in incumbent)
    bound = budget if budget is not None else heur_cost
    keep = set(prizes) | {root}
    red = reduce_graph(net, keep, root, root_distance_test(root, bound), banned or set())
    fallback = Outcome(
        incumbent, "heuristic" if auto else "ilp", optimal=False, cost_lower_bound=math.nan
    )
    if auto and red.n_edges() > AUTO_MAX_EDGES:
        return fallback
    kept = {v: w for v, w in prizes.items() if v in red.adj}
    res = solve_ilp(
        red, root, set(), deadline, incumbent, prizes=kept, budget=budget, min_prize=min_prize
    )
    fallback.cost_lower_bound = res.cost_lower_bound
    fallback.prize_upper_bound = res.prize_upper_bound
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
        return Outcome(
            res.tadj,
            "ilp",
            optimal=res.optimal,
            cost_lower_bound=res.cost_lower_bound,
            prize_upper_bound=res.prize_upper_bound,
        )
    return fallback
