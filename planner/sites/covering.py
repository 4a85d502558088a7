"""The covering problem: set cover, or the maximal covering location problem.

:func:`solve_covering` chooses candidates: without limits the fewest that cover every
coverable target (set cover); with a number of sites or a budget, those covering the
most households (maximal covering location, Church & ReVelle 1974). Exactly as an
integer programme with HiGHS, or by a greedy (with the best-single-set guard of
Khuller, Moss & Naor under a budget); ``"auto"`` keeps the better of the two when the
ILP cannot prove optimality.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from planner._highs import highspy_module, new_highs
from planner.sites.inputs import BoolArray, FloatArray, IntArray

__all__ = [
    "METHODS",
    "CoverSolution",
    "check_method",
    "solve_covering",
]

log = logging.getLogger(__name__)

#: Ways to solve the covering problem: exact ILP (HiGHS), greedy, or ILP falling back to
#: greedy when highspy is missing or the ILP hits its time limit.
METHODS: Final = ("auto", "ilp", "greedy")


@dataclass(frozen=True)
class CoverSolution:
    """A solution of the covering problem of :func:`solve_covering`.

    Attributes
    ----------
    chosen
        Indices of the chosen candidates, ascending.
    covered
        ``bool`` per target: covered by a chosen candidate.
    method
        ``"ilp"`` or ``"greedy"``: what produced the solution.
    optimal
        ``True`` when the ILP proved the solution optimal.
    """

    chosen: tuple[int, ...]
    covered: BoolArray
    method: str
    optimal: bool


@dataclass(frozen=True)
class _Model:
    """A mixed-integer programme in row-wise sparse form (the first ``n_int`` are binary)."""

    cost: FloatArray
    upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    start: IntArray
    index: IntArray
    value: FloatArray
    n_int: int
    maximize: bool


def _row_slices(t: IntArray, n_t: int) -> tuple[IntArray, IntArray, IntArray]:
    """Return the coverable targets and where their pairs start and end (``t`` sorted)."""
    rows = np.flatnonzero(np.bincount(t, minlength=n_t) > 0).astype(np.intp)
    return rows, np.searchsorted(t, rows).astype(np.intp), np.searchsorted(t, rows, "right")


def _set_cover_model(t: IntArray, c: IntArray, n_t: int, rel_cost: FloatArray) -> _Model:
    """Fewest sites covering every coverable target, then the cheapest.

    Each site costs ``1 + rel_cost / (n_c + 1)``: the tie-breaks of all sites together
    stay below one site.
    """
    n_c = len(rel_cost)
    rows, starts, ends = _row_slices(t, n_t)
    parts = [c[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    index = np.concatenate(parts).astype(np.intp) if parts else np.empty(0, dtype=np.intp)
    return _Model(
        cost=1.0 + rel_cost / (n_c + 1.0),
        upper=np.ones(n_c),
        row_lower=np.ones(len(rows)),
        row_upper=np.full(len(rows), np.inf),
        start=np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.intp),
        index=index,
        value=np.ones(len(index)),
        n_int=n_c,
        maximize=False,
    )


def _max_cover_model(  # noqa: PLR0913
    t: IntArray,
    c: IntArray,
    weights: FloatArray,
    rel_cost: FloatArray,
    max_sites: int | None,
    rel_budget: float | None,
) -> _Model:
    """Most households; then most targets; then lowest cost (weights nested to keep order).

    Columns: ``x`` per candidate (binary), then ``y`` per target (covered, in [0, 1]);
    rows ``y_i - sum_j x_j <= 0`` per coverable target, ``sum x <= max_sites`` and
    ``sum rel_cost x <= rel_budget``.
    """
    n_t, n_c = len(weights), len(rel_cost)
    rows, starts, ends = _row_slices(t, n_t)
    coverable = np.zeros(n_t)
    coverable[rows] = 1.0
    w_unit = float(weights[weights > 0].min()) if (weights > 0).any() else 1.0
    eta = 0.5 * w_unit / (n_t + 1.0)
    delta = 0.25 * eta / (n_c + 1.0)
    index: list[IntArray] = []
    value: list[FloatArray] = []
    for i, s, e in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        index.append(np.concatenate([[n_c + i], c[s:e]]).astype(np.intp))
        value.append(np.concatenate([[1.0], -np.ones(e - s)]))
    upper_rows = [0.0] * len(rows)
    if max_sites is not None:
        index.append(np.arange(n_c, dtype=np.intp))
        value.append(np.ones(n_c))
        upper_rows.append(float(max_sites))
    if rel_budget is not None:
        index.append(np.arange(n_c, dtype=np.intp))
        value.append(rel_cost)
        upper_rows.append(rel_budget)
    return _Model(
        cost=np.concatenate([-delta * rel_cost, weights + eta]),
        upper=np.concatenate([np.ones(n_c), coverable]),
        row_lower=np.full(len(upper_rows), -np.inf),
        row_upper=np.asarray(upper_rows, dtype=np.float64),
        start=np.concatenate([[0], np.cumsum([len(p) for p in index])]).astype(np.intp),
        index=np.concatenate(index) if index else np.empty(0, dtype=np.intp),
        value=np.concatenate(value) if value else np.empty(0),
        n_int=n_c,
        maximize=True,
    )


def _run_highs(model: _Model, time_limit_s: float) -> tuple[FloatArray | None, bool]:
    """Solve ``model`` with HiGHS; return (column values or None, proven optimal)."""
    hs = highspy_module()
    if hs is None:
        msg = (
            "highspy must be installed to solve the site plan exactly "
            "(`pip install highspy`); or use method='greedy'."
        )
        raise ImportError(msg)
    inf = float(hs.kHighsInf)
    n_col, n_row = len(model.cost), len(model.row_upper)
    lp = hs.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = model.cost
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = model.upper
    lp.row_lower_ = np.where(np.isfinite(model.row_lower), model.row_lower, -inf)
    lp.row_upper_ = np.where(np.isfinite(model.row_upper), model.row_upper, inf)
    lp.a_matrix_.format_ = hs.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = n_row
    lp.a_matrix_.start_ = model.start.astype(np.int32)
    lp.a_matrix_.index_ = model.index.astype(np.int32)
    lp.a_matrix_.value_ = model.value
    lp.integrality_ = [hs.HighsVarType.kInteger] * model.n_int + [hs.HighsVarType.kContinuous] * (
        n_col - model.n_int
    )
    lp.sense_ = hs.ObjSense.kMaximize if model.maximize else hs.ObjSense.kMinimize
    h = new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("random_seed", 0)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    optimal = bool(status == hs.HighsModelStatus.kOptimal)
    if not optimal and h.getInfo().primal_solution_status != hs.kSolutionStatusFeasible:
        log.warning("site ILP: no solution (%s)", h.modelStatusToString(status))
        return None, False
    if not optimal:
        log.warning("site ILP stopped early (%s)", h.modelStatusToString(status))
    return np.asarray(h.getSolution().col_value, dtype=np.float64), optimal


def _ilp(  # noqa: PLR0913
    t: IntArray,
    c: IntArray,
    weights: FloatArray,
    costs: FloatArray,
    max_sites: int | None,
    budget: float | None,
    time_limit_s: float,
) -> tuple[BoolArray | None, bool]:
    """Solve the covering problem exactly; return (chosen mask or None, proven optimal)."""
    scale = float(costs.max()) if len(costs) and costs.max() > 0 else 1.0
    rel_cost = costs / scale  # costs in VND scaled to <= 1: a well-conditioned budget row
    if max_sites is None and budget is None:
        model = _set_cover_model(t, c, len(weights), rel_cost)
    else:
        rel_budget = None if budget is None else float(budget) / scale
        model = _max_cover_model(t, c, weights, rel_cost, max_sites, rel_budget)
    x, optimal = _run_highs(model, time_limit_s)
    if x is None:
        return None, False
    return x[: len(costs)] > 0.5, optimal


def _covered(t: IntArray, c: IntArray, chosen: BoolArray, n_t: int) -> BoolArray:
    return np.bincount(t, weights=chosen[c].astype(np.float64), minlength=n_t) > 0


def _greedy(  # noqa: PLR0913
    t: IntArray,
    c: IntArray,
    weights: FloatArray,
    costs: FloatArray,
    max_sites: int | None,
    budget: float | None,
) -> BoolArray:
    """Greedy covering: most targets (set cover) or most households (gain per cost)."""
    n_t, n_c = len(weights), len(costs)
    chosen = np.zeros(n_c, dtype=bool)
    coverable = np.bincount(t, minlength=n_t) > 0
    uncovered = coverable.copy()
    index = np.arange(n_c)
    if max_sites is None and budget is None:
        while uncovered.any():
            count = np.bincount(c, weights=uncovered[t].astype(np.float64), minlength=n_c)
            gain = np.bincount(c, weights=(weights * uncovered)[t], minlength=n_c)
            best = int(np.lexsort((index, costs, -gain, -count))[0])
            chosen[best] = True
            uncovered &= ~_covered(t, c, chosen, n_t)
        # Clean-up: drop sites whose targets all stay covered, costliest first.
        for j in sorted(np.flatnonzero(chosen).tolist(), key=lambda k: (-costs[k], -k)):
            chosen[j] = False
            if (_covered(t, c, chosen, n_t) != coverable).any():
                chosen[j] = True
        return chosen
    w_unit = float(weights[weights > 0].min()) if (weights > 0).any() else 1.0
    value = weights + 0.5 * w_unit / (n_t + 1.0)  # a target with no households still counts
    limit = n_c if max_sites is None else max_sites
    left = math.inf if budget is None else float(budget)
    while int(chosen.sum()) < limit:
        gain = np.bincount(c, weights=(value * uncovered)[t], minlength=n_c)
        ok = ~chosen & (costs <= left + 1e-6) & (gain > 0)
        if not ok.any():
            break
        score = gain / np.maximum(costs, 1.0) if budget is not None else gain
        score = np.where(ok, score, -np.inf)
        best = int(np.lexsort((index, costs, -score))[0])
        chosen[best] = True
        left -= float(costs[best])
        uncovered &= ~_covered(t, c, chosen, n_t)
    if budget is not None and limit >= 1:
        # Guard of the budgeted greedy: the best single affordable site may beat it.
        single = np.bincount(c, weights=value[t], minlength=n_c)
        single = np.where(costs <= float(budget) + 1e-6, single, -np.inf)
        j = int(np.lexsort((index, costs, -single))[0])
        total = float(np.sum(value[_covered(t, c, chosen, n_t)]))
        if np.isfinite(single[j]) and single[j] > total + 1e-9:
            chosen[:] = False
            chosen[j] = True
    return chosen


def _score(
    t: IntArray, c: IntArray, chosen: BoolArray, weights: FloatArray, set_cover: bool
) -> tuple[float, float]:
    """Key to compare two solutions (higher is better)."""
    covered = _covered(t, c, chosen, len(weights))
    if set_cover:
        return (-float(chosen.sum()), float(weights[covered].sum()))
    return (float(weights[covered].sum()), -float(chosen.sum()))


def check_method(method: str) -> None:
    """Raise ``ValueError`` unless `method` is one of :data:`METHODS`."""
    if method not in METHODS:
        msg = f"{method!r} is not a valid choice for a method; choose one of {METHODS!r}."
        raise ValueError(msg)


def _check_problem(  # noqa: PLR0913
    target_idx: npt.ArrayLike,
    candidate_idx: npt.ArrayLike,
    weights: npt.ArrayLike,
    costs: npt.ArrayLike,
    max_sites: int | None,
    budget: float | None,
    method: str,
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Return the problem's arrays, raising ``ValueError`` on anything inconsistent."""
    check_method(method)
    w = np.asarray(weights, dtype=np.float64)
    cost = np.asarray(costs, dtype=np.float64)
    t = np.asarray(target_idx, dtype=np.intp).ravel()
    c = np.asarray(candidate_idx, dtype=np.intp).ravel()
    problems: list[str] = []
    if len(t) != len(c):
        problems.append(f"`target_idx` and `candidate_idx` differ in length: {len(t)}, {len(c)}")
    elif len(t) and (t.min() < 0 or t.max() >= len(w) or c.min() < 0 or c.max() >= len(cost)):
        problems.append(
            f"pairs out of range: targets must be in [0, {len(w)}) and candidates in "
            f"[0, {len(cost)})"
        )
    if not (np.isfinite(w).all() and np.isfinite(cost).all() and (w >= 0).all()):
        problems.append("`weights` and `costs` must be finite and >= 0")
    elif (cost < 0).any():
        problems.append("`costs` must be >= 0")
    if max_sites is not None and max_sites < 0:
        problems.append(f"`max_sites` must be >= 0; got {max_sites!r}")
    if budget is not None and not budget >= 0:
        problems.append(f"`budget` must be >= 0; got {budget!r}")
    if problems:
        msg = "invalid covering problem: " + "; ".join(problems) + "."
        raise ValueError(msg)
    return w, cost, t, c


