"""The greedy mix: a price per household swept, an exact tree program at each price.

At a price λ (VND a household served is worth), the best choice maximises
``λ · households served − ten-year cost``. On the fiber tree this is exact by dynamic
programming (:func:`best_at_price`): for each node, the best value of its subtree
without fiber (every unit takes its best other option, or nothing) and with the edge
into it built (its units may also take fiber, its children decide again). A new site
shared by several units is priced to each at its cost per household it serves, then
re-priced over the households that actually chose it (the only approximation; the
exact MILP of :mod:`planner.mix.milp` measures what it costs).

Sweeping λ traces the lower convex hull of the cost curve (cost against households
served); :func:`least_cost_for` picks the cheapest choice that meets a target, refines
λ by bisection around it, and trims units whose removal keeps the target (most
expensive per household first). Fiber alone is the same with no other option
(:meth:`~planner.mix.problem.MixProblem.without_alternatives`), and it is a candidate of
the mix too, so the mix never costs more than fiber alone for the same target.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planner.mix.problem import FIBER, NONE, Evaluation, MixProblem

__all__ = ["Candidate", "best_at_price", "least_cost_for", "sweep"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: The worth of a unit that must be served (more than any plan costs).
_MUST: float = 1e15

#: Prices per household swept (VND), from a tenth of a million to ten billion.
PRICES: FloatArray = np.geomspace(1e5, 1e10, 48)


@dataclass(frozen=True)
class Candidate:
    """A choice and its exact evaluation."""

    choice: IntArray
    evaluation: Evaluation
    price_vnd: float


def _alt_values(
    p: MixProblem, price: float, group_price: FloatArray
) -> tuple[FloatArray, IntArray]:
    """Best value and option of each unit without fiber (0 and NONE: nothing)."""
    n = p.n_units
    best = np.zeros(n)
    arg = np.full(n, NONE, dtype=np.intp)
    if len(p.alt_unit):
        share = np.where(p.alt_group >= 0, group_price[np.maximum(p.alt_group, 0)], 0.0)
        must = p.mandatory[p.alt_unit] * _MUST
        value = price * p.alt_served + must - p.alt_npv - share * p.alt_served
        order = np.lexsort((np.arange(len(value)), -value, p.alt_unit))
        first = np.r_[True, p.alt_unit[order][1:] != p.alt_unit[order][:-1]]
        top = order[first]
        units = p.alt_unit[top]
        positive = value[top] > 0
        best[units[positive]] = value[top][positive]
        arg[units[positive]] = top[positive]
    return best, arg


def best_at_price(p: MixProblem, price: float, group_price: FloatArray | None = None) -> IntArray:
    """Return the choice maximising ``price · served − cost`` (exact on the tree).

    Parameters
    ----------
    p
        The problem.
    price
        VND a served household is worth.
    group_price
        Price per household of each new site (default: its ten-year cost over the
        households it could serve; a required site costs nothing more).

    Returns
    -------
    numpy.ndarray
        The choice per unit.
    """
    if group_price is None:
        group_price = _initial_group_price(p)
    alt_best, alt_arg = _alt_values(p, price, group_price)
    fib_val = np.where(
        p.fiber_ok, price * p.fiber_served + p.mandatory * _MUST - p.fiber_npv, -math.inf
    )
    t = p.tree
    n_nodes = len(t.parent)
    a = np.zeros(n_nodes)  # subtree without fiber
    g = np.zeros(n_nodes)  # fiber at the node (edge in bought)
    in_tree = t.unit_node >= 0
    nodes_u = t.unit_node[in_tree]
    np.add.at(a, nodes_u, alt_best[in_tree])
    np.add.at(g, nodes_u, np.maximum(alt_best[in_tree], fib_val[in_tree]))
    f = np.zeros(n_nodes)
    parent = t.parent
    edge = t.edge_npv_vnd
    for v in t.order[::-1].tolist():
        if v == 0:
            break
        fv = max(a[v], g[v] - edge[v])
        f[v] = fv
        par = int(parent[v])
        a[par] += a[v]
        g[par] += fv
    bought = np.zeros(n_nodes, dtype=bool)
    bought[0] = True
    for v in t.order.tolist():
        if v == 0:
            continue
        par = int(parent[v])
        bought[v] = bool(bought[par] and g[v] - edge[v] > a[v])
    choice = alt_arg.copy()
    fiber_here = in_tree.copy()
    fiber_here[in_tree] = bought[nodes_u]
    take = fiber_here & p.fiber_ok & (fib_val > np.maximum(alt_best, 0.0))
    choice[take] = FIBER
    return choice


def _initial_group_price(p: MixProblem) -> FloatArray:
    potential = np.bincount(
        p.alt_group[p.alt_group >= 0],
        weights=p.alt_served[p.alt_group >= 0],
        minlength=len(p.group_ids),
    )
    price = np.where(potential > 0, p.group_npv / np.maximum(potential, 1.0), 0.0)
    return np.where(p.group_mandatory, 0.0, price)


def _repriced(p: MixProblem, choice: IntArray, base: FloatArray) -> FloatArray:
    """Price each used site over the households that chose it."""
    alt = choice[choice >= 0]
    g = p.alt_group[alt]
    used = np.bincount(g[g >= 0], weights=p.alt_served[alt][g >= 0], minlength=len(p.group_ids))
    price = np.where(used > 0, p.group_npv / np.maximum(used, 1.0), base)
    return np.where(p.group_mandatory, 0.0, price)


def _candidates_at(p: MixProblem, price: float) -> list[Candidate]:
    base = _initial_group_price(p)
    first = best_at_price(p, price, base)
    out = [Candidate(first, p.evaluate(first), price)]
    if len(p.alt_unit) and (p.alt_group[first[first >= 0]] >= 0).any():
        second = best_at_price(p, price, _repriced(p, first, base))
        out.append(Candidate(second, p.evaluate(second), price))
    return out


def sweep(p: MixProblem, prices: FloatArray = PRICES) -> list[Candidate]:
    """Return the best choices over a range of prices per household (the cost curve)."""
    out: list[Candidate] = []
    for price in prices.tolist():
        out += _candidates_at(p, price)
    return out


def pareto(candidates: list[Candidate]) -> list[Candidate]:
    """Keep the choices no other serves as many households for less, by households."""
    ordered = sorted(
        candidates, key=lambda c: (-c.evaluation.households_served, c.evaluation.npv_vnd)
    )
    kept: list[Candidate] = []
    best = math.inf
    for c in ordered:
        if c.evaluation.npv_vnd < best - 1e-6:
            kept.append(c)
            best = c.evaluation.npv_vnd
    return kept[::-1]


def least_cost_for(
    p: MixProblem, need: float, curve: list[Candidate], extra: Sequence[Candidate] = ()
) -> Candidate | None:
    """Return the cheapest choice serving at least `need` households (None: impossible).

    Parameters
    ----------
    p
        The problem.
    need
        Households to serve among the units.
    curve
        Candidates from :func:`sweep`.
    extra
        Other feasible candidates to consider (fiber alone for the mix).

    Returns
    -------
    Candidate or None
    """
    pool = [*curve, *extra]
    ok = [c for c in pool if c.evaluation.households_served >= need and _mandatory_met(p, c)]
    if not ok:
        return None
    low = [c.price_vnd for c in curve if c.evaluation.households_served < need]
    high = [c.price_vnd for c in curve if c.evaluation.households_served >= need]
    if low and high:
        lo, hi = max(low), min(high)
        for _ in range(14):
            if hi <= lo * 1.0005:
                break
            mid = math.sqrt(lo * hi)
            cands = _candidates_at(p, mid)
            pool += cands
            if max(c.evaluation.households_served for c in cands) >= need:
                hi = mid
            else:
                lo = mid
        ok = [c for c in pool if c.evaluation.households_served >= need and _mandatory_met(p, c)]
    trimmed = [_trim(p, c, need) for c in sorted(ok, key=lambda c: c.evaluation.npv_vnd)[:4]]
    return min(trimmed, key=lambda c: c.evaluation.npv_vnd)


def _mandatory_met(p: MixProblem, c: Candidate) -> bool:
    return bool((c.choice[p.mandatory] != NONE).all())


def _served_of(p: MixProblem, choice: IntArray, u: int) -> float:
    k = int(choice[u])
    if k == FIBER:
        return float(p.fiber_served[u])
    return float(p.alt_served[k]) if k >= 0 else 0.0


def _trim(p: MixProblem, cand: Candidate, need: float) -> Candidate:  # noqa: C901
    """Drop served units, most expensive per household first, while the target holds."""
    choice = cand.choice.copy()
    t = p.tree
    users = np.zeros(len(t.parent), dtype=np.int64)  # fiber units at or below each node
    for u in np.flatnonzero(choice == FIBER).tolist():
        v = int(t.unit_node[u])
        while v > 0:
            users[v] += 1
            v = int(t.parent[v])
    alt = choice[choice >= 0]
    group_users = np.bincount(
        p.alt_group[alt][p.alt_group[alt] >= 0], minlength=len(p.group_ids)
    ).astype(np.int64)

    def saving(u: int) -> float:
        k = int(choice[u])
        if k == FIBER:
            s = float(p.fiber_npv[u])
            v = int(t.unit_node[u])
            while v > 0 and users[v] == 1:
                s += float(t.edge_npv_vnd[v])
                v = int(t.parent[v])
            return s
        s = float(p.alt_npv[k])
        g = int(p.alt_group[k])
        if g >= 0 and group_users[g] == 1 and not p.group_mandatory[g]:
            s += float(p.group_npv[g])
        return s

    served = float(cand.evaluation.households_served)
    heap: list[tuple[float, int]] = []
    for u in np.flatnonzero(choice != NONE).tolist():
        if p.mandatory[u]:
            continue
        hh = _served_of(p, choice, u)
        heapq.heappush(heap, (-saving(u) / max(hh, 1e-9), u))
    changed = False
    while heap:
        key, u = heapq.heappop(heap)
        hh = _served_of(p, choice, u)
        now = -saving(u) / max(hh, 1e-9)
        if now > key + 1e-6:  # its saving fell since: look again later
            heapq.heappush(heap, (now, u))
            continue
        if served - hh < need:
            continue
        k = int(choice[u])
        if k == FIBER:
            v = int(t.unit_node[u])
            while v > 0:
                users[v] -= 1
                v = int(t.parent[v])
        elif p.alt_group[k] >= 0:
            group_users[p.alt_group[k]] -= 1
        choice[u] = NONE
        served -= hh
        changed = True
    if not changed:
        return cand
    return Candidate(choice, p.evaluate(choice), cand.price_vnd)
