r"""The exact mix: a mixed-integer program solved with HiGHS, to measure the greedy's gap.

Variables (all binary): ``x_v`` the edge into tree node *v* is built, ``f_u`` unit *u* is
connected by fiber, ``y_o`` option *o* is taken, ``s_g`` new site *g* is built.

.. math::

    \min \sum_v c_v x_v + \sum_u c_u f_u + \sum_o c_o y_o + \sum_g c_g s_g

subject to ``x_v ≤ x_parent(v)`` (the tree grows from the existing fiber), ``f_u ≤
x_node(u)``, ``f_u + Σ_o y_o ≤ 1`` per unit (``= 1`` for a unit that must be served),
``y_o ≤ s_g`` for an option of site *g*, ``s_g = 1`` for a required site, and
``Σ served · (f, y) ≥ need``. It is the problem the greedy solves, without the greedy's
one approximation (a shared site priced per household); on small instances HiGHS proves
the optimum in seconds. Only the tree's nodes above some unit enter the model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from planner._highs import highspy_module, new_highs
from planner.mix.problem import FIBER, NONE, MixProblem

__all__ = ["solve_milp"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Model:
    """The MILP: column costs and lower bounds, rows (columns, values, lower, upper)."""

    cost: np.ndarray
    lower: np.ndarray
    rows: list[tuple[list[int], list[float], float, float]]
    fib_units: np.ndarray
    f0: int
    y0: int


def _model(p: MixProblem, need: float, inf: float) -> _Model:
    """Columns (x per tree node, f per fiber unit, y per option, s per site) and rows."""
    t = p.tree
    keep = np.zeros(len(t.parent), dtype=bool)  # nodes above some unit fiber can serve
    for u in np.flatnonzero(p.fiber_ok).tolist():
        v = int(t.unit_node[u])
        while v > 0 and not keep[v]:
            keep[v] = True
            v = int(t.parent[v])
    nodes = np.flatnonzero(keep)
    col_of_node = {int(v): k for k, v in enumerate(nodes.tolist())}
    fib_units = np.flatnonzero(p.fiber_ok)
    n_x, n_f, n_y = len(nodes), len(fib_units), len(p.alt_unit)
    f0, y0, s0 = n_x, n_x + n_f, n_x + n_f + n_y
    cost = np.concatenate([t.edge_npv_vnd[nodes], p.fiber_npv[fib_units], p.alt_npv, p.group_npv])
    lower = np.zeros(len(cost))
    lower[s0:] = p.group_mandatory.astype(float)
    rows: list[tuple[list[int], list[float], float, float]] = [
        ([col_of_node[v], col_of_node[int(t.parent[v])]], [1.0, -1.0], -inf, 0.0)
        for v in nodes.tolist()
        if int(t.parent[v]) > 0
    ]
    per_unit: dict[int, list[int]] = {}
    for k, u in enumerate(fib_units.tolist()):
        rows.append(([f0 + k, col_of_node[int(t.unit_node[u])]], [1.0, -1.0], -inf, 0.0))
        per_unit.setdefault(u, []).append(f0 + k)
    for o, u in enumerate(p.alt_unit.tolist()):
        per_unit.setdefault(u, []).append(y0 + o)
        if p.alt_group[o] >= 0:
            rows.append(([y0 + o, s0 + int(p.alt_group[o])], [1.0, -1.0], -inf, 0.0))
    rows += [
        (cols, [1.0] * len(cols), 1.0 if p.mandatory[u] else -inf, 1.0)
        for u, cols in sorted(per_unit.items())
    ]
    served = np.concatenate(
        [np.zeros(n_x), p.fiber_served[fib_units], p.alt_served, np.zeros(len(p.group_ids))]
    )
    nz = np.flatnonzero(served)
    rows.append((nz.tolist(), served[nz].tolist(), float(need), inf))
    return _Model(cost, lower, rows, fib_units, f0, y0)


def solve_milp(
    p: MixProblem, need: float, *, time_limit_s: float = 60.0
) -> tuple[np.ndarray | None, bool]:
    """Solve the mix exactly for a number of households.

    Parameters
    ----------
    p
        The problem.
    need
        Households to serve among the units.
    time_limit_s
        Time allowed to HiGHS.

    Returns
    -------
    choice : numpy.ndarray or None
        The choice per unit (``None`` when HiGHS finds no solution).
    optimal : bool
        Whether HiGHS proved it optimal.

    Raises
    ------
    ImportError
        Without highspy.
    """
    hs = highspy_module()
    if hs is None:
        msg = "highspy is not installed; install it (pip install highspy) for the exact mix"
        raise ImportError(msg)
    inf = float(hs.kHighsInf)
    m = _model(p, need, inf)
    cost, lower, rows = m.cost, m.lower, m.rows
    n_col = len(cost)
    scale = float(cost.max()) if len(cost) and cost.max() > 0 else 1.0
    lp = hs.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = len(rows)
    lp.col_cost_ = cost / scale
    lp.col_lower_ = lower
    lp.col_upper_ = np.ones(n_col)
    lp.row_lower_ = np.array([r[2] for r in rows])
    lp.row_upper_ = np.array([r[3] for r in rows])
    lp.a_matrix_.format_ = hs.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = len(rows)
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum([len(r[0]) for r in rows])]).astype(
        np.int32
    )
    lp.a_matrix_.index_ = np.concatenate([np.asarray(r[0], dtype=np.int32) for r in rows])
    lp.a_matrix_.value_ = np.concatenate([np.asarray(r[1], dtype=np.float64) for r in rows])
    lp.integrality_ = [hs.HighsVarType.kInteger] * n_col
    lp.sense_ = hs.ObjSense.kMinimize
    h = new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.setOptionValue("random_seed", 0)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    optimal = bool(status == hs.HighsModelStatus.kOptimal)
    if not optimal and h.getInfo().primal_solution_status != hs.kSolutionStatusFeasible:
        log.warning("mix MILP: no solution (%s)", h.modelStatusToString(status))
        return None, False
    x = np.asarray(h.getSolution().col_value) > 0.5
    choice = np.full(p.n_units, NONE, dtype=np.intp)
    choice[m.fib_units[x[m.f0 : m.y0]]] = FIBER
    taken = np.flatnonzero(x[m.y0 : m.y0 + len(p.alt_unit)])
    choice[p.alt_unit[taken]] = taken
    return choice, optimal
