"""The exact method: the directed cut ILP, solved by HiGHS with cuts added as needed.

The model (:class:`_Dcut`) is an arborescence from the root: a 0/1 variable per arc of
the reduced graph (and, for the prize-collecting variants, per prize node: whether it is
in the tree); every set of nodes holding a terminal but not the root must have an arc
coming in. Those cut rows are too many to write down: :func:`solve_ilp` starts from the
in-degree rows (and the cuts dual ascent raised), solves rounds of the linear relaxation
adding the violated cuts found by max-flow (nested back-cuts), then branch and bound,
re-checking each integer solution's connectivity and adding the cuts it violates.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import networkx as nx
import numpy as np
import numpy.typing as npt

from planner._highs import highspy_module, new_highs
from planner.steiner.net import TAdj, add_edge, prune
from planner.steiner.reductions import Reduced

__all__ = [
    "IlpResult",
    "solve_ilp",
]

_CUT_TOL: Final = 1e-6
_NESTED: Final = 25
"""At most this many nested cuts per terminal and separation round."""


FloatArray = npt.NDArray[np.float64]
_Row = tuple[float, float, list[int], list[float]]
"""A constraint row: lower, upper, column indices, values."""


@dataclass
class IlpResult:
    """What the ILP found: a tree (or None), whether it is optimal, its bound, HiGHS's status.

    The bound is on the objective, in original units: a lower bound on the cost for a
    Steiner tree or a prize target, an upper bound on the prize for a budget.
    """

    tadj: TAdj | None
    optimal: bool
    cost_lower_bound: float
    """No tree costs less (NaN for a budget: the objective is the prize)."""
    prize_upper_bound: float
    """For a budget: no tree within it collects more (NaN otherwise)."""
    status: str


def _max_flow_back_cut(  # noqa: C901, PLR0912 - Edmonds-Karp, kept whole
    cap: dict[int, dict[int, float]], s: int, t: int, demand: float
) -> tuple[float, set[int]]:
    """Max-flow from `s` to `t` (stopping at `demand`) and the minimum cut nearest `t`.

    Edmonds-Karp on the small support graph. Returns the flow and the set of nodes that
    can still reach `t` in the residual graph (`t` included; `s` excluded unless the
    flow reached the demand).
    """
    res: dict[int, dict[int, float]] = {}
    for u, nbrs in cap.items():
        ru = res.setdefault(u, {})
        for v, c in nbrs.items():
            ru[v] = ru.get(v, 0.0) + c
            res.setdefault(v, {}).setdefault(u, 0.0)
    res.setdefault(s, {})
    res.setdefault(t, {})
    flow = 0.0
    while flow < demand - _CUT_TOL:
        parent = {s: s}
        queue = [s]
        for u in queue:
            if t in parent:
                break
            for v, c in res[u].items():
                if c > _CUT_TOL and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if t not in parent:
            break
        path = [t]
        while path[-1] != s:
            path.append(parent[path[-1]])
        aug = min(res[parent[v]][v] for v in path[:-1])
        aug = min(aug, demand - flow)
        for v in path[:-1]:
            u = parent[v]
            res[u][v] -= aug
            res[v][u] += aug
        flow += aug
    S = {t}
    stack = [t]
    while stack:
        v = stack.pop()
        for u in res[v]:
            if u not in S and res[u][v] > _CUT_TOL:
                S.add(u)
                stack.append(u)
    return flow, S


class _Dcut:
    """Directed cut model of a (prize-collecting) Steiner arborescence, with HiGHS."""

    def __init__(  # noqa: PLR0913 - the instance and its variant, keyword-only
        self,
        red: Reduced,
        root: int,
        terms: set[int],
        *,
        prizes: Mapping[int, float] | None = None,
        budget: float | None = None,
        min_prize: float | None = None,
    ) -> None:
        hs = highspy_module()
        if hs is None:  # pragma: no cover
            msg = (
                "highspy must be installed for the exact (ILP) methods: "
                "pip install highspy, or use method='heuristic'"
            )
            raise ImportError(msg)
        self.red, self.root = red, root
        self.prizes = dict(prizes or {})
        self.pcst = prizes is not None
        weights = [w for v in red.adj for w in red.adj[v].values()]
        self.scale = max([w for w in weights if w > 0], default=1.0)
        self.arcs: list[tuple[int, int]] = [
            (a, b) for a in red.adj for b in red.adj[a] if b != root and (a, b) not in red.banned
        ]
        self.arc_id = {a: i for i, a in enumerate(self.arcs)}
        self.inn: dict[int, list[int]] = {v: [] for v in red.adj}
        self.out: dict[int, list[int]] = {v: [] for v in red.adj}
        for i, (a, b) in enumerate(self.arcs):
            self.out[a].append(i)
            self.inn[b].append(i)
        n_arc = len(self.arcs)
        self.ycol: dict[int, int] = {}
        if self.pcst:
            for v in sorted(self.prizes):
                if v != root and v in red.adj:
                    self.ycol[v] = n_arc + len(self.ycol)
            self.terms = set(self.ycol)
        else:
            self.terms = {t for t in terms if t != root}
        self.n_col = n_arc + len(self.ycol)
        w = np.array([red.adj[a][b] / self.scale for a, b in self.arcs], dtype=np.float64)
        self.w = w
        cost = np.zeros(self.n_col)
        if self.pcst and budget is not None:
            prize_arr = np.array([self.prizes[v] for v in self.ycol], dtype=np.float64)
            tie = 1e-3 / max(float(w.sum()), 1e-12)
            if not np.all(prize_arr == np.round(prize_arr)):
                tie *= max(float(prize_arr[prize_arr > 0].min(initial=1.0)), 1e-6) * 1e-3
            cost[:n_arc] = w * tie
            cost[n_arc:] = -prize_arr
            self.tie = tie
        else:
            cost[:n_arc] = w
            self.tie = 1.0
        h = new_highs()
        h.setOptionValue("output_flag", False)  # noqa: FBT003 - HiGHS's option API
        h.setOptionValue("mip_rel_gap", 1e-7)
        h.setOptionValue("random_seed", 0)
        h.addCols(
            self.n_col,
            cost,
            np.zeros(self.n_col),
            np.ones(self.n_col),
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.float64),
        )
        self.h = h
        self.cuts_seen: set[tuple[int, frozenset[int]]] = set()
        self.presolve_off = False
        self._initial_rows(budget, min_prize)

    # rows -----------------------------------------------------------------------------

    def _add_rows(self, rows: list[tuple[float, float, list[int], list[float]]]) -> None:
        if not rows:
            return
        lower = np.array([r[0] for r in rows], dtype=np.float64)
        upper = np.array([r[1] for r in rows], dtype=np.float64)
        starts = np.cumsum([0] + [len(r[2]) for r in rows[:-1]]).astype(np.int32)
        idx = np.array([i for r in rows for i in r[2]], dtype=np.int32)
        val = np.array([x for r in rows for x in r[3]], dtype=np.float64)
        self.h.addRows(len(rows), lower, upper, len(idx), starts, idx, val)

    def _initial_rows(self, budget: float | None, min_prize: float | None) -> None:
        inf = highspy_module().kHighsInf
        rows: list[_Row] = []
        for v in self.red.adj:
            if v == self.root:
                continue
            inn = self.inn[v]
            if v in self.ycol:
                rows.append((0.0, 0.0, [*inn, self.ycol[v]], [1.0] * len(inn) + [-1.0]))
            elif v in self.terms:
                rows.append((1.0, 1.0, inn, [1.0] * len(inn)))
            else:
                rows.append((-inf, 1.0, inn, [1.0] * len(inn)))
                # A Steiner node entered must be left (no Steiner leaves).
                out = self.out[v]
                rows.append((-inf, 0.0, inn + out, [1.0] * len(inn) + [-1.0] * len(out)))
            # leaving v requires entering v
            rows.extend((-inf, 0.0, [a, *inn], [1.0] + [-1.0] * len(inn)) for a in self.out[v])
        for i, (a, b) in enumerate(self.arcs):
            j = self.arc_id.get((b, a))
            if j is not None and i < j:
                rows.append((-inf, 1.0, [i, j], [1.0, 1.0]))
        if budget is not None:
            rows.append((-inf, budget / self.scale, list(range(len(self.arcs))), list(self.w)))
        if min_prize is not None:
            cols = list(self.ycol.values())
            rows.append((min_prize, inf, cols, [self.prizes[v] for v in self.ycol]))
        self._add_rows(rows)

    # separation -----------------------------------------------------------------------

    def _demand(self, x: FloatArray, t: int) -> float:
        return float(x[self.ycol[t]]) if self.pcst else 1.0

    def _cut_row(self, t: int, S: set[int], arcs_in: list[int] | None = None) -> _Row | None:
        key = (t if self.pcst else -1, frozenset(S))
        if key in self.cuts_seen:
            return None
        self.cuts_seen.add(key)
        if arcs_in is None:
            arcs_in = [a for v in S for a in self.inn[v] if self.arcs[a][0] not in S]
        idx = list(arcs_in)
        val = [1.0] * len(idx)
        if self.pcst:
            return (0.0, highspy_module().kHighsInf, [*idx, self.ycol[t]], [*val, -1.0])
        return (1.0, highspy_module().kHighsInf, idx, val)

    def add_cuts(self, cuts: Iterable[tuple[int, frozenset[int]]]) -> None:
        """Add known cuts ``(terminal, node set)``, e.g. those raised by dual ascent."""
        rows = []
        for t, S in cuts:
            inside = {v for v in S if v in self.inn}
            if t in self.terms and self.root not in inside:
                row = self._cut_row(t, inside)
                if row is not None:
                    rows.append(row)
        self._add_rows(rows)

    def separate_fractional(self, x: FloatArray) -> list[_Row]:
        """Nested back-cuts violated by the fractional solution `x`.

        For each terminal, a max-flow from the root in the support graph (capacities
        ``x``) finds the minimum cut nearest the terminal; its arcs are then raised to
        capacity 1 and the next cut is sought, up to :data:`_NESTED` cuts a terminal.
        """
        n_arc = len(self.arcs)
        cap: dict[int, dict[int, float]] = {}
        for i in np.flatnonzero(x[:n_arc] > _CUT_TOL):
            a, b = self.arcs[i]
            cap.setdefault(a, {})[b] = float(x[i])
        rows: list[_Row] = []
        for t in sorted(self.terms):
            demand = self._demand(x, t)
            if demand <= _CUT_TOL:
                continue
            caps = {u: dict(nb) for u, nb in cap.items()}
            for _ in range(_NESTED):
                flow, S = _max_flow_back_cut(caps, self.root, t, demand)
                if flow >= demand - _CUT_TOL or self.root in S:
                    break
                arcs_in = [a for v in S for a in self.inn[v] if self.arcs[a][0] not in S]
                if float(x[arcs_in].sum()) < demand - _CUT_TOL:
                    row = self._cut_row(t, S, arcs_in)
                    if row is not None:
                        rows.append(row)
                for a in arcs_in:
                    u, v = self.arcs[a]
                    caps.setdefault(u, {})[v] = 1.0
        return rows

    def separate_integral(self, x: FloatArray) -> list[tuple[float, float, list[int], list[float]]]:
        D = nx.DiGraph()
        D.add_node(self.root)
        for i in np.flatnonzero(x[: len(self.arcs)] > 0.5):
            D.add_edge(*self.arcs[i])
        reach = nx.descendants(D, self.root) | {self.root}
        rows = []
        for t in sorted(self.terms):
            if self._demand(x, t) > 0.5 and t not in reach:
                S = ({t} | nx.ancestors(D, t)) if t in D else {t}
                row = self._cut_row(t, S - reach)
                if row is not None:
                    rows.append(row)
        return rows

    # solving --------------------------------------------------------------------------

    def start_vector(self, tadj: TAdj) -> FloatArray | None:
        """Return the MIP start of a known tree (None when it does not fit the model)."""
        arcs = _to_reduced_arcs(self.red, tadj, self.root)
        if arcs is None:
            return None
        x = np.zeros(self.n_col)
        for a in arcs:
            i = self.arc_id.get(a)
            if i is None:
                return None
            x[i] = 1.0
        for v, col in self.ycol.items():
            x[col] = 1.0 if (v in tadj) else 0.0
        return x

    def _run(self, deadline: float) -> None:
        """Run HiGHS until `deadline`; rerun without presolve if its answer is inconsistent.

        HiGHS 1.16 can report an optimal objective whose solution vector costs more
        (seen on an 8-edge prize-target instance: objective 0.5, solution costing 1.0,
        status optimal), a presolve/postsolve fault of the kind in HiGHS issues #2439
        and #2900. The cost of the returned vector is recomputed here; when it exceeds
        the reported objective, presolve is switched off for this model and the run
        repeated, so an "optimal" tree is never costlier than the bound it is proved by.
        """
        h = self.h

        def until() -> float:  # HiGHS's time limit counts from the model's first run
            return float(h.getRunTime()) + max(deadline - time.perf_counter(), 0.0)

        h.setOptionValue("time_limit", until())
        h.run()
        if self.presolve_off or h.getInfo().primal_solution_status != 2:
            return
        x = np.asarray(h.getSolution().col_value)
        reported = float(h.getInfo().objective_function_value)
        actual = float(np.dot(h.getLp().col_cost_, x))
        if actual > reported + 1e-7 * max(1.0, abs(reported)):
            self.presolve_off = True
            h.setOptionValue("presolve", "off")
            h.setOptionValue("time_limit", until())
            h.run()

    def solve(  # noqa: C901, PLR0911 - LP rounds, then branch and bound with checks
        self, deadline: float, start: FloatArray | None
    ) -> tuple[FloatArray | None, bool, float, str]:
        h = self.h
        lp_bound = -math.inf
        # Rounds of the linear relaxation.
        for _ in range(500):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None, False, lp_bound, "time limit (LP)"
            self._run(deadline)
            if h.getModelStatus() != highspy_module().HighsModelStatus.kOptimal:
                text = h.modelStatusToString(h.getModelStatus())
                return None, False, lp_bound, f"LP {text}"
            x = np.asarray(h.getSolution().col_value)
            lp_bound = float(h.getInfo().objective_function_value)
            rows = self.separate_fractional(x)
            if not rows:
                break
            self._add_rows(rows)
        integral = np.all(np.abs(x - np.round(x)) < 1e-7)
        if integral and not self.separate_integral(x):
            return np.round(x), True, lp_bound, "optimal (LP integral)"
        # Branch and bound, checking connectivity of each integer solution.
        h.changeColsIntegrality(
            self.n_col, np.arange(self.n_col, dtype=np.int32), np.ones(self.n_col, dtype=np.uint8)
        )
        bound = lp_bound
        best: FloatArray | None = None
        for _ in range(200):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return best, False, bound, "time limit (MIP)"
            if start is not None:
                h.setSolution(self.n_col, np.arange(self.n_col, dtype=np.int32), start)
            self._run(deadline)
            status = h.getModelStatus()
            info = h.getInfo()
            if math.isfinite(info.mip_dual_bound):
                bound = max(bound, float(info.mip_dual_bound))
            if info.primal_solution_status != 2:  # no feasible solution
                return best, False, bound, h.modelStatusToString(status)
            x = np.round(np.asarray(h.getSolution().col_value))
            rows = self.separate_integral(x)
            if rows:
                self._add_rows(rows)
                continue
            best = x
            done = status == highspy_module().HighsModelStatus.kOptimal
            return best, done, bound, h.modelStatusToString(status)
        return best, False, bound, "too many rounds"  # pragma: no cover


def solve_ilp(  # noqa: PLR0913 - the reduced problem, its incumbent and its variant
    red: Reduced,
    root: int,
    terms: set[int],
    deadline: float,
    incumbent: TAdj | None,
    *,
    prizes: Mapping[int, float] | None = None,
    budget: float | None = None,
    min_prize: float | None = None,
    cuts: Sequence[tuple[int, frozenset[int]]] = (),
) -> IlpResult:
    """Solve the reduced problem exactly (within `deadline`) from `incumbent` and `cuts`."""
    model = _Dcut(red, root, terms, prizes=prizes, budget=budget, min_prize=min_prize)
    model.add_cuts(cuts)
    start = None
    if incumbent is not None:
        start = model.start_vector(incumbent)
    x, optimal, bound, status = model.solve(deadline, start)
    if model.pcst and budget is not None:
        # For a budget the objective is minus the prize: its bound caps the prize.
        cost_lower, prize_upper = math.nan, -bound
    else:
        cost_lower, prize_upper = bound * model.scale, math.nan
    bounds = {"cost_lower_bound": cost_lower, "prize_upper_bound": prize_upper}
    if x is None:
        return IlpResult(None, optimal=False, status=status, **bounds)
    tadj: TAdj = {root: set()}
    for i in np.flatnonzero(x[: len(model.arcs)] > 0.5):
        a, b = model.arcs[i]
        for u, v in red.edge_orig(a, b):
            add_edge(tadj, u, v)
    keep = set(model.terms) if not model.pcst else {v for v in model.ycol if x[model.ycol[v]] > 0.5}
    keep.add(root)
    _keep_root_side(tadj, root)
    prune(tadj, keep)
    tadj.setdefault(root, set())
    return IlpResult(tadj, optimal=optimal, status=status, **bounds)


def _keep_root_side(tadj: TAdj, root: int) -> None:
    seen = {root}
    stack = [root]
    while stack:
        x = stack.pop()
        for y in tadj.get(x, ()):
            if y not in seen:
                seen.add(y)
                stack.append(y)
    for v in [v for v in tadj if v not in seen]:
        del tadj[v]


def _to_reduced_arcs(red: Reduced, tadj: TAdj, root: int) -> list[tuple[int, int]] | None:
    """Map a tree on the original graph to arcs of the reduced graph, oriented from root."""
    chosen: dict[int, set[int]] = {}
    covered = 0
    for a, nbrs in red.adj.items():
        for b in nbrs:
            if a < b:
                path = red.edge_orig(a, b)
                if all(v in tadj.get(u, ()) for u, v in path):
                    chosen.setdefault(a, set()).add(b)
                    chosen.setdefault(b, set()).add(a)
                    covered += len(path)
    n_tree = sum(len(nb) for nb in tadj.values()) // 2
    if covered != n_tree:
        return None
    arcs = []
    seen = {root}
    stack = [root]
    while stack:
        x = stack.pop()
        for y in chosen.get(x, ()):
            if y not in seen:
                seen.add(y)
                arcs.append((x, y))
                stack.append(y)
    return arcs