def solve_covering(  # noqa: PLR0913 - the problem's data and options, keyword-only
    target_idx: npt.ArrayLike,
    candidate_idx: npt.ArrayLike,
    *,
    weights: npt.ArrayLike,
    costs: npt.ArrayLike,
    max_sites: int | None = None,
    budget: float | None = None,
    method: str = "auto",
    time_limit_s: float = 30.0,
) -> CoverSolution:
    """Choose candidates covering targets: fewest covering all, or most weight within limits.

    Without ``max_sites`` and ``budget`` this is set cover: the fewest candidates that
    cover every coverable target, the cheapest among equally few. With either, it is the
    maximal covering location problem: the most ``weights`` (households) covered with
    at most ``max_sites`` candidates whose ``costs`` sum to at most ``budget``; among
    equal weights the most targets, then the lowest cost.

    Parameters
    ----------
    target_idx, candidate_idx
        The pairs (target ``i`` can be covered by candidate ``j``), two integer arrays
        of equal length.
    weights
        Weight of each target (households), >= 0; its length is the number of targets.
    costs
        Cost of each candidate, >= 0; its length is the number of candidates.
    max_sites
        At most this many candidates.
    budget
        At most this total cost.
    method
        ``"ilp"`` (exact, HiGHS), ``"greedy"``, or ``"auto"``: the ILP, and the greedy
        when highspy is missing or when the ILP stops at its time limit with a worse
        solution (the better of the two is kept).
    time_limit_s
        Time limit of the ILP, seconds.

    Returns
    -------
    CoverSolution

    Raises
    ------
    ValueError
        For an unknown ``method``, pairs out of range or negative limits.
    ImportError
        ``method="ilp"`` without highspy.

    Examples
    --------
    >>> s = solve_covering([0, 1, 1, 2], [0, 0, 1, 1], weights=[5, 1, 1], costs=[1, 1])
    >>> s.chosen, s.covered.tolist()
    ((0, 1), [True, True, True])
    >>> solve_covering([0, 1, 1, 2], [0, 0, 1, 1], weights=[5, 1, 1], costs=[1, 1],
    ...                max_sites=1).chosen
    (0,)
    """
    w, cost, t, c = _check_problem(
        target_idx, candidate_idx, weights, costs, max_sites, budget, method
    )
    pairs = np.unique(np.column_stack([t, c]), axis=0) if len(t) else np.empty((0, 2), np.intp)
    t, c = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
    set_cover = max_sites is None and budget is None
    if not len(t) or max_sites == 0:
        exact = method != "greedy" and highspy_module() is not None
        return CoverSolution(
            chosen=(),
            covered=np.zeros(len(w), dtype=bool),
            method="ilp" if exact else "greedy",
            optimal=exact,
        )
    chosen: BoolArray | None = None
    used, optimal = "greedy", False
    if method in {"ilp", "auto"}:
        try:
            chosen, optimal = _ilp(t, c, w, cost, max_sites, budget, time_limit_s)
            used = "ilp"
        except ImportError:
            if method == "ilp":
                raise
            log.warning("highspy is not installed: the site plan falls back to greedy")
    if method == "greedy" or chosen is None or (method == "auto" and not optimal):
        greedy = _greedy(t, c, w, cost, max_sites, budget)
        if chosen is None or _score(t, c, greedy, w, set_cover) > _score(
            t, c, chosen, w, set_cover
        ):
            chosen, used, optimal = greedy, "greedy", False
    covered = _covered(t, c, chosen, len(w))
    log.info(
        "covering (%s): %d of %d candidates chosen, %d of %d targets covered, %s",
        used,
        int(chosen.sum()),
        len(cost),
        int(covered.sum()),
        len(w),
        "optimal" if optimal else "not proven optimal",
    )
    return CoverSolution(
        chosen=tuple(np.flatnonzero(chosen).tolist()),
        covered=covered,
        method=used,
        optimal=optimal,
    )
